from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal: brukere, organisasjoner og tilgang")

    def ready(self):
        from portal import panels, signals  # noqa: F401  (registers the dashboard panels and audit receivers)
