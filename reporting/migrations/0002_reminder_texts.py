"""The default reminder texts (bokmål), one per kind. A frozen copy: reporting.reminders.DEFAULT_TEXTS
may change later, this migration does not. It only adds the kinds that have no text yet."""

from django.db import migrations

TEXTS = {
    "application_deadline": (
        "Søknadsfristen for {call} er {deadline}",
        "Hei, {organisation}.\n\nFristen for å søke om tilskudd i utlysningen «{call}» er {deadline}, om {days} dager. Vi har ikke fått en innsendt søknad fra dere ennå. Søknaden er sendt inn når fylkeskommunedirektøren eller den som har fullmakt, har bekreftet den i portalen.\n\nUtlysningen og søknaden: {link}\n\nMed vennlig hilsen\nIMDi – Integrerings- og mangfoldsdirektoratet\n\nDette er en automatisk påminnelse fra IMDis tilskuddsportal.",
    ),
    "awaiting_confirmation": (
        "Søknaden {application} venter på bekreftelse",
        "Hei.\n\nSøknaden {application} fra {organisation} til «{call}» ble sendt til bekreftelse {sent}, men er ikke bekreftet ennå. IMDi får søknaden først når fylkeskommunedirektøren eller den som har fullmakt, har bekreftet den. Søknadsfristen er {deadline}.\n\nLes og bekreft søknaden: {link}\n\nMed vennlig hilsen\nIMDi – Integrerings- og mangfoldsdirektoratet\n\nDette er en automatisk påminnelse fra IMDis tilskuddsportal.",
    ),
    "awaiting_acceptance": (
        "Tilskuddet i {call} venter på aksept",
        "Hei, {organisation}.\n\nIMDi sendte dere tilskuddsbrev om {amount} i «{call}» {issued}. Tilskuddet blir utbetalt når fylkeskommunen har akseptert det i portalen. Fylkeskommunedirektøren eller den som har fullmakt, aksepterer tilskuddet.\n\nVedtaket og aksepten: {link}\n\nMed vennlig hilsen\nIMDi – Integrerings- og mangfoldsdirektoratet\n\nDette er en automatisk påminnelse fra IMDis tilskuddsportal.",
    ),
    "report_deadline": (
        "Fristen for rapport og regnskap er {deadline}",
        "Hei, {organisation}.\n\nÅrsrapport og regnskap for tilskuddet på {amount} i «{call}» skal leveres i portalen innen {deadline}, om {days} dager. Regnskapet skal være godkjent av prosjekteier og ansvarlig leder før dere sender inn.\n\nRapport og regnskap: {link}\n\nMed vennlig hilsen\nIMDi – Integrerings- og mangfoldsdirektoratet\n\nDette er en automatisk påminnelse fra IMDis tilskuddsportal.",
    ),
    "report_overdue": (
        "Rapport og regnskap for {call} er ikke levert",
        "Hei, {organisation}.\n\nFristen for årsrapport og regnskap for tilskuddet på {amount} i «{call}» var {deadline}. Vi har ikke fått rapporten. Send den inn så snart som mulig. Tilskudd som ikke er rapportert, kan bli krevd tilbakebetalt.\n\nRapport og regnskap: {link}\n\nMed vennlig hilsen\nIMDi – Integrerings- og mangfoldsdirektoratet\n\nDette er en automatisk påminnelse fra IMDis tilskuddsportal.",
    ),
    "repayment_due": (
        "Krav om tilbakebetaling {reference} forfaller {deadline}",
        "Hei, {organisation}.\n\nIMDi har krevd tilbakebetalt {amount} av tilskuddet i «{call}» (vår referanse {reference}). Forfallsdatoen er {deadline}.\n\nKravet og betalingsinformasjonen: {link}\n\nMed vennlig hilsen\nIMDi – Integrerings- og mangfoldsdirektoratet\n\nDette er en automatisk påminnelse fra IMDis tilskuddsportal.",
    ),
}


def create_texts(apps, schema_editor):
    ReminderText = apps.get_model("reporting", "ReminderText")
    existing = set(ReminderText.objects.values_list("kind", flat=True))
    ReminderText.objects.bulk_create(
        [
            ReminderText(kind=kind, subject=subject, body=body)
            for kind, (subject, body) in TEXTS.items()
            if kind not in existing
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]

    operations = [migrations.RunPython(create_texts, migrations.RunPython.noop)]
