"""Who reaches the annual report's pages (another county: 404; auditors and IMDi read, never
write), and the county dashboard's panel and the overview in a constant number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from grants.models import Decision
from reporting import panels
from reporting.models import AccountLine, AnnualReport, ReportAttachment
from tests import factories as f
from tests.conftest import login
from tests.reporting.helpers import paid_grant
from tests.reporting.test_reports import (
    TEXTS,
    approved_by_both,
    overview_url,
    ready_report,
    section_url,
)

pytestmark = pytest.mark.django_db


# --- Access -----------------------------------------------------------------------------------


def report_urls(report, attachment) -> list[str]:
    return [
        overview_url(report.decision),
        section_url(report, "report"),
        section_url(report, "accounts"),
        reverse("report_accounts_upload", args=[report.pk]),
        reverse("report_accounts_file", args=[report.pk]),
        reverse("report_attachment_add", args=[report.pk]),
        reverse("report_attachment", args=[report.pk, attachment.pk]),
        reverse("report_attachment_remove", args=[report.pk, attachment.pk]),
        reverse("accounts_approve", args=[report.pk]),
        reverse("report_submit", args=[report.pk]),
    ]


@pytest.fixture
def report_with_files(client, cast):
    decision = paid_grant(cast)
    report = ready_report(client, cast, decision)
    client.post(reverse("report_attachment_add", args=[report.pk]), {"attachment-file": f.pdf_upload("x.pdf")})
    client.logout()
    return report, ReportAttachment.objects.get(report=report)


def test_another_county_gets_404_on_every_report_url(client, cast, report_with_files):
    report, attachment = report_with_files
    login(client, cast.staff_b)
    for url in report_urls(report, attachment):
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url, {"capacity": "project_owner"}).status_code in (404, 405), url
    assert report.approvals.count() == 0


def test_auditor_reads_but_every_post_is_refused(client, cast, report_with_files):
    report, attachment = report_with_files
    login(client, cast.auditor)
    assert client.get(overview_url(report.decision)).status_code == 200
    assert client.get(reverse("report_accounts_file", args=[report.pk])).status_code == 200
    for url in report_urls(report, attachment):
        assert client.post(url, {"capacity": "project_owner"}).status_code in (403, 405), url
    assert report.approvals.count() == 0
    assert AnnualReport.objects.get(pk=report.pk).state == AnnualReport.State.DRAFT


def test_imdi_caseworker_reads_the_report_but_cannot_change_it(client, cast, report_with_files):
    report, attachment = report_with_files
    login(client, cast.caseworker)
    page = client.get(overview_url(report.decision))
    assert page.status_code == 200
    body = page.content.decode()
    assert TEXTS["activities"] in body
    assert "Send inn årsrapport og regnskap" not in body
    assert client.get(section_url(report, "report")).status_code == 302
    assert client.post(section_url(report, "report"), TEXTS).status_code == 403
    assert client.post(reverse("report_submit", args=[report.pk])).status_code == 403


def test_stranger_gets_403(client, cast, report_with_files):
    report, attachment = report_with_files
    login(client, cast.stranger)
    assert client.get(overview_url(report.decision)).status_code == 403
    assert client.get(section_url(report, "report")).status_code == 403


def test_report_history_is_visible_to_the_county(client, cast):
    decision = paid_grant(cast)
    ready_report(client, cast, decision)
    page = client.get(reverse("decision_view", args=[decision.case.application_id, decision.pk])).content.decode()
    assert "Regnskapet ble lastet opp" in page


# --- The dashboard and query counts -----------------------------------------------------------


def render_panel(cast, user=None) -> tuple[str, int]:
    """The county dashboard's "Årsrapporter" panel as ``user`` (staff A) sees it, and its queries."""
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    user = user or cast.staff_a
    request = RequestFactory().get("/")
    request.user = user
    request.membership = user.memberships.select_related("organisation").get()
    with CaptureQueriesContext(connection) as queries:
        html = render_to_string("reporting/panels/county_reports.html", {"panel": panels.county_reports(request)})
    return html, len(queries.captured_queries)


def test_dashboard_panel_lists_grants_that_need_a_report(client, cast):
    decision = paid_grant(cast)
    html, queries = render_panel(cast)
    assert overview_url(decision) in html
    assert "Ikke påbegynt" in html
    assert "Fylke B" not in html and overview_url(decision) not in render_panel(cast, cast.staff_b)[0]

    report = ready_report(client, cast, decision)
    approved_by_both(client, cast, report)
    assert client.post(reverse("report_submit", args=[report.pk])).status_code == 302
    html, queries = render_panel(cast)
    assert "Ingen tilskudd venter på årsrapport." in html
    assert "Innsendte årsrapporter" in html and overview_url(decision) in html


def _extra_grant(cast, *, with_report: bool) -> Decision:
    """A county A grant in a call of its own, accepted (made directly: the services are tested elsewhere)."""
    from grants.models import Application, Case

    call = f.make_call(cast.scheme, eligible=[cast.county_a])
    application = Application.objects.create(call=call, organisation=cast.county_a, created_by=cast.staff_a)
    case = Case.objects.create(application=application, call=call, state=Case.State.ACCEPTED)
    now = timezone.now()
    decision = Decision.objects.create(
        case=case,
        kind=Decision.Kind.GRANT,
        state=Decision.State.APPROVED,
        requested=Decimal("100000"),
        amount=Decimal("100000"),
        rules="r",
        facts="f",
        considerations="c",
        report_deadline=call.report_deadline,
        proposed_by=cast.caseworker,
        proposed_at=now,
        approved_by=cast.caseworker2,
        approved_at=now,
        accepted_by=cast.director_a,
        accepted_at=now,
    )
    if with_report:
        AnnualReport.objects.create(
            decision=decision,
            case=case,
            application=application,
            deadline=decision.report_deadline,
            created_by=cast.staff_a,
            state=AnnualReport.State.SUBMITTED,
            submitted_at=now,
            submitted_by=cast.staff_a,
        )
    return decision


def test_dashboard_panel_queries_do_not_grow_with_grants(cast):
    for i in range(2):
        _extra_grant(cast, with_report=bool(i % 2))
    html, few = render_panel(cast)
    for i in range(48):
        _extra_grant(cast, with_report=bool(i % 2))
    html, many = render_panel(cast)
    assert few == many
    assert html.count("Ikke påbegynt") == 20  # the first 20 that need a report


def test_overview_queries_do_not_grow_with_lines_and_attachments(client, cast):
    from grants.models import CostCategory
    from tests.conftest import assert_constant_queries

    decision = paid_grant(cast)
    report = ready_report(client, cast, decision)
    url = overview_url(decision)

    def add(n):
        for index in range(n):
            order = 100 + AccountLine.objects.count() + index
            category = CostCategory.objects.create(call=decision.case.call, order=order, name=f"Ekstra {order}")
            AccountLine.objects.create(report=report, category=category, spent=Decimal("10"))
            ReportAttachment.objects.create(
                report=report,
                file="rapporter/x.pdf",
                original_name="x.pdf",
                content_type="application/pdf",
                size=10,
                sha256="0" * 64,
                uploaded_by=cast.staff_a,
            )

    assert_constant_queries(client, url, add)
