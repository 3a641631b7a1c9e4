"""Applications at each stage, for the application tests."""

import pytest

from tests import factories as f
from tests.grants.helpers_applications import send


@pytest.fixture
def draft(cast):
    """County A's complete draft to cast.call, not yet sent."""
    return f.make_application(cast.call, cast.staff_a)


@pytest.fixture
def awaiting(cast, draft):
    """County A's complete application, sent by staff_a and waiting for confirmation."""
    send(draft, cast.staff_a)
    draft.refresh_from_db()
    return draft


@pytest.fixture
def submitted(cast, draft):
    """County A's application, sent by staff_a and confirmed by the director; the receipt is made."""
    f.submit(draft, sender=cast.staff_a, confirmer=cast.director_a)
    draft.refresh_from_db()
    return draft
