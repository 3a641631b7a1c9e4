"""Taking data out of the portal (R23): every download is recorded, and a large XLSX file is ordered
to be made in the background (``tasks.build_export``). The ``ExportJob`` row is the truth:
``tasks.sweep_exports`` sends again what the broker never got."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from grants.models import Call
from portal import audit
from portal.audit import Actor
from portal.background import send_after_commit
from portal.models import User
from portal.rules import Refused
from reporting import tasks
from reporting.export_files import Dataset
from reporting.models import ExportJob
from reporting.permissions import can_request_export

MAX_PENDING_JOBS = 5


def export_record(*, actor: Actor, call: Call, dataset: Dataset, format: str, job: ExportJob | None = None) -> None:
    """Who took which data out of the portal, and when (R23)."""
    changes = {"dataset": dataset.key, "format": format}
    if job is not None:
        changes["job"] = job.pk
    audit.record(actor=actor, action="export.downloaded", obj=call, changes=changes)


def export_job_create(*, actor: Actor, call: Call, dataset: Dataset) -> tuple[ExportJob, bool]:
    """Order the XLSX file of ``dataset`` for ``call``, made in the background. Returns the job and
    whether it is new: the same file already being made for the same user is not ordered twice."""
    can_request_export(actor.membership).or_refuse()
    with transaction.atomic():
        # The user's row serialises their orders (a double click): the second sees the first's job.
        User.objects.select_for_update().filter(pk=actor.user.pk).first()
        pending = list(ExportJob.objects.select_for_update().filter(user=actor.user, status=ExportJob.Status.PENDING))
        for job in pending:
            if job.call_id == call.pk and job.dataset == dataset.key and job.format == "xlsx":
                return job, False
        if len(pending) >= MAX_PENDING_JOBS:
            raise Refused(
                _("Du har allerede %(n)s filer som lages. Vent til de er klare før du bestiller flere.")
                % {"n": len(pending)}
            )
        job = ExportJob.objects.create(user=actor.user, call=call, dataset=dataset.key, format="xlsx")
        audit.record(
            actor=actor,
            action="export.requested",
            obj=call,
            changes={"dataset": dataset.key, "format": "xlsx", "job": job.pk},
        )
        send_after_commit(tasks.build_export, job.pk)
    return job, True
