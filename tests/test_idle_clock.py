"""The idle clock (portal/idle.py): a session ends SESSION_COOKIE_AGE after the request that last
wound it, never later; it is wound at most once a minute, so most requests write nothing."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import login

pytestmark = pytest.mark.django_db

AGE = settings.SESSION_COOKIE_AGE
WIND = settings.IDLE_WIND_SECONDS


def session_writes(client, url: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    writes = [
        q["sql"] for q in ctx.captured_queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")
    ]
    return len(writes), response


def expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


@pytest.fixture
def logged_in(client, cast, time_machine):
    time_machine.move_to("2026-03-02 10:00:00+01:00", tick=False)
    login(client, cast.staff_a)
    return client


def test_a_request_within_the_minute_writes_no_session(logged_in, time_machine):
    url = reverse("dashboard")
    writes, first = session_writes(logged_in, url)
    assert writes == 0  # the login wound the clock
    assert first["X-Session-Seconds"] == str(AGE)
    wound = expiry(logged_in)
    time_machine.shift(WIND - 1)
    writes, second = session_writes(logged_in, url)
    assert writes == 0
    assert expiry(logged_in) == wound
    assert second["X-Session-Seconds"] == str(AGE - (WIND - 1))  # what the page's warning counts down from


def test_the_clock_is_wound_again_after_a_minute(logged_in, time_machine):
    url = reverse("dashboard")
    session_writes(logged_in, url)
    wound = expiry(logged_in)
    time_machine.shift(WIND)
    writes, response = session_writes(logged_in, url)
    assert writes == 1
    assert (expiry(logged_in) - wound).total_seconds() == WIND
    assert response["X-Session-Seconds"] == str(AGE)


def test_the_session_never_outlives_the_idle_age_after_its_last_winding(logged_in, time_machine):
    url = reverse("dashboard")
    session_writes(logged_in, url)  # wound at t0
    time_machine.shift(WIND - 1)
    session_writes(logged_in, url)  # not wound
    time_machine.shift(AGE - (WIND - 1) + 1)  # t0 + AGE + 1
    response = logged_in.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_the_page_counts_down_what_is_left(logged_in, time_machine):
    url = reverse("dashboard")
    session_writes(logged_in, url)
    time_machine.shift(40)
    html = logged_in.get(url).content.decode()
    assert f'data-session-seconds="{AGE - 40}"' in html


def test_extending_winds_the_clock_at_once(logged_in, time_machine):
    session_writes(logged_in, reverse("dashboard"))
    wound = expiry(logged_in)
    time_machine.shift(10)
    response = logged_in.post(reverse("session_extend"))
    assert response.json()["expires_in"] == AGE
    assert (expiry(logged_in) - wound).total_seconds() == 10


def test_an_anonymous_visitor_gets_no_session(client, cast):
    response = client.get(reverse("call_list"))
    assert response.status_code == 200
    assert "X-Session-Seconds" not in response and settings.SESSION_COOKIE_NAME not in response.cookies
