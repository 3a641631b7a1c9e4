"""Appeals against a dismissal (R15): the county files one with its reasons and attachments; IMDi
reverses its decision or forwards the appeal to the ministry and records the ministry's outcome."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grants import services
from grants.access import get_appeal_for, get_application_for, get_decision_for
from grants.forms.appeals import AppealForm, ForwardForm, OutcomeForm, ReverseForm
from grants.letters import letter_title
from grants.models import Appeal, AppealAttachment
from grants.permissions import can_appeal, can_work_cases
from portal.audit import Actor
from portal.files import serve_file
from portal.models import COUNTY_ROLES
from portal.rules import Refused
from portal.uploads import too_large_fields

# --- The county files an appeal ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def appeal_create(request, pk: int, decision_pk: int):
    membership = request.membership
    application = get_application_for(membership, pk, write=request.method == "POST")
    decision = get_decision_for(membership, application, decision_pk)
    letter = decision.letter_or_none
    allowed = can_appeal(membership, decision)
    form = None
    if membership.role in COUNTY_ROLES and allowed:
        posted = request.method == "POST"
        data, files = (request.POST, request.FILES) if posted else (None, None)  # reading them runs the upload handlers
        form = AppealForm(data, files, too_large="attachments" in too_large_fields(request))
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            appeal = services.appeal_file(
                actor=Actor.from_request(request),
                decision_id=decision.pk,
                reasons=form.cleaned_data["reasons"],
                files=form.checked,
            )
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            if appeal.is_late:
                message = _(
                    "Klagen er mottatt. Den kom etter fristen %(deadline)s og er merket som for sen, men IMDi "
                    "vurderer den likevel (forvaltningsloven § 31)."
                ) % {"deadline": appeal.deadline.strftime("%d.%m.%Y")}
            else:
                message = _("Klagen er mottatt av IMDi innen fristen. Dere kan følge den på denne siden.")
            messages.success(request, message)
            return redirect("decision_view", application.pk, decision.pk)
    if form is not None and form.is_bound and "attachments" in form.errors and form.data.get("reasons"):
        form.errors["attachments"].append(_("Teksten dere skrev, er tatt vare på; velg filene på nytt."))
    deadline = letter.appeal_deadline if letter is not None and letter.issued_at else None
    context = {
        "application": application,
        "decision": decision,
        "title": letter_title(decision),
        "allowed": allowed,
        "form": form,
        "deadline": deadline,
        "late": deadline is not None and timezone.localdate() > deadline,
    }
    return render(request, "grants/appeals/create.html", context)


@require_GET
def appeal_attachment(request, pk: int, appeal_pk: int, attachment_pk: int):
    application = get_application_for(request.membership, pk)
    attachment = get_object_or_404(
        AppealAttachment.objects.filter(appeal__case__application=application, appeal_id=appeal_pk), pk=attachment_pk
    )
    return serve_file(attachment.file, filename=attachment.original_name, content_type=attachment.content_type)


# --- IMDi handles the appeal ------------------------------------------------------------------


def _render_detail(request, appeal: Appeal, *, status: int = 200, **forms):
    membership = request.membership
    may_work = bool(can_work_cases(membership))
    received = appeal.state == Appeal.State.RECEIVED
    forwarded = appeal.state == Appeal.State.FORWARDED
    context = {
        "appeal": appeal,
        "case": appeal.case,
        "application": appeal.case.application,
        "decision": appeal.decision,
        "title": letter_title(appeal.decision),
        "letter": appeal.decision.letter_or_none,
        "attachments": list(appeal.attachments.all()),
        "may_work": may_work,
        "reverse_form": forms.get("reverse_form") or (ReverseForm() if may_work and received else None),
        "forward_form": forms.get("forward_form") or (ForwardForm() if may_work and received else None),
        "outcome_form": forms.get("outcome_form") or (OutcomeForm() if may_work and forwarded else None),
    }
    return render(request, "grants/appeals/detail.html", context, status=status)


def _appeal(request, pk: int, *, write: bool = False) -> Appeal:
    return get_appeal_for(request.membership, pk, write=write)


@require_GET
def appeal_detail(request, pk: int):
    return _render_detail(request, _appeal(request, pk))


@require_POST
def appeal_reverse(request, pk: int):
    appeal = _appeal(request, pk, write=True)
    form = ReverseForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_reverse(
                actor=Actor.from_request(request), appeal_id=appeal.pk, reason=form.cleaned_data["reason"]
            )
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _(
                    "Vedtaket er omgjort. Saken er tilbake til vurdering: foreslå et nytt vedtak, som gir "
                    "fylkeskommunen et nytt brev."
                ),
            )
            return redirect("case_detail", appeal.case_id)
    return _render_detail(request, appeal, reverse_form=form)


@require_POST
def appeal_forward(request, pk: int):
    appeal = _appeal(request, pk, write=True)
    form = ForwardForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_forward(
                actor=Actor.from_request(request), appeal_id=appeal.pk, cover_note=form.cleaned_data["cover_note"]
            )
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("Klagen er sendt til departementet. Registrer departementets avgjørelse her når den kommer."),
            )
            return redirect("appeal_detail", appeal.pk)
    return _render_detail(request, appeal, forward_form=form)


@require_POST
def appeal_outcome(request, pk: int):
    appeal = _appeal(request, pk, write=True)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_outcome(
                actor=Actor.from_request(request),
                appeal_id=appeal.pk,
                upheld=form.is_upheld,
                note=form.cleaned_data["note"],
                decided_on=form.cleaned_data["decided_on"],
            )
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            if form.is_upheld:
                message = _("Departementets avgjørelse er registrert: avvisningen står, og saken er avsluttet.")
            else:
                message = _(
                    "Departementets avgjørelse er registrert: vedtaket er omgjort, og saken er tilbake til "
                    "vurdering for et nytt vedtak."
                )
            messages.success(request, message)
            return redirect("appeal_detail", appeal.pk)
    return _render_detail(request, appeal, outcome_form=form)
