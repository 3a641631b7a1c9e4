from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    name = "grants"
    verbose_name = _("Tilskudd: ordninger, utlysninger og søknader")

    def ready(self):
        from grants import panels  # noqa: F401  (registers the dashboard panels)
        from grants.models import Application
        from portal.templatetags.portal_tags import register_labels

        register_labels(
            actions={
                "application.created": _("Søknaden ble opprettet"),
                "application.section_saved": _("En del av søknaden ble lagret"),
                "application.agreement_added": _("Samarbeidsavtale lastet opp"),
                "application.agreement_removed": _("Samarbeidsavtale fjernet fra utkastet"),
                "application.sent_for_confirmation": _("Sendt til bekreftelse"),
                "application.returned": _("Sendt tilbake for retting"),
                "application.confirmed": _("Bekreftet og sendt inn"),
                "application.withdrawn": _("Trukket tilbake for retting"),
                "application.deadline_extended": _("Utsatt søknadsfrist registrert"),
                "application.receipt_issued": _("Kvittering laget"),
            },
            states=dict(Application.State.choices),
        )
