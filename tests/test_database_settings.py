"""The portal's PostgreSQL connections are tuned for short web queries on a database in memory or on
SSD (portal/settings.py): no JIT, and index lookups priced as such (issue 16; what the second bought
on the 20,000-application data set is in README's benchmark section: a plan on a small test
database says nothing about it)."""

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL settings"),
]


def setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def test_connection_options():
    assert setting("jit") == "off"
    assert float(setting("random_page_cost")) == pytest.approx(1.1)
