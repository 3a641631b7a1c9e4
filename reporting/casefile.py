"""reporting.casefile (filled in by the follow-up issue)."""
