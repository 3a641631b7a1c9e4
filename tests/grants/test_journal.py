"""The journal (arkivforskrifta, Noark 5): every stage of a case registers its document with the right
type, sender or recipient and access code, numbered in the case without gaps; a letter's "Vår
referanse" is its case and document number, and an answer writes off what it answers."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from grants import letters, services
from grants.archive.registry import PORTAL_PDF
from grants.models import Decision, JournalDocument, JournalEntry
from grants.services import intake, journal
from portal.uploads import check_upload
from reporting import casefile
from tests import factories as f
from tests.conftest import assert_constant_queries, login
from tests.grants import helpers_cases as h

pytestmark = pytest.mark.django_db

E = JournalEntry


def entry(source_prefix: str) -> JournalEntry:
    return JournalEntry.objects.select_related("folder").get(source__startswith=source_prefix)


def pdf_text(field) -> str:
    with field.open("rb") as handle:
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)
    return " ".join(text.replace("\u00a0", " ").split())


@pytest.fixture
def dismissal(cast):
    """County A's application dismissed by an approved decision whose letter is issued."""
    decision = h.decided(cast, kind=Decision.Kind.DISMISSAL)
    h.issued(decision)
    return Decision.objects.select_related("case__application", "letter").get(pk=decision.pk)


def test_a_submission_is_incoming_from_the_county_with_its_agreements_and_receipt(cast):
    case = h.submitted_case(cast)
    submission = case.application.submissions.get()
    incoming = entry("submission:")
    assert (incoming.type, incoming.correspondent, incoming.access_code) == (E.Type.INCOMING, cast.county_a, "")
    assert incoming.correspondent_name == cast.county_a.name and not incoming.correspondent_screened
    assert incoming.document_date == timezone.localdate(submission.confirmed_at)
    assert incoming.journal_date == timezone.localdate()
    assert incoming.document_number == f"{case.folder.number}-1"
    documents = list(incoming.documents.order_by("number"))
    agreements = list(case.application.agreements.order_by("id"))
    assert [d.sha256 for d in documents if d.role == JournalDocument.Role.ATTACHMENT] == [a.sha256 for a in agreements]
    receipt = [d for d in documents if d.file.name == submission.receipt.name]
    assert len(receipt) == 1 and receipt[0].sha256 == submission.receipt_sha256


def test_the_receipt_is_outgoing_to_the_county_dispatched_in_an_archival_format(cast):
    case = h.submitted_case(cast)
    submission = case.application.submissions.get()
    outgoing = entry("receipt:")
    assert (outgoing.type, outgoing.correspondent, outgoing.access_code) == (E.Type.OUTGOING, cast.county_a, "")
    assert outgoing.status == E.Status.DISPATCHED
    (document,) = outgoing.documents.all()
    assert (document.format, document.archival, document.role) == (PORTAL_PDF, True, JournalDocument.Role.MAIN)
    assert document.sha256 == submission.receipt_sha256
    assert document.size == submission.receipt.size


def test_the_assessment_and_the_proposal_are_internal_and_screened(cast):
    case = h.submitted_case(cast)
    decision = h.proposed(cast, case, kind=Decision.Kind.DISMISSAL)
    assessment, proposal = entry("assessment:"), entry(f"proposal:{decision.pk}")
    for internal in (assessment, proposal):
        assert (internal.type, internal.access_code) == (E.Type.INTERNAL, E.AccessCode.INTERNAL)
        assert internal.legal_basis == "offentleglova § 14 første ledd"
        assert internal.correspondent == cast.imdi and internal.caseworker == cast.caseworker
    assert [assessment.number, proposal.number] == [4, 5]  # after the submission, the receipt and the declaration (X)


def test_the_dismissal_letter_is_outgoing_its_reference_is_the_document_number_and_it_answers(cast, dismissal):
    letter = dismissal.letter
    outgoing = entry(f"decision-letter:{dismissal.pk}")
    assert (outgoing.type, outgoing.correspondent, outgoing.access_code) == (E.Type.OUTGOING, cast.county_a, "")
    assert letter.reference == outgoing.document_number == f"{dismissal.case.folder.number}-6"  # X before it
    assert outgoing.status == E.Status.DISPATCHED
    (document,) = outgoing.documents.all()
    assert document.sha256 == letter.sha256 and document.file.name == letter.file.name
    assert f"Vår referanse {letter.reference}" in pdf_text(letter.file)
    application = entry("submission:")
    assert application.status == E.Status.WRITTEN_OFF
    assert (application.written_off, application.written_off_by) == (E.WriteOff.REPLIED, outgoing)
    assert application.written_off_on == timezone.localdate()


def test_an_appeal_filed_in_the_portal_is_incoming_with_its_attachments(cast, dismissal):
    upload = f.pdf_upload("klage-vedlegg.pdf")
    appeal = services.appeal_file(
        actor=f.actor_for(cast.staff_a),
        decision_id=dismissal.pk,
        reasons="Søknaden kom inn i tide.",
        files=[(upload, check_upload(upload))],
    )
    incoming = entry(f"appeal:{appeal.pk}")
    assert (incoming.type, incoming.correspondent, incoming.access_code) == (E.Type.INCOMING, cast.county_a, "")
    assert [d.sha256 for d in incoming.documents.all()] == [appeal.attachments.get().sha256]


def test_forwarding_goes_to_the_ministry_and_answers_the_appeal(client, cast, dismissal):
    appeal = services.appeal_file(actor=f.actor_for(cast.staff_a), decision_id=dismissal.pk, reasons="Vi klager.")
    login(client, cast.caseworker)
    response = client.post(reverse("appeal_forward", args=[appeal.pk]), {"cover_note": "IMDi står ved vedtaket."})
    assert response.status_code == 302
    letter = appeal.letters.get()
    forwarding = entry(f"appeal-letter:{appeal.pk}:")
    assert (forwarding.type, forwarding.correspondent) == (E.Type.OUTGOING, cast.ministry)
    assert letter.reference == forwarding.document_number
    assert entry(f"appeal:{appeal.pk}").written_off_by == forwarding


def test_dismissing_an_appeal_is_an_outgoing_letter_to_the_county(cast, dismissal):
    appeal = services.appeal_file(actor=f.actor_for(cast.staff_a), decision_id=dismissal.pk, reasons="Vi klager.")
    services.appeal_dismiss(actor=f.actor_for(cast.caseworker), appeal_id=appeal.pk, reason="Klagen kom for sent.")
    letter = appeal.letters.get()
    outgoing = entry(f"appeal-letter:{appeal.pk}:")
    assert (outgoing.type, outgoing.correspondent, outgoing.access_code) == (E.Type.OUTGOING, cast.county_a, "")
    assert letter.reference == outgoing.document_number


def received(name: str, **changes) -> intake.Received:
    upload = f.pdf_upload(name)
    fields = {"channel": "post", "received_on": timezone.localdate(), "upload": upload, "checked": check_upload(upload)}
    return intake.Received(**{**fields, **changes})


def test_a_paper_application_is_incoming_with_the_document_received_as_its_main_document(cast):
    call = f.make_call(cast.scheme, eligible=[cast.county_a, cast.county_b])
    dated = timezone.localdate().replace(day=1)
    application = intake.application_register(
        actor=f.actor_for(cast.caseworker),
        call=call,
        organisation=cast.county_b,
        received=received("soknad.pdf", dated=dated),
        title="Fagbrev",
        budget={call.cost_categories.first(): 1000},
    )
    incoming = JournalEntry.objects.get(folder__case__application=application, type=E.Type.INCOMING)
    assert (incoming.correspondent, incoming.document_date) == (cast.county_b, dated)
    main = incoming.documents.get(role=JournalDocument.Role.MAIN)
    assert main.sha256 == application.incoming_documents.get().sha256
    assert main.format == "PDF" and main.archival is False  # an upload keeps its own format, marked


def test_a_paper_appeal_is_incoming_with_the_document_received(cast, dismissal):
    appeal = intake.appeal_register(
        actor=f.actor_for(cast.caseworker),
        decision_id=dismissal.pk,
        received=received("klage.pdf"),
        reasons="Klage per post.",
    )
    incoming = entry(f"appeal:{appeal.pk}")
    assert (incoming.type, incoming.correspondent) == (E.Type.INCOMING, cast.county_a)
    assert incoming.documents.get().original_name == "klage.pdf"


def test_numbers_in_a_case_and_in_the_year_have_no_gaps(cast, dismissal):
    other = h.submitted_case(cast, organisation=cast.county_b)
    numbers = list(JournalEntry.objects.filter(folder__case=dismissal.case).values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    assert list(JournalEntry.objects.filter(folder__case=other).values_list("number", flat=True)) == [1, 2]
    sequences = sorted(JournalEntry.objects.values_list("journal_sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1))


def test_registering_twice_keeps_one_entry(cast, dismissal):
    letters.letter_issue(dismissal.letter.pk)
    assert JournalEntry.objects.filter(source=f"decision-letter:{dismissal.pk}").count() == 1
    assert JournalDocument.objects.filter(entry__source=f"decision-letter:{dismissal.pk}").count() == 1


def test_the_auditors_case_file_includes_the_case_journal(cast, dismissal):
    result = casefile.build(casefile.load_case(dismissal.case.pk))
    with zipfile.ZipFile(result.file) as archive:
        assert "journal.csv" in archive.namelist()
        rows = list(csv.reader(io.StringIO(archive.read("journal.csv").decode("utf-8-sig")), delimiter=";"))
        manifest = archive.read("MANIFEST.txt").decode()
    entries = list(JournalEntry.objects.filter(folder__case=dismissal.case).order_by("number"))
    assert [row[0] for row in rows[1:]] == [entry.document_number for entry in entries]
    letter = next(row for row in rows if row[0] == dismissal.letter.reference)
    assert letter[3] == "U Utgående dokument" and dismissal.letter.sha256 in letter[-1]
    assert "journal.csv" in manifest


def test_the_case_page_shows_imdi_the_case_journal(client, cast, dismissal):
    login(client, cast.auditor)
    text = client.get(reverse("case_detail", args=[dismissal.case.pk])).content.decode()
    assert f"Saksnummer {dismissal.case.folder.number}" in text
    for entry in JournalEntry.objects.filter(folder__case=dismissal.case):
        assert entry.document_number in text
    assert "offentleglova § 14 første ledd" in text  # the internal notes' access code


def test_the_case_page_keeps_its_query_count_as_the_journal_grows(client, cast, dismissal):
    case = dismissal.case
    login(client, cast.caseworker)
    added = iter(range(1000))

    def add_rows(n):
        for _ in range(n):
            number = next(added)
            journal.journal_register(
                case=case,
                source=f"test:{number}",
                type=E.Type.INCOMING,
                title=f"Brev {number}",
                party=journal.Party.of(cast.county_a),
                documents=[journal.Doc(file=dismissal.letter.file, sha256=dismissal.letter.sha256, title="Kopi")],
            )

    assert_constant_queries(client, reverse("case_detail", args=[case.pk]), add_rows)


def test_a_declaration_is_a_note_not_to_be_journaled_with_the_conflicts_reason(cast):
    case = h.impartial(cast, h.assigned(cast, h.submitted_case(cast)))
    note = entry("declaration:")
    assert (note.type, note.access_code, note.caseworker) == (E.Type.NOTE, E.AccessCode.INTERNAL, cast.caseworker)
    assert note.title == f"Habilitetserklæring: {cast.caseworker.full_name} er ikke inhabil"
    assert note.folder.case == case and not note.documents.exists()
    services.case_declare(
        actor=f.actor_for(cast.caseworker2), case_id=case.pk, disqualified=True, reason="Søsteren min er prosjektleder."
    )
    conflict = JournalEntry.objects.filter(source__startswith="declaration:").exclude(pk=note.pk).get()
    assert conflict.type == E.Type.NOTE and conflict.note == "Søsteren min er prosjektleder."
    assert conflict.title == f"Habilitetserklæring: {cast.caseworker2.full_name} er inhabil"
    assert not JournalEntry.objects.public().filter(source__startswith="declaration:").exists()
