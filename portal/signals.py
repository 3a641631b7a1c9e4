"""Logins, logouts and second-factor changes go to the audit log too (R23: who did what, when).

Receivers only record; they carry no business logic.
"""

from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from portal import audit
from portal.audit import Actor, client_ip


def _actor(request, user) -> Actor:
    membership = getattr(request, "membership", None) if request is not None else None
    if membership is None and user is not None:
        # At login the role is not chosen yet: it is the one the user will act in first.
        membership = user.memberships.select_related("organisation").first()
    return Actor(user=user, membership=membership, ip=client_ip(request) if request is not None else None)


@receiver(auth_signals.user_logged_in)
def record_login(sender, request, user, **kwargs):
    audit.record(actor=_actor(request, user), action="auth.logged_in", obj=user)


@receiver(auth_signals.user_logged_out)
def record_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=_actor(request, user), action="auth.logged_out", obj=user)


@receiver(auth_signals.user_login_failed)
def record_failed_login(sender, credentials, request=None, **kwargs):
    # No user: whether the account exists is not revealed, not even in the log's shape.
    email = str(credentials.get("email") or credentials.get("username") or "")[:200]
    audit.record(actor=_actor(request, None), action="auth.login_failed", changes={"email": email})


@receiver(mfa_signals.authenticator_added)
def record_authenticator_added(sender, request, user, authenticator, **kwargs):
    audit.record(
        actor=_actor(request, user), action="mfa.authenticator_added", obj=user, changes={"type": authenticator.type}
    )


@receiver(mfa_signals.authenticator_removed)
def record_authenticator_removed(sender, request, user, authenticator, **kwargs):
    audit.record(
        actor=_actor(request, user), action="mfa.authenticator_removed", obj=user, changes={"type": authenticator.type}
    )


@receiver(mfa_signals.authentication_failed)
def record_wrong_code(sender, request, user, authenticator, **kwargs):
    audit.record(
        actor=_actor(request, user), action="mfa.code_rejected", obj=user, changes={"type": authenticator.type}
    )
