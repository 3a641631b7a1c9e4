from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

NBSP = "\u00a0"

ACTION_LABELS = {
    "delegation.granted": _("Fullmakt gitt"),
    "delegation.revoked": _("Fullmakt trukket tilbake"),
    "membership.chosen": _("Rolle valgt"),
    "auth.logged_in": _("Logget inn"),
    "auth.logged_out": _("Logget ut"),
    "auth.login_failed": _("Mislykket innlogging"),
    "mfa.authenticator_added": _("Totrinnsinnlogging satt opp"),
    "mfa.authenticator_removed": _("Totrinnsinnlogging fjernet"),
    "mfa.code_rejected": _("Feil engangskode"),
}

# Other apps add the labels of their own events and states (in their AppConfig.ready()).
STATE_LABELS: dict[str, str] = {}


def register_labels(*, actions: dict | None = None, states: dict | None = None) -> None:
    ACTION_LABELS.update(actions or {})
    STATE_LABELS.update(states or {})


ADMIN_VERBS = {
    "created": _("Opprettet i administrasjonen"),
    "changed": _("Endret i administrasjonen"),
    "deleted": _("Slettet i administrasjonen"),
}


@register.filter
def kr(value) -> str:
    """Format an amount as Norwegians write it: ``kr 1 250 000`` (øre only when there are any)."""
    if value in (None, ""):
        return ""
    amount = Decimal(value)
    negative = amount < 0
    amount = abs(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole, cents = divmod(amount, 1)
    digits = f"{int(whole):,}".replace(",", NBSP)
    text = f"{digits},{int(cents * 100):02d}" if cents else digits
    return f"kr{NBSP}{'−' if negative else ''}{text}"


@register.filter
def action_label(action: str) -> str:
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    if action.startswith("admin."):
        return ADMIN_VERBS.get(action.rsplit(".", 1)[-1], ADMIN_VERBS["changed"])
    return action


@register.filter
def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


@register.filter
def role_label(role: str) -> str:
    from portal.models import Role

    return Role(role).label if role in Role.values else role
