"""Changes to applications: start, save a section, attach agreements, send, return, confirm,
withdraw, and IMDi's deadline extensions.

Each function checks the state and the actor's right under a row lock, writes in one transaction,
records the audit event and schedules e-mail and the receipt after the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from grants import forms, workflow
from grants.budget import totals
from grants.models import (
    Application,
    BudgetLine,
    Call,
    CooperationAgreement,
    DeadlineExtension,
    Submission,
)
from grants.sections import BY_SLUG, missing
from portal import access, audit
from portal.audit import Actor
from portal.background import send_after_commit
from portal.models import Organisation, Role

State = Application.State

# The fields a copy of last year's application takes over: the texts, not the period (a new year),
# the yes/no answers and declarations (answered anew), nor agreements (signed anew).
COPIED_FIELDS = [
    *(field for field in forms.ProjectForm._meta.fields if not field.startswith("period_")),
    "experience_sharing",
    "transfer_value",
    *forms.ContactForm._meta.fields,
]


class Refused(Exception):
    """The action is not allowed now; the message says why, in words for the user."""


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


def _check(decision: access.Decision) -> None:
    if not decision:
        raise Refused(decision.reason)


def _record(actor: Actor, application: Application, action: str, *, from_state: str = "", **changes) -> None:
    """The audit event of a change to ``application`` (to_state: its state after the change)."""
    audit.record(
        actor=actor,
        action=f"application.{action}",
        obj=application,
        subject_organisation=application.organisation,
        from_state=from_state,
        to_state=application.state if from_state else "",
        changes=changes,
    )


def _lock(application_id: int) -> Application:
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
    _check(access.can_apply(actor.membership, call, now, deadline=DeadlineExtension.deadline_for(call, organisation)))
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


def application_section_save(
    *, actor: Actor, application_id: int, section: str, data: dict, version: int, lines: list[dict] | None = None
) -> Application:
    """Save one section of the draft. A version older than the saved one is refused (StaleVersion),
    so that two colleagues never overwrite each other's work without seeing it."""
    with transaction.atomic():
        application = _lock(application_id)
        _check(workflow.can_edit(actor.membership, application, timezone.now()))
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
        if application.carry_over_locked and data.get("carry_over_amount", application.carry_over_amount) != (
            application.carry_over_amount
        ):
            raise Refused(_("IMDi har godkjent beløpet som overføres fra i fjor. Det kan ikke endres i søknaden."))
        changed = [field for field, value in data.items() if getattr(application, field) != value]
        old_lines = [(line.category_id, line.amount, line.description) for line in application.budget_lines.all()]
        new_lines = [(line["category"].pk, line["amount"], line["description"]) for line in lines or []]
        if lines is not None and old_lines != new_lines:
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
        application.save()
        _record(actor, application, "section_saved", section=section, fields=changed, version=current + 1)
    return application


def section_fields(section: str) -> list[str]:
    form_class = BY_SLUG[section].form_class
    return list(form_class._meta.fields) if form_class else []


# --- Agreements -------------------------------------------------------------------------------


def agreement_add(*, actor: Actor, application_id: int, partner_kind: str, partner_name: str, upload, checked):
    with transaction.atomic():
        application = _lock(application_id)
        _check(workflow.can_edit(actor.membership, application, timezone.now()))
        agreement = CooperationAgreement(
            application=application,
            partner_kind=partner_kind,
            partner_name=partner_name,
            original_name=checked.original_name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=actor.user,
        )
        agreement.file.save(checked.original_name, upload, save=False)
        agreement.save()
        _record(
            actor,
            application,
            "agreement_added",
            agreement=agreement.pk,
            partner_kind=partner_kind,
            partner_name=partner_name,
            file=checked.original_name,
            sha256=checked.sha256,
        )
    return agreement


def agreement_remove(*, actor: Actor, application_id: int, agreement_id: int) -> None:
    """Take an agreement out of the draft. The file is kept: an earlier submission may list it."""
    with transaction.atomic():
        application = _lock(application_id)
        _check(workflow.can_edit(actor.membership, application, timezone.now()))
        agreement = application.agreements.get(pk=agreement_id, removed_at__isnull=True)
        agreement.removed_at = timezone.now()
        agreement.save(update_fields=["removed_at"])
        _record(
            actor,
            application,
            "agreement_removed",
            agreement=agreement.pk,
            partner_name=agreement.partner_name,
            sha256=agreement.sha256,
        )


# --- Transitions ------------------------------------------------------------------------------


def _transition(application: Application, name: str, actor: Actor, now) -> tuple[str, str]:
    """Check that ``actor`` may take transition ``name`` now and apply it to the locked row.
    Returns the reason of the decision (for a confirmation: on what authority) and the old state."""
    decision = workflow.can_take(name, actor.membership, application, now)
    _check(decision)
    transition = workflow.TRANSITIONS[name]
    from_state = application.state
    application.state = transition.target
    return decision.reason, from_state


def application_send(*, actor: Actor, application_id: int) -> Application:
    """Lock the draft and ask the county's director (and fullmakt holders) to confirm it."""
    from grants import tasks

    now = timezone.now()
    with transaction.atomic():
        application = _lock(application_id)
        still_missing = missing(application)
        _reason, from_state = _transition(application, "send", actor, now)
        if still_missing:
            raise Refused(_("Søknaden kan ikke sendes før alt som mangler, er fylt ut."))
        application.sent_at, application.sent_by, application.returned_reason = now, actor.user, ""
        application.confirmers_notified_at = None
        application.save()
        _record(actor, application, "sent_for_confirmation", from_state=from_state)
        send_after_commit(tasks.notify_confirmers, application.pk)
    return application


def application_return(*, actor: Actor, application_id: int, reason: str) -> Application:
    from grants import tasks

    now = timezone.now()
    with transaction.atomic():
        application = _lock(application_id)
        _reason, from_state = _transition(application, "return", actor, now)
        application.returned_reason = reason
        application.save()
        _record(actor, application, "returned", from_state=from_state, reason=reason)
        send_after_commit(tasks.notify_returned, application.pk)
    return application


def application_confirm(*, actor: Actor, application_id: int) -> Submission:
    """Confirm and submit (R12): freeze what was sent, give it a reference, make the receipt."""
    from grants import casework, tasks

    now = timezone.now()
    with transaction.atomic():
        application = _lock(application_id)
        # The authority is recorded as text in the county's written standard: it is part of what
        # was submitted and appears on the receipt, whatever language the confirmer reads in.
        _reason, from_state = _transition(application, "confirm", actor, now)
        with translation.override(application.organisation.written_standard or "nb"):
            authority = access.can_confirm_for(actor.user, application.organisation, now).reason
        if not application.reference:
            application.reference = f"{application.call.year}-{application.pk:05d}"
        application.submitted_at = now
        application.save()
        number = application.submissions.count() + 1
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
        )
        _record(
            actor,
            application,
            "confirmed",
            from_state=from_state,
            reference=application.reference,
            version=number,
            authority=authority,
        )
        casework.open_case(application)
        send_after_commit(tasks.render_receipt, submission.pk)
    return submission


def application_withdraw(*, actor: Actor, application_id: int) -> Application:
    """Take a submitted application back to correct it before the deadline (it must be confirmed
    again). The submitted version stays readable. Those who may confirm, and whoever confirmed the
    withdrawn version, are told by e-mail."""
    from grants import casework, tasks

    now = timezone.now()
    with transaction.atomic():
        application = _lock(application_id)
        _reason, from_state = _transition(application, "withdraw", actor, now)
        casework.withdrawn(actor=actor, application=application)
        submission = application.submissions.select_for_update().get(withdrawn_at__isnull=True)
        submission.withdrawn_at, submission.withdrawn_by = now, actor.user
        submission.save(update_fields=["withdrawn_at", "withdrawn_by"])
        application.submitted_at = None
        application.save()
        _record(actor, application, "withdrawn", from_state=from_state, version=submission.number)
        send_after_commit(tasks.notify_withdrawn, application.pk, submission.pk)
    return application


# --- IMDi: deadline extensions (R4) -----------------------------------------------------------


def extension_record(*, actor: Actor, call: Call, organisation: Organisation, deadline, reason: str):
    _check(access.has_role(actor.membership, Role.CASEWORKER))
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


# --- What was submitted -----------------------------------------------------------------------


def _value(value):
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, Decimal):
        return str(value)
    return value.isoformat()


def build_snapshot(application: Application) -> dict:
    """The whole application as plain data: what the receipt shows and what never changes."""
    fields = [f for section in BY_SLUG for f in section_fields(section)]
    agreements = list(application.active_agreements())
    lines = list(application.budget_lines.select_related("category"))
    categories = list(application.call.cost_categories.all())
    budget = totals(categories, [(line.category_id, line.amount) for line in lines])
    return {
        "reference": application.reference,
        "call": {"id": application.call_id, "title": application.call.title, "year": application.call.year},
        "organisation": {"name": application.organisation.name, "orgnr": application.organisation.orgnr},
        "fields": {field: _value(getattr(application, field)) for field in fields},
        "agreements": [
            {
                "id": a.pk,
                "partner_kind": a.partner_kind,
                "partner_name": a.partner_name,
                "file": a.original_name,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in agreements
        ],
        "budget": {
            "lines": [
                {"category": line.category.name, "amount": str(line.amount), "description": line.description}
                for line in lines
            ],
            "categories": [{"name": row.name, "total": str(row.total)} for row in budget.categories],
            "total": str(budget.total),
        },
        "sent_by": application.sent_by.full_name if application.sent_by else "",
        "sent_at": _value(application.sent_at),
    }
