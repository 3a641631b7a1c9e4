from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Annual reports, accounts, carry-over, repayment, reminders, exports and statistics.

    The models arrive with the follow-up issue; the app is installed now so that the import
    direction reporting -> grants -> portal is fixed from the start.
    """

    name = "reporting"
    verbose_name = _("Oppfølging: rapporter og regnskap")
