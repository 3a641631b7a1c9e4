"""The follow-up of a grant, walked in the browser: the annual report and accounts with a carry-over
into next year's application, a repayment claim from prior notice to the money repaid, and the
auditor's case file.

The carry-over: Fylke A got kr 1 000 000 (decided, letter issued, accepted and paid with the helpers, as
the decision journey is tested elsewhere). Stine Stab (staff) goes from the decision to the annual
report, starts it, writes the texts and the results, enters kr 800 000 spent (kr 200 000 unused, shown
on the page; a slip first, which the error summary points out) and asks to carry the rest over, with a
reason; she uploads the accounts (a PDF) and approves them as project owner. Dag Direktør approves them
as responsible leader, which a second person must, and sends the report in. Carl Case (caseworker) finds
it among IMDi's reports and approves it with the carry-over. When Stine starts Fylke A's application to
next year's call, the carry-over section holds kr 200 000, read-only, with the sentence that IMDi
approved it. Aud Revisor (auditor) opens Fylke A's case, downloads the case file ZIP (every file's
SHA-256 in the manifest matches the file) and is refused (403) when posting anything; nothing changes.

The repayment: Carl opens Fylke B's paid grant and gives prior notice of a claim of kr 150 000;
Berit B (Fylke B's director) finds the notice on her dashboard and comments; Carl proposes the claim,
which Cora Case, a budget holder of the scheme, approves (the letter PDF is made then: its text
holds the amount, due date, account number and reference, and its SHA-256 is the one on the page),
and Carl records the repayment.

Every person works in a tab of their own (a browser context each), so nobody logs in twice and no
authenticator code is waited for. Every page goes through ``ui.visit`` / ``ui.submit`` (axe, console
and CSP checks). Fylke A writes nynorsk, but the pages are in bokmål (nobody switches); Fylke B's
claim letter is bokmål and is asserted word for word.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from grants.models import Application, Case
from portal.models import AuditEvent
from reporting.models import AnnualReport, CarryOver, RepaymentClaim
from tests import factories as f
from tests.conftest import SECRETS
from tests.e2e.conftest import TIMEOUT_MS, UI
from tests.e2e.helpers import fact, fetch_pdf, in_section, messages_text, normal, pdf_text
from tests.reporting.helpers import paid_grant

pytestmark = pytest.mark.e2e

ACCOUNTS_PDF = b"%PDF-1.4\n% Regnskap 2025 for Fylke A\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ACCOUNT_NUMBER = "7694.05.12340"


@pytest.fixture(autouse=True)
def fresh_cache():
    """Forget the authenticator codes other tests used (allauth keeps used codes in the cache the
    live server shares; on SQLite the same user ids come back after a flush)."""
    cache.clear()


@pytest.fixture
def tab(browser, live_server):
    """A new tab in a browser context of its own: one per person, each with its own session."""
    contexts = []

    def open_tab() -> UI:
        context = browser.new_context(locale="en-US", timezone_id="Europe/Oslo", accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return UI(context.new_page(), live_server.url)

    yield open_tab
    for context in contexts:
        context.close()


def logged_in(tab, user, secret_name: str | None = None) -> UI:
    ui = tab()
    ui.log_in(user.email, totp_secret=SECRETS[secret_name] if secret_name else None)
    assert ui.path == "/", f"{user.email} was not let in: {ui.page.url}\n{ui.text()}"
    return ui


def field(page, label: str):
    """The control labelled ``label`` (a required field's label ends in an asterisk)."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\*?\s*$"))


def csrf_token(ui) -> str:
    """The CSRF token of the page's own forms (the header's logout form is on every page)."""
    return ui.page.locator("header form input[name=csrfmiddlewaretoken]").first.get_attribute("value")


# --- The report, the carry-over and the auditor ---------------------------------------------------


def test_report_with_carry_over_into_next_year_and_the_auditors_case_file(tab, e2e_cast):
    cast = e2e_cast
    decision = paid_grant(cast)  # Fylke A, kr 1 000 000 in cast.call
    application = decision.case.application
    next_call = f.make_call(cast.scheme, year=cast.call.year + 1, eligible=[cast.county_a])
    overview_path = f"/soknader/{application.pk}/vedtak/{decision.pk}/rapport/"

    # --- 1. Stine goes from the decision to the report and starts it ---------------------------------
    stine = logged_in(tab, cast.staff_a)
    page = stine.page
    stine.visit(f"/soknader/{application.pk}/vedtak/{decision.pk}/")
    stine.submit(in_section(page, "Årsrapport og regnskap").get_by_role("link", name="Gå til årsrapport og regnskap"))
    assert stine.path == overview_path
    assert stine.heading() == f"Årsrapport og regnskap for {cast.call.year}"
    stine.submit(page.get_by_role("button", name="Start årsrapporten"))
    assert stine.path == overview_path, stine.text()
    assert "Årsrapporten er startet." in messages_text(stine)
    report = AnnualReport.objects.get(decision=decision)
    sections = page.locator("ol.section-progress")

    # --- 2. The texts and the results ------------------------------------------------------------------
    stine.submit(sections.get_by_role("link", name="Årsrapporten", exact=True))
    assert stine.path == f"/rapporter/{report.pk}/del/report/"
    for label, text in [
        ("Den regionale samarbeidsmodellen", "Fylket, NAV, fire kommuner og to opplæringskontor samarbeider."),
        ("Hvordan samarbeidet har utviklet seg", "To nye arbeidsgivere kom med i høst."),
        ("Aktiviteter i perioden", "Undervisning fire dager i uka og praksis hos arbeidsgivere."),
        ("Hvordan tilskuddet er brukt", "Til lærere og til drift av samarbeidet."),
    ]:
        field(page, label).fill(text)
    stine.submit(page.get_by_role("button", name="Lagre"))
    assert stine.path == overview_path, stine.text()
    assert "Årsrapporten er lagret." in messages_text(stine)
    stine.submit(sections.get_by_role("link", name="Resultater", exact=True))
    for label, number in [
        ("Deltakere som startet", "24"),
        ("Deltakere som fullførte", "20"),
        ("Deltakere som fikk fag- eller svennebrev eller kompetansebevis", "12"),
        ("Deltakere som fikk arbeid", "9"),
    ]:
        field(page, label).fill(number)
    stine.submit(page.get_by_role("button", name="Lagre"))
    assert stine.path == overview_path, stine.text()
    assert "Resultater er lagret." in messages_text(stine)

    # --- 3. The accounts: kr 800 000 spent, kr 200 000 unused, asked to be carried over ---------------
    stine.submit(sections.get_by_role("link", name="Regnskapet", exact=True))
    assert stine.path == f"/rapporter/{report.pk}/del/accounts/"
    # First a slip: an amount in words, and a carry-over asked for without a reason.
    field(page, "Brukt på Drift av samarbeidet (kr)").fill("tre hundre tusen")
    field(page, "Brukt på Lærerressurser (kr)").fill("500 000")
    field(page, "Vi søker om å overføre ubrukte midler til neste år").check()
    stine.submit(page.get_by_role("button", name="Lagre"))
    assert stine.path == f"/rapporter/{report.pk}/del/accounts/"
    errors = page.locator(".error-summary")
    assert "Skriv et beløp i hele kroner" in normal(errors.inner_text()), stine.text()
    drift = field(page, "Brukt på Drift av samarbeidet (kr)")
    expect(drift).to_have_attribute("aria-invalid", "true")
    errors.get_by_role("link").first.click()
    expect(drift).to_be_focused()
    drift.fill("300 000")
    stine.submit(page.get_by_role("button", name="Lagre"))
    assert stine.path == f"/rapporter/{report.pk}/del/accounts/"
    assert "Skriv hvorfor dere søker om å overføre de ubrukte midlene (kr 200 000)." in normal(errors.inner_text()), (
        stine.text()
    )
    reason = "Ett kull startet i januar i stedet for august; lærerne for dem lønnes neste år."
    field(page, "Begrunnelse for overføringen").fill(reason)
    stine.submit(page.get_by_role("button", name="Lagre"))
    assert stine.path == overview_path, stine.text()
    assert "Regnskapet er lagret." in messages_text(stine)
    accounts = in_section(page, "Regnskapet")
    assert fact(page, "Utgifter i alt", within=accounts) == "kr 800 000"
    assert fact(page, "Ubrukte midler", within=accounts) == "kr 200 000"
    assert fact(page, "Søker om å overføre ubrukte midler til neste år", within=accounts) == "Ja"
    stine.submit(sections.get_by_role("link", name="Regnskapet", exact=True))  # the sums as saved
    assert fact(page, "Ubrukte midler") == "kr 200 000"
    stine.submit(page.get_by_role("link", name="Tilbake til oversikten over rapporten"))

    # --- 4. The accounts document, and the project owner's approval ------------------------------------
    field(page, "Regnskapet (dokument)").set_input_files(
        {"name": "regnskap-2025.pdf", "mimeType": "application/pdf", "buffer": ACCOUNTS_PDF}
    )
    stine.submit(page.get_by_role("button", name="Last opp regnskapet"))
    assert stine.path == overview_path, stine.text()
    assert "Regnskapet er lastet opp (regnskap-2025.pdf)." in messages_text(stine)
    files = in_section(page, "Dokumenter")
    assert files.get_by_role("link", name="regnskap-2025.pdf").count() == 1
    assert hashlib.sha256(ACCOUNTS_PDF).hexdigest() in normal(files.inner_text())
    field(page, "Prosjektansvarlig i fylkeskommunen").check()
    stine.submit(page.get_by_role("button", name="Godkjenn regnskapet"))
    assert "Du har godkjent regnskapet som prosjektansvarlig i fylkeskommunen." in messages_text(stine)
    # One person cannot approve in both capacities; and nothing can be sent yet.
    assert page.get_by_role("button", name="Godkjenn regnskapet").count() == 0
    assert "Du har allerede godkjent regnskapet som prosjektansvarlig i fylkeskommunen." in normal(
        in_section(page, "Godkjenn regnskapet").inner_text()
    )
    assert page.get_by_role("button", name="Send inn årsrapport og regnskap").count() == 0
    assert "Regnskapet må godkjennes av ansvarlig leder." in normal(in_section(page, "Send inn til IMDi").inner_text())

    # --- 5. Dag approves as the responsible leader and sends the report in ----------------------------
    dag = logged_in(tab, cast.director_a)
    dag.visit(overview_path)
    expect(field(dag.page, "Prosjektansvarlig i fylkeskommunen")).to_have_count(0)  # taken by Stine
    field(dag.page, "Ansvarlig leder").check()
    dag.submit(dag.page.get_by_role("button", name="Godkjenn regnskapet"))
    assert "Du har godkjent regnskapet som ansvarlig leder." in messages_text(dag)
    approvals = normal(in_section(dag.page, "Godkjenning av regnskapet").inner_text())
    assert "Prosjektansvarlig i fylkeskommunen Stine Stab" in approvals and "Ansvarlig leder Dag Direktør" in approvals
    dag.submit(dag.page.get_by_role("button", name="Send inn årsrapport og regnskap"))
    assert dag.path == overview_path, dag.text()
    assert "Årsrapporten og regnskapet er sendt inn til IMDi." in messages_text(dag)
    assert fact(dag.page, "Status", within=in_section(dag.page, "Status for rapport og regnskap")) == "Sendt inn"
    assert dag.page.get_by_role("link", name="Regnskapet", exact=True).count() == 0, "a sent report is not edited"

    # --- 6. Carl approves the report and the carry-over to next year ----------------------------------
    carl = logged_in(tab, cast.caseworker, "caseworker")
    carl.visit("/imdi/rapporter/")
    row = carl.page.locator("main table tbody tr").filter(has_text=application.reference)
    assert row.count() == 1, carl.text()
    row_text = normal(row.inner_text())
    assert "Venter på IMDi" in row_text and "kr 200 000" in row_text and "Søkt" in row_text, row_text
    carl.submit(row.get_by_role("link", name="Fylke A"))
    assert carl.path == f"/imdi/rapporter/{report.pk}/"
    assert carl.heading() == f"Årsrapport og regnskap {cast.call.year}: Fylke A"
    assert reason in normal(in_section(carl.page, "Regnskapet").inner_text())
    carl.page.get_by_label("IMDis vurdering").fill("Rapporten er god. Overføringen er godt begrunnet.")
    carl.page.get_by_label(f"Godkjenn overføringen til {next_call.year}, slik fylkeskommunen har søkt om").check()
    carl.submit(carl.page.get_by_role("button", name="Godkjenn rapport og regnskap"))
    assert carl.path == f"/imdi/rapporter/{report.pk}/", carl.text()
    assert f"overføringen av kr 200 000 til {next_call.year} er godkjent" in messages_text(carl)
    unused = normal(in_section(carl.page, "Ubrukte midler").inner_text())
    assert f"at kr 200 000 overføres til {next_call.year}." in unused, unused
    assert "når fylkeskommunen starter den" in unused, unused
    report.refresh_from_db()
    assert report.state == AnnualReport.State.APPROVED
    carry = CarryOver.objects.get(report=report)
    assert (carry.amount, carry.to_year, carry.application_id) == (Decimal("200000"), next_call.year, None)

    # Stine sees IMDi's approval on the report.
    stine.visit(overview_path)
    status = in_section(page, "Status for rapport og regnskap")
    assert fact(page, "Status", within=status) == "Godkjent"
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", fact(page, "Godkjent av IMDi", within=status))

    # --- 7. Stine starts next year's application: the carry-over is there, and locked -----------------
    stine.visit(f"/utlysninger/{next_call.pk}/")
    stine.submit(page.get_by_role("link", name="Start søknad", exact=True))
    assert stine.path == f"/utlysninger/{next_call.pk}/sok/"
    stine.submit(page.get_by_role("button", name="Start søknaden"))
    next_application = Application.objects.get(call=next_call, organisation=cast.county_a)
    assert stine.path == f"/soknader/{next_application.pk}/", stine.text()
    stine.submit(page.locator("ol.section-progress").get_by_role("link", name="Overføring av ubrukte midler"))
    assert stine.path == f"/soknader/{next_application.pk}/del/overforing/"
    assert (
        "IMDi har godkjent at kr 200 000 i ubrukte midler fra i fjor overføres til dette året. "
        "Beløpet står i søknaden og kan ikke endres." in normal(stine.text())
    ), stine.text()
    amount = page.locator("main input[name=carry_over_amount]")
    expect(amount).to_have_value("200 000")
    expect(amount).not_to_be_editable()
    assert "IMDi har godkjent at dette beløpet overføres fra i fjor" in normal(
        page.locator(f"#{amount.get_attribute('aria-describedby').split()[0]}").inner_text()
    )
    next_application.refresh_from_db()
    assert (next_application.carry_over_amount, next_application.carry_over_locked) == (Decimal("200000"), True)
    assert CarryOver.objects.get(pk=carry.pk).application_id == next_application.pk

    # --- 8. The auditor downloads the case file and can change nothing --------------------------------
    case = Case.objects.get(application=application)
    aud = logged_in(tab, cast.auditor, "auditor")
    aud.visit(f"/imdi/saker/{case.pk}/")
    with aud.page.expect_download() as download_info:
        aud.page.get_by_role("link", name="Last ned saksmappen (ZIP)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".zip"), download.suggested_filename
    with zipfile.ZipFile(io.BytesIO(open(download.path(), "rb").read())) as archive:
        names = set(archive.namelist())
        manifest = archive.read("MANIFEST.txt").decode()
        listed = {}
        for line in manifest.splitlines():
            if match := re.match(r"^([0-9a-f]{64})  (\d+)  (\S+)", line):
                listed[match[3]] = (match[1], int(match[2]))
        for path, (sha256, size) in listed.items():
            content = archive.read(path)
            assert (hashlib.sha256(content).hexdigest(), len(content)) == (sha256, size), path
    assert names == set(listed) | {"MANIFEST.txt"}, (names, manifest)
    for expected in [
        "soknad/innsending-1.json",
        f"vedtak/{decision.pk}-brev.pdf",
        f"rapport/{report.pk}/rapport.json",
        "historikk.csv",
    ]:
        assert expected in listed, f"{expected} not in the manifest:\n{manifest}"
    accounts_in_zip = [p for p in listed if p.startswith(f"rapport/{report.pk}/regnskap-")]
    assert [listed[p][0] for p in accounts_in_zip] == [hashlib.sha256(ACCOUNTS_PDF).hexdigest()], manifest
    assert "avvik fra lagret SHA-256: 0, mangler i lagringen: 0" in manifest, manifest
    letter_line = next(line for line in manifest.splitlines() if line.endswith("✓ samsvarer") and "-brev.pdf" in line)
    assert f"lagret {decision.letter.sha256}" in letter_line, letter_line

    # The auditor posts with a valid CSRF token: refused by the access rules, not by CSRF.
    events = AuditEvent.objects.count()
    token = csrf_token(aud)
    for path, form in [
        (f"/imdi/rapporter/{report.pk}/send-tilbake/", {"retur-reason": "Revisoren vil ha det rettet."}),
        (f"/rapporter/{report.pk}/del/report/", {"cooperation_model": "Endret av revisoren."}),
        (f"/imdi/vedtak/{decision.pk}/tilbakebetaling/", {"reason": "unused", "amount": "200000"}),
    ]:
        answer = aud.page.request.post(aud.base_url + path, form={"csrfmiddlewaretoken": token, **form})
        assert answer.status == 403, f"POST {path} by the auditor: {answer.status}"
        assert "Revisorer kan lese alt, men ikke endre noe." in answer.text(), answer.text()
    report.refresh_from_db()
    assert report.state == AnnualReport.State.APPROVED
    assert report.cooperation_model.startswith("Fylket, NAV")
    assert not RepaymentClaim.objects.exists()
    assert AuditEvent.objects.count() == events


# --- The repayment claim ------------------------------------------------------------------------------


def test_repayment_from_prior_notice_to_the_money_repaid(tab, e2e_cast):
    cast = e2e_cast
    decision = paid_grant(cast, organisation=cast.county_b)
    application = decision.case.application
    today = timezone.localdate()
    comment_deadline = today + dt.timedelta(days=14)
    due = today + dt.timedelta(days=30)

    # --- 1. Carl gives prior notice from the decision page ---------------------------------------------
    carl = logged_in(tab, cast.caseworker, "caseworker")
    page = carl.page
    carl.visit(f"/imdi/vedtak/{decision.pk}/")
    followup = in_section(page, "Oppfølging: rapport, regnskap og tilbakebetaling")
    assert "Fylkeskommunen har ikke begynt på årsrapporten." in normal(followup.inner_text())
    carl.submit(followup.get_by_role("link", name="Varsle krav om tilbakebetaling"))
    assert carl.path == f"/imdi/vedtak/{decision.pk}/tilbakebetaling/"
    assert carl.heading() == "Forhåndsvarsel om krav om tilbakebetaling: Fylke B"
    page.get_by_label("Ikke brukt etter formålet", exact=True).check()
    field(page, "Beløp som kreves tilbake").fill("150 000")
    explanation = "kr 150 000 gikk til ordinær drift av videregående skole, som tilskuddet ikke dekker."
    field(page, "Begrunnelse").fill(explanation)
    field(page, "Frist for merknader").fill(comment_deadline.isoformat())
    carl.submit(page.get_by_role("button", name="Send forhåndsvarselet"))
    claim = RepaymentClaim.objects.get(decision=decision)
    detail_path = f"/imdi/tilbakebetalinger/{claim.pk}/"
    assert carl.path == detail_path, carl.text()
    assert (
        f"Forhåndsvarselet {claim.reference} er sendt til Fylke B. Fristen for merknader er "
        f"{comment_deadline:%d.%m.%Y}." in messages_text(carl)
    )
    assert fact(page, "Status") == "Forhåndsvarsel sendt"
    assert fact(page, "Beløp") == "kr 150 000"
    # The claim cannot be sent before the county has commented or the deadline has passed.
    assert page.get_by_role("button", name="Send kravet").count() == 0

    # --- 2. Berit finds the notice on her dashboard and comments ---------------------------------------
    berit = logged_in(tab, cast.director_b)
    panel = in_section(berit.page, "Krav om tilbakebetaling")
    assert f"frist for merknader {comment_deadline:%d.%m.%Y}" in normal(panel.inner_text())
    berit.submit(panel.get_by_role("link", name=re.compile(rf"^{re.escape(claim.reference)} – kr 150 000")))
    view_path = f"/soknader/{application.pk}/tilbakebetaling/{claim.pk}/"
    assert berit.path == view_path
    assert berit.heading() == "Forhåndsvarsel om krav om tilbakebetaling"
    assert explanation in normal(in_section(berit.page, "Hvorfor IMDi krever tilskuddet tilbake").inner_text())
    comment = "Vi er enige i at kr 150 000 ble brukt til drift, og betaler tilbake."
    berit.page.get_by_label("Merknader fra fylkeskommunen").fill(comment)
    berit.submit(berit.page.get_by_role("button", name="Send merknadene"))
    assert berit.path == view_path, berit.text()
    assert "Merknadene er sendt til IMDi." in messages_text(berit)
    assert berit.page.get_by_role("button", name="Send merknadene").count() == 0

    # --- 3. Carl proposes the claim; Cora, a budget holder, approves it and the letter is made ------------
    carl.visit(detail_path)
    assert comment in fact(page, "Merknader fra fylkeskommunen")
    claim_form = in_section(page, "Send kravet til godkjenning")
    expect(claim_form.get_by_label("Beløp som kreves")).to_have_value("150 000")
    claim_form.get_by_label("Forfallsdato").fill(due.isoformat())
    claim_form.get_by_label("IMDis kontonummer").fill(ACCOUNT_NUMBER)
    carl.submit(claim_form.get_by_role("button", name="Send kravet til godkjenning"))
    assert carl.path == detail_path, carl.text()
    assert f"Kravet {claim.reference} på kr 150 000 er sendt til godkjenning" in messages_text(carl)
    assert fact(page, "Status") == "Krav venter på godkjenning"
    approval = in_section(page, "Godkjenning av budsjettdisponent")
    assert "Kan godkjenne: Cora Case." in normal(approval.inner_text())
    assert approval.get_by_role("button", name="Godkjenn og send kravet").count() == 0  # not the proposer
    cora = logged_in(tab, cast.caseworker2, "caseworker2")
    cora.visit(detail_path)
    cora.submit(
        in_section(cora.page, "Godkjenning av budsjettdisponent").get_by_role("button", name="Godkjenn og send kravet")
    )
    assert cora.path == detail_path, cora.text()
    assert f"Kravet {claim.reference} på kr 150 000 er godkjent og sendt." in messages_text(cora)
    carl.visit(detail_path)
    assert fact(page, "Status") == "Krav sendt"
    letter_section = in_section(page, "Kravbrevet")
    assert fact(page, "Forfallsdato", within=letter_section) == f"{due:%d.%m.%Y}"
    assert fact(page, "Kontonummer", within=letter_section) == ACCOUNT_NUMBER
    shown = fact(page, "SHA-256", within=letter_section)
    pdf = fetch_pdf(carl, letter_section.get_by_role("link", name=f"Last ned kravbrevet {claim.reference} (PDF)"))
    assert hashlib.sha256(pdf).hexdigest() == shown
    claim.refresh_from_db()
    assert claim.letter_sha256 == shown
    text = pdf_text(pdf)
    for expected in [
        claim.reference,
        f"Vi viser til tilskuddsbrevet {decision.letter.reference}",  # its document number in the case
        "IMDi krever at fylkeskommunen betaler tilbake kr 150 000.",
        f"Forfallsdato {due:%d.%m.%Y}",
        f"Kontonummer {ACCOUNT_NUMBER}",
        f"Merk betalingen med {claim.reference}",
        explanation,
    ]:
        assert expected in text, f"the claim letter should say {expected!r}:\n{text}"

    # The claim is among IMDi's open claims, with its due date.
    carl.visit("/imdi/tilbakebetalinger/")
    row = page.locator("main table tbody tr").filter(has_text=claim.reference)
    assert row.count() == 1, carl.text()
    assert f"{due:%d.%m.%Y}" in normal(row.inner_text())
    carl.submit(row.get_by_role("link", name=re.compile(re.escape(claim.reference))))
    assert carl.path == detail_path

    # --- 4. Carl records the repayment ----------------------------------------------------------------
    record = in_section(page, "Registrer tilbakebetalingen")
    record.get_by_label("Innbetalt beløp").fill("150 000")
    record.get_by_label("Betalt dato").fill(today.isoformat())
    carl.submit(record.get_by_role("button", name="Registrer tilbakebetalingen"))
    assert carl.path == detail_path, carl.text()
    assert "Tilbakebetalingen på kr 150 000 er registrert." in messages_text(carl)
    assert fact(page, "Status") == "Tilbakebetalt"
    assert f"kr 150 000 ble betalt {today:%d.%m.%Y} (registrert av Carl Case)." in normal(
        in_section(page, "Tilbakebetalt").inner_text()
    )
    claim.refresh_from_db()
    assert (claim.state, claim.repaid_amount, claim.repaid_on) == (
        RepaymentClaim.State.REPAID,
        Decimal("150000"),
        today,
    )

    # --- 5. Berit sees that it is repaid, and reads the same letter -----------------------------------
    berit.visit(view_path)
    assert fact(berit.page, "Status") == "Tilbakebetalt"
    assert f"Betalt: IMDi har registrert at kr 150 000 ble betalt {today:%d.%m.%Y}." in normal(
        in_section(berit.page, "Kravet").inner_text()
    )
    county_pdf = fetch_pdf(berit, berit.page.get_by_role("link", name=f"Les kravbrevet {claim.reference} (PDF)"))
    assert county_pdf == pdf
