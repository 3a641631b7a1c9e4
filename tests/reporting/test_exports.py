"""IMDi's exports per call: CSV streamed, XLSX inline or made in the background, who may export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core import mail
from django.db import connection
from django.db.models import Sum
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from grants import services as grant_services
from grants.models import (
    Application,
    BudgetLine,
    Case,
    CriterionScore,
    Decision,
    LineAssessment,
    Payment,
    Submission,
)
from portal.models import AuditEvent
from reporting import datasets, services, tasks
from reporting.models import AccountLine, AnnualReport, ExportJob, RepaymentClaim
from tests import factories as f
from tests.conftest import assert_constant_queries, login
from tests.reporting.helpers import paid_grant

CENT = Decimal("0.01")


def csv_url(call, dataset, **params):
    url = reverse("export_csv", args=[call.pk, dataset])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def xlsx_url(call, dataset):
    return reverse("export_xlsx", args=[call.pk, dataset])


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode()), "the UTF-8 byte order mark that Norwegian Excel needs"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def export_mails() -> list:
    return [message for message in mail.outbox if "Eksporten" in message.subject]


def amount(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def read_xlsx(response) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(workbook.worksheets[0].iter_rows(values_only=True))


def add_applications(cast, n: int, *, full: bool = False) -> None:
    """``n`` more submitted applications to cast.call, each from a county of its own, with a case
    and two budget lines (made directly: one county may apply only once per call); with ``full``, a
    row in every other dataset too."""
    categories = list(cast.call.cost_categories.all())
    now = timezone.now()
    for _i in range(n):
        county = f.make_org()
        application = Application.objects.create(
            call=cast.call,
            organisation=county,
            created_by=cast.staff_a,
            state=Application.State.SUBMITTED,
            reference=f"S-{county.pk}",
            title=f"Prosjekt i {county.name}",
            submitted_at=now,
        )
        submission = Submission.objects.create(
            application=application,
            number=1,
            snapshot={},
            total=Decimal("300"),
            confirmed_by=cast.director_a,
            confirmed_at=now,
            authority="som fylkeskommunedirektør",
        )
        case = Case.objects.create(application=application, call=cast.call, assigned_to=cast.caseworker)
        BudgetLine.objects.bulk_create(
            [
                BudgetLine(
                    application=application, category=categories[0], amount=Decimal("100.10"), description="Møter"
                ),
                BudgetLine(
                    application=application, category=categories[-1], amount=Decimal("199.90"), description="Lærer"
                ),
            ]
        )
        if full:
            add_follow_up(cast, case, submission, categories)


def add_follow_up(cast, case, submission, categories) -> None:
    """A row in every other dataset for ``case``: a score, a line assessment, a grant with a payment,
    an annual report with an account line, and a repayment claim."""
    now = timezone.now()
    criterion = cast.call.criteria.first()
    CriterionScore.objects.create(case=case, criterion=criterion, score=4, comment="Bra")
    LineAssessment.objects.create(
        case=case, submission=submission, index=0, category="Drift", description="Møter", requested=Decimal("100.10")
    )
    decision = Decision.objects.create(
        case=case,
        kind=Decision.Kind.GRANT,
        state=Decision.State.APPROVED,
        requested=Decimal("300"),
        amount=Decimal("300"),
        rules="R",
        facts="F",
        considerations="H",
        report_deadline=now,
        proposed_by=cast.caseworker,
        proposed_at=now,
        approved_by=cast.caseworker2,
        approved_at=now,
        accepted_by=cast.director_a,
        accepted_at=now,
    )
    Payment.objects.create(
        decision=decision,
        amount=Decimal("300"),
        paid_on=now.date(),
        reference="B",
        recorded_by=cast.caseworker,
        state="paid",
    )
    report = AnnualReport.objects.create(
        decision=decision, case=case, application=case.application, deadline=now, created_by=cast.director_a
    )
    AccountLine.objects.create(report=report, category=categories[0], spent=Decimal("100"))
    RepaymentClaim.objects.create(
        case=case,
        decision=decision,
        report=report,
        reason=RepaymentClaim.Reason.UNUSED,
        amount=Decimal("200"),
        explanation="Ubrukt",
        reference=f"K-{case.pk}",
        notice_sent_at=now,
        notice_sent_by=cast.caseworker,
        comment_deadline=now.date(),
    )


def add_report(decision: Decision, *, spent=("400000.50", "300000.25"), other_income="50000") -> AnnualReport:
    categories = list(decision.case.call.cost_categories.all())
    report = AnnualReport.objects.create(
        decision=decision,
        case=decision.case,
        application=decision.case.application,
        state=AnnualReport.State.SUBMITTED,
        deadline=timezone.now(),
        submitted_at=timezone.now(),
        submitted_by=decision.accepted_by,
        created_by=decision.accepted_by,
        carried_in=Decimal("10000"),
        other_income=Decimal(other_income),
        participants_started=12,
    )
    for category, value in zip(categories, spent, strict=False):
        AccountLine.objects.create(
            report=report,
            category=category,
            budgeted=Decimal("500000"),
            granted=Decimal("500000"),
            spent=Decimal(value),
        )
    return report


@pytest.fixture
def grant(cast):
    return paid_grant(cast)


# --- CSV --------------------------------------------------------------------------------------


def test_budget_lines_csv_is_streamed_and_equals_the_database(cast, grant, client):
    BudgetLine.objects.filter(application=grant.case.application).update(description="Lærer på Øya – ære og «mål»")
    login(client, cast.caseworker)
    response = client.get(csv_url(cast.call, "budget_lines"))
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="2025-budget_lines.csv"'
    header, *rows = read_csv(response)
    assert header == ["Referanse", "Fylkeskommune", "Kostnadskategori", "Hva beløpet dekker", "Beløp (kr)"]
    expected = [
        [line.application.reference, "Fylke A", line.category.name, "Lærer på Øya – ære og «mål»", line.amount]
        for line in BudgetLine.objects.filter(application=grant.case.application).order_by("category__order")
    ]
    assert [[*row[:4], amount(row[4])] for row in rows] == expected
    assert rows[0][4] == "250000,00"  # decimal comma, no thousands separator


def test_csv_header_can_be_the_stable_column_keys(cast, grant, client):
    login(client, cast.auditor)
    header, *rows = read_csv(client.get(csv_url(cast.call, "applications", kolonner="nokler")))
    assert header == [column.key for column in datasets.DATASETS["applications"].columns]
    row = dict(zip(header, rows[0], strict=True))
    application = grant.case.application
    assert row["reference"] == application.reference
    assert row["state"] == "Sendt inn"
    assert row["case_state"] == "Utbetalt"
    assert amount(row["budget_total"]) == Decimal("1250000")
    assert row["caseworker"] == "Carl Case"
    local = timezone.localtime(application.submitted_at)
    assert row["submitted_at"] == local.strftime("%Y-%m-%d %H:%M")


def test_assessment_csv_has_every_criterion_score_and_comment(cast, grant, client):
    login(client, cast.admin)
    header, *rows = read_csv(client.get(csv_url(cast.call, "assessments", kolonner="nokler")))
    rows = [dict(zip(header, row, strict=True)) for row in rows]
    assert [(r["criterion"], r["score"], r["max_score"], r["comment"], r["caseworker"]) for r in rows] == [
        ("Nasjonal overføringsverdi", "5", "6", "Godt begrunnet.", "Carl Case")
    ]


def test_a_text_that_looks_like_a_formula_is_never_one(cast, client):
    formula = '=HYPERLINK("http://x.example","Klikk")'
    application = f.make_application(cast.call, cast.staff_b)
    grant_services.application_section_save(
        actor=f.actor_for(cast.staff_b),
        application_id=application.pk,
        section="prosjekt",
        data={**f.COMPLETE_ANSWERS["prosjekt"], "title": formula},
        version=application.versions.get("prosjekt", 0),
    )
    f.submit(application, sender=cast.staff_b, confirmer=cast.director_b)  # the export shows the submitted title
    login(client, cast.caseworker)
    header, row = read_csv(client.get(csv_url(cast.call, "applications", kolonner="nokler")))
    assert dict(zip(header, row, strict=True))["title"] == "'" + formula
    workbook = openpyxl.load_workbook(
        io.BytesIO(b"".join(client.get(xlsx_url(cast.call, "applications")).streaming_content))
    )
    cell = workbook.worksheets[0].cell(row=2, column=5)
    assert cell.value == formula and cell.data_type == "s"


def test_report_csv_shows_the_unused_amount_as_the_model_computes_it(cast, grant, client):
    report = add_report(grant)
    login(client, cast.caseworker)
    header, *rows = read_csv(client.get(csv_url(cast.call, "reports", kolonner="nokler")))
    row = dict(zip(header, rows[0], strict=True))
    assert amount(row["expenses"]) == report.expenses_total() == Decimal("700000.75")
    assert amount(row["unused"]) == report.unused() == Decimal("359999.25")
    assert row["is_late"] == "Nei" and row["participants_started"] == "12"


def test_unused_is_never_below_zero_nor_above_what_imdi_gave(cast, grant, client):
    overspent = add_report(grant, spent=("1500000", "0"), other_income="0")
    login(client, cast.caseworker)
    header, row = read_csv(client.get(csv_url(cast.call, "reports", kolonner="nokler")))
    assert amount(dict(zip(header, row, strict=True))["unused"]) == overspent.unused() == Decimal("0")
    AccountLine.objects.filter(report=overspent).update(spent=Decimal("0"))
    AnnualReport.objects.filter(pk=overspent.pk).update(other_income=Decimal("900000"))
    header, row = read_csv(client.get(csv_url(cast.call, "reports", kolonner="nokler")))
    overspent.refresh_from_db()
    assert amount(dict(zip(header, row, strict=True))["unused"]) == overspent.unused() == Decimal("1010000")


def test_every_dataset_exports_as_csv_and_xlsx(cast, grant, client):
    report = add_report(grant)
    RepaymentClaim.objects.create(
        case=grant.case,
        decision=grant,
        report=report,
        reason=RepaymentClaim.Reason.UNUSED,
        amount=Decimal("310000"),
        explanation="Ubrukte midler",
        reference="K-1",
        notice_sent_at=timezone.now(),
        notice_sent_by=cast.caseworker,
        comment_deadline=dt.date(2026, 3, 1),
    )
    login(client, cast.caseworker)
    for key, dataset in datasets.DATASETS.items():
        header, *rows = read_csv(client.get(csv_url(cast.call, key)))
        assert len(header) == len(dataset.columns)
        assert len(rows) == dataset.count(cast.call), key
        sheet = read_xlsx(client.get(xlsx_url(cast.call, key)))
        assert sheet[0] == tuple(str(c.label) for c in dataset.columns), key
    header, row = read_csv(client.get(csv_url(cast.call, "repayments", kolonner="nokler")))
    row = dict(zip(header, row, strict=True))
    assert (row["reason"], row["state"], row["comment_deadline"]) == (
        "Ubrukte midler",
        "Forhåndsvarsel sendt",
        "2026-03-01",
    )


# --- XLSX -------------------------------------------------------------------------------------


def test_xlsx_totals_equal_the_database_sums(cast, grant, client):
    add_applications(cast, 3)
    paid_grant(cast, organisation=cast.county_b, amount="1234567.89")
    login(client, cast.caseworker)
    response = client.get(xlsx_url(cast.call, "budget_lines"))
    assert response["Content-Disposition"] == 'attachment; filename="2025-budget_lines.xlsx"'
    header, *rows, totals = read_xlsx(response)
    assert header[-1] == "Beløp (kr)" and totals[0] == "Sum"
    database = BudgetLine.objects.aggregate(total=Sum("amount"))["total"]
    assert Decimal(str(totals[-1])).quantize(CENT) == database
    assert len(rows) == BudgetLine.objects.count() and all(isinstance(row[-1], int | float) for row in rows)

    header, *rows, totals = read_xlsx(client.get(xlsx_url(cast.call, "decisions")))
    sums = Decision.objects.aggregate(amount=Sum("amount"), paid=Sum("paid"), requested=Sum("requested"))
    for key in ("requested", "amount", "paid"):
        assert Decimal(str(totals[header.index(str(dict_label("decisions", key)))])).quantize(CENT) == sums[key]
    header, *rows, totals = read_xlsx(client.get(xlsx_url(cast.call, "payments")))
    paid = Payment.objects.aggregate(total=Sum("amount"))["total"]
    assert Decimal(str(totals[3])).quantize(CENT) == paid == Decimal("2234567.89")
    assert isinstance(rows[0][4], dt.datetime) and rows[0][4].date() == dt.date(2025, 3, 1)


def dict_label(dataset: str, key: str):
    return next(c.label for c in datasets.DATASETS[dataset].columns if c.key == key)


# --- Large files, made in the background ------------------------------------------------------


@override_settings(REPORTING_EXPORT_INLINE_MAX_ROWS=3)
def test_large_xlsx_is_made_in_the_background_and_only_its_owner_downloads_it(
    cast, grant, client, django_capture_on_commit_callbacks
):
    add_applications(cast, 2)  # 2 + 2×2 = 6 budget lines
    login(client, cast.caseworker)
    page = client.get(xlsx_url(cast.call, "budget_lines"))
    assert page.status_code == 200 and "Lag filen i bakgrunnen" in page.content.decode()
    index = client.get(reverse("export_index"), {"call": cast.call.pk}).content.decode()
    assert "Stor fil: du får e-post når den er klar." in index

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("export_job_create"), {"call": cast.call.pk, "dataset": "budget_lines"}, follow=True
        )
    assert "Filen lages nå. Du får e-post når den er klar." in response.content.decode()
    job = ExportJob.objects.get()
    assert (job.user, job.status, job.rows, job.format) == (cast.caseworker, ExportJob.Status.DONE, 6, "xlsx")
    assert job.finished_at is not None and job.notified_at is not None
    assert len(export_mails()) == 1 and export_mails()[0].to == [cast.caseworker.email]
    assert reverse("export_index") in export_mails()[0].body

    tasks.build_export(job.pk)  # a second run (the sweep, a redelivery) changes nothing
    job.refresh_from_db()
    assert len(export_mails()) == 1 and job.rows == 6

    download = client.get(reverse("export_job_file", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="2025-budget_lines.xlsx"'
    _header, *rows, totals = read_xlsx(download)
    assert len(rows) == 6
    assert Decimal(str(totals[-1])).quantize(CENT) == BudgetLine.objects.aggregate(t=Sum("amount"))["t"]
    assert "Last ned" in client.get(reverse("export_index")).content.decode()

    login(client, cast.admin)
    assert client.get(reverse("export_job_file", args=[job.pk])).status_code == 404


def test_ordering_the_same_file_twice_makes_one(cast, grant, client):
    login(client, cast.admin)
    data = {"call": cast.call.pk, "dataset": "decisions"}
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        services.export_job_create(
            actor=f.actor_for(cast.admin), call=cast.call, dataset=datasets.DATASETS["decisions"]
        )
        response = client.post(reverse("export_job_create"), data, follow=True)
    assert "Denne filen lages allerede." in response.content.decode()
    assert ExportJob.objects.count() == 1


def test_the_sweep_makes_a_file_the_broker_never_got(cast, grant):
    job = ExportJob.objects.create(user=cast.caseworker, call=cast.call, dataset="payments", format="xlsx")
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(minutes=11))
    tasks.sweep_exports()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.rows == 1
    assert len(export_mails()) == 1
    workbook = openpyxl.load_workbook(job.file.open("rb"))
    assert workbook.worksheets[0].cell(row=2, column=4).value == 1000000


def test_a_job_that_fails_is_marked_failed_and_the_user_told(cast, grant):
    job = ExportJob.objects.create(user=cast.caseworker, call=cast.call, dataset="gone", format="xlsx")
    tasks.build_export(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and "gone" in job.error
    assert [m.subject for m in export_mails()] == ["[IMDi tilskudd] Eksporten kunne ikke lages: gone"]


# --- Query counts -----------------------------------------------------------------------------


def test_export_page_query_count_does_not_grow_with_applications(cast, client):
    login(client, cast.caseworker)
    ExportJob.objects.create(user=cast.caseworker, call=cast.call, dataset="applications", format="xlsx")
    assert_constant_queries(client, reverse("export_index"), lambda n: add_applications(cast, n, full=True))


@pytest.mark.parametrize("dataset", sorted(datasets.DATASETS))
def test_csv_export_query_count_does_not_grow_with_applications(cast, client, dataset):
    login(client, cast.caseworker)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(csv_url(cast.call, dataset))
            b"".join(response.streaming_content)  # the rows are read while the response is sent
        assert response.status_code == 200
        return len(ctx.captured_queries)

    add_applications(cast, 1, full=True)
    small = queries()
    add_applications(cast, 49, full=True)
    assert datasets.DATASETS[dataset].count(cast.call) >= 50
    assert queries() == small


# --- Who may export ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff_a", "director_a", "staff_b", "stranger"])
def test_county_roles_and_strangers_may_not_export(cast, client, role):
    login(client, getattr(cast, role))
    assert client.get(reverse("export_index")).status_code == 403
    assert client.get(csv_url(cast.call, "applications")).status_code == 403
    assert client.get(xlsx_url(cast.call, "applications")).status_code == 403
    data = {"call": cast.call.pk, "dataset": "applications"}
    assert client.post(reverse("export_job_create"), data).status_code == 403


def test_auditor_reads_exports_but_cannot_order_a_file(cast, grant, client):
    login(client, cast.auditor)
    assert client.get(reverse("export_index")).status_code == 200
    assert client.get(csv_url(cast.call, "decisions")).status_code == 200
    assert client.get(xlsx_url(cast.call, "decisions")).status_code == 200
    data = {"call": cast.call.pk, "dataset": "decisions"}
    assert client.post(reverse("export_job_create"), data).status_code == 403
    assert not ExportJob.objects.exists()
    with override_settings(REPORTING_EXPORT_INLINE_MAX_ROWS=0):
        page = client.get(xlsx_url(cast.call, "decisions")).content.decode()
    assert "Lag filen i bakgrunnen" not in page and "Revisorer kan lese alt, men ikke endre noe." in page


def test_unknown_dataset_is_404(cast, client):
    login(client, cast.caseworker)
    assert client.get(csv_url(cast.call, "passwords")).status_code == 404
    assert client.get(xlsx_url(cast.call, "passwords")).status_code == 404
    assert client.post(reverse("export_job_create"), {"call": cast.call.pk, "dataset": "passwords"}).status_code == 404
    assert client.get(csv_url(type("C", (), {"pk": 999999})(), "applications")).status_code == 404


def test_anonymous_is_sent_to_login(cast, client):
    response = client.get(csv_url(cast.call, "applications"))
    assert response.status_code == 302 and response["Location"].startswith("/konto/login/")


def test_each_download_is_in_the_audit_log(cast, grant, client):
    login(client, cast.auditor)
    b"".join(client.get(csv_url(cast.call, "payments")).streaming_content)
    event = AuditEvent.objects.get(action="export.downloaded")
    assert (event.actor, event.object_id, event.changes) == (
        cast.auditor,
        str(cast.call.pk),
        {"dataset": "payments", "format": "csv"},
    )


def test_each_page_answers_only_its_own_method(cast, client):
    login(client, cast.caseworker)
    for url in (reverse("export_index"), csv_url(cast.call, "applications"), xlsx_url(cast.call, "applications")):
        assert client.post(url).status_code == 405
    assert client.get(reverse("export_job_create")).status_code == 405
    client.logout()
    response = client.post(reverse("export_job_create"), {"call": cast.call.pk, "dataset": "applications"})
    assert response.status_code == 302 and response["Location"].startswith("/konto/login/")
