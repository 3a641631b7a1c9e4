from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Annual reports, accounts, carry-over, repayment, reminders, exports and statistics.

    Each area is one module (reports, followup, reminders, exports, statistics, casefile) with its
    services; importing it registers its dashboard panels and history labels.
    """

    name = "reporting"
    verbose_name = _("Oppfølging: rapporter og regnskap")

    def ready(self):
        from importlib import import_module

        for area in ("reports", "followup", "reminders", "exports", "statistics", "casefile"):
            import_module(f"reporting.{area}")
