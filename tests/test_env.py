import pytest
from django.core.exceptions import ImproperlyConfigured

from portal import env


def test_bool_accepts_the_usual_words(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    assert env.env_bool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "0")
    assert env.env_bool("X_FLAG", True) is False


def test_bool_refuses_a_typo_with_the_variable_name(monkeypatch):
    monkeypatch.setenv("DEBUG_X", "ture")
    with pytest.raises(ImproperlyConfigured, match="DEBUG_X must be one of"):
        env.env_bool("DEBUG_X", False)


def test_int_refuses_words_and_values_below_minimum(monkeypatch):
    monkeypatch.setenv("N", "ten")
    with pytest.raises(ImproperlyConfigured, match="N must be a whole number"):
        env.env_int("N", 1)
    monkeypatch.setenv("N", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env.env_int("N", 1, minimum=1)


def test_list_refuses_empty_items(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.no,,b.no")
    with pytest.raises(ImproperlyConfigured, match="no empty items"):
        env.env_list("HOSTS", [])


def test_postgres_url_is_parsed_into_django_settings():
    db = env.parse_database_url("postgres://app:s%40cret@db.local:5433/portal?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "portal",
        "app",
        "s@cret",
        "db.local",
        "5433",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_sqlite_urls_relative_and_absolute():
    assert env.parse_database_url("sqlite:///var/x.sqlite3")["NAME"] == "var/x.sqlite3"
    assert env.parse_database_url("sqlite:////tmp/x.sqlite3")["NAME"] == "/tmp/x.sqlite3"


@pytest.mark.parametrize(
    "url, message",
    [
        ("mysql://localhost/x", "must start with postgres:// or sqlite:///"),
        ("postgres://localhost", "must name a database"),
        ("postgres://localhost:notaport/x", "invalid port"),
    ],
)
def test_bad_database_urls_are_refused_clearly(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        env.parse_database_url(url)


def test_bad_redis_url_is_refused():
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL must look like"):
        env.parse_redis_url("localhost:6379")
