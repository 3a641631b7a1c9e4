"""The county's annual report and accounts (R20–R22): started for an accepted grant, written in
sections, the accounts document uploaded, approved by two different people, submitted by the
deadline (or marked late), and read by IMDi."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEvent
from reporting.models import AccountLine, AccountsApproval, AnnualReport, ReportAttachment
from reporting.services import reports
from tests import factories as f
from tests.conftest import login
from tests.reporting.helpers import paid_grant

pytestmark = pytest.mark.django_db

TEXTS = {
    "cooperation_model": "Fylket, NAV, kommunene og opplæringskontorene møtes hver måned.",
    "cooperation_development": "Flere arbeidsgivere er med.",
    "activities": "Undervisning, språkstøtte og oppfølging i bedrift.",
    "use_of_grant": "Lærere og oppfølging av deltakerne.",
}
RESULTS = {
    "participants_started": "14",
    "participants_completed": "12",
    "participants_certified": "0",
    "participants_employed": "6",
}


def overview_url(decision) -> str:
    return reverse("report_overview", args=[decision.case.application_id, decision.pk])


def start(client, decision) -> AnnualReport:
    response = client.post(overview_url(decision))
    assert response.status_code == 302
    return AnnualReport.objects.get(decision=decision)


def accounts_data(report, *, spent, other_income="0", carry_over=False, reason="") -> dict:
    """``spent``: one amount per line, in the lines' order."""
    lines = list(report.lines.order_by("category__order"))
    data = {f"spent_{line.pk}": amount for line, amount in zip(lines, spent, strict=True)}
    data["other_income"] = other_income
    if carry_over:
        data["carry_over_requested"] = "on"
    data["carry_over_reason"] = reason
    return data


def section_url(report, section) -> str:
    return reverse("report_section", args=[report.pk, section])


def upload_accounts(client, report, name="regnskap-2025.pdf", content=f.TINY_PDF):
    return client.post(
        reverse("report_accounts_upload", args=[report.pk]), {"accounts-file": f.pdf_upload(name, content)}
    )


def approve(client, report, capacity):
    return client.post(reverse("accounts_approve", args=[report.pk]), {"capacity": capacity})


def ready_report(client, cast, decision, *, spent=("200000", "800000")) -> AnnualReport:
    """As staff A: started, every section saved and the accounts document uploaded (not approved)."""
    login(client, cast.staff_a)
    report = start(client, decision)
    assert client.post(section_url(report, "report"), TEXTS).status_code == 302
    assert client.post(section_url(report, "results"), RESULTS).status_code == 302
    assert client.post(section_url(report, "accounts"), accounts_data(report, spent=spent)).status_code == 302
    assert upload_accounts(client, report).status_code == 302
    report.refresh_from_db()
    return report


def approved_by_both(client, cast, report) -> None:
    login(client, cast.staff_a)
    assert approve(client, report, "project_owner").status_code == 302
    login(client, cast.director_a)
    assert approve(client, report, "responsible_leader").status_code == 302


# --- The whole flow ---------------------------------------------------------------------------


def start_the_report(client, cast, decision) -> AnnualReport:
    """County A's staff starts the report from the overview: a draft with the decision's categories."""
    login(client, cast.staff_a)
    page = client.get(overview_url(decision))
    assert page.status_code == 200
    assert "Start årsrapporten" in page.content.decode()

    report = start(client, decision)
    assert report.state == AnnualReport.State.DRAFT
    assert report.deadline == decision.report_deadline
    lines = list(report.lines.select_related("category").order_by("category__order"))
    assert [line.category.name for line in lines] == ["Drift av samarbeidet", "Lærerressurser"]
    assert [line.budgeted for line in lines] == [Decimal("250000"), Decimal("1000000")]
    assert sum(line.granted for line in lines) == decision.amount
    # Starting again gives the same report
    assert start(client, decision).pk == report.pk
    assert AnnualReport.objects.filter(decision=decision).count() == 1
    return report


def submit_the_report(client, cast, decision, report, django_capture_on_commit_callbacks) -> None:
    """County A's director submits; the caseworker is told and every step is in the audit log."""
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("report_submit", args=[report.pk]))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == AnnualReport.State.SUBMITTED
    assert report.submitted_by == cast.director_a
    assert report.submitted_at is not None
    assert report.is_late is False
    assert [m.to for m in mail.outbox] == [[decision.case.assigned_to.email]]
    assert "Fylke A" in mail.outbox[0].subject

    actions = list(
        AuditEvent.objects.filter(action__startswith="report.").order_by("id").values_list("action", flat=True)
    )
    assert actions[0] == "report.started"
    assert actions[-1] == "report.submitted"
    assert {"report.saved", "report.accounts_file", "report.accounts_approved"} <= set(actions)


def test_county_starts_writes_approves_and_submits_the_report(client, cast, django_capture_on_commit_callbacks):
    decision = paid_grant(cast)
    report = start_the_report(client, cast, decision)

    assert client.post(section_url(report, "report"), TEXTS).status_code == 302
    assert client.post(section_url(report, "results"), RESULTS).status_code == 302
    data = accounts_data(report, spent=["200 000", "kr 700 000"], other_income="50 000")
    assert client.post(section_url(report, "accounts"), data).status_code == 302
    assert upload_accounts(client, report).status_code == 302
    report.refresh_from_db()
    assert report.accounts_file_name == "regnskap-2025.pdf"
    assert len(report.accounts_sha256) == 64
    assert report.unused() == Decimal("150000")

    # Staff A approves as project owner, and cannot approve as responsible leader too
    assert approve(client, report, "project_owner").status_code == 302
    refused = approve(client, report, "responsible_leader")
    assert refused.status_code == 200
    assert "to forskjellige personer" in refused.content.decode()
    assert list(report.approvals.values_list("capacity", "user")) == [("project_owner", cast.staff_a.pk)]

    # Submitting with one approval is refused
    login(client, cast.director_a)
    response = client.post(reverse("report_submit", args=[report.pk]))
    assert response.status_code == 200
    assert "ansvarlig leder" in response.content.decode()
    assert AnnualReport.objects.get(pk=report.pk).state == AnnualReport.State.DRAFT

    assert approve(client, report, "responsible_leader").status_code == 302
    submit_the_report(client, cast, decision, report, django_capture_on_commit_callbacks)

    # The county sees its report steps in the case history; the report can no longer be changed
    page = client.get(reverse("decision_view", args=[decision.case.application_id, decision.pk]))
    assert "Årsrapport og regnskap sendt inn" in page.content.decode()
    assert client.post(section_url(report, "report"), TEXTS).status_code == 200
    assert client.get(section_url(report, "report")).status_code == 302


def test_decision_page_links_to_the_report(client, cast):
    decision = paid_grant(cast)
    login(client, cast.staff_a)
    page = client.get(reverse("decision_view", args=[decision.case.application_id, decision.pk]))
    assert overview_url(decision) in page.content.decode()


def test_a_grant_not_accepted_cannot_get_a_report(client, cast):
    from tests.grants.helpers_cases import decided, issued, submitted_case

    decision = decided(cast, submitted_case(cast))
    issued(decision)
    login(client, cast.staff_a)
    response = client.post(overview_url(decision))
    assert response.status_code == 200
    assert "aksepteres" in response.content.decode()
    assert not AnnualReport.objects.exists()


# --- Approvals --------------------------------------------------------------------------------


def test_changing_the_accounts_after_approval_removes_both_approvals(client, cast):
    decision = paid_grant(cast)
    report = ready_report(client, cast, decision)
    approved_by_both(client, cast, report)
    assert report.approvals.count() == 2

    login(client, cast.staff_a)
    data = accounts_data(report, spent=["200000", "800001"])
    assert client.post(section_url(report, "accounts"), data).status_code == 302
    assert report.approvals.count() == 0
    event = AuditEvent.objects.filter(action="report.saved").order_by("-id").first()
    assert event.changes["approvals_cleared"]
    page = client.get(overview_url(decision)).content.decode()
    assert "Regnskapet er ikke godkjent ennå." in page


def test_saving_the_accounts_unchanged_keeps_the_approvals(client, cast):
    decision = paid_grant(cast)
    report = ready_report(client, cast, decision)
    approved_by_both(client, cast, report)
    data = accounts_data(report, spent=["200000", "800000"])
    assert client.post(section_url(report, "accounts"), data).status_code == 302
    assert report.approvals.count() == 2


def test_a_new_accounts_document_removes_the_approvals(client, cast):
    decision = paid_grant(cast)
    report = ready_report(client, cast, decision)
    approved_by_both(client, cast, report)
    assert upload_accounts(client, report, "regnskap-rettet.pdf", f.TINY_PDF + b"%rettet").status_code == 302
    report.refresh_from_db()
    assert report.accounts_file_name == "regnskap-rettet.pdf"
    assert report.approvals.count() == 0


def test_accounts_cannot_be_approved_before_the_document_is_uploaded(client, cast):
    decision = paid_grant(cast)
    login(client, cast.staff_a)
    report = start(client, decision)
    response = approve(client, report, "project_owner")
    assert response.status_code == 200
    assert "Last opp regnskapet" in response.content.decode()
    assert not report.approvals.exists()


def test_each_capacity_is_approved_once(client, cast):
    decision = paid_grant(cast)
    report = ready_report(client, cast, decision)
    assert approve(client, report, "project_owner").status_code == 302
    login(client, cast.director_a)
    response = approve(client, report, "project_owner")
    assert response.status_code == 200
    assert list(report.approvals.values_list("user", flat=True)) == [cast.staff_a.pk]


def test_database_refuses_one_person_in_both_capacities(cast):
    decision = paid_grant(cast)
    report = reports.report_start(actor=f.actor_for(cast.staff_a), decision_id=decision.pk)
    AccountsApproval.objects.create(
        report=report, capacity="project_owner", user=cast.staff_a, approved_at=timezone.now()
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        AccountsApproval.objects.create(
            report=report, capacity="responsible_leader", user=cast.staff_a, approved_at=timezone.now()
        )


# --- Submitting -------------------------------------------------------------------------------


def test_submit_is_refused_without_both_approvals(client, cast):
    decision = paid_grant(cast)
    report = ready_report(client, cast, decision)
    response = client.post(reverse("report_submit", args=[report.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "prosjektansvarlig i fylkeskommunen" in body and "ansvarlig leder" in body
    report.refresh_from_db()
    assert report.state == AnnualReport.State.DRAFT
    assert report.submitted_at is None


def test_submit_is_refused_without_the_report_texts(client, cast):
    decision = paid_grant(cast)
    report = ready_report(client, cast, decision)
    approved_by_both(client, cast, report)
    assert client.post(section_url(report, "report"), {**TEXTS, "activities": ""}).status_code == 302
    response = client.post(reverse("report_submit", args=[report.pk]))
    assert response.status_code == 200
    assert "Fyll ut alle spørsmålene" in response.content.decode()
    assert AnnualReport.objects.get(pk=report.pk).state == AnnualReport.State.DRAFT


def test_a_report_after_the_deadline_is_received_and_marked_late(client, cast):
    decision = paid_grant(cast)
    report = ready_report(client, cast, decision)
    approved_by_both(client, cast, report)
    with time_machine.travel(report.deadline + dt.timedelta(days=3)):
        login(client, cast.director_a)  # the session from a year ago has expired
        page = client.get(overview_url(decision)).content.decode()
        assert "Fristen er ute" in page
        response = client.post(reverse("report_submit", args=[report.pk]))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == AnnualReport.State.SUBMITTED
    assert report.is_late is True
    page = client.get(overview_url(decision)).content.decode()
    assert "Levert etter fristen" in page


def test_a_returned_report_can_be_corrected_and_submitted_again(client, cast):
    decision = paid_grant(cast)
    report = ready_report(client, cast, decision)
    approved_by_both(client, cast, report)
    assert client.post(reverse("report_submit", args=[report.pk])).status_code == 302
    AnnualReport.objects.filter(pk=report.pk).update(
        state=AnnualReport.State.RETURNED, returned_at=timezone.now(), return_reason="Rett aktivitetene."
    )
    assert client.post(section_url(report, "report"), {**TEXTS, "activities": "Rettet."}).status_code == 302
    assert client.post(reverse("report_submit", args=[report.pk])).status_code == 302
    report.refresh_from_db()
    assert report.state == AnnualReport.State.SUBMITTED
    assert report.activities == "Rettet."


# --- The accounts and the unused amount -------------------------------------------------------


@pytest.mark.parametrize(
    ("spent", "other_income", "unused"),
    [
        (("100000", "800000"), "50000", Decimal("150000")),
        (("200000", "1000000"), "50000", Decimal("0")),
        (("0", "0"), "50000", Decimal("1000000")),
    ],
)
def test_unused_amount_is_what_is_left_of_the_grant(client, cast, spent, other_income, unused):
    decision = paid_grant(cast)
    login(client, cast.staff_a)
    report = start(client, decision)
    assert report.carried_in == 0
    data = accounts_data(report, spent=spent, other_income=other_income)
    assert client.post(section_url(report, "accounts"), data).status_code == 302
    report.refresh_from_db()
    assert report.unused() == unused
    context = client.get(overview_url(decision)).context
    assert context["unused"] == unused


def test_carry_over_request_needs_a_reason_when_something_is_unused(client, cast):
    decision = paid_grant(cast)
    login(client, cast.staff_a)
    report = start(client, decision)
    data = accounts_data(report, spent=["100000", "500000"], carry_over=True, reason="")
    response = client.post(section_url(report, "accounts"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "error-summary" in body and "Skriv hvorfor" in body
    assert 'value="500000"' in body  # what was typed is shown again
    assert not AccountLine.objects.filter(report=report, spent__gt=0).exists()

    data["carry_over_reason"] = "Klassen startet i august."
    assert client.post(section_url(report, "accounts"), data).status_code == 302
    report.refresh_from_db()
    assert report.carry_over_requested is True
    assert report.carry_over_reason == "Klassen startet i august."


def test_a_bad_amount_is_shown_again_with_an_error(client, cast):
    decision = paid_grant(cast)
    login(client, cast.staff_a)
    report = start(client, decision)
    data = accounts_data(report, spent=["tohundre", "500000"], other_income="1000")
    response = client.post(section_url(report, "accounts"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "error-summary" in body
    assert 'value="tohundre"' in body
    assert 'value="500000"' in body
    report.refresh_from_db()
    assert report.other_income == 0


def test_accounts_page_shows_budget_and_grant_per_category(client, cast):
    decision = paid_grant(cast)
    login(client, cast.staff_a)
    report = start(client, decision)
    body = client.get(section_url(report, "accounts")).content.decode()
    assert "Drift av samarbeidet" in body and "Lærerressurser" in body
    assert "kr\u00a01\u00a0000\u00a0000" in body  # the budget for teachers, read-only


def test_carried_in_is_the_carry_over_into_this_application(client, cast):
    from reporting.models import CarryOver

    earlier = paid_grant(cast, call=f.make_call(cast.scheme, year=2024, eligible=[cast.county_a]))
    earlier_report = reports.report_start(actor=f.actor_for(cast.staff_a), decision_id=earlier.pk)
    decision = paid_grant(cast)
    CarryOver.objects.create(
        report=earlier_report,
        organisation=cast.county_a,
        scheme=cast.scheme,
        to_year=2025,
        amount=Decimal("80000"),
        application=decision.case.application,
        approved_by=cast.caseworker,
        approved_at=timezone.now(),
    )
    report = reports.report_start(actor=f.actor_for(cast.staff_a), decision_id=decision.pk)
    assert report.carried_in == Decimal("80000")
    assert report.unused(Decimal("1000000")) == Decimal("80000")


# --- Attachments and files --------------------------------------------------------------------


def test_attachments_are_added_and_removed_but_kept(client, cast):
    decision = paid_grant(cast)
    login(client, cast.staff_a)
    report = start(client, decision)
    response = client.post(
        reverse("report_attachment_add", args=[report.pk]),
        {"attachment-file": f.pdf_upload("referat.pdf"), "attachment-description": "Referat"},
    )
    assert response.status_code == 302
    attachment = ReportAttachment.objects.get(report=report)
    assert attachment.original_name == "referat.pdf" and len(attachment.sha256) == 64
    body = client.get(overview_url(decision)).content.decode()
    assert reverse("report_attachment", args=[report.pk, attachment.pk]) in body

    download = client.get(reverse("report_attachment", args=[report.pk, attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == f.TINY_PDF

    assert client.post(reverse("report_attachment_remove", args=[report.pk, attachment.pk])).status_code == 302
    attachment.refresh_from_db()
    assert attachment.removed_at is not None
    assert ReportAttachment.objects.filter(pk=attachment.pk).exists()
    body = client.get(overview_url(decision)).content.decode()
    assert reverse("report_attachment", args=[report.pk, attachment.pk]) not in body


def test_a_file_that_is_not_what_it_says_is_refused(client, cast):
    decision = paid_grant(cast)
    login(client, cast.staff_a)
    report = start(client, decision)
    response = upload_accounts(client, report, "regnskap.pdf", b"MZ not a pdf")
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    report.refresh_from_db()
    assert not report.accounts_file


def test_accounts_file_is_served_only_through_the_checked_view(client, cast):
    decision = paid_grant(cast)
    report = ready_report(client, cast, decision)
    url = reverse("report_accounts_file", args=[report.pk])
    page = client.get(overview_url(decision)).content.decode()
    assert url in page
    assert report.accounts_file.name not in page  # the storage name is never shown
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == f.TINY_PDF

    login(client, cast.staff_b)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to login


def test_two_colleagues_saving_the_same_report_lose_nothing(client, cast):
    """Stine and Dag open the report texts at the same time; Stine saves first. Dag's save is refused
    with the reason, his text is still on the page, and saving again keeps his version."""
    decision = paid_grant(cast)
    login(client, cast.staff_a)
    report = start(client, decision)
    url = section_url(report, "report")
    opened = re.search(r'name="version" value="([^"]+)"', client.get(url).content.decode())[1]
    texts = {
        "cooperation_model": "Modellen",
        "cooperation_development": "Utviklingen",
        "activities": "Aktiviteter",
        "use_of_grant": "Bruken",
    }
    assert client.post(url, {**texts, "version": opened}).status_code == 302  # Stine

    login(client, cast.director_a)  # Dag, with the page he opened before Stine saved
    dags = {**texts, "activities": "Dags aktiviteter"}
    response = client.post(url, {**dags, "version": opened})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Noen andre har lagret årsrapporten" in page and "Dags aktiviteter" in page
    report.refresh_from_db()
    assert report.activities == "Aktiviteter"

    fresh = re.search(r'name="version" value="([^"]+)"', page)[1]
    assert client.post(url, {**dags, "version": fresh}).status_code == 302
    report.refresh_from_db()
    assert report.activities == "Dags aktiviteter"
