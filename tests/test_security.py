"""Security headers, cookies, production settings and `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-production-like-secret-key-with-enough-entropy-0123456789-abcdefghijkl",
    "ALLOWED_HOSTS": "tilskudd.imdi.no",
    "SITE_URL": "https://tilskudd.imdi.no",
    "DATABASE_URL": "postgres://portal@db.internal:5432/portal",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "EMAIL_HOST": "smtp.internal",
}


def run_manage(*args, env_overrides=None):
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k != "DJANGO_SETTINGS_MODULE"}
    env.update(PRODUCTION_ENV)
    env.update(env_overrides or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_values():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"DEBUG": "maybe"}, "DEBUG must be one of"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must start with"),
        ({"SITE_URL": "tilskudd.imdi.no"}, "SITE_URL must start with"),
        ({"EMAIL_HOST": "smtp.x", "EMAIL_PORT": "abc"}, "EMAIL_PORT must be a whole number"),
        ({"EMAIL_HOST": ""}, "EMAIL_HOST must be set when DEBUG is off"),
    ],
)
def test_bad_configuration_stops_start_up_with_a_clear_message(overrides, message):
    result = run_manage("check", env_overrides=overrides)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_settings_make_cookies_secure_and_send_hsts():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_HTTPONLY,"
        " s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_SSL_REDIRECT, s.DEBUG)"
    )
    result = run_manage("shell", "-c", code)
    assert result.stdout.strip().splitlines()[-1].split() == [
        "True",
        "True",
        "True",
        "True",
        "True",
        "True",
        "False",
    ], result.stderr


def test_responses_carry_a_strict_content_security_policy(client, db):
    response = client.get(reverse("call_list"))
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self' 'nonce-" in csp
    assert "default-src 'self'" in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    html = response.content.decode()
    # every script tag on the page carries the nonce, and none is inline
    assert html.count("<script") == html.count(f'nonce="{nonce}"')
    assert "style=" not in html


@pytest.mark.parametrize(
    "header, value",
    [
        ("Referrer-Policy", "same-origin"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ],
)
def test_security_headers(client, db, header, value):
    assert client.get(reverse("call_list"))[header] == value


def test_hsts_header_is_sent_over_https_in_production(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get(reverse("call_list"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_session_cookie_is_httponly(client, cast):
    response = client.post(reverse("account_login"), {"login": "staff.a@example.org", "password": "test-passord-123"})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_private_files_are_never_served_from_a_url(settings):
    from django.core.files.storage import default_storage

    with pytest.raises(ValueError):
        default_storage.url("secret.pdf")


def test_a_forged_forwarded_for_header_cannot_break_the_audit_log(rf, settings):
    from portal.audit import client_ip

    settings.NUM_PROXIES = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR="not-an-ip", REMOTE_ADDR="10.0.0.5")
    assert client_ip(request) == "10.0.0.5"
    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="10.0.0.5")
    assert client_ip(request) == "203.0.113.9"
