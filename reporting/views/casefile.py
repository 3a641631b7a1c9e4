"""The case file of one case as a ZIP, for IMDi's roles (R23): the auditor's one-click export."""

from __future__ import annotations

from django.http import FileResponse
from django.views.decorators.http import require_GET

from grants.access import get_case_for
from portal.audit import Actor
from reporting import services


@require_GET
def case_file(request, pk: int):
    """The ZIP is made now, in a temporary file (not a stored file): served as ``serve_file`` would."""
    case = get_case_for(request.membership, pk)
    result = services.case_file_export(actor=Actor.from_request(request), case_id=case.pk)
    response = FileResponse(result.file, as_attachment=True, filename=result.filename, content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
