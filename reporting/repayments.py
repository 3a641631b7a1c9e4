"""Claims that a county repays a grant (R19): unused funds not carried over, or funds not used for
their purpose, on the conditions in the grant letter.

    notice ─(the county may comment until the deadline)─▶ notice, commented
       │  claim (after the deadline or the comments; the amount may be lowered) ▶ claimed (letter PDF)
       │                                                          record the repayment ▶ repaid
       └────────── cancel (from notice or claimed) ▶ cancelled

The prior notice (forvaltningsloven § 16) tells the county what IMDi intends, why, and by when it
may comment. The claim letter is rendered at once (reporting.claim_letters), stored with its
SHA-256 and never changed. The database refuses a second open claim on a decision and a repayment
that is not the claimed amount.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from decimal import Decimal

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from grants.casework import is_applicant_member, is_caseworker, not_disqualified
from grants.models import Application
from grants.models import Decision as GrantDecision
from grants.services import Refused
from portal import access, audit
from portal.audit import Actor
from portal.background import send_after_commit
from portal.mail import send_once
from portal.models import Membership, Organisation, User
from portal.templatetags.portal_tags import kr
from reporting.models import AnnualReport, CarryOver, RepaymentClaim

log = logging.getLogger(__name__)

ZERO = Decimal("0")
State = RepaymentClaim.State
Reason = RepaymentClaim.Reason
OPEN_STATES = (State.NOTICE, State.CLAIMED)
# The county gets at least this long to comment on a prior notice (fvl. § 16: "a time limit").
MIN_COMMENT_DAYS = 14
STORED_NAME = "kravbrev.pdf"  # upload_to turns this into a generated name


# --- Small rules --------------------------------------------------------------------------------


def earliest_comment_deadline(today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()) + dt.timedelta(days=MIN_COMMENT_DAYS)


def normalise_account_number(value: str) -> str | None:
    """A Norwegian bank account number (11 digits, mod-11 check digit) as ``1234.56.78903``, or
    None when it is not one."""
    digits = "".join(ch for ch in (value or "") if not ch.isspace() and ch != ".")
    if len(digits) != 11 or not digits.isdigit():
        return None
    weights = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    remainder = sum(int(d) * w for d, w in zip(digits[:10], weights, strict=True)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    if check == 10 or check != int(digits[10]):
        return None
    return f"{digits[:4]}.{digits[4:6]}.{digits[6:]}"


def repaid_before(decision: GrantDecision) -> Decimal:
    return decision.repayment_claims.filter(state=State.REPAID).aggregate(total=Sum("repaid_amount"))["total"] or ZERO


def claimable(decision: GrantDecision) -> Decimal:
    """What may be claimed back: what was paid, less what earlier claims got repaid and what IMDi
    let the county carry over to next year (that money is the county's to use)."""
    carried = CarryOver.objects.filter(report__decision=decision).aggregate(total=Sum("amount"))["total"] or ZERO
    return decision.paid - repaid_before(decision) - carried


def comments_open(claim: RepaymentClaim, today: dt.date | None = None) -> bool:
    """The county may comment while the notice stands, until the deadline (inclusive, Oslo time),
    once."""
    today = today or timezone.localdate()
    return claim.state == State.NOTICE and claim.commented_at is None and today <= claim.comment_deadline


def ready_to_claim(claim: RepaymentClaim, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return claim.state == State.NOTICE and (claim.commented_at is not None or today > claim.comment_deadline)


# --- Rights -----------------------------------------------------------------------------------


def can_handle(membership: Membership | None, user: User, claim_or_decision) -> access.Decision:
    """A caseworker without a declared conflict on the case."""
    if not (result := is_caseworker(membership)):
        return result
    return not_disqualified(user, claim_or_decision.case)


def can_give_notice(membership: Membership | None, user: User, decision: GrantDecision) -> access.Decision:
    if not (result := can_handle(membership, user, decision)):
        return result
    if decision.kind != GrantDecision.Kind.GRANT or decision.state != GrantDecision.State.APPROVED:
        return access.deny(_("Det kan bare kreves tilbake tilskudd som er innvilget."))
    if decision.paid <= 0:
        return access.deny(_("Ingenting er utbetalt på dette vedtaket, så ingenting kan kreves tilbake."))
    return access.allow()


def can_comment(membership: Membership | None, claim: RepaymentClaim) -> access.Decision:
    if not (result := is_applicant_member(membership, claim.case)):
        return result
    if claim.state != State.NOTICE:
        return access.deny(_("Fristen for merknader er over: IMDi har behandlet forhåndsvarselet."))
    if claim.commented_at is not None:
        return access.deny(_("Fylkeskommunen har allerede sendt merknader til forhåndsvarselet."))
    if timezone.localdate() > claim.comment_deadline:
        return access.deny(
            _("Fristen for merknader gikk ut %(date)s.") % {"date": claim.comment_deadline.strftime("%d.%m.%Y")}
        )
    return access.allow()


def can_claim(membership: Membership | None, user: User, claim: RepaymentClaim) -> access.Decision:
    if not (result := can_handle(membership, user, claim)):
        return result
    if claim.state != State.NOTICE:
        return access.deny(_("Kravet er allerede sendt eller avsluttet."))
    if not ready_to_claim(claim):
        return access.deny(
            _(
                "Fylkeskommunen kan komme med merknader til og med %(date)s. Kravet kan sendes når fristen er ute "
                "eller merknadene er mottatt."
            )
            % {"date": claim.comment_deadline.strftime("%d.%m.%Y")}
        )
    return access.allow()


def can_record(membership: Membership | None, user: User, claim: RepaymentClaim) -> access.Decision:
    if not (result := can_handle(membership, user, claim)):
        return result
    if claim.state != State.CLAIMED:
        return access.deny(_("Tilbakebetaling kan bare registreres på et krav som er sendt."))
    return access.allow()


def can_cancel(membership: Membership | None, user: User, claim: RepaymentClaim) -> access.Decision:
    if not (result := can_handle(membership, user, claim)):
        return result
    if claim.state not in OPEN_STATES:
        return access.deny(_("Kravet er avsluttet (%(state)s).") % {"state": claim.get_state_display()})
    return access.allow()


def _check(decision: access.Decision) -> None:
    if not decision:
        raise Refused(decision.reason)


# --- Services ---------------------------------------------------------------------------------


def _record(actor: Actor, claim: RepaymentClaim, action: str, *, from_state: str = "", **changes) -> None:
    application = claim.case.application
    audit.record(
        actor=actor,
        action=action,
        obj=application,
        subject_organisation=application.organisation,
        from_state=f"repayment:{from_state}" if from_state else "",
        to_state=f"repayment:{claim.state}" if from_state else "",
        changes={"claim": claim.pk, "reference": claim.reference, **changes},
    )


def _lock(claim_id: int) -> RepaymentClaim:
    return (
        RepaymentClaim.objects.select_for_update(of=("self",))
        .select_related("case", "case__application", "case__application__organisation", "decision")
        .get(pk=claim_id)
    )


def repayment_notice(
    *,
    actor: Actor,
    decision_id: int,
    reason: str,
    amount: Decimal,
    explanation: str,
    comment_deadline: dt.date,
) -> RepaymentClaim:
    """Give the county prior notice (fvl. § 16) that IMDi intends to claim ``amount`` back."""
    _check(is_caseworker(actor.membership))
    explanation = (explanation or "").strip()
    if reason not in Reason.values:
        raise Refused(_("Velg hvorfor tilskuddet kreves tilbake."))
    if amount is None or amount <= 0:
        raise Refused(_("Beløpet må være større enn 0."))
    if not explanation:
        raise Refused(_("Forklar hvorfor IMDi vil kreve tilskuddet tilbake."))
    earliest = earliest_comment_deadline()
    if comment_deadline < earliest:
        raise Refused(
            _("Fylkeskommunen skal ha minst %(days)s dager til å komme med merknader: tidligst %(date)s.")
            % {"days": MIN_COMMENT_DAYS, "date": earliest.strftime("%d.%m.%Y")}
        )
    with transaction.atomic():
        decision = (
            GrantDecision.objects.select_for_update(of=("self",))
            .select_related("case", "case__application", "case__application__organisation")
            .get(pk=decision_id)
        )
        _check(can_give_notice(actor.membership, actor.user, decision))
        if decision.repayment_claims.filter(state__in=OPEN_STATES).exists():
            raise Refused(_("Det er allerede et åpent krav om tilbakebetaling på dette vedtaket."))
        limit = claimable(decision)
        if amount > limit:
            raise Refused(
                _("Det kan kreves tilbake høyst %(limit)s (utbetalt, minus det som er tilbakebetalt før).")
                % {"limit": kr(limit)}
            )
        organisation = decision.case.application.organisation
        claim = RepaymentClaim(
            case=decision.case,
            decision=decision,
            report=AnnualReport.objects.filter(decision=decision).first(),
            reason=reason,
            amount=amount,
            explanation=explanation,
            reference="TB",
            notice_sent_at=timezone.now(),
            notice_sent_by=actor.user,
            comment_deadline=comment_deadline,
            language=organisation.written_standard or "nb",
        )
        try:
            with transaction.atomic():
                claim.save()
        except IntegrityError:  # a colleague gave notice on the same decision in the same moment
            raise Refused(_("Det er allerede et åpent krav om tilbakebetaling på dette vedtaket.")) from None
        claim.reference = f"TB-{timezone.localdate().year}-{claim.pk:05d}"
        claim.save(update_fields=["reference"])
        _record(
            actor,
            claim,
            "repayment.notice_sent",
            from_state="",
            decision=decision.pk,
            reason=reason,
            amount=str(amount),
            comment_deadline=comment_deadline.isoformat(),
        )
        send_after_commit(notify_notice, claim.pk)
    return claim


def repayment_comment(*, actor: Actor, claim_id: int, comment: str) -> RepaymentClaim:
    """The county's comments on the prior notice, until the deadline (inclusive)."""
    comment = (comment or "").strip()
    _check(access.forbid_writes_for_readers(actor.membership))
    if not comment:
        raise Refused(_("Skriv merknadene før dere sender dem."))
    with transaction.atomic():
        claim = _lock(claim_id)
        _check(can_comment(actor.membership, claim))
        claim.county_comment = comment
        claim.commented_at = timezone.now()
        claim.commented_by = actor.user
        claim.save(update_fields=["county_comment", "commented_at", "commented_by"])
        _record(actor, claim, "repayment.commented", comment=comment)
    return claim


def repayment_claim(
    *,
    actor: Actor,
    claim_id: int,
    due_date: dt.date,
    account_number: str,
    amount: Decimal | None = None,
) -> RepaymentClaim:
    """Send the claim: the letter PDF is made now and stored with its SHA-256. The amount may be
    lowered after the county's comments, never raised. If the letter cannot be made, nothing is
    saved."""
    from reporting import claim_letters

    _check(is_caseworker(actor.membership))
    account = normalise_account_number(account_number)
    if account is None:
        raise Refused(_("Kontonummeret må ha 11 siffer og være gyldig, for eksempel 7694.05.12340."))
    if due_date <= timezone.localdate():
        raise Refused(_("Forfallsdatoen må være etter i dag."))
    with transaction.atomic():
        claim = _lock(claim_id)
        _check(can_claim(actor.membership, actor.user, claim))
        original = claim.amount
        if amount is not None:
            if amount <= 0:
                raise Refused(_("Beløpet må være større enn 0."))
            if amount > original:
                raise Refused(
                    _("Beløpet kan ikke være høyere enn i forhåndsvarselet (%(amount)s).") % {"amount": kr(original)}
                )
            claim.amount = amount
        now = timezone.now()
        claim.state = State.CLAIMED
        claim.claimed_at = now
        claim.claimed_by = actor.user
        claim.due_date = due_date
        claim.account_number = account
        try:
            pdf = claim_letters.claim_letter_pdf(claim, notice_amount=original)
        except Exception:
            log.exception("Could not make the claim letter of repayment claim %s", claim.pk)
            raise Refused(
                _("Kravbrevet kunne ikke lages, så kravet er ikke sendt. Prøv igjen, eller kontakt brukerstøtte.")
            ) from None
        claim.letter.save(STORED_NAME, ContentFile(pdf), save=False)
        stored = claim.letter.name
        try:
            claim.letter_sha256 = hashlib.sha256(pdf).hexdigest()
            claim.letter_status = RepaymentClaim.LetterStatus.ISSUED
            claim.save()
            _record(
                actor,
                claim,
                "repayment.claimed",
                from_state=State.NOTICE,
                amount=str(claim.amount),
                notice_amount=str(original),
                due_date=due_date.isoformat(),
                account_number=account,
                sha256=claim.letter_sha256,
                commented=claim.commented_at is not None,
            )
        except Exception:
            claim.letter.storage.delete(stored)  # the row does not point at it: leave no orphan file
            raise
        send_after_commit(notify_claim_letter, claim.pk)
    return claim


def repayment_record(*, actor: Actor, claim_id: int, repaid_on: dt.date, amount: Decimal) -> RepaymentClaim:
    """Record that the county has repaid the claim, in full."""
    _check(is_caseworker(actor.membership))
    if repaid_on > timezone.localdate():
        raise Refused(_("Betalingsdatoen kan ikke være fram i tid."))
    with transaction.atomic():
        claim = _lock(claim_id)
        _check(can_record(actor.membership, actor.user, claim))
        if amount != claim.amount:
            raise Refused(
                _(
                    "Kravet er på %(claimed)s, og %(amount)s er ført. Registrer tilbakebetalingen når hele beløpet "
                    "er betalt."
                )
                % {"claimed": kr(claim.amount), "amount": kr(amount)}
            )
        claim.state = State.REPAID
        claim.repaid_amount = amount
        claim.repaid_on = repaid_on
        claim.repaid_recorded_by = actor.user
        claim.repaid_recorded_at = timezone.now()
        claim.save(update_fields=["state", "repaid_amount", "repaid_on", "repaid_recorded_by", "repaid_recorded_at"])
        _record(
            actor,
            claim,
            "repayment.recorded",
            from_state=State.CLAIMED,
            amount=str(amount),
            repaid_on=repaid_on.isoformat(),
        )
    return claim


def repayment_cancel(*, actor: Actor, claim_id: int, reason: str) -> RepaymentClaim:
    """Drop the claim (after the county's comments, for instance), with the reason."""
    reason = (reason or "").strip()
    _check(is_caseworker(actor.membership))
    if not reason:
        raise Refused(_("Skriv hvorfor kravet frafalles."))
    with transaction.atomic():
        claim = _lock(claim_id)
        _check(can_cancel(actor.membership, actor.user, claim))
        from_state = claim.state
        claim.state = State.CANCELLED
        claim.cancelled_reason = reason
        claim.save(update_fields=["state", "cancelled_reason"])
        _record(actor, claim, "repayment.cancelled", from_state=from_state, reason=reason)
    return claim


# --- E-mail -----------------------------------------------------------------------------------


def county_recipients(organisation: Organisation, *users: User | None, confirmers: bool = False) -> list[str]:
    """The county's mailbox for letters, ``users`` and (with ``confirmers``) its director and
    fullmakt holders: each address once, sorted."""
    addresses = [organisation.letter_email]
    addresses += [user.email for user in users if user is not None and user.is_active]
    if confirmers:
        addresses += [user.email for user in access.confirmers_for(organisation, timezone.now())]
    once = {address.lower(): address for address in reversed(addresses) if address}
    return sorted(once.values(), key=str.lower)


def county_message(template: str, organisation: Organisation, recipients: list[str], context: dict) -> EmailMessage:
    """The e-mail in templates/reporting/followup/email/<template>(_subject).txt, in the county's
    written standard."""
    with translation.override(organisation.written_standard or "nb"):
        subject = render_to_string(f"reporting/followup/email/{template}_subject.txt", context)
        body = render_to_string(f"reporting/followup/email/{template}.txt", context)
    return EmailMessage(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )


def claim_url(claim: RepaymentClaim) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("repayment_view", args=[claim.case.application_id, claim.pk])


def _load(claim_id: int) -> RepaymentClaim:
    return RepaymentClaim.objects.select_related(
        "case__application__organisation", "case__application__call", "decision"
    ).get(pk=claim_id)


def _context(claim: RepaymentClaim) -> dict:
    application: Application = claim.case.application
    return {"claim": claim, "application": application, "url": claim_url(claim), "amount": kr(claim.amount)}


@shared_task
def notify_notice(claim_id: int) -> None:
    """Tell the county about the prior notice, once (claimed on notice_notified_at)."""
    claim = _load(claim_id)
    if claim.state != State.NOTICE or claim.notice_notified_at is not None:
        return
    organisation = claim.case.application.organisation
    message = county_message(
        "repayment_notice", organisation, county_recipients(organisation, confirmers=True), _context(claim)
    )

    def send() -> None:
        if message.to:
            message.send()

    send_once(RepaymentClaim.objects.filter(pk=claim.pk), "notice_notified_at", send)


@shared_task(ignore_result=True)
def sweep_claim_notices() -> int:
    """Beat, every 5 minutes: the notices and claim letters whose e-mail never went (the broker was
    down when they were made, or sending failed), sent now. Returns how many were tried."""
    settled = timezone.now() - dt.timedelta(minutes=5)
    notices = RepaymentClaim.objects.filter(
        state=State.NOTICE, notice_notified_at__isnull=True, notice_sent_at__lt=settled
    ).values_list("pk", flat=True)
    letters = RepaymentClaim.objects.filter(
        letter_status=RepaymentClaim.LetterStatus.ISSUED, letter_notified_at__isnull=True, claimed_at__lt=settled
    ).values_list("pk", flat=True)
    tried = 0
    for notify, claim_ids in ((notify_notice, notices[:100]), (notify_claim_letter, letters[:100])):
        for claim_id in claim_ids:
            tried += 1
            try:
                notify(claim_id)
            except Exception:  # noqa: BLE001 - one county's mail server must not stop the others
                log.exception(
                    "Could not e-mail the county about repayment claim %s; the next sweep tries again", claim_id
                )
    return tried


@shared_task
def notify_claim_letter(claim_id: int) -> None:
    """Tell the county that the claim letter is in the portal, once (claimed on letter_notified_at)."""
    claim = _load(claim_id)
    if claim.letter_status != RepaymentClaim.LetterStatus.ISSUED or claim.letter_notified_at is not None:
        return
    organisation = claim.case.application.organisation
    message = county_message(
        "repayment_claimed", organisation, county_recipients(organisation, confirmers=True), _context(claim)
    )

    def send() -> None:
        if message.to:
            message.send()

    send_once(RepaymentClaim.objects.filter(pk=claim.pk), "letter_notified_at", send)
