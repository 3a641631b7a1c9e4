"""The allocation page, and who may use the case views, through the views (R5, R14–R17): what a
caseworker sees and what the database holds afterwards (proposing, approving and payments:
tests/grants/test_decision_views.py)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from grants import permissions, services
from grants.models import (
    Application,
    Call,
    Case,
    CriterionScore,
    Decision,
    ImpartialityDeclaration,
    Submission,
)
from tests import factories as f
from tests.conftest import assert_constant_queries, login
from tests.grants import helpers_cases as h

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
NBSP = "\xa0"


def money(text: str) -> str:
    """Amounts in ``text`` as the ``kr`` filter writes them: "kr 100 000" with non-breaking spaces."""
    return re.sub(r"(?<=kr) (?=\d)|(?<=\d) (?=\d)", NBSP, text)


def cheap_case(cast, *, call=None, state=Case.State.ASSESSED, requested="200000", score=None) -> Case:
    """A submitted application's case, made directly in the database (no files, no receipt): as many
    as a query-count or concurrency test needs, quickly. Assessed unless told otherwise."""
    call = call or cast.call
    now = timezone.now()
    organisation = f.make_org()
    application = Application.objects.create(
        call=call,
        organisation=organisation,
        state=Application.State.SUBMITTED,
        reference=f"T-{organisation.pk:05d}",
        created_by=cast.staff_a,
        submitted_at=now,
        title="Samarbeid om fagbrev",
    )
    Submission.objects.create(
        application=application,
        number=1,
        snapshot={
            "reference": application.reference,
            "fields": {"title": application.title},
            "budget": {"lines": [], "categories": [], "total": requested},
        },
        total=Decimal(requested),
        confirmed_by=cast.director_a,
        confirmed_at=now,
        authority="som fylkeskommunedirektør",
    )
    assessed = state not in (Case.State.RECEIVED, Case.State.ASSIGNED)
    case = Case.objects.create(
        application=application,
        call=call,
        state=state,
        assigned_to=cast.caseworker if state != Case.State.RECEIVED else None,
        assessed_at=now if assessed else None,
        recommended_total=Decimal(requested) if assessed else None,
    )
    if score is not None:
        CriterionScore.objects.create(case=case, criterion=call.criteria.first(), score=score)
    return case


def cheap_grant(cast, *, amount="500000", accepted=True) -> Decision:
    """An approved grant on a cheap case, accepted by the county or not."""
    case = cheap_case(cast, state=Case.State.ACCEPTED if accepted else Case.State.DECIDED, requested=amount)
    now = timezone.now()
    return Decision.objects.create(
        case=case,
        kind=Decision.Kind.GRANT,
        state=Decision.State.APPROVED,
        requested=Decimal(amount),
        amount=Decimal(amount),
        report_deadline=cast.call.report_deadline,
        proposed_by=cast.caseworker,
        proposed_at=now,
        approved_by=cast.caseworker2,
        approved_at=now,
        accepted_by=cast.director_a if accepted else None,
        accepted_at=now if accepted else None,
        **h.REASONS,
    )


def accepted(cast, decision: Decision) -> Decision:
    """The county accepts the grant through the service, once its letter is ready."""
    h.issued(decision)
    services.decision_accept(actor=f.actor_for(cast.director_a), decision_id=decision.pk)
    decision.refresh_from_db()
    return decision


def allocation_url(cast) -> str:
    return reverse("allocation", args=[cast.call.pk])


def set_url(case) -> str:
    return reverse("allocation_set", args=[case.pk])


def pot(cast, amount: str) -> None:
    Call.objects.filter(pk=cast.call.pk).update(pot=Decimal(amount))


def allocated_in_call(cast) -> Decimal:
    return Call.objects.get(pk=cast.call.pk).allocated


# --- The allocation page ----------------------------------------------------------------------


def test_the_page_shows_the_pot_and_every_application(client, cast):
    assessed = h.assessed(cast, h.submitted_case(cast))
    h.allocated(cast, assessed, "1000000")
    waiting = h.submitted_case(cast, organisation=cast.county_b)
    login(client, cast.caseworker)

    response = client.get(allocation_url(cast))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="allocation-totals"' in page and 'aria-live="polite"' in page
    assert money("kr 5 000 000") in page  # the pot
    assert money("kr 4 000 000") in page  # what remains
    assert "Fylke A" in page and "Fylke B" in page
    assert money("kr 1 250 000") in page  # what each county asked for
    assert "Fordelt til Fylke A" in page  # the assessed case has its labelled field
    assert f'id="case-{assessed.pk}-amount"' in page
    assert f'id="case-{waiting.pk}-amount"' not in page  # not assessed yet: the reason instead
    assert "Søknaden må vurderes før det fordeles midler til den." in page
    assert reverse("case_detail", args=[assessed.pk]) in page


def test_a_call_without_applications_shows_its_pot_untouched(client, cast):
    # The column sums used to be taken inside the loop over the rows: with no rows, no sums and a 500.
    login(client, cast.caseworker)

    response = client.get(allocation_url(cast))

    assert response.status_code == 200
    assert money("kr 5 000 000") in response.content.decode()
    assert 'id="allocation-totals"' in response.content.decode()


def test_the_cases_are_ranked_by_total_score(client, cast):
    low = cheap_case(cast, score=2)
    high = cheap_case(cast, score=9)
    login(client, cast.auditor)

    rows = client.get(allocation_url(cast)).context["rows"]

    assert [row.pk for row in rows] == [high.pk, low.pk]
    assert rows[0].total_score == 9


def test_the_rows_follow_the_same_rules_as_the_service(client, cast):
    """The page decides per row without a query per row; it must say what ``can_allocate`` says."""
    cases = [cheap_case(cast, state=state) for state in Case.State.values]
    ImpartialityDeclaration.objects.create(
        case=cases[3], user=cast.caseworker2, disqualified=True, reason="Nær familie leder prosjektet."
    )
    seen = set()
    for user in (cast.caseworker, cast.caseworker2, cast.admin):
        login(client, user)
        membership = f.actor_for(user).membership
        for row in client.get(allocation_url(cast)).context["rows"]:
            expected = permissions.can_allocate(membership, user, Case.objects.get(pk=row.pk))
            assert (bool(row.may_allocate), row.may_allocate.reason) == (bool(expected), expected.reason)
            seen.add((bool(expected), expected.reason))
    # every rule was met: allowed, the role, the conflict, not assessed yet, decided
    assert len(seen) == 5


def test_setting_an_amount_with_htmx_returns_the_row_and_the_totals(client, cast):
    case = h.assessed(cast, h.submitted_case(cast))
    login(client, cast.caseworker)

    response = client.post(set_url(case), {"amount": "1 000 000"}, **HTMX)

    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith(f'<tr id="allocation-row-{case.pk}"')
    assert 'id="allocation-totals" hx-swap-oob="innerHTML"' in page
    assert 'id="allocation-sums" hx-swap-oob="true"' in page
    assert money("kr 4 000 000") in page  # what remains now
    assert money("kr 1 000 000 er fordelt til Fylke A.") in page
    assert allocated_in_call(cast) == Decimal("1000000")


def test_setting_an_amount_without_javascript_redirects_back_with_a_message(client, cast):
    case = h.assessed(cast, h.submitted_case(cast))
    login(client, cast.caseworker)

    response = client.post(set_url(case), {"amount": "kr 750 000"})

    assert response.status_code == 302
    assert response["Location"] == allocation_url(cast) + f"#allocation-row-{case.pk}"
    assert allocated_in_call(cast) == Decimal("750000")
    page = client.get(response["Location"]).content.decode()
    assert money("kr 750 000 er fordelt til Fylke A.") in page
    assert money("kr 4 250 000") in page


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-javascript"])
def test_an_amount_over_what_remains_is_refused_with_the_excess(client, cast, htmx):
    pot(cast, "1500000")
    case_a = h.assessed(cast, h.submitted_case(cast))
    case_b = h.assessed(cast, h.submitted_case(cast, organisation=cast.county_b))
    h.allocated(cast, case_a, "1000000")
    login(client, cast.caseworker)

    response = client.post(set_url(case_b), {"amount": "600 000"}, **(HTMX if htmx else {}))

    assert response.status_code == 200
    page = response.content.decode()
    assert money("kr 600 000 er kr 100 000 mer enn det som er igjen av rammen") in page
    assert 'value="600 000"' in page  # what was typed is kept
    assert 'aria-invalid="true"' in page
    if not htmx:
        assert "Det er noe som må rettes" in page
        assert f'href="#case-{case_b.pk}-amount"' in page
    assert allocated_in_call(cast) == Decimal("1000000")
    assert Case.objects.get(pk=case_b.pk).allocated == 0


def test_an_empty_post_shows_the_form_error(client, cast):
    case = h.assessed(cast, h.submitted_case(cast))
    login(client, cast.caseworker)

    response = client.post(set_url(case), {})

    assert response.status_code == 200
    assert "Det er noe som må rettes" in response.content.decode()
    assert response.context["form"].errors["amount"]
    assert allocated_in_call(cast) == 0


def test_an_allocation_after_a_proposal_is_refused_with_the_reason(client, cast):
    decision = h.proposed(cast, h.submitted_case(cast), amount="1000000")
    login(client, cast.caseworker)

    response = client.post(set_url(decision.case), {"amount": "1 200 000"}, **HTMX)

    assert response.status_code == 200
    assert "Det er foreslått eller fattet vedtak i saken" in response.content.decode()
    assert allocated_in_call(cast) == Decimal("1000000")


def test_the_allocation_urls_refuse_what_they_do_not_serve(client, cast):
    case = h.submitted_case(cast)
    login(client, cast.caseworker)
    assert client.get(set_url(case)).status_code == 405
    assert client.get(reverse("allocation", args=[999999])).status_code == 404


# --- Query counts -----------------------------------------------------------------------------


def test_the_allocation_page_keeps_its_query_count(client, cast):
    ImpartialityDeclaration.objects.create(
        case=cheap_case(cast), user=cast.caseworker, disqualified=True, reason="Nær familie."
    )
    login(client, cast.caseworker)

    def add_rows(n):
        for i in range(n):
            cheap_case(cast, score=i % 7, state=Case.State.ASSESSED if i % 2 else Case.State.RECEIVED)

    assert_constant_queries(client, allocation_url(cast), add_rows)


def test_payments_due_keeps_its_query_count(client, cast):
    login(client, cast.caseworker)

    def add_rows(n):
        for i in range(n):
            cheap_grant(cast, accepted=bool(i % 2))

    assert_constant_queries(client, reverse("payments_due"), add_rows)


# --- Who may ----------------------------------------------------------------------------------


def test_an_auditor_reads_but_every_post_is_403(client, cast):
    decision = h.proposed(cast, h.submitted_case(cast))
    case = decision.case
    login(client, cast.auditor)
    for url in (allocation_url(cast), reverse("decision_detail", args=[decision.pk]), reverse("payments_due")):
        assert client.get(url).status_code == 200, url
    for url, data in [
        (set_url(case), {"amount": "1"}),
        (reverse("decision_propose", args=[case.pk]), {"kind": "rejection"}),
        (reverse("decision_approve", args=[decision.pk]), {}),
        (reverse("decision_return", args=[decision.pk]), {"reason": "Nei"}),
        (reverse("payment_create", args=[decision.pk]), {"amount": "1", "paid_on": "2025-03-01", "reference": "B"}),
    ]:
        assert client.post(url, data).status_code == 403, url
    assert Decision.objects.get(pk=decision.pk).state == Decision.State.PROPOSED


@pytest.mark.parametrize("user", ["staff_a", "director_a", "stranger"])
def test_county_users_and_strangers_get_403(client, cast, user):
    decision = h.proposed(cast, h.submitted_case(cast))
    login(client, getattr(cast, user))
    for url in (
        allocation_url(cast),
        reverse("decision_propose", args=[decision.case_id]),
        reverse("decision_detail", args=[decision.pk]),
        reverse("payment_create", args=[decision.pk]),
        reverse("payments_due"),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("decision_approve", args=[decision.pk])).status_code == 403
    assert client.post(set_url(decision.case), {"amount": "1"}).status_code == 403
