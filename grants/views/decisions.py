"""The decision as the county sees it (R14–R17): the letter and its SHA-256, the first time the
county opens it, acceptance of a grant, the appeal deadline of a dismissal; and IMDi's retry of a
letter that failed to render."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from grants import casework, tasks
from grants.access import (
    can_work_cases,
    get_application_for,
    get_decision_for,
    get_imdi_decision_for,
    visible_history,
)
from grants.letters import letter_title
from grants.models import Decision, Letter
from grants.services import Refused
from grants.views.applications import application_history
from portal import audit
from portal.audit import Actor
from portal.background import send_after_commit
from portal.models import COUNTY_ROLES, IMDI_ROLES


def serve_file(file, *, filename: str, content_type: str, inline: bool = False) -> FileResponse:
    """A stored file, through the view that checked who may read it; never cached on the way."""
    response = FileResponse(file.open("rb"), as_attachment=not inline, filename=filename, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def letter_of(decision: Decision) -> Letter | None:
    try:
        return decision.letter
    except Letter.DoesNotExist:  # a proposal (IMDi reads those too) has no letter yet
        return None


def _is_applicant(membership, decision: Decision) -> bool:
    return bool(casework.is_applicant_member(membership, decision.case))


# --- The county's page ------------------------------------------------------------------------


def _render_decision(request, application, decision, *, accept_error: str = "", status: int = 200):
    membership = request.membership
    letter = letter_of(decision)  # cached on the decision for the permission helpers
    is_imdi = membership.role in IMDI_ROLES
    context = {
        "application": application,
        "decision": decision,
        "title": letter_title(decision),
        "letter": letter,
        "lines": list(decision.lines.select_related("category")),
        "is_county": membership.role in COUNTY_ROLES,
        "is_applicant": _is_applicant(membership, decision),
        "is_imdi": is_imdi,
        "may_retry": is_imdi and bool(can_work_cases(membership)),
        "accept_error": accept_error,
        "events": visible_history(membership, application_history(application)),
    }
    if decision.kind == Decision.Kind.GRANT:
        context["accept"] = casework.can_accept(membership, request.user, decision, timezone.now())
    if decision.is_appealable:
        context["appeal"] = casework.can_appeal(membership, decision)
        context["appeals"] = list(
            decision.appeals.select_related("filed_by").prefetch_related("attachments").order_by("filed_at", "id")
        )
        if letter is not None and letter.issued_at:
            context["deadline"] = casework.appeal_deadline(letter)
            context["deadline_passed"] = timezone.localdate() > context["deadline"]
    return render(request, "grants/decisions/view.html", context, status=status)


@require_GET
def decision_view(request, pk: int, decision_pk: int):
    application = get_application_for(request.membership, pk)
    decision = get_decision_for(request.membership, application, decision_pk)
    return _render_decision(request, application, decision)


@require_GET
def letter_file(request, pk: int, decision_pk: int):
    membership = request.membership
    application = get_application_for(membership, pk)
    decision = get_decision_for(membership, application, decision_pk)
    letter = letter_of(decision)
    if letter is None or letter.status != Letter.Status.READY:
        raise Http404
    if membership.role in COUNTY_ROLES:
        casework.letter_opened(actor=Actor.from_request(request), letter=letter)
    return serve_file(letter.file, filename=f"{letter.reference}.pdf", content_type="application/pdf", inline=True)


@require_POST
def decision_accept(request, pk: int, decision_pk: int):
    application = get_application_for(request.membership, pk, write=True)
    decision = get_decision_for(request.membership, application, decision_pk)
    try:
        casework.decision_accept(actor=Actor.from_request(request), decision_id=decision.pk)
    except Refused as refused:
        return _render_decision(request, application, decision, accept_error=str(refused))
    messages.success(
        request,
        _("Tilskuddet er akseptert på vegne av %(org)s. IMDi kan nå utbetale det.")
        % {"org": application.organisation.name},
    )
    return redirect("decision_view", application.pk, decision.pk)


# --- IMDi: render a letter again -------------------------------------------------------------


@require_POST
def letter_retry(request, pk: int):
    decision = get_imdi_decision_for(request.membership, pk, write=True)
    letter = letter_of(decision)
    if letter is None:
        messages.error(request, _("Vedtaket er ikke godkjent, så det finnes ikke noe brev å lage."))
    elif letter.status == Letter.Status.READY:
        messages.info(request, _("Brevet %(ref)s er allerede laget og sendt.") % {"ref": letter.reference})
    else:
        application = decision.case.application
        with transaction.atomic():
            audit.record(
                actor=Actor.from_request(request),
                action="letter.retry_requested",
                obj=application,
                subject_organisation=application.organisation,
                changes={"letter": letter.reference, "status": letter.status, "attempts": letter.attempts},
            )
            send_after_commit(tasks.render_letter, letter.pk)
        messages.success(
            request,
            _("Brevet %(ref)s lages på nytt. Fylkeskommunen varsles når det er klart.") % {"ref": letter.reference},
        )
    return redirect("decision_detail", decision.pk)
