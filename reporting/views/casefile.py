"""The case file of one case as a ZIP, for IMDi's roles (R23): the auditor's one-click export."""

from __future__ import annotations

from django.http import FileResponse
from django.urls import path
from django.views.decorators.http import require_GET

from grants.access import get_case_for
from portal.audit import Actor
from reporting import casefile


@require_GET
def case_file(request, pk: int):
    case = get_case_for(request.membership, pk)
    result = casefile.case_file_export(actor=Actor.from_request(request), case_id=case.pk)
    response = FileResponse(result.file, as_attachment=True, filename=result.filename, content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("imdi/saker/<int:pk>/saksmappe.zip", case_file, name="case_file"),
]
