"""The e-mails about an appeal (issue 13): IMDi told that an appeal came (to those grants.notices
routes it to, in bokmål), and the county told that its appeal was sent to the ministry and that it was
decided (in its written standard). Each says what happened, the amount applied for and a link.

Each is sent once, claimed on the appeal's row with ``portal.mail.send_message_once``:
``received_notified_at``, ``forwarded_notified_at`` (the e-mail with the copy of the forwarding letter,
sent once that letter is ready: grants.appeal_letters) and ``outcome_notified_at`` (IMDi's reversal or
the ministry's decision; a dismissal is told by its own letter). ``unsent_appeal_notices`` is what the
periodic sweep picks up when the broker was down. The tasks are in grants.tasks.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from grants import appeal_letters
from grants.models import Appeal, AppealLetter, Channel
from grants.notices import IMDI_LANGUAGE, SWEEP_AFTER, case_caseworkers
from portal.mail import compose, recipients, send_message_once

DECIDED = (Appeal.State.REVERSED, Appeal.State.UPHELD, Appeal.State.MINISTRY_REVERSED)


def load_appeal(appeal_id: int) -> Appeal:
    return Appeal.objects.select_related(
        "case__application__organisation",
        "case__application__call",
        "case__call__scheme__owner",
        "case__assigned_to",
        "decision",
        "filed_by",
    ).get(pk=appeal_id)


# --- IMDi told that an appeal came ------------------------------------------------------------


def appeal_received_message(appeal: Appeal) -> EmailMessage:
    """The e-mail to IMDi that an appeal has arrived (in bokmål: IMDi's language)."""
    context = {
        "appeal": appeal,
        "application": appeal.case.application,
        "amount": appeal_letters.applied_amount(appeal),
        "url": settings.SITE_URL + reverse("appeal_detail", args=[appeal.pk]),
    }
    to = case_caseworkers(appeal.case)
    return compose("grants/email/appeal_received", to=to, context=context, language=IMDI_LANGUAGE)


def received_notify(appeal_id: int) -> bool:
    """Tell IMDi of an appeal filed in the portal, once (one registered by IMDi is not announced)."""
    appeal = load_appeal(appeal_id)
    if appeal.received_notified_at is not None or appeal.channel != Channel.PORTAL:
        return False
    message = appeal_received_message(appeal)
    return send_message_once(Appeal.objects.filter(pk=appeal.pk), "received_notified_at", message)


# --- The county told that its appeal went to the ministry -------------------------------------


def forwarded_notify(appeal_id: int) -> bool:
    """Tell the county that its appeal was sent to the ministry, once its copy of the forwarding
    letter is ready (the sweep's way in; the letter's own task goes through appeal_letters)."""
    letter = (
        AppealLetter.objects.select_related(*appeal_letters.RELATED)
        .filter(appeal_id=appeal_id, kind=AppealLetter.Kind.FORWARDING, status=AppealLetter.Status.READY)
        .order_by("-pk")
        .first()
    )
    if letter is None or letter.appeal.forwarded_notified_at is not None:
        return False
    return appeal_letters.forwarding_notify(letter)


# --- The county told that its appeal was decided ----------------------------------------------


def appeal_outcome_message(appeal: Appeal) -> EmailMessage:
    """The e-mail to the county that its appeal was decided, by IMDi (reversed) or by the ministry
    (upheld or reversed), and what that means, in the county's written standard."""
    application = appeal.case.application
    county = application.organisation
    context = {
        "appeal": appeal,
        "application": application,
        "by_imdi": appeal.state == Appeal.State.REVERSED,
        "upheld": appeal.state == Appeal.State.UPHELD,
        "decided_on": appeal.decided_on or timezone.localdate(appeal.closed_at or timezone.now()),
        "amount": appeal_letters.applied_amount(appeal),
        "url": settings.SITE_URL + reverse("decision_view", args=[application.pk, appeal.decision_id]),
    }
    to = recipients(county, confirmers=True, mailbox=True, extra=[application.contact_email])
    return compose("grants/email/appeal_outcome", to=to, context=context, language=county.written_standard or "nb")


def outcome_notify(appeal_id: int) -> bool:
    """Tell the county how its appeal was decided, once."""
    appeal = load_appeal(appeal_id)
    if appeal.state not in DECIDED or appeal.outcome_notified_at is not None:
        return False
    message = appeal_outcome_message(appeal)
    rows = Appeal.objects.filter(pk=appeal.pk, state__in=DECIDED)
    return send_message_once(rows, "outcome_notified_at", message)


# --- The sweep --------------------------------------------------------------------------------


def unsent_appeal_notices() -> list[tuple[str, int]]:
    """The e-mails about appeals that never went (the broker was down), as (kind, appeal id):
    ``received``, ``forwarded`` (its letter ready) and ``outcome``."""
    settled = timezone.now() - SWEEP_AFTER
    appeals = Appeal.objects.order_by("pk").values_list("pk", flat=True)
    received = appeals.filter(channel=Channel.PORTAL, received_notified_at__isnull=True, filed_at__lt=settled)
    forwarded = appeals.filter(
        forwarded_notified_at__isnull=True,
        forwarded_at__lt=settled,
        letters__kind=AppealLetter.Kind.FORWARDING,
        letters__status=AppealLetter.Status.READY,
    ).distinct()
    decided = appeals.filter(state__in=DECIDED, outcome_notified_at__isnull=True, closed_at__lt=settled)
    return [
        *(("received", pk) for pk in received[:100]),
        *(("forwarded", pk) for pk in forwarded[:100]),
        *(("outcome", pk) for pk in decided[:100]),
    ]
