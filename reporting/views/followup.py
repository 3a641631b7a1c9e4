"""Views for reporting.followup (filled in by the follow-up issue)."""

urlpatterns = []
