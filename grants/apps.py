from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    name = "grants"
    verbose_name = _("Tilskudd: ordninger, utlysninger og søknader")

    def ready(self):
        from django.db.models.signals import post_migrate

        from grants import panels  # noqa: F401  (registers the dashboard panels)
        from grants.db_triggers import ensure_sqlite_triggers

        post_migrate.connect(ensure_sqlite_triggers, sender=self, dispatch_uid="grants_sqlite_triggers")
        from grants.models import Application, Case
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
                "case.assigned": _("Saken ble tildelt en saksbehandler"),
                "case.impartial": _("Saksbehandleren erklærte seg habil"),
                "case.disqualified": _("Saksbehandleren erklærte seg inhabil"),
                "case.assessment_saved": _("Vurderingen ble lagret"),
                "case.assessed": _("Søknaden ble vurdert"),
                "case.allocated": _("Beløp fordelt fra rammen"),
                "case.reopened": _("Søknaden ble trukket tilbake: vurderingen og beløpet er åpnet igjen"),
                "decision.proposed": _("Vedtak foreslått"),
                "decision.returned": _("Forslag til vedtak sendt tilbake"),
                "decision.approved": _("Vedtak fattet"),
                "decision.accepted": _("Tilskuddet ble akseptert"),
                "letter.issued": _("Vedtaksbrev sendt"),
                "letter.opened": _("Vedtaksbrevet ble åpnet av fylkeskommunen"),
                "letter.retry_requested": _("Nytt forsøk på å lage vedtaksbrevet"),
                "payment.registered": _("Utbetaling registrert"),
                "appeal.filed": _("Klage mottatt"),
                "appeal.reversed": _("IMDi omgjorde vedtaket etter klage"),
                "appeal.forwarded": _("Klagen ble sendt til departementet"),
                "appeal.decided": _("Departementets avgjørelse registrert"),
            },
            states={**dict(Application.State.choices), **dict(Case.State.choices)},
        )
