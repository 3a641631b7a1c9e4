"""What each decision letter says in law, read from the PDF's text, in bokmål and in nynorsk (issue 12,
item 2): the headings, the exact legal sentences, the letterhead, the signature block, the grant's purpose,
period, repayment and control terms, the dismissal's appeal deadline; and the texts a proposal starts from
(the call's letter template in the county's written standard, or nothing).

The cases here use a call of their own with letter templates (``load_calls``'s seed texts), and caseworkers
with titles and phone numbers, as IMDi's admins set them."""

from __future__ import annotations

import datetime as dt
import io

import holidays
import pytest
import time_machine
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext
from pypdf import PdfReader

from grants import letters, seed_letters, services
from grants.models import Decision, Letter
from portal.calendar import is_working_day
from portal.formats import OSLO
from tests.grants import helpers_cases as h
from tests.grants.helpers_letters import county_of, long_date, templated_call

pytestmark = pytest.mark.django_db

Kind = Decision.Kind

# The sentences the law and the circular require, word for word (R14, R15, R16, R19, R23).
NO_APPEAL = {
    "nb": (
        "Avgjørelsen er ikke et enkeltvedtak, jf. forvaltningsloven § 2. Dere kan derfor ikke klage, jf. "
        "forvaltningsloven §§ 3 første ledd og 28."
    ),
    "nn": (
        "Avgjerda er ikkje eit enkeltvedtak, jf. forvaltningsloven § 2. De kan derfor ikkje klage, jf. "
        "forvaltningsloven §§ 3 første ledd og 28."
    ),
}
CONTROL = {
    "nb": (
        "IMDi og Riksrevisjonen kan kontrollere at midlene brukes etter forutsetningene, jf. bevilgningsreglementet "
        "§ 10 andre ledd og riksrevisjonsloven § 12 tredje ledd."
    ),
    "nn": (
        "IMDi og Riksrevisjonen kan kontrollere at midlane blir brukte etter føresetnadene, jf. "
        "bevilgningsreglementet § 10 andre ledd og riksrevisjonsloven § 12 tredje ledd."
    ),
}
PERIOD = {
    "nb": "Tilskuddet gis for ett år av gangen, her for {year}. Et prosjekt kan få tilskudd i høyst fire år i alt.",
    "nn": (
        "Tilskotet blir gitt for eitt år av gongen, her for {year}. Eit prosjekt kan få tilskot i høgst fire år i alt."
    ),
}
INTEREST = {
    "nb": "skal dere betale forsinkelsesrente etter forsinkelsesrenteloven fra fristen og til beløpet er betalt.",
    "nn": "skal de betale forseinkingsrente etter forsinkelsesrenteloven frå fristen og til beløpet er betalt.",
}
SET_OFF = {
    "nb": "IMDi kan også kreve beløpet inn ved motregning i senere utbetalinger av tilskudd til fylkeskommunen.",
    "nn": "IMDi kan også krevje beløpet inn ved motrekning i seinare utbetalingar av tilskot til fylkeskommunen.",
}
NOTICE = {
    "nb": "Før IMDi krever tilskudd tilbake, får dere et forhåndsvarsel med beløpet og grunnen til kravet, og en frist "
    "til å uttale dere.",
    "nn": "Før IMDi krev tilskot tilbake, får de eit førehandsvarsel med beløpet og grunnen til kravet, og ein frist "
    "til å uttale dykk.",
}
BUDGET_RESERVATION = {
    "nb": "Tilskuddet er gitt med forbehold om at Stortinget bevilger midler til ordningen over statsbudsjettet for",
    "nn": "Tilskotet er gitt med atterhald om at Stortinget løyver midlar til ordninga over statsbudsjettet for",
}
ENKELTVEDTAK = {
    "nb": "Vedtaket om å avvise søknaden er et enkeltvedtak, jf. forvaltningsloven § 2 første ledd bokstav b og "
    "tredje ledd.",
    "nn": "Vedtaket om å avvise søknaden er eit enkeltvedtak, jf. forvaltningsloven § 2 første ledd bokstav b og "
    "tredje ledd.",
}
APPEAL_WITHIN = {
    "nb": "Dere kan klage på vedtaket innen tre uker fra dere mottok dette brevet, jf. forvaltningsloven §§ 28 og 29.",
    "nn": "De kan klage på vedtaket innan tre veker frå de fekk dette brevet, jf. forvaltningsloven §§ 28 og 29.",
}
APPEAL_BODY = {
    "nb": "Arbeids- og inkluderingsdepartementet er klageinstans. Klagen sender dere til IMDi",
    "nn": "Arbeids- og inkluderingsdepartementet er klageinstans. Klaga sender de til IMDi",
}
APPEAL_CONTENT = {
    "nb": "Skriv hva dere klager på, hvilken endring dere ønsker, og hvorfor.",
    "nn": "Skriv kva de klagar på, kva endring de ønskjer, og kvifor.",
}
DOCUMENTS = {
    "nb": "Dere har rett til å se dokumentene i saken, jf. forvaltningsloven §§ 18 og 19.",
    "nn": "De har rett til å sjå dokumenta i saka, jf. forvaltningsloven §§ 18 og 19.",
}
DEADLINE = {"nb": "Klagefristen går ut {date}.", "nn": "Klagefristen går ut {date}."}
TITLES = {
    Kind.GRANT: {"nb": "Tilskuddsbrev", "nn": "Tilskotsbrev"},
    Kind.REJECTION: {"nb": "Avslag på søknad om tilskudd", "nn": "Avslag på søknad om tilskot"},
    Kind.DISMISSAL: {"nb": "Vedtak om avvisning", "nn": "Vedtak om avvising"},
}
ATTACHMENTS = "Rundskriv 08/2025\nSamarbeidsavtalen"
COPY_TO = "Statsforvalteren i Vestland"


def flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def pdf_text(letter: Letter) -> str:
    with letter.file.open("rb") as stored:
        return " ".join(flat(page.extract_text()) for page in PdfReader(io.BytesIO(stored.read())).pages)


def in_language(language: str, text: str) -> str:
    with translation.override(language):
        return flat(gettext(text))


@pytest.fixture
def call(cast):
    return templated_call(cast)


def propose(cast, case, kind, *, amount="1000000"):
    """Proposed by cast.caseworker from the call's template in the county's standard, with attachments and
    a copy, as the proposal page would send it."""
    h.assessed(cast, case)
    if kind == Kind.GRANT:
        h.allocated(cast, case, amount)
    case.refresh_from_db()
    texts = letters.proposal_texts(case, kind)
    return services.decision_propose(
        actor=h.as_caseworker(cast),
        case_id=case.pk,
        kind=kind,
        rules=texts["rules"],
        facts=texts["facts"],
        considerations=texts.get("considerations") or "Godt samarbeid og tydelig overføringsverdi.",
        purpose=texts.get("purpose", ""),
        conditions=texts.get("conditions", ""),
        attachments=ATTACHMENTS,
        copy_to=COPY_TO,
        granted=h.split(case, amount) if kind == Kind.GRANT else None,
    )


def issued_letter(cast, call, language, kind, *, their_reference="2100/4711-3", on=None) -> Letter:
    """The letter of a decision of ``kind`` for the county writing ``language``, made now (or at ``on``)."""
    case = h.submitted_case(cast, call=call, organisation=county_of(cast, language))
    application = case.application
    application.their_reference = their_reference
    application.save(update_fields=["their_reference"])
    mail.outbox.clear()
    decision = h.approved(cast, propose(cast, case, kind))
    if on is None:
        h.issued(decision)
    else:
        with time_machine.travel(on):
            h.issued(decision)
    return Letter.objects.select_related("decision__case__application").get(decision=decision)


# --- Grants -----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_grant_letter_states_purpose_period_repayment_control_and_no_appeal(cast, call, language):
    call.subject_to_budget = True
    call.save(update_fields=["subject_to_budget"])

    letter = issued_letter(cast, call, language, Kind.GRANT)

    text = pdf_text(letter)
    county = county_of(cast, language)
    assert letter.language == language
    assert TITLES[Kind.GRANT][language] in text
    assert in_language(language, "Avgjørelse") in text
    assert in_language(language, "Regler avgjørelsen bygger på") in text
    assert in_language(language, "Regler vedtaket bygger på") not in text
    assert NO_APPEAL[language] in text
    assert CONTROL[language] in text
    assert PERIOD[language].format(year=call.year) in text
    assert INTEREST[language] in text and SET_OFF[language] in text and NOTICE[language] in text
    assert BUDGET_RESERVATION[language] in text
    # The purpose: the scheme's (from the template, in the county's standard) and this project's.
    purpose, project = seed_letters.GRANT[language]["purpose"].split("\n")
    title = letter.decision.case.application.current_submission().snapshot["fields"]["title"]
    assert flat(purpose) in text
    assert flat(project.format(county=county.name, title=title)) in text
    assert flat(seed_letters.GRANT[language]["conditions"].split("\n")[1]) in text
    assert APPEAL_WITHIN[language] not in text


def test_grant_letter_in_bokmal_has_the_interest_and_set_off_words_the_issue_names(cast, call):
    text = pdf_text(issued_letter(cast, call, "nb", Kind.GRANT))

    assert "forsinkelsesrente" in text and "motregning" in text and "§ 10 andre ledd" in text
    assert "Tilskuddet til Fylke B skal brukes til prosjektet «" in text
    assert "Vedtak " not in text.replace("Vedtak om", "")  # a grant is no vedtak: no such heading


def test_grant_letter_without_budget_reservation_says_none(cast, call):
    text = pdf_text(issued_letter(cast, call, "nb", Kind.GRANT))

    assert BUDGET_RESERVATION["nb"] not in text


def test_grant_letter_without_a_purpose_of_its_own_states_the_calls(cast, call):
    case = h.submitted_case(cast, call=call, organisation=cast.county_b)
    decision = h.approved(cast, h.proposed(cast, case))  # no purpose given

    text = pdf_text(h.issued(decision))

    assert "Formålet med tilskuddet" in text and call.purpose in text


# --- Rejections and dismissals ----------------------------------------------------------------


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_rejection_letter_is_an_avgjorelse_that_cannot_be_appealed(cast, call, language):
    text = pdf_text(issued_letter(cast, call, language, Kind.REJECTION))

    assert TITLES[Kind.REJECTION][language] in text
    assert in_language(language, "Avgjørelse") in text
    assert in_language(language, "Regler avgjørelsen bygger på") in text
    assert in_language(language, "Regler vedtaket bygger på") not in text
    assert NO_APPEAL[language] in text
    assert APPEAL_WITHIN[language] not in text and "klageinstans" not in text
    assert CONTROL[language] not in text  # nothing granted, nothing to check


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_dismissal_letter_is_an_enkeltvedtak_with_its_appeal_deadline_and_reasons(cast, call, language):
    # Issued on Friday 4 December 2026: three weeks is Christmas Day, then a weekend; the deadline is the
    # Monday after.
    letter = issued_letter(cast, call, language, Kind.DISMISSAL, on=dt.datetime(2026, 12, 4, 12, 0, tzinfo=OSLO))

    text = pdf_text(letter)
    decision = letter.decision
    assert TITLES[Kind.DISMISSAL][language] in text
    assert ENKELTVEDTAK[language] in text
    assert APPEAL_WITHIN[language] in text
    assert APPEAL_BODY[language] in text and APPEAL_CONTENT[language] in text
    assert DOCUMENTS[language] in text
    assert DEADLINE[language].format(date="28. desember 2026") in text
    assert is_working_day(dt.date(2026, 12, 28)) and dt.date(2026, 12, 25) in holidays.Norway(years=2026)
    assert letter.appeal_deadline == dt.date(2026, 12, 28)  # what the county's page shows says the same
    for reason in (decision.rules, decision.facts, decision.considerations):
        assert flat(reason.split("\n")[0]) in text  # the reason the caseworker wrote
    assert "Søknadsfristen for " in text  # the seeded facts of a late application
    assert NO_APPEAL[language] not in text and CONTROL[language] not in text


def test_dismissal_deadline_is_never_a_weekend_or_holiday(cast, call):
    """Whatever the day it is issued, the deadline the letter writes out is a working day three weeks or
    a little more after it (Easter 2026: issued 12 March, three weeks is Maundy Thursday 2 April)."""
    letter = issued_letter(cast, call, "nb", Kind.DISMISSAL, on=dt.datetime(2026, 3, 12, 12, 0, tzinfo=OSLO))

    text = pdf_text(letter)
    deadline = letter.appeal_deadline
    assert deadline == dt.date(2026, 4, 7)  # Tuesday: Maundy Thursday to Easter Monday skipped
    assert deadline.weekday() < 5 and deadline not in holidays.Norway(years=deadline.year)
    assert f"Klagefristen går ut {long_date(deadline)}." in text


# --- The letterhead and the signature ---------------------------------------------------------


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_letterhead_signature_attachments_and_copies(cast, call, language):
    letter = issued_letter(cast, call, language, Kind.REJECTION, their_reference="2100/4711-3")

    text = pdf_text(letter)
    application = letter.decision.case.application
    received = timezone.localdate(application.current_submission().confirmed_at, OSLO)
    issued = timezone.localdate(letter.issued_at, OSLO)

    def label(source: str) -> str:
        return in_language(language, source)

    assert f"{label('Vår referanse')} {letter.reference}" in text
    assert f"{label('Deres referanse')} 2100/4711-3" in text  # the county's own, not IMDi's number
    assert f"{label('Deres referanse')} {application.reference}" not in text
    assert f"{label('Vår dato')} {issued:%d.%m.%Y}" in text
    assert f"{label('Deres dato')} {received:%d.%m.%Y}" in text
    assert f"{label('Saksbehandler')} Carl Case Tlf. +47 22 00 00 01 caseworker@example.org" in text
    assert f"E-post: {cast.imdi.letter_email}" in text  # IMDi's official mailbox, not the scheme's
    assert cast.call.contact_email not in text.split(label("Vår referanse"))[0]
    # Approved by the second caseworker, then the caseworker, each with their title.
    assert flat(f"{label('Med hilsen')} Cora Case seksjonssjef Carl Case seniorrådgiver") in text
    assert label("Dokumentet er elektronisk godkjent og har derfor ingen håndskrevne signaturer.") in text
    assert f"{label('Vedlegg')} Rundskriv 08/2025 Samarbeidsavtalen" in text
    assert f"{label('Kopi til')} Statsforvalteren i Vestland" in text


def test_letter_without_attachments_or_copies_has_no_such_lists(cast, call):
    case = h.submitted_case(cast, call=call, organisation=cast.county_b)
    text = pdf_text(h.issued(h.approved(cast, h.proposed(cast, case, kind=Kind.REJECTION))))

    assert "Vedlegg" not in text and "Kopi til" not in text


def test_subject_names_the_scheme_and_call_without_repeating_the_year(cast, call):
    letter = issued_letter(cast, call, "nb", Kind.GRANT)

    html = letters.letter_html(letter)
    subject = html.split('<p class="subject">')[1].split("</p>")[0]
    assert subject == f"{cast.scheme.name}: Nasjonal samarbeidsmodell 2100"
    assert subject.count("2100") == 1
    assert f"{subject} (2100)" not in flat(pdf_text(letter))


def test_email_says_which_letter_is_ready(cast, call):
    letter = issued_letter(cast, call, "nb", Kind.REJECTION)

    message = letters.letter_message(letter)
    assert "Avslag på søknad om tilskudd" in message.subject
    assert "Brevet ligger klart i portalen: Avslag på søknad om tilskudd." in flat(message.body)
    assert "fattet vedtak" not in message.body and letter.reference in message.body
