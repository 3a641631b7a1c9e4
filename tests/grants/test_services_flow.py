"""The case services end to end, without the browser: the happy path and the rules that guard money."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from grants import services
from grants.models import Call, Case, Decision, ImpartialityDeclaration, Payment
from grants.services import Refused
from portal.models import AuditEvent
from tests import factories as f
from tests.grants import helpers_cases as h
from tests.grants import helpers_payments as hp

pytestmark = pytest.mark.django_db


def test_submission_opens_a_case(cast):
    case = h.submitted_case(cast)
    assert case.state == Case.State.RECEIVED
    assert case.call == cast.call


def test_grant_path_keeps_the_pot_and_the_history(cast):
    case = h.submitted_case(cast)
    decision = h.decided(cast, case, amount="1000000")
    case.refresh_from_db()
    call = Call.objects.get(pk=cast.call.pk)
    assert case.state == Case.State.DECIDED
    assert decision.state == Decision.State.APPROVED
    assert decision.amount == Decimal("1000000")
    assert call.allocated == Decimal("1000000")
    assert sum(line.granted for line in decision.lines.all()) == decision.amount
    actions = list(
        AuditEvent.objects.filter(object_type="grants.application", object_id=str(case.application_id))
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    for action in ["case.assigned", "case.impartial", "case.assessed", "case.allocated", "decision.proposed"]:
        assert action in actions
    assert actions[-1] == "decision.approved"


def test_the_proposer_cannot_approve(cast):
    decision = h.proposed(cast, h.submitted_case(cast))
    with pytest.raises(Refused, match="annen saksbehandler"):
        h.approved(cast, decision, user=cast.caseworker)
    decision.refresh_from_db()
    assert decision.state == Decision.State.PROPOSED


def test_the_database_refuses_one_person_proposing_and_approving(cast):
    decision = h.proposed(cast, h.submitted_case(cast))
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).update(approved_by=cast.caseworker, state="approved")


def test_allocation_over_the_pot_is_refused_with_the_excess(cast):
    Call.objects.filter(pk=cast.call.pk).update(pot=Decimal("1500000"))
    case_a = h.submitted_case(cast)
    case_b = h.submitted_case(cast, organisation=cast.county_b)
    h.assessed(cast, case_a)
    h.assessed(cast, case_b)
    h.allocated(cast, case_a, "1000000")
    with pytest.raises(Refused) as refused:
        h.allocated(cast, case_b, "600000")
    assert "100\xa0000" in str(refused.value)
    assert Call.objects.get(pk=cast.call.pk).allocated == Decimal("1000000")
    h.allocated(cast, case_b, "500000")
    assert Call.objects.get(pk=cast.call.pk).allocated == Decimal("1500000")


def test_a_raw_update_over_the_pot_is_rejected_by_the_database(cast):
    case = h.submitted_case(cast)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(allocated=Decimal("5000000.01"))
    if connection.vendor == "postgresql":
        with pytest.raises(Exception, match="only the trigger"), transaction.atomic():
            Call.objects.filter(pk=cast.call.pk).update(allocated=Decimal("1"))


def test_payment_before_acceptance_is_refused(cast):
    decision = h.decided(cast)
    hp.confirmed_account(cast)
    with pytest.raises(Refused, match="ikke akseptert"):
        services.payment_propose(actor=h.as_caseworker(cast), decision_id=decision.pk, amount=Decimal("1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).update(paid=Decimal("1"))


def test_a_conflict_unassigns_the_case(cast):
    case = h.submitted_case(cast)
    h.assigned(cast, case)
    services.case_declare(
        actor=h.as_caseworker(cast), case_id=case.pk, disqualified=True, reason="Søsteren min leder prosjektet."
    )
    case.refresh_from_db()
    assert case.state == Case.State.RECEIVED and case.assigned_to is None
    with pytest.raises(Refused, match="inhabil"):
        h.assigned(cast, case, cast.caseworker)


def test_a_dismissal_allocates_nothing_and_can_be_appealed(cast):
    decision = h.decided(cast, kind=Decision.Kind.DISMISSAL)
    assert decision.amount == 0 and decision.is_appealable
    assert Call.objects.get(pk=cast.call.pk).allocated == 0


def test_a_grant_needs_the_allocation_split_over_the_categories(cast):
    case = h.submitted_case(cast)
    h.assessed(cast, case)
    h.allocated(cast, case, "600000")
    granted = h.split(case, "500000")
    with pytest.raises(Refused, match="til sammen"):
        services.decision_propose(
            actor=h.as_caseworker(cast), case_id=case.pk, kind=Decision.Kind.GRANT, granted=granted, **h.REASONS
        )
    with pytest.raises(Refused, match="fordelt beløp til 0"):
        services.decision_propose(
            actor=h.as_caseworker(cast), case_id=case.pk, kind=Decision.Kind.REJECTION, **h.REASONS
        )


def test_the_allocation_is_locked_once_a_decision_is_proposed(cast):
    case = h.submitted_case(cast)
    h.proposed(cast, case, amount="400000")
    with pytest.raises(Refused, match="foreslått eller fattet"):
        h.allocated(cast, case, "500000")


def test_the_county_cannot_withdraw_once_a_decision_is_proposed(cast):
    from grants import services

    case = h.submitted_case(cast)
    h.proposed(cast, case)
    with pytest.raises(Refused, match="vedtak"):
        services.application_withdraw(actor=f.actor_for(cast.staff_a), application_id=case.application_id)


def test_the_pot_cannot_be_lowered_below_what_is_allocated(cast):
    case = h.submitted_case(cast)
    h.assessed(cast, case)
    h.allocated(cast, case, "1000000")
    call = Call.objects.get(pk=cast.call.pk)
    call.pot = Decimal("900000")
    with pytest.raises(ValidationError, match="allerede er fordelt"):
        call.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        call.save()


def test_saving_a_stale_call_keeps_the_allocated_sum(cast):
    stale = Call.objects.get(pk=cast.call.pk)  # e.g. an admin form opened before the allocation
    case = h.submitted_case(cast)
    h.assessed(cast, case)
    h.allocated(cast, case, "700000")
    stale.title = "Ny tittel"
    stale.save()
    call = Call.objects.get(pk=cast.call.pk)
    assert call.title == "Ny tittel" and call.allocated == Decimal("700000")


def test_payment_cannot_exceed_the_grant(cast):
    decision = h.decided(cast, amount="300000")
    h.issued(decision)
    services.decision_accept(actor=f.actor_for(cast.director_a), decision_id=decision.pk)
    hp.confirmed_account(cast)
    with pytest.raises(Refused, match="for mye"):
        services.payment_propose(actor=h.as_caseworker(cast), decision_id=decision.pk, amount=Decimal("300000.01"))
    hp.approved_payment(cast, decision, "100000")
    hp.approved_payment(cast, decision, "200000")
    with pytest.raises(Refused, match="Hele tilskuddet er utbetalt eller foreslått"):
        services.payment_propose(actor=h.as_caseworker(cast), decision_id=decision.pk, amount=Decimal("1"))
    hp.confirm_all(cast, paid_on=f.dt.date.today())
    decision.refresh_from_db()
    assert decision.paid == Decimal("300000")
    assert Case.objects.get(pk=decision.case_id).state == Case.State.PAID
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).update(paid=Decimal("300000.01"))


# --- Found in review ------------------------------------------------------------------------


def test_a_caseworker_who_declared_a_conflict_cannot_handle_the_appeal_or_pay(cast):
    decision = h.decided(cast, kind=Decision.Kind.DISMISSAL)
    h.issued(decision)
    appeal = services.appeal_file(actor=f.actor_for(cast.staff_a), decision_id=decision.pk, reasons="Feil.")
    ImpartialityDeclaration.objects.create(
        case=decision.case, user=cast.caseworker2, disqualified=True, reason="Nær venn av prosjektlederen."
    )
    with pytest.raises(Refused, match="inhabil"):
        services.appeal_forward(actor=h.as_caseworker(cast, cast.caseworker2), appeal_id=appeal.pk, cover_note="X")
    with pytest.raises(Refused, match="inhabil"):
        services.appeal_reverse(actor=h.as_caseworker(cast, cast.caseworker2), appeal_id=appeal.pk, reason="X")


def test_withdrawing_during_the_assessment_reopens_it_and_returns_the_allocation(cast):
    from grants import services

    case = h.submitted_case(cast)
    h.assessed(cast, case)
    h.allocated(cast, case, "800000")
    services.application_withdraw(actor=f.actor_for(cast.staff_a), application_id=case.application_id)
    case.refresh_from_db()
    assert case.state == Case.State.ASSESSING and case.assessed_at is None and case.allocated == 0
    assert Call.objects.get(pk=cast.call.pk).allocated == 0
    assert AuditEvent.objects.filter(action="case.reopened", changes__released="800000.00").exists()
    # Never submitted again: it can still be dismissed, but not granted.
    with pytest.raises(Refused, match="ferdig"):
        services.decision_propose(
            actor=h.as_caseworker(cast), case_id=case.pk, kind=Decision.Kind.REJECTION, **h.REASONS
        )
    dismissal = services.decision_propose(
        actor=h.as_caseworker(cast), case_id=case.pk, kind=Decision.Kind.DISMISSAL, **h.REASONS
    )
    assert dismissal.requested == Decimal("1250000")


def test_an_unfinished_save_takes_the_assessment_back_to_being_assessed(cast):
    case = h.submitted_case(cast)
    h.assessed(cast, case)
    services.assessment_save(
        actor=h.as_caseworker(cast),
        case_id=case.pk,
        conditions={"agreements_ok": True, "declaration_ok": None, "in_time_ok": True},
        conditions_note="",
        scores={},
        lines=[],
        recommended_total=None,
        justification="",
        complete=False,
    )
    case.refresh_from_db()
    assert case.state == Case.State.ASSESSING and case.assessed_at is None
    with pytest.raises(Refused, match="Vurderingen må være ferdig"):
        services.decision_propose(
            actor=h.as_caseworker(cast), case_id=case.pk, kind=Decision.Kind.REJECTION, **h.REASONS
        )


def test_an_ineligible_line_cannot_be_allocated_or_granted(cast):
    case = h.submitted_case(cast)
    h.assessed(cast, case)
    services.assessment_save(
        actor=h.as_caseworker(cast),
        case_id=case.pk,
        conditions={"agreements_ok": True, "declaration_ok": True, "in_time_ok": True},
        conditions_note="",
        scores={c.pk: (4, "") for c in case.call.criteria.all()},
        lines=[services.LineInput(index=0, eligible=False, recommended=Decimal("0"))],  # the project manager
        recommended_total=Decimal("1000000"),
        justification="Prosjektleder er ordinær drift.",
        complete=True,
    )
    with pytest.raises(Refused, match="utgifter som kan få tilskudd"):
        h.allocated(cast, case, "1000000.01")
    h.allocated(cast, case, "1000000")
    first = case.call.cost_categories.order_by("order").first()
    granted = {
        first.pk: Decimal("250000"),
        **{c.pk: Decimal("0") for c in case.call.cost_categories.exclude(pk=first.pk)},
    }
    granted[case.call.cost_categories.order_by("order").last().pk] = Decimal("750000")
    with pytest.raises(Refused, match="utgifter som kan få tilskudd"):
        services.decision_propose(
            actor=h.as_caseworker(cast), case_id=case.pk, kind=Decision.Kind.GRANT, granted=granted, **h.REASONS
        )


def test_the_admin_form_is_told_the_pot_is_below_the_allocated_sum(cast):
    case = h.submitted_case(cast)
    h.assessed(cast, case)
    h.allocated(cast, case, "1000000")
    call = Call.objects.get(pk=cast.call.pk)
    call.pot = Decimal("900000")
    with pytest.raises(ValidationError) as raised:
        call.full_clean(exclude=["allocated"])  # as the admin's form, which leaves allocated out
    assert "pot" in raised.value.message_dict


def test_the_same_payment_is_not_registered_twice(cast):
    decision = h.decided(cast, amount="300000")
    h.issued(decision)
    services.decision_accept(actor=f.actor_for(cast.director_a), decision_id=decision.pk)
    first = hp.proposed_payment(cast, decision, "100000")
    second = hp.proposed_payment(cast, decision, "100000")
    assert first.reference != second.reference  # each payment gets its own voucher reference
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(decision=decision, amount=1, reference=first.reference, recorded_by=cast.caseworker)


def test_only_a_grant_carries_conditions(cast):
    case = h.submitted_case(cast)
    h.assessed(cast, case)
    decision = services.decision_propose(
        actor=h.as_caseworker(cast), case_id=case.pk, kind=Decision.Kind.REJECTION, conditions="Vilkår", **h.REASONS
    )
    assert decision.conditions == ""


def test_the_assessing_caseworker_who_finds_a_conflict_gives_the_case_up(cast):
    case = h.submitted_case(cast)
    h.assessed(cast, case)
    services.case_declare(actor=h.as_caseworker(cast), case_id=case.pk, disqualified=True, reason="Nabo av lederen.")
    case.refresh_from_db()
    assert case.state == Case.State.RECEIVED and case.assigned_to is None and case.assessed_at is None
    with pytest.raises(Refused, match="allerede erklært"):
        services.case_declare(actor=h.as_caseworker(cast), case_id=case.pk, disqualified=True, reason="Igjen.")
