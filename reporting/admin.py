"""The follow-up in the Django admin. Reminder texts, in bokmål and nynorsk, are changed on the portal's
own page (``reminder_text_edit``), which checks the placeholders and records the change in the audit
log; here they, and the reminders sent, can only be read. The rates of interest on late payment are
entered here, one per half-year, as the Ministry of Finance publishes them."""

from django.contrib import admin

from portal.admin import AuditedAdmin
from reporting.models import LateInterestRate, Reminder, ReminderText


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReminderText)
class ReminderTextAdmin(ReadOnlyAdmin):
    list_display = ["kind", "subject_nb", "subject_nn", "updated_at", "updated_by"]  # both written standards
    list_select_related = ["updated_by"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["kind", "step", "organisation", "due_at", "sent_at", "claimed_at", "error"]
    list_filter = ["kind", "sent_at"]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name", "recipients"]
    date_hierarchy = "created_at"


@admin.register(LateInterestRate)
class LateInterestRateAdmin(AuditedAdmin):
    """The rate of interest on late payment (forsinkelsesrenteloven § 3) for each half-year, from 1
    January or 1 July; a claim paid late in a half-year without a rate is refused until it is entered."""

    list_display = ["start", "percent", "note"]
    fields = ["start", "percent", "note"]
