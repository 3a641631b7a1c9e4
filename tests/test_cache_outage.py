"""A stopped Redis is not a server error at login: the cache (allauth's rate limits) carries on as the
dummy cache while Redis does not answer (portal/cache.py). Before, every login was a 500."""

import logging

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from grants.services.journal import access_request_allowed
from tests import factories as f

# Nothing listens on port 1: every call is refused at once, as when Redis has stopped.
STOPPED = {"LOCATION": "redis://127.0.0.1:1/0", "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1}}
TOLERANT = {"default": {"BACKEND": "portal.cache.OutageTolerantRedisCache", **STOPPED}}
PLAIN = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", **STOPPED}}


def post_login(client, email, password=f.PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


@override_settings(CACHES=TOLERANT)
def test_a_county_user_logs_in_while_redis_is_down(client, cast, caplog):
    with caplog.at_level(logging.WARNING, logger="portal.cache"):
        response = post_login(client, "staff.a@example.org")
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200
    assert "Redis does not answer" in caplog.text


@override_settings(CACHES=TOLERANT)
def test_a_wrong_password_while_redis_is_down_is_the_usual_form_error(client, cast):
    response = post_login(client, "staff.a@example.org", "feil-passord-000")
    assert response.status_code == 200
    assert response.context["form"].errors


@override_settings(CACHES=TOLERANT)
def test_the_cache_answers_as_the_dummy_cache_while_redis_is_down(db):
    assert cache.get("key", "default") == "default"
    assert cache.add("key", 1) is True
    assert cache.set("key", 1) is None
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("key") is False
    assert cache.delete("key") is False
    with pytest.raises(ValueError):
        cache.incr("key")  # as for a missing key: a counter's caller starts again


@override_settings(CACHES=TOLERANT)
def test_a_request_for_access_from_the_public_journal_is_taken_while_redis_is_down(db):
    """The public journal's limit per address counts in the cache (grants.services.journal)."""
    assert access_request_allowed("198.51.100.7") is True


@override_settings(CACHES=PLAIN)
def test_django_s_own_redis_cache_makes_the_login_a_server_error(cast):
    """Why portal/cache.py exists: the same login with Django's RedisCache raises."""
    with pytest.raises(RedisConnectionError):
        post_login(Client(raise_request_exception=True), "staff.a@example.org")
