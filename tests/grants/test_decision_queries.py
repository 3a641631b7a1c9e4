"""What must be true of a decision's rows, asked of the model: the decisions in force (approved, not
reversed after an appeal), the grants still to pay, a decision's letter when there is one, and the
appeal deadline of a letter."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from grants import services
from grants.models import Decision
from tests import factories as f
from tests.grants import helpers_cases as h
from tests.grants import helpers_payments as hp

pytestmark = pytest.mark.django_db


def test_a_proposal_is_not_in_force_and_has_no_letter(cast):
    proposal = h.proposed(cast, h.submitted_case(cast))

    assert proposal.letter_or_none is None
    assert not proposal.is_in_force
    assert list(Decision.objects.in_force()) == []


def test_an_approved_grant_is_in_force_until_it_is_paid_in_full(cast):
    grant = h.decided(cast, amount="300000")
    assert grant.letter_or_none == grant.letter
    assert list(Decision.objects.in_force()) == [grant]
    assert list(Decision.objects.grants_in_force()) == [grant]
    assert list(Decision.objects.payments_due()) == [grant]

    h.issued(grant)
    services.decision_accept(actor=f.actor_for(cast.director_a), decision_id=grant.pk)
    hp.approved_payment(cast, grant, grant.amount)
    assert list(Decision.objects.payments_due()) == [grant]  # approved, not yet paid by the bank
    hp.confirm_all(cast, paid_on=dt.date.today())

    assert list(Decision.objects.grants_in_force()) == [grant]
    assert list(Decision.objects.payments_due()) == []


def test_a_reversed_dismissal_is_no_longer_in_force(cast):
    dismissal = h.decided(cast, kind=Decision.Kind.DISMISSAL)
    assert list(Decision.objects.in_force()) == [dismissal]
    assert list(Decision.objects.grants_in_force()) == []

    Decision.objects.filter(pk=dismissal.pk).update(reversed_at=timezone.now())

    assert list(Decision.objects.in_force()) == []
    assert not Decision.objects.get(pk=dismissal.pk).is_in_force


def test_the_appeal_deadline_is_three_weeks_after_the_county_was_told_and_never_on_a_weekend(cast):
    letter = h.issued(h.decided(cast, kind=Decision.Kind.DISMISSAL))
    friday = timezone.make_aware(dt.datetime(2025, 3, 7, 12))  # three weeks later is a Friday too
    saturday = friday + dt.timedelta(days=1)

    letter.notified_at = friday
    assert letter.appeal_deadline == dt.date(2025, 3, 28)
    letter.notified_at = saturday  # 29 March is a Saturday: the deadline moves to Monday
    assert letter.appeal_deadline == dt.date(2025, 3, 31)
    letter.notified_at = None  # before the e-mail went: from the day it was put in the portal
    letter.issued_at = friday
    assert letter.appeal_deadline == dt.date(2025, 3, 28)
