"""Two approvals and a start that arrive at the same moment: the row lock on the report (and on
the decision when starting) keeps one report per grant and one person per approval. PostgreSQL
only: SQLite serialises writers on its own, and ``select_for_update`` is a no-op there."""

from __future__ import annotations

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection

from grants.services import Refused
from portal.uploads import check_upload
from reporting.models import AnnualReport
from reporting.services import reports
from tests import factories as f
from tests.reporting.helpers import paid_grant

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
    pytest.mark.django_db(transaction=True),
]


def run_at_once(*calls) -> list[str]:
    barrier = threading.Barrier(len(calls))
    results: list[str] = []

    def run(call) -> None:
        try:
            barrier.wait(timeout=30)
            call()
            results.append("done")
        except Refused:
            results.append("refused")
        except DatabaseError as error:  # a deadlock or a raw constraint error fails the test, by name
            results.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return sorted(results)


def test_starting_the_report_twice_at_once_makes_one_report(cast):
    decision = paid_grant(cast)
    actor = f.actor_for(cast.staff_a)
    results = run_at_once(*[lambda: reports.report_start(actor=actor, decision_id=decision.pk)] * 4)
    assert results == ["done"] * 4
    assert AnnualReport.objects.filter(decision=decision).count() == 1


def test_one_person_approving_in_both_capacities_at_once_gets_one_approval(cast):
    decision = paid_grant(cast)
    actor = f.actor_for(cast.staff_a)
    report = reports.report_start(actor=actor, decision_id=decision.pk)
    upload = SimpleUploadedFile("regnskap.pdf", f.TINY_PDF, content_type="application/pdf")
    reports.accounts_file_set(actor=actor, report_id=report.pk, upload=upload, checked=check_upload(upload))

    results = run_at_once(
        lambda: reports.accounts_approve(actor=actor, report_id=report.pk, capacity="project_owner"),
        lambda: reports.accounts_approve(actor=actor, report_id=report.pk, capacity="responsible_leader"),
    )
    assert results == ["done", "refused"]
    assert list(report.approvals.values_list("user_id", flat=True)) == [cast.staff_a.pk]
