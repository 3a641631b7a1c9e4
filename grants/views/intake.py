"""IMDi registers what came by e-mail or post (R4, R15): an application to a call, or an appeal against
a dismissal, with the document as it came; and the registered document, downloaded only through a
view that checks who may see the application (IMDi and the county)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from grants import permissions
from grants.access import get_application_for, get_imdi_decision_for
from grants.appeal_letters import appeal_deadline_for
from grants.forms.intake import AppealRegisterForm, ApplicationRegisterForm
from grants.letters import letter_title
from grants.models import Call, IncomingDocument
from grants.services import intake
from portal.audit import Actor
from portal.files import serve_file
from portal.rules import Refused, deny
from portal.uploads import too_large_fields


def _caseworker_only(request, *, write: bool) -> None:
    """IMDi's caseworkers register; an auditor's POST is refused like every other (403)."""
    if write:
        permissions.can_work_cases(request.membership).or_403()
    permissions.is_caseworker(request.membership).or_403()


@require_GET
def intake_calls(request):
    """Which call the application that came by e-mail or post is to."""
    _caseworker_only(request, write=False)
    calls = Call.objects.published().for_listing().order_by("-year", "title")
    return render(request, "grants/intake/calls.html", {"calls": calls})


@require_http_methods(["GET", "POST"])
def intake_application(request, pk: int):
    posted = request.method == "POST"
    _caseworker_only(request, write=posted)
    call = get_object_or_404(Call.objects.published(), pk=pk)
    data, files = (request.POST, request.FILES) if posted else (None, None)  # reading them runs the upload handlers
    form = ApplicationRegisterForm(data, files, call=call, too_large="document" in too_large_fields(request))
    if posted and form.is_valid():
        try:
            application = intake.application_register(
                actor=Actor.from_request(request),
                call=call,
                organisation=form.cleaned_data["organisation"],
                received=intake.Received(**form.received_fields()),
                title=form.cleaned_data["title"],
                budget=form.budget(),
            )
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            submission = application.submissions.get()
            message = _("Søknaden fra %(org)s er registrert som mottatt %(date)s med referanse %(ref)s.") % {
                "org": application.organisation.name,
                "date": submission.confirmed_at.strftime("%d.%m.%Y"),
                "ref": application.reference,
            }
            if submission.late:
                message += " " + _("Den kom etter søknadsfristen og er merket med det.")
            messages.success(request, message)
            return redirect("case_detail", application.case.pk)
    return render(request, "grants/intake/application.html", {"call": call, "form": form})


@require_http_methods(["GET", "POST"])
def intake_appeal(request, pk: int):
    posted = request.method == "POST"
    decision = get_imdi_decision_for(request.membership, pk, write=posted)
    _caseworker_only(request, write=posted)
    case = decision.case
    allowed = permissions.can_register_appeal(request.membership, request.user, case)
    allowed = allowed and permissions.is_open_to_appeal(decision)
    deadline = appeal_deadline_for(decision) if allowed else None
    if allowed and deadline is None:
        allowed = deny(_("Vedtaksbrevet er ikke sendt ennå."))
    form = None
    if allowed:
        data, files = (request.POST, request.FILES) if posted else (None, None)
        form = AppealRegisterForm(data, files, too_large="document" in too_large_fields(request))
    if posted and form is not None and form.is_valid():
        try:
            appeal = intake.appeal_register(
                actor=Actor.from_request(request),
                decision_id=decision.pk,
                received=intake.Received(**form.received_fields()),
                reasons=form.cleaned_data["reasons"],
            )
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            message = _("Klagen er registrert som mottatt %(date)s.") % {"date": appeal.filed_at.strftime("%d.%m.%Y")}
            if appeal.is_late:
                message += " " + _("Den kom etter klagefristen %(deadline)s og er merket som for sen.") % {
                    "deadline": appeal.deadline.strftime("%d.%m.%Y")
                }
            messages.success(request, message)
            return redirect("appeal_detail", appeal.pk)
    context = {
        "decision": decision,
        "case": case,
        "title": letter_title(decision),
        "allowed": allowed,
        "deadline": deadline,
        "form": form,
    }
    return render(request, "grants/intake/appeal.html", context)


@require_GET
def intake_document(request, pk: int, document_pk: int):
    """A document registered in the application's case: for IMDi, and for the county that sent it."""
    application = get_application_for(request.membership, pk)
    documents = IncomingDocument.objects.filter(Q(application=application) | Q(appeal__case__application=application))
    document = get_object_or_404(documents, pk=document_pk)
    return serve_file(document.file, filename=document.original_name, content_type=document.content_type)
