"""What reaches IMDi outside the portal (R4, R15): an application or an appeal that came by e-mail or
post, registered by a caseworker with the document as it came. It then enters the same case and
history as one sent through the portal.

A registered document counts as received at the start of the day it came (00:00, Norwegian time):
IMDi records the day a letter or e-mail reached it, not the hour, and a doubt about the hour falls in
the county's favour. An application registered on the deadline's own day is therefore in time; one
that came on a later day is received and flagged as late, like a portal submission after the deadline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from grants import permissions, tasks
from grants.appeal_letters import appeal_deadline_for
from grants.models import (
    Appeal,
    Application,
    BudgetLine,
    Call,
    Channel,
    CostCategory,
    IncomingDocument,
    Submission,
)
from grants.services.applications import lock_application
from grants.services.cases import case_open, case_take
from grants.services.journal import journal_appeal, journal_submission, received_doc
from grants.services.locking import lock_call, lock_decision
from grants.snapshots import build_snapshot
from grants.workflows import APPLICATION
from portal.audit import Actor
from portal.background import send_after_commit
from portal.formats import OSLO
from portal.models import Organisation
from portal.rules import Refused
from portal.uploads import CheckedFile

CHANNELS = (Channel.EMAIL, Channel.POST)


@dataclass(frozen=True)
class Received:
    """How and when a document reached IMDi, as the caseworker registers it."""

    channel: str
    received_on: dt.date
    upload: object
    checked: CheckedFile
    dated: dt.date | None = None
    their_reference: str = ""

    @property
    def moment(self) -> dt.datetime:
        """The start of the day it came, in Norwegian time (see the module's docstring)."""
        return dt.datetime.combine(self.received_on, dt.time.min, tzinfo=OSLO)


def _check(received: Received) -> None:
    if received.channel not in CHANNELS:
        raise Refused(_("Velg om dokumentet kom per e-post eller per post."))
    if received.received_on > timezone.localdate(timezone.now(), OSLO):
        raise Refused(_("Mottaksdatoen kan ikke være fram i tid."))
    if received.dated is not None and received.dated > received.received_on:
        raise Refused(_("Dokumentet kan ikke være datert etter at IMDi mottok det."))


def _authority(channel: str, organisation: Organisation) -> str:
    """What the submission says instead of who confirmed it, in the county's written standard."""
    with translation.override(organisation.written_standard or "nb"):
        if channel == Channel.EMAIL:
            return _("Registrert av IMDi: mottatt per e-post")
        return _("Registrert av IMDi: mottatt per post")


def _document(received: Received, *, kind: str, sender: Organisation, by, **owner) -> IncomingDocument:
    document = IncomingDocument(
        kind=kind,
        channel=received.channel,
        sender=sender,
        received_on=received.received_on,
        dated=received.dated,
        their_reference=received.their_reference,
        **owner,
    )
    document.attach(received.upload, received.checked, by=by)
    return document


def _deleting_on_failure(stored: list[IncomingDocument], work):
    """Run ``work`` (one transaction); if it fails, the file it stored is deleted again."""
    try:
        return work()
    except BaseException:
        for document in stored:
            if document.file.name:
                document.file.storage.delete(document.file.name)
        raise


# --- An application -----------------------------------------------------------------------------


def application_register(
    *,
    actor: Actor,
    call: Call,
    organisation: Organisation,
    received: Received,
    title: str,
    budget: dict[CostCategory, Decimal],
) -> Application:
    """Register an application that came by e-mail or post: it is submitted as received, on the day it
    came, with the budget as the county wrote it, and opens a case like a portal submission. Any county
    is received: one that may not apply is then dismissed by a decision it can appeal (R3, R15)."""
    permissions.can_register(actor.membership).or_refuse()
    _check(received)
    if organisation.kind != Organisation.Kind.COUNTY:
        raise Refused(_("Bare en fylkeskommune kan søke på utlysningen."))
    if any(category.call_id != call.pk for category in budget):
        raise Refused(_("En budsjettlinje har en kostnadskategori som ikke hører til denne utlysningen."))
    if not title.strip():
        raise Refused(_("Skriv prosjektets navn slik det står i søknaden."))
    stored: list[IncomingDocument] = []
    return _deleting_on_failure(
        stored, lambda: _register_application(actor, call, organisation, received, title.strip(), budget, stored)
    )


def _register_application(actor, call, organisation, received, title, budget, stored) -> Application:
    with transaction.atomic():
        lock_call(call.pk)  # two caseworkers registering the same county's application take turns
        existing = Application.objects.filter(call=call, organisation=organisation).first()
        if existing is not None:
            raise Refused(
                _("%(org)s har allerede en søknad på denne utlysningen (%(ref)s). Registrer ikke en ny.")
                % {"org": organisation.name, "ref": existing.reference or _("ikke sendt inn")}
            )
        application = Application.objects.create(
            call=call, organisation=organisation, created_by=actor.user, title=title
        )
        application = lock_application(application.pk)
        BudgetLine.objects.bulk_create(
            BudgetLine(
                application=application,
                category=category,
                amount=amount,
                description=_("Som oppgitt i søknaden"),
                order=0,
            )
            for category, amount in budget.items()
            if amount
        )
        document = _document(
            received,
            kind=IncomingDocument.Kind.APPLICATION,
            sender=organisation,
            by=actor.user,
            application=application,
        )
        stored.append(document)
        document.save()
        submission = _submit(actor, application, received, document)
        case_open(application)
        journal_submission(submission=submission, documents=[received_doc(document)], dated=received.dated)
        send_after_commit(tasks.render_receipt, submission.pk)
    return application


def _submit(actor: Actor, application: Application, received: Received, document: IncomingDocument) -> Submission:
    """Take the application to submitted as received on its day, and freeze what was registered."""
    moment = received.moment
    deadline = application.deadline()
    late = moment >= deadline
    application.reference = f"{application.call.year}-{application.pk:05d}"
    application.their_reference = received.their_reference
    application.submitted_at = moment
    permissions.can_take("register", actor.membership, application, timezone.now()).or_refuse()
    APPLICATION.take(
        application,
        "register",
        actor=actor,
        subject_organisation=application.organisation,
        changes={
            "reference": application.reference,
            "channel": received.channel,
            "received_on": received.received_on.isoformat(),
            "deadline": deadline.isoformat(),
            "document": document.pk,
            "file": document.original_name,
            "sha256": document.sha256,
            **({"late": True} if late else {}),
        },
    )
    application.save()
    snapshot = build_snapshot(application)
    return Submission.objects.create(
        application=application,
        number=1,
        snapshot=snapshot,
        total=Decimal(snapshot["budget"]["total"]),
        confirmed_by=None,
        confirmed_at=moment,
        authority=_authority(received.channel, application.organisation),
        channel=received.channel,
        registered_by=actor.user,
        deadline=deadline,
        late=late,
    )


# --- An appeal --------------------------------------------------------------------------------


def appeal_register(*, actor: Actor, decision_id: int, received: Received, reasons: str) -> Appeal:
    """Register an appeal against a dismissal that came by e-mail or post: received on its day, marked
    late after the appeal deadline (the decision letter's, or the letter that dismissed an earlier
    appeal), and the case goes on as with an appeal filed in the portal."""
    permissions.is_caseworker(actor.membership).or_refuse()
    _check(received)
    if not reasons.strip():
        raise Refused(_("Skriv kort hva klagen gjelder."))
    stored: list[IncomingDocument] = []
    return _deleting_on_failure(stored, lambda: _register_appeal(actor, decision_id, received, reasons.strip(), stored))


def _register_appeal(actor, decision_id, received, reasons, stored) -> Appeal:
    with transaction.atomic():
        decision = lock_decision(decision_id)
        case = decision.case
        permissions.can_register_appeal(actor.membership, actor.user, case).or_refuse()
        permissions.is_open_to_appeal(decision).or_refuse()
        deadline = appeal_deadline_for(decision)
        if deadline is None:
            raise Refused(_("Vedtaksbrevet er ikke sendt ennå."))
        appeal = Appeal.objects.create(
            case=case,
            decision=decision,
            reasons=reasons,
            filed_by=None,
            filed_at=received.moment,
            channel=received.channel,
            registered_by=actor.user,
            deadline=deadline,
            is_late=received.received_on > deadline,
        )
        organisation = case.application.organisation
        document = _document(
            received, kind=IncomingDocument.Kind.APPEAL, sender=organisation, by=actor.user, appeal=appeal
        )
        stored.append(document)
        document.save()
        case_take(
            case,
            "register_appeal",
            actor=actor,
            appeal=appeal.pk,
            channel=received.channel,
            received_on=received.received_on.isoformat(),
            late=appeal.is_late,
            deadline=deadline.isoformat(),
            document=document.pk,
            file=document.original_name,
            sha256=document.sha256,
        )
        case.save(update_fields=["state", "updated_at"])
        journal_appeal(appeal=appeal, documents=[received_doc(document)], dated=received.dated)
    return appeal
