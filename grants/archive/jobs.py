"""Running an archive extract an admin ordered (``ArchiveExtractJob``) in the background: the Celery
task (``grants.tasks.build_archive_extract``) claims the job with a conditional update, so two workers
never write the same extract, and records what was written or why it failed."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from grants.archive.extract import archive_extract
from grants.models import ArchiveExtractJob

log = logging.getLogger(__name__)
Status = ArchiveExtractJob.Status


def extract_directory(job: ArchiveExtractJob) -> Path:
    """Where the job writes: under the portal's var directory, never in the web root."""
    return Path(settings.VAR_DIR) / "arkivuttrekk" / f"{job.scheme.code}-{job.first_year}-{job.last_year}-{job.pk}"


def extract_job_run(job_id: int) -> bool:
    """Write the extract of a pending job; False when another worker has it or it is done."""
    claimed = ArchiveExtractJob.objects.filter(pk=job_id, status=Status.PENDING).update(
        status=Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return False
    job = ArchiveExtractJob.objects.select_related("scheme__owner").get(pk=job_id)
    out = extract_directory(job)
    try:
        extract = archive_extract(scheme=job.scheme, first_year=job.first_year, last_year=job.last_year, out=out)
    except Exception as error:  # written down where the admin sees it; the task does not retry
        log.exception("Archive extract %s failed", job_id)
        ArchiveExtractJob.objects.filter(pk=job_id).update(
            status=Status.FAILED, finished_at=timezone.now(), error=f"{type(error).__name__}: {error}"[:2000]
        )
        return False
    ArchiveExtractJob.objects.filter(pk=job_id).update(
        status=Status.DONE,
        finished_at=timezone.now(),
        directory=str(out),
        folders=extract.folders,
        entries=extract.entries,
        documents=extract.documents,
    )
    return True
