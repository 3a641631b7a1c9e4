"""Two grants of one county, in two of the scheme's calls, approved at the same moment by two budget
holders when only one more year is allowed (R16): the county's row lock makes the second count the
first, so one is approved and the other refused. PostgreSQL only: SQLite serialises writers on its
own, and ``select_for_update`` is a no-op there."""

from __future__ import annotations

import pytest
from django.db import connection

from grants.models import Decision
from portal.models import Role
from tests import factories as f
from tests.grants.helpers_cases import approved, proposed, submitted_case
from tests.grants.test_multi_year import earlier_grants
from tests.reporting.test_reports_concurrency import run_at_once

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
    pytest.mark.django_db(transaction=True),
]


def test_two_grants_approved_at_once_cannot_make_a_fifth_year(cast):
    earlier_grants(cast, [2021, 2022, 2023])
    call_2024 = f.make_call(cast.scheme, year=2024, eligible=[cast.county_a])
    third = f.make_user("caseworker3@example.org", name="Cato Case", roles=[(cast.imdi, Role.CASEWORKER)])
    f.make_budget_holder(third, cast.scheme)
    first = proposed(cast, submitted_case(cast, call=call_2024), amount="100000")
    second = proposed(cast, submitted_case(cast), amount="100000")  # 2025

    results = run_at_once(lambda: approved(cast, first), lambda: approved(cast, second, third))

    assert results == ["done", "refused"]
    assert Decision.objects.funded_years(cast.county_a.pk, cast.scheme.pk) in (
        {2021, 2022, 2023, 2024},
        {2021, 2022, 2023, 2025},
    )
