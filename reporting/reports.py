"""reporting.reports (filled in by the follow-up issue)."""
