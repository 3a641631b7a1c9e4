"""Notices to IMDi's caseworkers about an application (issue 13): a new submission from a county, and
a county's acceptance of its grant. Each e-mail says what happened, the amount and a link to the case,
in bokmål (IMDi's written standard).

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

from grants.models import Case, Channel, Decision, Submission
from portal.formats import kr
from portal.mail import compose, recipients, send_message_once
from portal.models import Role

IMDI_LANGUAGE = "nb"
SWEEP_AFTER = dt.timedelta(minutes=2)  # leave a fresh event's e-mail to the task sent after its commit


def case_caseworkers(case: Case) -> list[str]:
    """Who at IMDi hears of the case: its caseworker, or, when nobody has it, every caseworker of the
    scheme's owner who has not declared a conflict in it; the call's contact address if there is nobody."""
    owner = case.call.scheme.owner
    if case.assigned_to is not None and case.assigned_to.is_active:
        return recipients(owner, users=[case.assigned_to])
    conflicted = set(case.declarations.filter(disqualified=True).values_list("user__email", flat=True))
    found = [address for address in recipients(owner, roles=[Role.CASEWORKER]) if address not in conflicted]
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
