from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    name = "grants"
    verbose_name = _("Tilskudd: ordninger og utlysninger")

    def ready(self):
        from grants import panels  # noqa: F401  (registers the dashboard panels)
