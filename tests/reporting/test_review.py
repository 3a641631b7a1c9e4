"""IMDi's assessment of a submitted annual report and accounts: returned with a reason, or
approved; the unused amount carried over to the scheme's next year (R11, R18), prefilled and locked
in the county's application for that year, whether it was started before or after the approval."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from grants import services as grant_services
from grants.models import Application, Case, Decision, ImpartialityDeclaration
from grants.services import Refused
from portal.models import AuditEvent
from reporting.models import AccountLine, AnnualReport, CarryOver
from reporting.services import review
from tests import factories as f
from tests.conftest import assert_constant_queries, login
from tests.reporting.helpers import paid_grant

pytestmark = pytest.mark.django_db


# --- Helpers (also used by test_repayments, test_money) -----------------------------------------


def submitted_report(
    decision: Decision,
    *,
    spent=("200000", "600000"),
    requested: bool = False,
    reason: str = "",
    state: str = AnnualReport.State.SUBMITTED,
    deadline=None,
) -> AnnualReport:
    """The decision's annual report as the county submitted it, written straight to the database:
    one account line per cost category of the call with ``spent``."""
    case = decision.case
    application = case.application
    submitter = application.created_by
    report = AnnualReport.objects.create(
        decision=decision,
        case=case,
        application=application,
        state=state,
        deadline=deadline or decision.report_deadline,
        cooperation_model="Fylket, NAV, kommunene og opplæringskontorene møtes hver måned.",
        cooperation_development="Flere arbeidsgivere er med.",
        activities="Undervisning og oppfølging i bedrift.",
        use_of_grant="Lærere og oppfølging av deltakerne.",
        participants_started=14,
        participants_completed=12,
        participants_certified=3,
        participants_employed=6,
        carry_over_requested=requested,
        carry_over_reason=reason,
        submitted_at=timezone.now() if state != AnnualReport.State.DRAFT else None,
        submitted_by=submitter if state != AnnualReport.State.DRAFT else None,
        created_by=submitter,
    )
    categories = list(case.call.cost_categories.order_by("order"))
    AccountLine.objects.bulk_create(
        AccountLine(report=report, category=category, granted=Decimal("0"), spent=Decimal(amount))
        for category, amount in zip(categories, spent, strict=False)
    )
    return report


def bulk_grants(cast, n: int, *, call=None, with_report: str | None = AnnualReport.State.SUBMITTED, paid="0"):
    """``n`` accepted grants, each of a county of its own, written straight to the database (fast):
    with a report in state ``with_report`` (or none) and ``paid`` paid out."""
    call = call or cast.call
    now = timezone.now()
    decisions = []
    for _i in range(n):
        organisation = f.make_org()
        application = Application.objects.create(
            call=call,
            organisation=organisation,
            created_by=cast.staff_a,
            state=Application.State.SUBMITTED,
            title="Prosjekt",
            submitted_at=now,
        )
        application.reference = f"{call.year}-B{application.pk:05d}"
        application.save(update_fields=["reference"])
        case = Case.objects.create(application=application, call=call, state=Case.State.PAID)
        decision = Decision.objects.create(
            case=case,
            kind=Decision.Kind.GRANT,
            state=Decision.State.APPROVED,
            requested=Decimal("500000"),
            amount=Decimal("500000"),
            paid=Decimal(paid),
            rules="Regler",
            facts="Fakta",
            considerations="Hensyn",
            report_deadline=now - dt.timedelta(days=3),
            proposed_by=cast.caseworker,
            proposed_at=now,
            approved_by=cast.caseworker2,
            approved_at=now,
            accepted_at=now,
            accepted_by=cast.director_a,
        )
        if with_report:
            submitted_report(decision, spent=("100000", "300000"), state=with_report)
        decisions.append(decision)
    return decisions


def approve_url(report) -> str:
    return reverse("report_approve", args=[report.pk])


def assess_url(report) -> str:
    return reverse("report_assess", args=[report.pk])


# --- Assessing: return and approve ------------------------------------------------------------


def test_caseworker_sees_the_submitted_report_with_the_case_link_and_both_forms(client, cast):
    decision = paid_grant(cast)
    report = submitted_report(decision, requested=True, reason="Klassen startet i august.")
    login(client, cast.caseworker)
    response = client.get(assess_url(report))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("case_detail", args=[decision.case_id]) in page
    assert "Fylket, NAV, kommunene og opplæringskontorene møtes hver måned." in page  # the summary
    assert approve_url(report) in page and reverse("report_return", args=[report.pk]) in page
    assert "Godkjenn overføringen til %s" % (decision.case.call.year + 1) in page  # unused 200 000, requested


def test_returning_a_report_needs_a_reason_and_tells_the_county(client, cast, django_capture_on_commit_callbacks):
    decision = paid_grant(cast)
    report = submitted_report(decision)
    login(client, cast.caseworker)
    url = reverse("report_return", args=[report.pk])

    response = client.post(url, {"retur-reason": "  "})
    assert response.status_code == 200
    assert "Det er noe som må rettes" in response.content.decode()
    report.refresh_from_db()
    assert report.state == AnnualReport.State.SUBMITTED

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"retur-reason": "Regnskapet mangler godkjenning fra ansvarlig leder."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == AnnualReport.State.RETURNED
    assert report.return_reason == "Regnskapet mangler godkjenning fra ansvarlig leder."
    assert report.returned_by == cast.caseworker
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {cast.county_a.letter_email, cast.staff_a.email}
    assert "Regnskapet mangler godkjenning fra ansvarlig leder." in mail.outbox[0].body
    event = AuditEvent.objects.get(action="report.returned")
    assert (event.from_state, event.to_state, event.subject_organisation) == ("submitted", "returned", cast.county_a)


def test_a_returned_report_cannot_be_approved_until_submitted_again(cast):
    report = submitted_report(paid_grant(cast), state=AnnualReport.State.RETURNED)
    with pytest.raises(Refused, match="Sendt tilbake"):
        review.report_approve(actor=f.actor_for(cast.caseworker), report_id=report.pk, note="", carry_over=False)


def test_approving_without_carry_over_leads_the_caseworker_to_a_repayment_claim(client, cast):
    decision = paid_grant(cast)
    report = submitted_report(decision)  # 800 000 of 1 000 000 spent, no carry-over asked for
    login(client, cast.caseworker)
    response = client.post(approve_url(report), {"godkjenn-note": "Godt arbeid."}, follow=True)
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.state == AnnualReport.State.APPROVED
    assert report.assessment_note == "Godt arbeid."
    assert not CarryOver.objects.exists()
    page = response.content.decode()
    assert "send forhåndsvarsel om krav om tilbakebetaling" in page
    assert reverse("repayment_create", args=[decision.pk]) in page


def test_carry_over_is_refused_when_the_county_did_not_ask(cast):
    report = submitted_report(paid_grant(cast), requested=False)
    with pytest.raises(Refused, match="ikke søkt"):
        review.report_approve(actor=f.actor_for(cast.caseworker), report_id=report.pk, note="", carry_over=True)
    report.refresh_from_db()
    assert report.state == AnnualReport.State.SUBMITTED
    assert not CarryOver.objects.exists()


def test_a_caseworker_with_a_declared_conflict_takes_no_part(client, cast):
    decision = paid_grant(cast)
    report = submitted_report(decision)
    ImpartialityDeclaration.objects.create(
        case=decision.case, user=cast.caseworker2, disqualified=True, reason="Søsteren min leder prosjektet."
    )
    login(client, cast.caseworker2)
    assert "Du har erklært deg inhabil" in client.get(assess_url(report)).content.decode()
    response = client.post(approve_url(report), {"godkjenn-note": ""})
    assert response.status_code == 200
    assert "Du har erklært deg inhabil" in response.content.decode()
    response = client.post(reverse("report_return", args=[report.pk]), {"retur-reason": "Mangler"})
    assert "Du har erklært deg inhabil" in response.content.decode()
    report.refresh_from_db()
    assert report.state == AnnualReport.State.SUBMITTED


@pytest.mark.parametrize(
    ("role", "get_status", "post_status"),
    [
        ("anonymous", 302, 302),
        ("stranger", 403, 403),
        ("county_staff", 403, 403),
        ("county_director", 403, 403),
        ("staff_b", 403, 403),
        ("caseworker", 200, 302),
        ("admin", 200, 403),
        ("auditor", 200, 403),
    ],
)
def test_who_may_read_and_assess_a_report(client, cast, login_as, role, get_status, post_status):
    report = submitted_report(paid_grant(cast))
    login_as(role)
    assert client.get(assess_url(report)).status_code == get_status
    assert client.get(reverse("report_list")).status_code == get_status
    assert client.post(approve_url(report), {"godkjenn-note": ""}).status_code == post_status
    report.refresh_from_db()
    assert report.state == (AnnualReport.State.APPROVED if post_status == 302 and role == "caseworker" else "submitted")


# --- Carry-over -------------------------------------------------------------------------------


def test_approved_carry_over_fills_and_locks_the_draft_of_next_year(client, cast):
    decision = paid_grant(cast)
    call_2026 = f.make_call(cast.scheme, year=2026, eligible=[cast.county_a, cast.county_b])
    draft = f.make_application(call_2026, cast.staff_a, complete=False)
    report = submitted_report(decision, requested=True, reason="Klassen startet i august, ikke i januar.")
    login(client, cast.caseworker)
    response = client.post(approve_url(report), {"godkjenn-note": "", "godkjenn-unused_choice": "carry"}, follow=True)
    assert response.status_code == 200

    carry = CarryOver.objects.get()
    assert (carry.organisation, carry.scheme, carry.to_year, carry.amount) == (
        cast.county_a,
        cast.scheme,
        2026,
        Decimal("200000.00"),
    )
    assert carry.application == draft
    draft.refresh_from_db()
    assert draft.carry_over_amount == Decimal("200000.00")
    assert draft.carry_over_locked is True
    assert draft.carry_over_explanation == "Klassen startet i august, ikke i januar."
    assert "er lagt inn i fylkeskommunens søknad for 2026" in response.content.decode()
    assert AuditEvent.objects.filter(action="carry_over.approved", object_id=str(decision.case.application_id)).exists()
    assert AuditEvent.objects.filter(action="carry_over.applied", object_id=str(draft.pk)).exists()


def test_an_already_submitted_application_of_next_year_is_left_alone_and_imdi_is_told(cast):
    decision = paid_grant(cast)
    call_2026 = f.make_call(cast.scheme, year=2026, eligible=[cast.county_a, cast.county_b])
    application = f.make_application(call_2026, cast.staff_a)
    f.submit(application, sender=cast.staff_a, confirmer=cast.director_a)
    report = submitted_report(decision, requested=True, reason="Sen oppstart.")
    review.report_approve(actor=f.actor_for(cast.caseworker), report_id=report.pk, note="", carry_over=True)
    carry = CarryOver.objects.get()
    assert carry.application is None
    application.refresh_from_db()
    assert (application.carry_over_amount, application.carry_over_locked) == (Decimal("0"), False)
    assert "allerede sendt inn søknaden for 2026" in review.carry_over_note(carry)


def test_starting_next_years_application_after_approval_gets_the_locked_amount(client, cast):
    decision = paid_grant(cast)
    report = submitted_report(decision, requested=True, reason="Sen oppstart.")
    call_2026 = f.make_call(cast.scheme, year=2026, eligible=[cast.county_a, cast.county_b])
    review.report_approve(actor=f.actor_for(cast.caseworker), report_id=report.pk, note="", carry_over=True)

    login(client, cast.staff_a)
    response = client.post(reverse("application_start", args=[call_2026.pk]))
    assert response.status_code == 302
    application = Application.objects.get(call=call_2026, organisation=cast.county_a)
    assert application.carry_over_amount == Decimal("200000.00")
    assert application.carry_over_locked is True
    assert CarryOver.objects.get().application == application

    section = reverse("application_section", args=[application.pk, "overforing"])
    page = client.get(section).content.decode()
    assert "IMDi har godkjent at kr\u00a0200\u00a0000 i ubrukte midler fra i fjor overføres" in page
    assert "readonly" in page

    response = client.post(
        section, {"version": "0", "carry_over_amount": "500 000", "carry_over_explanation": "Mer enn godkjent."}
    )
    assert response.status_code == 200
    assert "Det kan ikke endres i søknaden" in response.content.decode()
    application.refresh_from_db()
    assert application.carry_over_amount == Decimal("200000.00")

    with pytest.raises(Refused, match="kan ikke endres"):
        grant_services.application_section_save(
            actor=f.actor_for(cast.staff_a),
            application_id=application.pk,
            section="overforing",
            data={"carry_over_amount": Decimal("1"), "carry_over_explanation": "x"},
            version=0,
        )
    # The explanation can still be written; the locked amount is saved as it is.
    response = client.post(
        section, {"version": "0", "carry_over_amount": "200 000", "carry_over_explanation": "Sen oppstart av klassen."}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.carry_over_explanation == "Sen oppstart av klassen."


def test_a_second_carry_over_to_the_same_year_is_refused(cast):
    # One carry-over per county, scheme and year: here one approved earlier (for a replaced decision).
    earlier = bulk_grants(cast, 1, with_report=AnnualReport.State.APPROVED)[0].annual_report
    CarryOver.objects.create(
        report=earlier,
        organisation=cast.county_a,
        scheme=cast.scheme,
        to_year=cast.call.year + 1,
        amount=Decimal("1000"),
        approved_by=cast.caseworker,
        approved_at=timezone.now(),
    )
    report = submitted_report(paid_grant(cast), requested=True, reason="Sen oppstart.")
    f.make_call(cast.scheme, year=cast.call.year + 1, eligible=[cast.county_a])
    with pytest.raises(Refused, match="allerede godkjent en overføring"):
        review.report_approve(actor=f.actor_for(cast.caseworker), report_id=report.pk, note="", carry_over=True)
    report.refresh_from_db()
    assert report.state == AnnualReport.State.SUBMITTED


# --- Lists and panels -------------------------------------------------------------------------


def test_report_list_puts_waiting_reports_first_and_shows_overdue_grants(client, cast):
    approved = submitted_report(paid_grant(cast), state=AnnualReport.State.APPROVED)
    waiting = bulk_grants(cast, 1)[0].annual_report
    missing = bulk_grants(cast, 1, with_report=None)[0]
    login(client, cast.caseworker)
    page = client.get(reverse("report_list")).content.decode()
    assert page.index(assess_url(waiting)) < page.index(assess_url(approved))
    assert "Venter på IMDi" in page
    assert reverse("decision_detail", args=[missing.pk]) in page  # overdue without a report row
    overdue_only = client.get(reverse("report_list"), {"state": "overdue"}).content.decode()
    assert reverse("decision_detail", args=[missing.pk]) in overdue_only
    assert assess_url(waiting) not in overdue_only
    filtered = client.get(reverse("report_list"), {"state": "approved"}).content.decode()
    assert assess_url(approved) in filtered and assess_url(waiting) not in filtered


def test_report_list_query_count_is_constant(client, cast):
    login(client, cast.caseworker)

    def add_rows(n):
        bulk_grants(cast, n)
        bulk_grants(cast, n, with_report=AnnualReport.State.DRAFT)
        bulk_grants(cast, n, with_report=None)

    assert_constant_queries(client, reverse("report_list"), add_rows)


def test_imdi_dashboard_shows_reports_waiting_for_assessment(client, cast):
    report = bulk_grants(cast, 1)[0].annual_report
    login(client, cast.caseworker)
    page = client.get(reverse("dashboard")).content.decode()
    assert "1 rapport venter på behandling" in page
    assert assess_url(report) in page
