"""Issuing a document once (a receipt, a decision letter, a claim letter): the PDF is stored with its
SHA-256 and the row marked ready under the caller's row lock, a failure is written down where
caseworkers see it, and a sweep finds what was never finished.

Each document model keeps the same facts under its own field names; a ``Document`` says which:

    RECEIPT = Document(file="receipt", sha256="receipt_sha256", status="receipt_status",
                       attempts="receipt_attempts", notified="receipt_emailed_at",
                       ready=Submission.ReceiptStatus.READY, ...)

The PDF itself comes from ``portal.pdf``; the e-mail that it is ready from ``portal.mail``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Model, Q, QuerySet
from django.utils import timezone

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # the sweep gives up on a document that failed this many times (it stays failed, visible)
SWEEP_GRACE = dt.timedelta(minutes=2)  # leave a fresh document to the task sent after its commit
ERROR_LENGTH = 500


@dataclass(frozen=True)
class Document:
    """Where a model keeps an issued document, and what its status values are."""

    file: str
    sha256: str
    status: str
    ready: str
    failed: str
    to_make: tuple[str, ...]  # the statuses that still need the document made
    notified: str  # when the e-mail saying it is ready was claimed
    attempts: str | None = None
    error: str | None = None

    def is_ready(self, obj: Model) -> bool:
        return getattr(obj, self.status) == self.ready and bool(getattr(obj, self.file))

    def store(self, obj: Model, pdf: bytes, *, name: str, also: tuple[str, ...] = ()) -> str:
        """Store ``pdf`` on ``obj`` (locked by the caller), hash it and mark it ready; save ``also``'s
        fields with it. A failure after the file was written deletes it again (no orphan file)."""
        field = getattr(obj, self.file)
        field.save(name, ContentFile(pdf), save=False)
        stored = field.name
        try:
            digest = hashlib.sha256(pdf).hexdigest()
            setattr(obj, self.sha256, digest)
            setattr(obj, self.status, self.ready)
            fields = [self.file, self.sha256, self.status, *also]
            if self.attempts:
                setattr(obj, self.attempts, getattr(obj, self.attempts) + 1)
                fields.append(self.attempts)
            if self.error:
                setattr(obj, self.error, "")
                fields.append(self.error)
            obj.save(update_fields=fields)
        except Exception:
            field.storage.delete(stored)
            raise
        return digest

    def record_failure(self, rows: QuerySet, error: Exception | None = None) -> int:
        """Mark the (not yet ready) document of ``rows`` failed, counting the attempt and the error."""
        changes = {self.status: self.failed}
        if self.attempts:
            changes[self.attempts] = F(self.attempts) + 1
        if self.error and error is not None:
            message = f"{type(error).__name__}: {error}".strip()
            changes[self.error] = message[: ERROR_LENGTH - 1] + "…" if len(message) > ERROR_LENGTH else message
        return rows.exclude(**{self.status: self.ready}).update(**changes)

    def issue(
        self,
        rows: QuerySet,
        pk: int,
        *,
        load: Callable[[int], Model],
        make: Callable[[Model], None],
        notify: Callable[[int], None],
    ) -> None:
        """Make the document of row ``pk`` once and tell its recipients, unless that is done. ``load``
        fetches the row locked (a concurrent run waits there, then finds it ready); ``make`` renders
        and stores it (``store``) under that lock; ``notify`` runs after the commit.

        On a failure the row is marked failed with the error (in a transaction of its own when this
        runs outside one, as a Celery task does) and the exception is raised again for a retry."""
        try:
            with transaction.atomic():
                obj = load(pk)
                if not self.is_ready(obj):
                    make(obj)
        except Exception as error:
            log.exception("Could not make %s %s", rows.model._meta.model_name, pk)
            try:
                with transaction.atomic():
                    self.record_failure(rows.filter(pk=pk), error)
            except Exception:  # the database may be what failed: the task's retry and the sweep still come
                log.exception("Could not record the failure of %s %s", rows.model._meta.model_name, pk)
            raise
        transaction.on_commit(lambda: notify(pk))

    def unfinished(self, rows: QuerySet, *, since: str) -> list[int]:
        """The ids of ``rows`` whose document was never made (or failed, fewer than MAX_ATTEMPTS times)
        or never announced, where ``since`` (a time field) is older than the sweep's grace."""
        need_making = Q(**{f"{self.status}__in": self.to_make})
        if self.attempts:
            need_making &= Q(**{f"{self.attempts}__lt": MAX_ATTEMPTS})
        need_telling = Q(**{self.status: self.ready, f"{self.notified}__isnull": True})
        cutoff = timezone.now() - SWEEP_GRACE
        return list(
            rows.filter(**{f"{since}__lt": cutoff})
            .filter(need_making | need_telling)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
