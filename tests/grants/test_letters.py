"""The decision letter: one PDF per approved decision, stored with its SHA-256, in the county's written
standard, with the appeal text its kind requires; never a fetched URL. (Issuing it once, the one e-mail
to the county and the sweep: tests/grants/test_letter_issuing.py.)"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from django.utils.translation import gettext
from pypdf import PdfReader

from grants import letters, services
from grants.models import Decision, Letter
from portal import pdf
from portal.formats import OSLO, kr
from portal.pdf import StaticFilesOnly
from tests.grants import helpers_cases as h
from tests.grants.helpers_letters import long_date

pytestmark = pytest.mark.django_db

Status = Letter.Status
Kind = Decision.Kind

# Issue 12: a grant or a rejection is not an enkeltvedtak (§ 2), so no appeal lies (§§ 3 første ledd and 28);
# the control reservation is in the second paragraph of § 10. (The exact sentences in both written
# standards: tests/grants/test_letter_texts.py.)
NO_APPEAL = (
    "Avgjørelsen er ikke et enkeltvedtak, jf. forvaltningsloven § 2. "
    "Dere kan derfor ikke klage, jf. forvaltningsloven §§ 3 første ledd og 28."
)
CONTROL = (
    "IMDi og Riksrevisjonen kan kontrollere at midlene brukes etter forutsetningene, jf. bevilgningsreglementet "
    "§ 10 andre ledd og riksrevisjonsloven § 12 tredje ledd."
)
APPEAL_WITHIN = (
    "Dere kan klage på vedtaket innen tre uker fra dere mottok dette brevet, jf. forvaltningsloven §§ 28 og 29."
)
APPEAL_BODY = "Arbeids- og inkluderingsdepartementet er klageinstans. Klagen sender dere til IMDi gjennom portalen"
ACCEPT = "velg «Aksepter tilskuddet»"


def flat(text: str) -> str:
    """Whitespace (also non-breaking spaces and line breaks) as single spaces."""
    return " ".join(text.replace("\u00a0", " ").split())


def pdf_pages(data: bytes) -> list[str]:
    return [flat(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def stored_bytes(letter: Letter) -> bytes:
    with letter.file.open("rb") as stored:
        return stored.read()


def letter_files() -> set[str]:
    return set(default_storage.listdir("brev")[1]) if default_storage.exists("brev") else set()


def norwegian_date(moment) -> str:
    day = timezone.localtime(moment, OSLO).date() if isinstance(moment, dt.datetime) else moment
    return long_date(day)


def decided_for_b(cast, *, kind=Kind.GRANT, amount="1000000", call=None) -> Decision:
    """County B (bokmål) applied and IMDi decided; the letter is pending."""
    case = h.submitted_case(cast, organisation=cast.county_b, call=call)
    mail.outbox.clear()  # the receipt's e-mail
    return h.decided(cast, case, kind=kind, amount=amount)


def issue(decision: Decision) -> Letter:
    letters.letter_issue(decision.letter.pk)
    return Letter.objects.get(pk=decision.letter.pk)


# --- What the letter says ---------------------------------------------------------------------


def test_grant_letter_holds_the_amounts_the_terms_and_no_right_to_appeal(cast):
    decision = decided_for_b(cast, amount="1000000")

    letter = issue(decision)

    assert letter.status == Status.READY
    assert letter.attempts == 1 and letter.last_error == ""
    assert letter.issued_at is not None
    assert letter.file.name.startswith("brev/")
    data = stored_bytes(letter)
    assert data.startswith(b"%PDF-")
    assert hashlib.sha256(data).hexdigest() == letter.sha256
    pages = pdf_pages(data)
    assert len(pages) >= 2
    catalog = PdfReader(io.BytesIO(data)).trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in catalog  # tagged: a screen reader can follow it
    assert catalog["/Lang"] == "nb"
    text = " ".join(pages)
    application = decision.case.application
    assert "Tilskuddsbrev" in text
    assert f"Vår referanse {letter.reference}" in text
    assert f"Deres referanse {application.reference}" not in text  # IMDi's own number is not theirs
    assert f"Vår dato {timezone.localtime(letter.issued_at, OSLO):%d.%m.%Y}" in text
    assert cast.imdi.name in text and cast.imdi.orgnr in text and cast.imdi.letter_email in text
    assert cast.county_b.name in text  # the addressee (the letterhead prints no addressee org.nr.)
    # Partial grant: what was applied for, what is granted, per category and in total.
    assert flat(f"Dere søkte om {kr(Decimal('1250000'))} og får et tilskudd på {kr(Decimal('1000000'))}") in text
    assert flat(f"Drift av samarbeidet {kr(Decimal('250000'))} {kr(Decimal('0'))}") in text
    assert flat(f"Lærerressurser {kr(Decimal('1000000'))} {kr(Decimal('1000000'))}") in text
    assert flat(f"Sum {kr(Decimal('1250000'))} {kr(Decimal('1000000'))}") in text
    for reason in h.REASONS.values():
        assert reason in text
    assert "Tilskuddet skal brukes til klassen i 2025." in text
    assert "Tilskuddet gis for ett år av gangen, her for 2025." in text
    assert "Tilskuddet blir utbetalt etter at fylkeskommunen har akseptert det i portalen." in text
    assert ACCEPT in text
    accept_by = norwegian_date(timezone.localtime(letter.issued_at, OSLO).date() + dt.timedelta(weeks=3))
    assert f"aksepterer tilskuddet innen {accept_by}" in text
    assert f"årsrapport og et regnskap gjennom portalen innen {norwegian_date(decision.report_deadline)}" in text
    assert CONTROL in text
    assert "skal betales tilbake til IMDi" in text and "søke om å overføre dem til neste år" in text
    assert "forsinkelsesrente" in text and "motregning" in text
    assert NO_APPEAL in text
    assert APPEAL_WITHIN not in text
    assert cast.caseworker2.full_name in text and cast.caseworker.full_name in text  # approved and proposed by
    assert "Dokumentet er elektronisk godkjent og har derfor ingen håndskrevne signaturer." in text
    count = len(pages)
    assert pages[0].endswith(f"Side 1 av {count}") and pages[-1].endswith(f"Side {count} av {count}")


def test_full_grant_says_so(cast):
    decision = decided_for_b(cast, amount="1250000")

    text = flat(letters.letter_html(decision.letter))

    assert f"IMDi innvilger søknaden i sin helhet. Dere får et tilskudd på {flat(kr(Decimal('1250000')))}." in text
    assert "delvis" not in text


def test_dismissal_letter_explains_how_to_appeal(cast):
    decision = decided_for_b(cast, kind=Kind.DISMISSAL)

    text = " ".join(pdf_pages(stored_bytes(issue(decision))))

    assert "Vedtak om avvisning" in text
    assert "IMDi avviser søknaden." in text
    assert "er et enkeltvedtak, jf. forvaltningsloven § 2" in text
    assert APPEAL_WITHIN in text
    assert APPEAL_BODY in text
    assert "Dere har rett til å se dokumentene i saken, jf. forvaltningsloven §§ 18 og 19." in text
    assert NO_APPEAL not in text and "ikke et enkeltvedtak" not in text
    assert "Klagefristen går ut " in text
    assert ACCEPT not in text and CONTROL not in text  # nothing to accept or account for


def test_rejection_letter_says_it_cannot_be_appealed(cast):
    decision = decided_for_b(cast, kind=Kind.REJECTION)

    text = " ".join(pdf_pages(stored_bytes(issue(decision))))

    assert "Avslag på søknad om tilskudd" in text and "Vedtak" not in text
    assert flat(f"IMDi avslår søknaden. Dere søkte om {kr(Decimal('1250000'))}") in text
    assert NO_APPEAL in text
    assert APPEAL_WITHIN not in text and "klageinstans" not in text
    assert ACCEPT not in text


def test_letter_is_written_in_the_countys_written_standard(cast, monkeypatch):
    nynorsk = h.decided(cast, kind=Kind.REJECTION)  # county A writes nynorsk
    bokmal = decided_for_b(cast, kind=Kind.REJECTION)
    languages = []
    original = pdf.render_to_string

    def spy(template_name, context=None, *args, **kwargs):
        languages.append((template_name, translation.get_language()))
        return original(template_name, context, *args, **kwargs)

    monkeypatch.setattr(pdf, "render_to_string", spy)

    assert nynorsk.letter.language == "nn" and bokmal.letter.language == "nb"
    assert '<html lang="nn">' in letters.letter_html(nynorsk.letter)
    assert '<html lang="nb">' in letters.letter_html(bokmal.letter)
    assert languages == [("grants/pdf/letter.html", "nn"), ("grants/pdf/letter.html", "nb")]
    letter = issue(nynorsk)
    data = stored_bytes(letter)
    assert PdfReader(io.BytesIO(data)).trailer["/Root"]["/Lang"] == "nn"
    text = " ".join(pdf_pages(data))
    with translation.override("nn"):
        assert flat(gettext("Avslag på søknad om tilskudd")) in text
        assert flat(gettext(NO_APPEAL)) in text


# --- Nothing is fetched -----------------------------------------------------------------------


def test_fetcher_refuses_urls_outside_the_static_files():
    fetcher = StaticFilesOnly()
    css = fetcher.roots[0] / "grants" / "letter.css"

    assert b"@page" in fetcher.fetch(css.as_uri()).read()
    for url in ("http://example.com/x.png", "file:///etc/passwd", "data:text/css,body{}"):
        with pytest.raises(PermissionError):
            fetcher.fetch(url)


def test_html_in_a_caseworkers_text_is_shown_as_text_and_never_fetched(cast, monkeypatch):
    case = h.submitted_case(cast, organisation=cast.county_b)
    h.assessed(cast, case)
    facts = (
        'Se vedlegget <img src="http://example.com/x.png"> og <link rel="stylesheet" href="http://example.com/z.css">'
    )
    decision = services.decision_propose(
        actor=h.as_caseworker(cast),
        case_id=case.pk,
        kind=Kind.REJECTION,
        rules=h.REASONS["rules"],
        facts=facts,
        considerations=h.REASONS["considerations"],
    )
    decision = h.approved(cast, decision)
    asked = []
    original = StaticFilesOnly.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(StaticFilesOnly, "fetch", spy)

    letter = Letter.objects.get(decision=decision)
    html = letters.letter_html(letter)
    text = " ".join(pdf_pages(letters.letter_pdf(letter)))

    shown = html.replace("\u200b", "")  # long words get invisible break opportunities (portal_tags.breakable)
    assert "&lt;img src=&quot;http://example.com/x.png&quot;&gt;" in shown
    assert '<img src="http://example.com/x.png">' not in shown
    assert "http://example.com/x.png" in "".join(text.replace("\u200b", "").split())  # shown as text (it may wrap)
    root = StaticFilesOnly().roots[0]
    assert asked == [(root / "grants" / "letter.css").as_uri()]
