"""The public journal (offentleglova §§ 10, 13, 28): open without login, the last week by default, a
screened name never shown on the page nor in offentligJournal.xml (valid against the Noark 5 schema,
with as many entries as the database), and a request for access that reaches IMDi as an incoming
journal entry of its own."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import time_machine
import xmlschema
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from grants.models import JournalEntry
from grants.services import journal
from portal.formats import OSLO
from tests.conftest import assert_constant_queries, login
from tests.grants.test_allocation_views import cheap_case

pytestmark = pytest.mark.django_db

SCHEMAS = Path(settings.BASE_DIR).parent / "shared" / "noark5" / "v5.0"
NS = {"j": "http://www.arkivverket.no/standarder/noark5/offentligJournal"}
PRIVATE_NAME = "Petra Privatperson"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(str(SCHEMAS / "offentligJournal.xsd"))


def journaled(cast, n: int = 1, *, title: str = "Brev til fylket") -> list[JournalEntry]:
    """``n`` outgoing entries, each in a case of its own (made straight in the database, quickly)."""
    entries = []
    for _ in range(n):
        case = cheap_case(cast)
        entries.append(
            journal.journal_register(
                case=case,
                source=f"test:{case.pk}",
                type=JournalEntry.Type.OUTGOING,
                title=title,
                party=journal.Party.of(case.application.organisation),
                document_date=timezone.localdate(),
            )
        )
    return entries


def request_access(client, entry, name=PRIVATE_NAME, **changes):
    data = {"name": name, "email": "petra@example.no", "message": "Jeg vil se brevet.", "website": "", **changes}
    return client.post(reverse("public_journal_request", args=[entry.pk]), data)


def page(response) -> str:
    return response.content.decode()


def test_the_public_journal_lists_the_last_week_without_login(client, cast):
    with time_machine.travel(dt.datetime.now(tz=OSLO) - dt.timedelta(days=10), tick=False):
        (old,) = journaled(cast, title="Gammelt brev")
    (new,) = journaled(cast, title="Nytt brev")
    response = client.get(reverse("public_journal"))
    assert response.status_code == 200
    text = page(response)
    assert new.document_number in text and new.folder.number in text and new.folder.public_title in text
    assert "Utgående dokument" in text and new.correspondent_name in text
    assert old.document_number not in text
    start = (timezone.localdate() - dt.timedelta(days=12)).isoformat()
    text = page(client.get(reverse("public_journal"), {"fra": start, "til": timezone.localdate().isoformat()}))
    assert old.document_number in text and new.document_number in text


def test_a_request_for_access_becomes_an_incoming_entry_with_the_name_screened(client, cast):
    (wanted,) = journaled(cast)
    response = request_access(client, wanted)
    assert response.status_code == 302 and response["Location"] == reverse("public_journal")
    request = JournalEntry.objects.get(requested_entry=wanted)
    assert (request.type, request.folder, request.access_code) == ("I", wanted.folder, "P")
    assert request.correspondent_screened and request.correspondent_name == PRIVATE_NAME
    assert request.correspondent_email == "petra@example.no" and request.note == "Jeg vil se brevet."
    assert request.legal_basis.startswith("offentleglova § 13")

    text = page(client.get(reverse("public_journal")))
    assert request.document_number in text and "Skjermet" in text
    assert PRIVATE_NAME not in text
    # IMDi reads the name on the case page.
    login(client, cast.caseworker)
    text = page(client.get(reverse("case_detail", args=[wanted.folder.case_id])))
    assert PRIVATE_NAME in text and request.document_number in text


def test_offentlig_journal_xml_is_valid_counts_as_the_database_and_never_names_the_screened(client, cast, schema):
    wanted, _other = journaled(cast, 2)
    request_access(client, wanted)
    response = client.get(reverse("public_journal_xml"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="offentligJournal.xml"'
    data = b"".join(response.streaming_content)
    schema.validate(io.BytesIO(data))
    document = xmlschema.XmlDocument(io.BytesIO(data), schema=schema)
    root = document.root
    registrations = root.findall("j:journalregistrering", NS)
    expected = JournalEntry.objects.public().filter(journal_date__gte=timezone.localdate() - dt.timedelta(days=6))
    assert len(registrations) == expected.count() == int(root.find("j:journalhode/j:antallJournalposter", NS).text)
    assert PRIVATE_NAME.encode() not in data
    screened = [r for r in registrations if r.find("j:journalpost/j:skjermingMetadata", NS) is not None]
    assert len(screened) == 1
    post = screened[0].find("j:journalpost", NS)
    assert post.find("j:tilgangsrestriksjon", NS).text == "P"
    assert post.find("j:korrespondansepart/j:korrespondansepartNavn", NS).text == "Skjermet"


def test_a_robot_that_fills_the_hidden_field_is_told_it_is_sent_and_nothing_is_journaled(client, cast):
    (wanted,) = journaled(cast)
    response = request_access(client, wanted, website="http://spam.example")
    assert response.status_code == 302
    assert not JournalEntry.objects.filter(requested_entry=wanted).exists()


def test_many_requests_from_one_address_are_refused_for_the_hour(client, cast):
    (wanted,) = journaled(cast)
    for _ in range(journal.ACCESS_REQUESTS_PER_HOUR):
        assert request_access(client, wanted).status_code == 302
    response = request_access(client, wanted)
    assert response.status_code == 200 and "Prøv igjen om en time" in page(response)
    assert JournalEntry.objects.filter(requested_entry=wanted).count() == journal.ACCESS_REQUESTS_PER_HOUR


@pytest.mark.parametrize(
    "query",
    [
        {"fra": "i går", "til": "x"},
        {"fra": "2026-02-30"},
        {"fra": "2026-03-01", "til": "2026-02-01"},
        {"fra": "2020-01-01", "til": "2026-01-01"},
        {"fra": "9999-01-01"},
        {"side": "abc"},
        {"fra": "\x00"},
    ],
)
def test_odd_periods_are_answered_in_words_not_with_a_server_error(client, cast, query):
    journaled(cast)
    response = client.get(reverse("public_journal"), query)
    assert response.status_code == 200
    assert client.get(reverse("public_journal_xml"), query).status_code in (200, 404)


def test_odd_requests_are_refused_in_words(client, cast):
    (wanted,) = journaled(cast)
    response = request_access(client, wanted, name="", email="ikke-en-adresse")
    assert response.status_code == 200
    assert "Skriv navnet ditt." in page(response) and "Skriv en gyldig e-postadresse" in page(response)
    assert request_access(client, wanted, name="x" * 5000).status_code == 200
    assert client.get(reverse("public_journal_request", args=[999999])).status_code == 404
    assert not JournalEntry.objects.filter(requested_entry=wanted).exists()


def test_a_period_without_entries_has_no_xml(client, cast):
    assert client.get(reverse("public_journal_xml")).status_code == 404
    assert "Ingen dokumenter er journalført i perioden." in page(client.get(reverse("public_journal")))


def test_internal_notes_not_to_be_journaled_are_not_public(client, cast):
    case = cheap_case(cast)
    note = journal.journal_register(
        case=case,
        source="test:x",
        type=JournalEntry.Type.NOTE,
        title="Notat",
        party=journal.Party(name="IMDi"),
    )
    assert note.document_number not in page(client.get(reverse("public_journal")))
    assert client.get(reverse("public_journal_request", args=[note.pk])).status_code == 404


def test_the_public_journal_keeps_its_query_count_as_entries_grow(client, cast):
    assert_constant_queries(client, reverse("public_journal"), lambda n: journaled(cast, n))
