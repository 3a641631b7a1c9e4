"""Appeals against a dismissal (R15): filed by the county, reversed by IMDi or forwarded to the
ministry, and the ministry's outcome."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grants.casework._common import (
    S,
    _check,
    _lock_decision,
    _record,
)
from grants.casework.rights import (
    appeal_deadline,
    can_appeal,
    is_caseworker,
    not_disqualified,
)
from grants.models import (
    Appeal,
    AppealAttachment,
    Case,
    Decision,
)
from grants.services import Refused
from portal.audit import Actor

# --- Appeals (R15) ----------------------------------------------------------------------------


def appeal_file(*, actor: Actor, decision_id: int, reasons: str, files=()) -> Appeal:
    """The county appeals a dismissal. ``files``: (upload, CheckedFile) pairs already checked. A
    late appeal is received and marked late."""
    if not reasons.strip():
        raise Refused(_("Skriv hvorfor dere klager."))
    with transaction.atomic():
        decision = _lock_decision(decision_id)
        case = decision.case
        _check(can_appeal(actor.membership, decision))
        now = timezone.now()
        deadline = appeal_deadline(decision.letter)
        appeal = Appeal.objects.create(
            case=case,
            decision=decision,
            reasons=reasons.strip(),
            filed_by=actor.user,
            filed_at=now,
            deadline=deadline,
            is_late=timezone.localdate(now) > deadline,
        )
        for upload, checked in files:
            attachment = AppealAttachment(
                appeal=appeal,
                original_name=checked.original_name,
                content_type=checked.content_type,
                size=checked.size,
                sha256=checked.sha256,
                uploaded_by=actor.user,
            )
            attachment.file.save(checked.original_name, upload, save=False)
            attachment.save()
        from_state = case.state
        case.state = S.APPEALED
        case.save(update_fields=["state", "updated_at"])
        _record(
            actor,
            case,
            "appeal.filed",
            from_state=from_state,
            appeal=appeal.pk,
            late=appeal.is_late,
            deadline=deadline.isoformat(),
            attachments=[checked.sha256 for _upload, checked in files],
        )
    return appeal


def _lock_appeal(actor: Actor, appeal_id: int, *, state: str) -> Appeal:
    """The appeal, locked after its case and decision, when ``actor`` may take its next step from
    ``state``. Call inside the transaction."""
    appeal = Appeal.objects.select_related("decision").get(pk=appeal_id)
    decision = _lock_decision(appeal.decision_id)
    appeal = Appeal.objects.select_for_update().get(pk=appeal_id)
    appeal.decision, appeal.case = decision, decision.case
    _check(not_disqualified(actor.user, appeal.case))
    if appeal.state != state:
        if state == Appeal.State.FORWARDED:
            raise Refused(_("Klagen er ikke sendt departementet."))
        raise Refused(_("Klagen er allerede behandlet."))
    return appeal


def _reopen(case: Case, decision: Decision, now) -> None:
    """The dismissal is reversed: the case is assessed again for a new decision and letter."""
    decision.reversed_at = now
    decision.save(update_fields=["reversed_at"])
    case.state = S.ASSESSING if case.assigned_to_id else S.RECEIVED
    case.save(update_fields=["state", "updated_at"])


def appeal_reverse(*, actor: Actor, appeal_id: int, reason: str) -> Appeal:
    """IMDi finds the appeal right and reverses its own decision (fvl. § 33 second paragraph)."""
    _check(is_caseworker(actor.membership))
    if not reason.strip():
        raise Refused(_("Skriv hvorfor vedtaket omgjøres."))
    with transaction.atomic():
        appeal = _lock_appeal(actor, appeal_id, state=Appeal.State.RECEIVED)
        case = appeal.case
        now = timezone.now()
        appeal.state, appeal.reversal_reason = Appeal.State.REVERSED, reason.strip()
        appeal.closed_by, appeal.closed_at = actor.user, now
        appeal.save()
        from_state = case.state
        _reopen(case, appeal.decision, now)
        _record(actor, case, "appeal.reversed", from_state=from_state, appeal=appeal.pk, reason=reason.strip())
    return appeal


def appeal_forward(*, actor: Actor, appeal_id: int, cover_note: str) -> Appeal:
    """IMDi upholds its decision and sends the appeal to the ministry with a cover note."""
    _check(is_caseworker(actor.membership))
    if not cover_note.strip():
        raise Refused(_("Skriv oversendelsesbrevet til departementet."))
    with transaction.atomic():
        appeal = _lock_appeal(actor, appeal_id, state=Appeal.State.RECEIVED)
        case = appeal.case
        appeal.state, appeal.cover_note = Appeal.State.FORWARDED, cover_note.strip()
        appeal.forwarded_by, appeal.forwarded_at = actor.user, timezone.now()
        appeal.save()
        from_state = case.state
        case.state = S.FORWARDED
        case.save(update_fields=["state", "updated_at"])
        _record(actor, case, "appeal.forwarded", from_state=from_state, appeal=appeal.pk)
    return appeal


def appeal_outcome(*, actor: Actor, appeal_id: int, upheld: bool, note: str, decided_on) -> Appeal:
    """Record the ministry's decision: upheld closes the case; reversed reopens it for a new decision."""
    _check(is_caseworker(actor.membership))
    if not note.strip():
        raise Refused(_("Skriv hva departementet kom fram til."))
    with transaction.atomic():
        appeal = _lock_appeal(actor, appeal_id, state=Appeal.State.FORWARDED)
        case = appeal.case
        now = timezone.now()
        appeal.state = Appeal.State.UPHELD if upheld else Appeal.State.MINISTRY_REVERSED
        appeal.outcome_note, appeal.decided_on = note.strip(), decided_on
        appeal.closed_by, appeal.closed_at = actor.user, now
        appeal.save()
        from_state = case.state
        if upheld:
            case.state = S.CLOSED
            case.save(update_fields=["state", "updated_at"])
        else:
            _reopen(case, appeal.decision, now)
        _record(
            actor,
            case,
            "appeal.decided",
            from_state=from_state,
            appeal=appeal.pk,
            upheld=upheld,
            decided_on=decided_on.isoformat(),
        )
    return appeal
