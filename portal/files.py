"""Stored files: one abstract model for every upload, and one way to serve a file.

- ``StoredFile`` holds what every uploaded file keeps (the file outside the web root, its original
  name, the content type that ``portal.uploads.check_upload`` decided, its size and SHA-256, who
  uploaded it and when). ``attach`` fills them from a checked upload.
- ``serve_file`` answers a download only from a view that has checked who may read the file: never
  cached on the way, never sniffed by the browser, always with a file name.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _

from portal.uploads import CheckedFile


class StoredFile(models.Model):
    """An uploaded file. A subclass declares ``file`` with its own ``upload_to``."""

    file = models.FileField(_("fil"), max_length=200)
    original_name = models.CharField(_("filnavn"), max_length=255)
    content_type = models.CharField(_("filtype"), max_length=100)
    size = models.PositiveBigIntegerField(_("størrelse (byte)"))
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("lastet opp"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name

    def attach(self, upload, checked: CheckedFile, *, by) -> None:
        """Store ``upload`` (checked by ``check_upload``) and fill the fields; the caller saves the row
        in its transaction, and deletes the stored file again if that fails."""
        self.original_name = checked.original_name
        self.content_type = checked.content_type
        self.size = checked.size
        self.sha256 = checked.sha256
        self.uploaded_by = by
        self.file.save(checked.original_name, upload, save=False)


def serve_file(file, *, filename: str, content_type: str, inline: bool = False) -> FileResponse:
    """A stored file, through the view that checked who may read it. A slash in ``filename`` (a document
    number such as 2026/00012-3) becomes a hyphen: a file name cannot hold one."""
    filename = filename.replace("/", "-").replace("\\", "-")
    response = FileResponse(file.open("rb"), as_attachment=not inline, filename=filename, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
