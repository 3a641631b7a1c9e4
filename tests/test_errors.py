"""Error pages: 403 with the reason, 404, and 503 (not a stack trace) when the database is down."""

import pytest
from django.db import IntegrityError, OperationalError
from django.urls import reverse

from grants.models import Call
from tests.conftest import login


def test_403_page_says_why(client, cast):
    login(client, cast.caseworker)
    response = client.get(reverse("audit_log"))
    assert response.status_code == 403
    assert "Rollen din (Saksbehandler i IMDi) gir ikke tilgang til dette." in response.content.decode()


def test_404_page_is_in_norwegian(client, cast):
    login(client, cast.staff_a)
    response = client.get("/finnes-ikke/")
    assert response.status_code == 404 and "Fant ikke siden" in response.content.decode()


@pytest.mark.parametrize(
    "error, status, text",
    [
        (OperationalError("server closed the connection"), 503, "midlertidig utilgjengelig"),
        (IntegrityError("duplicate key"), 500, "Noe gikk galt hos oss"),
    ],
)
def test_database_outage_gives_a_503_page_and_a_bug_a_500(client, db, monkeypatch, error, status, text):
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(Call.objects, "published", fail)
    client.raise_request_exception = False
    response = client.get(reverse("call_list"))
    assert response.status_code == status
    assert text in response.content.decode()
    assert "Traceback" not in response.content.decode()
