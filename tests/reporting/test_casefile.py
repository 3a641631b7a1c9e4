"""The case file (R23): one ZIP with everything in a case, its history and a manifest of SHA-256 sums."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from grants import services
from grants.models import CooperationAgreement, Decision
from portal.audit import record
from portal.models import AuditEvent
from portal.uploads import check_upload
from reporting import casefile
from reporting.models import AccountLine, AccountsApproval, AnnualReport, RepaymentClaim, ReportAttachment
from tests import factories as f
from tests.conftest import assert_constant_queries
from tests.grants import helpers_cases as h
from tests.reporting.helpers import paid_grant

ACCOUNTS = b"%PDF-1.4\nregnskap for 2025\n%%EOF\n"
CLAIM_LETTER = b"%PDF-1.4\nkrav om tilbakebetaling\n%%EOF\n"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored(field, name: str, data: bytes):
    field.save(name, ContentFile(data), save=False)
    return sha(data)


def add_attachment(report, user, name: str, data: bytes, *, removed: bool = False) -> ReportAttachment:
    attachment = ReportAttachment(
        report=report,
        original_name=name,
        content_type="application/pdf",
        size=len(data),
        sha256=sha(data),
        uploaded_by=user,
        removed_at=timezone.now() if removed else None,
    )
    attachment.file.save(name, ContentFile(data), save=False)
    attachment.save()
    return attachment


def followed_up(cast) -> dict:
    """A paid grant with an annual report (accounts file, two attachments, one removed, approvals)
    and a repayment claim with its letter; files are put in storage directly."""
    decision = paid_grant(cast)
    case = decision.case
    now = timezone.now()
    report = AnnualReport(
        decision=decision,
        case=case,
        application=case.application,
        state=AnnualReport.State.SUBMITTED,
        deadline=decision.report_deadline,
        activities="Klassen startet i august.",
        participants_started=12,
        other_income=Decimal("50000"),
        accounts_file_name="Regnskap 2025 (endelig).pdf",
        submitted_at=now,
        submitted_by=cast.staff_a,
        created_by=cast.staff_a,
    )
    report.accounts_sha256 = stored(report.accounts_file, "regnskap.pdf", ACCOUNTS)
    report.save()
    for line in decision.lines.select_related("category"):
        AccountLine.objects.create(
            report=report, category=line.category, budgeted=line.requested, granted=line.granted, spent=line.granted
        )
    AccountsApproval.objects.create(report=report, capacity="project_owner", user=cast.staff_a, approved_at=now)
    AccountsApproval.objects.create(report=report, capacity="responsible_leader", user=cast.director_a, approved_at=now)
    kept = add_attachment(report, cast.staff_a, "Deltakerliste høst.pdf", b"%PDF-1.4\ndeltakere\n%%EOF\n")
    removed = add_attachment(report, cast.staff_a, "feil fil.pdf", b"%PDF-1.4\nfeil\n%%EOF\n", removed=True)
    record(actor=f.actor_for(cast.staff_a), action="report.submitted", obj=report, to_state="submitted")
    claim = RepaymentClaim(
        case=case,
        decision=decision,
        report=report,
        reason=RepaymentClaim.Reason.UNUSED,
        amount=Decimal("25000"),
        explanation="Ubrukte midler.",
        reference="2025/17-9",
        notice_sent_at=now,
        notice_sent_by=cast.caseworker,
        comment_deadline=datetime.date(2026, 3, 1),
        letter_status=RepaymentClaim.LetterStatus.ISSUED,
    )
    claim.letter_sha256 = stored(claim.letter, "krav.pdf", CLAIM_LETTER)
    claim.save()
    return {"decision": decision, "case": case, "report": report, "kept": kept, "removed": removed, "claim": claim}


def download(client, case):
    response = client.get(reverse("case_file", args=[case.pk]))
    assert response.status_code == 200, response.status_code
    data = b"".join(response.streaming_content)
    return response, zipfile.ZipFile(io.BytesIO(data))


def manifest_lines(archive) -> dict[str, list[str]]:
    """The manifest's file lines by path: [sha256, size, path, ...]."""
    text = archive.read("MANIFEST.txt").decode()
    lines = {}
    for line in text.splitlines():
        parts = line.split("  ")
        if len(parts) >= 3 and (len(parts[0]) == 64 or parts[0] == "MANGLER"):
            lines[parts[2]] = parts
    return lines


def history_rows(archive) -> list[dict]:
    text = archive.read("historikk.csv").decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def assert_every_file_is_in_the_archive(response, archive, objects, submission) -> list[str]:
    """The zip holds every record and file of the case, sorted, manifest last; gives the agreements."""
    case, decision, report, claim = objects["case"], objects["decision"], objects["report"], objects["claim"]
    kept, removed = objects["kept"], objects["removed"]
    assert response["Content-Type"] == "application/zip"
    assert f'filename="saksmappe-{case.application.reference}.zip"' in response["Content-Disposition"]
    names = archive.namelist()
    expected = [
        "sak.json",
        "soknad/innsending-1.json",
        "soknad/kvittering-1.pdf",
        f"vedtak/{decision.pk}-tilskudd.json",
        f"vedtak/{decision.pk}-brev.pdf",
        f"rapport/{report.pk}/rapport.json",
        f"rapport/{report.pk}/regnskap.csv",
        f"rapport/{report.pk}/regnskap-Regnskap_2025_endelig.pdf",
        f"rapport/{report.pk}/vedlegg/{kept.pk}-Deltakerliste_høst.pdf",
        f"rapport/{report.pk}/vedlegg/{removed.pk}-feil_fil.pdf",
        f"tilbakebetaling/{claim.pk}.json",
        f"tilbakebetaling/{claim.pk}-kravbrev.pdf",
        "historikk.csv",
    ]
    for path in expected:
        assert path in names, f"{path} missing from {names}"
    agreements = [n for n in names if n.startswith("vedlegg/samarbeidsavtaler/")]
    assert len(agreements) == len(submission.snapshot["agreements"]) == 4
    assert names[-1] == "MANIFEST.txt" and names[:-1] == sorted(names[:-1])
    assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in archive.infolist())
    return agreements


def assert_the_manifest_checks_every_file(archive, objects, submission, agreements) -> None:
    """Every file is in the manifest with the SHA-256 and size of its bytes in the archive."""
    decision, report, claim = objects["decision"], objects["report"], objects["claim"]
    kept, removed = objects["kept"], objects["removed"]
    names = archive.namelist()
    manifest = manifest_lines(archive)
    assert set(manifest) == set(names) - {"MANIFEST.txt"}
    for path, parts in manifest.items():
        data = archive.read(path)
        assert parts[0] == sha(data), path
        assert parts[1] == str(len(data)), path
    # Stored sums are shown and match.
    assert archive.read(f"rapport/{report.pk}/regnskap-Regnskap_2025_endelig.pdf") == ACCOUNTS
    assert archive.read(f"tilbakebetaling/{claim.pk}-kravbrev.pdf") == CLAIM_LETTER
    checked = {
        f"vedtak/{decision.pk}-brev.pdf": decision.letter.sha256,
        "soknad/kvittering-1.pdf": submission.receipt_sha256,
        f"rapport/{report.pk}/regnskap-Regnskap_2025_endelig.pdf": report.accounts_sha256,
        f"rapport/{report.pk}/vedlegg/{kept.pk}-Deltakerliste_høst.pdf": kept.sha256,
        f"tilbakebetaling/{claim.pk}-kravbrev.pdf": claim.letter_sha256,
        agreements[0]: None,
    }
    for path, value in checked.items():
        assert manifest[path][3].endswith("✓ samsvarer"), manifest[path]
        if value:
            assert manifest[path][3] == f"lagret {value} ✓ samsvarer"
    assert not [path for path, parts in manifest.items() if "✗ AVVIK" in "  ".join(parts)]
    assert "avvik fra lagret SHA-256: 0, mangler i lagringen: 0" in archive.read("MANIFEST.txt").decode()
    # The removed attachment is there, marked as removed.
    assert manifest[f"rapport/{report.pk}/vedlegg/{removed.pk}-feil_fil.pdf"][-1].startswith("(fjernet ")
    header = archive.read("MANIFEST.txt").decode().split("\n\n")[0]
    assert "Fylkeskommune: Fylke A" in header
    assert "Laget av: Aud Revisor <auditor@example.org>, Revisor" in header


def assert_the_records_are_as_stored(archive, objects, submission) -> None:
    """The records: the snapshot as submitted, the decision, the report and its accounts, the claim."""
    decision, report, claim = objects["decision"], objects["report"], objects["claim"]
    assert json.loads(archive.read("soknad/innsending-1.json")) == submission.snapshot
    decision_json = json.loads(archive.read(f"vedtak/{decision.pk}-tilskudd.json"))
    assert decision_json["tildelt"] == "1000000.00"
    assert decision_json["godkjent_av"] == "Cora Case <caseworker2@example.org>"
    assert decision_json["brev"]["sha256"] == decision.letter.sha256
    assert len(decision_json["linjer"]) == decision.lines.count()
    report_json = json.loads(archive.read(f"rapport/{report.pk}/rapport.json"))
    assert report_json["resultater"]["deltakere_startet"] == 12
    assert [a["som"] for a in report_json["godkjenninger_av_regnskapet"]] == ["project_owner", "responsible_leader"]
    accounts = list(
        csv.reader(io.StringIO(archive.read(f"rapport/{report.pk}/regnskap.csv").decode("utf-8-sig")), delimiter=";")
    )
    assert accounts[0] == ["Kostnadskategori", "Budsjett", "Tildelt", "Regnskap"]
    assert accounts[-1][0] == "Sum" and Decimal(accounts[-1][2]) == decision.amount
    assert json.loads(archive.read(f"tilbakebetaling/{claim.pk}.json"))["beløp"] == "25000.00"


def confirmed_reference(rows) -> str:
    confirmed = next(row for row in rows if row["Handling"] == "application.confirmed")
    return json.loads(confirmed["Endringer"])["reference"]


def assert_the_history_has_every_event(archive) -> None:
    """The history: every event of the application and of the report, in order, with labels."""
    rows = history_rows(archive)
    expected_actions = list(
        AuditEvent.objects.filter(object_type__in=["grants.application", "reporting.annualreport"])
        .exclude(action=casefile.EXPORTED)
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert [row["Handling"] for row in rows] == expected_actions
    for action in ("application.confirmed", "decision.approved", "letter.issued", "payment.registered"):
        assert action in expected_actions
    assert expected_actions[-1] == "report.submitted"
    confirmed = next(row for row in rows if row["Handling"] == "application.confirmed")
    assert confirmed["Handling (tekst)"] == "Bekreftet og sendt inn"
    # The event as a sentence people read, with the reference and states by their labels.
    assert confirmed["Hendelse"].startswith("Bekreftet og sendt inn ")
    assert f"med referanse {confirmed_reference(rows)}." in confirmed["Hendelse"]
    approved = next(row for row in rows if row["Handling"] == "decision.approved")
    assert "kr\xa01\xa0000\xa0000" in approved["Hendelse"] and "approvals_cleared" not in approved["Hendelse"]
    assert not [row["Til status"] for row in rows if row["Til status"] and "_" in row["Til status"]]
    assert confirmed["Utført av"] == "Dag Direktør <director.a@example.org>"
    assert confirmed["Organisasjon"] == "Fylke A"
    assert confirmed["Tidspunkt"].endswith(("+01:00", "+02:00"))
    assert list(rows[0]) == [
        "Tidspunkt",
        "Utført av",
        "Rolle",
        "Organisasjon",
        "Handling",
        "Handling (tekst)",
        "Hendelse",
        "Fra status",
        "Til status",
        "Endringer",
        "IP-adresse",
        "Gjelder",
    ]


def test_auditor_downloads_a_complete_case_file_with_a_manifest_of_sha256_sums(client, login_as, cast):
    objects = followed_up(cast)
    case = objects["case"]
    submission = case.application.submissions.get()
    login_as("auditor")

    response, archive = download(client, case)

    agreements = assert_every_file_is_in_the_archive(response, archive, objects, submission)
    assert_the_manifest_checks_every_file(archive, objects, submission, agreements)
    assert_the_records_are_as_stored(archive, objects, submission)
    assert_the_history_has_every_event(archive)


def test_export_is_recorded_in_the_case_history_with_the_zip_sha256(client, login_as, cast):
    decision = paid_grant(cast)
    login_as("auditor")
    response = client.get(reverse("case_file", args=[decision.case_id]))
    data = b"".join(response.streaming_content)
    event = AuditEvent.objects.get(action="case.file_exported")
    assert event.actor == cast.auditor and event.role == "auditor"
    assert event.object_type == "grants.application" and event.object_id == str(decision.case.application_id)
    assert event.subject_organisation == cast.county_a
    assert event.changes["sha256"] == sha(data)
    assert event.changes["avvik"] == 0 and event.changes["mangler"] == 0
    # IMDi sees it in the case's history, under its label; the county does not.
    login_as("caseworker")
    assert "Saksmappen ble lastet ned" in client.get(reverse("case_detail", args=[decision.case_id])).content.decode()
    login_as("county_staff")
    page = client.get(reverse("application_detail", args=[decision.case.application_id])).content.decode()
    assert "Saksmappen ble lastet ned" not in page


def test_a_tampered_stored_file_is_flagged_and_a_missing_one_listed(client, login_as, cast):
    objects = followed_up(cast)
    case, decision, report, kept = objects["case"], objects["decision"], objects["report"], objects["kept"]
    with default_storage.open(decision.letter.file.name, "wb") as letter:
        letter.write(b"%PDF-1.4\nnoen har endret brevet\n%%EOF\n")
    default_storage.delete(kept.file.name)
    login_as("auditor")

    response, archive = download(client, case)

    manifest = manifest_lines(archive)
    letter = manifest[f"vedtak/{decision.pk}-brev.pdf"]
    assert letter[0] == sha(b"%PDF-1.4\nnoen har endret brevet\n%%EOF\n")
    assert letter[3] == f"lagret {decision.letter.sha256} ✗ AVVIK"
    missing = manifest[f"rapport/{report.pk}/vedlegg/{kept.pk}-Deltakerliste_høst.pdf"]
    assert missing[:2] == ["MANGLER", "-"]
    assert "(filen finnes ikke i lagringen)" in missing
    assert missing[2] not in archive.namelist()
    assert "avvik fra lagret SHA-256: 1, mangler i lagringen: 1" in archive.read("MANIFEST.txt").decode()
    event = AuditEvent.objects.get(action="case.file_exported")
    assert (event.changes["avvik"], event.changes["mangler"]) == (1, 1)


def test_an_appeal_and_its_attachments_are_in_the_case_file(client, login_as, cast):
    dismissal = h.decided(cast, h.submitted_case(cast), kind=Decision.Kind.DISMISSAL)
    h.issued(dismissal)
    upload = f.pdf_upload("klage over avvisning.pdf")
    appeal = services.appeal_file(
        actor=f.actor_for(cast.staff_a),
        decision_id=dismissal.pk,
        reasons="Søknaden kom inn i tide.",
        files=[(upload, check_upload(upload))],
    )
    attachment = appeal.attachments.get()
    login_as("caseworker")

    response, archive = download(client, dismissal.case)

    path = f"klager/{appeal.pk}/vedlegg/{attachment.pk}-klage_over_avvisning.pdf"
    assert f"klager/{appeal.pk}/klage.json" in archive.namelist()
    assert f"vedtak/{dismissal.pk}-avvisning.json" in archive.namelist()
    assert manifest_lines(archive)[path][3] == f"lagret {attachment.sha256} ✓ samsvarer"
    assert (
        json.loads(archive.read(f"klager/{appeal.pk}/klage.json"))["hvorfor_dere_klager"] == "Søknaden kom inn i tide."
    )
    assert "appeal.filed" in [row["Handling"] for row in history_rows(archive)]


@pytest.mark.parametrize(
    ("role", "status"),
    [("county_staff", 403), ("county_director", 403), ("stranger", 403), ("caseworker", 200), ("admin", 200)],
)
def test_only_imdi_roles_may_download_the_case_file(client, login_as, cast, role, status):
    decision = paid_grant(cast)
    login_as(role)
    response = client.get(reverse("case_file", args=[decision.case_id]))
    assert response.status_code == status
    assert AuditEvent.objects.filter(action="case.file_exported").count() == (1 if status == 200 else 0)


def test_unknown_case_is_404_and_post_is_refused(client, login_as, cast):
    decision = paid_grant(cast)
    login_as("caseworker")
    assert client.get(reverse("case_file", args=[decision.case_id + 1000])).status_code == 404
    assert client.post(reverse("case_file", args=[decision.case_id])).status_code == 405
    login_as("auditor")
    assert client.post(reverse("case_file", args=[decision.case_id])).status_code == 403


def test_case_page_links_to_the_case_file(client, login_as, cast):
    decision = paid_grant(cast)
    login_as("auditor")
    page = client.get(reverse("case_detail", args=[decision.case_id])).content.decode()
    assert f'href="{reverse("case_file", args=[decision.case_id])}"' in page
    assert "Last ned saksmappen (ZIP)" in page


def test_query_count_does_not_grow_with_attachments_and_events(client, login_as, cast):
    objects = followed_up(cast)
    report = objects["report"]
    login_as("auditor")

    def add_rows(n):
        for i in range(n):
            add_attachment(report, cast.staff_a, f"vedlegg {i}.pdf", b"%PDF-1.4\n%%EOF\n")
            record(actor=f.actor_for(cast.staff_a), action="report.saved", obj=report)
            record(actor=f.actor_for(cast.staff_a), action="application.section_saved", obj=report.application)

    assert_constant_queries(client, reverse("case_file", args=[objects["case"].pk]), add_rows, small=1, large=20)


def test_safe_names_keep_norwegian_letters_and_drop_folders():
    assert casefile.safe_name("Avtale med NAV – Ærlig Østfold.pdf") == "Avtale_med_NAV__Ærlig_Østfold.pdf"
    assert casefile.safe_name("../../etc/passwd") == "passwd"
    assert casefile.safe_name("..") == "fil"
    assert len(casefile.safe_name("a" * 300 + ".pdf")) == 100
    assert casefile.safe_name("a" * 300 + ".pdf").endswith(".pdf")


def test_agreements_are_those_submitted_including_ones_removed_since(client, login_as, cast):
    decision = paid_grant(cast)
    application = decision.case.application
    submitted = list(application.agreements.order_by("pk"))
    CooperationAgreement.objects.filter(pk=submitted[0].pk).update(removed_at=timezone.now())
    draft_only = CooperationAgreement(
        application=application,
        partner_kind="nav",
        partner_name="Ny partner",
        original_name="ny avtale.pdf",
        content_type="application/pdf",
        size=9,
        sha256=sha(b"%PDF-1.4\n"),
        uploaded_by=cast.staff_a,
    )
    draft_only.file.save("ny.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
    draft_only.save()
    login_as("auditor")

    response, archive = download(client, decision.case)

    paths = [n for n in archive.namelist() if n.startswith("vedlegg/samarbeidsavtaler/")]
    assert [int(p.split("/")[-1].split("-")[0]) for p in paths] == [a.pk for a in submitted]
    first = manifest_lines(archive)[paths[0]]
    assert first[-1].startswith("(fjernet fra utkastet ")
