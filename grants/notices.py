"""Notices to IMDi's caseworkers about an application (issue 13): who hears of an event in a case (the
one place that says so: ``case_caseworkers``, also used for appeals and by reporting for reports and
county comments), a new submission from a county, and a county's acceptance of its grant. Each e-mail
says what happened, the amount and a link to the case, in bokmål (IMDi's written standard). Those who
chose the daily digest hear of the calls they follow in grants.notice_digest instead.

Each is sent once: claimed on its row (``Submission.imdi_notified_at``, ``Decision.acceptance_notified_at``)
with ``portal.mail.send_message_once``; ``unsent_*`` is what the periodic sweep picks up when the broker
was down. The tasks are in grants.tasks.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from grants.models import Call, Case, Channel, Decision, Submission
from portal.formats import kr
from portal.mail import compose, recipients, send_message_once
from portal.models import Role, User

IMDI_LANGUAGE = "nb"
SWEEP_AFTER = dt.timedelta(minutes=2)  # leave a fresh event's e-mail to the task sent after its commit
# Who may follow a call and hear of it: IMDi's caseworkers and admins (auditors change nothing).
NOTICE_ROLES = (Role.CASEWORKER, Role.ADMIN)


# --- Who hears of an event in a case ----------------------------------------------------------


def call_followers(call: Call) -> list[User]:
    """The active people with a caseworker's or admin's role in the call's owner who follow the call,
    whether they hear at once or in the daily digest."""
    return list(
        User.objects.filter(
            is_active=True,
            call_follows__call=call,
            memberships__organisation_id=call.scheme.owner_id,
            memberships__role__in=NOTICE_ROLES,
        ).distinct()
    )


def _conflicted(case: Case) -> set[str]:
    """The addresses of those who declared a conflict of interest in the case."""
    return set(case.declarations.filter(disqualified=True).values_list("user__email", flat=True))


def case_caseworkers(case: Case) -> list[str]:
    """Who at IMDi is e-mailed at once of an event in the case (issue 13): its caseworker always, and
    everyone following the call who chose to hear at once (those who chose the digest read of it the
    next morning). When nobody has the case and nobody follows the call: every caseworker of the
    scheme's owner who did not choose the digest, or else the call's contact address. Those who
    declared a conflict of interest in the case hear nothing of it."""
    owner = case.call.scheme.owner
    conflicted = _conflicted(case)
    assigned = case.assigned_to if case.assigned_to is not None and case.assigned_to.is_active else None
    followers = [user for user in call_followers(case.call) if user.email not in conflicted]
    if assigned is not None or followers:
        at_once = [user for user in followers if user.notice_choice == User.NoticeChoice.IMMEDIATELY]
        return recipients(owner, users=[assigned, *at_once])
    caseworkers = User.objects.filter(
        is_active=True,
        memberships__organisation=owner,
        memberships__role=Role.CASEWORKER,
        notice_choice=User.NoticeChoice.IMMEDIATELY,
    ).distinct()
    found = [address for address in recipients(owner, users=caseworkers) if address not in conflicted]
    return found or recipients(owner, extra=[case.call.contact_email])


def case_url(case: Case) -> str:
    return settings.SITE_URL + reverse("case_detail", args=[case.pk])


# --- A new submission -------------------------------------------------------------------------


def _load_submission(submission_id: int) -> Submission:
    return Submission.objects.select_related(
        "application__organisation",
        "application__call__scheme__owner",
        "application__case__assigned_to",
        "application__case__call__scheme__owner",
        "confirmed_by",
    ).get(pk=submission_id)


def submission_message(submission: Submission) -> EmailMessage:
    """The e-mail to IMDi's caseworkers that a county has submitted an application."""
    application = submission.application
    case = application.case
    context = {
        "submission": submission,
        "application": application,
        "amount": kr(submission.total),
        "url": case_url(case),
    }
    return compose(
        "grants/email/submission_received", to=case_caseworkers(case), context=context, language=IMDI_LANGUAGE
    )


def submission_notify(submission_id: int) -> bool:
    """Tell IMDi of a submission made in the portal, once. True when this run sent."""
    submission = _load_submission(submission_id)
    if submission.imdi_notified_at is not None or submission.channel != Channel.PORTAL:
        return False
    message = submission_message(submission)
    rows = Submission.objects.filter(pk=submission.pk, withdrawn_at__isnull=True)
    return send_message_once(rows, "imdi_notified_at", message)


def unsent_submissions() -> list[int]:
    settled = timezone.now() - SWEEP_AFTER
    return list(
        Submission.objects.filter(
            channel=Channel.PORTAL, imdi_notified_at__isnull=True, withdrawn_at__isnull=True, confirmed_at__lt=settled
        ).values_list("pk", flat=True)[:100]
    )


# --- An acceptance ----------------------------------------------------------------------------


def _load_decision(decision_id: int) -> Decision:
    return Decision.objects.select_related(
        "case__application__organisation", "case__call__scheme__owner", "case__assigned_to", "accepted_by"
    ).get(pk=decision_id)


def acceptance_message(decision: Decision) -> EmailMessage:
    """The e-mail to IMDi's caseworkers that the county has accepted its grant: it may now be paid."""
    case = decision.case
    context = {
        "decision": decision,
        "application": case.application,
        "amount": kr(decision.amount),
        "url": case_url(case),
    }
    return compose("grants/email/accepted", to=case_caseworkers(case), context=context, language=IMDI_LANGUAGE)


def acceptance_notify(decision_id: int) -> bool:
    """Tell IMDi of the county's acceptance, once. True when this run sent."""
    decision = _load_decision(decision_id)
    if decision.accepted_at is None or decision.acceptance_notified_at is not None:
        return False
    message = acceptance_message(decision)
    rows = Decision.objects.filter(pk=decision.pk, accepted_at__isnull=False)
    return send_message_once(rows, "acceptance_notified_at", message)


def unsent_acceptances() -> list[int]:
    settled = timezone.now() - SWEEP_AFTER
    return list(
        Decision.objects.filter(acceptance_notified_at__isnull=True, accepted_at__lt=settled).values_list(
            "pk", flat=True
        )[:100]
    )
