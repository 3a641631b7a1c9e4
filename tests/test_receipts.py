"""The receipt of a submitted application: one PDF of everything that was sent, stored with its SHA-256,
e-mailed once to the county, and never able to make the server fetch a URL."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import time
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from pypdf import PdfReader

from grants import receipts
from grants.models import PartnerKind, Submission
from grants.sections import field_label
from grants.services import (
    agreement_add,
    application_confirm,
    application_section_save,
    application_send,
    application_start,
)
from portal import pdf
from portal.audit import Actor
from portal.formats import kr
from portal.models import AuditEvent, Membership, Role
from portal.uploads import check_upload
from tests import factories as f

ReceiptStatus = Submission.ReceiptStatus
TITLE = "Norsk på arbeidsplassen i Fylke A"
SWEEP_LATER = dt.timedelta(minutes=3)


def actor(user, organisation, role) -> Actor:
    return Actor(user=user, membership=Membership.objects.get(user=user, organisation=organisation, role=role))


def tiny_pdf(label: str) -> SimpleUploadedFile:
    # Each file differs in a comment line, so each agreement has its own SHA-256.
    return SimpleUploadedFile(f"avtale {label}.pdf", f"%PDF-1.4\n% {label}\n%%EOF\n".encode(), "application/pdf")


def send_for_confirmation(cast, *, county=None, staff=None, title=TITLE, summary="Vi vil lære bort norsk."):
    """A complete application built through the services and sent for confirmation by county staff."""
    county = county or cast.county_a
    staff_actor = actor(staff or cast.staff_a, county, Role.COUNTY_STAFF)
    application = application_start(actor=staff_actor, call=cast.call)

    def save(section, data, lines=None):
        application_section_save(
            actor=staff_actor, application_id=application.pk, section=section, data=data, version=0, lines=lines
        )

    save(
        "prosjekt",
        {
            "title": title,
            "summary": summary,
            "cooperation_model": "Vi samarbeider med NAV, kommunene og arbeidsgivere.",
            "participants_planned": 18,
            "recruitment": "Gjennom introduksjonsprogrammet.",
            "follow_up": "Faste samtaler hver måned.",
            "period_start": dt.date(2025, 8, 1),
            "period_end": dt.date(2026, 7, 31),
        },
    )
    save("justeringer", {"has_adjustments": False, "adjustments": ""})
    save(
        "erfaringsdeling",
        {
            "commits_to_sharing": True,
            "experience_sharing": "Vi deler på samlingene.",
            "transfer_value": "Modellen kan brukes i hele landet.",
        },
    )
    drift, laerer = cast.call.cost_categories.order_by("order")
    save(
        "budsjett",
        {"declares_no_running_costs": True},
        lines=[
            {"category": drift, "amount": Decimal("750000"), "description": "Koordinator i 50 % stilling"},
            {"category": laerer, "amount": Decimal("400000.50"), "description": "Lærer i norsk"},
            {"category": laerer, "amount": Decimal("100000"), "description": "Lærer i fag"},
        ],
    )
    save("overforing", {"carry_over_amount": Decimal("0"), "carry_over_explanation": ""})
    save("kontakt", {"contact_name": "Kari Kontakt", "contact_email": "kari@example.org", "contact_phone": "99999999"})
    for kind in PartnerKind:
        upload = tiny_pdf(kind.value)
        agreement_add(
            actor=staff_actor,
            application_id=application.pk,
            partner_kind=kind,
            partner_name=f"Partner {kind.label}",
            upload=upload,
            checked=check_upload(upload),
        )
    application_send(actor=staff_actor, application_id=application.pk)
    return application


def submit(cast, *, county=None, staff=None, confirmer=None, **text) -> Submission:
    """As ``send_for_confirmation``, then confirmed (by county A's director unless ``confirmer`` is given).

    The receipt task the confirmation queues after its commit does not run: the tests call it."""
    county = county or cast.county_a
    application = send_for_confirmation(cast, county=county, staff=staff, **text)
    confirmer = confirmer or actor(cast.director_a, county, Role.COUNTY_DIRECTOR)
    return application_confirm(actor=confirmer, application_id=application.pk)


def stored_bytes(submission: Submission) -> bytes:
    with submission.receipt.open("rb") as stored:
        return stored.read()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def flat(text: str) -> str:
    """Whitespace (also non-breaking spaces and line breaks) as single spaces."""
    return " ".join(text.replace("\u00a0", " ").split())


def receipt_files() -> set[str]:
    return set(default_storage.listdir("kvitteringer")[1]) if default_storage.exists("kvitteringer") else set()


@pytest.fixture
def submission(cast):
    return submit(cast)


# --- The PDF ----------------------------------------------------------------------------------


def test_receipt_holds_the_whole_submitted_application(cast, submission):
    receipts.receipt_issue(submission.pk)

    submission.refresh_from_db()
    assert submission.receipt_status == ReceiptStatus.READY
    assert submission.receipt_attempts == 1
    assert submission.receipt and submission.receipt.name.startswith("kvitteringer/")
    data = stored_bytes(submission)
    assert data.startswith(b"%PDF-")
    assert hashlib.sha256(data).hexdigest() == submission.receipt_sha256

    raw = pdf_text(data)
    text = flat(raw)
    reference = submission.snapshot["reference"]
    with translation.override(cast.county_a.written_standard):  # the receipt speaks the county's language
        assert flat(gettext("Kvittering for innsendt søknad")) in text
        footer = "Det som ble sendt inn, endres ikke. Kvitteringen er laget av IMDi tilskuddsportal."
        assert flat(gettext(footer)) in text
    assert TITLE in text
    assert reference in text
    assert flat(kr(Decimal("1250000.50"))) in text  # the total, as the kr filter writes it
    assert flat(kr(submission.total)) == "kr 1 250 000,50"
    assert cast.director_a.full_name in text
    assert submission.authority and flat(submission.authority) in text
    assert cast.county_a.orgnr in text and cast.county_a.name in text
    assert cast.call.title in text and str(cast.call.year) in text
    assert cast.staff_a.full_name in text  # sent for confirmation by
    assert timezone.localtime(submission.confirmed_at).strftime("%d.%m.%Y %H:%M") in text
    assert "Koordinator i 50 % stilling" in text and "Lærer i fag" in text
    # The county's declaration in the circular's words, as the form asked it (not an older wording).
    with translation.override(cast.county_a.written_standard):
        assert flat(field_label("declares_no_running_costs")) in text
    assert "investeringer og anskaffelser som inngår i ordinær drift" in field_label("declares_no_running_costs")
    agreements = submission.snapshot["agreements"]
    assert len(agreements) == len(PartnerKind)
    for agreement in agreements:
        assert agreement["sha256"] in raw  # one unbroken string, not wrapped or hyphenated
        assert agreement["partner_name"] in text and agreement["file"] in text


def test_issuing_the_receipt_is_recorded_in_the_audit_log(submission):
    receipts.receipt_issue(submission.pk)

    submission.refresh_from_db()
    event = AuditEvent.objects.get(action="application.receipt_issued")
    assert event.actor is None and event.actor_label == "system"
    assert event.object_id == str(submission.application_id)
    assert event.subject_organisation_id == submission.application.organisation_id
    assert event.changes == {"version": submission.number, "sha256": submission.receipt_sha256}


def test_issuing_twice_leaves_one_file_one_sha_and_one_email(submission):
    files_before = receipt_files()
    receipts.receipt_issue(submission.pk)
    submission.refresh_from_db()
    first_name, first_sha = submission.receipt.name, submission.receipt_sha256

    receipts.receipt_issue(submission.pk)

    submission.refresh_from_db()
    assert (submission.receipt.name, submission.receipt_sha256) == (first_name, first_sha)
    assert submission.receipt_attempts == 1
    assert receipt_files() - files_before == {first_name.split("/")[-1]}
    assert AuditEvent.objects.filter(action="application.receipt_issued").count() == 1
    assert len(mail.outbox) == 1


def test_a_run_that_lost_the_race_stores_no_second_file(submission):
    stale = Submission.objects.get(pk=submission.pk)  # read before the other run stored its file
    receipts.receipt_issue(submission.pk)
    files_after_first = receipt_files()

    receipts._render_and_store(stale)  # rendered too, but finds the receipt ready under the lock

    submission.refresh_from_db()
    assert receipt_files() == files_after_first
    assert submission.receipt_attempts == 1
    assert AuditEvent.objects.filter(action="application.receipt_issued").count() == 1


def test_confirming_issues_and_emails_the_receipt_after_the_commit(cast, django_capture_on_commit_callbacks):
    application = send_for_confirmation(cast, county=cast.county_b, staff=cast.staff_b)
    director = actor(cast.director_b, cast.county_b, Role.COUNTY_DIRECTOR)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # the commit: the task runs eagerly
        submission = application_confirm(actor=director, application_id=application.pk)

    assert len(callbacks) == 2  # the receipt, and the notice to IMDi's caseworkers (tests/grants/test_notices.py)
    submission.refresh_from_db()
    assert submission.receipt_status == ReceiptStatus.READY
    assert hashlib.sha256(stored_bytes(submission)).hexdigest() == submission.receipt_sha256
    assert submission.receipt_emailed_at is not None
    receipts_sent = [m.to for m in mail.outbox if m.attachments]
    # The sender, the confirmer and the county's official mailbox (issue 13), not every staff member.
    assert receipts_sent == [sorted([cast.staff_b.email, cast.director_b.email, cast.county_b.letter_email])]


# --- The e-mail -------------------------------------------------------------------------------


def test_receipt_email_goes_to_the_sender_the_confirmer_and_the_mailbox_with_the_pdf(cast, submission):
    former = f.make_user("former.a@example.org", roles=[(cast.county_a, Role.COUNTY_STAFF)])
    former.is_active = False
    former.save(update_fields=["is_active"])

    receipts.receipt_issue(submission.pk)

    submission.refresh_from_db()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    # Not every staff member of the county (delegate_a is staff and neither sent nor confirmed it).
    assert message.to == sorted([cast.staff_a.email, cast.director_a.email, cast.county_a.letter_email])
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.subject.startswith("[IMDi tilskot] ")  # the prefix too in county A's nynorsk
    assert submission.snapshot["reference"] in message.subject
    assert settings.SITE_URL + reverse("application_detail", args=[submission.application_id]) in message.body
    assert submission.receipt_sha256 in message.body
    reference, number = submission.snapshot["reference"], submission.number
    [(filename, content, mimetype)] = message.attachments
    assert filename == f"kvittering-{reference}-{number}.pdf"
    assert mimetype == "application/pdf"
    assert content == stored_bytes(submission)
    assert submission.receipt_emailed_at is not None


def test_confirmer_who_is_also_the_sender_s_colleague_gets_one_copy(cast):
    delegate = actor(cast.delegate_a, cast.county_a, Role.COUNTY_STAFF)
    submission = submit(cast, confirmer=delegate)
    assert cast.director_a.full_name in submission.authority  # by fullmakt from the director

    receipts.receipt_issue(submission.pk)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == sorted([cast.delegate_a.email, cast.staff_a.email, cast.county_a.letter_email])
    text = flat(pdf_text(mail.outbox[0].attachments[0][1]))
    assert cast.delegate_a.full_name in text and flat(submission.authority) in text


def test_receipt_already_emailed_by_another_run_is_not_sent_again(submission, monkeypatch):
    receipts.receipt_issue(submission.pk)
    mail.outbox.clear()
    Submission.objects.filter(pk=submission.pk).update(receipt_emailed_at=None)
    original = receipts.receipt_message

    def claimed_meanwhile(sub):  # another run claims the e-mail between our read and our claim
        message = original(sub)
        Submission.objects.filter(pk=sub.pk).update(receipt_emailed_at=timezone.now())
        return message

    monkeypatch.setattr(receipts, "receipt_message", claimed_meanwhile)
    receipts.receipt_issue(submission.pk)

    assert mail.outbox == []


def test_a_failed_send_gives_the_claim_back_for_the_sweep(submission, monkeypatch):
    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(ConnectionRefusedError):
        receipts.receipt_issue(submission.pk)

    submission.refresh_from_db()
    assert submission.receipt_status == ReceiptStatus.READY
    assert submission.receipt_emailed_at is None
    with time_machine.travel(timezone.now() + SWEEP_LATER):
        assert receipts.unfinished_receipts() == [submission.pk]


# --- Nothing is fetched -----------------------------------------------------------------------


def test_fetcher_reads_the_receipt_stylesheet():
    fetcher = pdf.StaticFilesOnly()
    css = fetcher.roots[0] / "grants" / "receipt.css"

    response = fetcher.fetch(css.as_uri())

    assert response.content_type == "text/css"
    assert b"@page" in response.read()


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.png",
        "https://example.com/x.css",
        "ftp://example.com/x.css",
        "data:text/css,body{}",
        "file:///etc/passwd",
        "file://example.com/static/grants/receipt.css",
        "//example.com/x.png",
    ],
)
def test_fetcher_refuses_urls_and_files_outside_static(url):
    with pytest.raises(PermissionError):
        pdf.StaticFilesOnly().fetch(url)


def test_fetcher_refuses_dot_dot_out_of_static():
    root = pdf.StaticFilesOnly().roots[0]
    outside = f"{root.as_uri()}/grants/../../pyproject.toml"
    encoded = f"{root.as_uri()}/grants/%2E%2E/%2E%2E/pyproject.toml"

    for url in (outside, encoded):
        with pytest.raises(PermissionError):
            pdf.StaticFilesOnly().fetch(url)


def test_fetcher_refuses_a_symlink_that_leads_out_of_static(tmp_path):
    root = tmp_path / "static"
    root.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("hemmelig")
    (root / "link.css").symlink_to(secret)

    with pytest.raises(PermissionError):
        pdf.StaticFilesOnly(roots=[root]).fetch((root / "link.css").as_uri())


def test_urls_in_user_text_are_shown_as_text_and_never_fetched(cast, monkeypatch):
    title = 'Prosjekt <img src="http://example.com/x.png">'
    summary = (
        'Se <link rel="stylesheet" href="http://example.com/z.css"> og '
        '<div style="background: url(http://example.com/y.png)">'
    )
    submission = submit(cast, title=title, summary=summary)
    asked = []
    original = pdf.StaticFilesOnly.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf.StaticFilesOnly, "fetch", spy)

    html = receipts.receipt_html(submission)
    text = flat(pdf_text(receipts.receipt_pdf(submission)))

    html = html.replace("\u200b", "")  # long words get invisible break opportunities (portal_tags.breakable)
    assert "&lt;img src=&quot;http://example.com/x.png&quot;&gt;" in html
    assert '<img src="http://example.com/x.png">' not in html
    assert title in text
    assert "url(http://example.com/y.png)" in "".join(text.replace("\u200b", "").split())  # may wrap after "//"
    root = pdf.StaticFilesOnly().roots[0]
    assert asked == [(root / "grants" / "receipt.css").as_uri()]


# --- Failure and the sweep --------------------------------------------------------------------


def test_rendering_failure_marks_failed_and_the_sweep_picks_it_up(submission, monkeypatch, caplog):
    def broken(sub):
        raise RuntimeError("WeasyPrint fell over")

    monkeypatch.setattr(receipts, "receipt_pdf", broken)
    with caplog.at_level(logging.ERROR, logger="grants.receipts"), pytest.raises(RuntimeError):
        receipts.receipt_issue(submission.pk)

    submission.refresh_from_db()
    assert submission.receipt_status == ReceiptStatus.FAILED
    assert submission.receipt_attempts == 1
    assert not submission.receipt and submission.receipt_sha256 == ""
    assert mail.outbox == []
    assert any(r.exc_info and "WeasyPrint fell over" in str(r.exc_info[1]) for r in caplog.records)
    assert receipts.unfinished_receipts() == []  # just confirmed: the task sent after the commit comes first
    with time_machine.travel(timezone.now() + SWEEP_LATER):
        assert receipts.unfinished_receipts() == [submission.pk]

    monkeypatch.undo()
    receipts.receipt_issue(submission.pk)  # what the sweep runs

    submission.refresh_from_db()
    assert submission.receipt_status == ReceiptStatus.READY
    assert submission.receipt_attempts == 2
    with time_machine.travel(timezone.now() + SWEEP_LATER):
        assert receipts.unfinished_receipts() == []


def test_sweep_gives_up_after_five_failed_attempts(submission):
    Submission.objects.filter(pk=submission.pk).update(receipt_status=ReceiptStatus.FAILED, receipt_attempts=4)
    with time_machine.travel(timezone.now() + SWEEP_LATER):
        assert receipts.unfinished_receipts() == [submission.pk]

        Submission.objects.filter(pk=submission.pk).update(receipt_attempts=5)
        assert receipts.unfinished_receipts() == []


def test_sweep_finds_pending_receipts_and_ready_ones_never_emailed(submission):
    # The confirmation time never changes (a database trigger on PostgreSQL): time moves instead.
    with time_machine.travel(timezone.now() + SWEEP_LATER):
        assert receipts.unfinished_receipts() == [submission.pk]  # pending: the broker never ran the task

        Submission.objects.filter(pk=submission.pk).update(receipt_status=ReceiptStatus.READY)
        assert receipts.unfinished_receipts() == [submission.pk]  # ready but not e-mailed

        Submission.objects.filter(pk=submission.pk).update(receipt_emailed_at=timezone.now())
        assert receipts.unfinished_receipts() == []


# --- Language ---------------------------------------------------------------------------------


def test_receipt_is_written_in_the_countys_written_standard(cast):
    nynorsk = submit(cast)  # county A writes nynorsk
    bokmal = submit(
        cast,
        county=cast.county_b,
        staff=cast.staff_b,
        confirmer=actor(cast.director_b, cast.county_b, Role.COUNTY_DIRECTOR),
    )

    assert '<html lang="nn">' in receipts.receipt_html(nynorsk)
    assert '<html lang="nb">' in receipts.receipt_html(bokmal)
    assert pdf_text(receipts.receipt_pdf(nynorsk)).strip()  # renders in nynorsk (text depends on translations)


def test_a_long_unbroken_answer_wraps_and_renders_in_seconds(cast):
    """A pasted string without spaces took WeasyPrint 6 s at 10,000 characters (and grew with its
    square: 15 s at 20,000); with break opportunities every 30 characters it is laid out at once."""

    def rendered(summary: str) -> tuple[bytes, float]:
        if summary == "Kort.":  # another county's: one application per county and call
            director = actor(cast.director_b, cast.county_b, Role.COUNTY_DIRECTOR)
            submission = submit(cast, summary=summary, county=cast.county_b, staff=cast.staff_b, confirmer=director)
        else:
            submission = submit(cast, summary=summary)
        started = time.process_time()  # this process's CPU: the same whatever else the machine runs
        data = receipts.receipt_pdf(submission)
        return data, time.process_time() - started

    _, usual = rendered("Kort.")
    data, long = rendered("A" * 20_000)
    assert long < 2 * usual + 2  # compared with a usual receipt on the same machine, at the same load
    text = pdf_text(data)
    assert text.replace("\u200b", "").count("A" * 30) >= 600  # all of it is there, wrapped over the lines
