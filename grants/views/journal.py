"""The public journal, open to everyone (offentleglova § 10): the entries of a period (the last week
unless asked), ``offentligJournal.xml`` of the same period for eInnsyn, and a form to ask for access
to an entry, which reaches IMDi as an incoming journal entry of its own."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from grants.archive.public import public_journal_chunks
from grants.forms.journal import AccessRequestForm, ArchiveExtractForm, JournalPeriodForm
from grants.models import ArchiveExtractJob, JournalEntry
from grants.services import journal
from portal.access import forbid_writes_for_readers, role_required
from portal.audit import Actor, client_ip
from portal.models import Organisation, Role
from portal.rules import Refused

PAGE_SIZE = 100


def period_of(request):
    form = JournalPeriodForm(request.GET or None)
    return form, *form.period()


@login_not_required
@require_GET
def public_journal(request):
    form, start, end = period_of(request)
    entries = (
        JournalEntry.objects.public()
        .for_listing()
        .filter(journal_date__range=(start, end))
        .order_by("-journal_date", "-journal_year", "-journal_sequence")
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("side"))
    query = f"fra={start.isoformat()}&til={end.isoformat()}"
    context = {"form": form, "start": start, "end": end, "page": page, "query": query}
    return render(request, "grants/journal/public.html", context)


@login_not_required
@require_GET
def public_journal_xml(request):
    form, start, end = period_of(request)
    if not JournalEntry.objects.public().filter(journal_date__range=(start, end)).exists():
        raise Http404(_("Ingen journalposter i perioden."))
    creator = Organisation.objects.filter(kind=Organisation.Kind.DIRECTORATE).order_by("pk").first()
    response = StreamingHttpResponse(
        public_journal_chunks(start, end, creator=creator), content_type="application/xml; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="offentligJournal.xml"'
    return response


@login_not_required
@require_http_methods(["GET", "POST"])
def public_journal_request(request, entry_pk: int):
    entry = get_object_or_404(JournalEntry.objects.public().for_listing(), pk=entry_pk)
    form = AccessRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.is_robot():  # said to be sent, and dropped
            return redirect("public_journal")
        try:
            journal.access_request_register(
                entry_id=entry.pk,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                message=form.cleaned_data["message"],
                client_key=client_ip(request) or "unknown",
            )
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("Innsynskravet er sendt til IMDi. Du får svar på e-post, normalt innen tre virkedager."),
            )
            return redirect("public_journal")
    # An auditor reads the case itself and sends nothing (the middleware refuses the POST): no form.
    may_send = forbid_writes_for_readers(getattr(request, "membership", None))
    return render(request, "grants/journal/request.html", {"entry": entry, "form": form, "may_send": may_send})


# --- Archive extracts, for admins ---------------------------------------------------------------


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def archive_extracts(request):
    """Order a Noark 5 extract (written in the background) and see the ones ordered."""
    form = ArchiveExtractForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            journal.archive_extract_order(
                actor=Actor.from_request(request),
                scheme=data["scheme"],
                first_year=data["first_year"],
                last_year=data["last_year"],
            )
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Arkivuttrekket er bestilt. Det lages i bakgrunnen; følg med på statusen her."))
            return redirect("archive_extracts")
    jobs = ArchiveExtractJob.objects.select_related("scheme", "requested_by")[:50]
    return render(request, "grants/journal/extracts.html", {"form": form, "jobs": jobs})
