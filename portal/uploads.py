"""Upload size is limited while the file is received, not after it has been written to disk."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

TOO_LARGE_ATTRIBUTE = "too_large_uploads"


def max_upload_bytes() -> int:
    return settings.MAX_UPLOAD_MB * 1024 * 1024


class SizeLimitedUploadHandler(FileUploadHandler):
    """Stops reading a file as soon as it passes ``MAX_UPLOAD_MB``: the file is dropped (the rest of
    its bytes are read and thrown away) and the request remembers the field, so the form can say
    why. A proxy in front should limit the body too (nginx ``client_max_body_size``)."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > max_upload_bytes():
            fields = getattr(self.request, TOO_LARGE_ATTRIBUTE, [])
            setattr(self.request, TOO_LARGE_ATTRIBUTE, [*fields, self.field_name])
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler makes the file


def too_large_fields(request) -> list[str]:
    return getattr(request, TOO_LARGE_ATTRIBUTE, [])
