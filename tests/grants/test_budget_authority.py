"""Budget authority (issue 14, økonomiregelverket L4): a grant commits money, so it is approved only
by a budget holder of the call's scheme whose limit covers the amount and who did not propose it.
Admins set who holds authority in the admin; the allocation page and the dashboard show which
proposals wait for a budget holder."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection
from django.urls import reverse
from django.utils import timezone

from grants import services
from grants.models import BudgetAuthority, Decision
from grants.permissions import can_approve
from portal.models import AuditEvent, Role
from portal.rules import Refused
from tests import factories as f
from tests.conftest import login
from tests.grants import helpers_cases as h


@pytest.fixture
def colleague(cast):
    """A third caseworker, with budget authority for the scheme up to kr 500 000."""
    user = f.make_user(
        "colleague@example.org",
        name="Kari Kollega",
        roles=[(cast.imdi, Role.CASEWORKER)],
        totp_secret="GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",  # IMDi's people log in with a second factor
    )
    f.make_budget_holder(user, cast.scheme, limit="500000")
    return user


def test_a_caseworker_without_budget_authority_cannot_approve_a_grant(cast):
    stranger = f.make_user("nobudget@example.org", roles=[(cast.imdi, Role.CASEWORKER)])
    decision = h.proposed(cast, h.submitted_case(cast))

    with pytest.raises(Refused, match="Du har ikke budsjettdisponeringsmyndighet for denne tilskuddsordningen"):
        h.approved(cast, decision, user=stranger)

    assert Decision.objects.get(pk=decision.pk).state == Decision.State.PROPOSED


def test_a_limit_below_the_grant_refuses_with_the_limit_in_the_reason(cast, colleague):
    decision = h.proposed(cast, h.submitted_case(cast), amount="1000000")

    verdict = can_approve(f.actor_for(colleague).membership, colleague, decision)

    assert not verdict
    assert (
        "Beløpsgrensen din er kr\xa0500\xa0000" in verdict.reason or "Beløpsgrensen din er kr 500 000" in verdict.reason
    )
    with pytest.raises(Refused, match="Beløpsgrensen din er"):
        h.approved(cast, decision, user=colleague)


def test_a_limit_that_covers_the_grant_approves_it(cast, colleague):
    decision = h.proposed(cast, h.submitted_case(cast), amount="500000")

    h.approved(cast, decision, user=colleague)

    decision.refresh_from_db()
    assert decision.state == Decision.State.APPROVED and decision.approved_by == colleague


def test_the_proposer_cannot_approve_even_as_a_budget_holder(cast):
    decision = h.proposed(cast, h.submitted_case(cast))  # cast.caseworker holds authority too
    with pytest.raises(Refused, match="Du foreslo dette vedtaket"):
        h.approved(cast, decision, user=cast.caseworker)


def test_authority_outside_its_dates_or_for_another_scheme_does_not_count(cast):
    user = f.make_user("expired@example.org", roles=[(cast.imdi, Role.CASEWORKER)])
    today = timezone.localdate()
    f.make_budget_holder(
        user, cast.scheme, valid_from=today - dt.timedelta(days=30), valid_to=today - dt.timedelta(days=1)
    )
    f.make_budget_holder(user, f.make_scheme(cast.imdi), limit="9000000")
    decision = h.proposed(cast, h.submitted_case(cast))

    with pytest.raises(Refused, match="ikke budsjettdisponeringsmyndighet"):
        h.approved(cast, decision, user=user)

    BudgetAuthority.objects.filter(user=user, scheme=cast.scheme).update(valid_to=None)
    h.approved(cast, decision, user=user)
    assert Decision.objects.get(pk=decision.pk).state == Decision.State.APPROVED


def test_a_rejection_commits_no_money_and_needs_no_budget_authority(cast):
    stranger = f.make_user("nobudget@example.org", roles=[(cast.imdi, Role.CASEWORKER)])
    decision = h.proposed(cast, h.submitted_case(cast), kind=Decision.Kind.REJECTION)

    h.approved(cast, decision, user=stranger)

    assert Decision.objects.get(pk=decision.pk).state == Decision.State.APPROVED


def test_the_decision_page_says_who_may_approve_and_why_you_may_not(client, cast, colleague):
    decision = h.proposed(cast, h.submitted_case(cast), amount="1000000")
    login(client, colleague)

    page = client.get(reverse("decision_detail", args=[decision.pk])).content.decode()

    assert "Kan godkjenne:" in page and "Cora Case" in page
    assert "Carl Case</" not in page  # the proposer is not offered
    assert "Kari Kollega" not in page.split("Kan godkjenne:")[1].split("</p>")[0]  # her limit is too low
    assert "Beløpsgrensen din er" in page
    assert reverse("decision_approve", args=[decision.pk]) not in page
    response = client.post(reverse("decision_approve", args=[decision.pk]))
    assert "Beløpsgrensen din er" in response.content.decode()
    assert Decision.objects.get(pk=decision.pk).state == Decision.State.PROPOSED


def test_the_allocation_page_and_the_dashboard_show_proposals_waiting_for_a_budget_holder(client, cast, colleague):
    decision = h.proposed(cast, h.submitted_case(cast), amount="1000000")
    login(client, colleague)

    allocation = client.get(reverse("allocation", args=[cast.call.pk])).content.decode()
    dashboard = client.get(reverse("dashboard")).content.decode()

    for page in (allocation, dashboard):
        assert "venter på budsjettdisponent" in page
        assert "kan godkjennes av Cora Case" in page
        assert reverse("decision_detail", args=[decision.pk]) in page
    # Her limit does not cover it: it does not wait for her approval.
    assert "Vedtak som venter på din godkjenning" not in dashboard


def test_a_grant_nobody_may_approve_says_so(client, cast):
    BudgetAuthority.objects.filter(user=cast.caseworker2).update(limit=Decimal("100"))
    h.proposed(cast, h.submitted_case(cast), amount="1000000")
    login(client, cast.caseworker2)

    page = client.get(reverse("allocation", args=[cast.call.pk])).content.decode()

    assert "ingen har budsjettdisponeringsmyndighet som dekker beløpet" in page


def test_admins_see_and_set_who_holds_authority_for_what_in_the_admin(client, cast):
    login(client, cast.admin)

    listing = client.get(reverse("admin:grants_budgetauthority_changelist")).content.decode()
    assert "Carl Case" in listing and "Cora Case" in listing and cast.scheme.name in listing

    response = client.post(
        reverse("admin:grants_budgetauthority_add"),
        {"user": cast.caseworker.pk, "scheme": cast.scheme.pk, "limit": "250000", "valid_from": "", "valid_to": ""},
    )
    assert response.status_code == 302
    added = BudgetAuthority.objects.get(user=cast.caseworker, limit=Decimal("250000"))
    assert AuditEvent.objects.filter(action="admin.budgetauthority.created", object_id=str(added.pk)).exists()
    refused = client.post(
        reverse("admin:grants_budgetauthority_add"),
        {
            "user": cast.caseworker.pk,
            "scheme": cast.scheme.pk,
            "limit": "1",
            "valid_from": "2026-02-01",
            "valid_to": "2026-01-01",
        },
    )
    assert refused.status_code == 200 and BudgetAuthority.objects.filter(limit=Decimal("1")).count() == 0


def test_a_caseworker_cannot_open_the_budget_authority_admin(client, cast):
    login(client, cast.caseworker)
    assert client.get(reverse("admin:grants_budgetauthority_changelist")).status_code == 302


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_two_budget_holders_approving_at_once_make_one_decision(transactional_db, cast, colleague):
    BudgetAuthority.objects.filter(user=colleague).update(limit=Decimal("5000000"))
    decision = h.proposed(cast, h.submitted_case(cast))
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def approve(user) -> None:
        try:
            barrier.wait(timeout=30)
            services.decision_approve(actor=f.actor_for(user), decision_id=decision.pk)
            results[user.email] = "approved"
        except Refused:
            results[user.email] = "refused"
        except DatabaseError as error:
            results[user.email] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(user,)) for user in (cast.caseworker2, colleague)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results.values()) == ["approved", "refused"], results
    decision.refresh_from_db()
    assert decision.state == Decision.State.APPROVED
    assert decision.approved_by.email == next(email for email, r in results.items() if r == "approved")
