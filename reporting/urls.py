"""The follow-up's pages; each area keeps its URL patterns beside its views."""

from reporting.views import casefile, exports, followup, reminders, reports, statistics

urlpatterns = [
    *reports.urlpatterns,
    *followup.urlpatterns,
    *reminders.urlpatterns,
    *exports.urlpatterns,
    *statistics.urlpatterns,
    *casefile.urlpatterns,
]
