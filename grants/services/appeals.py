"""Appeals against a dismissal (R15): filed by the county, dismissed or reversed by IMDi or forwarded to
the ministry, and the ministry's outcome. A reversal (IMDi's or the ministry's) sends the case back to
be assessed for a new decision and letter. A dismissal of the appeal and the forwarding each give a
letter (grants.appeal_letters), made after the commit; the county is e-mailed about both, about IMDi's
reversal and about the ministry's outcome, and IMDi when an appeal arrives (grants.appeal_notices)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grants import tasks
from grants.appeal_letters import appeal_deadline_for, appeal_letter_create, the_ministry
from grants.models import Appeal, AppealAttachment, AppealLetter
from grants.permissions import can_appeal, can_handle_appeal, is_caseworker
from grants.services.cases import case_take
from grants.services.journal import journal_appeal, journal_appeal_letter
from grants.services.locking import lock_appeal, lock_decision
from grants.workflows import APPEAL
from portal.audit import Actor
from portal.background import send_after_commit
from portal.rules import Refused


def appeal_file(*, actor: Actor, decision_id: int, reasons: str, files=()) -> Appeal:
    """The county appeals a dismissal (or IMDi's dismissal of its appeal). ``files``: (upload,
    CheckedFile) pairs already checked. A late appeal is received and marked late; the deadline is the
    dismissal letter's, or the appeal-dismissal letter's when the last appeal was dismissed. IMDi's
    caseworkers are e-mailed after the commit."""
    if not reasons.strip():
        raise Refused(_("Skriv hvorfor dere klager."))
    with transaction.atomic():
        decision = lock_decision(decision_id)
        case = decision.case
        can_appeal(actor.membership, decision).or_refuse()
        now = timezone.now()
        deadline = appeal_deadline_for(decision)
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
            attachment = AppealAttachment(appeal=appeal)
            attachment.attach(upload, checked, by=actor.user)
            attachment.save()
        case_take(
            case,
            "appeal",
            actor=actor,
            appeal=appeal.pk,
            late=appeal.is_late,
            deadline=deadline.isoformat(),
            attachments=[checked.sha256 for _upload, checked in files],
        )
        case.save(update_fields=["state", "updated_at"])
        journal_appeal(appeal=appeal)
        send_after_commit(tasks.notify_appeal_received, appeal.pk)
    return appeal


def _appeal_to_handle(actor: Actor, appeal_id: int, *, state: str) -> Appeal:
    """The appeal, locked, when ``actor`` may take its next step from ``state``. Call inside the
    transaction."""
    appeal = lock_appeal(appeal_id)
    can_handle_appeal(actor.membership, actor.user, appeal.case).or_refuse()
    if appeal.state != state:
        if appeal.state == Appeal.State.FORWARDED:
            raise Refused(_("Klagen er sendt departementet. Nå er det departementet som avgjør den."))
        if state == Appeal.State.FORWARDED:
            raise Refused(_("Klagen er ikke sendt departementet."))
        raise Refused(_("Klagen er allerede behandlet."))
    return appeal


def _close(actor: Actor, appeal: Appeal, transition: str, now) -> None:
    APPEAL.take(appeal, transition, actor=None)  # the case's transition records the event
    appeal.closed_by, appeal.closed_at = actor.user, now
    appeal.save()


def _reopen_case(actor: Actor, appeal: Appeal, transition: str, now, /, **changes) -> None:
    """The dismissal is reversed: the case is assessed again (by its caseworker, or it waits for
    one) for a new decision and letter."""
    decision, case = appeal.decision, appeal.case
    decision.reversed_at = now
    decision.save(update_fields=["reversed_at"])
    case_take(case, transition if case.assigned_to_id else f"{transition}_unassigned", actor=actor, **changes)
    case.save(update_fields=["state", "updated_at"])


def appeal_reverse(*, actor: Actor, appeal_id: int, reason: str) -> Appeal:
    """IMDi finds the appeal right and reverses its own decision (fvl. § 33 second paragraph). The
    county is e-mailed after the commit."""
    is_caseworker(actor.membership).or_refuse()
    if not reason.strip():
        raise Refused(_("Skriv hvorfor vedtaket omgjøres."))
    with transaction.atomic():
        appeal = _appeal_to_handle(actor, appeal_id, state=Appeal.State.RECEIVED)
        now = timezone.now()
        appeal.reversal_reason = reason.strip()
        _close(actor, appeal, "reverse", now)
        _reopen_case(actor, appeal, "reverse", now, appeal=appeal.pk, reason=reason.strip())
        send_after_commit(tasks.notify_appeal_outcome, appeal.pk)
    return appeal


def appeal_dismiss(*, actor: Actor, appeal_id: int, reason: str) -> Appeal:
    """IMDi dismisses the appeal without hearing it (it came too late and § 31 does not apply, or the
    appellant has no legal interest: fvl. § 33 andre ledd). The dismissal of the application stays in
    force and the case is decided again; the dismissal of the appeal is itself an enkeltvedtak, so its
    letter, made after the commit, gives the county a new appeal deadline."""
    is_caseworker(actor.membership).or_refuse()
    if not reason.strip():
        raise Refused(_("Skriv hvorfor klagen avvises."))
    with transaction.atomic():
        appeal = _appeal_to_handle(actor, appeal_id, state=Appeal.State.RECEIVED)
        appeal.dismissal_reason = reason.strip()
        _close(actor, appeal, "dismiss", timezone.now())
        entry = journal_appeal_letter(appeal=appeal, kind=AppealLetter.Kind.DISMISSAL, written_by=actor.user)
        letter = appeal_letter_create(
            appeal, AppealLetter.Kind.DISMISSAL, written_by=actor.user, reference=entry.document_number
        )
        case_take(
            appeal.case, "dismiss_appeal", actor=actor, appeal=appeal.pk, reason=reason.strip(), letter=letter.reference
        )
        appeal.case.save(update_fields=["state", "updated_at"])
        send_after_commit(tasks.render_appeal_letter, letter.pk)
    return appeal


def appeal_forward(*, actor: Actor, appeal_id: int, cover_note: str) -> Appeal:
    """IMDi upholds its decision and sends the appeal to the ministry with a cover letter (made after
    the commit), of which the county gets a copy."""
    is_caseworker(actor.membership).or_refuse()
    if not cover_note.strip():
        raise Refused(_("Skriv oversendelsesbrevet til departementet."))
    if the_ministry() is None:
        raise Refused(
            _(
                "Departementet er ikke registrert i portalen, så oversendelsesbrevet har ingen mottaker. Be en "
                "administrator registrere Arbeids- og inkluderingsdepartementet som organisasjon av typen "
                "departement."
            )
        )
    with transaction.atomic():
        appeal = _appeal_to_handle(actor, appeal_id, state=Appeal.State.RECEIVED)
        APPEAL.take(appeal, "forward", actor=None)  # the case's transition records the event
        appeal.cover_note = cover_note.strip()
        appeal.forwarded_by, appeal.forwarded_at = actor.user, timezone.now()
        appeal.save()
        entry = journal_appeal_letter(appeal=appeal, kind=AppealLetter.Kind.FORWARDING, written_by=actor.user)
        letter = appeal_letter_create(
            appeal, AppealLetter.Kind.FORWARDING, written_by=actor.user, reference=entry.document_number
        )
        case_take(appeal.case, "forward", actor=actor, appeal=appeal.pk, letter=letter.reference)
        appeal.case.save(update_fields=["state", "updated_at"])
        send_after_commit(tasks.render_appeal_letter, letter.pk)
    return appeal


def appeal_outcome(*, actor: Actor, appeal_id: int, upheld: bool, note: str, decided_on) -> Appeal:
    """Record the ministry's decision: upheld closes the case; reversed reopens it for a new decision.
    The county is e-mailed the outcome after the commit."""
    is_caseworker(actor.membership).or_refuse()
    if not note.strip():
        raise Refused(_("Skriv hva departementet kom fram til."))
    with transaction.atomic():
        appeal = _appeal_to_handle(actor, appeal_id, state=Appeal.State.FORWARDED)
        now = timezone.now()
        appeal.outcome_note, appeal.decided_on = note.strip(), decided_on
        _close(actor, appeal, "uphold" if upheld else "ministry_reverse", now)
        event = {"appeal": appeal.pk, "upheld": upheld, "decided_on": decided_on.isoformat()}
        if upheld:
            case_take(appeal.case, "uphold", actor=actor, **event)
            appeal.case.save(update_fields=["state", "updated_at"])
        else:
            _reopen_case(actor, appeal, "ministry_reverse", now, **event)
        send_after_commit(tasks.notify_appeal_outcome, appeal.pk)
    return appeal
