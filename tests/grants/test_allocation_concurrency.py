"""The pot holds under concurrent allocation, and against raw SQL (R5). PostgreSQL only: SQLite
serialises writers on its own, and ``select_for_update`` is a no-op there."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from grants import services
from grants.models import Call, Case
from grants.services import Refused
from tests import factories as f
from tests.grants.test_allocation_views import cheap_case

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks and triggers"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 32
POT = Decimal("1000000")
EACH = Decimal("100000")


@pytest.fixture
def call(transactional_db, cast):
    Call.objects.filter(pk=cast.call.pk).update(pot=POT)
    return Call.objects.get(pk=cast.call.pk)


def test_32_threads_allocating_at_once_never_exceed_the_pot(call, cast):
    cases = [cheap_case(cast, call=call) for _ in range(THREADS)]
    actor = f.actor_for(cast.caseworker)
    barrier = threading.Barrier(THREADS)
    results: dict[int, str] = {}

    def allocate(case_id: int) -> None:
        try:
            barrier.wait(timeout=30)
            services.allocation_set(actor=actor, case_id=case_id, amount=EACH)
            results[case_id] = "allocated"
        except Refused:
            results[case_id] = "refused"
        except DatabaseError as error:  # a deadlock or a raw constraint error fails the test, by name
            results[case_id] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=allocate, args=(case.pk,)) for case in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(results) == THREADS
    assert sorted(set(results.values())) == ["allocated", "refused"], results
    successes = sum(1 for outcome in results.values() if outcome == "allocated")
    assert successes == POT / EACH
    call.refresh_from_db()
    total = sum(Case.objects.filter(call=call).values_list("allocated", flat=True), Decimal("0"))
    assert total == call.allocated == successes * EACH <= call.pot


def test_a_raw_update_beyond_the_pot_is_rejected_by_the_database(call, cast):
    case = cheap_case(cast, call=call, requested="2000000")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE grants_case SET allocated = %s WHERE id = %s", [POT + 1, case.pk])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE grants_case SET allocated = %s WHERE id = %s", [POT, case.pk])
    call.refresh_from_db()
    assert call.allocated == POT  # the trigger keeps the sum; exactly the pot is allowed

    with pytest.raises(DatabaseError, match="only the trigger"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE grants_call SET allocated = %s WHERE id = %s", [Decimal("0"), call.pk])
    call.refresh_from_db()
    assert call.allocated == POT
