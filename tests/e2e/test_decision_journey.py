"""From a submitted application to the money paid, and from a dismissal to the ministry's answer,
walked in the browser as the caseworkers and the counties would.

The grant: Carl Case (caseworker) finds Fylke B's application in the inbox, takes it, declares that he
is impartial, assesses it, allocates kr 1 000 000 of the call's pot (the totals follow by htmx) and
proposes a partial grant split per cost category. Cora Case (a second caseworker) approves it; the
letter is made and its text holds the amount, that it cannot be appealed, Riksrevisjonen's right of
control and the report deadline. Berit B (Fylke B's director) opens the letter and accepts the grant,
and Carl registers the payment.

The dismissal: Carl takes Fylke A's application and proposes to dismiss it while assessing; Cora
approves; the letter tells how to appeal. Stine Stab (Fylke A) appeals with a PDF attached, Carl
forwards the appeal to the ministry and records that the ministry upheld the dismissal.

Fylke B writes bokmål, so the grant letter's sentences are asserted word for word. Fylke A writes
nynorsk: its letter is rendered in nynorsk, whose catalogue may or may not have these strings yet, so
the dismissal letter is asserted on what reads the same in both (the ministry's name, the sections of
forvaltningsloven) and on "tre uker"/"tre veker". The pages themselves are in bokmål (nobody switches).

Every page goes through ``ui.visit`` / ``ui.submit`` (axe, console and CSP checks). The applications
are made and submitted with the factories, as the counties' own journey is tested elsewhere.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sepaxml
import xmlschema
from django.core.cache import cache
from django.utils import dateformat, timezone, translation
from playwright.sync_api import expect

from grants.models import Appeal, Case, Decision, Letter, Payment, PaymentBatch
from tests import factories as f
from tests.conftest import SECRETS
from tests.e2e.helpers import (
    fact,
    fetch_pdf,
    in_section,
    log_out,
    messages_text,
    normal,
    pdf_text,
    wait_for_letter_link,
    wait_for_text,
)
from tests.grants import helpers_payments as hp

pytestmark = pytest.mark.e2e

GRANT = Decimal("1000000")
# The ISO 20022 schema of the payment file, as sepaxml bundles it.
PAIN_001 = xmlschema.XMLSchema(Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd")
APPEAL_PDF = b"%PDF-1.4\n% Klage fra Fylke A\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# --- Helpers ------------------------------------------------------------------------------------


def submitted(cast, organisation) -> Case:
    """The county's application, made and submitted (and committed, for the live server)."""
    people = {cast.county_a: (cast.staff_a, cast.director_a), cast.county_b: (cast.staff_b, cast.director_b)}
    staff, director = people[organisation]
    application = f.make_application(cast.call, staff)
    f.submit(application, sender=staff, confirmer=director)
    return Case.objects.select_related("application").get(application=application)


def log_in_imdi(ui, user, secret_name: str) -> None:
    """Log an IMDi user in with a code from their authenticator. allauth refuses a code that was used
    once already (replay protection, tests/test_auth.py), and a second login of the same person within
    the code's 30 s would have to wait for the next code: the live server shares this process's cache,
    so the test forgets the used codes instead of waiting."""
    cache.clear()
    ui.log_in(user.email, totp_secret=SECRETS[secret_name])
    assert ui.path == "/", f"{user.email} was not let in: {ui.page.url}\n{ui.text()}"


@pytest.fixture(autouse=True)
def fresh_cache():
    """Forget the codes other tests used: on SQLite the same user ids come back after a flush, and the
    used-code markers of allauth live in the (process-wide) cache the live server shares."""
    cache.clear()


def long_date(moment) -> str:
    """A date as the bokmål letter writes it: "15. mars 2026"."""
    with translation.override("nb"):
        return dateformat.format(timezone.localtime(moment), "j. F Y")


def open_case_from_inbox(ui, case: Case, county: str) -> None:
    """From the inbox (already open), the row of ``county``'s application, by its reference."""
    row = ui.page.locator("main table tbody tr").filter(has_text=county)
    assert row.count() == 1, ui.text()
    ui.submit(row.get_by_role("link", name=case.application.reference, exact=True))
    assert ui.path == f"/imdi/saker/{case.pk}/", ui.page.url


def assign_to_me_and_declare(ui, case: Case, name: str) -> None:
    """On the case page: take the case and declare impartiality; ends on the assessment page."""
    page = ui.page
    assert fact(page, "Saksbehandler") == "Ikke tildelt"
    page.get_by_label("Tildel saken til en saksbehandler").select_option(label=name)
    ui.submit(page.get_by_role("button", name="Tildel", exact=True))
    assert ui.path == f"/imdi/saker/{case.pk}/"
    assert f"Saken er tildelt {name}" in messages_text(ui), messages_text(ui)
    assert fact(page, "Saksstatus") == "Tildelt saksbehandler"
    assert fact(page, "Saksbehandler").startswith(name)
    ui.submit(page.get_by_role("link", name="Erklær habilitet"))
    assert ui.path == f"/imdi/saker/{case.pk}/habilitet/"
    assert ui.heading() == "Erklæring om habilitet"
    page.get_by_label("Jeg er ikke inhabil").check()
    ui.submit(page.get_by_role("button", name="Send erklæringen"))
    assert ui.path == f"/imdi/saker/{case.pk}/vurdering/", ui.page.url
    assert "Du har erklært at du ikke er inhabil." in messages_text(ui)


def approve_from_dashboard(ui, cast, decision_path: str, link_name: str) -> None:
    """The second caseworker logs in, finds the proposal on the dashboard and approves it."""
    page = ui.page
    log_in_imdi(ui, cast.caseworker2, "caseworker2")
    waiting = in_section(page, "Saksbehandling")
    ui.submit(waiting.get_by_role("link", name=link_name))
    assert ui.path == decision_path, ui.page.url
    assert fact(page, "Status") == "Foreslått"
    ui.submit(page.get_by_role("button", name="Godkjenn vedtaket"))
    assert ui.path == decision_path, ui.page.url
    assert "Vedtaket er godkjent. Brevet lages nå." in messages_text(ui)
    assert fact(page, "Status") == "Godkjent"
    assert fact(page, "Godkjent av").startswith("Cora Case")


# --- The grant ----------------------------------------------------------------------------------


def test_grant_from_inbox_to_payment(ui, e2e_cast):
    cast = e2e_cast
    page = ui.page
    call = cast.call
    case = submitted(cast, cast.county_b)
    reference = case.application.reference
    case_path = f"/imdi/saker/{case.pk}/"

    # --- 1. Carl finds the case in the inbox, takes it and declares himself impartial ---------------
    log_in_imdi(ui, cast.caseworker, "caseworker")
    ui.submit(page.locator("header").get_by_role("link", name="Saker", exact=True))
    assert ui.path == "/imdi/saker/"
    assert ui.heading() == "Saker"
    open_case_from_inbox(ui, case, "Fylke B")
    assert ui.heading() == f"Sak {reference}: Fylke B"
    assert fact(page, "Søkt") == "kr 1 250 000"
    assign_to_me_and_declare(ui, case, "Carl Case")

    # --- 2. The assessment ---------------------------------------------------------------------------
    assert ui.heading() == f"Vurdering av søknad {reference} fra Fylke B"
    for condition in (
        "Avtaler med alle fire typer samarbeidspartnere",
        "Erklæring om at ordinær drift ikke dekkes",
        "Sendt inn i tide eller innen utsatt frist",
    ):
        group = page.locator("main form fieldset").filter(has_text=condition)
        assert group.count() == 1, condition
        group.get_by_label("Ja", exact=True).check()
    page.get_by_label("Merknad til vilkårene").fill("Alle vilkår er oppfylt.")
    page.get_by_label("Poeng for «Nasjonal overføringsverdi»").fill("5")
    page.get_by_label("Kommentar til «Nasjonal overføringsverdi»").fill("Modellen kan brukes i andre fylker.")
    # The project leader is ordinary running costs here: not eligible, so 0 is recommended for it.
    page.get_by_label("«Prosjektleder» er tilskuddsberettiget").uncheck()
    expect(page.get_by_label("Anbefalt beløp for «Lærere»")).to_have_value("1 000 000")
    page.get_by_label("Anbefalt tilskudd (kr)").fill("1 000 000")
    page.get_by_label("Begrunnelse for anbefalingen").fill("Godt samarbeid; prosjektlederen er ordinær drift.")
    ui.submit(page.get_by_role("button", name="Lagre og marker som vurdert"))
    assert ui.path == case_path, ui.text()
    assert "Vurderingen er lagret, og saken er markert som vurdert." in messages_text(ui)
    assert fact(page, "Saksstatus") == "Vurdert"
    assert fact(page, "Anbefalt") == "kr 1 000 000"

    # --- 3. The allocation: the totals follow by htmx --------------------------------------------------
    ui.submit(page.get_by_role("link", name=f"Fordelingen i {call.title}"))
    allocation_path = f"/imdi/utlysninger/{call.pk}/fordeling/"
    assert ui.path == allocation_path
    assert ui.heading() == f"Fordeling av rammen: {call.title}"
    wait_for_text(page, "#allocation-pot", "kr 5 000 000")
    wait_for_text(page, "#allocation-remaining", "kr 5 000 000")
    row = page.locator(f"#allocation-row-{case.pk}")
    assert normal(row.locator("td").nth(2).inner_text()) == "5"  # the score
    amount = page.get_by_label("Fordelt til Fylke B")
    amount.fill("1 000 000")
    with page.expect_response(lambda r: urlsplit(r.url).path == f"/imdi/saker/{case.pk}/fordel/") as answer:
        page.get_by_role("button", name="Lagre beløpet til Fylke B").click()
    assert answer.value.status == 200
    assert answer.value.request.headers.get("hx-request") == "true", "the amount was not sent by htmx"
    wait_for_text(page, "#allocation-remaining", "kr 4 000 000")
    wait_for_text(page, "#allocation-allocated", "kr 1 000 000")
    wait_for_text(page, "#allocation-status", "kr 1 000 000 er fordelt til Fylke B.")
    assert page.url.endswith(allocation_path), "htmx should not have left the page"
    ui.check()  # the page as htmx left it
    assert Case.objects.get(pk=case.pk).allocated == GRANT
    ui.visit(allocation_path)
    wait_for_text(page, "#allocation-remaining", "kr 4 000 000")
    expect(page.get_by_label("Fordelt til Fylke B")).to_have_value("1 000 000")

    # --- 4. Carl proposes a partial grant, split per cost category --------------------------------
    ui.submit(row.get_by_role("link", name=reference, exact=True))
    assert ui.path == case_path
    ui.submit(page.get_by_role("link", name="Foreslå vedtak", exact=True))
    assert ui.path == f"/imdi/saker/{case.pk}/vedtak/"
    assert ui.heading() == "Foreslå vedtak: Fylke B"
    page.get_by_label("Tilskudd", exact=True).check()
    # The call has no letter templates: nothing is prefilled, Carl writes the reasons (issue 12).
    expect(page.get_by_label("Regler avgjørelsen bygger på")).to_have_value("")
    page.get_by_label("Regler avgjørelsen bygger på").fill("Rundskrivet, punkt «Vilkår for å motta tilskudd».")
    page.get_by_label("Faktiske forhold").fill(f"Fylke B søkte om kr 1 250 000 (søknad {reference}).")
    page.get_by_label("Hovedhensyn").fill("Klassen har stor overføringsverdi; prosjektledelsen er ordinær drift.")
    page.locator("#id_conditions").fill("Tilskuddet skal brukes til lærere i klassen i 2025.")
    page.get_by_label("Drift av samarbeidet", exact=True).fill("0")
    page.get_by_label("Lærerressurser", exact=True).fill("1 000 000")
    ui.submit(page.get_by_role("button", name="Foreslå vedtaket"))
    decision = Decision.objects.get(case=case)
    decision_path = f"/imdi/vedtak/{decision.pk}/"
    assert ui.path == decision_path, ui.text()
    assert "Vedtaket er foreslått. En annen saksbehandler må godkjenne det." in messages_text(ui)
    assert ui.heading() == "Tilskudd: Fylke B"
    assert fact(page, "Type vedtak").startswith("Tilskudd – delvis innvilget")
    granted = in_section(page, "Beløp per kostnadskategori")
    assert normal(granted.locator("tbody tr").filter(has_text="Lærerressurser").inner_text()).endswith(
        "kr 1 000 000 kr 1 000 000"
    )
    assert normal(granted.locator("tbody tr").filter(has_text="Drift av samarbeidet").inner_text()).endswith(
        "kr 250 000 kr 0"
    )
    # The one who proposed it cannot approve it.
    assert page.get_by_role("button", name="Godkjenn vedtaket").count() == 0
    assert "En annen saksbehandler må godkjenne det." in normal(in_section(page, "Godkjenning").inner_text())
    log_out(ui)

    # --- 5. Cora approves; the letter is made ------------------------------------------------------
    approve_from_dashboard(ui, cast, decision_path, "Tilskudd – Fylke B")
    letter_link = wait_for_letter_link(ui, decision_path, re.compile(r"^Last ned brevet .* \(PDF\)$"))
    letter = Letter.objects.get(decision=decision)
    assert letter.language == "nb"
    assert normal(letter_link.inner_text()) == f"Last ned brevet {letter.reference} (PDF)"
    letter_facts = in_section(page, "Vedtaksbrevet")
    assert fact(page, "Først åpnet av fylkeskommunen", within=letter_facts) == "Ikke åpnet ennå"
    pdf = fetch_pdf(ui, letter_link)
    shown = fact(page, "SHA-256", within=letter_facts)
    assert hashlib.sha256(pdf).hexdigest() == shown, "the page shows the SHA-256 of another file than it serves"
    text = pdf_text(pdf)
    report_deadline = long_date(call.report_deadline)
    for expected in [
        "Tilskuddsbrev",
        letter.reference,
        reference,
        "IMDi innvilger søknaden delvis. Dere søkte om kr 1 250 000 og får et tilskudd på kr 1 000 000.",
        "Avgjørelsen er ikke et enkeltvedtak, jf. forvaltningsloven § 2. "
        "Dere kan derfor ikke klage, jf. forvaltningsloven §§ 3 første ledd og 28.",
        "IMDi og Riksrevisjonen kan kontrollere at midlene brukes etter forutsetningene, "
        "jf. bevilgningsreglementet § 10 andre ledd og riksrevisjonsloven § 12 tredje ledd.",
        f"Dere skal levere en årsrapport og et regnskap gjennom portalen innen {report_deadline}.",
        "Cora Case",
        "Carl Case",
    ]:
        assert expected in text, f"the letter should say {expected!r}:\n{text}"
    assert "Dere kan klage" not in text
    assert Letter.objects.get(pk=letter.pk).first_opened_at is None, "IMDi reading the letter is not the county"
    log_out(ui)

    # --- 6. Berit (the county's director) opens the letter and accepts the grant -------------------
    ui.log_in(cast.director_b.email)
    assert ui.path == "/"
    panel = in_section(page, "Vedtak fra IMDi")
    assert "venter på aksept" in normal(panel.inner_text())
    ui.submit(panel.get_by_role("link", name=f"Tilskudd kr 1 000 000 – {call.title}"))
    county_path = f"/soknader/{case.application_id}/vedtak/{decision.pk}/"
    assert ui.path == county_path, ui.page.url
    assert ui.heading() == "Tilskuddsbrev"
    assert fact(page, "Tildelt").startswith("kr 1 000 000 (delvis tilskudd")
    assert fact(page, "Frist for rapport og regnskap") == timezone.localtime(call.report_deadline).strftime("%d.%m.%Y")
    county_letter = in_section(page, "Vedtaksbrevet")
    assert fact(page, "Kontrollsum (SHA-256)", within=county_letter) == shown
    assert fact(page, "Først åpnet av fylkeskommunen", within=county_letter) == "Ikke åpnet ennå"
    county_pdf = fetch_pdf(ui, county_letter.get_by_role("link", name=f"Åpne brevet {letter.reference}"))
    assert county_pdf == pdf, "the county must get the very file IMDi stored"
    ui.visit(county_path)
    opened = fact(page, "Først åpnet av fylkeskommunen", within=in_section(page, "Vedtaksbrevet"))
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", opened), opened
    accept = in_section(page, "Aksept av tilskuddet")
    assert normal(accept.locator(".status-tag").inner_text()) == "Ikke akseptert"
    ui.submit(accept.get_by_role("button", name="Aksepter tilskuddet"))
    assert ui.path == county_path
    assert "Tilskuddet er akseptert på vegne av Fylke B. IMDi kan nå utbetale det." in messages_text(ui)
    accept = in_section(page, "Aksept av tilskuddet")
    assert normal(accept.locator(".status-tag").inner_text()) == "Akseptert"
    assert "av Berit B." in normal(accept.inner_text())
    assert accept.get_by_role("button", name="Aksepter tilskuddet").count() == 0
    log_out(ui)

    # --- 7. Carl proposes the payment to Fylke B's confirmed account and attests it -----------------
    hp.confirmed_account(cast, cast.county_b)  # registered by its staff, confirmed by its director
    log_in_imdi(ui, cast.caseworker, "caseworker")
    ui.submit(page.locator("header").get_by_role("link", name="Utbetalinger", exact=True))
    assert ui.path == "/imdi/utbetalinger/"
    due = page.locator("main table tbody tr").filter(has_text="Fylke B")
    assert due.count() == 1
    ui.submit(due.get_by_role("link", name=reference, exact=True))
    assert ui.path == decision_path
    first_opened = fact(page, "Først åpnet av fylkeskommunen", within=in_section(page, "Vedtaksbrevet"))
    assert first_opened.endswith(", Berit B"), first_opened
    assert "Akseptert av Berit B" in normal(in_section(page, "Aksept og utbetaling").inner_text())
    ui.submit(page.get_by_role("link", name="Foreslå utbetaling"))
    assert ui.path == f"/imdi/vedtak/{decision.pk}/utbetaling/"
    assert ui.heading() == "Foreslå utbetaling: Fylke B"
    expect(page.get_by_label("Beløp")).to_have_value("1 000 000")
    ui.submit(page.get_by_role("button", name="Foreslå utbetalingen"))
    payment = Payment.objects.get(decision=decision)
    payment_path = f"/imdi/utbetalinger/{payment.pk}/"
    assert ui.path == payment_path, ui.text()
    assert fact(page, "Kontonummer") == "8601.11.17947"
    ui.submit(page.get_by_role("button", name="Attester utbetalingen"))
    assert "Du attesterte utbetalingen. En annen må godkjenne den." in ui.text()
    assert page.get_by_role("button", name="Godkjenn utbetalingen").count() == 0
    log_out(ui)

    # --- 8. Cora (a budget holder) approves it; the payment file goes to the bank, which confirms ---
    log_in_imdi(ui, cast.caseworker2, "caseworker2")
    ui.visit(payment_path)
    ui.submit(page.get_by_role("button", name="Godkjenn utbetalingen"))
    assert "er godkjent" in messages_text(ui)
    ui.visit("/imdi/betalingsfiler/")
    ui.submit(page.get_by_role("button", name="Lag betalingsfil"))
    batch = PaymentBatch.objects.get()
    assert ui.path == f"/imdi/betalingsfiler/{batch.pk}/"
    assert batch.sha256 in ui.text()
    with page.expect_download() as download:
        page.get_by_role("button", name="Last ned betalingsfilen").click()
    content = Path(download.value.path()).read_bytes()
    assert hashlib.sha256(content).hexdigest() == batch.sha256
    PAIN_001.validate(content.decode())
    assert "<Id>86011117947</Id>" in content.decode() and ">1000000.00</InstdAmt>" in content.decode()
    ui.visit(f"/imdi/betalingsfiler/{batch.pk}/")
    today = timezone.localdate()
    page.get_by_label("Utbetalingsdato (fra bankens bekreftelse)").fill(today.isoformat())
    ui.submit(page.get_by_role("button", name="Registrer at betalingene er utført"))
    assert "Bankens bekreftelse er registrert" in messages_text(ui)
    ui.visit(decision_path)
    payments = in_section(page, "Aksept og utbetaling")
    assert normal(payments.locator("tfoot").inner_text()) == "Utbetalt (bekreftet av banken) kr 1 000 000"
    assert "Gjenstår å utbetale: kr 0" in normal(payments.inner_text())
    assert payments.get_by_role("link", name="Foreslå utbetaling").count() == 0
    ui.submit(page.get_by_role("link", name="Tilbake til saken"))
    assert fact(page, "Saksstatus") == "Utbetalt"
    payment.refresh_from_db()
    assert (payment.amount, payment.paid_on) == (GRANT, today)
    assert (payment.attested_by, payment.approved_by) == (cast.caseworker, cast.caseworker2)


# --- The dismissal and the appeal -------------------------------------------------------------------


def test_dismissal_appealed_and_upheld_by_the_ministry(ui, e2e_cast):
    cast = e2e_cast
    page = ui.page
    call = cast.call
    case = submitted(cast, cast.county_a)
    reference = case.application.reference
    case_path = f"/imdi/saker/{case.pk}/"

    # --- 1. Carl finds the new case from the dashboard, takes it and proposes to dismiss it ---------
    log_in_imdi(ui, cast.caseworker, "caseworker")
    ui.submit(in_section(page, "Saksbehandling").get_by_role("link", name="Mottatt: 1", exact=True))
    assert ui.path == "/imdi/saker/" and "state=received" in ui.page.url, ui.page.url
    open_case_from_inbox(ui, case, "Fylke A")
    assign_to_me_and_declare(ui, case, "Carl Case")
    ui.submit(page.get_by_role("link", name="Tilbake til saken"))
    assert fact(page, "Saksstatus") == "Under vurdering"
    ui.submit(page.get_by_role("link", name="Foreslå avvisning", exact=True))
    assert ui.path == f"/imdi/saker/{case.pk}/vedtak/"
    assert "Før den er ferdig, kan du bare foreslå avvisning." in ui.text()
    page.get_by_label("Avvisning", exact=True).check()
    page.get_by_label("Regler avgjørelsen bygger på").fill("Rundskrivet, punktet «Hvem kan få tilskudd?».")
    page.get_by_label("Faktiske forhold").fill("Fylke A er ikke med i forsøket med en nasjonal samarbeidsmodell.")
    page.get_by_label("Hovedhensyn").fill("Bare fylkeskommunene i forsøket kan søke, så søknaden kan ikke vurderes.")
    ui.submit(page.get_by_role("button", name="Foreslå vedtaket"))
    decision = Decision.objects.get(case=case)
    decision_path = f"/imdi/vedtak/{decision.pk}/"
    assert ui.path == decision_path, ui.text()
    assert ui.heading() == "Avvisning: Fylke A"
    assert "enkeltvedtak, kan påklages" in fact(page, "Type vedtak")
    log_out(ui)

    # --- 2. Cora approves; the letter (nynorsk) tells how to appeal -------------------------------
    approve_from_dashboard(ui, cast, decision_path, "Avvisning – Fylke A")
    letter_link = wait_for_letter_link(ui, decision_path, re.compile(r"^Last ned brevet .* \(PDF\)$"))
    letter = Letter.objects.get(decision=decision)
    assert letter.language == "nn"
    pdf = fetch_pdf(ui, letter_link)
    assert hashlib.sha256(pdf).hexdigest() == fact(page, "SHA-256", within=in_section(page, "Vedtaksbrevet"))
    text = pdf_text(pdf)
    for expected in [letter.reference, reference, "Arbeids- og inkluderingsdepartementet", "§§ 28 og 29"]:
        assert expected in text, f"the letter should say {expected!r}:\n{text}"
    assert re.search(r"inn[ae]n tre (uker|veker)", text), f"the letter should give three weeks to appeal:\n{text}"
    assert re.search(r"til IMDi gjennom portalen", text), f"the appeal goes to IMDi:\n{text}"
    assert "Riksrevisjonen" not in text
    log_out(ui)

    # --- 3. Stine (Fylke A) appeals, with a PDF attached ----------------------------------------
    ui.log_in(cast.staff_a.email)
    panel = in_section(page, "Vedtak fra IMDi")
    assert "kan påklages" in normal(panel.inner_text())
    ui.submit(panel.get_by_role("link", name=f"Avvisning – {call.title}"))
    county_path = f"/soknader/{case.application_id}/vedtak/{decision.pk}/"
    assert ui.path == county_path, ui.page.url
    assert ui.heading() == "Vedtak om avvisning"
    appeal_section = in_section(page, "Klage")
    assert "Arbeids- og inkluderingsdepartementet" in normal(appeal_section.inner_text())
    deadline = Letter.objects.get(pk=letter.pk).appeal_deadline
    assert f"Klagefrist: {deadline:%d.%m.%Y}" in normal(appeal_section.inner_text())
    county_pdf = fetch_pdf(ui, in_section(page, "Vedtaksbrevet").get_by_role("link", name=re.compile("^Åpne brevet")))
    assert county_pdf == pdf
    ui.submit(appeal_section.get_by_role("link", name="Klag på vedtaket"))
    assert ui.path == f"/soknader/{case.application_id}/vedtak/{decision.pk}/klage/"
    assert ui.heading() == "Klage på vedtaket"
    reasons = "Fylke A ble tatt med i forsøket i januar. Vi ber om at søknaden blir vurdert."
    page.get_by_label("Hvorfor klager dere?").fill(reasons)
    page.get_by_label("Vedlegg (valgfritt)").set_input_files(
        {"name": "vedtak-om-forsoket.pdf", "mimeType": "application/pdf", "buffer": APPEAL_PDF}
    )
    ui.submit(page.get_by_role("button", name="Send klagen"))
    assert ui.path == county_path, ui.text()
    assert "Klagen er mottatt av IMDi innen fristen." in messages_text(ui)
    filed = in_section(page, "Klage").locator("tbody tr")
    assert filed.count() == 1
    assert "Mottatt" in normal(filed.locator(".status-tag").inner_text())
    assert filed.get_by_role("link", name="vedtak-om-forsoket.pdf").count() == 1
    log_out(ui)

    # --- 4. Carl forwards the appeal to the ministry and records its outcome ------------------------
    log_in_imdi(ui, cast.caseworker, "caseworker")
    ui.submit(in_section(page, "Saksbehandling").get_by_role("link", name="Klage mottatt: 1", exact=True))
    open_case_from_inbox(ui, case, "Fylke A")
    assert fact(page, "Saksstatus") == "Klage mottatt"
    appeal = Appeal.objects.get(case=case)
    ui.submit(page.get_by_role("link", name=re.compile(r"^Klage mottatt \d\d\.\d\d\.\d{4}$")))
    appeal_path = f"/imdi/klager/{appeal.pk}/"
    assert ui.path == appeal_path
    assert ui.heading() == "Klage fra Fylke A"
    assert fact(page, "Kom klagen i tide?") == "I tide"
    assert reasons in normal(in_section(page, "Fylkeskommunens begrunnelse").inner_text())
    attachment = in_section(page, "Fylkeskommunens begrunnelse").locator("li")
    assert f"SHA-256: {hashlib.sha256(APPEAL_PDF).hexdigest()}" in normal(attachment.inner_text())
    served = ui.page.request.get(ui.base_url + attachment.get_by_role("link").get_attribute("href"))
    assert served.status == 200 and served.body() == APPEAL_PDF
    forward = in_section(page, "Send til departementet")
    forward.get_by_label("Oversendelsesbrev til departementet").fill(
        "IMDi står ved avvisningen: Fylke A var ikke med i forsøket da utlysningen ble kunngjort."
    )
    ui.submit(forward.get_by_role("button", name="Send til departementet"))
    assert ui.path == appeal_path, ui.text()
    assert "Klagen er sendt til departementet." in messages_text(ui)
    assert fact(page, "Status") == "Sendt departementet"
    assert "Fylke A var ikke med i forsøket" in normal(in_section(page, "Sendt departementet").inner_text())
    outcome = in_section(page, "Registrer departementets avgjørelse")
    outcome.get_by_label("Departementet opprettholdt avvisningen. Saken avsluttes.").check()
    outcome.get_by_label("Departementets avgjørelse").fill("AID 25/1234: avvisningen står.")
    today = timezone.localdate()
    outcome.get_by_label("Dato for avgjørelsen").fill(today.isoformat())
    ui.submit(outcome.get_by_role("button", name="Registrer avgjørelsen"))
    assert ui.path == appeal_path, ui.text()
    assert "avvisningen står, og saken er avsluttet." in messages_text(ui)
    assert fact(page, "Status") == "Departementet opprettholdt vedtaket"
    ministry = normal(in_section(page, "Departementets avgjørelse").inner_text())
    assert "Departementet opprettholdt avvisningen. Saken er avsluttet." in ministry
    assert f"Avgjort {today:%d.%m.%Y}" in ministry
    assert page.get_by_role("button", name="Omgjør vedtaket").count() == 0
    ui.submit(page.get_by_role("link", name="Tilbake til saken"))
    assert ui.path == case_path
    assert fact(page, "Saksstatus") == "Avsluttet"
    log_out(ui)

    # --- 5. Stine sees the outcome --------------------------------------------------------------------
    ui.log_in(cast.staff_a.email)
    ui.visit(county_path)
    filed = in_section(page, "Klage").locator("tbody tr")
    assert normal(filed.locator(".status-tag").inner_text()) == "Departementet opprettholdt vedtaket"
    assert in_section(page, "Klage").get_by_role("link", name="Klag på vedtaket").count() == 0
