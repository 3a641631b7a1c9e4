"""Everything IMDi sends a county is in the county's written standard (språklova § 10; issue 13, item 1).

Two counties go through a whole year with IMDi, through the services and the tasks they schedule, as
in production: Vestland writes nynorsk, Agder bokmål. They are sent for confirmation, returned,
confirmed (the receipt), withdrawn; IMDi grants, rejects and dismisses; the county accepts, reports, is
returned and approved with a carry-over, gets a prior notice and a claim and repays; it appeals a
dismissal twice (dismissed, then forwarded to the ministry, which upholds it); and the reminder sweep
runs when each reminder is due. Every e-mail that reaches the county, and every PDF it can open (the
receipt, the letters, the claim letter), is kept as the county reads it: the e-mail's subject and body,
the PDF's text.

Each document is a test case of its own. A nynorsk county's must hold none of ``BOKMAL_ONLY``, a bokmål
county's none of ``NYNORSK_ONLY``; IMDi's own e-mails about them, and the forwarding letter to the
ministry (written in bokmål, the county gets a copy), none of ``NYNORSK_ONLY`` either.

The texts admins write (scheme, call, cost categories, criteria, IMDi's name) are given in both
standards, in the columns django-modeltranslation adds (tests.written_standards, which also holds the
word lists and says why "søknaden", "vedtaket" and "fylkeskommunen har" are not in them: nynorsk writes
them the same). What the year does not reach is checked in the catalogue: no nynorsk translation has a
bokmål-only word.

The world is built once for the module, inside a transaction that is rolled back; the tests only read
the texts it kept.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.test import TestCase
from django.utils import timezone, translation
from pypdf import PdfReader

from grants import services
from grants.models import AppealLetter, Application, Decision
from grants.snapshots import requested_per_category
from portal.dates import start_of_day
from portal.models import Organisation, Role
from reporting import reminders, tasks
from reporting.models import AnnualReport, RepaymentClaim
from reporting.services import repayments, review
from tests import factories as f
from tests.grants import helpers_payments as hp
from tests.reporting.test_review import submitted_report
from tests.written_standards import (
    BOKMAL_ONLY,
    IMDI_NAME,
    NYNORSK_ONLY,
    assert_none_of,
    decide,
    found,
    make_application,
    make_call,
    make_county,
    make_org,
    make_scheme,
)

pytestmark = pytest.mark.django_db  # the documents are made in the test database (see ``documents``)


# --- The documents ----------------------------------------------------------------------------------

# E-mails to the county, by what happened (each step's e-mails to the county, subject and body).
COUNTY_EMAILS = [
    "email-awaiting-confirmation",
    "email-application-returned",
    "email-receipt",
    "email-application-withdrawn",
    "email-grant-letter-ready",
    "email-rejection-letter-ready",
    "email-dismissal-letter-ready",
    "email-report-returned",
    "email-report-approved-with-carry-over",
    "email-repayment-notice",
    "email-claim-letter-ready",
    "email-repayment-recorded",
    "email-appeal-dismissed",
    "email-appeal-forwarded",
    "email-appeal-decided",
    "reminder-application-deadline",
    "reminder-awaiting-confirmation",
    "reminder-awaiting-acceptance",
    "reminder-report-deadline",
    "reminder-report-overdue",
    "reminder-repayment-due",
]
COUNTY_PDFS = [
    "pdf-receipt",
    "pdf-grant-letter",
    "pdf-rejection-letter",
    "pdf-dismissal-letter",
    "pdf-appeal-dismissal-letter",
    "pdf-claim-letter",
]
# What IMDi reads about the county: in bokmål, IMDi's standard, whatever the county writes.
IMDI_DOCUMENTS = [
    "imdi-email-submission-received",
    "imdi-email-grant-accepted",
    "imdi-email-report-submitted",
    "imdi-email-repayment-commented",
    "imdi-email-appeal-received",
    "pdf-forwarding-letter-to-the-ministry",
]
OTHER = "email-any-other"  # e-mails to the county at steps not named above (a second receipt…)


# What IMDi writes to the county in a case, in the county's standard.
IMDI_WRITES = {
    "nn": {
        "return": "Rekneskapen manglar underskrift frå prosjektansvarleg.",
        "note": "Rapporten er god. Takk for arbeidet.",
        "explanation": "Ein del av tilskotet er brukt til ordinær drift, som ikkje kan dekkjast.",
        "comment": "Vi meiner kostnaden høyrer til prosjektet.",
        "appeal": "Søknaden kom inn i tide; IMDi har lese feil dato.",
        "dismiss_appeal": "Klaga kom sju veker etter fristen.",
        "outcome": "Departementet er einig med IMDi.",
    },
    "nb": {
        "return": "Regnskapet mangler underskrift fra prosjektansvarlig.",
        "note": "Rapporten er god. Takk for arbeidet.",
        "explanation": "En del av tilskuddet er brukt til ordinær drift, som ikke kan dekkes.",
        "comment": "Vi mener kostnaden hører til prosjektet.",
        "appeal": "Søknaden kom inn i tide; IMDi har lest feil dato.",
        "dismiss_appeal": "Klagen kom sju uker etter fristen.",
        "outcome": "Departementet er enig med IMDi.",
    },
}
COVER_NOTE = "IMDi står ved vedtaket: søknaden kom etter fristen."  # to the ministry, in bokmål


# --- The world ----------------------------------------------------------------------------------------


class Kept:
    """The documents kept as each reader reads them: ``docs[audience][name]`` (audience "nn", "nb" or
    "imdi"); e-mails are taken from the outbox after each step and sorted by who they went to."""

    def __init__(self, counties: dict[str, SimpleNamespace]):
        self.counties = counties
        self.docs: dict[str, dict[str, str]] = {"nn": {}, "nb": {}, "imdi": {}}
        self.taken = 0

    def add(self, audience: str, name: str, text: str) -> None:
        before = self.docs[audience].get(name, "")
        self.docs[audience][name] = f"{before}\n\n{text}" if before else text

    def emails(self, name: str, *, imdi: str | None = None) -> None:
        """The e-mails sent since the last step: to a county as ``name``, to IMDi as ``imdi``."""
        new, self.taken = mail.outbox[self.taken :], len(mail.outbox)
        for message in new:
            text = f"{message.subject}\n\n{message.body}"
            addresses = " ".join(message.to)
            audience = next(
                (code for code, c in self.counties.items() if f"@{c.domain}" in addresses),
                "imdi" if "@imdi.example" in addresses else None,
            )
            assert audience is not None, f"an e-mail to nobody we know: {message.to} {message.subject}"
            if audience == "imdi":
                self.add("imdi", imdi or "imdi-email-any-other", text)
            else:
                self.add(audience, name, text)

    def pdf(self, audience: str, name: str, stored) -> None:
        with stored.open("rb") as file:
            pages = PdfReader(io.BytesIO(file.read())).pages
        self.add(audience, name, " ".join(" ".join((page.extract_text() or "").split()) for page in pages))


def _as(user):
    return f.actor_for(user)


def _sweep(kept: Kept, name: str, moment: dt.datetime) -> None:
    """The reminder sweep at ``moment``; what it sends is kept as ``name``."""
    with time_machine.travel(moment, tick=False):
        reminders.sweep_reminders()
    kept.emails(name)


def committed():
    """Run the work the services schedule after their commit (the tasks, eagerly), as production does."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def _setting() -> SimpleNamespace:
    """IMDi with two caseworkers, the ministry, the two counties, the scheme and its four calls."""
    now = timezone.now()
    imdi_org = make_org(IMDI_NAME, kind=Organisation.Kind.DIRECTORATE, domain="imdi.example")
    ministry = "Arbeids- og inkluderingsdepartementet"
    make_org((ministry, ministry), kind=Organisation.Kind.MINISTRY, domain="aid.example")
    w = SimpleNamespace(decisions={}, claims={})
    w.imdi = SimpleNamespace(
        caseworker=f.make_user("carl@imdi.example", name="Carl Case", roles=[(imdi_org, Role.CASEWORKER)]),
        caseworker2=f.make_user("cora@imdi.example", name="Cora Case", roles=[(imdi_org, Role.CASEWORKER)]),
    )
    w.counties = {
        "nn": make_county("nn", "Vestland fylkeskommune", "vestland.example"),
        "nb": make_county("nb", "Agder fylkeskommune", "agder.example"),
    }
    w.kept = Kept(w.counties)
    orgs = [c.org for c in w.counties.values()]
    scheme = make_scheme(imdi_org)
    deadline = now + dt.timedelta(days=20)
    w.grant_call = make_call(scheme, year=2101, deadline=deadline, counties=orgs)
    w.rejection_call = make_call(scheme, year=2201, deadline=deadline, counties=orgs)
    w.dismissal_call = make_call(scheme, year=2301, deadline=deadline, counties=orgs)
    # Next year's call of the grant (the carry-over goes there), open longer.
    w.next_year = make_call(scheme, year=2102, deadline=now + dt.timedelta(days=60), counties=orgs)
    return w


def _applications(w) -> None:
    """Sent for confirmation, returned by the director, sent again, reminded, confirmed (the receipt),
    withdrawn, sent and confirmed again; then the applications to the two other calls."""
    kept = w.kept
    applications = {code: make_application(w.grant_call, c) for code, c in w.counties.items()}
    for code, c in w.counties.items():
        application = applications[code]
        with committed():
            services.application_send(actor=_as(c.staff), application_id=application.pk)
        kept.emails("email-awaiting-confirmation")
        with committed():
            reason = IMDI_WRITES[code]["comment"]
            services.application_return(actor=_as(c.director), application_id=application.pk, reason=reason)
        kept.emails("email-application-returned")
        with committed():
            services.application_send(actor=_as(c.staff), application_id=application.pk)
        kept.emails(OTHER)
    _sweep(kept, "reminder-awaiting-confirmation", timezone.now() + dt.timedelta(days=2, hours=1))
    for code, c in w.counties.items():
        application = applications[code]
        with committed():
            submission = services.application_confirm(actor=_as(c.director), application_id=application.pk)
        kept.emails("email-receipt", imdi="imdi-email-submission-received")
        submission.refresh_from_db()
        kept.pdf(code, "pdf-receipt", submission.receipt)
        with committed():
            services.application_withdraw(actor=_as(c.staff), application_id=application.pk)
        kept.emails("email-application-withdrawn")
        for call in (w.grant_call, w.rejection_call, w.dismissal_call):
            application = applications[code] if call == w.grant_call else make_application(call, c)
            with committed():
                services.application_send(actor=_as(c.staff), application_id=application.pk)
                services.application_confirm(actor=_as(c.director), application_id=application.pk)
            kept.emails(OTHER, imdi="imdi-email-submission-received")


def _decisions(w) -> None:
    """IMDi grants, rejects and dismisses; a reminder to accept the grant; accepted and paid."""
    kept = w.kept
    for code, c in w.counties.items():
        for call, kind in (
            (w.grant_call, Decision.Kind.GRANT),
            (w.rejection_call, Decision.Kind.REJECTION),
            (w.dismissal_call, Decision.Kind.DISMISSAL),
        ):
            case = call.cases.get(application__organisation=c.org)
            with committed():
                decision = decide(w.imdi, case, kind)
            w.decisions[code, kind] = Decision.objects.select_related("letter").get(pk=decision.pk)
            kept.emails(f"email-{kind}-letter-ready")
            kept.pdf(code, f"pdf-{kind}-letter", w.decisions[code, kind].letter.file)
    grant_letter = w.decisions["nn", Decision.Kind.GRANT].letter
    _sweep(kept, "reminder-awaiting-acceptance", grant_letter.issued_at + dt.timedelta(days=7, hours=1))
    for code, c in w.counties.items():
        grant = w.decisions[code, Decision.Kind.GRANT]
        with committed():  # the account the grant is paid to, confirmed before it is accepted
            hp.confirmed_account(w.imdi, c.org, staff=c.staff, director=c.director)
            services.decision_accept(actor=_as(c.director), decision_id=grant.pk)
        kept.emails(OTHER, imdi="imdi-email-grant-accepted")
        with committed():  # attested by one caseworker, approved by the other, confirmed by the bank
            hp.approved_payment(w.imdi, grant, grant.amount)
            hp.confirm_all(w.imdi, paid_on=timezone.localdate())
        kept.emails(OTHER)


def _reports(w) -> None:
    """Reminded before and after the report deadline; submitted, returned, approved with a carry-over."""
    kept, caseworker = w.kept, _as(w.imdi.caseworker)
    report_deadline = w.decisions["nn", Decision.Kind.GRANT].report_deadline
    _sweep(kept, "reminder-report-deadline", report_deadline - dt.timedelta(hours=12))
    _sweep(kept, "reminder-report-overdue", report_deadline + dt.timedelta(days=1))
    for code in w.counties:
        writes = IMDI_WRITES[code]
        grant = w.decisions[code, Decision.Kind.GRANT]
        # A multi-year project (R18: only such a project carries unused funds over).
        Application.objects.filter(pk=grant.case.application_id).update(
            period_end=dt.date(grant.case.call.year + 1, 12, 31)
        )
        report = submitted_report(grant, requested=True, reason=writes["comment"])
        with committed():
            tasks.notify_submitted(report.pk)
        kept.emails(OTHER, imdi="imdi-email-report-submitted")
        with committed():
            review.report_return(actor=caseworker, report_id=report.pk, reason=writes["return"])
        kept.emails("email-report-returned")
        AnnualReport.objects.filter(pk=report.pk).update(state=AnnualReport.State.SUBMITTED)  # sent in again
        with committed():
            review.report_approve(actor=caseworker, report_id=report.pk, note=writes["note"], carry_over=True)
        kept.emails("email-report-approved-with-carry-over")


def _repayments(w) -> None:
    """A prior notice, the county's comments, the claim, a reminder before it falls due, the repayment."""
    kept, caseworker = w.kept, _as(w.imdi.caseworker)
    today = timezone.localdate()
    due = today + dt.timedelta(days=30)
    for code, c in w.counties.items():
        with committed():
            claim = repayments.repayment_notice(
                actor=caseworker,
                decision_id=w.decisions[code, Decision.Kind.GRANT].pk,
                reason=RepaymentClaim.Reason.NOT_FOR_PURPOSE,
                amount=Decimal("100000"),
                explanation=IMDI_WRITES[code]["explanation"],
                comment_deadline=today + dt.timedelta(days=14),
            )
        kept.emails("email-repayment-notice")
        with committed():
            repayments.repayment_comment(actor=_as(c.staff), claim_id=claim.pk, comment=IMDI_WRITES[code]["comment"])
        kept.emails(OTHER, imdi="imdi-email-repayment-commented")
        with committed():
            repayments.repayment_claim(
                actor=caseworker, claim_id=claim.pk, due_date=due, account_number="7694.05.12340"
            )
            w.claims[code] = repayments.repayment_approve(actor=_as(w.imdi.caseworker2), claim_id=claim.pk)
        kept.emails("email-claim-letter-ready")
        kept.pdf(code, "pdf-claim-letter", w.claims[code].letter)
    _sweep(kept, "reminder-repayment-due", start_of_day(due) - dt.timedelta(days=3))
    for claim in w.claims.values():
        with committed():
            repayments.repayment_record(actor=caseworker, claim_id=claim.pk, repaid_on=today, amount=claim.amount)
        kept.emails("email-repayment-recorded")


def _appeals(w) -> None:
    """The dismissal appealed: the appeal dismissed; appealed again, forwarded, upheld by the ministry."""
    kept, caseworker = w.kept, _as(w.imdi.caseworker)
    for code, c in w.counties.items():
        writes, dismissal = IMDI_WRITES[code], w.decisions[code, Decision.Kind.DISMISSAL]
        with committed():
            appeal = services.appeal_file(actor=_as(c.staff), decision_id=dismissal.pk, reasons=writes["appeal"])
        kept.emails(OTHER, imdi="imdi-email-appeal-received")
        with committed():
            services.appeal_dismiss(actor=caseworker, appeal_id=appeal.pk, reason=writes["dismiss_appeal"])
        kept.emails("email-appeal-dismissed")
        kept.pdf(code, "pdf-appeal-dismissal-letter", appeal.letters.get(kind=AppealLetter.Kind.DISMISSAL).file)
        with committed():
            again = services.appeal_file(actor=_as(c.staff), decision_id=dismissal.pk, reasons=writes["appeal"])
        kept.emails(OTHER, imdi="imdi-email-appeal-received")
        with committed():
            services.appeal_forward(actor=caseworker, appeal_id=again.pk, cover_note=COVER_NOTE)
        kept.emails("email-appeal-forwarded")
        forwarding = again.letters.get(kind=AppealLetter.Kind.FORWARDING)
        kept.pdf("imdi", "pdf-forwarding-letter-to-the-ministry", forwarding.file)
        with committed():
            services.appeal_outcome(
                actor=caseworker,
                appeal_id=again.pk,
                upheld=True,
                note=writes["outcome"],
                decided_on=timezone.localdate(),
            )
        kept.emails("email-appeal-decided")


def build_world() -> Kept:
    """The year, in order. Each reminder sweep runs when only its kind is due (the sweep sends every
    reminder due at its time)."""
    w = _setting()
    _sweep(w.kept, "reminder-application-deadline", w.next_year.application_deadline - dt.timedelta(hours=12))
    _applications(w)
    _decisions(w)
    _reports(w)
    _repayments(w)
    _appeals(w)
    return w.kept


@pytest.fixture(scope="module")
def documents(django_db_setup, django_db_blocker):
    """What the counties and IMDi were sent, built once and rolled back."""
    outbox = getattr(mail, "outbox", None)
    mail.outbox = []
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            kept = build_world()
            transaction.set_rollback(True)
    finally:
        mail.outbox = outbox if outbox is not None else []
    return kept.docs


# --- The tests ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("document", COUNTY_EMAILS + COUNTY_PDFS)
def test_a_nynorsk_county_gets_no_bokmal(documents, document):
    assert_none_of(BOKMAL_ONLY, documents["nn"].get(document, ""), f"Vestland's {document}", "nynorsk")


@pytest.mark.parametrize("document", COUNTY_EMAILS + COUNTY_PDFS)
def test_a_bokmal_county_gets_no_nynorsk(documents, document):
    assert_none_of(NYNORSK_ONLY, documents["nb"].get(document, ""), f"Agder's {document}", "bokmål")


@pytest.mark.parametrize("document", IMDI_DOCUMENTS)
def test_what_imdi_reads_about_the_counties_is_in_bokmal(documents, document):
    assert_none_of(NYNORSK_ONLY, documents["imdi"].get(document, ""), document, "bokmål")


@pytest.mark.parametrize("standard", ["nn", "nb"])
def test_any_other_email_to_a_county_is_in_its_standard(documents, standard):
    """The e-mails of steps not named above (a second receipt, an acceptance…), if there are any."""
    text = documents[standard].get(OTHER, "")
    words = BOKMAL_ONLY if standard == "nn" else NYNORSK_ONLY
    assert not found(text, words), found(text, words)


@pytest.mark.parametrize("document", COUNTY_EMAILS + COUNTY_PDFS)
def test_each_document_is_written_in_its_own_standard(documents, document):
    """The word lists are not blind: each bokmål document has bokmål-only words, and its nynorsk twin
    nynorsk-only ones (so a nynorsk document that fell back to bokmål would be caught above)."""
    assert found(documents["nb"].get(document, ""), BOKMAL_ONLY), documents["nb"].get(document)
    assert found(documents["nn"].get(document, ""), NYNORSK_ONLY), documents["nn"].get(document)


def test_the_word_lists_know_the_two_standards_apart():
    assert found("Med vennlig hilsen", BOKMAL_ONLY) and not found("Med vennleg helsing", BOKMAL_ONLY)
    assert found("De får ikkje tilskot.", NYNORSK_ONLY) and not found("Dere får ikke tilskudd.", NYNORSK_ONLY)
    # Words the two share are in neither list.
    shared = "Søknaden og vedtaket: fylkeskommunen har søkt, og det blir vurdert eller avvist av IMDi."
    assert not found(shared, BOKMAL_ONLY) and not found(shared, NYNORSK_ONLY)
    # Links and addresses are not prose: https://tilskudd.imdi.no and postmottak@imdi.no pass.
    assert not found("Sjå https://tilskudd.imdi.no/ eller skriv til tilskudd@imdi.no.", BOKMAL_ONLY)


def test_imdi_reads_a_nynorsk_countys_budget_by_category_not_by_name(db):
    """The submitted application names the cost categories in the county's standard (it is what the
    receipt shows); IMDi, reading in bokmål, finds each amount under the same category."""
    imdi_org = make_org(IMDI_NAME, kind=Organisation.Kind.DIRECTORATE, domain="imdi.example")
    county = make_county("nn", "Vestland fylkeskommune", "vestland.example")
    call = make_call(
        make_scheme(imdi_org), year=2101, deadline=timezone.now() + dt.timedelta(days=20), counties=[county.org]
    )
    application = make_application(call, county)
    services.application_send(actor=_as(county.staff), application_id=application.pk)
    with translation.override("nb"):  # the director reads the portal in bokmål when confirming
        submission = services.application_confirm(actor=_as(county.director), application_id=application.pk)
    budget = submission.snapshot["budget"]
    assert [row["name"] for row in budget["categories"]] == [
        "Prosjektleiing viss ho ikkje er ordinær drift",
        "Midlar til lærarar",
    ]
    assert submission.snapshot["call"]["title"] == "Tilskot til samarbeidsmodell 2101"
    first, last = call.cost_categories.order_by("order")
    expected = {first.pk: Decimal("250000"), last.pk: Decimal("1000000")}
    with translation.override("nb"):
        assert requested_per_category(submission.snapshot, [first, last]) == expected
        assert services.eligible_amounts(submission.application.case, submission) == (Decimal("1250000"), expected)
