from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    name = "grants"
    verbose_name = _("Tilskudd: ordninger, utlysninger og søknader")

    def ready(self):
        from django.db.models.signals import post_migrate, pre_migrate

        from grants import panels, public_pages, workflows  # noqa: F401  (register the dashboard panels, the tables and

        # actions, and the signals that drop the cached call pages)
        from grants.db_triggers import drop_sqlite_triggers, ensure_sqlite_triggers

        pre_migrate.connect(drop_sqlite_triggers, sender=self, dispatch_uid="grants_sqlite_triggers")
        post_migrate.connect(ensure_sqlite_triggers, sender=self, dispatch_uid="grants_sqlite_triggers")
