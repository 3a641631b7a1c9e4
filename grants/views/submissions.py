"""Sending an application and what was sent: check and send for confirmation, confirm or return,
withdraw for correction, the submitted versions and their receipts (R12)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grants import services
from grants.access import get_application_for
from grants.forms.applications import ConfirmForm, ReturnForm
from grants.permissions import can_read_current, can_take
from grants.sections import missing
from grants.snapshots import build_snapshot, present
from grants.views.applications import late_deadline
from portal.audit import Actor
from portal.files import serve_file
from portal.rules import Refused

# --- Check, send, confirm, return, withdraw ---------------------------------------------------


def _answers_context(application) -> dict:
    snapshot = build_snapshot(application)
    return {"answers": present(snapshot)}


@require_http_methods(["GET", "POST"])
def application_review(request, pk: int):
    membership = request.membership
    application = get_application_for(membership, pk, write=request.method == "POST")
    can_read_current(membership, application).or_403()
    if request.method == "POST":
        try:
            services.application_send(actor=Actor.from_request(request), application_id=application.pk)
        except Refused as refused:
            messages.error(request, str(refused))
            application.refresh_from_db()
        else:
            messages.success(
                request,
                _(
                    "Søknaden er sendt til fylkeskommunedirektøren og dem som har fullmakt, for bekreftelse. "
                    "Den er ikke sendt til IMDi før den er bekreftet."
                ),
            )
            return redirect("application_detail", application.pk)
    context = {
        "application": application,
        "missing": missing(application),
        "send": can_take("send", membership, application, timezone.now()),
        "late_deadline": late_deadline(application, timezone.now()),
        **_answers_context(application),
    }
    return render(request, "grants/submissions/review.html", context)


@require_http_methods(["GET", "POST"])
def application_confirm(request, pk: int):
    membership = request.membership
    application = get_application_for(membership, pk, write=request.method == "POST")
    can_read_current(membership, application).or_403()
    confirm_form = ConfirmForm(request.POST or None)
    return_form = ReturnForm()
    if request.method == "POST" and confirm_form.is_valid():
        try:
            submission = services.application_confirm(actor=Actor.from_request(request), application_id=application.pk)
        except Refused as refused:
            messages.error(request, str(refused))
            application.refresh_from_db()
        else:
            messages.success(
                request,
                _("Søknaden er bekreftet og sendt inn til IMDi med referanse %(ref)s. Kvitteringen sendes på e-post.")
                % {"ref": application.reference or submission.snapshot["reference"]},
            )
            return redirect("submission_detail", application.pk, submission.number)
    return _render_confirm(request, application, confirm_form, return_form)


def _render_confirm(request, application, confirm_form, return_form):
    now = timezone.now()
    context = {
        "application": application,
        "confirm": can_take("confirm", request.membership, application, now),
        "return": can_take("return", request.membership, application, now),
        "confirm_form": confirm_form,
        "return_form": return_form,
        "deadline": application.deadline(),
        "late_deadline": late_deadline(application, now),
        **_answers_context(application),
    }
    return render(request, "grants/submissions/confirm.html", context)


@require_POST
def application_return(request, pk: int):
    application = get_application_for(request.membership, pk, write=True)
    return_form = ReturnForm(request.POST)
    if not return_form.is_valid():
        return _render_confirm(request, application, ConfirmForm(), return_form)
    try:
        services.application_return(
            actor=Actor.from_request(request), application_id=application.pk, reason=return_form.cleaned_data["reason"]
        )
    except Refused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Søknaden er sendt tilbake og kan endres igjen."))
    return redirect("application_detail", application.pk)


@require_POST
def application_withdraw(request, pk: int):
    application = get_application_for(request.membership, pk, write=True)
    try:
        services.application_withdraw(actor=Actor.from_request(request), application_id=application.pk)
    except Refused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _(
                "Søknaden er trukket tilbake og kan rettes. Den må sendes og bekreftes på nytt før fristen. "
                "Den innsendte versjonen er tatt vare på."
            ),
        )
    return redirect("application_detail", application.pk)


# --- What was submitted -----------------------------------------------------------------------


@require_GET
def submission_detail(request, pk: int, number: int):
    application = get_application_for(request.membership, pk)
    submission = get_object_or_404(
        application.submissions.select_related("confirmed_by", "sent_by", "withdrawn_by"), number=number
    )
    return render(
        request,
        "grants/submissions/detail.html",
        {"application": application, "submission": submission, "answers": present(submission.snapshot)},
    )


@require_GET
def submission_receipt(request, pk: int, number: int):
    application = get_application_for(request.membership, pk)
    submission = get_object_or_404(application.submissions, number=number)
    if not submission.receipt:
        messages.info(request, _("Kvitteringen lages. Prøv igjen om et øyeblikk."))
        return redirect("submission_detail", application.pk, submission.number)
    name = f"kvittering-{submission.snapshot.get('reference', application.pk)}-{submission.number}.pdf"
    return serve_file(submission.receipt, filename=name, content_type="application/pdf")
