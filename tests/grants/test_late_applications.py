"""R4 as changed by issue 12: an application after the deadline is received and flagged with the exact
time, not refused; IMDi then extends the county's deadline or dismisses it. Withdrawing for correction
stays refused after the deadline; an ineligible county is still told before it starts (R3). The
county's dashboard lists every call it can still send an application to."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from grants import permissions, receipts, services
from grants.models import Application, DeadlineExtension
from portal.models import AuditEvent
from tests import factories as f
from tests.conftest import assert_constant_queries, login
from tests.grants.helpers_applications import CONFIRM, as_user, local, page, past_deadline, send

LATE = dt.timedelta(hours=2, minutes=17)


@pytest.fixture
def call(cast):
    """A call of a year not yet over (cast.call is 2025's: after its deadline nothing is received)."""
    return f.make_call(cast.scheme, eligible=[cast.county_a, cast.county_b])


def late(call):
    return time_machine.travel(call.application_deadline + LATE, tick=False)


def test_a_late_confirmation_is_received_and_flagged_with_its_exact_time(client, cast, call):
    application = f.make_application(call, cast.staff_a)
    send(application, cast.staff_a)
    with late(call):
        login(client, cast.director_a)
        response = client.post(reverse("application_confirm", args=[application.pk]), CONFIRM)
        assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == Application.State.SUBMITTED
    submission = application.submissions.get()
    assert submission.late is True
    assert submission.deadline == call.application_deadline
    assert submission.confirmed_at == call.application_deadline + LATE
    event = AuditEvent.objects.get(action="application.confirmed")
    assert event.changes["late"] is True

    received, deadline = local(submission.confirmed_at), local(call.application_deadline)
    flag = f"Kom etter fristen: mottatt {received}, fristen var {deadline}"
    imdi = as_user(cast.caseworker)
    assert flag in page(imdi.get(reverse("case_list"), {"call": call.pk}))
    case_page = page(imdi.get(reverse("case_detail", args=[application.case.pk])))
    assert flag in case_page
    assert "Søknaden kom etter fristen" in case_page
    assert "Registrer utsatt søknadsfrist for fylkeskommunen" in case_page

    county = page(client.get(reverse("application_detail", args=[application.pk])))
    assert f"Mottatt etter søknadsfristen: {received} (fristen var {deadline})" in county
    receipt = receipts.receipt_html(submission)  # in county A's written standard, nynorsk (L1)
    assert "Motteken etter søknadsfristen" in receipt
    assert f"{received}" in receipt


def test_an_extension_recorded_after_a_late_submission_is_shown_as_covering_it(cast, call):
    application = f.make_application(call, cast.staff_a)
    send(application, cast.staff_a)
    with late(call):
        services.application_confirm(actor=f.actor_for(cast.director_a), application_id=application.pk)
        new_deadline = call.application_deadline + dt.timedelta(days=1)
        services.extension_record(
            actor=f.actor_for(cast.caseworker),
            call=call,
            organisation=cast.county_a,
            deadline=new_deadline,
            reason="Forsinket av streik i posten.",
        )
        imdi = as_user(cast.caseworker)
        listing = page(imdi.get(reverse("case_list"), {"call": call.pk}))
        detail = page(imdi.get(reverse("case_detail", args=[application.case.pk])))
    covered = f"IMDi har utsatt fristen til {local(new_deadline)}: søknaden kom inn innen den utsatte fristen"
    assert covered in listing
    assert covered in detail
    assert "Søknaden kom etter fristen" not in detail  # nothing left to decide about the deadline


def test_after_the_deadline_the_county_starts_edits_and_sends_with_a_clear_notice(client, cast, call):
    with late(call):
        login(client, cast.staff_a)  # after the jump: sessions expire after 30 minutes
        start = page(client.get(reverse("application_start", args=[call.pk])))
        notice = f"Søknadsfristen gikk ut {local(call.application_deadline)}."
        assert notice in start
        assert "Søknaden blir likevel tatt imot og merket som mottatt etter fristen" in start
        call_page = page(client.get(reverse("call_detail", args=[call.pk])))
        assert "En søknad som sendes nå, blir tatt imot og merket som mottatt etter fristen." in call_page
        response = client.post(reverse("application_start", args=[call.pk]))
        application = Application.objects.get(call=call, organisation=cast.county_a)
        assert response["Location"] == reverse("application_detail", args=[application.pk])
        detail = page(client.get(reverse("application_detail", args=[application.pk])))
        assert notice in detail
        assert "IMDi avgjør om fristen forlenges for dere, eller om søknaden avvises." in detail
        assert "Et vedtak om avvisning kan påklages." in detail
        section = client.get(reverse("application_section", args=[application.pk, "prosjekt"]))
        assert section.status_code == 200
        assert notice in page(section)
    assert application.state == Application.State.DRAFT


def test_withdrawing_for_correction_stays_refused_after_the_deadline(client, cast, call):
    application = f.make_application(call, cast.staff_a)
    f.submit(application, sender=cast.staff_a, confirmer=cast.director_a)
    with late(call):
        login(client, cast.staff_a)
        response = client.post(reverse("application_withdraw", args=[application.pk]), follow=True)
        assert f"Søknadsfristen gikk ut {local(call.application_deadline)}" in page(response)
        assert "Trekk tilbake for å rette" not in page(response)
    application.refresh_from_db()
    assert application.state == Application.State.SUBMITTED
    assert application.submissions.get().withdrawn_at is None


def test_an_ineligible_county_is_still_told_at_the_start_that_it_cannot_apply(client, cast, call):
    with late(call):
        login(client, cast.staff_c)
        response = client.get(reverse("application_start", args=[call.pk]))
        body = page(response)
        assert "Fylke C (ikke i forsøket) kan ikke søke på denne utlysningen." in body
        assert "Start søknaden" not in body
        client.post(reverse("application_start", args=[call.pk]))
    assert not Application.objects.filter(call=call).exists()


def test_the_dashboard_lists_a_late_call_and_a_call_extended_for_the_county(client, cast):
    late_call = f.make_call(cast.scheme, eligible=[cast.county_a], open_now=False, title="Sen utlysning")
    # A call of a past year takes nothing any more, unless IMDi extended the county's deadline.
    extended_call = f.make_call(cast.scheme, eligible=[cast.county_a], open_now=False, year=2020, title="Utsatt")
    gone = f.make_call(cast.scheme, eligible=[cast.county_a], open_now=False, year=2021, title="Gammel utlysning")
    new_deadline = timezone.now() + dt.timedelta(days=5)
    DeadlineExtension.objects.create(
        call=extended_call,
        organisation=cast.county_a,
        deadline=new_deadline,
        reason="Sykdom",
        recorded_by=cast.caseworker,
    )
    login(client, cast.staff_a)
    body = page(client.get(reverse("dashboard")))
    panel = body[body.index("Utlysninger dere kan søke på") :]
    assert cast.call.title in panel
    assert late_call.title in panel
    assert "Fristen er ute" in panel
    assert "En søknad som sendes nå, blir tatt imot og merket som mottatt etter fristen." in panel
    assert extended_call.title in panel
    assert f"søknadsfrist {local(new_deadline)} (utsatt av IMDi for dere)" in panel
    assert gone.title not in panel

    login(client, cast.staff_b)  # the extension is county A's only
    assert extended_call.title not in page(client.get(reverse("dashboard")))


def test_the_county_dashboard_keeps_its_query_count_with_late_and_extended_calls(client, cast):
    def add(n):
        for i in range(n):
            call = f.make_call(cast.scheme, eligible=[cast.county_a], open_now=False)
            if i % 2:
                DeadlineExtension.objects.create(
                    call=call,
                    organisation=cast.county_a,
                    deadline=timezone.now() + dt.timedelta(days=3),
                    reason="Utsatt",
                    recorded_by=cast.caseworker,
                )

    login(client, cast.staff_a)
    assert_constant_queries(client, reverse("dashboard"), add)


def test_the_inbox_keeps_its_query_count_with_late_submissions(client, cast, call):
    # A county has one application per call: late cases across calls instead.
    def add_late(n):
        for _ in range(n):
            late_call = f.make_call(cast.scheme, eligible=[cast.county_a])
            application = f.make_application(late_call, cast.staff_a)
            send(application, cast.staff_a)
            with late(late_call):
                services.application_confirm(actor=f.actor_for(cast.director_a), application_id=application.pk)

    login(client, cast.caseworker)
    assert_constant_queries(client, reverse("case_list") + "?call=", add_late, small=1, large=4)


def test_a_call_past_its_deadline_in_a_later_year_is_refused_with_a_reason(cast):
    with past_deadline(cast.call):
        verdict = permissions.can_apply(cast.staff_a.memberships.get(), cast.call, timezone.now())
    assert not verdict
    assert verdict.reason == "Søknadsfristen er ute, og utlysningen tar ikke lenger imot søknader."
