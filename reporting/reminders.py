"""reporting.reminders (filled in by the follow-up issue)."""
