"""Uploaded files are taken only when their content matches their name; see portal/uploads.py."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from portal.uploads import check_upload, max_upload_bytes

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"
ACCEPTED_TYPES = "Tillatte filtyper er PDF, DOCX, ODT, PNG eller JPEG."


@pytest.fixture(autouse=True)
def bokmal():
    with translation.override("nb"):
        yield


def image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buffer, fmt)
    return buffer.getvalue()


def zip_of(members: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx() -> bytes:
    return zip_of({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})


def odt(mimetype: str = ODT_MIMETYPE) -> bytes:
    return zip_of({"mimetype": mimetype, "content.xml": "<office:document-content/>"})


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def refusal(file: SimpleUploadedFile, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check_upload(file, **kwargs)
    return caught.value


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("søknad.pdf", PDF, "application/pdf"),
        ("kart.png", image("PNG"), "image/png"),
        ("foto.jpg", image("JPEG"), "image/jpeg"),
        ("foto.jpeg", image("JPEG"), "image/jpeg"),
        ("budsjett.docx", docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("plan.odt", odt(), "application/vnd.oasis.opendocument.text"),
    ],
)
def test_each_accepted_type_gives_its_content_type_size_and_sha256(name, content, content_type):
    checked = check_upload(upload(name, content))

    assert checked.content_type == content_type
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.original_name == name


def test_uppercase_extension_is_accepted_and_the_name_kept_as_written():
    checked = check_upload(upload("SØKNAD.PDF", PDF))

    assert checked.content_type == "application/pdf"
    assert checked.original_name == "SØKNAD.PDF"


def test_content_type_claimed_by_the_browser_is_ignored():
    checked = check_upload(upload("søknad.pdf", PDF, content_type="application/x-msdownload"))

    assert checked.content_type == "application/pdf"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("søknad.pdf", b"Dette er bare tekst, ikke en PDF.\n"),
        ("søknad.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64),
        ("søknad.pdf", image("PNG")),
        ("kart.png", image("JPEG")),
        ("foto.jpg", image("PNG")),
        ("budsjett.docx", zip_of({"[Content_Types].xml": "<Types/>", "word/other.xml": "<x/>"})),
        ("budsjett.docx", odt()),
        ("budsjett.docx", b"PK\x03\x04 this is not really a zip archive"),
        ("budsjett.docx", b"MZ\x90\x00" + docx()),
        ("plan.odt", odt("application/vnd.oasis.opendocument.spreadsheet")),
        ("plan.odt", zip_of({"content.xml": "<office:document-content/>"})),
        ("plan.odt", docx()),
    ],
    ids=[
        "text-named-pdf",
        "exe-named-pdf",
        "png-named-pdf",
        "jpeg-named-png",
        "png-named-jpg",
        "zip-without-word-document-named-docx",
        "odt-named-docx",
        "broken-zip-named-docx",
        "exe-with-zip-appended-named-docx",
        "spreadsheet-named-odt",
        "zip-without-mimetype-named-odt",
        "docx-named-odt",
    ],
)
def test_content_that_does_not_match_the_extension_is_refused(name, content):
    error = refusal(upload(name, content))

    ext = name.rpartition(".")[2]
    assert error.code == "content_mismatch"
    assert error.messages == [
        f"Innholdet i filen stemmer ikke med filtypen .{ext}. Last opp en ekte PDF-, DOCX-, ODT-, PNG- eller JPEG-fil."
    ]


@pytest.mark.parametrize("name", ["program.exe", "notat.txt", "søknad", "søknad.pdf.exe"])
def test_extension_not_allowed_is_refused_with_the_accepted_types(name):
    error = refusal(upload(name, b"MZ\x90\x00\x03\x00\x00\x00"))

    assert error.code == "type_not_allowed"
    assert ACCEPTED_TYPES in error.messages[0]


def test_empty_file_is_refused():
    error = refusal(upload("søknad.pdf", b""))

    assert error.code == "empty"
    assert error.messages == ["Filen er tom."]


def test_file_over_max_bytes_is_refused_naming_the_limit_in_mb():
    error = refusal(upload("søknad.pdf", b"%PDF-1.4\n%%EOF"), max_bytes=10)

    assert error.code == "too_large"
    assert "Største tillatte størrelse er 0,0000095 MB." in error.messages[0]


def test_file_of_exactly_max_bytes_is_accepted():
    checked = check_upload(upload("søknad.pdf", PDF), max_bytes=len(PDF))

    assert checked.size == len(PDF)


def test_default_limit_is_max_upload_mb_from_settings(settings):
    settings.MAX_UPLOAD_MB = 1
    content = b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1 - 9)

    error = refusal(upload("søknad.pdf", content))

    assert max_upload_bytes() == 1024 * 1024
    assert error.messages == ["Filen er for stor (1,1 MB). Største tillatte størrelse er 1 MB."]


class Unreadable(io.BytesIO):
    def read(self, *args):
        raise AssertionError("the content was read")


def test_oversized_upload_is_refused_from_its_size_without_reading_it():
    file = upload("søknad.pdf", PDF)
    file.file = Unreadable(PDF)
    file.size = 30 * 1024 * 1024

    error = refusal(file, max_bytes=25 * 1024 * 1024)

    assert error.messages == ["Filen er for stor (30 MB). Største tillatte størrelse er 25 MB."]


def test_content_larger_than_the_reported_size_is_refused():
    file = upload("søknad.pdf", PDF)
    file.size = 5

    error = refusal(file, max_bytes=10)

    assert error.code == "too_large"


def test_docx_with_more_than_ten_thousand_members_is_refused():
    members = {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"}
    members.update({f"word/media/{n}.xml": "" for n in range(10_000)})

    error = refusal(upload("budsjett.docx", zip_of(members)))

    assert error.code == "too_many_members"
    assert error.messages == [
        "Dokumentet består av for mange deler til å kunne kontrolleres. Lagre det som PDF og prøv igjen."
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/avtale.pdf", "avtale.pdf"),
        ("C:\\Users\\kari\\Dokumenter\\avtale.pdf", "avtale.pdf"),
        ("av\x00ta\x1ble\n.pdf", "avtale.pdf"),
        ("avtale\u202efdp.pdf", "avtalefdp.pdf"),
        ("  avtale.pdf  ", "avtale.pdf"),
        ("sokna\u0308d.pdf", "soknäd.pdf"),
    ],
    ids=["posix-path", "windows-path", "control-characters", "right-to-left-override", "spaces", "decomposed-letters"],
)
def test_original_name_is_reduced_to_a_safe_base_name(name, expected):
    checked = check_upload(upload(name, PDF))

    assert checked.original_name == expected


def test_long_original_name_is_cut_to_255_characters_keeping_the_extension():
    checked = check_upload(upload("å" * 300 + ".pdf", PDF))

    assert len(checked.original_name) == 255
    assert checked.original_name.endswith("å.pdf")


@pytest.mark.parametrize(("name", "content"), [("søknad.pdf", PDF), ("budsjett.docx", docx()), ("plan.odt", odt())])
def test_accepted_upload_reads_from_the_start_after_the_check(name, content):
    file = upload(name, content)

    check_upload(file)

    assert file.read() == content


@pytest.mark.parametrize(("name", "content"), [("søknad.pdf", b"bare tekst"), ("budsjett.docx", zip_of({"a": "b"}))])
def test_refused_upload_reads_from_the_start_after_the_check(name, content):
    file = upload(name, content)

    refusal(file)

    assert file.read() == content
