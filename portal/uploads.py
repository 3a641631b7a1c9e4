"""Uploads: limited in size while they arrive, then checked by their content before they are stored.

- ``SizeLimitedUploadHandler`` stops reading a file as soon as it passes ``MAX_UPLOAD_MB``.
- ``check_upload`` takes only the types in ALLOWED, and only when the first bytes (or, for DOCX and
  ODT, the ZIP members) show that the file is what its extension says. The browser's content type is
  never trusted: the one returned comes from ALLOWED.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.formats import number_format
from django.utils.translation import gettext as _

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


# --- Checking the content ----------------------------------------------------------------------

ALLOWED = {  # extension -> content type
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}

MAX_NAME_LENGTH = 255
MAX_ZIP_MEMBERS = 10_000
BYTES_PER_MB = 1024 * 1024

PDF_MAGIC = b"%PDF-"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
ZIP_MAGIC = b"PK\x03\x04"  # a ZIP that starts anywhere else (e.g. appended to an .exe) is refused
DOCX_MEMBERS = frozenset({"[Content_Types].xml", "word/document.xml"})
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"

# Errors a damaged or hostile ZIP can raise while it is opened or a member is read.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    RuntimeError,
    NotImplementedError,
)

# Characters dropped from a file name: control and format characters (which include the
# right-to-left override that makes "avtale\u202efdp.exe" look like a PDF), lone surrogates,
# and line and paragraph separators.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    sha256: str  # hex digest of the whole content
    original_name: str  # the user's file name, reduced to a safe base name


def check_upload(upload: UploadedFile, *, max_bytes: int | None = None) -> CheckedFile:
    """Return what the portal stores about an acceptable upload, or raise ValidationError.

    The upload is left rewound to its start, so it can be saved right after.
    """
    if max_bytes is None:
        max_bytes = max_upload_bytes()
    original_name = _safe_name(upload.name)
    dot, ext = original_name.rpartition(".")[1:]
    ext = ext.lower() if dot else ""
    try:
        if upload.size == 0:
            raise _empty()
        if upload.size is not None and upload.size > max_bytes:
            raise _too_large(upload.size, max_bytes)
        if ext not in ALLOWED:
            raise ValidationError(
                _("Denne filtypen er ikke tillatt. Tillatte filtyper er PDF, DOCX, ODT, PNG eller JPEG."),
                code="type_not_allowed",
            )
        if not _content_matches(upload, ext):
            raise ValidationError(
                _(
                    "Innholdet i filen stemmer ikke med filtypen .%(ext)s. "
                    "Last opp en ekte PDF-, DOCX-, ODT-, PNG- eller JPEG-fil."
                ),
                code="content_mismatch",
                params={"ext": ext},
            )
        size, sha256 = _measure(upload, max_bytes)
    finally:
        upload.seek(0)
    return CheckedFile(content_type=ALLOWED[ext], size=size, sha256=sha256, original_name=original_name)


def _safe_name(name: str | None) -> str:
    """The base name of what the user called the file: no folders, no control characters, at most 255 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    name = re.split(r"[/\\]", name)[-1].strip()
    if name in {".", ".."}:
        return ""
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and len(ext) < MAX_NAME_LENGTH - 1:
            name = f"{stem[: MAX_NAME_LENGTH - len(ext) - 1]}.{ext}"
        else:
            name = name[:MAX_NAME_LENGTH]
    return name


def _content_matches(upload: UploadedFile, ext: str) -> bool:
    upload.seek(0)
    head = upload.read(len(PNG_SIGNATURE))
    if ext == "pdf":
        return head.startswith(PDF_MAGIC)
    if ext == "png":
        return head == PNG_SIGNATURE
    if ext in {"jpg", "jpeg"}:
        return head.startswith(JPEG_MAGIC)
    if not head.startswith(ZIP_MAGIC):
        return False
    return _zip_matches(upload.file, ext)


def _zip_matches(file, ext: str) -> bool:
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            if len(archive.infolist()) > MAX_ZIP_MEMBERS:
                raise ValidationError(
                    _(
                        "Dokumentet består av for mange deler til å kunne kontrolleres. "
                        "Lagre det som PDF og prøv igjen."
                    ),
                    code="too_many_members",
                )
            if ext == "docx":
                return set(archive.namelist()) >= DOCX_MEMBERS
            # Read no more than the expected text plus one byte, so a huge "mimetype" is never inflated.
            with archive.open("mimetype") as member:
                return member.read(len(ODT_MIMETYPE) + 1) == ODT_MIMETYPE
    except KeyError:  # no "mimetype" member
        return False
    except ZIP_ERRORS:
        return False
    finally:
        file.seek(0)


def _measure(upload: UploadedFile, max_bytes: int) -> tuple[int, str]:
    """Size and SHA-256 of the content, read in chunks; stops as soon as the content is too large."""
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(size, max_bytes)
    if size == 0:
        raise _empty()
    return size, digest.hexdigest()


def _empty() -> ValidationError:
    return ValidationError(_("Filen er tom."), code="empty")


def _too_large(size: int, max_bytes: int) -> ValidationError:
    return ValidationError(
        _("Filen er for stor (%(size)s MB). Største tillatte størrelse er %(max)s MB."),
        code="too_large",
        # The size is rounded up and the limit down, so a file just over the limit never reads as equal to it.
        params={"size": _megabytes(size, ROUND_CEILING), "max": _megabytes(max_bytes, ROUND_FLOOR)},
    )


def _megabytes(n_bytes: int, rounding: str) -> str:
    """Bytes as MB the way the active language writes numbers: one decimal from 1 MB, else two significant digits."""
    value = Decimal(n_bytes) / BYTES_PER_MB
    if value == 0:
        return number_format(0)
    exponent = Decimal("0.1") if value >= 1 else Decimal(1).scaleb(value.adjusted() - 1)
    return number_format(value.quantize(exponent, rounding=rounding).normalize())
