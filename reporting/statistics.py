"""reporting.statistics (filled in by the follow-up issue)."""
