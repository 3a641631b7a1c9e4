"""The county's application: start, the list, the overview, the sections (with autosave and the
budget's live totals), and IMDi's deadline extensions. Sending and what was sent:
``grants.views.submissions``; the agreements: ``grants.views.agreements``."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import OuterRef, Q, Subquery
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grants import permissions, services
from grants.access import applications_for, decisions_visible_to, get_application_for, visible_history
from grants.forms import applications as forms
from grants.models import Application, Call, Case, DeadlineExtension, IncomingDocument, Submission
from grants.permissions import can_apply, can_edit, can_extend_deadline, can_read_current, can_view_applications
from grants.sections import BY_SLUG, SECTIONS, missing, progress
from grants.snapshots import build_snapshot, present, totals
from portal import access
from portal.audit import Actor
from portal.models import COUNTY_ROLES, IMDI_ROLES, AuditEvent
from portal.rules import Refused
from portal.validators import whole_number


def application_history(application: Application):
    """The application's own events and the deadline extensions recorded for its county."""
    extension_ids = [
        str(pk)
        for pk in DeadlineExtension.objects.filter(
            call=application.call_id, organisation=application.organisation_id
        ).values_list("pk", flat=True)
    ]
    return (
        AuditEvent.objects.filter(
            Q(object_type="grants.application", object_id=str(application.pk))
            | Q(object_type="grants.deadlineextension", object_id__in=extension_ids)
        )
        .select_related("actor", "organisation")
        .order_by("at", "id")
    )


def late_deadline(application: Application, now, deadline=None):
    """The county's deadline when it has passed and the call still takes the application (R4): the
    pages then say that it will be received and marked late, and what IMDi does next."""
    deadline = deadline or application.deadline()
    if application.state == Application.State.SUBMITTED or now < deadline:
        return None
    return deadline if application.call.is_receiving_at(now) else None


# --- Start and list ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def application_start(request, pk: int):
    membership = request.membership
    access.has_role(membership, *COUNTY_ROLES).or_403()
    call = get_object_or_404(Call.objects.published().prefetch_related("eligible_organisations"), pk=pk)
    organisation = membership.organisation
    existing = Application.objects.filter(call=call, organisation=organisation).first()
    if existing is not None:
        return redirect("application_detail", existing.pk)
    now = timezone.now()
    deadline = DeadlineExtension.deadline_for(call, organisation)
    decision = can_apply(membership, call, now, deadline=deadline)
    previous = services.previous_application(call, organisation)
    error = ""
    if request.method == "POST":
        try:
            application = services.application_start(
                actor=Actor.from_request(request), call=call, copy_previous=request.POST.get("copy") == "1"
            )
        except services.AlreadyStarted as refused:
            return redirect("application_detail", refused.application.pk)
        except Refused as refused:
            error = str(refused)
        else:
            messages.success(request, _("Søknaden er opprettet. Den lagres mens dere skriver."))
            return redirect("application_detail", application.pk)
    return render(
        request,
        "grants/applications/start.html",
        {
            "call": call,
            "decision": decision,
            "previous": previous,
            "error": error,
            "late_deadline": deadline if decision and now >= deadline else None,
        },
    )


@require_GET
def application_list(request):
    membership = request.membership
    can_view_applications(membership).or_403()
    applications = applications_for(membership).for_listing().order_by("-call__year", "organisation__name")
    if membership.role not in COUNTY_ROLES:
        # IMDi reads the applications as submitted: the title and time of the latest version.
        latest = Submission.objects.filter(application=OuterRef("pk")).order_by("-number")
        applications = applications.annotate(
            submitted_title=Subquery(latest.values("snapshot__fields__title")[:1]),
            last_confirmed_at=Subquery(latest.values("confirmed_at")[:1]),
        )
    return render(
        request,
        "grants/applications/list.html",
        {"applications": applications, "as_submitted": membership.role not in COUNTY_ROLES},
    )


# --- The overview -----------------------------------------------------------------------------


@require_GET
def application_detail(request, pk: int):
    membership = request.membership
    application = get_application_for(membership, pk)
    now = timezone.now()
    items = missing(application)
    submissions = list(application.submissions.select_related("confirmed_by").order_by("-number"))
    current = can_read_current(membership, application)
    deadline = application.deadline()
    context = {
        "application": application,
        # IMDi sees the title as submitted while the county corrects a withdrawn application.
        "title": application.title if current else submissions[0].snapshot["fields"]["title"],
        "deadline": deadline,
        "late_deadline": late_deadline(application, now, deadline),
        "edit": can_edit(membership, application, now),
        "progress": progress(application, items),
        "missing": items,
        "transitions": permissions.application_transitions(membership, application, now),
        "submissions": submissions,
        "events": visible_history(membership, application_history(application)),
        "decisions": list(decisions_visible_to(membership, application).order_by("proposed_at", "id")),
        "case": Case.objects.filter(application=application).first() if membership.role in IMDI_ROLES else None,
        # What came by e-mail or post and IMDi registered: the application itself, or an appeal.
        "incoming": list(
            IncomingDocument.objects.filter(
                Q(application=application) | Q(appeal__case__application=application)
            ).order_by("received_on", "pk")
        ),
    }
    return render(request, "grants/applications/detail.html", context)


# --- Sections ---------------------------------------------------------------------------------

BUDGET = "budsjett"  # the section with the budget lines (a formset) beside its form


def _section_form(spec, application, data=None):
    return forms.SECTION_FORMS[spec.slug](data, application=application, section=spec.slug)


def _with_version(data, version: int):
    data = data.copy()
    data["version"] = version
    return data


def _bound_with_missing(section, application, data=None):
    """A section form bound to ``data`` (default: what is saved) that shows what is still missing
    next to each field and in the error summary."""
    if data is None:
        data = {**model_to_dict(application, section.fields), "version": application.versions.get(section.slug, 0)}
        data = {key: ("" if value is None else value) for key, value in data.items()}
    form = _section_form(section, application, data)
    form.is_valid()
    for item in missing(application):
        if item.section != section.slug:
            continue
        field = item.field.removeprefix("id_")
        if field not in form.fields:
            field = field.removesuffix("_0")  # the first of a group of radio buttons
        form.add_error(field if field in form.fields else None, item.message)
    return form


def _budget_context(application, formset):
    categories = list(application.call.cost_categories.all())
    if formset.is_bound:
        lines = []
        for form in formset.forms:
            prefix = form.prefix
            if formset.data.get(f"{prefix}-DELETE"):
                continue
            category = formset.data.get(f"{prefix}-category")
            amount = forms.parse_amount(formset.data.get(f"{prefix}-amount", ""))
            lines.append((whole_number(category), amount))
    else:
        lines = [(line.category_id, line.amount) for line in application.budget_lines.all()]
    return {"formset": formset, "totals": totals(categories, lines), "categories": categories}


def _with_more_rows(data, prefix: str = "lines", more: int = 3):
    data = data.copy()
    try:
        rows = int(data.get(f"{prefix}-TOTAL_FORMS", "0"))
    except ValueError:
        rows = 0
    data[f"{prefix}-TOTAL_FORMS"] = str(max(rows, 0) + more)
    return data


@require_http_methods(["GET", "POST"])
def application_section(request, pk: int, section: str):
    membership = request.membership
    spec = BY_SLUG.get(section)
    application = get_application_for(membership, pk, write=request.method == "POST")
    if spec is None:
        return redirect("application_detail", application.pk)
    if not spec.has_form:
        return redirect("application_agreements", application.pk)
    autosave = request.method == "POST" and request.POST.get("autosave") == "1"
    edit = can_edit(membership, application, timezone.now())
    if not edit:
        if autosave:  # a colleague sent it, or the deadline passed, while this user was typing
            return _autosave_status(request, application, spec, error=edit.reason)
        messages.info(request, edit.reason)
        return redirect("application_detail", application.pk)
    if request.method == "POST":
        if spec.slug == BUDGET and "add_lines" in request.POST:
            return _add_rows(request, application, spec)
        return _section_post(request, application, spec, autosave=autosave)
    checking = request.GET.get("kontroll")  # from the list of what is missing
    form = _bound_with_missing(spec, application) if checking else _section_form(spec, application)
    formset = forms.budget_formset(application) if spec.slug == BUDGET else None
    return _render_section(request, application, spec, form, formset, None)


def _add_rows(request, application, spec):
    """ "More rows" in the budget: the page again with three empty rows more; nothing is saved."""
    data = _with_more_rows(request.POST)
    form = _section_form(spec, application, data)
    form.is_valid()
    formset = forms.budget_formset(application, data)
    formset.is_valid()
    return _render_section(request, application, spec, form, formset, None, unsaved=True)


def _section_post(request, application, spec, *, autosave: bool):
    """Save the section (a form the user sent, or an autosave of it while they type)."""
    form = _section_form(spec, application, request.POST)
    formset = forms.budget_formset(application, request.POST) if spec.slug == BUDGET else None
    valid = form.is_valid() & (formset.is_valid() if formset is not None else True)
    saved, conflict = False, None
    if valid:
        try:
            application = _save_section(request, application, spec, form, formset)
            saved = True
        except services.StaleVersion as stale:
            conflict = _conflict(stale, spec)
            # The user's answers stay in the form; saving again now replaces the colleague's.
            form = _section_form(spec, application, _with_version(request.POST, conflict["version"]))
            form.is_valid()
        except Refused as refused:
            if autosave:
                return _autosave_status(request, application, spec, error=str(refused))
            messages.error(request, str(refused))
            return redirect("application_detail", application.pk)
    if autosave:
        invalid = not valid and not conflict
        return _autosave_status(request, application, spec, saved=saved, conflict=conflict, invalid=invalid)
    if saved:
        return _after_save(request, application, spec)
    return _render_section(request, application, spec, form, formset, conflict, unsaved=True)


def _save_section(request, application, spec, form, formset):
    return services.application_section_save(
        actor=Actor.from_request(request),
        application_id=application.pk,
        section=spec.slug,
        data={field: form.cleaned_data[field] for field in spec.fields},
        version=form.cleaned_data["version"],
        lines=formset.lines() if formset is not None else None,
    )


def _after_save(request, application, spec):
    """Saved: on to the next section, or this one again with what is still missing in it."""
    form = _bound_with_missing(spec, application, _with_version(request.POST, application.versions.get(spec.slug, 0)))
    if not form.errors:
        messages.success(request, _("«%(section)s» er lagret.") % {"section": spec.title})
        return redirect(_next_after(application, spec))
    messages.success(
        request,
        _("«%(section)s» er lagret. Det som mangler, må fylles ut før søknaden kan sendes.") % {"section": spec.title},
    )
    formset = None
    if spec.slug == BUDGET:
        formset = forms.budget_formset(application, request.POST)
        formset.is_valid()
    return _render_section(request, application, spec, form, formset, None)


def _next_after(application, spec) -> str:
    index = SECTIONS.index(spec)
    if index + 1 < len(SECTIONS):
        following = SECTIONS[index + 1]
        if not following.has_form:
            return reverse("application_agreements", args=[application.pk])
        return reverse("application_section", args=[application.pk, following.slug])
    return reverse("application_review", args=[application.pk])


def _conflict(stale, spec) -> dict:
    """The colleague's saved version of the section, to show beside the user's own answers."""
    saved = stale.application
    saved.refresh_from_db()
    snapshot = build_snapshot(saved)
    part = next(section for section in present(snapshot) if section.slug == spec.slug)
    return {"message": str(stale), "answers": part, "version": saved.versions.get(spec.slug, 0)}


def _render_section(request, application, spec, form, formset, conflict, *, unsaved=False):
    context = {
        "unsaved": unsaved,  # the form shows answers that are not saved: leaving must warn
        "application": application,
        "section": spec,
        "sections": SECTIONS,
        "form": form,
        "conflict": conflict,
        "late_deadline": late_deadline(application, timezone.now()),
    }
    if formset is not None:
        context.update(_budget_context(application, formset))
    return render(request, "grants/applications/section.html", context)


def _autosave_status(request, application, spec, *, saved=False, conflict=None, invalid=False, error=""):
    response = render(
        request,
        "grants/applications/_autosave_status.html",
        {
            "application": application,
            "section": spec,
            "saved": saved,
            "conflict": conflict,
            "invalid": invalid,
            "error": error,
            "version": conflict["version"] if conflict else application.versions.get(spec.slug, 0),
            "now": timezone.now(),
        },
    )
    if saved:
        response["HX-Trigger"] = "portal:saved"  # the page stops warning about unsaved changes
    return response


@require_POST
def budget_totals(request, pk: int):
    """The budget totals for what is typed now (htmx); nothing is saved."""
    application = get_application_for(request.membership, pk, write=True)
    formset = forms.budget_formset(application, request.POST)
    return render(request, "grants/applications/_budget_totals.html", _budget_context(application, formset))


# --- IMDi: deadline extensions (R4) -----------------------------------------------------------


@require_http_methods(["GET", "POST"])
def extension_create(request, pk: int):
    can_extend_deadline(request.membership).or_403()
    call = get_object_or_404(Call.objects.all(), pk=pk)
    form = forms.ExtensionForm(request.POST or None, call=call)
    if request.method == "POST" and form.is_valid():
        try:
            services.extension_record(actor=Actor.from_request(request), call=call, **form.cleaned_data)
        except Refused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                _("Utsatt frist for %(org)s er registrert.") % {"org": form.cleaned_data["organisation"].name},
            )
            return redirect("extension_create", call.pk)
    extensions = call.extensions.select_related("organisation", "recorded_by").order_by("-recorded_at")
    return render(request, "grants/applications/extension.html", {"call": call, "form": form, "extensions": extensions})
