"""The daily digest (issue 13): someone at IMDi who chose one e-mail a day (``User.notice_choice``) gets,
each morning, yesterday's events in the calls they follow: new submissions, appeals, acceptances, and
(registered by reporting) reports submitted and county comments on repayment notices. Each line says
what happened, the county, the amount where there is one and a link. Nothing is sent on a day without
events.

The events are read from the rows themselves (when a submission was confirmed, an appeal filed …), so
an e-mail that went late does not move an event to another day. Each source is a function of the day's
start and end (``register_source``); reporting registers its own, as grants may not import it.

Sent once per person and day: the ``NoticeDigest`` row is made by whichever sweep comes first and
claimed on ``sent_at`` (portal.mail.send_message_once), so two sweeps at once send one e-mail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants.appeal_letters import applied_amount
from grants.models import Appeal, Case, Channel, Decision, ImpartialityDeclaration, NoticeDigest, Submission
from grants.notices import IMDI_LANGUAGE, NOTICE_ROLES, case_url
from portal.dates import start_of_day
from portal.formats import OSLO, kr
from portal.mail import compose, send_message_once
from portal.models import User

# The case and what the digest shows of it, for a source's select_related (prefixed by its path).
CASE_RELATED = ("call__scheme", "application__organisation")


@dataclass(frozen=True)
class Event:
    """One thing that happened in a case, as a line of the digest."""

    at: dt.datetime
    what: str
    case: Case
    amount_label: str = ""
    amount: str = ""
    url: str = ""

    @property
    def call(self):
        return self.case.call

    @property
    def county(self) -> str:
        return self.case.application.organisation.name

    @property
    def reference(self) -> str:
        return self.case.application.reference


Source = Callable[[dt.datetime, dt.datetime], Iterable[Event]]
SOURCES: list[Source] = []


def register_source(source: Source) -> None:
    """Add a kind of event to the digest: ``source(start, end)`` gives the events in [start, end)."""
    if source not in SOURCES:
        SOURCES.append(source)


def related(path: str) -> list[str]:
    """``CASE_RELATED`` under ``path`` ("application__case"), for a source's select_related."""
    return [f"{path}__{name}" for name in CASE_RELATED]


# --- Grants' events ---------------------------------------------------------------------------


def submissions_between(start: dt.datetime, end: dt.datetime) -> list[Event]:
    rows = Submission.objects.filter(
        channel=Channel.PORTAL, withdrawn_at__isnull=True, confirmed_at__gte=start, confirmed_at__lt=end
    ).select_related(*related("application__case"))
    return [
        Event(
            row.confirmed_at,
            _("Ny søknad"),
            row.application.case,
            _("Søkt beløp"),
            kr(row.total),
            case_url(row.application.case),
        )
        for row in rows
    ]


def appeals_between(start: dt.datetime, end: dt.datetime) -> list[Event]:
    rows = Appeal.objects.filter(channel=Channel.PORTAL, filed_at__gte=start, filed_at__lt=end).select_related(
        *related("case")
    )
    return [
        Event(
            row.filed_at,
            _("Ny klage"),
            row.case,
            _("Søkt beløp"),
            applied_amount(row),
            settings.SITE_URL + reverse("appeal_detail", args=[row.pk]),
        )
        for row in rows
    ]


def acceptances_between(start: dt.datetime, end: dt.datetime) -> list[Event]:
    rows = Decision.objects.filter(accepted_at__gte=start, accepted_at__lt=end).select_related(*related("case"))
    return [
        Event(
            row.accepted_at,
            _("Tilskuddet ble akseptert"),
            row.case,
            _("Tildelt beløp"),
            kr(row.amount),
            case_url(row.case),
        )
        for row in rows
    ]


for _source in (submissions_between, appeals_between, acceptances_between):
    register_source(_source)


# --- Who reads which events -------------------------------------------------------------------


def digest_day(now: dt.datetime | None = None) -> dt.date:
    """The day a digest sent at ``now`` is about: yesterday, in Oslo."""
    return timezone.localdate(now or timezone.now(), OSLO) - dt.timedelta(days=1)


def day_events(day: dt.date) -> list[Event]:
    """Every event of ``day`` (Oslo time), by call and then by time."""
    start, end = start_of_day(day), start_of_day(day + dt.timedelta(days=1))
    events = [event for source in SOURCES for event in source(start, end)]
    return sorted(events, key=lambda event: (event.call.title, event.call.pk, event.at))


def digest_readers():
    """Everyone active who chose the digest and follows a call."""
    return User.objects.filter(
        is_active=True, notice_choice=User.NoticeChoice.DIGEST, call_follows__isnull=False
    ).distinct()


def events_for(user: User, events: list[Event]) -> list[Event]:
    """The events in calls ``user`` follows, of an owner they are a caseworker or admin of, except in
    cases where they declared a conflict of interest."""
    followed = set(user.call_follows.values_list("call_id", flat=True))
    owners = set(user.memberships.filter(role__in=NOTICE_ROLES).values_list("organisation_id", flat=True))
    conflicted = set(
        ImpartialityDeclaration.objects.filter(user=user, disqualified=True).values_list("case_id", flat=True)
    )
    return [
        event
        for event in events
        if event.case.call_id in followed and event.call.scheme.owner_id in owners and event.case.pk not in conflicted
    ]


# --- Sending ----------------------------------------------------------------------------------


def digest_message(user: User, day: dt.date, events: list[Event]) -> EmailMessage:
    context = {
        "user": user,
        "day": day,
        "events": events,
        "count": len(events),
        "settings_url": settings.SITE_URL + reverse("notice_preferences"),
    }
    return compose("grants/email/notice_digest", to=[user.email], context=context, language=IMDI_LANGUAGE)


def digest_send(user: User, day: dt.date, events: list[Event]) -> bool:
    """``user``'s digest of ``day``, once: True when this run sent it."""
    message = digest_message(user, day, events)  # what can fail before sending is done before the claim
    NoticeDigest.objects.bulk_create([NoticeDigest(user=user, day=day, events=len(events))], ignore_conflicts=True)
    return send_message_once(NoticeDigest.objects.filter(user=user, day=day), "sent_at", message)


def digests_send(now: dt.datetime | None = None) -> int:
    """Yesterday's digest to everyone who chose it and has events; how many this run sent."""
    day = digest_day(now)
    events = day_events(day)
    if not events:
        return 0
    sent = 0
    for user in digest_readers():
        mine = events_for(user, events)
        if mine and not NoticeDigest.objects.filter(user=user, day=day, sent_at__isnull=False).exists():
            sent += digest_send(user, day, mine)
    return sent
