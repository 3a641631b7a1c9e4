from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Annual reports, accounts, carry-over, repayment, reminders, exports and statistics.

    ``ready`` registers the workflow tables and audit actions, the dashboard panels and the Celery
    tasks, and the carry-over that a new application to a call takes from last year's report, and the
    unused amount of last year's approved accounts that IMDi's assessment shows beside it, and its
    documents for the archive's backfill (``grants.services.journal_backfill``).
    """

    name = "reporting"
    verbose_name = _("Oppfølging: rapporter og regnskap")

    def ready(self):
        from django.db.models.signals import post_migrate, pre_migrate

        from grants.multi_year import PREVIOUS_UNUSED
        from grants.services import APPLICATION_PREFILLS
        from grants.services.journal_backfill import BACKFILLS
        from reporting import notices, panels, tasks, workflows  # noqa: F401  (register the digest, panels, tasks, tables, actions)
        from reporting.db_triggers import drop_sqlite_triggers, ensure_sqlite_triggers
        from reporting.services.journal_backfill import case_documents
        from reporting.services.review import carry_over_prefill, previous_unused

        if carry_over_prefill not in APPLICATION_PREFILLS:
            APPLICATION_PREFILLS.append(carry_over_prefill)
        if previous_unused not in PREVIOUS_UNUSED:
            PREVIOUS_UNUSED.append(previous_unused)
        if case_documents not in BACKFILLS:
            BACKFILLS.append(case_documents)
        pre_migrate.connect(drop_sqlite_triggers, sender=self, dispatch_uid="reporting_sqlite_triggers")
        post_migrate.connect(ensure_sqlite_triggers, sender=self, dispatch_uid="reporting_sqlite_triggers")
