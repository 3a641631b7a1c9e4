"""Login, MFA for IMDi roles, throttling, password reset and session expiry."""

import pytest
from allauth.account.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from portal.models import AuditEvent, Role
from tests import factories as f
from tests.conftest import SECRETS, login


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # rate limits and used TOTP codes live in the cache
    yield
    cache.clear()


def post_login(client, email, password=f.PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_county_user_logs_in_with_email_and_password_and_lands_on_dashboard(client, cast):
    response = post_login(client, "staff.a@example.org")
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    page = client.get(reverse("dashboard"))
    assert "Utlysninger dere kan søke på" in page.content.decode()


def test_login_is_case_insensitive_on_email(client, cast):
    response = post_login(client, "Staff.A@Example.org")
    assert response.status_code == 302


def test_imdi_user_must_give_a_totp_code_before_being_logged_in(client, cast):
    response = post_login(client, "caseworker@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("dashboard")).status_code == 302  # not logged in yet
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    ok = client.post(reverse("mfa_authenticate"), {"code": f.totp_code(SECRETS["caseworker"])})
    assert ok.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_totp_code_cannot_be_used_twice(client, cast):
    """Someone who saw a code (over a shoulder, in a phishing page) cannot log in with it again."""
    code = f.totp_code(SECRETS["caseworker"])
    post_login(client, "caseworker@example.org")
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    client.post(reverse("account_logout"))
    other = Client()  # a second browser
    post_login(other, "caseworker@example.org")
    again = other.post(reverse("mfa_authenticate"), {"code": code})
    assert again.status_code == 200 and "_auth_user_id" not in other.session


def test_imdi_user_without_authenticator_reaches_nothing_but_mfa_setup(client, cast):
    f.make_user("new.caseworker@example.org", roles=[(cast.imdi, Role.CASEWORKER)])
    post_login(client, "new.caseworker@example.org")
    for url in [reverse("dashboard"), reverse("audit_log"), reverse("delegation_list"), "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp"), url
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302


def test_admin_staff_user_without_mfa_cannot_open_django_admin(client, cast):
    newcomer = f.make_user("new.admin@example.org", roles=[(cast.imdi, Role.ADMIN)])
    login(client, newcomer)
    response = client.get("/admin/")
    assert response["Location"] == reverse("mfa_activate_totp")


def test_imdi_user_sets_up_totp_and_then_reaches_the_dashboard(client, cast):
    newcomer = f.make_user("new2@example.org", roles=[(cast.imdi, Role.AUDITOR)])
    # log in through the real flow so that allauth's recent-authentication check is satisfied
    post_login(client, "new2@example.org")
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": f.totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=newcomer, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=newcomer, type=Authenticator.Type.RECOVERY_CODES).exists()
    assert client.get(reverse("dashboard")).status_code == 200


@pytest.mark.parametrize("name, may_switch_off", [("caseworker", False), ("staff_a", True)])
def test_only_county_users_may_switch_off_totp(client, cast, name, may_switch_off):
    user = getattr(cast, name)
    if not f.has_totp(user):
        TOTP.activate(user, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    login(client, user)
    # switching off asks for the password again first
    client.post(reverse("account_reauthenticate"), {"password": f.PASSWORD})
    page = client.get(reverse("mfa_deactivate_totp"))
    assert page.status_code == 200
    client.post(reverse("mfa_deactivate_totp"))
    assert f.has_totp(user) is not may_switch_off


def test_county_user_is_not_forced_to_set_up_mfa(client, cast):
    login(client, cast.staff_a)
    assert client.get(reverse("dashboard")).status_code == 200


def test_failed_logins_are_throttled_with_the_same_answer_for_unknown_accounts(client, cast):
    too_many = str(get_adapter().error_messages["too_many_login_attempts"])

    def attempts(email):
        return [too_many in post_login(client, email, "wrong-password").content.decode() for _ in range(6)]

    assert attempts("staff.a@example.org") == [False] * 5 + [True]
    # the right password is refused too while throttled, and nobody is logged in
    assert too_many in post_login(client, "staff.a@example.org").content.decode()
    assert "_auth_user_id" not in client.session
    cache.clear()
    assert attempts("nobody@example.org") == [False] * 5 + [True]


def test_wrong_password_and_unknown_account_give_the_same_message(client, cast):
    a = post_login(client, "staff.a@example.org", "wrong").context["form"].non_field_errors()
    b = post_login(client, "nobody@example.org", "wrong").context["form"].non_field_errors()
    assert a == b


def test_password_reset_sends_a_mail_only_to_known_accounts_and_says_the_same(client, cast):
    known = client.post(reverse("account_reset_password"), {"email": "staff.a@example.org"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    recipients = [m.to for m in mail.outbox]
    assert ["staff.a@example.org"] in recipients
    # the unknown address may be told that it has no account, but gets no reset link
    assert all("/password/reset/key/" not in m.body for m in mail.outbox if m.to == ["nobody@example.org"])


def test_password_reset_link_sets_a_new_password(client, cast):
    client.post(reverse("account_reset_password"), {"email": "staff.a@example.org"})
    body = next(m.body for m in mail.outbox if m.to == ["staff.a@example.org"])
    link = next(word for word in body.split() if "/konto/password/reset/key/" in word)
    path = link.split("testserver", 1)[-1]
    form_page = client.get(path, follow=True)
    new_password = "et-nytt-langt-passord-2025"
    client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else path,
        {"password1": new_password, "password2": new_password},
    )
    cast.staff_a.refresh_from_db()
    assert cast.staff_a.check_password(new_password)


def test_logout_ends_the_session(client, cast):
    login(client, cast.staff_a)
    client.post(reverse("account_logout"))
    assert client.get(reverse("dashboard")).status_code == 302


def test_an_expired_session_must_log_in_again(client, cast, time_machine):
    time_machine.move_to("2026-03-01 10:00:00+01:00", tick=False)
    login(client, cast.staff_a)
    assert client.get(reverse("dashboard")).status_code == 200
    time_machine.shift(settings.SESSION_COOKIE_AGE - 60)
    assert client.get(reverse("dashboard")).status_code == 200  # activity renews the session
    time_machine.shift(settings.SESSION_COOKIE_AGE + 1)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_signup_is_closed(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "x@example.org", "password1": "abc-def-ghi-123", "password2": "abc-def-ghi-123"},
    )
    assert response.status_code == 200
    assert not __import__("portal.models", fromlist=["User"]).User.objects.filter(email="x@example.org").exists()


def test_totp_secrets_are_stored_encrypted(cast):
    stored = Authenticator.objects.get(user=cast.caseworker, type=Authenticator.Type.TOTP).data["secret"]
    assert SECRETS["caseworker"] not in stored
    assert stored.startswith("fernet:")


def test_logins_failures_and_mfa_steps_are_in_the_audit_log(client, cast):
    post_login(client, "caseworker@example.org", "wrong-password")
    post_login(client, "nobody@example.org", "wrong-password")
    post_login(client, "caseworker@example.org")
    client.post(reverse("mfa_authenticate"), {"code": "000000"})
    client.post(reverse("mfa_authenticate"), {"code": f.totp_code(SECRETS["caseworker"])})
    client.post(reverse("account_logout"))
    events = list(AuditEvent.objects.order_by("id").values_list("action", "actor__email", "ip"))
    assert events == [
        ("auth.login_failed", None, "127.0.0.1"),
        ("auth.login_failed", None, "127.0.0.1"),
        ("mfa.code_rejected", "caseworker@example.org", "127.0.0.1"),
        ("auth.logged_in", "caseworker@example.org", "127.0.0.1"),
        ("auth.logged_out", "caseworker@example.org", "127.0.0.1"),
    ]
    # a failed login names the address tried, never whether an account exists
    assert [e.changes for e in AuditEvent.objects.filter(action="auth.login_failed").order_by("id")] == [
        {"email": "caseworker@example.org"},
        {"email": "nobody@example.org"},
    ]
