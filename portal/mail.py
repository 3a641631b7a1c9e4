"""E-mail, one way: ``compose`` renders ``<template>_subject.txt`` and ``<template>.txt`` in the
recipient organisation's written standard, ``recipients`` says who gets it (by role, by the
organisation's official mailbox, or named people), and ``send_once`` sends it at most once.

Sending once: the intent is claimed on its row before the e-mail goes, and given back if sending
fails, so that a sweep tries again (NOTES.md: at most one duplicate, and it is visible)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal.access import confirmers_for
from portal.formats import OSLO
from portal.models import Organisation, User


def compose(template: str, *, to: list[str], context: dict, language: str = "nb") -> EmailMessage:
    """The e-mail in ``<template>_subject.txt`` and ``<template>.txt`` (``grants/email/receipt``),
    rendered in ``language`` with times in Oslo time, from the portal's address."""
    with translation.override(language or "nb"), timezone.override(OSLO):
        prefix = f"{settings.PORTAL_EMAIL_SUBJECT_PREFIX} "  # "[IMDi tilskot]" to a nynorsk county
        subject = render_to_string(f"{template}_subject.txt", context)
        body = render_to_string(f"{template}.txt", context)
    return EmailMessage(
        subject=prefix + " ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
    )


def once_each(addresses: Iterable[str | None]) -> list[str]:
    """Each address once (the first spelling wins, compared without case), sorted; blanks dropped."""
    once: dict[str, str] = {}
    for address in addresses:
        if address and address.lower() not in once:
            once[address.lower()] = address
    return sorted(once.values(), key=str.lower)


def recipients(
    organisation: Organisation,
    *,
    roles: Iterable[str] = (),
    users: Iterable[User | None] = (),
    confirmers: bool = False,
    mailbox: bool = False,
    extra: Iterable[str | None] = (),
) -> list[str]:
    """Who in ``organisation`` gets an e-mail: its active users in ``roles``, the named active
    ``users``, (with ``confirmers``) its director and fullmakt holders, (with ``mailbox``) its official
    mailbox for letters, and ``extra`` addresses; each once, sorted."""
    addresses: list[str | None] = []
    if mailbox:
        addresses.append(organisation.letter_email)
    roles = list(roles)
    if roles:
        addresses += User.objects.filter(
            is_active=True, memberships__organisation=organisation, memberships__role__in=roles
        ).values_list("email", flat=True)
    addresses += [user.email for user in users if user is not None and user.is_active]
    if confirmers:
        addresses += [user.email for user in confirmers_for(organisation, timezone.now())]
    addresses += list(extra)
    return once_each(addresses)


def send_once(rows: QuerySet, field: str, send: Callable[[], object]) -> bool:
    """Set ``field`` (a time) on ``rows`` where it is still empty; if that claimed anything, call
    ``send``. True when this run sent. A failure to send clears the claim again and is raised."""
    claimed_at = timezone.now()
    if not rows.filter(**{f"{field}__isnull": True}).update(**{field: claimed_at}):
        return False  # another run has sent it, or there is nothing to send
    try:
        send()
    except Exception:
        rows.filter(**{field: claimed_at}).update(**{field: None})
        raise
    return True


def send_message_once(rows: QuerySet, field: str, message: EmailMessage) -> bool:
    """``send_once`` for a composed ``message`` (compose it first: what can fail before sending is done
    before the claim). A message to nobody claims the row all the same, so it is not tried again."""

    def send() -> None:
        if message.to:
            message.send()

    return send_once(rows, field, send)
