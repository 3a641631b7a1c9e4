"""Strict readers for settings that come from environment variables.

Each helper refuses a bad value with a message that names the variable and says what is
expected, so that a typo in production stops the process at start-up instead of running with a
silently wrong setting.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = _raw(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"{name} must be set.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no/on/off, not {value!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name} must be a comma-separated list with no empty items.")
    return items


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = _raw(name) or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(sorted(choices))}, not {value!r}.")
    return value


def parse_database_url(url: str, *, name: str = "DATABASE_URL") -> dict:
    """Return a Django DATABASES entry for a postgres:// or sqlite:/// URL."""
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme in {"postgres", "postgresql", "pgsql"}:
        database = unquote(parts.path.lstrip("/"))
        if not database:
            raise ImproperlyConfigured(f"{name} must name a database, e.g. postgres://user@host:5432/portal.")
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"{name} has an invalid port.") from None
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        if "connect_timeout" in options:
            options["connect_timeout"] = _connect_timeout(options["connect_timeout"], name)
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": database,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "OPTIONS": options,
        }
    if scheme == "sqlite":
        path = unquote(parts.path)
        path = "/" + path.lstrip("/") if url.startswith("sqlite:////") else path.lstrip("/")
        if not path:
            raise ImproperlyConfigured(f"{name} must name a file, e.g. sqlite:///var/portal.sqlite3.")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path, "OPTIONS": {}}
    raise ImproperlyConfigured(f"{name} must start with postgres:// or sqlite:///, not {scheme or url!r}.")


def _connect_timeout(value: str, name: str) -> int:
    """Seconds to wait for PostgreSQL to answer a new connection (libpq waits at least 2; 0 would
    wait forever, and a page would hang on a database that does not answer)."""
    try:
        seconds = int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}'s connect_timeout must be a whole number of seconds, not {value!r}."
        ) from None
    if seconds < 1:
        raise ImproperlyConfigured(f"{name}'s connect_timeout must be at least 1 second (0 waits forever).")
    return seconds


def parse_redis_url(url: str, *, name: str = "REDIS_URL") -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
        raise ImproperlyConfigured(f"{name} must look like redis://host:6379/0, not {url!r}.")
    return url
