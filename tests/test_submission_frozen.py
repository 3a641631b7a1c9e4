"""What was submitted never changes (R12, R23): the database refuses it on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from grants.models import CooperationAgreement, Submission
from tests import factories as f

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the triggers exist only on PostgreSQL (CI runs it)"
)


@pytest.fixture
def submission(cast):
    application = f.make_application(cast.call, cast.staff_a)
    return f.submit(application, sender=cast.staff_a, confirmer=cast.director_a)


@pytest.mark.parametrize(
    "change",
    [
        {"snapshot": {"title": "Endret"}},
        {"total": 1},
        {"authority": "som noen andre"},
        {"receipt": "kvitteringer/annen.pdf"},
        {"receipt_sha256": "0" * 64},
    ],
)
def test_database_refuses_to_change_a_submission(submission, change):
    with pytest.raises(Exception, match="never changes"), transaction.atomic():
        Submission.objects.filter(pk=submission.pk).update(**change)
    with pytest.raises(Exception, match="never deleted"), transaction.atomic():
        Submission.objects.filter(pk=submission.pk).delete()


def test_database_allows_the_receipt_once_and_withdrawal_once(cast):
    application = f.make_application(cast.call, cast.staff_a)
    submission = f.submit(application, sender=cast.staff_a, confirmer=cast.director_a)
    # The receipt went from empty to a file once (in submit); withdrawal is recorded once.
    assert submission.receipt and len(submission.receipt_sha256) == 64
    Submission.objects.filter(pk=submission.pk).update(withdrawn_at=submission.confirmed_at, withdrawn_by=cast.staff_a)
    with pytest.raises(Exception, match="never changes"), transaction.atomic():
        Submission.objects.filter(pk=submission.pk).update(withdrawn_at=None)


def test_database_refuses_to_change_or_delete_an_uploaded_agreement(cast):
    application = f.make_application(cast.call, cast.staff_a)
    agreement = application.agreements.first()
    with pytest.raises(Exception, match="never changes"), transaction.atomic():
        CooperationAgreement.objects.filter(pk=agreement.pk).update(sha256="0" * 64)
    with pytest.raises(Exception, match="never deleted"), transaction.atomic():
        CooperationAgreement.objects.filter(pk=agreement.pk).delete()
    # Taking it out of the draft is allowed: the file stays.
    CooperationAgreement.objects.filter(pk=agreement.pk).update(removed_at=agreement.uploaded_at)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM grants_cooperationagreement WHERE id = %s", [agreement.pk])
        assert cursor.fetchone()[0] == 1
