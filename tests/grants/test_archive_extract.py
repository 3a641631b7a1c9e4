"""The Noark 5 v5.0 archive extract: every XML file valid against the National Archives' schemas,
counts equal to the database (as many saksmapper as cases, journal entries as entries, document objects
as documents), every checksum the file's SHA-256, no file missing, and the same extract when run twice."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from xml.etree import ElementTree

import pytest
import xmlschema
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from bench import archive_extract as bench_archive
from grants.archive import jobs
from grants.archive.extract import ExtractError, archive_extract
from grants.models import ArchiveExtractJob, Case, CaseFolder, Decision, JournalDocument, JournalEntry
from portal.models import AuditEvent
from tests import factories as f
from tests.conftest import login
from tests.grants import helpers_cases as h
from tests.grants.test_allocation_views import cheap_case
from tests.grants.test_journal_backfill import forget_archive

pytestmark = pytest.mark.django_db

NOARK = Path(settings.BASE_DIR).parent / "shared" / "noark5"
A = "{http://www.arkivverket.no/standarder/noark5/arkivstruktur}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
SCHEMAS = {
    "arkivstruktur.xml": NOARK / "v5.0" / "arkivstruktur.xsd",
    "loependeJournal.xml": NOARK / "v5.0" / "loependeJournal.xsd",
    "offentligJournal.xml": NOARK / "v5.0" / "offentligJournal.xsd",
    "endringslogg.xml": NOARK / "v5.0" / "endringslogg.xsd",
    "arkivuttrekk.xml": NOARK / "addml.xsd",
}


@pytest.fixture(scope="module")
def schemas():
    return {name: xmlschema.XMLSchema(str(path)) for name, path in SCHEMAS.items()}


@pytest.fixture
def archive(cast):
    """A dismissal with its letter and an appeal with an attachment, a second county's submitted case,
    and a case numbered before the archive had a journal (no entries)."""
    cast.scheme.archive_code = "223.1"
    cast.scheme.save()
    decision = h.decided(cast, kind=Decision.Kind.DISMISSAL)
    h.issued(decision)
    upload = f.pdf_upload("klage.pdf")
    from grants import services
    from portal.uploads import check_upload

    services.appeal_file(
        actor=f.actor_for(cast.staff_a),
        decision_id=decision.pk,
        reasons="Vi klager.",
        files=[(upload, check_upload(upload))],
    )
    h.submitted_case(cast, organisation=cast.county_b)
    from grants.services.journal import case_folder_open

    case_folder_open(cheap_case(cast))
    return cast.scheme


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_extract_is_valid_and_says_what_the_database_says(archive, tmp_path, schemas):
    year = CaseFolder.objects.first().year
    extract = archive_extract(scheme=archive, first_year=year, last_year=year, out=tmp_path)
    for name, schema in schemas.items():
        schema.validate(str(tmp_path / name))

    folders = CaseFolder.objects.filter(case__call__scheme=archive)
    entries = JournalEntry.objects.filter(folder__in=folders)
    documents = JournalDocument.objects.filter(entry__in=entries)
    root = ElementTree.parse(tmp_path / "arkivstruktur.xml").getroot()
    saksmapper = [m for m in root.iter(f"{A}mappe") if m.get(XSI_TYPE) == "saksmappe"]
    journalposter = [r for r in root.iter(f"{A}registrering") if r.get(XSI_TYPE) == "journalpost"]
    objects = list(root.iter(f"{A}dokumentobjekt"))
    assert len(saksmapper) == folders.count() == extract.folders == 3
    assert len(journalposter) == entries.count() == extract.entries
    assert len(objects) == documents.count() == extract.documents > 0
    assert {m.findtext(f"{A}mappeID") for m in saksmapper} == {folder.number for folder in folders}

    for obj in objects:
        path = tmp_path / obj.findtext(f"{A}referanseDokumentfil")
        assert path.exists()
        assert obj.findtext(f"{A}sjekksumAlgoritme") == "SHA256"
        assert obj.findtext(f"{A}sjekksum") == sha256(path)
        assert int(obj.findtext(f"{A}filstoerrelse")) == path.stat().st_size
    assert {o.findtext(f"{A}sjekksum") for o in objects} == set(documents.values_list("sha256", flat=True))


def test_the_addml_lists_every_file_with_its_checksum(archive, tmp_path):
    year = CaseFolder.objects.first().year
    archive_extract(scheme=archive, first_year=year, last_year=year, out=tmp_path)
    text = (tmp_path / "arkivuttrekk.xml").read_text(encoding="utf-8")
    on_disk = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "arkivuttrekk.xml"]
    assert len(on_disk) == JournalDocument.objects.count() + 4
    for path in on_disk:
        assert str(path.relative_to(tmp_path)) in text
        assert sha256(path) in text
    assert not list(tmp_path.rglob("*.part"))


def test_the_public_journal_of_the_extract_never_names_a_screened_person(archive, tmp_path, client):
    from grants.services import journal

    wanted = JournalEntry.objects.filter(type="U").first()
    journal.access_request_register(
        entry_id=wanted.pk, name="Petra Privatperson", email="p@example.no", message="", client_key="t"
    )
    year = CaseFolder.objects.first().year
    archive_extract(scheme=archive, first_year=year, last_year=year, out=tmp_path)
    assert b"Petra Privatperson" not in (tmp_path / "offentligJournal.xml").read_bytes()
    assert b"Petra Privatperson" in (tmp_path / "loependeJournal.xml").read_bytes()  # the archive keeps it


def test_running_twice_gives_the_same_extract(archive, tmp_path):
    year = CaseFolder.objects.first().year
    archive_extract(scheme=archive, first_year=year, last_year=year, out=tmp_path)
    first = {p.relative_to(tmp_path): sha256(p) for p in tmp_path.rglob("*") if p.is_file()}
    archive_extract(scheme=archive, first_year=year, last_year=year, out=tmp_path)
    second = {p.relative_to(tmp_path): sha256(p) for p in tmp_path.rglob("*") if p.is_file()}
    assert first == second


def test_a_changed_document_stops_the_extract(archive, tmp_path):
    document = JournalDocument.objects.first()
    with document.file.open("wb") as handle:
        handle.write(b"endret")
    year = CaseFolder.objects.first().year
    with pytest.raises(ExtractError, match="SHA-256"):
        archive_extract(scheme=archive, first_year=year, last_year=year, out=tmp_path)


def test_the_command_writes_the_extract_and_refuses_odd_arguments(archive, tmp_path):
    year = CaseFolder.objects.first().year
    out = io.StringIO()
    call_command("archive_extract", "--scheme", archive.code, "--years", f"{year}-{year}", str(tmp_path), stdout=out)
    assert "3 saksmapper" in out.getvalue()
    assert (tmp_path / "arkivstruktur.xml").exists()
    for years in ("20x5", "2026-2025"):
        with pytest.raises(CommandError):
            call_command("archive_extract", "--scheme", archive.code, "--years", years, str(tmp_path))
    with pytest.raises(CommandError):
        call_command("archive_extract", "--scheme", "finnes-ikke", "--years", "2025", str(tmp_path))


def test_an_admin_orders_an_extract_that_is_written_in_the_background(
    client, cast, archive, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.VAR_DIR = tmp_path
    year = CaseFolder.objects.first().year
    login(client, cast.admin)
    assert client.get(reverse("archive_extracts")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("archive_extracts"), {"scheme": archive.pk, "first_year": year, "last_year": year}
        )
    assert response.status_code == 302
    job = ArchiveExtractJob.objects.get()
    assert (job.status, job.requested_by, job.folders) == (ArchiveExtractJob.Status.DONE, cast.admin, 3)
    assert (Path(job.directory) / "arkivstruktur.xml").exists()
    assert AuditEvent.objects.filter(action="archive.extract_ordered").count() == 1
    text = client.get(reverse("archive_extracts")).content.decode()
    assert "3 saksmapper" in text and job.directory in text
    # The job is claimed: a second run of the task writes nothing again.
    assert jobs.extract_job_run(job.pk) is False


def test_only_admins_order_extracts_and_odd_years_are_refused_in_words(client, cast, archive):
    login(client, cast.caseworker)
    assert client.post(reverse("archive_extracts"), {}).status_code == 403
    login(client, cast.admin)
    response = client.post(reverse("archive_extracts"), {"scheme": archive.pk, "first_year": 2026, "last_year": 2025})
    assert (
        response.status_code == 200
        and "Til-året må være samme år som eller etter fra-året." in response.content.decode()
    )
    response = client.post(reverse("archive_extracts"), {"scheme": "x", "first_year": "y", "last_year": "99999"})
    assert response.status_code == 200
    assert not ArchiveExtractJob.objects.exists()


def test_a_declaration_is_a_note_kept_in_arkivstruktur_and_left_out_of_both_journals(archive, tmp_path, client):
    note = JournalEntry.objects.get(type=JournalEntry.Type.NOTE)  # the caseworker's declaration of impartiality
    year = CaseFolder.objects.first().year
    extract = archive_extract(scheme=archive, first_year=year, last_year=year, out=tmp_path)
    root = ElementTree.parse(tmp_path / "arkivstruktur.xml").getroot()
    kept = [r for r in root.iter(f"{A}registrering") if r.findtext(f"{A}systemID") == str(note.system_id)]
    assert len(kept) == 1 and kept[0].findtext(f"{A}journalposttype") == "Organinternt dokument uten oppfølging"
    assert extract.entries == JournalEntry.objects.count()
    for name in ("loependeJournal.xml", "offentligJournal.xml"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert str(note.system_id) not in text and note.title not in text
        count = JournalEntry.objects.exclude(type=JournalEntry.Type.NOTE).count()
        assert f"<antallJournalposter>{count}</antallJournalposter>" in text
    text = client.get(reverse("public_journal")).content.decode()
    assert note.document_number not in text and "Habilitetserklæring" not in text
    assert JournalEntry.objects.exclude(type=JournalEntry.Type.NOTE).first().document_number in text


def test_the_bench_step_journals_the_cases_it_finds_without_an_archive_and_extracts_them_all(cast):
    """``make bench``'s archive extract (bench/archive_extract.py) on a tiny data set, so it cannot rot:
    cases as the bench seeds them (no case folder, no journal) get both, and one extract holds them all."""
    decision = h.decided(cast, kind=Decision.Kind.DISMISSAL)
    h.issued(decision)
    h.submitted_case(cast, organisation=cast.county_b)
    forget_archive()
    (row,) = bench_archive.measure()
    assert row["cases"] == Case.objects.count() == row["folders"] == CaseFolder.objects.count() == 2
    assert row["seeded"]["folders"] == 2 and row["seeded"]["entries"] == row["entries"] == JournalEntry.objects.count()
    sources = set(JournalEntry.objects.values_list("source", flat=True))
    assert {s.split(":")[0] for s in sources} >= {"submission", "receipt", "assessment", "proposal", "decision-letter"}
    assert row["documents"] == JournalDocument.objects.count() == row["seeded"]["documents"] > 0
    for document in JournalDocument.objects.all():
        assert document.size == document.file.size
    assert row["memory"] == "tracemalloc" and row["extract_s"] > 0 and row["peak_mb"] > 0
    notes = bench_archive.table_notes([row])
    assert "2 cases" in notes[0] and "goal < 60 s and < 200 MB" in notes[-1]
