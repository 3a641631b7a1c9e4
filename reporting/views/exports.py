"""IMDi's exports per call (reporting.datasets): the page to choose from, the CSV and XLSX files, and
the files made in the background for the user who ordered them."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from grants.models import Call
from portal.audit import Actor
from portal.files import serve_file
from portal.rules import Refused
from portal.validators import whole_number
from reporting import services
from reporting.datasets import DATASETS, filename, get_dataset, inline_max_rows
from reporting.export_files import XLSX_CONTENT_TYPE, Dataset, csv_stream, xlsx_file
from reporting.forms.exports import HEADER_KEYS, ChooseForm
from reporting.models import ExportJob
from reporting.permissions import can_export, can_request_export
from reporting.workflows import EXPORT_TONES

RECENT_JOBS = 20


def _dataset_or_404(key: str) -> Dataset:
    dataset = get_dataset(key)
    if dataset is None:
        raise Http404(_("Det finnes ingen eksport med det navnet."))
    return dataset


def _calls():
    return list(Call.objects.only("id", "title", "year").order_by("-year", "title", "pk"))


JOB_FIELDS = (
    "id",
    "dataset",
    "format",
    "status",
    "rows",
    "created_at",
    "finished_at",
    "call__id",
    "call__title",
    "call__title_nb",  # what reading ``call.title`` reads (grants.translation), in either language
    "call__title_nn",
    "call__year",
)


@require_GET
def export_index(request):
    membership = request.membership
    can_export(membership).or_403()
    calls = _calls()
    data = request.GET.copy()
    if "call" not in data and calls:
        data["call"] = str(calls[0].pk)
    form = ChooseForm(data, calls=calls)
    call, keys = None, False
    if form.is_valid():
        call = next(c for c in calls if c.pk == form.cleaned_data["call"])
        keys = form.cleaned_data["kolonner"] == HEADER_KEYS
    limit = inline_max_rows()
    rows = []
    if call is not None:
        for dataset in DATASETS.values():
            count = dataset.count(call)
            csv_url = reverse("export_csv", args=[call.pk, dataset.key])
            rows.append(
                {
                    "dataset": dataset,
                    "count": count,
                    "csv_url": f"{csv_url}?kolonner={HEADER_KEYS}" if keys else csv_url,
                    "xlsx_url": reverse("export_xlsx", args=[call.pk, dataset.key]),
                    "inline": count <= limit,
                }
            )
    jobs = list(
        request.user.export_jobs.select_related("call").only(*JOB_FIELDS).order_by("-created_at", "-pk")[:RECENT_JOBS]
    )
    titles = {key: dataset.title for key, dataset in DATASETS.items()}
    for job in jobs:
        job.title = titles.get(job.dataset, job.dataset)
        job.tone = EXPORT_TONES.get(job.status, "")
    context = {
        "form": form,
        "call": call,
        "rows": rows,
        "limit": limit,
        "jobs": jobs,
        "may_request": can_request_export(membership),
    }
    return render(request, "reporting/exports/index.html", context)


def _no_store(response):
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def export_csv(request, call_pk: int, dataset: str):
    can_export(request.membership).or_403()
    chosen = _dataset_or_404(dataset)
    call = get_object_or_404(Call.objects.only("id", "title", "year"), pk=call_pk)
    services.export_record(actor=Actor.from_request(request), call=call, dataset=chosen, format="csv")
    stream = csv_stream(chosen, call, keys=request.GET.get("kolonner") == HEADER_KEYS)
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(call, chosen, "csv")}"'
    return _no_store(response)


@require_GET
def export_xlsx(request, call_pk: int, dataset: str):
    """The Excel file at once when it is small; otherwise a page that offers to make it in the
    background (and the CSV, which is streamed whatever its size)."""
    membership = request.membership
    can_export(membership).or_403()
    chosen = _dataset_or_404(dataset)
    call = get_object_or_404(Call.objects.only("id", "title", "year"), pk=call_pk)
    count = chosen.count(call)
    limit = inline_max_rows()
    if count > limit:
        context = {
            "call": call,
            "dataset": chosen,
            "count": count,
            "limit": limit,
            "may_request": can_request_export(membership),
            "csv_url": reverse("export_csv", args=[call.pk, chosen.key]),
        }
        return render(request, "reporting/exports/large.html", context)
    services.export_record(actor=Actor.from_request(request), call=call, dataset=chosen, format="xlsx")
    workbook = xlsx_file(chosen, call)  # a temporary file: deleted when the response closes it
    name = filename(call, chosen, "xlsx")
    return _no_store(FileResponse(workbook, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE))


@require_POST
def export_job_create(request):
    membership = request.membership
    can_export(membership).or_403()
    can_request_export(membership).or_403()
    chosen = _dataset_or_404(request.POST.get("dataset", ""))
    call_pk = whole_number(request.POST.get("call"))
    if call_pk is None:
        raise Http404(_("Velg en utlysning."))
    call = get_object_or_404(Call.objects.only("id", "title", "year"), pk=call_pk)
    index = f"{reverse('export_index')}?call={call.pk}"
    try:
        job, created = services.export_job_create(actor=Actor.from_request(request), call=call, dataset=chosen)
    except Refused as refused:
        messages.error(request, str(refused))
        return redirect(index)
    if created:
        messages.success(request, _("Filen lages nå. Du får e-post når den er klar."))
    else:
        messages.info(request, _("Denne filen lages allerede. Du får e-post når den er klar."))
    return redirect(index)


@require_GET
def export_job_file(request, pk: int):
    """A finished file, only for the user who ordered it: for anyone else it does not exist."""
    can_export(request.membership).or_403()
    job = get_object_or_404(
        ExportJob.objects.select_related("call"), pk=pk, user=request.user, status=ExportJob.Status.DONE
    )
    dataset = _dataset_or_404(job.dataset)
    services.export_record(
        actor=Actor.from_request(request), call=job.call, dataset=dataset, format=job.format, job=job
    )
    return serve_file(job.file, filename=filename(job.call, dataset, job.format), content_type=XLSX_CONTENT_TYPE)
