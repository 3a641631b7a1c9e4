"""Letters and receipts are PDF/A-2b (arkivforskrifta): their XMP metadata declares part 2 and
conformance B, their fonts are embedded, and the journal records the archival format."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from grants.archive.registry import PORTAL_PDF
from grants.models import Decision, JournalDocument
from tests.grants import helpers_cases as h

pytestmark = pytest.mark.django_db


def embedded(font) -> bool:
    """The font's program is in the file (a composite font's, in its descendant)."""
    if "/DescendantFonts" in font:
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    descriptor = descriptor.get_object() if descriptor is not None else {}
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def pdfa_id(field) -> dict[str, str]:
    """The PDF/A identification (part, conformance) the file's XMP metadata declares."""
    with field.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    metadata = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    found = dict(re.findall(r"pdfaid:(part|conformance)(?:>|=\")([^<\"]+)", metadata))
    fonts = [font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()]
    found["fonts_embedded"] = str(bool(fonts) and all(embedded(font) for font in fonts))
    return found


def test_the_receipt_and_the_letter_are_pdf_a_2b_and_journaled_as_such(cast):
    decision = h.decided(cast, kind=Decision.Kind.DISMISSAL)
    letter = h.issued(decision)
    submission = decision.case.application.submissions.get()
    for field in (submission.receipt, letter.file):
        assert pdfa_id(field) == {"part": "2", "conformance": "B", "fonts_embedded": "True"}
    for name in (submission.receipt.name, letter.file.name):
        document = JournalDocument.objects.filter(file=name).first()
        assert (document.format, document.archival) == (PORTAL_PDF, True) == ("PDF/A-2b", True)
