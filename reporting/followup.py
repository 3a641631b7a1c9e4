"""IMDi's follow-up of a submitted annual report and accounts (R18–R21): return it to the county
with a reason, or approve it; the carry-over of unused funds to the scheme's next year (R11, R18),
which appears prefilled and locked in the county's application for that year; and the dashboard
panels. Repayment claims (R19) are in ``reporting.repayments``.

    submitted ─return (reason)─▶ returned ─(the county corrects and submits again)─▶ submitted
        └─approve─▶ approved ─ unused > 0: carry over (if the county asked) ─▶ CarryOver
                                           or start a repayment claim (reporting.repayments)

Each service checks that the actor is a caseworker without a declared conflict on the case, takes
the report's row lock, writes in one transaction and records the audit event on the application,
so that it shows in the case history; e-mail goes after the commit.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grants import services as grant_services
from grants.casework import is_caseworker, not_disqualified
from grants.models import Application, Call
from grants.models import Decision as GrantDecision
from grants.services import Refused
from portal import access, audit
from portal.audit import Actor
from portal.background import send_after_commit
from portal.dashboard import register
from portal.models import Membership, Organisation, Role, User
from portal.templatetags.portal_tags import kr, register_labels
from reporting import repayments
from reporting.models import AnnualReport, CarryOver, RepaymentClaim

log = logging.getLogger(__name__)

State = AnnualReport.State
# Only a draft takes the carry-over: an application waiting for confirmation is what the director was
# shown, and it must not change under them (they can return it to a draft to take it).
OPEN_APPLICATION_STATES = (Application.State.DRAFT,)

register_labels(
    actions={
        "report.returned": gettext_lazy("Årsrapport og regnskap sendt tilbake til fylkeskommunen"),
        "report.approved": gettext_lazy("Årsrapport og regnskap godkjent av IMDi"),
        "carry_over.approved": gettext_lazy("Overføring av ubrukte midler til neste år godkjent"),
        "carry_over.applied": gettext_lazy("Godkjent overføring av ubrukte midler lagt inn i søknaden"),
        "repayment.notice_sent": gettext_lazy("Forhåndsvarsel om krav om tilbakebetaling sendt"),
        "repayment.commented": gettext_lazy("Fylkeskommunens merknader til forhåndsvarselet mottatt"),
        "repayment.claimed": gettext_lazy("Krav om tilbakebetaling sendt"),
        "repayment.recorded": gettext_lazy("Tilbakebetaling registrert"),
        "repayment.cancelled": gettext_lazy("Krav om tilbakebetaling frafalt"),
    },
    states={
        **dict(RepaymentClaim.State.choices),
        **{f"repayment:{value}": label for value, label in RepaymentClaim.State.choices},
    },
)

__all__ = [
    "can_assess_report",
    "carry_over_note",
    "carry_over_prefill",
    "report_approve",
    "report_return",
]


# --- Rights -----------------------------------------------------------------------------------


def can_assess_report(membership: Membership | None, user: User, report: AnnualReport) -> access.Decision:
    """A caseworker who has not declared a conflict on the case assesses a submitted report."""
    if not (result := is_caseworker(membership)):
        return result
    if not (result := not_disqualified(user, report.case)):
        return result
    if report.state != State.SUBMITTED:
        return access.deny(
            _("Rapporten har status «%(state)s» og kan ikke behandles nå.") % {"state": report.get_state_display()}
        )
    return access.allow()


def _check(decision: access.Decision) -> None:
    if not decision:
        raise Refused(decision.reason)


# --- Services: the report ---------------------------------------------------------------------


def _lock_report(report_id: int) -> AnnualReport:
    return (
        AnnualReport.objects.select_for_update(of=("self",))
        .select_related("case", "decision", "application", "application__organisation", "application__call")
        .get(pk=report_id)
    )


def _record(actor: Actor, application: Application, action: str, *, from_state="", to_state="", **changes):
    audit.record(
        actor=actor,
        action=action,
        obj=application,
        subject_organisation=application.organisation,
        from_state=from_state,
        to_state=to_state,
        changes=changes,
    )


def report_return(*, actor: Actor, report_id: int, reason: str) -> AnnualReport:
    """Send a submitted report back to the county to correct, with the reason (it is e-mailed)."""
    reason = (reason or "").strip()
    _check(is_caseworker(actor.membership))
    if not reason:
        raise Refused(_("Skriv hva fylkeskommunen må rette, så de vet hvorfor rapporten sendes tilbake."))
    with transaction.atomic():
        report = _lock_report(report_id)
        _check(can_assess_report(actor.membership, actor.user, report))
        report.state = State.RETURNED
        report.returned_at = timezone.now()
        report.returned_by = actor.user
        report.return_reason = reason
        report.save(update_fields=["state", "returned_at", "returned_by", "return_reason", "updated_at"])
        _record(
            actor,
            report.application,
            "report.returned",
            from_state=State.SUBMITTED,
            to_state=State.RETURNED,
            report=report.pk,
            reason=reason,
        )
        send_after_commit(notify_report_returned, report.pk)
    return report


def report_approve(*, actor: Actor, report_id: int, note: str, carry_over: bool) -> AnnualReport:
    """Approve a submitted report. With ``carry_over`` (only when the county asked and something is
    unused) the unused amount is carried over to the scheme's call of next year: into the county's
    application for it now, if one is started and not submitted, or when the county starts it."""
    _check(is_caseworker(actor.membership))
    with transaction.atomic():
        report = _lock_report(report_id)
        _check(can_assess_report(actor.membership, actor.user, report))
        unused = report.unused()
        if carry_over:
            if unused <= 0:
                raise Refused(_("Det er ingen ubrukte midler å overføre."))
            if not report.carry_over_requested:
                raise Refused(_("Fylkeskommunen har ikke søkt om å overføre de ubrukte midlene."))
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
        report.state = State.APPROVED
        report.approved_at = timezone.now()
        report.approved_by = actor.user
        report.assessment_note = (note or "").strip()
        report.save(update_fields=["state", "approved_at", "approved_by", "assessment_note", "updated_at"])
        _record(
            actor,
            report.application,
            "report.approved",
            from_state=State.SUBMITTED,
            to_state=State.APPROVED,
            report=report.pk,
            note=report.assessment_note,
            unused=str(unused),
            carry_over=bool(carry_over and unused > 0),
        )
        if carry_over:
            _carry_over_create(actor, report, unused)
    return report


def _carry_over_create(actor: Actor, report: AnnualReport, amount) -> CarryOver:
    call = report.application.call
    organisation = report.application.organisation
    to_year = call.year + 1
    # The county's row is the lock the approval and the start of next year's application share
    # (carry_over_prefill): whichever comes second sees what the first wrote.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    if CarryOver.objects.filter(organisation=organisation, scheme_id=call.scheme_id, to_year=to_year).exists():
        raise Refused(
            _("Det er allerede godkjent en overføring av ubrukte midler til %(year)s for %(org)s.")
            % {"year": to_year, "org": organisation.name}
        )
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
        raise Refused(
            _("Det er allerede godkjent en overføring av ubrukte midler til %(year)s for %(org)s.")
            % {"year": to_year, "org": organisation.name}
        ) from None
    _record(
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
        _apply(actor, carry, target, report)
    return carry


def _apply(actor: Actor, carry: CarryOver, application: Application, report: AnnualReport) -> None:
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
    _record(
        actor,
        application,
        "carry_over.applied",
        carry_over=carry.pk,
        amount=str(carry.amount),
        from_report=report.pk,
        from_application=report.application_id,
    )


def carry_over_prefill(application: Application) -> None:
    """grants.services.APPLICATION_PREFILLS: a new application to a call gets the carry-over IMDi
    approved for the county, the scheme and the call's year, if it is not in an application yet."""
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
        _apply(Actor.system(), carry, application, carry.report)


if carry_over_prefill not in grant_services.APPLICATION_PREFILLS:
    grant_services.APPLICATION_PREFILLS.append(carry_over_prefill)


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


# --- E-mail -----------------------------------------------------------------------------------


def report_url(report: AnnualReport) -> str:
    """The county's page of the report (reporting.reports)."""
    return settings.SITE_URL.rstrip("/") + reverse("report_overview", args=[report.application_id, report.decision_id])


@shared_task
def notify_report_returned(report_id: int) -> None:
    report = AnnualReport.objects.select_related("application__organisation", "application__call", "submitted_by").get(
        pk=report_id
    )
    if report.state != State.RETURNED:
        return
    organisation = report.application.organisation
    recipients = repayments.county_recipients(organisation, report.submitted_by)
    context = {"report": report, "application": report.application, "url": report_url(report)}
    if recipients:
        repayments.county_message("report_returned", organisation, recipients, context).send()


# --- Dashboard panels -------------------------------------------------------------------------


@register(Role.COUNTY_STAFF, Role.COUNTY_DIRECTOR, template="reporting/followup/panel_county.html", order=9)
def county_claims(request):
    """The county's open repayment claims: prior notices to comment on and claims to pay."""
    claims = list(
        RepaymentClaim.objects.filter(
            case__application__organisation_id=request.membership.organisation_id,
            state__in=repayments.OPEN_STATES,
        )
        .select_related("case__application__call")
        .order_by("notice_sent_at", "id")[:20]
    )
    return {"claims": claims, "today": timezone.localdate()}


@register(Role.CASEWORKER, Role.ADMIN, Role.AUDITOR, template="reporting/followup/panel_imdi.html", order=16)
def imdi_followup(request):
    """Reports waiting for IMDi's assessment, and repayments: notices whose comment deadline has
    passed (ready to claim) and claims not yet paid, the earliest due first."""
    today = timezone.localdate()
    waiting = AnnualReport.objects.filter(state=State.SUBMITTED)
    reports = list(
        waiting.select_related("application__organisation", "application__call").order_by("submitted_at", "id")[:10]
    )
    claims = RepaymentClaim.objects.select_related("case__application__organisation")
    due = list(claims.filter(state=RepaymentClaim.State.CLAIMED).order_by("due_date", "id")[:10])
    ready = list(
        claims.filter(state=RepaymentClaim.State.NOTICE)
        .filter(Q(comment_deadline__lt=today) | Q(commented_at__isnull=False))
        .order_by("comment_deadline", "id")[:10]
    )
    overdue_decisions = (
        GrantDecision.objects.filter(
            kind=GrantDecision.Kind.GRANT,
            state=GrantDecision.State.APPROVED,
            reversed_at__isnull=True,
            accepted_at__isnull=False,
        )
        .filter(
            Q(annual_report__isnull=True, report_deadline__lt=timezone.now())
            | Q(annual_report__state__in=[State.DRAFT, State.RETURNED], annual_report__deadline__lt=timezone.now())
        )
        .count()
    )
    return {
        "reports": reports,
        "waiting": waiting.count(),
        "due": due,
        "ready": ready,
        "overdue": overdue_decisions,
        "today": today,
    }
