"""The reminder texts in both written standards (reporting.translation, django-modeltranslation): what is
stored is copied into the bokmål columns. A subject or body that is still the default migration 0002
wrote is replaced by the new default in bokmål and nynorsk (greeted and signed as IMDi writes, with
"prosjektansvarlig"); one an admin has changed is kept, and its nynorsk stays empty until an admin
writes it (a nynorsk county then gets the bokmål). A frozen copy of the defaults: reporting.reminder_texts
may change later, this migration does not. Going back copies the bokmål columns into the original ones."""

from importlib import import_module

from django.db import migrations, models
from django.db.models import F

OLD = import_module("reporting.migrations.0002_reminder_texts").TEXTS

TEXTS = {
    "application_deadline": {
        "nb": (
            "Søknadsfristen for {call} er {deadline}",
            "Hei,\n\nFristen for å søke om tilskudd i utlysningen «{call}» er {deadline}, om {days} dager. IMDi har ikke fått en innsendt søknad fra {organisation} ennå. Søknaden er sendt inn når fylkeskommunedirektøren eller den som har fullmakt, har bekreftet den i portalen.\n\nUtlysningen og søknaden: {link}\n\nMed vennlig hilsen\nIntegrerings- og mangfoldsdirektoratet",
        ),
        "nn": (
            "Søknadsfristen for {call} er {deadline}",
            "Hei,\n\nFristen for å søkje om tilskot i utlysinga «{call}» er {deadline}, om {days} dagar. IMDi har ikkje fått nokon innsend søknad frå {organisation} enno. Søknaden er sendt inn når fylkeskommunedirektøren eller den som har fullmakt, har stadfesta han i portalen.\n\nUtlysinga og søknaden: {link}\n\nMed vennleg helsing\nIntegrerings- og mangfaldsdirektoratet",
        ),
    },
    "awaiting_confirmation": {
        "nb": (
            "Søknaden {application} venter på bekreftelse",
            "Hei,\n\nSøknaden {application} fra {organisation} til «{call}» ble sendt til bekreftelse {sent}, men er ikke bekreftet ennå. IMDi får søknaden først når fylkeskommunedirektøren eller den som har fullmakt, har bekreftet den. Søknadsfristen er {deadline}.\n\nLes og bekreft søknaden: {link}\n\nMed vennlig hilsen\nIntegrerings- og mangfoldsdirektoratet",
        ),
        "nn": (
            "Søknaden {application} ventar på stadfesting",
            "Hei,\n\nSøknaden {application} frå {organisation} til «{call}» vart sendt til stadfesting {sent}, men er ikkje stadfesta enno. IMDi får søknaden først når fylkeskommunedirektøren eller den som har fullmakt, har stadfesta han. Søknadsfristen er {deadline}.\n\nLes og stadfest søknaden: {link}\n\nMed vennleg helsing\nIntegrerings- og mangfaldsdirektoratet",
        ),
    },
    "awaiting_acceptance": {
        "nb": (
            "Tilskuddet i {call} venter på aksept",
            "Hei,\n\nIMDi sendte {organisation} tilskuddsbrev om {amount} i «{call}» {issued}. Tilskuddet blir utbetalt når fylkeskommunen har akseptert det i portalen. Fylkeskommunedirektøren eller den som har fullmakt, aksepterer tilskuddet.\n\nVedtaket og aksepten: {link}\n\nMed vennlig hilsen\nIntegrerings- og mangfoldsdirektoratet",
        ),
        "nn": (
            "Tilskotet i {call} ventar på aksept",
            "Hei,\n\nIMDi sende {organisation} tilskotsbrev om {amount} i «{call}» {issued}. Tilskotet blir betalt ut når fylkeskommunen har akseptert det i portalen. Fylkeskommunedirektøren eller den som har fullmakt, aksepterer tilskotet.\n\nVedtaket og aksepten: {link}\n\nMed vennleg helsing\nIntegrerings- og mangfaldsdirektoratet",
        ),
    },
    "report_deadline": {
        "nb": (
            "Fristen for rapport og regnskap er {deadline}",
            "Hei,\n\nÅrsrapport og regnskap for tilskuddet på {amount} i «{call}» skal leveres i portalen innen {deadline}, om {days} dager. Regnskapet skal være godkjent av prosjektansvarlig i fylkeskommunen og ansvarlig leder før dere sender inn.\n\nRapport og regnskap: {link}\n\nMed vennlig hilsen\nIntegrerings- og mangfoldsdirektoratet",
        ),
        "nn": (
            "Fristen for rapport og rekneskap er {deadline}",
            "Hei,\n\nÅrsrapport og rekneskap for tilskotet på {amount} i «{call}» skal leverast i portalen innan {deadline}, om {days} dagar. Rekneskapen skal vere godkjent av prosjektansvarleg i fylkeskommunen og ansvarleg leiar før de sender inn.\n\nRapport og rekneskap: {link}\n\nMed vennleg helsing\nIntegrerings- og mangfaldsdirektoratet",
        ),
    },
    "report_overdue": {
        "nb": (
            "Rapport og regnskap for {call} er ikke levert",
            "Hei,\n\nFristen for årsrapport og regnskap for tilskuddet på {amount} i «{call}» var {deadline}. IMDi har ikke fått rapporten fra {organisation}. Send den inn så snart som mulig. Tilskudd som ikke er rapportert, kan bli krevd tilbakebetalt.\n\nRapport og regnskap: {link}\n\nMed vennlig hilsen\nIntegrerings- og mangfoldsdirektoratet",
        ),
        "nn": (
            "Rapport og rekneskap for {call} er ikkje levert",
            "Hei,\n\nFristen for årsrapport og rekneskap for tilskotet på {amount} i «{call}» var {deadline}. IMDi har ikkje fått rapporten frå {organisation}. Send han inn så snart som mogleg. Tilskot som ikkje er rapportert, kan IMDi krevje tilbake.\n\nRapport og rekneskap: {link}\n\nMed vennleg helsing\nIntegrerings- og mangfaldsdirektoratet",
        ),
    },
    "repayment_due": {
        "nb": (
            "Krav om tilbakebetaling {reference} forfaller {deadline}",
            "Hei,\n\nIMDi har krevd at {organisation} betaler tilbake {amount} av tilskuddet i «{call}» (vår referanse {reference}). Forfallsdatoen er {deadline}.\n\nKravet og betalingsinformasjonen: {link}\n\nMed vennlig hilsen\nIntegrerings- og mangfoldsdirektoratet",
        ),
        "nn": (
            "Krav om tilbakebetaling {reference} forfell {deadline}",
            "Hei,\n\nIMDi har kravt at {organisation} betaler tilbake {amount} av tilskotet i «{call}» (vår referanse {reference}). Forfallsdatoen er {deadline}.\n\nKravet og betalingsinformasjonen: {link}\n\nMed vennleg helsing\nIntegrerings- og mangfaldsdirektoratet",
        ),
    },
}


def to_both_standards(apps, schema_editor):
    ReminderText = apps.get_model("reporting", "ReminderText")
    ReminderText.objects.update(subject_nb=F("subject"), body_nb=F("body"))
    for text in ReminderText.objects.filter(kind__in=list(TEXTS)):
        for index, field in enumerate(("subject", "body")):
            if getattr(text, field) == OLD[text.kind][index]:
                for language, texts in TEXTS[text.kind].items():
                    setattr(text, f"{field}_{language}", texts[index])
                setattr(text, field, TEXTS[text.kind]["nb"][index])
        text.save()


def from_both_standards(apps, schema_editor):
    ReminderText = apps.get_model("reporting", "ReminderText")
    ReminderText.objects.filter(subject_nb__isnull=False).update(subject=F("subject_nb"))
    ReminderText.objects.filter(body_nb__isnull=False).update(body=F("body_nb"))


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0007_accounts_approval_project_responsible"),
    ]

    operations = [
        migrations.AddField(
            model_name="remindertext",
            name="body_nb",
            field=models.TextField(null=True, verbose_name="tekst"),
        ),
        migrations.AddField(
            model_name="remindertext",
            name="body_nn",
            field=models.TextField(null=True, verbose_name="tekst"),
        ),
        migrations.AddField(
            model_name="remindertext",
            name="subject_nb",
            field=models.CharField(max_length=200, null=True, verbose_name="emne"),
        ),
        migrations.AddField(
            model_name="remindertext",
            name="subject_nn",
            field=models.CharField(max_length=200, null=True, verbose_name="emne"),
        ),
        migrations.RunPython(to_both_standards, from_both_standards),
    ]
