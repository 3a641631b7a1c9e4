"""portal.links.pk_url gives the links reverse() gives, from one reverse() per list."""

import pytest
from django.urls import reverse

from portal.links import pk_url


@pytest.mark.parametrize("name", ["call_detail", "case_detail", "statistics_call"])
def test_pk_url_is_reverse(name):
    url = pk_url(name)
    for pk in (1, 42, 987654321, 10**12):
        assert url(pk) == reverse(name, args=[pk])
