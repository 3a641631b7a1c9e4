"""Taking a case's complete file out of the portal (R23); the archive itself is ``reporting.casefile``."""

from __future__ import annotations

from django.db import transaction

from portal.audit import Actor, record
from reporting.casefile import CaseFile, build, load_case
from reporting.casefile_records import role_name
from reporting.permissions import can_export_case_file

EXPORTED = "case.file_exported"


def case_file_export(*, actor: Actor, case_id: int) -> CaseFile:
    """Build the case file for ``actor`` and record that it was taken out, with the ZIP's SHA-256."""
    case = load_case(case_id)
    can_export_case_file(actor.membership, actor.user, case).or_403()
    by = actor.label if actor.membership is None else f"{actor.label}, {role_name(actor.role)}"
    result = build(case, generated_by=by)
    with transaction.atomic():
        record(
            actor=actor,
            action=EXPORTED,
            obj=case.application,
            subject_organisation=case.application.organisation,
            changes={
                "filnavn": result.filename,
                "sha256": result.sha256,
                "filer": len(result.lines),
                "avvik": len(result.mismatches),
                "mangler": len(result.missing),
            },
        )
    return result
