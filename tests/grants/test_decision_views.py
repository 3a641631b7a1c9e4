"""Proposing, approving and returning a decision, the decision page, and payments, through the pages
as IMDi's caseworkers meet them (the allocation page: tests/grants/test_allocation_views.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from grants.models import Case, Decision, Payment, Scheme
from tests.conftest import login
from tests.grants import helpers_cases as h
from tests.grants import helpers_payments as hp
from tests.grants.test_allocation_views import accepted, cheap_grant, money

pytestmark = pytest.mark.django_db


# --- Proposing a decision ---------------------------------------------------------------------


def test_the_proposal_form_is_prefilled_and_proposes_a_grant(client, cast):
    Scheme.objects.filter(pk=cast.scheme.pk).update(legal_basis="Retningslinjer fastsatt av departementet.")
    case = h.assessed(cast, h.submitted_case(cast))
    h.allocated(cast, case, "1000000")
    login(client, cast.caseworker)
    url = reverse("decision_propose", args=[case.pk])

    response = client.get(url)

    assert response.status_code == 200
    form = response.context["form"]
    # Issue 12: the texts come only from the call's letter templates (this call has none), never made up
    # from the scheme or the call's application conditions (tests/grants/test_letter_texts.py).
    assert "rules" not in form.initial and "conditions" not in form.initial
    assert form.initial["considerations"] == case.justification
    categories = {row.category.name: row for row in form.categories}
    assert categories["Drift av samarbeidet"].recommended == Decimal("250000")
    assert categories["Lærerressurser"].recommended == Decimal("1000000")
    page = response.content.decode()
    assert money("Beløpene skal til sammen bli kr 1 000 000") in page
    assert "delvis tilskudd" in page  # 1 000 000 of 1 250 000
    assert "Kan ikke påklages" in page and "kan påklages innen tre uker" in page

    data = {
        "kind": "grant",
        "rules": "Retningslinjer fastsatt av departementet. Rundskrivet, punkt 5.",
        "facts": "Fylket har avtaler med alle partnerne.",
        "considerations": "Stor overføringsverdi.",
        "conditions": "Brukes i 2025.",
        **{row.field_name: "" for row in form.categories},
    }
    data[categories["Lærerressurser"].field_name] = "1 000 000"
    response = client.post(url, data)

    decision = Decision.objects.get(case=case)
    assert response.status_code == 302 and response["Location"] == reverse("decision_detail", args=[decision.pk])
    assert decision.state == Decision.State.PROPOSED and decision.amount == Decimal("1000000")
    assert decision.proposed_by == cast.caseworker and decision.is_partial


def test_a_refused_proposal_keeps_what_was_typed(client, cast):
    case = h.assessed(cast, h.submitted_case(cast))
    h.allocated(cast, case, "1000000")
    login(client, cast.caseworker)
    url = reverse("decision_propose", args=[case.pk])
    categories = client.get(url).context["form"].categories

    data = {"kind": "grant", "rules": "Regler", "facts": "Fakta", "considerations": "Mine egne hensyn"}
    data.update({row.field_name: "100 000" for row in categories})
    response = client.post(url, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert money("til sammen kr 200 000, men det er fordelt kr 1 000 000") in page
    assert "Mine egne hensyn" in page
    assert not Decision.objects.filter(case=case).exists()


def test_others_are_told_who_may_propose_and_cannot_post(client, cast):
    case = h.assessed(cast, h.submitted_case(cast))
    url = reverse("decision_propose", args=[case.pk])

    login(client, cast.caseworker2)
    page = client.get(url).content.decode()
    assert "Bare saksbehandleren som er tildelt saken (Carl Case), kan foreslå vedtak." in page
    assert 'name="rules"' not in page

    login(client, cast.admin)
    assert client.get(url).status_code == 200
    assert client.post(url, {"kind": "rejection"}).status_code == 403


# --- Approving and returning ------------------------------------------------------------------


def test_the_proposer_cannot_approve_through_the_view_but_a_colleague_can(client, cast):
    decision = h.proposed(cast, h.submitted_case(cast))
    url = reverse("decision_approve", args=[decision.pk])

    login(client, cast.caseworker)
    page = client.get(reverse("decision_detail", args=[decision.pk])).content.decode()
    assert "Godkjenn vedtaket" not in page
    assert "En annen saksbehandler må godkjenne det." in page
    response = client.post(url)
    assert response.status_code == 200
    assert "En annen saksbehandler må godkjenne det." in response.content.decode()
    decision.refresh_from_db()
    assert decision.state == Decision.State.PROPOSED

    login(client, cast.caseworker2)
    assert "Godkjenn vedtaket" in client.get(reverse("decision_detail", args=[decision.pk])).content.decode()
    response = client.post(url, follow=True)
    assert "Vedtaket er godkjent. Brevet lages nå." in response.content.decode()
    decision.refresh_from_db()
    assert decision.state == Decision.State.APPROVED and decision.approved_by == cast.caseworker2
    assert Case.objects.get(pk=decision.case_id).state == Case.State.DECIDED


def test_returning_with_a_reason_puts_the_case_back_to_assessed(client, cast):
    decision = h.proposed(cast, h.submitted_case(cast))
    url = reverse("decision_return", args=[decision.pk])
    login(client, cast.caseworker2)

    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "Det er noe som må rettes" in response.content.decode()
    assert Decision.objects.get(pk=decision.pk).state == Decision.State.PROPOSED

    response = client.post(url, {"reason": "Begrunn poengene bedre."})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.state == Decision.State.RETURNED and decision.return_reason == "Begrunn poengene bedre."
    assert Case.objects.get(pk=decision.case_id).state == Case.State.ASSESSED
    page = client.get(reverse("decision_detail", args=[decision.pk])).content.decode()
    assert "Begrunn poengene bedre." in page


def test_the_decision_page_shows_the_reasons_the_letter_and_the_payments(client, cast):
    decision = accepted(cast, h.decided(cast))
    payment = hp.paid_payment(cast, decision, "400000")
    login(client, cast.caseworker)

    page = client.get(reverse("decision_detail", args=[decision.pk])).content.decode()

    assert h.REASONS["considerations"] in page
    assert "delvis innvilget" in page and "kan ikke påklages" in page
    assert decision.letter.sha256 in page
    assert reverse("letter_file", args=[decision.case.application_id, decision.pk]) in page
    assert "Akseptert av Dag Direktør" in page
    assert payment.reference in page and money("kr 600 000") in page  # what is outstanding
    assert reverse("payment_create", args=[decision.pk]) in page


# --- Payments ---------------------------------------------------------------------------------


def test_a_payment_before_acceptance_is_refused_through_the_view(client, cast):
    decision = h.decided(cast)
    login(client, cast.caseworker)
    url = reverse("payment_create", args=[decision.pk])
    assert "Venter på aksept" in client.get(url).content.decode()

    response = client.post(url, {"amount": "100 000"})

    assert response.status_code == 200
    assert "Det kan ikke utbetales før det er akseptert." in response.content.decode()
    assert not Payment.objects.filter(decision=decision).exists()


def test_a_payment_above_what_is_outstanding_is_refused(client, cast):
    decision = accepted(cast, h.decided(cast))
    login(client, cast.caseworker)
    url = reverse("payment_create", args=[decision.pk])
    assert client.get(url).context["form"]["amount"].value() == "1 000 000"

    hp.confirmed_account(cast)
    response = client.post(url, {"amount": "1 000 001"})
    assert response.status_code == 200
    assert money("kr 1 000 001 er kr 1 for mye") in response.content.decode()

    response = client.post(url, {"amount": "1 000 000"})
    assert response.status_code == 302
    payment = Payment.objects.get(decision=decision)
    assert response["Location"] == reverse("payment_detail", args=[payment.pk])
    # Proposed, not paid: it waits for attestation, approval and the bank.
    assert payment.state == Payment.State.PROPOSED and payment.account == hp.ACCOUNT
    decision.refresh_from_db()
    assert decision.paid == 0
    assert Case.objects.get(pk=decision.case_id).state == Case.State.ACCEPTED


def test_payments_due_lists_accepted_unpaid_grants_first_and_not_paid_ones(client, cast):
    waiting = cheap_grant(cast, amount="300000", accepted=False)
    unpaid = cheap_grant(cast, amount="500000")
    paid = cheap_grant(cast, amount="200000")
    hp.paid_payment(cast, paid, "200000")
    login(client, cast.caseworker)

    response = client.get(reverse("payments_due"))

    assert [d.pk for d in response.context["decisions"]] == [unpaid.pk, waiting.pk]
    page = response.content.decode()
    assert reverse("payment_create", args=[unpaid.pk]) in page
    assert reverse("payment_create", args=[waiting.pk]) not in page
    assert "Venter på aksept" in page
    assert paid.case.application.reference not in page
