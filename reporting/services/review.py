"""IMDi's review of a submitted annual report and accounts (R18–R21): return it to the county with
a reason, or approve it; and the carry-over of unused funds to the scheme's next year (R11, R18),
which appears prefilled and locked in the county's application for that year. Repayment claims
(R19) are in ``services.repayments``.

    submitted ─return (reason)─▶ returned ─(the county corrects and submits again)─▶ submitted
        └─approve─▶ approved ─ unused > 0: carry over (if the county asked) ─▶ CarryOver
                                           or start a repayment claim (services.repayments)

Each service checks that the actor is a caseworker without a declared conflict on the case, takes
the report's row lock, writes in one transaction and records the audit event on the application,
so that it shows in the case history; e-mail goes after the commit.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grants.models import Application, Call
from grants.permissions import is_caseworker
from portal.audit import Actor
from portal.background import send_after_commit
from portal.formats import kr
from portal.models import Organisation
from portal.rules import Refused
from reporting import tasks
from reporting.models import AnnualReport, CarryOver, RepaymentClaim
from reporting.permissions import can_assess_report
from reporting.services.common import lock_report, one_year_project, record_on
from reporting.workflows import REPORT

# Only a draft takes the carry-over: an application waiting for confirmation is what the director was
# shown, and it must not change under them (they can return it to a draft to take it).
OPEN_APPLICATION_STATES = (Application.State.DRAFT,)


def _take(report: AnnualReport, name: str, actor: Actor, **changes) -> None:
    REPORT.take(
        report,
        name,
        actor=actor,
        audit_obj=report.application,
        subject_organisation=report.application.organisation,
        changes={"report": report.pk, **changes},
    )


def report_return(*, actor: Actor, report_id: int, reason: str) -> AnnualReport:
    """Send a submitted report back to the county to correct, with the reason (it is e-mailed)."""
    reason = (reason or "").strip()
    is_caseworker(actor.membership).or_refuse()
    if not reason:
        raise Refused(_("Skriv hva fylkeskommunen må rette, så de vet hvorfor rapporten sendes tilbake."))
    with transaction.atomic():
        report = lock_report(report_id)
        can_assess_report(actor.membership, actor.user, report).or_refuse()
        _take(report, "return", actor, reason=reason)
        report.returned_at = timezone.now()
        report.returned_by = actor.user
        report.return_reason = reason
        report.county_notified_at = None  # the county is told of each return
        report.save(
            update_fields=["state", "returned_at", "returned_by", "return_reason", "county_notified_at", "updated_at"]
        )
        send_after_commit(tasks.notify_report_returned, report.pk)
    return report


def report_approve(*, actor: Actor, report_id: int, note: str, carry_over: bool) -> AnnualReport:
    """Approve a submitted report. With ``carry_over`` (only when the county asked and something is
    unused) the unused amount is carried over to the scheme's call of next year: into the county's
    application for it now, if one is started and not submitted, or when the county starts it."""
    is_caseworker(actor.membership).or_refuse()
    with transaction.atomic():
        report = lock_report(report_id)
        can_assess_report(actor.membership, actor.user, report).or_refuse()
        unused = report.unused()
        if carry_over:
            _check_carry_over(report, unused)
        report.assessment_note = (note or "").strip()
        _take(
            report,
            "approve",
            actor,
            note=report.assessment_note,
            unused=str(unused),
            carry_over=bool(carry_over and unused > 0),
        )
        report.approved_at = timezone.now()
        report.approved_by = actor.user
        report.county_notified_at = None
        fields = ["state", "approved_at", "approved_by", "assessment_note", "county_notified_at", "updated_at"]
        report.save(update_fields=fields)
        if carry_over:
            carry_over_create(actor, report, unused)
        # One e-mail tells the county of the approval and of the carry-over approved with it.
        send_after_commit(tasks.notify_report_approved, report.pk)
    return report


def _check_carry_over(report: AnnualReport, unused) -> None:
    """Refuse a carry-over of nothing, one the county did not ask for, one already claimed back, and
    one to a year the scheme has no call in."""
    if unused <= 0:
        raise Refused(_("Det er ingen ubrukte midler å overføre."))
    if not report.carry_over_requested:
        raise Refused(_("Fylkeskommunen har ikke søkt om å overføre de ubrukte midlene."))
    if not report.application.runs_past_year:
        raise Refused(one_year_project())
    claimed = RepaymentClaim.objects.filter(decision_id=report.decision_id, reason=RepaymentClaim.Reason.UNUSED)
    if claimed.exclude(state=RepaymentClaim.State.CANCELLED).exists():
        raise Refused(
            _(
                "IMDi har varslet eller krevd tilbakebetaling av de ubrukte midlene. De kan ikke også "
                "overføres; frafall kravet først om de skal overføres."
            )
        )
    call = report.application.call
    if not Call.objects.filter(scheme_id=call.scheme_id, year=call.year + 1).exists():
        raise Refused(
            _(
                "Ordningen har ingen utlysning for %(year)s, så midlene kan ikke overføres dit. "
                "Godkjenn rapporten uten overføring og krev de ubrukte midlene tilbake."
            )
            % {"year": call.year + 1}
        )


def _already_approved(to_year: int, organisation: Organisation) -> Refused:
    return Refused(
        _("Det er allerede godkjent en overføring av ubrukte midler til %(year)s for %(org)s.")
        % {"year": to_year, "org": organisation.name}
    )


def carry_over_create(actor: Actor, report: AnnualReport, amount) -> CarryOver:
    """The approved carry-over of ``report``'s unused ``amount`` to the scheme's next year, put into
    the county's draft application for it when there is one."""
    call = report.application.call
    organisation = report.application.organisation
    to_year = call.year + 1
    # The county's row is the lock the approval and the start of next year's application share
    # (carry_over_prefill): whichever comes second sees what the first wrote.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    if CarryOver.objects.filter(organisation=organisation, scheme_id=call.scheme_id, to_year=to_year).exists():
        raise _already_approved(to_year, organisation)
    try:
        with transaction.atomic():
            carry = CarryOver.objects.create(
                report=report,
                organisation=organisation,
                scheme_id=call.scheme_id,
                to_year=to_year,
                amount=amount,
                approved_by=actor.user,
                approved_at=timezone.now(),
            )
    except IntegrityError:  # approved for another report in the same moment
        raise _already_approved(to_year, organisation) from None
    record_on(
        actor,
        report.application,
        "carry_over.approved",
        report=report.pk,
        carry_over=carry.pk,
        amount=str(amount),
        to_year=to_year,
    )
    target = (
        Application.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .filter(
            organisation=organisation,
            call__scheme_id=call.scheme_id,
            call__year=to_year,
            state__in=OPEN_APPLICATION_STATES,
        )
        .order_by("pk")
        .first()
    )
    if target is not None:
        carry_over_apply(actor, carry, target, report)
    return carry


def carry_over_apply(actor: Actor, carry: CarryOver, application: Application, report: AnnualReport) -> None:
    """Put the approved amount into ``application`` (locked against change) and link the two."""
    application.carry_over_amount = carry.amount
    application.carry_over_locked = True
    fields = ["carry_over_amount", "carry_over_locked", "updated_at"]
    if not application.carry_over_explanation.strip() and report.carry_over_reason.strip():
        application.carry_over_explanation = report.carry_over_reason.strip()
        fields.append("carry_over_explanation")
    application.save(update_fields=fields)
    carry.application = application
    carry.save(update_fields=["application"])
    record_on(
        actor,
        application,
        "carry_over.applied",
        carry_over=carry.pk,
        amount=str(carry.amount),
        from_report=report.pk,
        from_application=report.application_id,
    )


def carry_over_prefill(application: Application) -> None:
    """grants.services.APPLICATION_PREFILLS (registered by reporting's AppConfig): a new application
    to a call gets the carry-over IMDi approved for the county, the scheme and the call's year, if it
    is not in an application yet."""
    Organisation.objects.select_for_update().filter(pk=application.organisation_id).first()
    carry = (
        CarryOver.objects.select_for_update(of=("self",))
        .select_related("report")
        .filter(
            organisation_id=application.organisation_id,
            scheme_id=application.call.scheme_id,
            to_year=application.call.year,
            application__isnull=True,
        )
        .first()
    )
    if carry is not None:
        # Nobody chose this now: it follows from IMDi's approval and the county's start (both recorded).
        carry_over_apply(Actor.system(), carry, application, carry.report)


def carry_over_note(carry: CarryOver | None) -> str:
    """Where the carry-over stands, in words for IMDi's page."""
    if carry is None:
        return ""
    if carry.application_id:
        return _("Beløpet er lagt inn i fylkeskommunens søknad for %(year)s og kan ikke endres der.") % {
            "year": carry.to_year
        }
    submitted = Application.objects.filter(
        organisation_id=carry.organisation_id,
        call__scheme_id=carry.scheme_id,
        call__year=carry.to_year,
        state=Application.State.SUBMITTED,
    ).first()
    if submitted is not None:
        return _(
            "Fylkeskommunen har allerede sendt inn søknaden for %(year)s (%(reference)s), så beløpet er ikke lagt "
            "inn i den. Ta med overføringen på %(amount)s når den søknaden behandles."
        ) % {"year": carry.to_year, "reference": submitted.reference, "amount": kr(carry.amount)}
    return _("Beløpet legges inn, og låses, i søknaden for %(year)s når fylkeskommunen starter den.") % {
        "year": carry.to_year
    }


def previous_unused(application: Application) -> Decimal | None:
    """grants.multi_year.PREVIOUS_UNUSED (registered by reporting's AppConfig): the unused amount in
    the county's approved accounts for the scheme's call of the year before ``application``'s, or None
    when IMDi has approved none (R18)."""
    call = application.call
    report = (
        AnnualReport.objects.filter(
            application__organisation_id=application.organisation_id,
            application__call__scheme_id=call.scheme_id,
            application__call__year=call.year - 1,
            state=AnnualReport.State.APPROVED,
        )
        .select_related("decision")
        .order_by("-approved_at", "-id")
        .first()
    )
    return report.unused() if report is not None else None
