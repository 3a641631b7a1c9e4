"""Views for reporting.exports (filled in by the follow-up issue)."""

urlpatterns = []
