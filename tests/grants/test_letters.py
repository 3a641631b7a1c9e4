"""The decision letter: one PDF per approved decision, stored with its SHA-256, in the county's written
standard, with the appeal text its kind requires; one e-mail to the county; never a fetched URL."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import threading
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from pypdf import PdfReader

from grants import letters, services
from grants.models import Decision, Letter
from portal import background, documents, pdf
from portal.formats import OSLO, kr
from portal.models import AuditEvent
from portal.pdf import StaticFilesOnly
from tests import factories as f
from tests.grants import helpers_cases as h

pytestmark = pytest.mark.django_db

Status = Letter.Status
Kind = Decision.Kind
SWEEP_LATER = dt.timedelta(minutes=3)
MONTHS = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
]

NO_APPEAL = (
    "Vedtaket er ikke et enkeltvedtak etter forvaltningsloven §§ 2 og 3. "
    "Det kan derfor ikke påklages etter forvaltningsloven § 28."
)
CONTROL = (
    "IMDi og Riksrevisjonen kan kontrollere at midlene brukes etter forutsetningene, jf. bevilgningsreglementet § 10"
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
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"


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
    assert len(pages) == 2
    catalog = PdfReader(io.BytesIO(data)).trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in catalog  # tagged: a screen reader can follow it
    assert catalog["/Lang"] == "nb"
    text = " ".join(pages)
    application = decision.case.application
    assert "Tilskuddsbrev" in text
    assert f"Vår referanse {letter.reference}" in text
    assert f"Deres referanse {application.reference}" in text
    assert f"Dato {norwegian_date(letter.issued_at)}" in text
    assert cast.imdi.name in text and cast.imdi.orgnr in text and cast.call.contact_email in text
    assert cast.county_b.name in text and cast.county_b.orgnr in text
    # Partial grant: what was applied for, what is granted, per category and in total.
    assert flat(f"Dere søkte om {kr(Decimal('1250000'))} og får et tilskudd på {kr(Decimal('1000000'))}") in text
    assert flat(f"Drift av samarbeidet {kr(Decimal('250000'))} {kr(Decimal('0'))}") in text
    assert flat(f"Lærerressurser {kr(Decimal('1000000'))} {kr(Decimal('1000000'))}") in text
    assert flat(f"Sum {kr(Decimal('1250000'))} {kr(Decimal('1000000'))}") in text
    for reason in h.REASONS.values():
        assert reason in text
    assert "Tilskuddet skal brukes til klassen i 2025." in text
    assert "Tilskuddet gis for ett år om gangen, her for 2025." in text
    assert "Tilskuddet blir utbetalt etter at fylkeskommunen har akseptert det i portalen." in text
    assert ACCEPT in text
    accept_by = norwegian_date(timezone.localtime(letter.issued_at, OSLO).date() + dt.timedelta(weeks=3))
    assert f"aksepterer tilskuddet innen {accept_by}" in text
    assert f"årsrapport og et regnskap gjennom portalen innen {norwegian_date(decision.report_deadline)}" in text
    assert CONTROL in text
    assert "skal betales tilbake til IMDi" in text and "søke om å overføre dem til neste år" in text
    assert NO_APPEAL in text
    assert APPEAL_WITHIN not in text
    assert cast.caseworker2.full_name in text and cast.caseworker.full_name in text  # approved and proposed by
    assert "Brevet er godkjent elektronisk og har ingen signatur." in text
    assert pages[0].endswith("Side 1 av 2") and pages[1].endswith("Side 2 av 2")


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
    assert "enkeltvedtak etter forvaltningsloven § 2" in text
    assert APPEAL_WITHIN in text
    assert APPEAL_BODY in text
    assert "Dere har rett til å se dokumentene i saken, jf. forvaltningsloven §§ 18 og 19." in text
    assert NO_APPEAL not in text and "ikke et enkeltvedtak" not in text
    assert ACCEPT not in text and CONTROL not in text  # nothing to accept or account for


def test_rejection_letter_says_it_cannot_be_appealed(cast):
    decision = decided_for_b(cast, kind=Kind.REJECTION)

    text = " ".join(pdf_pages(stored_bytes(issue(decision))))

    assert "Vedtak om avslag" in text
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
        assert flat(gettext("Vedtak om avslag")) in text
        assert flat(gettext(NO_APPEAL)) in text


# --- Issuing once -----------------------------------------------------------------------------


def test_issuing_is_recorded_once_in_the_audit_log(cast):
    decision = decided_for_b(cast)

    letter = issue(decision)
    issue(decision)

    event = AuditEvent.objects.get(action="letter.issued")
    assert event.actor is None and event.actor_label == "system"
    assert event.object_type == "grants.application"
    assert event.object_id == str(decision.case.application_id)
    assert event.subject_organisation == cast.county_b
    assert event.changes == {"letter": letter.reference, "sha256": letter.sha256}


def test_issuing_twice_leaves_one_file_and_one_email(cast, django_capture_on_commit_callbacks, monkeypatch):
    decision = decided_for_b(cast)
    files_before = letter_files()
    with django_capture_on_commit_callbacks(execute=True):
        first = issue(decision)

    def must_not_render(letter):
        raise AssertionError("a ready letter is rendered again")

    monkeypatch.setattr(letters, "letter_pdf", must_not_render)
    with django_capture_on_commit_callbacks(execute=True):
        second = issue(decision)

    assert (second.file.name, second.sha256, second.issued_at) == (first.file.name, first.sha256, first.issued_at)
    assert second.attempts == 1
    assert letter_files() - files_before == {first.file.name.split("/")[-1]}
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="letter.issued").count() == 1


def test_approving_renders_the_letter_and_tells_the_county_after_the_commit(cast, django_capture_on_commit_callbacks):
    case = h.submitted_case(cast, organisation=cast.county_b)
    decision = h.proposed(cast, case)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        h.approved(cast, decision)  # the render task runs eagerly after the commit

    letter = Letter.objects.get(decision=decision)
    assert letter.status == Status.READY
    assert hashlib.sha256(stored_bytes(letter)).hexdigest() == letter.sha256
    assert letter.notified_at is not None
    assert len(mail.outbox) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_time_make_one_file_and_one_email(cast, monkeypatch):
    with monkeypatch.context() as broker_down:  # commits are real here: keep the approval's task from running
        broker_down.setattr(background, "_send", lambda task, args, kwargs: None)
        decision = decided_for_b(cast)
    assert Letter.objects.get(pk=decision.letter.pk).status == Status.PENDING
    files_before = letter_files()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            letters.letter_issue(decision.letter.pk)  # outside a transaction, as the Celery task runs
            outcomes.append("ok")
        except Exception as error:  # noqa: BLE001 -- a thread cannot raise into the test: the assert below shows it
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert outcomes == ["ok", "ok"]
    letter = Letter.objects.get(pk=decision.letter.pk)
    assert letter.status == Status.READY and letter.attempts == 1
    assert letter_files() - files_before == {letter.file.name.split("/")[-1]}
    assert AuditEvent.objects.filter(action="letter.issued").count() == 1
    assert len(mail.outbox) == 1


# --- The e-mail -------------------------------------------------------------------------------


def test_email_tells_those_who_may_accept_and_the_contact_with_a_link_and_no_attachment(
    cast, django_capture_on_commit_callbacks
):
    former = f.make_user("former.director.b@example.org", roles=[(cast.county_b, f.Role.COUNTY_DIRECTOR)])
    former.is_active = False
    former.save(update_fields=["is_active"])
    decision = decided_for_b(cast)

    with django_capture_on_commit_callbacks(execute=True):
        letter = issue(decision)

    letter.refresh_from_db()
    assert letter.notified_at is not None
    [message] = mail.outbox
    # County B's official mailbox; its director, who may accept (its staff may not); the contact person
    # named in the application.
    assert message.to == sorted([cast.county_b.letter_email, cast.director_b.email, "kari@example.org"])
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.subject.startswith(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX)
    assert "Tilskuddsbrev" in message.subject and decision.case.application.reference in message.subject
    url = settings.SITE_URL + reverse("decision_view", args=[decision.case.application_id, decision.pk])
    assert url in message.body
    assert letter.reference in message.body
    assert "«Aksepter tilskuddet»" in message.body
    assert message.attachments == []


def test_a_contact_who_may_also_accept_gets_one_copy(cast):
    letter = decided_for_b(cast).letter
    letter.decision.case.application.contact_email = cast.director_b.email.upper()

    assert letters.letter_recipients(letter) == sorted([cast.county_b.letter_email, cast.director_b.email])


def test_email_goes_to_the_fullmakt_holder_and_in_nynorsk(cast, django_capture_on_commit_callbacks):
    decision = h.decided(cast, kind=Kind.DISMISSAL)  # county A: a director and a delegate with fullmakt
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        issue(decision)

    [message] = mail.outbox
    assert message.to == sorted(
        [cast.county_a.letter_email, cast.director_a.email, cast.delegate_a.email, "kari@example.org"]
    )
    with translation.override("nn"):
        assert flat(gettext("Logg inn for å lese brevet:")) in flat(message.body)
        assert flat(gettext("Vedtak om avvisning")) in message.subject


def test_email_already_claimed_by_another_run_is_not_sent_again(cast, django_capture_on_commit_callbacks, monkeypatch):
    decision = decided_for_b(cast)
    original = letters.letter_message

    def claimed_meanwhile(letter):  # another run claims the e-mail between our read and our claim
        message = original(letter)
        Letter.objects.filter(pk=letter.pk).update(notified_at=timezone.now())
        return message

    monkeypatch.setattr(letters, "letter_message", claimed_meanwhile)
    with django_capture_on_commit_callbacks(execute=True):
        issue(decision)

    assert mail.outbox == []


def test_a_failed_send_gives_the_claim_back_for_the_sweep(cast, django_capture_on_commit_callbacks, monkeypatch):
    decision = decided_for_b(cast)

    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(ConnectionRefusedError), django_capture_on_commit_callbacks(execute=True):
        issue(decision)

    letter = Letter.objects.get(pk=decision.letter.pk)
    assert letter.status == Status.READY
    assert letter.notified_at is None
    with time_machine.travel(timezone.now() + SWEEP_LATER):
        assert letters.unfinished_letters() == [letter.pk]


# --- Failure and the sweep --------------------------------------------------------------------


def test_rendering_failure_is_visible_and_a_later_run_succeeds(cast, django_capture_on_commit_callbacks, monkeypatch):
    decision = decided_for_b(cast)
    files_before = letter_files()

    def broken(letter):
        raise RuntimeError("WeasyPrint fell over")

    monkeypatch.setattr(letters, "letter_pdf", broken)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        letters.letter_issue(decision.letter.pk)

    letter = Letter.objects.get(pk=decision.letter.pk)
    assert letter.status == Status.FAILED
    assert letter.attempts == 1
    assert letter.last_error == "RuntimeError: WeasyPrint fell over"
    assert not letter.file and letter.sha256 == "" and letter.issued_at is None
    assert letter_files() == files_before
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="letter.issued").exists()
    with time_machine.travel(timezone.now() + SWEEP_LATER):
        assert letters.unfinished_letters() == [letter.pk]

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        letters.letter_issue(letter.pk)  # what the retry or the sweep runs

    letter.refresh_from_db()
    assert letter.status == Status.READY
    assert letter.attempts == 2 and letter.last_error == ""
    assert hashlib.sha256(stored_bytes(letter)).hexdigest() == letter.sha256
    assert len(mail.outbox) == 1
    with time_machine.travel(timezone.now() + SWEEP_LATER):
        assert letters.unfinished_letters() == []


def test_a_very_long_error_is_cut_short(cast, monkeypatch):
    decision = decided_for_b(cast)

    def broken(letter):
        raise ValueError("x" * 5000)

    monkeypatch.setattr(letters, "letter_pdf", broken)
    with pytest.raises(ValueError):
        letters.letter_issue(decision.letter.pk)

    letter = Letter.objects.get(pk=decision.letter.pk)
    assert letter.last_error.startswith("ValueError: xxx")
    assert len(letter.last_error) == documents.ERROR_LENGTH


def test_sweep_finds_pending_failed_and_unannounced_letters_but_not_finished_ones(cast):
    pending = decided_for_b(cast).letter
    failed = decided_for_b(cast, call=f.make_call(cast.scheme, eligible=[cast.county_b])).letter
    Letter.objects.filter(pk=failed.pk).update(status=Status.FAILED, attempts=4, last_error="RuntimeError: x")

    assert letters.unfinished_letters() == []  # just approved: the task sent after the commit comes first
    with time_machine.travel(timezone.now() + SWEEP_LATER):
        assert letters.unfinished_letters() == [pending.pk, failed.pk]

        Letter.objects.filter(pk=failed.pk).update(attempts=documents.MAX_ATTEMPTS)  # given up: stays visible
        letters.letter_issue(pending.pk)  # ready, but the county not yet told
        assert letters.unfinished_letters() == [pending.pk]

        Letter.objects.filter(pk=pending.pk).update(notified_at=timezone.now())
        assert letters.unfinished_letters() == []


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

    assert "&lt;img src=&quot;http://example.com/x.png&quot;&gt;" in html
    assert '<img src="http://example.com/x.png">' not in html
    assert "http://example.com/x.png" in "".join(text.split())  # shown as text (it may wrap)
    root = StaticFilesOnly().roots[0]
    assert asked == [(root / "grants" / "letter.css").as_uri()]
