"""The cooperation agreements of an application (R6): uploaded, listed, removed from the draft and
downloaded only through these views, which check who may see the application."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grants import services
from grants.access import get_application_for, submitted_agreement_ids
from grants.forms.agreements import AgreementForm
from grants.models import PartnerKind
from grants.permissions import can_edit, can_read_current
from portal.audit import Actor
from portal.files import serve_file
from portal.models import IMDI_ROLES
from portal.rules import Refused
from portal.uploads import too_large_fields


@require_http_methods(["GET", "POST"])
def application_agreements(request, pk: int):
    membership = request.membership
    application = get_application_for(membership, pk, write=request.method == "POST")
    can_read_current(membership, application).or_403()
    edit = can_edit(membership, application, timezone.now())
    form = None
    if edit:
        data, files = request.POST or None, request.FILES or None  # reading them runs the upload handlers
        too_large = "file" in too_large_fields(request)
        form = AgreementForm(data, files, too_large=too_large)
    if request.method == "POST":
        if not edit:
            messages.error(request, edit.reason)
            return redirect("application_detail", application.pk)
        if form.is_valid():
            try:
                agreement = services.agreement_add(
                    actor=Actor.from_request(request),
                    application_id=application.pk,
                    partner_kind=form.cleaned_data["partner_kind"],
                    partner_name=form.cleaned_data["partner_name"],
                    upload=form.cleaned_data["file"],
                    checked=form.checked,
                )
            except Refused as refused:
                messages.error(request, str(refused))
                return redirect("application_detail", application.pk)
            messages.success(
                request,
                _("Avtalen med %(name)s er lastet opp (%(file)s).")
                % {"name": agreement.partner_name, "file": agreement.original_name},
            )
            return redirect("application_agreements", application.pk)
        if "file" in form.errors and form.data.get("partner_name"):
            form.errors["file"].append(_("Svarene dine er tatt vare på; velg filen på nytt."))
    agreements = list(application.active_agreements().select_related("uploaded_by"))
    kinds = {a.partner_kind for a in agreements}
    context = {
        "application": application,
        "form": form,
        "edit": edit,
        "agreements": agreements,
        "missing_kinds": [kind for kind in PartnerKind if kind not in kinds],
    }
    return render(request, "grants/agreements/list.html", context)


@require_POST
def agreement_remove(request, pk: int, agreement_pk: int):
    application = get_application_for(request.membership, pk, write=True)
    agreement = get_object_or_404(application.agreements, pk=agreement_pk, removed_at__isnull=True)
    try:
        services.agreement_remove(
            actor=Actor.from_request(request), application_id=application.pk, agreement_id=agreement.pk
        )
    except Refused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Avtalen med %(name)s er fjernet fra søknaden.") % {"name": agreement.partner_name})
    return redirect("application_agreements", application.pk)


@require_GET
def agreement_file(request, pk: int, agreement_pk: int):
    application = get_application_for(request.membership, pk)
    # Also an agreement removed from the draft: an earlier submission may list it. IMDi reads only
    # what was submitted, not an agreement added to a draft being corrected.
    agreement = get_object_or_404(application.agreements, pk=agreement_pk)
    if request.membership.role in IMDI_ROLES and agreement.pk not in submitted_agreement_ids(application):
        raise Http404
    return serve_file(agreement.file, filename=agreement.original_name, content_type=agreement.content_type)
