"""R16: a grant is for one year at a time and the project period is at most four years, counted
across the scheme's calls: the years in which the county has a grant in force, the year being
decided included."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grants import services
from grants.models import Decision
from grants.multi_year import within_project_years
from grants.services import Refused
from tests import factories as f
from tests.grants.helpers_cases import REASONS, allocated, approved, assessed, decided, proposed, split, submitted_case
from tests.grants.helpers_cases import as_caseworker as caseworker_actor

pytestmark = pytest.mark.django_db


def earlier_grants(cast, years) -> list[Decision]:
    """County A's grants in force in the scheme's calls of ``years``."""
    calls = [f.make_call(cast.scheme, year=year, eligible=[cast.county_a, cast.county_b]) for year in years]
    return [decided(cast, submitted_case(cast, call=call), amount="100000") for call in calls]


def test_funded_years_are_counted_per_county_and_scheme_across_calls(cast):
    earlier_grants(cast, [2022, 2023])
    other_scheme_call = f.make_call(f.make_scheme(cast.imdi), year=2021, eligible=[cast.county_a])
    f.make_budget_holder(cast.caseworker2, other_scheme_call.scheme)
    decided(cast, submitted_case(cast, call=other_scheme_call), amount="100000")
    decided(cast, submitted_case(cast, organisation=cast.county_b), amount="100000")  # county B, 2025

    assert Decision.objects.funded_years(cast.county_a.pk, cast.scheme.pk) == {2022, 2023}
    assert Decision.objects.funded_years(cast.county_b.pk, cast.scheme.pk) == {2025}


def test_a_fifth_year_of_grants_is_refused_when_proposed(cast):
    earlier_grants(cast, [2021, 2022, 2023, 2024])
    case = submitted_case(cast)  # 2025
    assessed(cast, case)
    allocated(cast, case, "100000")
    with pytest.raises(Refused) as refused:
        grant_services_propose(cast, case)
    message = str(refused.value)
    assert "2021, 2022, 2023, 2024" in message
    assert "5 år" in message and "høyst 4 år" in message
    assert not case.decisions.exists()


def test_a_fourth_year_is_granted(cast):
    earlier_grants(cast, [2022, 2023, 2024])
    decision = decided(cast, submitted_case(cast), amount="100000")
    assert decision.is_grant_in_force
    assert Decision.objects.funded_years(cast.county_a.pk, cast.scheme.pk) == {2022, 2023, 2024, 2025}


def test_a_grant_approved_meanwhile_in_another_call_is_counted_when_approving(cast):
    earlier_grants(cast, [2021, 2022, 2023])
    # Proposed while three years are funded (four with this one): allowed.
    proposal = proposed(cast, submitted_case(cast), amount="100000")
    # Meanwhile a grant for 2024 is approved: the 2025 proposal would now make a fifth year.
    earlier_grants(cast, [2024])
    with pytest.raises(Refused, match="høyst 4 år"):
        approved(cast, proposal)
    proposal.refresh_from_db()
    assert proposal.state == Decision.State.PROPOSED


def test_a_rejection_is_not_limited_by_the_years_and_a_years_own_call_counts_once(cast):
    earlier_grants(cast, [2021, 2022, 2023, 2024])
    rejection = decided(cast, submitted_case(cast), kind=Decision.Kind.REJECTION)
    assert rejection.state == Decision.State.APPROVED
    case_2024 = Decision.objects.get(case__call__year=2024).case
    assert within_project_years(case_2024)  # 2024 is already among the four


def test_the_calls_own_maximum_is_used(cast):
    cast.call.max_project_years = 2
    cast.call.save(update_fields=["max_project_years"])
    earlier_grants(cast, [2023, 2024])
    case = submitted_case(cast)
    verdict = within_project_years(case)
    assert not verdict
    assert "høyst 2 år" in verdict.reason


def grant_services_propose(cast, case):
    return services.decision_propose(
        actor=caseworker_actor(cast),
        case_id=case.pk,
        kind=Decision.Kind.GRANT,
        granted=split(case, "100000"),
        **REASONS,
    )


def test_the_proposal_page_warns_before_a_fifth_year_is_written(client, login_as, cast):
    earlier_grants(cast, [2021, 2022, 2023, 2024])
    case = submitted_case(cast)
    assessed(cast, case)
    allocated(cast, case, "100000")
    login_as("caseworker")
    html = client.get(reverse("decision_propose", args=[case.pk])).content.decode()
    assert 'id="project-years-warning"' in html
    assert "2021, 2022, 2023, 2024" in html and "høyst 4 år" in html


def test_the_proposal_page_has_no_warning_for_a_fourth_year(client, login_as, cast):
    earlier_grants(cast, [2022, 2023, 2024])
    case = submitted_case(cast)
    login_as("caseworker")
    response = client.get(reverse("decision_propose", args=[case.pk]))
    assert response.status_code == 200
    assert 'id="project-years-warning"' not in response.content.decode()


def test_the_approval_page_warns_when_a_grant_approved_meanwhile_makes_a_fifth_year(client, login_as, cast):
    earlier_grants(cast, [2021, 2022, 2023])
    proposal = proposed(cast, submitted_case(cast), amount="100000")
    login_as("caseworker2")
    url = reverse("decision_detail", args=[proposal.pk])
    assert 'id="project-years-warning"' not in client.get(url).content.decode()
    earlier_grants(cast, [2024])
    html = client.get(url).content.decode()
    assert 'id="project-years-warning"' in html and "høyst 4 år" in html
