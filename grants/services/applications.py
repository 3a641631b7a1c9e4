"""Changes to applications: start, save a section, send, return, confirm, withdraw, and IMDi's
deadline extensions.

Each function checks the state and the actor's right under a row lock, writes in one transaction,
records the audit event and schedules e-mail and the receipt after the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from grants import permissions, tasks
from grants.models import (
    Application,
    BudgetLine,
    Call,
    DeadlineExtension,
    Submission,
)
from grants.models.applications import county_people
from grants.sections import missing, section_fields
from grants.services.cases import case_open, case_reopen
from grants.services.journal import journal_submission
from grants.snapshots import build_snapshot
from grants.workflows import APPLICATION
from portal import audit
from portal.access import can_confirm_for
from portal.audit import Actor
from portal.background import send_after_commit
from portal.models import Organisation
from portal.rules import Refused

# The fields a copy of last year's application takes over: the texts, not the period (a new year),
# the yes/no answers and declarations (answered anew), nor agreements (signed anew).
COPIED_FIELDS = [
    *(field for field in section_fields("prosjekt") if not field.startswith("period_")),
    "experience_sharing",
    "transfer_value",
    # The county's own reference is its case number for this year's application: not copied.
    *(field for field in section_fields("kontakt") if field != "their_reference"),
]


class AlreadyStarted(Refused):
    def __init__(self, application: Application):
        super().__init__(_("Fylkeskommunen har allerede startet en søknad på denne utlysningen."))
        self.application = application


class StaleVersion(Refused):
    """Someone else saved the section after this form was loaded."""

    def __init__(self, application: Application, saved_by: str):
        super().__init__(
            _(
                "%(name)s lagret denne delen av søknaden etter at du åpnet den. Det du skrev, er ikke lagret ennå: "
                "sammenlign med den lagrede versjonen under, og lagre på nytt."
            )
            % {"name": saved_by}
        )
        self.application = application


def record(actor: Actor, application: Application, action: str, **changes) -> None:
    """The audit event ``application.<action>`` of a change to ``application``."""
    audit.record(
        actor=actor,
        action=f"application.{action}",
        obj=application,
        subject_organisation=application.organisation,
        changes=changes,
    )


def lock_application(application_id: int) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("call", "organisation")
        .get(pk=application_id)
    )


def previous_application(call: Call, organisation: Organisation) -> Application | None:
    """The county's application to the latest earlier call of the same scheme."""
    return (
        Application.objects.filter(organisation=organisation, call__scheme=call.scheme, call__year__lt=call.year)
        .select_related("call")
        .order_by("-call__year")
        .first()
    )


# --- Start and save ---------------------------------------------------------------------------

# Called with each new application, in the transaction that creates it, so that a later stage can
# fill in what it already knows (reporting: a carry-over IMDi approved) without grants importing it.
APPLICATION_PREFILLS: list[Callable[[Application], None]] = []


def application_start(*, actor: Actor, call: Call, copy_previous: bool = False) -> Application:
    now = timezone.now()
    organisation = actor.organisation
    permissions.can_apply(
        actor.membership, call, now, deadline=DeadlineExtension.deadline_for(call, organisation)
    ).or_refuse()
    existing = Application.objects.filter(call=call, organisation=organisation).first()
    if existing is not None:
        raise AlreadyStarted(existing)
    previous = previous_application(call, organisation) if copy_previous else None
    application = Application(call=call, organisation=organisation, created_by=actor.user, copied_from=previous)
    if previous is not None:
        for field in COPIED_FIELDS:
            setattr(application, field, getattr(previous, field))
    try:
        with transaction.atomic():
            application.save()
            if previous is not None:
                _copy_budget(previous, application)
            audit.record(
                actor=actor,
                action="application.created",
                obj=application,
                subject_organisation=organisation,
                to_state=application.state,
                changes={"copied_from": previous.pk} if previous else {},
            )
            for prefill in APPLICATION_PREFILLS:
                prefill(application)
    except IntegrityError:  # a colleague started it in the same moment
        raise AlreadyStarted(Application.objects.get(call=call, organisation=organisation)) from None
    return application


def _copy_budget(previous: Application, application: Application) -> None:
    """Copy last year's lines into the categories of this call with the same name."""
    by_name = {c.name: c for c in application.call.cost_categories.all()}
    BudgetLine.objects.bulk_create(
        BudgetLine(
            application=application,
            category=by_name[line.category.name],
            amount=line.amount,
            description=line.description,
            order=line.order,
        )
        for line in previous.budget_lines.select_related("category")
        if line.category.name in by_name
    )


def _check_accounts_approvers(application: Application, data: dict) -> None:
    """The two who approve the accounts (R21) are people of the county, and two different people."""
    named = [data[name] for name in ("project_responsible", "responsible_leader") if data.get(name) is not None]
    people = county_people(application.organisation).filter(pk__in=[person.pk for person in named])
    if len(set(people)) != len(named):
        if len(named) == 2 and named[0] == named[1]:
            raise Refused(_("Prosjektansvarlig og ansvarlig leder må være to forskjellige personer."))
        raise Refused(_("Prosjektansvarlig og ansvarlig leder må være personer i fylkeskommunen."))


def application_section_save(
    *, actor: Actor, application_id: int, section: str, data: dict, version: int, lines: list[dict] | None = None
) -> Application:
    """Save one section of the draft. A version older than the saved one is refused (StaleVersion),
    so that two colleagues never overwrite each other's work without seeing it."""
    with transaction.atomic():
        application = lock_application(application_id)
        permissions.can_edit(actor.membership, application, timezone.now()).or_refuse()
        current = application.versions.get(section, 0)
        if version != current:
            # Refused when someone else saved the section after the version this form was loaded
            # from. The user's own later saves (an autosave still on its way when they pressed
            # "save") are not a colleague's work to protect.
            others = (
                audit.history_for(application)
                .filter(action="application.section_saved", changes__section=section, changes__version__gt=version)
                .exclude(actor=actor.user)
            )
            last = others.last()
            if last is not None or version > current:
                raise StaleVersion(application, last.actor_label.split(" <")[0] if last else _("En kollega"))
        if lines is not None and any(line["category"].call_id != application.call_id for line in lines):
            raise Refused(_("En budsjettlinje har en kostnadskategori som ikke hører til denne utlysningen."))
        _check_accounts_approvers(application, data)
        if application.carry_over_locked and data.get("carry_over_amount", application.carry_over_amount) != (
            application.carry_over_amount
        ):
            raise Refused(_("IMDi har godkjent beløpet som overføres fra i fjor. Det kan ikke endres i søknaden."))
        changed = [field for field, value in data.items() if getattr(application, field) != value]
        if lines is not None:  # the budget section: its lines are compared too
            old_lines = [(line.category_id, line.amount, line.description) for line in application.budget_lines.all()]
            new_lines = [(line["category"].pk, line["amount"], line["description"]) for line in lines]
            if old_lines != new_lines:
                changed.append("budget_lines")
        if not changed:
            return application  # nothing new (an autosave after a pause): no new version, no event
        for field, value in data.items():
            setattr(application, field, value)
        if "budget_lines" in changed:
            application.budget_lines.all().delete()
            BudgetLine.objects.bulk_create(
                BudgetLine(
                    application=application,
                    category=line["category"],
                    amount=line["amount"],
                    description=line["description"],
                    order=order,
                )
                for order, line in enumerate(lines)
            )
        application.versions = {**application.versions, section: current + 1}
        # Only the section's columns: an autosave every few seconds need not rewrite the whole row.
        application.save(update_fields=[*data, "versions", "updated_at"])
        record(actor, application, "section_saved", section=section, fields=changed, version=current + 1)
    return application


# --- Transitions (grants.workflows.APPLICATION) ------------------------------------------------


def _may_take(application: Application, name: str, actor: Actor, now) -> None:
    permissions.can_take(name, actor.membership, application, now).or_refuse()


def _take(application: Application, name: str, actor: Actor, **changes) -> str:
    """Move the locked row along transition ``name`` and record its audit event."""
    return APPLICATION.take(
        application, name, actor=actor, subject_organisation=application.organisation, changes=changes
    )


def application_send(*, actor: Actor, application_id: int) -> Application:
    """Lock the draft and ask the county's director (and fullmakt holders) to confirm it."""
    now = timezone.now()
    with transaction.atomic():
        application = lock_application(application_id)
        still_missing = missing(application)
        _may_take(application, "send", actor, now)
        if still_missing:
            raise Refused(_("Søknaden kan ikke sendes før alt som mangler, er fylt ut."))
        application.sent_at, application.sent_by, application.returned_reason = now, actor.user, ""
        application.confirmers_notified_at = None
        _take(application, "send", actor)
        application.save()
        send_after_commit(tasks.notify_confirmers, application.pk)
    return application


def application_return(*, actor: Actor, application_id: int, reason: str) -> Application:
    now = timezone.now()
    with transaction.atomic():
        application = lock_application(application_id)
        _may_take(application, "return", actor, now)
        application.returned_reason = reason
        _take(application, "return", actor, reason=reason)
        application.save()
        send_after_commit(tasks.notify_returned, application.pk)
    return application


def application_confirm(*, actor: Actor, application_id: int) -> Submission:
    """Confirm and submit (R12): freeze what was sent, give it a reference, make the receipt."""
    now = timezone.now()
    with transaction.atomic():
        application = lock_application(application_id)
        _may_take(application, "confirm", actor, now)
        # The authority is recorded as text in the county's written standard: it is part of what
        # was submitted and appears on the receipt, whatever language the confirmer reads in.
        with translation.override(application.organisation.written_standard or "nb"):
            authority = can_confirm_for(actor.user, application.organisation, now).reason
        if not application.reference:
            application.reference = f"{application.call.year}-{application.pk:05d}"
        application.submitted_at = now
        number = application.submissions.count() + 1
        # Received after the county's deadline: received all the same and flagged, for IMDi to extend
        # the deadline or dismiss it (R4, R15).
        deadline = application.deadline()
        late = {"late": True, "deadline": deadline.isoformat()} if now >= deadline else {}
        changes = {"reference": application.reference, "version": number, "authority": authority, **late}
        _take(application, "confirm", actor, **changes)
        application.save()
        snapshot = build_snapshot(application)
        submission = Submission.objects.create(
            application=application,
            number=number,
            snapshot=snapshot,
            total=Decimal(snapshot["budget"]["total"]),
            sent_by=application.sent_by,
            sent_at=application.sent_at,
            confirmed_by=actor.user,
            confirmed_at=now,
            authority=authority,
            deadline=deadline,
            late=now >= deadline,
        )
        case_open(application)
        journal_submission(submission=submission)
        send_after_commit(tasks.render_receipt, submission.pk)
        send_after_commit(tasks.notify_submission_received, submission.pk)
    return submission


def application_withdraw(*, actor: Actor, application_id: int) -> Application:
    """Take a submitted application back to correct it before the deadline (it must be confirmed
    again). The submitted version stays readable. Those who may confirm, and whoever confirmed the
    withdrawn version, are told by e-mail."""
    now = timezone.now()
    with transaction.atomic():
        application = lock_application(application_id)
        _may_take(application, "withdraw", actor, now)
        case_reopen(actor=actor, application=application)
        submission = application.submissions.select_for_update().get(withdrawn_at__isnull=True)
        submission.withdrawn_at, submission.withdrawn_by = now, actor.user
        submission.save(update_fields=["withdrawn_at", "withdrawn_by"])
        application.submitted_at = None
        _take(application, "withdraw", actor, version=submission.number)
        application.save()
        send_after_commit(tasks.notify_withdrawn, application.pk, submission.pk)
    return application


# --- IMDi: deadline extensions (R4) -----------------------------------------------------------


def extension_record(*, actor: Actor, call: Call, organisation: Organisation, deadline, reason: str):
    permissions.can_extend_deadline(actor.membership).or_refuse()
    if not call.eligible_organisations.filter(pk=organisation.pk).exists():
        raise Refused(_("%(org)s kan ikke søke på denne utlysningen.") % {"org": organisation.name})
    if deadline <= call.application_deadline:
        raise Refused(_("Den nye fristen må være etter utlysningens søknadsfrist."))
    with transaction.atomic():
        Call.objects.select_for_update().get(pk=call.pk)
        extension = DeadlineExtension.objects.create(
            call=call, organisation=organisation, deadline=deadline, reason=reason, recorded_by=actor.user
        )
        application = Application.objects.filter(call=call, organisation=organisation).first()
        audit.record(
            actor=actor,
            action="application.deadline_extended",
            obj=application or extension,
            subject_organisation=organisation,
            changes={"call": call.pk, "deadline": deadline.isoformat(), "reason": reason, "extension": extension.pk},
        )
    return extension
