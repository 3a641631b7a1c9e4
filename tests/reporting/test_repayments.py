"""Repayment claims (R19): prior notice with a deadline for comments (good administrative practice), the
county's comments, the claim letter PDF stored with its SHA-256, and the repayment recorded."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from grants.models import ImpartialityDeclaration
from grants.services import Refused
from portal.models import AuditEvent
from reporting import letters
from reporting.models import AnnualReport, RepaymentClaim
from reporting.services import repayments, review
from tests import factories as f
from tests.conftest import assert_constant_queries, login
from tests.reporting.helpers import paid_grant, send_claim
from tests.reporting.test_review import bulk_grants, submitted_report

pytestmark = pytest.mark.django_db

START = "2027-03-01 12:00:00+01:00"  # a Monday; a notice then has its comment deadline 15.03.2027
ACCOUNT = "7694.05.12340"
EXPLANATION = "Regnskapet viser 200 000 kroner som ikke er brukt, og fylkeskommunen søkte ikke om overføring."


def flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def pdf_text(data: bytes) -> str:
    return flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def approved_with_unused(cast, **kwargs):
    """County A's paid grant of 1 000 000 with an approved report that left 200 000 unused."""
    decision = paid_grant(cast, **kwargs)
    report = submitted_report(decision)
    review.report_approve(actor=f.actor_for(cast.caseworker), report_id=report.pk, note="", carry_over=False)
    return decision


def notice(cast, decision, *, amount="200000", user=None, deadline=None) -> RepaymentClaim:
    return repayments.repayment_notice(
        actor=f.actor_for(user or cast.caseworker),
        decision_id=decision.pk,
        reason=RepaymentClaim.Reason.UNUSED,
        amount=Decimal(amount),
        explanation=EXPLANATION,
        comment_deadline=deadline or timezone.localdate() + dt.timedelta(days=14),
    )


def view_url(claim) -> str:
    return reverse("repayment_view", args=[claim.case.application_id, claim.pk])


# --- The whole way: notice, comments, claim letter, repayment ---------------------------------


def send_the_notice(client, cast, decision, django_capture_on_commit_callbacks) -> RepaymentClaim:
    """The notice form is prefilled with the unused amount of the approved report; IMDi sends it."""
    create_url = reverse("repayment_create", args=[decision.pk])
    page = client.get(create_url).content.decode()
    assert 'value="200 000"' in page
    assert "minst 14 dager" in page

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            create_url,
            {"reason": "unused", "amount": "200 000", "explanation": EXPLANATION, "comment_deadline": "2027-03-15"},
        )
    claim = RepaymentClaim.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("repayment_detail", args=[claim.pk])
    assert claim.state == RepaymentClaim.State.NOTICE
    assert claim.reference == f"TB-2027-{claim.pk:05d}"
    assert claim.report == decision.annual_report
    assert claim.language == "nn"  # county A writes nynorsk
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {cast.county_a.letter_email, cast.director_a.email, cast.delegate_a.email}
    assert view_url(claim) in mail.outbox[0].body
    return claim


def comment_on_the_last_day(client, cast, claim, time_machine) -> None:
    """The county reads the notice and comments on the last day (inclusive, Oslo time)."""
    login(client, cast.staff_a)
    page = client.get(view_url(claim)).content.decode()
    assert "15.03.2027" in page and "Send merknadene" in page
    time_machine.move_to("2027-03-15 23:30:00+01:00", tick=False)
    login(client, cast.staff_a)  # a new session: the old one expired while time moved
    response = client.post(view_url(claim), {"comment": "Midlene er bundet i avtaler for våren 2027."})
    assert response.status_code == 302 and response["Location"] == view_url(claim)
    claim.refresh_from_db()
    assert claim.county_comment == "Midlene er bundet i avtaler for våren 2027."
    assert claim.commented_by == cast.staff_a


def propose_a_lower_claim(client, cast, claim, django_capture_on_commit_callbacks) -> None:
    """Carl lowers the amount after the comments and proposes the claim: no letter goes yet, and the
    page names the budget holder who may approve it (Cora, not Carl)."""
    login(client, cast.caseworker)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("repayment_claim_create", args=[claim.pk]),
            {"krav-amount": "150 000", "krav-due_date": "2027-04-30", "krav-account_number": "76940512340"},
        )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == RepaymentClaim.State.CLAIM_PROPOSED
    assert (claim.proposed_by, claim.letter.name, claim.claimed_at) == (cast.caseworker, "", None)
    assert mail.outbox == []
    page = flat(client.get(reverse("repayment_detail", args=[claim.pk])).content.decode())
    assert "Krav venter på godkjenning" in page and "Kan godkjenne: Cora Case." in page
    assert "Du foreslo kravet. En annen budsjettdisponent må godkjenne det." in page
    assert reverse("repayment_approve", args=[claim.pk]) not in page


def send_a_lower_claim_with_its_letter(client, cast, claim, django_capture_on_commit_callbacks) -> bytes:
    """Cora, a budget holder of the scheme, approves the claim: the letter is made now."""
    propose_a_lower_claim(client, cast, claim, django_capture_on_commit_callbacks)
    login(client, cast.caseworker2)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("repayment_approve", args=[claim.pk]))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == RepaymentClaim.State.CLAIMED
    assert (claim.claimed_by, claim.approved_by) == (cast.caseworker, cast.caseworker2)
    assert (claim.amount, claim.due_date, claim.account_number) == (Decimal("150000.00"), dt.date(2027, 4, 30), ACCOUNT)
    assert claim.letter_status == RepaymentClaim.LetterStatus.ISSUED
    with claim.letter.open("rb") as stored:
        data = stored.read()
    assert claim.letter_sha256 == hashlib.sha256(data).hexdigest()
    text = pdf_text(data)
    assert "kr 150 000" in text
    assert "30.04.2027" in text
    assert claim.reference in text
    assert ACCOUNT in text
    assert "01.03.2027" in text  # the date of the prior notice
    assert "kr 200 000" in text  # the amount in the notice, lowered
    assert "Carl Case" in text and "Cora Case" in text  # proposed by one, approved by the other
    # The notice is good administrative practice, not forvaltningsloven § 16 (the claim is no enkeltvedtak).
    assert "god forvaltningsskikk" in text and "§ 16" not in text
    assert claim.letter_notified_at is not None
    assert len(mail.outbox) == 1 and view_url(claim) in mail.outbox[0].body
    return data


def record_the_repayment(client, cast, claim, time_machine) -> None:
    """The repayment must be the claimed amount."""
    time_machine.move_to("2027-04-21 10:00:00+02:00", tick=False)
    login(client, cast.caseworker)
    record_url = reverse("repayment_record", args=[claim.pk])
    response = client.post(record_url, {"betalt-amount": "100 000", "betalt-repaid_on": "2027-04-20"})
    assert response.status_code == 200
    assert "Kravet er på kr" in response.content.decode()
    claim.refresh_from_db()
    assert claim.state == RepaymentClaim.State.CLAIMED
    response = client.post(record_url, {"betalt-amount": "150 000", "betalt-repaid_on": "2027-04-20"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == RepaymentClaim.State.REPAID
    assert (claim.repaid_amount, claim.repaid_on) == (Decimal("150000.00"), dt.date(2027, 4, 20))


def test_notice_comments_claim_letter_and_repayment(client, cast, time_machine, django_capture_on_commit_callbacks):
    decision = approved_with_unused(cast)
    type(cast.delegation_a).objects.filter(pk=cast.delegation_a.pk).update(
        valid_to=dt.datetime.fromisoformat(START) + dt.timedelta(days=365)
    )
    time_machine.move_to(START, tick=False)
    login(client, cast.caseworker)

    claim = send_the_notice(client, cast, decision, django_capture_on_commit_callbacks)
    comment_on_the_last_day(client, cast, claim, time_machine)
    data = send_a_lower_claim_with_its_letter(client, cast, claim, django_capture_on_commit_callbacks)

    # The county opens the letter; the detail page shows its SHA-256.
    assert claim.letter_sha256 in client.get(reverse("repayment_detail", args=[claim.pk])).content.decode()
    login(client, cast.staff_a)
    response = client.get(reverse("repayment_letter", args=[claim.case.application_id, claim.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == data

    record_the_repayment(client, cast, claim, time_machine)
    actions = list(
        AuditEvent.objects.filter(action__startswith="repayment.").order_by("at", "id").values_list("action", flat=True)
    )
    assert actions == [
        "repayment.notice_sent",
        "repayment.commented",
        "repayment.claim_proposed",
        "repayment.claimed",
        "repayment.recorded",
    ]
    login(client, cast.staff_a)
    assert "IMDi har registrert at kr" in client.get(view_url(claim)).content.decode()


def test_a_comment_after_the_deadline_is_refused_and_the_letter_says_none_came(client, cast, time_machine):
    decision = approved_with_unused(cast)
    time_machine.move_to(START, tick=False)
    claim = notice(cast, decision)
    time_machine.move_to("2027-03-16 00:10:00+01:00", tick=False)
    login(client, cast.director_a)
    response = client.post(view_url(claim), {"comment": "For sent?"})
    assert response.status_code == 200
    assert "Fristen for merknader gikk ut 15.03.2027" in response.content.decode()
    claim.refresh_from_db()
    assert claim.commented_at is None and claim.county_comment == ""

    send_claim(cast, claim_id=claim.pk, due_date=dt.date(2027, 4, 30), account_number=ACCOUNT)
    claim.refresh_from_db()
    with claim.letter.open("rb") as stored:
        text = pdf_text(stored.read())
    assert "kr 200 000" in text
    assert "Vi har ikkje fått merknader" in text or "Vi har ikke mottatt merknader" in text


def test_the_claim_waits_for_the_comment_deadline(cast, time_machine):
    decision = approved_with_unused(cast)
    time_machine.move_to(START, tick=False)
    claim = notice(cast, decision)
    with pytest.raises(Refused, match="kan komme med merknader til og med 15.03.2027"):
        repayments.repayment_claim(
            actor=f.actor_for(cast.caseworker),
            claim_id=claim.pk,
            due_date=dt.date(2027, 4, 30),
            account_number=ACCOUNT,
        )
    claim.refresh_from_db()
    assert claim.state == RepaymentClaim.State.NOTICE and not claim.letter


def test_the_claim_amount_can_be_lowered_not_raised(cast, time_machine):
    decision = approved_with_unused(cast)
    time_machine.move_to(START, tick=False)
    claim = notice(cast, decision)
    time_machine.move_to("2027-03-16 09:00:00+01:00", tick=False)
    with pytest.raises(Refused, match="ikke være høyere"):
        repayments.repayment_claim(
            actor=f.actor_for(cast.caseworker),
            claim_id=claim.pk,
            due_date=dt.date(2027, 4, 30),
            account_number=ACCOUNT,
            amount=Decimal("200001"),
        )


def test_a_failed_letter_saves_nothing_and_the_caseworker_is_told(client, cast, time_machine, monkeypatch):
    decision = approved_with_unused(cast)
    time_machine.move_to(START, tick=False)
    claim = notice(cast, decision)
    time_machine.move_to("2027-03-16 09:00:00+01:00", tick=False)

    def broken(*args, **kwargs):
        raise OSError("font missing")

    monkeypatch.setattr(letters, "claim_letter_pdf", broken)
    repayments.repayment_claim(
        actor=f.actor_for(cast.caseworker), claim_id=claim.pk, due_date=dt.date(2027, 4, 30), account_number=ACCOUNT
    )
    login(client, cast.caseworker2)
    response = client.post(reverse("repayment_approve", args=[claim.pk]))
    assert response.status_code == 200
    assert "Kravbrevet kunne ikke lages" in response.content.decode()
    claim.refresh_from_db()
    assert claim.state == RepaymentClaim.State.CLAIM_PROPOSED
    assert (claim.letter.name, claim.letter_sha256, claim.claimed_at) == ("", "", None)
    assert not AuditEvent.objects.filter(action="repayment.claimed").exists()


# --- Rules of the notice ----------------------------------------------------------------------


def test_a_claim_above_what_was_paid_is_refused(client, cast):
    decision = approved_with_unused(cast)
    login(client, cast.caseworker)
    response = client.post(
        reverse("repayment_create", args=[decision.pk]),
        {
            "reason": "not_for_purpose",
            "amount": "1 000 001",
            "explanation": "Brukt til ordinær drift.",
            "comment_deadline": (timezone.localdate() + dt.timedelta(days=21)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "Det kan kreves tilbake høyst kr\u00a01\u00a0000\u00a0000" in response.content.decode()
    assert not RepaymentClaim.objects.exists()


def test_the_comment_deadline_must_give_the_county_fourteen_days(client, cast):
    decision = approved_with_unused(cast)
    login(client, cast.caseworker)
    response = client.post(
        reverse("repayment_create", args=[decision.pk]),
        {
            "reason": "unused",
            "amount": "200 000",
            "explanation": EXPLANATION,
            "comment_deadline": (timezone.localdate() + dt.timedelta(days=13)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "minst 14 dager fram i tid" in response.content.decode()
    assert not RepaymentClaim.objects.exists()


def test_a_second_open_claim_on_a_decision_is_refused(client, cast):
    decision = approved_with_unused(cast)
    first = notice(cast, decision)
    with pytest.raises(Refused, match="allerede et åpent krav"):
        notice(cast, decision, amount="1000")
    login(client, cast.caseworker)
    page = client.get(reverse("repayment_create", args=[decision.pk])).content.decode()
    assert "Det er allerede et åpent krav" in page and reverse("repayment_detail", args=[first.pk]) in page
    # The database refuses it too.
    with pytest.raises(IntegrityError), transaction.atomic():
        RepaymentClaim.objects.create(
            case=first.case,
            decision=decision,
            reason="unused",
            amount=Decimal("1"),
            explanation="x",
            reference="TB-X",
            notice_sent_at=timezone.now(),
            notice_sent_by=cast.caseworker,
            comment_deadline=first.comment_deadline,
        )


def test_a_cancelled_claim_leaves_room_for_a_new_notice(client, cast):
    decision = approved_with_unused(cast)
    claim = notice(cast, decision)
    login(client, cast.caseworker)
    response = client.post(
        reverse("repayment_cancel", args=[claim.pk]), {"frafall-reason": "Midlene ble brukt i januar."}
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.state, claim.cancelled_reason) == (RepaymentClaim.State.CANCELLED, "Midlene ble brukt i januar.")
    assert notice(cast, decision, amount="50000").state == RepaymentClaim.State.NOTICE


def test_a_caseworker_with_a_conflict_cannot_give_notice_or_claim(client, cast):
    decision = approved_with_unused(cast)
    ImpartialityDeclaration.objects.create(
        case=decision.case, user=cast.caseworker2, disqualified=True, reason="Nær familie i prosjektet."
    )
    with pytest.raises(Refused, match="inhabil"):
        notice(cast, decision, user=cast.caseworker2)
    claim = notice(cast, decision)
    login(client, cast.caseworker2)
    response = client.post(reverse("repayment_cancel", args=[claim.pk]), {"frafall-reason": "Feil"})
    assert response.status_code == 200
    assert "inhabil" in response.content.decode()
    claim.refresh_from_db()
    assert claim.state == RepaymentClaim.State.NOTICE


# --- Access -----------------------------------------------------------------------------------


def test_another_county_gets_404_on_the_claim_and_its_letter(client, cast, time_machine):
    decision = approved_with_unused(cast)
    time_machine.move_to(START, tick=False)
    claim = notice(cast, decision)
    time_machine.move_to("2027-03-16 09:00:00+01:00", tick=False)
    send_claim(cast, claim_id=claim.pk, due_date=dt.date(2027, 4, 30), account_number=ACCOUNT)
    login(client, cast.staff_b)
    assert client.get(view_url(claim)).status_code == 404
    assert client.post(view_url(claim), {"comment": "Hei"}).status_code == 404
    letter = reverse("repayment_letter", args=[claim.case.application_id, claim.pk])
    assert client.get(letter).status_code == 404
    # County B's own application does not open A's claim either.
    other = bulk_grants(cast, 1)[0]
    assert client.get(reverse("repayment_view", args=[other.case.application_id, claim.pk])).status_code == 404


@pytest.mark.parametrize(
    ("role", "imdi_get", "imdi_post", "county_get", "county_post"),
    [
        ("anonymous", 302, 302, 302, 302),
        ("stranger", 403, 403, 403, 403),
        ("county_staff", 403, 403, 200, 200),  # the comment is refused on the page (200), not by access
        ("county_director", 403, 403, 200, 200),
        ("caseworker", 200, 200, 200, 403),
        ("admin", 200, 403, 200, 403),
        ("auditor", 200, 403, 200, 403),
    ],
)
def test_who_may_read_and_act_on_a_claim(client, cast, login_as, role, imdi_get, imdi_post, county_get, county_post):
    claim = notice(cast, approved_with_unused(cast))
    login_as(role)
    detail = reverse("repayment_detail", args=[claim.pk])
    assert client.get(detail).status_code == imdi_get
    assert client.get(reverse("repayment_list")).status_code == imdi_get
    assert client.get(reverse("repayment_create", args=[claim.decision_id])).status_code == imdi_get
    # An empty claim form: a caseworker sees the errors (200), others are stopped before it.
    assert client.post(reverse("repayment_claim_create", args=[claim.pk]), {}).status_code == imdi_post
    assert client.post(reverse("repayment_record", args=[claim.pk]), {}).status_code == imdi_post
    assert client.post(reverse("repayment_cancel", args=[claim.pk]), {}).status_code == imdi_post
    for name in ("repayment_approve", "repayment_send_back", "repayment_set_off", "repayment_interest_paid"):
        assert client.post(reverse(name, args=[claim.pk]), {}).status_code == imdi_post
    assert client.get(view_url(claim)).status_code == county_get
    assert client.post(view_url(claim), {}).status_code == county_post
    claim.refresh_from_db()
    assert claim.state == RepaymentClaim.State.NOTICE and claim.commented_at is None


# --- Lists and panels -------------------------------------------------------------------------


def _claims(cast, n):
    for decision in bulk_grants(cast, n, with_report=AnnualReport.State.APPROVED, paid="500000"):
        claim = notice(cast, decision, amount="1000")
        if decision.pk % 2:
            RepaymentClaim.objects.filter(pk=claim.pk).update(
                state=RepaymentClaim.State.CLAIMED,
                claimed_at=timezone.now(),
                claimed_by=cast.caseworker,
                due_date=timezone.localdate() + dt.timedelta(days=10),
                account_number=ACCOUNT,
            )


def test_repayment_list_query_count_is_constant(client, cast):
    login(client, cast.caseworker)
    assert_constant_queries(client, reverse("repayment_list"), lambda n: _claims(cast, n))


def test_repayment_list_shows_claimed_ones_first_with_due_dates(client, cast):
    _claims(cast, 4)
    login(client, cast.caseworker)
    page = client.get(reverse("repayment_list")).content.decode()
    claimed = RepaymentClaim.objects.filter(state="claimed").first()
    waiting = RepaymentClaim.objects.filter(state="notice").first()
    assert page.index(claimed.reference) < page.index(waiting.reference)
    assert claimed.due_date.strftime("%d.%m.%Y") in page


def test_county_dashboard_lists_its_open_claims(client, cast):
    claim = notice(cast, approved_with_unused(cast))
    login(client, cast.staff_a)
    page = client.get(reverse("dashboard")).content.decode()
    assert "Krav om tilbakebetaling" in page and view_url(claim) in page
    login(client, cast.staff_b)
    assert view_url(claim) not in client.get(reverse("dashboard")).content.decode()
