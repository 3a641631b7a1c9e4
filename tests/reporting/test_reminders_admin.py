"""The reminder texts in the portal (IMDi reads them, admins change them) and the dashboard panels."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEvent
from reporting.models import Reminder, ReminderText
from tests.conftest import assert_constant_queries
from tests.reporting.test_reminders import DAY, by_county, move_deadline, sweep

LIST = reverse("reminder_text_list")
EDIT = reverse("reminder_text_edit", args=["application_deadline"])


@pytest.fixture
def deadline(cast):
    return move_deadline(cast)


def page(response) -> str:
    return html.unescape(response.content.decode())


def texts(subject: str, body: str) -> dict[str, str]:
    """The form's fields with the same text in bokmål and nynorsk."""
    return {"subject_nb": subject, "body_nb": body, "subject_nn": subject, "body_nn": body}


@pytest.mark.parametrize(
    ("role", "status"),
    [("caseworker", 200), ("admin", 200), ("auditor", 200), ("county_staff", 403), ("stranger", 403)],
)
def test_imdi_reads_the_reminder_texts_and_counties_do_not(login_as, role, status):
    client = login_as(role)
    assert client.get(LIST).status_code == status
    assert client.get(EDIT).status_code == status


def test_an_unknown_kind_is_not_found(login_as):
    assert login_as("admin").get(reverse("reminder_text_edit", args=["no_such_kind"])).status_code == 404


def test_the_list_shows_every_kind_and_who_may_change(login_as):
    content = page(login_as("caseworker").get(LIST))
    for label in ["Søknadsfristen nærmer seg", "Tilskuddet venter på aksept", "Tilbakebetaling forfaller"]:
        assert label in content
    assert "Bare administratorer kan endre påminnelsestekstene." in content


def test_the_edit_page_lists_the_placeholders_of_the_kind(login_as):
    content = page(login_as("admin").get(EDIT))
    assert "{deadline}" in content and "{days}" in content and "{link}" in content
    assert "{amount}" not in content  # not a placeholder of the application deadline
    assert 'name="subject_nb"' in content and 'name="subject_nn"' in content


def test_a_caseworker_sees_the_text_but_no_form(login_as):
    content = page(login_as("caseworker").get(EDIT))
    assert "Søknadsfristen for" in content
    assert 'name="subject_nb"' not in content


@pytest.mark.parametrize("role", ["caseworker", "auditor", "county_director"])
def test_only_an_admin_may_change_a_text(login_as, role):
    response = login_as(role).post(EDIT, texts("Endret {call}", "Endret"))
    assert response.status_code == 403
    assert not ReminderText.objects.filter(subject_nb="Endret {call}").exists()


def test_an_admin_changes_a_text_and_the_next_reminder_uses_it(login_as, cast, deadline, time_machine):
    response = login_as("admin").post(
        EDIT, texts("Husk fristen {deadline}", "Hei {organisation}, søk innen {days} dager: {link}")
    )
    assert response.status_code == 302
    text = ReminderText.objects.get(kind="application_deadline")
    assert (text.subject_nb, text.updated_by) == ("Husk fristen {deadline}", cast.admin)
    event = AuditEvent.objects.get(action="reminder_text.changed")
    assert event.object_id == str(text.pk)
    assert event.changes["subject_nb"][1] == "Husk fristen {deadline}"
    assert "Påminnelsestekst endret" in page(login_as("admin").get(EDIT))  # the page's history

    time_machine.move_to(deadline - 3 * DAY, tick=False)
    message = by_county(sweep(), cast)["B"][0]  # county B writes bokmål
    assert message.subject == "[IMDi tilskudd] Husk fristen " + timezone.localtime(deadline).strftime("%d.%m.%Y %H:%M")
    assert message.body.startswith("Hei Fylke B, søk innen 3 dager: http")


def test_an_unknown_placeholder_is_refused_with_the_names(login_as):
    before = ReminderText.objects.get(kind="application_deadline").body_nb
    response = login_as("admin").post(EDIT, texts("Frist {deadline}", "Hei {fylke} og {beløp}"))
    assert response.status_code == 200
    content = page(response)
    assert "Ukjente plassholdere: {fylke}, {beløp}." in content
    assert "Det er noe som må rettes" in content
    assert ReminderText.objects.get(kind="application_deadline").body_nb == before
    assert not AuditEvent.objects.filter(action="reminder_text.changed").exists()


def test_a_stray_brace_is_refused(login_as):
    response = login_as("admin").post(EDIT, texts("Frist {deadline", "Hei"))
    assert response.status_code == 200
    assert "krøllparentes" in page(response)


# --- Dashboard panels -----------------------------------------------------------------------------


def add_reminders(cast, n: int) -> None:
    start = Reminder.objects.count()
    Reminder.objects.bulk_create(
        [
            Reminder(
                kind="report_deadline",
                target_id=start + i + 1,
                step="7",
                organisation=cast.county_a,
                due_at=timezone.now() + 7 * DAY,
                link=reverse("call_detail", args=[cast.call.pk]),
                sent_at=timezone.now(),
            )
            for i in range(n)
        ]
    )


def test_a_county_sees_its_own_recent_reminders_on_the_dashboard(login_as, cast, deadline, time_machine):
    time_machine.move_to(deadline - 3 * DAY, tick=False)
    sweep()
    content = page(login_as("county_staff").get("/"))
    assert "Påminnelser" in content and "Søknadsfristen nærmer seg" in content
    assert reverse("call_detail", args=[cast.call.pk]) in content
    assert (deadline.astimezone(timezone.get_default_timezone())).strftime("%d.%m.%Y") in content


def test_county_dashboard_queries_do_not_grow_with_reminders(login_as, cast):
    client = login_as("county_staff")
    assert_constant_queries(client, "/", lambda n: add_reminders(cast, n))
    assert page(client.get("/")).count("Fristen for rapport og regnskap nærmer seg") == 10  # the last ten


def test_imdi_sees_reminders_sent_per_kind_and_what_is_overdue(login_as, cast, deadline, time_machine):
    time_machine.move_to(deadline - 3 * DAY, tick=False)
    sweep()
    content = page(login_as("caseworker").get("/"))
    assert "Påminnelser sendt til fylkeskommunene de siste 30 dagene" in content
    assert "0 krav om tilbakebetaling har passert forfallsdatoen" in content
    # The reports overdue are counted once, in the follow-up panel (none here: it shows nothing).
    assert "mangler rapport etter fristen" not in content
    assert 'Søknadsfristen nærmer seg</th><td class="text-end">2</td>' in content


def test_imdi_dashboard_queries_do_not_grow_with_reminders(login_as, cast):
    assert_constant_queries(login_as("auditor"), "/", lambda n: add_reminders(cast, n))


def test_imdi_is_told_about_reminders_that_failed(login_as, cast):
    Reminder.objects.create(
        kind="report_overdue",
        target_id=1,
        step="overdue",
        organisation=cast.county_a,
        due_at=timezone.now() - dt.timedelta(days=1),
        error="SMTPException: 421",
    )
    assert "1 påminnelse kunne ikke sendes" in page(login_as("admin").get("/"))
