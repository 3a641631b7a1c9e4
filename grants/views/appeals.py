"""Appeals against a dismissal (R15): the county files one with its reasons and attachments; IMDi
reverses its decision, dismisses the appeal or forwards it to the ministry and records the ministry's
outcome. The letters about an appeal (the dismissal, the forwarding) are served to the county and IMDi."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grants import services
from grants.access import get_appeal_for, get_appeal_letter_for, get_application_for, get_decision_for
from grants.appeal_letters import appeal_deadline_for, dismissal_letter_in_force
from grants.forms.appeals import AppealForm, DismissForm, ForwardForm, OutcomeForm, ReverseForm
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
                    "Klagen er mottatt. Klagen kom etter klagefristen. IMDi vurderer om klagen likevel kan "
                    "behandles (forvaltningsloven § 31)."
                )
            else:
                message = _("Klagen er mottatt av IMDi innen fristen. Dere kan følge den på denne siden.")
            messages.success(request, message)
            return redirect("decision_view", application.pk, decision.pk)
    if form is not None and form.is_bound and "attachments" in form.errors and form.data.get("reasons"):
        form.errors["attachments"].append(_("Teksten dere skrev, er tatt vare på; velg filene på nytt."))
    deadline = appeal_deadline_for(decision)
    context = {
        "application": application,
        "decision": decision,
        "title": letter_title(decision),
        "allowed": allowed,
        "form": form,
        "deadline": deadline,
        "late": deadline is not None and timezone.localdate() > deadline,
        "dismissal_letter": dismissal_letter_in_force(decision),
    }
    return render(request, "grants/appeals/create.html", context)


@require_GET
def appeal_attachment(request, pk: int, appeal_pk: int, attachment_pk: int):
    application = get_application_for(request.membership, pk)
    # The appeal by its own key (an id too big for the database is simply not found), then its file.
    appeal = get_object_or_404(Appeal.objects.only("id"), case__application=application, pk=appeal_pk)
    attachment = get_object_or_404(AppealAttachment, appeal=appeal, pk=attachment_pk)
    return serve_file(attachment.file, filename=attachment.original_name, content_type=attachment.content_type)


@require_GET
def appeal_letter_file(request, pk: int, letter_pk: int):
    """A letter about an appeal, for the county whose case it is and IMDi's roles (others: 404)."""
    application = get_application_for(request.membership, pk)
    letter = get_appeal_letter_for(request.membership, application, letter_pk)
    return serve_file(letter.file, filename=f"{letter.reference}.pdf", content_type="application/pdf", inline=True)


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
        "letters": list(appeal.letters.all()),
        "may_work": may_work,
        "reverse_form": forms.get("reverse_form") or (ReverseForm() if may_work and received else None),
        "dismiss_form": forms.get("dismiss_form") or (DismissForm() if may_work and received else None),
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
def appeal_dismiss(request, pk: int):
    appeal = _appeal(request, pk, write=True)
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_dismiss(
                actor=Actor.from_request(request), appeal_id=appeal.pk, reason=form.cleaned_data["reason"]
            )
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _(
                    "Klagen er avvist. Vedtaket om avvisning lages nå og sendes til fylkeskommunen, som kan "
                    "klage på det innen tre uker."
                ),
            )
            return redirect("appeal_detail", appeal.pk)
    return _render_detail(request, appeal, dismiss_form=form)


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
