"""The letters about an appeal (R15) and the e-mails around it: IMDi's dismissal of an appeal (an
enkeltvedtak with its own appeal rights and deadline, in the county's written standard), the letter
forwarding an appeal to the ministry with a copy to the county (in bokmål), who may open them, the
e-mails to IMDi and the county, and appealing again after a dismissal."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from grants import appeal_letters, services, tasks
from grants.models import Appeal, AppealLetter, Case, Decision
from portal.audit import Actor
from portal.calendar import is_working_day
from portal.formats import OSLO
from portal.models import AuditEvent
from portal.rules import Refused
from tests import factories as f
from tests.conftest import assert_constant_queries, login
from tests.grants import helpers_cases as h

pytestmark = pytest.mark.django_db

Kind = AppealLetter.Kind
REASONS = "Søknaden kom inn i tide; IMDi har lest feil dato."
LATE = "Klagen kom sju uker etter fristen, og det er ikke opplyst noe som gjør at den likevel bør behandles."
COVER = "IMDi står ved vedtaket: søknaden kom etter fristen."
# A dismissal of an appeal issued on Thursday 4 December 2025 has three weeks to Thursday 25 December
# (Christmas Day), then Boxing Day and a weekend: the deadline is Monday 29 December.
ISSUED_BEFORE_CHRISTMAS = dt.datetime(2025, 12, 4, 10, 0, tzinfo=OSLO)
DEADLINE = dt.date(2025, 12, 29)


def flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def pdf_text(letter: AppealLetter) -> str:
    with letter.file.open("rb") as stored:
        return " ".join(flat(page.extract_text()) for page in PdfReader(io.BytesIO(stored.read())).pages)


def actor(user) -> Actor:
    return f.actor_for(user)


def dismissal_of(cast, county) -> Decision:
    """``county``'s application (A: nynorsk, B: bokmål) dismissed, its letter issued."""
    decision = h.decided(cast, h.submitted_case(cast, organisation=county), kind=Decision.Kind.DISMISSAL)
    h.issued(decision)
    return Decision.objects.select_related("case__application", "letter").get(pk=decision.pk)


def staff_of(cast, county):
    return cast.staff_a if county == cast.county_a else cast.staff_b


def appealed(cast, county) -> Appeal:
    decision = dismissal_of(cast, county)
    return services.appeal_file(actor=actor(staff_of(cast, county)), decision_id=decision.pk, reasons=REASONS)


def issue(letter: AppealLetter, *, at=None) -> AppealLetter:
    """Render and store the letter now (or at ``at``), as the Celery task would."""
    if at is None:
        appeal_letters.appeal_letter_issue(letter.pk)
    else:
        with time_machine.travel(at, tick=False):
            appeal_letters.appeal_letter_issue(letter.pk)
    letter.refresh_from_db()
    return letter


def dismissed(cast, county, *, at=ISSUED_BEFORE_CHRISTMAS) -> AppealLetter:
    """``county``'s appeal dismissed by the caseworker; the dismissal letter issued at ``at``."""
    appeal = appealed(cast, county)
    services.appeal_dismiss(actor=actor(cast.caseworker), appeal_id=appeal.pk, reason=LATE)
    return issue(appeal.letters.get(kind=Kind.DISMISSAL), at=at)


def forwarded(cast, county=None) -> AppealLetter:
    appeal = appealed(cast, county or cast.county_a)
    services.appeal_forward(actor=actor(cast.caseworker), appeal_id=appeal.pk, cover_note=COVER)
    return issue(appeal.letters.get(kind=Kind.FORWARDING))


def letter_url(letter: AppealLetter) -> str:
    return reverse("appeal_letter_file", args=[letter.appeal.case.application_id, letter.pk])


# --- The dismissal of an appeal: the letter's legal text ---------------------------------------


def test_the_deadline_of_the_dismissal_skips_christmas_and_the_weekend(cast):
    letter = dismissed(cast, cast.county_b)
    assert letter.appeal_deadline == DEADLINE
    assert is_working_day(DEADLINE) and not is_working_day(dt.date(2025, 12, 25))
    assert DEADLINE.weekday() == 0  # Monday


def test_the_dismissal_of_an_appeal_in_bokmal_holds_the_exact_legal_sentences(cast):
    letter = dismissed(cast, cast.county_b)
    assert letter.language == "nb" and letter.status == AppealLetter.Status.READY
    text = pdf_text(letter)
    for sentence in (
        "Vedtak om avvisning av klage",
        "IMDi avviser klagen, jf. forvaltningsloven § 33 andre ledd.",
        LATE,
        "Vedtaket om å avvise klagen er et enkeltvedtak, jf. forvaltningsloven § 2.",
        "Dere kan klage på vedtaket innen tre uker fra dere mottok dette brevet, jf. forvaltningsloven §§ 28 og 29.",
        "Klagefristen er 29. desember 2025.",
        "Arbeids- og inkluderingsdepartementet er klageinstans.",
        "Klagen sender dere til IMDi: logg inn i portalen, åpne vedtaket og velg «Klag på vedtaket».",
        "Dere har rett til å se dokumentene i saken, jf. forvaltningsloven §§ 18 og 19.",
        f"Vår referanse {letter.reference}",
        "Vår dato 04.12.2025",
        "Dokumentet er elektronisk godkjent og har derfor ingen håndskrevne signaturer.",
    ):
        assert sentence in text, sentence
    assert cast.county_b.name in text and "Carl Case" in text


def test_the_dismissal_of_an_appeal_in_nynorsk_holds_the_exact_legal_sentences(cast):
    letter = dismissed(cast, cast.county_a)
    assert letter.language == "nn"
    text = pdf_text(letter)
    for sentence in (
        "Vedtak om avvising av klage",
        "IMDi avviser klaga, jf. forvaltningsloven § 33 andre ledd.",
        "Vedtaket om å avvise klaga er eit enkeltvedtak, jf. forvaltningsloven § 2.",
        "De kan klage på vedtaket innan tre veker frå de fekk dette brevet, jf. forvaltningsloven §§ 28 og 29.",
        "Klagefristen er 29. desember 2025.",
        "Arbeids- og inkluderingsdepartementet er klageinstans.",
        "De har rett til å sjå dokumenta i saka, jf. forvaltningsloven §§ 18 og 19.",
    ):
        assert sentence in text, sentence
    assert "Dere kan klage" not in text and "enkeltvedtak, jf. forvaltningsloven § 2." in text


def test_dismissing_an_appeal_records_it_and_the_case_is_decided_again(cast):
    letter = dismissed(cast, cast.county_a)
    appeal = Appeal.objects.get(pk=letter.appeal_id)
    assert appeal.state == Appeal.State.DISMISSED and appeal.dismissal_reason == LATE
    assert appeal.closed_by == cast.caseworker
    assert Case.objects.get(pk=appeal.case_id).state == Case.State.DECIDED
    assert Decision.objects.get(pk=appeal.decision_id).reversed_at is None
    dismissed_event = AuditEvent.objects.get(action="appeal.dismissed")
    assert dismissed_event.actor == cast.caseworker and dismissed_event.to_state == Case.State.DECIDED
    issued = AuditEvent.objects.get(action="appeal_letter.issued")
    assert issued.changes["letter"] == letter.reference and issued.changes["sha256"] == letter.sha256


def test_a_letter_is_made_and_the_county_told_once(cast, django_capture_on_commit_callbacks):
    appeal = appealed(cast, cast.county_b)
    services.appeal_dismiss(actor=actor(cast.caseworker), appeal_id=appeal.pk, reason=LATE)
    letter = appeal.letters.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        appeal_letters.appeal_letter_issue(letter.pk)
    letter.refresh_from_db()
    sha256, name = letter.sha256, letter.file.name
    with django_capture_on_commit_callbacks(execute=True):
        appeal_letters.appeal_letter_issue(letter.pk)
    letter.refresh_from_db()
    assert (letter.sha256, letter.file.name) == (sha256, name)
    assert len(mail.outbox) == 1 and letter.notified_at is not None
    assert AuditEvent.objects.filter(action="appeal_letter.issued").count() == 1


# --- Who may dismiss, and from where ----------------------------------------------------------


def test_an_appeal_sent_to_the_ministry_cannot_be_dismissed_by_imdi(cast):
    appeal = forwarded(cast).appeal
    with pytest.raises(Refused, match="Klagen er sendt departementet. Nå er det departementet som avgjør den."):
        services.appeal_dismiss(actor=actor(cast.caseworker), appeal_id=appeal.pk, reason=LATE)
    assert Appeal.objects.get(pk=appeal.pk).state == Appeal.State.FORWARDED
    assert not AppealLetter.objects.filter(kind=Kind.DISMISSAL).exists()


def test_a_disqualified_caseworker_cannot_dismiss_the_appeal(cast):
    appeal = appealed(cast, cast.county_a)
    services.case_declare(actor=actor(cast.caseworker2), case_id=appeal.case_id, disqualified=True, reason="Søster")
    with pytest.raises(Refused, match="Du har erklært deg inhabil i denne saken"):
        services.appeal_dismiss(actor=actor(cast.caseworker2), appeal_id=appeal.pk, reason=LATE)
    assert Appeal.objects.get(pk=appeal.pk).state == Appeal.State.RECEIVED
    assert Case.objects.get(pk=appeal.case_id).state == Case.State.APPEALED


def test_the_caseworker_dismisses_on_the_appeal_page_and_a_missing_reason_is_said_in_words(client, cast):
    appeal = appealed(cast, cast.county_a)
    login(client, cast.caseworker)
    page = client.get(reverse("appeal_detail", args=[appeal.pk])).content.decode()
    assert f'action="{reverse("appeal_dismiss", args=[appeal.pk])}"' in page and "§ 33 andre ledd" in page
    response = client.post(reverse("appeal_dismiss", args=[appeal.pk]), {"reason": " "})
    assert response.status_code == 200 and "Skriv hvorfor klagen avvises." in response.content.decode()
    assert Appeal.objects.get(pk=appeal.pk).state == Appeal.State.RECEIVED
    response = client.post(reverse("appeal_dismiss", args=[appeal.pk]), {"reason": LATE})
    assert response.status_code == 302 and response["Location"] == reverse("appeal_detail", args=[appeal.pk])
    assert Appeal.objects.get(pk=appeal.pk).state == Appeal.State.DISMISSED
    body = client.get(reverse("appeal_detail", args=[appeal.pk])).content.decode()
    assert "IMDi avviste klagen" in body and LATE in body


# --- Appealing the dismissal of an appeal -----------------------------------------------------


def test_after_a_dismissal_the_county_can_appeal_again_within_the_new_deadline(client, cast):
    appeal = appealed(cast, cast.county_b)
    decision = appeal.decision
    services.appeal_dismiss(actor=actor(cast.caseworker), appeal_id=appeal.pk, reason=LATE)
    login(client, cast.staff_b)
    create = reverse("appeal_create", args=[decision.case.application_id, decision.pk])
    waiting = client.get(create).content.decode()
    assert "Vedtaket om å avvise klagen er ikke sendt ennå." in waiting and 'name="reasons"' not in waiting

    letter = issue(appeal.letters.get(kind=Kind.DISMISSAL), at=ISSUED_BEFORE_CHRISTMAS)
    view = reverse("decision_view", args=[decision.case.application_id, decision.pk])
    body = client.get(view).content.decode()
    assert "Klagefrist: 29.12.2025" in body and f'href="{create}"' in body
    assert f'href="{letter_url(letter)}"' in body and "Frist for å klage på avvisningen: 29.12.2025" in body
    form = client.get(create).content.decode()
    assert f"(vår referanse {letter.reference}). Nå klager dere på at klagen ble avvist." in form
    assert "Klagefrist: 29.12.2025" in form and 'name="reasons"' in form

    with time_machine.travel(dt.datetime(2025, 12, 29, 15, 0, tzinfo=OSLO)):
        login(client, cast.staff_b)
        response = client.post(create, {"reasons": "Vi klager på at klagen ble avvist."})
        assert response.status_code == 302 and response["Location"] == view
    again = Appeal.objects.filter(decision=decision).exclude(pk=appeal.pk).get()
    assert again.state == Appeal.State.RECEIVED
    assert again.deadline == DEADLINE and not again.is_late
    assert Case.objects.get(pk=decision.case_id).state == Case.State.APPEALED


# --- Forwarding to the ministry ---------------------------------------------------------------


def test_the_forwarding_letter_is_to_the_ministry_with_a_copy_to_the_county_and_its_attachments(cast):
    letter = forwarded(cast)
    appeal = letter.appeal
    decision_letter = appeal.decision.letter
    assert letter.language == "nb", "to the ministry: in bokmål, although county A writes nynorsk"
    text = pdf_text(letter)
    filed = timezone.localdate(appeal.filed_at, OSLO)
    issued = timezone.localdate(decision_letter.issued_at, OSLO)
    for sentence in (
        "Oversendelse av klage",
        cast.ministry.name,
        f"Vi oversender klagen fra {cast.county_a.name} på IMDis vedtak",
        "Klagen kom innen fristen.",
        "jf. forvaltningsloven § 33 fjerde ledd.",
        COVER,
        f"Vedlegg Klage fra {cast.county_a.name}, mottatt {filed:%d.%m.%Y}",
        f"IMDis vedtak om avvisning, vår referanse {decision_letter.reference}, datert {issued:%d.%m.%Y}",
        f"Kopi til {cast.county_a.name}",
    ):
        assert sentence in text, sentence
    assert appeal.state == Appeal.State.FORWARDED


def test_forwarding_without_a_ministry_in_the_portal_is_refused_in_words(cast):
    appeal = appealed(cast, cast.county_a)
    cast.ministry.delete()
    with pytest.raises(Refused, match="Departementet er ikke registrert i portalen"):
        services.appeal_forward(actor=actor(cast.caseworker), appeal_id=appeal.pk, cover_note=COVER)
    assert Appeal.objects.get(pk=appeal.pk).state == Appeal.State.RECEIVED and not AppealLetter.objects.exists()


def test_the_county_and_imdi_open_the_forwarding_letter_and_another_county_gets_404(client, cast):
    letter = forwarded(cast)
    for who in ("staff_a", "director_a", "caseworker", "auditor"):
        login(client, getattr(cast, who))
        response = client.get(letter_url(letter))
        assert response.status_code == 200, who
        assert response["Content-Type"] == "application/pdf"
        with letter.file.open("rb") as stored:
            assert b"".join(response.streaming_content) == stored.read(), who
    for who in ("staff_b", "director_b", "staff_c"):
        login(client, getattr(cast, who))
        assert client.get(letter_url(letter)).status_code == 404, who
    other = dismissal_of(cast, cast.county_b)
    login(client, cast.staff_b)
    under_own = reverse("appeal_letter_file", args=[other.case.application_id, letter.pk])
    assert client.get(under_own).status_code == 404, "only found under its own application"


def test_the_county_sees_the_forwarding_letter_and_then_the_outcome_on_its_page(client, cast):
    letter = forwarded(cast)
    decision = letter.appeal.decision
    view = reverse("decision_view", args=[decision.case.application_id, decision.pk])
    login(client, cast.staff_a)
    body = client.get(view).content.decode()
    assert f'href="{letter_url(letter)}"' in body and "Sendt til Arbeids- og inkluderingsdepartementet" in body
    services.appeal_outcome(
        actor=actor(cast.caseworker),
        appeal_id=letter.appeal_id,
        upheld=True,
        note="Departementet er enig med IMDi.",
        decided_on=timezone.localdate(),
    )
    body = client.get(view).content.decode()
    assert f"Departementet opprettholdt avvisningen {timezone.localdate():%d.%m.%Y}. Saken er avsluttet." in body
    assert "Departementet er enig med IMDi." in body


def test_a_letter_not_yet_made_is_not_served(client, cast):
    appeal = appealed(cast, cast.county_a)
    services.appeal_forward(actor=actor(cast.caseworker), appeal_id=appeal.pk, cover_note=COVER)
    letter = appeal.letters.get()
    assert letter.status == AppealLetter.Status.PENDING
    login(client, cast.staff_a)
    assert client.get(letter_url(letter)).status_code == 404


# --- E-mails ----------------------------------------------------------------------------------


def test_the_caseworker_of_the_case_is_emailed_when_an_appeal_arrives(cast, django_capture_on_commit_callbacks):
    decision = dismissal_of(cast, cast.county_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.appeal_file(actor=actor(cast.staff_a), decision_id=decision.pk, reasons=REASONS)
    assert [m.to for m in mail.outbox] == [[cast.caseworker.email]]
    message = mail.outbox[0]
    assert f"Ny klage fra {cast.county_a.name}" in message.subject
    assert reverse("appeal_detail", args=[Appeal.objects.get().pk]) in message.body


def test_all_caseworkers_without_a_conflict_are_emailed_when_nobody_has_the_case(
    cast, django_capture_on_commit_callbacks
):
    decision = dismissal_of(cast, cast.county_a)
    Case.objects.filter(pk=decision.case_id).update(assigned_to=None)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.appeal_file(actor=actor(cast.staff_a), decision_id=decision.pk, reasons=REASONS)
    assert sorted(mail.outbox[0].to) == sorted([cast.caseworker.email, cast.caseworker2.email])
    assert len(mail.outbox) == 1


def test_a_late_appeal_is_flagged_in_the_email_to_imdi(cast, django_capture_on_commit_callbacks):
    decision = dismissal_of(cast, cast.county_a)
    mail.outbox.clear()
    with time_machine.travel(timezone.now() + dt.timedelta(weeks=6)), django_capture_on_commit_callbacks(execute=True):
        services.appeal_file(actor=actor(cast.staff_a), decision_id=decision.pk, reasons=REASONS)
    assert "Klagen kom etter klagefristen" in mail.outbox[0].body and "§ 31" in mail.outbox[0].body


def test_the_county_is_emailed_when_its_appeal_is_forwarded(cast, django_capture_on_commit_callbacks):
    appeal = appealed(cast, cast.county_b)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.appeal_forward(actor=actor(cast.caseworker), appeal_id=appeal.pk, cover_note=COVER)
    letter = appeal.letters.get()
    letter.refresh_from_db()
    assert letter.status == AppealLetter.Status.READY and letter.notified_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert cast.director_b.email in message.to and cast.county_b.letter_email in message.to
    assert "er sendt til departementet" in message.subject
    assert "Dere har fått kopi av oversendelsesbrevet til departementet." in message.body
    assert letter.reference in message.body and "Arbeids- og inkluderingsdepartementet" in message.body


def test_the_county_is_emailed_in_nynorsk_when_its_appeal_is_dismissed(cast, django_capture_on_commit_callbacks):
    appeal = appealed(cast, cast.county_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.appeal_dismiss(actor=actor(cast.caseworker), appeal_id=appeal.pk, reason=LATE)
    letter = appeal.letters.get()
    letter.refresh_from_db()
    assert [m.to for m in mail.outbox][0] and len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "IMDi har avvist klaga" in body and f"Klagefristen er {letter.appeal_deadline:%d.%m.%Y}." in body


@pytest.mark.parametrize(
    ("upheld", "said"),
    [
        (True, "Departementet opprettholdt avvisningen. Vedtaket står, og saken er avsluttet."),
        (False, "Departementet omgjorde vedtaket. IMDi vurderer søknaden på nytt"),
    ],
)
def test_the_county_is_emailed_the_ministrys_outcome(cast, django_capture_on_commit_callbacks, upheld, said):
    appeal = forwarded(cast, cast.county_b).appeal
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.appeal_outcome(
            actor=actor(cast.caseworker),
            appeal_id=appeal.pk,
            upheld=upheld,
            note="Departementets referanse 25/1234.",
            decided_on=timezone.localdate(),
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert cast.director_b.email in message.to
    assert "Departementet har avgjort klagen" in message.subject
    assert said in message.body and "Departementets referanse 25/1234." in message.body


# --- The sweep --------------------------------------------------------------------------------


def test_the_periodic_sweep_makes_an_appeal_letter_never_made(cast, django_capture_on_commit_callbacks):
    appeal = appealed(cast, cast.county_b)
    services.appeal_dismiss(actor=actor(cast.caseworker), appeal_id=appeal.pk, reason=LATE)
    letter = appeal.letters.get()
    assert letter.status == AppealLetter.Status.PENDING  # the task after the commit never ran
    AppealLetter.objects.filter(pk=letter.pk).update(created_at=timezone.now() - dt.timedelta(minutes=10))
    assert appeal_letters.unfinished_appeal_letters() == [letter.pk]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep_letters()
    letter.refresh_from_db()
    assert letter.status == AppealLetter.Status.READY and letter.sha256 and letter.notified_at
    assert len(mail.outbox) == 1
    assert appeal_letters.unfinished_appeal_letters() == []


def test_the_decision_page_keeps_its_query_count_as_appeal_letters_grow(client, cast):
    decision = dismissal_of(cast, cast.county_a)
    now = timezone.now()

    def add_rows(n):
        for _i in range(n):
            appeal = Appeal.objects.create(
                case=decision.case,
                decision=decision,
                state=Appeal.State.UPHELD,
                reasons=REASONS,
                filed_by=cast.staff_a,
                filed_at=now,
                deadline=now.date(),
                forwarded_at=now,
                decided_on=now.date(),
            )
            AppealLetter.objects.create(
                appeal=appeal,
                kind=Kind.FORWARDING,
                reference=f"K{appeal.pk}",
                language="nb",
                written_by=cast.caseworker,
                status=AppealLetter.Status.READY,
                file="brev/klagebrev.pdf",
                sha256="0" * 64,
                issued_at=now,
            )

    login(client, cast.staff_a)
    assert_constant_queries(
        client, reverse("decision_view", args=[decision.case.application_id, decision.pk]), add_rows
    )
