"""The findings of the attack run (../shared/reviews/security-2026-12.md) that are about the whole
portal: the login limits behind the proxy (M1), the password and the user's name (L9), logged-in
pages kept out of caches (L10) and the browser features switched off (I7)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from decimal import Decimal

import pytest
from allauth.account.adapter import get_adapter
from celery import Celery
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from grants import services as grant_services
from portal import pdf
from portal.background import send_after_commit
from portal.celery import app as celery_app
from portal.models import AuditEvent, User
from portal.templatetags.portal_tags import breakable
from tests import factories as f
from tests.conftest import login
from tests.grants import helpers_cases as h


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the rate limits live in the cache
    yield
    cache.clear()


def post_login(client, email, password, *, ip):
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        HTTP_X_FORWARDED_FOR=ip,
        REMOTE_ADDR="10.0.0.2",  # the TLS proxy in front
    )


def test_the_login_limit_trusts_as_many_proxies_as_the_audit_log():
    """The production settings give allauth the same proxy count as NUM_PROXIES."""
    env = {**os.environ, "DEBUG": "true", "NUM_PROXIES": "2", "DJANGO_SETTINGS_MODULE": "portal.settings"}
    env.pop("DATABASE_URL", None)
    read = "from django.conf import settings; print(settings.ALLAUTH_TRUSTED_PROXY_COUNT, settings.NUM_PROXIES)"
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {read}"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["2", "2"]


def test_failed_logins_from_one_client_behind_the_proxy_do_not_lock_out_the_others(client, cast, settings):
    settings.NUM_PROXIES = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    too_many = str(get_adapter().error_messages["too_many_login_attempts"])
    for i in range(11):
        post_login(client, f"nobody{i}@example.invalid", "x", ip="203.0.113.66")
    assert too_many in post_login(client, "nobody@example.invalid", "x", ip="203.0.113.66").content.decode()

    other = Client()  # another person, from another address
    response = post_login(other, "staff.a@example.org", f.PASSWORD, ip="198.51.100.7")
    assert response.status_code == 302
    assert "_auth_user_id" in other.session


@pytest.mark.parametrize("password", ["Ingrid Lofoten1", "lofoten-ingrid", "IngridLofoten2026"])
def test_a_password_made_from_the_users_name_is_refused(password):
    user = User(email="direktor@nordland.example", full_name="Ingrid Lofoten")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user=user)
    assert any(error.code == "password_too_similar" for error in refused.value.error_list)


def test_a_password_unlike_the_name_is_accepted():
    user = User(email="direktor@nordland.example", full_name="Ingrid Lofoten")
    validate_password("brattere-fjell-og-lange-dager", user=user)


def test_changing_to_a_password_like_ones_name_is_refused_on_the_page(client, cast):
    cast.staff_a.full_name = "Ingrid Lofoten"
    cast.staff_a.save(update_fields=["full_name"])
    client.force_login(cast.staff_a)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": f.PASSWORD, "password1": "Ingrid Lofoten1", "password2": "Ingrid Lofoten1"},
    )
    assert response.status_code == 200
    cast.staff_a.refresh_from_db()
    assert cast.staff_a.check_password(f.PASSWORD)


@pytest.mark.parametrize("name", ["dashboard", "call_list"])
def test_a_logged_in_page_is_never_stored(client, cast, name):
    client.force_login(cast.staff_a)
    response = client.get(reverse(name))
    assert response.status_code == 200
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives


def test_a_public_page_for_an_anonymous_visitor_may_be_cached(client, db):
    response = client.get(reverse("call_list"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.parametrize("logged_in", [False, True])
def test_every_response_switches_off_the_browser_features_the_portal_never_uses(client, cast, logged_in):
    if logged_in:
        client.force_login(cast.staff_a)
    response = client.get(reverse("call_list"))
    policy = {part.strip() for part in response["Permissions-Policy"].split(",")}
    assert {"camera=()", "microphone=()", "geolocation=()", "payment=()"} <= policy


# --- What IMDi reads of a county's draft (L8) and a caseworker with a conflict (I4) ---------------


def withdrawn_with_a_secret_draft(cast):
    """County A's application, submitted, then withdrawn for correction and changed in the draft."""
    application = f.make_application(cast.call, cast.staff_a)
    f.submit(application, sender=cast.staff_a, confirmer=cast.director_a)
    actor = f.actor_for(cast.staff_a, cast.county_a)
    grant_services.application_withdraw(actor=actor, application_id=application.pk)
    application.refresh_from_db()
    grant_services.application_section_save(
        actor=actor,
        application_id=application.pk,
        section="prosjekt",
        data={**f.COMPLETE_ANSWERS["prosjekt"], "title": "DRAFT-SECRET-TITLE"},
        version=application.versions.get("prosjekt", 0),
    )
    category = cast.call.cost_categories.first()
    application.refresh_from_db()
    grant_services.application_section_save(
        actor=actor,
        application_id=application.pk,
        section="budsjett",
        data={"declares_no_running_costs": True},
        version=application.versions.get("budsjett", 0),
        lines=[{"category": category, "amount": Decimal("777777"), "description": "DRAFT-SECRET-LINE"}],
    )
    return application


def exported(client, call, dataset) -> str:
    response = client.get(reverse("export_csv", args=[call.pk, dataset]))
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_the_exports_show_the_submitted_version_not_the_countys_draft(client, cast):
    application = withdrawn_with_a_secret_draft(cast)
    submitted = application.submissions.get()
    login(client, cast.caseworker)

    applications = exported(client, cast.call, "applications")
    assert "DRAFT-SECRET" not in applications and "777777" not in applications
    assert submitted.snapshot["fields"]["title"] in applications
    assert f"{submitted.total:.2f}".replace(".", ",") in applications

    lines = exported(client, cast.call, "budget_lines")
    assert "DRAFT-SECRET-LINE" not in lines and "777777" not in lines


def test_a_caseworker_who_declared_a_conflict_cannot_take_the_case_file(client, cast):
    case = h.submitted_case(cast)
    grant_services.case_declare(
        actor=f.actor_for(cast.caseworker2), case_id=case.pk, disqualified=True, reason="Min søster leder prosjektet."
    )
    login(client, cast.caseworker2)
    assert client.get(reverse("case_file", args=[case.pk])).status_code == 403
    assert (
        reverse("case_file", args=[case.pk]) not in client.get(reverse("case_detail", args=[case.pk])).content.decode()
    )
    assert not AuditEvent.objects.filter(action="case.file_exported").exists()

    login(client, cast.caseworker)  # a colleague without a conflict still may
    assert client.get(reverse("case_file", args=[case.pk])).status_code == 200


# --- Long text cannot hold a worker (M2) -------------------------------------------------------


def test_a_long_unbroken_word_gets_invisible_break_opportunities():
    word = "x" * 95
    broken = breakable(f"Se {word} og https://example.org/kort")
    assert broken.replace("\u200b", "") == f"Se {word} og https://example.org/kort"
    assert [len(part) for part in broken.split()[1].split("\u200b")] == [30, 30, 30, 5]
    assert breakable("Vanlige ord brytes ikke.") == "Vanlige ord brytes ikke."
    assert breakable(None) is None and breakable("") == ""


def test_pdf_rendering_stops_at_its_hard_time_limit(settings):
    settings.PDF_TIME_LIMIT = 0.3
    # One unbroken word that must wrap: WeasyPrint takes tens of seconds over it (quadratic).
    style = "<style>p { overflow-wrap: break-word; }</style>"
    html = f'<html lang="nb"><head>{style}</head><body><p>{"A" * 40000}</p></body></html>'
    started = time.monotonic()
    with pytest.raises(pdf.RenderingTooSlow):
        pdf.html_to_pdf(html, language="nb")
    assert time.monotonic() - started < 3


def test_the_pdf_time_limit_leaves_no_alarm_behind(settings):
    settings.PDF_TIME_LIMIT = 30
    assert pdf.html_to_pdf('<html lang="nb"><body><p>Kort.</p></body></html>', language="nb").startswith(b"%PDF-")
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@pytest.mark.parametrize(
    ("task", "soft", "hard"),
    [
        ("grants.tasks.render_receipt", 90, 120),
        ("grants.tasks.render_letter", 90, 120),
        ("grants.tasks.notify_confirmers", 30, 60),
        ("reporting.tasks.build_export", 600, 660),
        ("reporting.tasks.send_reminders", 240, 300),  # the defaults
    ],
)
def test_every_task_kind_has_a_time_limit(task, soft, hard):
    celery_app.loader.import_default_modules()
    found = celery_app.tasks[task]
    assert (found.soft_time_limit or celery_app.conf.task_soft_time_limit) == soft
    assert (found.time_limit or celery_app.conf.task_time_limit) == hard
    assert celery_app.conf.task_acks_late and celery_app.conf.task_reject_on_worker_lost


# --- A broker that has stopped answering -------------------------------------------------------


def test_a_frozen_broker_holds_a_request_for_seconds_not_minutes(db):
    """A Redis that accepts connections but never answers (paused, not stopped): sending a task gives
    up within the socket timeouts and one retry, and the sweep takes over (portal.background)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    frozen = Celery("frozen-broker-test", set_as_current=False)
    frozen.config_from_object("django.conf:settings", namespace="CELERY")
    frozen.conf.update(broker_url=f"redis://127.0.0.1:{listener.getsockname()[1]}/0", task_always_eager=False)

    @frozen.task(name="tests.frozen_noop")
    def noop():
        return None

    started = time.monotonic()
    try:
        send_after_commit(noop)  # outside a transaction: sent at once, a failure only logged
    finally:
        listener.close()
    assert time.monotonic() - started < 20
