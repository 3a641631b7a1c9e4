"""The deadline and IMDi's extensions, confirming by director or fullmakt, returning, and the history
(sending, the submitted versions and receipts, withdrawing: tests/grants/test_sending_and_submission.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from grants import services
from grants.models import Application, DeadlineExtension, PartnerKind, Submission
from portal.models import AuditEvent, Role
from tests import factories as f
from tests.conftest import login
from tests.grants.helpers_applications import (
    CONFIRM,
    as_user,
    confirm,
    error_summary,
    expired_delegate,
    local,
    page,
    past_deadline,
    project_data,
    section_url,
    send,
)

# --- 3. The deadline and IMDi's extensions ----------------------------------------------------


def test_confirming_after_the_deadline_is_received_late_unless_imdi_recorded_an_extension(client, cast):
    """R4 as changed by issue 12: after the deadline the county still confirms; the submission is
    marked late, unless IMDi extended the county's deadline before it came. (It used to be refused.)"""
    call = f.make_call(cast.scheme, eligible=[cast.county_a, cast.county_b])
    awaiting = f.make_application(call, cast.staff_a)
    send(awaiting, cast.staff_a)
    url = reverse("application_confirm", args=[awaiting.pk])
    with past_deadline(call):
        login(client, cast.director_a)
        response = client.get(url)
        assert response.status_code == 200
        assert f"Søknadsfristen gikk ut {local(call.application_deadline)}." in page(response)
        assert "merket som mottatt etter fristen" in page(response)
        assert "Bekreft og send inn til IMDi" in page(response)

        caseworker = as_user(cast.caseworker)
        new_deadline = timezone.localtime(call.application_deadline + dt.timedelta(days=3))
        response = caseworker.post(
            reverse("extension_create", args=[call.pk]),
            {
                "organisation": cast.county_a.pk,
                "deadline": new_deadline.strftime("%Y-%m-%dT%H:%M"),
                "reason": "Sykdom i prosjektledelsen.",
            },
            follow=True,
        )
        assert response.redirect_chain == [(reverse("extension_create", args=[call.pk]), 302)]
        assert "Utsatt frist for Fylke A er registrert." in page(response)
        extension = DeadlineExtension.objects.get()
        assert (extension.organisation, extension.recorded_by) == (cast.county_a, cast.caseworker)
        assert local(extension.deadline) == new_deadline.strftime("%d.%m.%Y %H:%M")

        response = client.get(url)
        assert "Du bekrefter som fylkeskommunedirektør." in page(response)
        assert "merket som mottatt etter fristen" not in page(response)
        response = client.post(url, CONFIRM)
        assert response.status_code == 302
        assert response["Location"] == reverse("submission_detail", args=[awaiting.pk, 1])

    awaiting.refresh_from_db()
    assert awaiting.state == Application.State.SUBMITTED
    assert awaiting.reference == f"{call.year}-{awaiting.pk:05d}"
    submission = awaiting.submissions.get()
    assert submission.authority == "som fylkeskommunedirektør"
    assert submission.confirmed_by == cast.director_a
    assert (submission.late, submission.deadline) == (False, extension.deadline)


def test_an_extension_for_one_county_does_not_cover_another(cast):
    call = f.make_call(cast.scheme, eligible=[cast.county_a, cast.county_b])
    application_b = f.make_application(call, cast.staff_b)
    send(application_b, cast.staff_b)
    with past_deadline(call):
        services.extension_record(
            actor=f.actor_for(cast.caseworker),
            call=call,
            organisation=cast.county_a,
            deadline=call.application_deadline + dt.timedelta(days=3),
            reason="Gjelder bare Fylke A.",
        )
        submission = confirm(application_b, cast.director_b)
    application_b.refresh_from_db()
    assert application_b.state == Application.State.SUBMITTED
    assert (submission.late, submission.deadline) == (True, call.application_deadline)


def test_a_call_whose_year_is_over_takes_no_more_applications(cast, awaiting):
    """cast.call is the 2025 call: after its deadline, in a later year, nothing is received."""
    with past_deadline(cast.call), pytest.raises(services.Refused, match="tar ikke lenger imot søknader"):
        confirm(awaiting, cast.director_a)
    awaiting.refresh_from_db()
    assert awaiting.state == Application.State.AWAITING_CONFIRMATION


@pytest.mark.parametrize("name", ["staff_a", "director_a", "auditor", "admin"])
def test_only_a_caseworker_may_record_an_extension(client, cast, name):
    login(client, getattr(cast, name))
    url = reverse("extension_create", args=[cast.call.pk])
    deadline = timezone.localtime(cast.call.application_deadline + dt.timedelta(days=3))
    assert client.get(url).status_code == 403
    response = client.post(
        url, {"organisation": cast.county_a.pk, "deadline": deadline.strftime("%Y-%m-%dT%H:%M"), "reason": "Nei."}
    )
    assert response.status_code == 403
    assert not DeadlineExtension.objects.exists()


def test_extension_before_the_calls_deadline_is_refused_with_a_message(client, cast):
    login(client, cast.caseworker)
    earlier = timezone.localtime(cast.call.application_deadline - dt.timedelta(days=1))
    response = client.post(
        reverse("extension_create", args=[cast.call.pk]),
        {"organisation": cast.county_a.pk, "deadline": earlier.strftime("%Y-%m-%dT%H:%M"), "reason": "For tidlig."},
    )
    assert response.status_code == 200
    assert "Den nye fristen må være etter utlysningens søknadsfrist." in error_summary(response)
    assert not DeadlineExtension.objects.exists()


def test_extension_appears_in_the_applications_history_and_deadline(client, cast, draft):
    login(client, cast.caseworker)
    new_deadline = timezone.localtime(cast.call.application_deadline + dt.timedelta(days=3))
    client.post(
        reverse("extension_create", args=[cast.call.pk]),
        {
            "organisation": cast.county_a.pk,
            "deadline": new_deadline.strftime("%Y-%m-%dT%H:%M"),
            "reason": "Sykdom i prosjektledelsen.",
        },
    )
    event = AuditEvent.objects.get(action="application.deadline_extended")
    assert (event.object_type, event.object_id) == ("grants.application", str(draft.pk))

    county = as_user(cast.staff_a)
    body = page(county.get(reverse("application_detail", args=[draft.pk])))
    assert "Utsatt søknadsfrist registrert" in body
    assert f"{new_deadline.strftime('%d.%m.%Y %H:%M')} (utsatt av IMDi)" in body


# --- 4. Who may confirm, and returning --------------------------------------------------------


def test_delegate_with_valid_fullmakt_confirms_by_that_authority(client, cast, awaiting):
    login(client, cast.delegate_a)
    url = reverse("application_confirm", args=[awaiting.pk])
    assert "Du bekrefter etter fullmakt fra Dag Direktør." in page(client.get(url))  # the page is in bokmål

    response = client.post(url, CONFIRM, follow=True)
    assert response.redirect_chain == [(reverse("submission_detail", args=[awaiting.pk, 1]), 302)]
    awaiting.refresh_from_db()
    assert awaiting.state == Application.State.SUBMITTED
    submission = awaiting.submissions.get()
    # What was submitted is recorded in the county's written standard: Fylke A writes nynorsk.
    assert submission.authority == "etter fullmakt frå Dag Direktør"
    assert submission.confirmed_by == cast.delegate_a
    assert f"Søknaden er bekreftet og sendt inn til IMDi med referanse {awaiting.reference}." in page(response)
    assert "Frida Fullmakt, etter fullmakt frå Dag Direktør" in page(response)


def test_delegate_of_a_bokmal_county_confirms_etter_fullmakt_fra(client, cast):
    delegate = f.make_user(name="Bo Bokmål", roles=[(cast.county_b, Role.COUNTY_STAFF)])
    f.make_delegation(grantor=cast.director_b, grantee=delegate, organisation=cast.county_b)
    application = f.make_application(cast.call, cast.staff_b)
    send(application, cast.staff_b)
    login(client, delegate)
    response = client.post(reverse("application_confirm", args=[application.pk]), CONFIRM)
    assert response.status_code == 302
    assert application.submissions.get().authority == "etter fullmakt fra Berit B"


@pytest.mark.parametrize("who", ["expired_delegate", "staff_a"])
def test_member_without_a_valid_fullmakt_cannot_confirm_and_is_told_why(client, cast, awaiting, who):
    user = expired_delegate(cast) if who == "expired_delegate" else cast.staff_a
    login(client, user)
    url = reverse("application_confirm", args=[awaiting.pk])
    reason = "Bare fylkeskommunedirektøren eller den som har gyldig fullmakt fra direktøren, kan bekrefte søknaden."

    response = client.get(url)
    assert response.status_code == 200
    assert reason in page(response)
    assert "Bekreft og send inn til IMDi" not in page(response)
    assert "Send tilbake for retting" not in page(response)

    response = client.post(url, CONFIRM)
    assert response.status_code == 200
    assert reason in page(response)
    awaiting.refresh_from_db()
    assert awaiting.state == Application.State.AWAITING_CONFIRMATION
    assert not Submission.objects.exists()

    response = client.post(reverse("application_return", args=[awaiting.pk]), {"reason": "Ikke min sak."})
    awaiting.refresh_from_db()
    assert awaiting.state == Application.State.AWAITING_CONFIRMATION


def test_director_returns_the_application_with_a_reason_and_the_sender_is_told(
    client, cast, awaiting, django_capture_on_commit_callbacks
):
    login(client, cast.director_a)
    reason = "Budsjettet må fordeles på riktige kategorier."
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("application_return", args=[awaiting.pk]), {"reason": reason}, follow=True)
    assert response.redirect_chain == [(reverse("application_detail", args=[awaiting.pk]), 302)]
    assert "Søknaden er sendt tilbake og kan endres igjen." in page(response)

    awaiting.refresh_from_db()
    assert awaiting.state == Application.State.DRAFT
    assert awaiting.returned_reason == reason

    assert [m.to for m in mail.outbox] == [[cast.staff_a.email]]
    assert reason in mail.outbox[0].body

    county = as_user(cast.staff_a)
    body = page(county.get(reverse("application_detail", args=[awaiting.pk])))
    assert "Søknaden ble sendt tilbake for retting" in body
    assert reason in body
    # editable again
    response = county.get(section_url(awaiting, "prosjekt"))
    assert response.status_code == 200
    response = county.post(
        section_url(awaiting, "prosjekt"), project_data(awaiting.versions["prosjekt"], title="Rettet tittel")
    )
    assert response.status_code == 302
    awaiting.refresh_from_db()
    assert awaiting.title == "Rettet tittel"


def test_return_without_a_reason_shows_an_error_and_changes_nothing(
    client, cast, awaiting, django_capture_on_commit_callbacks
):
    login(client, cast.director_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("application_return", args=[awaiting.pk]), {"reason": "  "})
    assert response.status_code == 200
    assert "Hva må rettes?" in error_summary(response)
    awaiting.refresh_from_db()
    assert awaiting.state == Application.State.AWAITING_CONFIRMATION
    assert mail.outbox == []


# --- 10. History ------------------------------------------------------------------------------


def start_and_complete_an_application(cast, staff) -> Application:
    """County A's staff starts an application and answers the project section by the page; the rest
    of the answers, the budget and the agreements go through the services."""
    staff.post(reverse("application_start", args=[cast.call.pk]))
    application = Application.objects.get()
    response = staff.post(section_url(application, "prosjekt"), project_data(0))
    assert response.status_code == 302
    actor = f.actor_for(cast.staff_a)  # the rest of the answers, through the services
    for section, data in f.COMPLETE_ANSWERS.items():
        if section != "prosjekt":
            services.application_section_save(
                actor=actor, application_id=application.pk, section=section, data=data, version=0
            )
    categories = list(cast.call.cost_categories.all())
    services.application_section_save(
        actor=actor,
        application_id=application.pk,
        section="budsjett",
        data={"declares_no_running_costs": True},
        version=0,
        lines=[{"category": categories[0], "amount": Decimal("100"), "description": "Drift"}],
    )
    for kind in PartnerKind:
        f.add_agreement(application, cast.staff_a, kind)
    return application


def send_return_confirm_withdraw_and_extend(cast, staff, director, application) -> None:
    """Sent, returned, sent again, confirmed, withdrawn; then IMDi extends county A's deadline."""
    staff.post(reverse("application_review", args=[application.pk]))
    director.post(reverse("application_return", args=[application.pk]), {"reason": "Rett budsjettet."})
    staff.post(reverse("application_review", args=[application.pk]))
    director.post(reverse("application_confirm", args=[application.pk]), CONFIRM)
    staff.post(reverse("application_withdraw", args=[application.pk]))
    services.extension_record(
        actor=f.actor_for(cast.caseworker),
        call=cast.call,
        organisation=cast.county_a,
        deadline=cast.call.application_deadline + dt.timedelta(days=2),
        reason="Ønsket av fylket.",
    )


def assert_every_step_is_in_the_audit_log(application) -> None:
    actions = list(
        AuditEvent.objects.filter(object_type="grants.application", object_id=str(application.pk))
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    steps = [a for a in actions if a not in ("application.section_saved", "application.agreement_added")]
    assert steps == [
        "application.created",
        "application.sent_for_confirmation",
        "application.returned",
        "application.sent_for_confirmation",
        "application.confirmed",
        "application.withdrawn",
        "application.deadline_extended",
    ]
    saved_sections = set(
        AuditEvent.objects.filter(action="application.section_saved", object_id=str(application.pk)).values_list(
            "changes__section", flat=True
        )
    )
    # (the carry-over answers equal the defaults: saving them changes nothing and may record nothing)
    assert {"prosjekt", "justeringer", "erfaringsdeling", "budsjett", "kontakt"} <= saved_sections
    assert actions.count("application.agreement_added") == len(PartnerKind)


def assert_the_history_shows_every_step(staff, application) -> None:
    body = page(staff.get(reverse("application_detail", args=[application.pk])))
    history = body.split('id="history-title"', 1)[1]
    for label in [
        "Søknaden ble opprettet",
        "En del av søknaden ble lagret",
        "Samarbeidsavtale lastet opp",
        "Sendt til bekreftelse",
        "Sendt tilbake for retting",
        "Bekreftet og sendt inn",
        "Trukket tilbake for retting",
        "Utsatt søknadsfrist registrert",
    ]:
        assert label in history, label
    assert "Utkast → Venter på bekreftelse" in history
    assert "Venter på bekreftelse → Sendt inn" in history
    assert "Dag Direktør" in history and "Carl Case" in history


def test_history_lists_every_step_of_the_case(client, cast, django_capture_on_commit_callbacks):
    staff, director = login(client, cast.staff_a), as_user(cast.director_a)
    application = start_and_complete_an_application(cast, staff)

    send_return_confirm_withdraw_and_extend(cast, staff, director, application)

    assert_every_step_is_in_the_audit_log(application)
    assert_the_history_shows_every_step(staff, application)
