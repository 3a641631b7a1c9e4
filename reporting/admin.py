"""The follow-up in the Django admin. Reminder texts, in bokmål and nynorsk, are changed on the portal's
own page (``reminder_text_edit``), which checks the placeholders and records the change in the audit
log; here they, and the reminders sent, can only be read."""

from django.contrib import admin

from reporting.models import Reminder, ReminderText


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
