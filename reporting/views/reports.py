"""Views for reporting.reports (filled in by the follow-up issue)."""

urlpatterns = []
