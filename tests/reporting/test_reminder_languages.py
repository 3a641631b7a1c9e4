"""Reminders in the county's written standard (issue 13, item 1): the texts exist in bokmål and nynorsk,
admins edit both on the portal's page, and each county gets its reminder in its own standard (the
text, the call's title and the subject's prefix), or in bokmål while the nynorsk is not written. The
default texts greet and sign as IMDi writes, and the data migration replaced the old defaults only."""

from __future__ import annotations

import html
from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse
from django.utils import timezone

from grants.models import Call
from portal.models import AuditEvent
from reporting.models import ReminderKind, ReminderText
from reporting.reminder_texts import DEFAULT_TEXTS, text_problems
from tests.reporting.test_reminders import DAY, by_county, move_deadline, sweep

EDIT = reverse("reminder_text_edit", args=["application_deadline"])
SIGNED = {
    "nb": "Med vennlig hilsen\nIntegrerings- og mangfoldsdirektoratet",
    "nn": "Med vennleg helsing\nIntegrerings- og mangfaldsdirektoratet",
}


@pytest.fixture
def deadline(cast):
    """cast.call's deadline in 30 days, its title in both standards."""
    Call.objects.filter(pk=cast.call.pk).update(title_nb="Fagopplæring 2025", title_nn="Fagopplæring på nynorsk 2025")
    return move_deadline(cast)


def test_a_nynorsk_countys_reminder_is_the_nynorsk_text(cast, deadline, time_machine):
    time_machine.move_to(deadline - 3 * DAY, tick=False)

    message = by_county(sweep(), cast)["A"][0]  # county A writes nynorsk

    when = timezone.localtime(deadline).strftime("%d.%m.%Y %H:%M")
    assert message.subject == f"[IMDi tilskot] Søknadsfristen for Fagopplæring på nynorsk 2025 er {when}"
    assert message.body.startswith("Hei,\n\nFristen for å søkje om tilskot i utlysinga «Fagopplæring på nynorsk 2025»")
    assert "IMDi har ikkje fått nokon innsend søknad frå Fylke A enno." in message.body
    assert message.body.endswith(SIGNED["nn"])
    assert "Fagopplæring 2025" not in message.body


def test_a_bokmal_countys_reminder_is_the_bokmal_text(cast, deadline, time_machine):
    time_machine.move_to(deadline - 3 * DAY, tick=False)

    message = by_county(sweep(), cast)["B"][0]

    assert message.subject.startswith("[IMDi tilskudd] Søknadsfristen for Fagopplæring 2025 er ")
    assert message.body.startswith("Hei,\n\nFristen for å søke om tilskudd i utlysningen «Fagopplæring 2025»")
    assert message.body.endswith(SIGNED["nb"])


def test_a_kind_with_no_nynorsk_text_reaches_a_nynorsk_county_in_bokmal(cast, deadline, time_machine):
    ReminderText.objects.filter(kind="application_deadline").update(
        subject_nb="Frist {deadline}", body_nb="Søk innen {days} dager.", subject_nn=None, body_nn=""
    )
    time_machine.move_to(deadline - 3 * DAY, tick=False)

    message = by_county(sweep(), cast)["A"][0]

    assert message.subject == "[IMDi tilskudd] Frist " + timezone.localtime(deadline).strftime("%d.%m.%Y %H:%M")
    assert message.body == "Søk innen 3 dager."


def page(response) -> str:
    return html.unescape(response.content.decode())


def test_the_page_shows_both_standards_and_an_admin_changes_both(login_as, cast, deadline, time_machine):
    admin = login_as("admin")
    shown = page(admin.get(EDIT))
    for name in ("subject_nb", "body_nb", "subject_nn", "body_nn"):
        assert f'name="{name}"' in shown
    assert DEFAULT_TEXTS["application_deadline"]["nn"][0] in shown  # the nynorsk as it is saved

    response = admin.post(
        EDIT,
        {
            "subject_nb": "Husk fristen {deadline}",
            "body_nb": "Hei,\n\nSøk innen {days} dager: {link}",
            "subject_nn": "Hugs fristen {deadline}",
            "body_nn": "Hei,\n\nSøk innan {days} dagar: {link}",
        },
    )

    assert response.status_code == 302
    text = ReminderText.objects.get(kind="application_deadline")
    assert (text.subject_nb, text.subject_nn, text.updated_by) == (
        "Husk fristen {deadline}",
        "Hugs fristen {deadline}",
        cast.admin,
    )
    event = AuditEvent.objects.get(action="reminder_text.changed")
    assert event.changes["subject_nn"][1] == "Hugs fristen {deadline}"
    assert event.changes["body_nb"][1] == "Hei,\n\nSøk innen {days} dager: {link}"
    time_machine.move_to(deadline - 3 * DAY, tick=False)
    messages = by_county(sweep(), cast)
    assert messages["A"][0].body.startswith("Hei,\n\nSøk innan 3 dagar: http")
    assert messages["B"][0].body.startswith("Hei,\n\nSøk innen 3 dager: http")


def test_an_unknown_placeholder_in_the_nynorsk_text_is_refused(login_as):
    before = ReminderText.objects.get(kind="application_deadline").body_nn
    response = login_as("admin").post(
        EDIT, {"subject_nb": "Frist {deadline}", "body_nb": "Hei", "subject_nn": "Frist {frist}", "body_nn": "Hei"}
    )
    assert response.status_code == 200
    assert "Ukjente plassholdere: {frist}." in page(response)
    assert ReminderText.objects.get(kind="application_deadline").body_nn == before


def test_the_list_shows_the_subject_in_both_standards(login_as):
    ReminderText.objects.filter(kind="repayment_due").update(subject_nn="")
    shown = page(login_as("caseworker").get(reverse("reminder_text_list")))
    assert DEFAULT_TEXTS["awaiting_confirmation"]["nn"][0] in shown
    assert "Ikke skrevet: fylkeskommunene får teksten på bokmål." in shown
    assert "Tekstene er på bokmål" not in shown


@pytest.mark.parametrize("kind", ReminderKind.values)
def test_the_default_texts_greet_and_sign_as_imdi_writes(kind):
    for language, (subject, body) in DEFAULT_TEXTS[kind].items():
        assert body.startswith("Hei,\n\n"), (kind, language)
        assert body.endswith("\n\n" + SIGNED[language]), (kind, language)
        assert "prosjekteier" not in body and "Hei, {organisation}" not in body
        assert text_problems(kind, subject) == text_problems(kind, body) == ""
    nynorsk = " ".join(DEFAULT_TEXTS[kind]["nn"])
    for bokmal in ("ikke", "tilskudd", "fra", "regnskap", "dere", "innen", "ennå"):
        assert f" {bokmal} " not in f" {nynorsk} ", (kind, bokmal)


def test_the_data_migration_replaced_only_the_old_default_texts(db):
    migration = import_module("reporting.migrations.0008_reminder_texts_in_both_standards")
    old = import_module("reporting.migrations.0002_reminder_texts").TEXTS
    # ReminderText as the migration sees it: its own columns, nothing rewritten by django-modeltranslation.
    apps = MigrationLoader(connection).project_state(("reporting", "0008_reminder_texts_in_both_standards")).apps
    texts = apps.get_model("reporting", "ReminderText").objects
    texts.all().delete()
    for kind, (subject, body) in old.items():
        texts.create(kind=kind, subject=subject, body=body)
    texts.filter(kind="report_deadline").update(body="Endret av en administrator")

    migration.to_both_standards(apps, None)

    for kind in ReminderKind.values:
        text = ReminderText.objects.get(kind=kind)
        assert (text.subject_nb, text.subject_nn) == (DEFAULT_TEXTS[kind]["nb"][0], DEFAULT_TEXTS[kind]["nn"][0])
        if kind == "report_deadline":
            assert (text.body_nb, text.body_nn) == ("Endret av en administrator", None)  # the admin's stays
        else:
            assert (text.body_nb, text.body_nn) == (DEFAULT_TEXTS[kind]["nb"][1], DEFAULT_TEXTS[kind]["nn"][1])
    assert migration.TEXTS == DEFAULT_TEXTS  # its frozen copy is the defaults
