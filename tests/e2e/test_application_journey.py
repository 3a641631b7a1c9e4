"""A county's application from start to submitted receipt, walked in the browser as people would.

Stine Stab (county staff) starts an application on the open call, fills every section, uploads one
signed agreement per partner kind, meets the error summary, fixes what it points to and sends the
application for confirmation. Dag Direktør (county director) reads it, confirms it and downloads the
receipt, whose text must hold the project, the budget total and every agreement's SHA-256.

Every page goes through ``ui.visit`` / ``ui.submit`` (axe, console and CSP checks), in bokmål and again
in nynorsk. Texts are asserted in bokmål only: nynorsk translations of new strings may be missing.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import UI
from tests.e2e.helpers import messages_text, normal, wait_for_text

pytestmark = pytest.mark.e2e

TITLE = "Fagbrev for voksne innvandrere i Fylke A"
# (partner kind as the form shows it, partner name, file name, file content): every file differs.
AGREEMENTS = [
    (kind, name, f"avtale-{slug}.pdf", b"%PDF-1.4\n% " + name.encode() + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    for kind, name, slug in [
        ("Arbeidsgiver", "Byggmester Berg AS", "arbeidsgiver"),
        ("Opplæringskontor", "Opplæringskontoret for bygg", "opplaeringskontor"),
        ("NAV", "NAV Fylke A", "nav"),
        ("Kommune", "Storby kommune", "kommune"),
    ]
]
# The budget lines as the budget page shows them once saved.
BUDGET_SAVED = [
    ("Drift av samarbeidet", "Prosjektleder i halv stilling", "250 000"),
    ("Lærerressurser", "To lærere", "1 000 000"),
]
RECEIPT_WAIT_S = 20


@contextmanager
def autosave(page, section_path: str, expected: dict[str, str]):
    """Wait, after the steps in the block, for the autosave (htmx posts the form 1.5 s after typing stops)
    that carries ``expected``, and for the page to show it was saved.

    A person pauses, sees "Lagret automatisk" and clicks on; waiting here also keeps the next click from
    racing an autosave still on its way (both would carry the same section version).
    """

    def is_it(response) -> bool:
        request = response.request
        if request.method != "POST" or urlsplit(request.url).path != section_path:
            return False
        data = parse_qs(request.post_data or "", keep_blank_values=True)
        return data.get("autosave") == ["1"] and all(data.get(key) == [value] for key, value in expected.items())

    with page.expect_response(is_it) as info:
        yield
    body = info.value.text()
    assert info.value.status == 200 and "Lagret automatisk" in body, f"autosave: {info.value.status} {body}"
    version = re.search(r'name="version" value="(\d+)"', body).group(1)
    expect(page.locator("#autosave-status")).to_contain_text("Lagret automatisk kl.")
    expect(page.locator("#id_version")).to_have_value(version)  # the form now carries the saved version


def budget_rows(page, count: int) -> list[tuple[str, str, str]]:
    """(category, description, amount) of the first ``count`` budget lines as the form shows them."""
    return [
        (
            page.get_by_label(f"Kostnadskategori, linje {n}").locator("option:checked").inner_text(),
            page.get_by_label(f"Hva beløpet dekker, linje {n}").input_value(),
            normal(page.get_by_label(f"Beløp i kroner, linje {n}").input_value()),
        )
        for n in range(1, count + 1)
    ]


def save_and_continue(ui) -> None:
    ui.submit(ui.page.get_by_role("button", name="Lagre og gå videre"))


def open_section(ui, application_pk: int, title: str, path: str) -> None:
    """Open a section from the application's overview, by its link."""
    ui.visit(f"/soknader/{application_pk}/")
    ui.submit(ui.page.locator("ol.section-progress").get_by_role("link", name=title, exact=True))
    assert ui.path == path, ui.page.url
    assert ui.heading() == title


def in_nynorsk(ui, paths: list[str]) -> None:
    """Switch to nynorsk on the page we are on, run axe on it and on ``paths``, and switch back to bokmål."""
    here = ui.page.url.removeprefix(ui.base_url)
    ui.switch_language("nn")
    for path in paths:
        ui.visit(path)
        assert ui.path == path.split("?")[0], f"{path} led to {ui.page.url}"
        assert ui.page.locator("html").get_attribute("lang") == "nn"
    ui.visit(here)
    ui.switch_language("nb")


def test_application_journey_from_start_to_receipt(ui, e2e_cast):
    cast = e2e_cast
    page = ui.page
    call = cast.call

    # --- 1. Stine starts the application from her dashboard -------------------------------------
    ui.log_in(cast.staff_a.email)
    assert ui.path == "/"
    assert "Fylkeskommunen har ikke startet noen søknad ennå." in ui.text()
    ui.submit(page.locator("#panel-open-calls").locator("..").get_by_role("link", name=call.title))
    assert ui.path == f"/utlysninger/{call.pk}/"
    assert ui.heading() == call.title
    ui.submit(page.get_by_role("link", name="Start søknad", exact=True))
    assert ui.path == f"/utlysninger/{call.pk}/sok/"
    assert ui.heading() == f"Start søknad: {call.title}"
    in_nynorsk(ui, ["/", f"/utlysninger/{call.pk}/"])
    ui.submit(page.get_by_role("button", name="Start søknaden"))
    match = re.fullmatch(r"/soknader/(\d+)/", ui.path)
    assert match, f"Start søknaden led to {ui.page.url}"
    pk = int(match.group(1))
    overview = f"/soknader/{pk}/"
    assert ui.heading() == "Søknad uten navn"
    assert "Søknaden er opprettet." in messages_text(ui)
    assert normal(page.locator("dl.facts .status-tag").inner_text()) == "Utkast"
    section_links = page.locator("ol.section-progress").get_by_role("link")
    assert section_links.all_inner_texts() == [
        "Prosjektet",
        "Samarbeidspartnere og avtaler",
        "Justeringer",
        "Erfaringsdeling og overføringsverdi",
        "Budsjett",
        "Overføring av ubrukte midler",
        "Kontaktperson",
    ]

    # --- 2. The sections, in order, each saved with "Lagre og gå videre" ------------------------
    open_section(ui, pk, "Prosjektet", f"/soknader/{pk}/del/prosjekt/")
    page.get_by_label("Prosjektets navn").fill(TITLE)
    page.get_by_label("Kort beskrivelse av prosjektet").fill("En klasse for voksne innvandrere som tar fagbrev.")
    page.get_by_label("Den regionale samarbeidsmodellen").fill("Fylket, NAV, kommunene og bedriftene møtes månedlig.")
    page.get_by_label("Planlagt antall deltakere i klassen").fill("14")
    page.get_by_label("Slik rekrutteres deltakerne").fill("NAV og kommunene foreslår deltakere.")
    page.get_by_label("Slik følges deltakerne opp").fill("Hver deltaker har en kontaktlærer og en veileder.")
    assert call.max_project_years >= 1
    page.get_by_label("Prosjektstart").fill(f"{call.year}-01-01")
    page.get_by_label("Prosjektslutt").fill(f"{call.year}-12-31")  # within one year, so within the call's limit
    save_and_continue(ui)
    assert "«Prosjektet» er lagret." in messages_text(ui), messages_text(ui)
    agreements_path = f"/soknader/{pk}/avtaler/"
    assert ui.path == agreements_path, ui.page.url
    assert ui.heading() == "Samarbeidspartnere og avtaler"

    # Agreements: one per partner kind, each with its own bytes; the page shows each file's SHA-256.
    shown_sha256: dict[str, str] = {}
    for kind, name, filename, content in AGREEMENTS:
        form = page.locator("form[enctype='multipart/form-data']")
        form.get_by_label("Type samarbeidspartner").select_option(label=kind)
        form.get_by_label("Samarbeidspartnerens navn").fill(name)
        form.get_by_label("Signert avtale").set_input_files(
            {"name": filename, "mimeType": "application/pdf", "buffer": content}
        )
        ui.submit(form.get_by_role("button", name="Last opp"))
        assert ui.path == agreements_path, ui.page.url
        assert f"Avtalen med {name} er lastet opp ({filename})." in messages_text(ui), messages_text(ui)
        row = page.locator("main table tbody tr").filter(has_text=name)
        assert row.count() == 1
        assert normal(row.locator("td").first.inner_text()) == kind
        sha = normal(row.locator(".sha256").inner_text()).removeprefix("SHA-256: ")
        assert sha == hashlib.sha256(content).hexdigest(), f"{filename}: the page shows {sha}"
        shown_sha256[filename] = sha
    assert len(set(shown_sha256.values())) == len(AGREEMENTS)
    assert page.locator("main .alert-warning").filter(has_text="Det mangler avtale med").count() == 0
    ui.submit(page.get_by_role("link", name="Gå videre til neste del: Justeringer"))
    assert ui.path == f"/soknader/{pk}/del/justeringer/", ui.page.url

    page.get_by_label("Nei", exact=True).check()
    save_and_continue(ui)
    assert ui.path == f"/soknader/{pk}/del/erfaringsdeling/", ui.page.url
    assert "«Justeringer» er lagret." in messages_text(ui)

    page.get_by_label("Vi forplikter oss til erfaringsdeling og evaluering").check()
    page.get_by_label("Slik deler vi erfaringer og deltar i evalueringen").fill("Vi deltar på IMDis samlinger.")
    page.get_by_label("Overføringsverdi til en nasjonal modell").fill("Modellen kan brukes i alle fylker.")
    save_and_continue(ui)
    budget_path = f"/soknader/{pk}/del/budsjett/"
    assert ui.path == budget_path, ui.page.url

    # Budget: the totals follow what is typed (htmx), before anything is saved, and autosave stores it.
    wait_for_text(page, "#budget-total", "kr 0")
    page.get_by_label("Kostnadskategori, linje 1").select_option(label="Drift av samarbeidet")
    page.get_by_label("Hva beløpet dekker, linje 1").fill("Prosjektleder i halv stilling")
    with autosave(page, budget_path, {"lines-0-amount": "250 000"}):
        page.get_by_label("Beløp i kroner, linje 1").press_sequentially("250 000", delay=30)
        wait_for_text(page, "#budget-total", "kr 250 000")
    ui.check()  # the page as htmx left it
    # More rows: the page comes back with what was typed, and the totals still right.
    ui.submit(page.get_by_role("button", name="Legg til flere linjer"))
    assert ui.path == budget_path
    assert budget_rows(page, 1) == [("Drift av samarbeidet", "Prosjektleder i halv stilling", "250 000")]
    wait_for_text(page, "#budget-total", "kr 250 000")
    assert page.get_by_label("Beløp i kroner, linje 5").count() == 1
    page.get_by_label("Kostnadskategori, linje 2").select_option(label="Lærerressurser")
    page.get_by_label("Hva beløpet dekker, linje 2").fill("To lærere")
    page.get_by_label("Beløp i kroner, linje 2").press_sequentially("1 000 000", delay=30)
    wait_for_text(page, "#budget-total", "kr 1 250 000")
    with autosave(page, budget_path, {"lines-1-amount": "1 000 000", "declares_no_running_costs": "on"}):
        page.get_by_label("Budsjettet dekker ikke ordinær drift eller investeringer").check()
    ui.check()
    # What autosave stored is what another tab now shows.
    tab = UI(page.context.new_page(), ui.base_url)
    try:
        tab.visit(budget_path)
        assert budget_rows(tab.page, 2) == BUDGET_SAVED, "autosave did not store the budget as typed"
        wait_for_text(tab.page, "#budget-total", "kr 1 250 000")
        assert tab.page.get_by_label("Budsjettet dekker ikke ordinær drift eller investeringer").is_checked()
    finally:
        tab.page.close()
    save_and_continue(ui)
    assert ui.path == f"/soknader/{pk}/del/overforing/", "the budget was not saved as typed:\n" + ui.text()
    assert "«Budsjett» er lagret." in messages_text(ui)
    # Back on the budget: both lines are saved, as typed.
    ui.visit(budget_path)
    assert budget_rows(page, 2) == BUDGET_SAVED
    wait_for_text(page, "#budget-total", "kr 1 250 000")
    ui.visit(f"/soknader/{pk}/del/overforing/")

    page.get_by_label("Ubrukte midler fra i fjor som søkes overført (kr)").fill("0")
    save_and_continue(ui)
    contact_path = f"/soknader/{pk}/del/kontakt/"
    assert ui.path == contact_path, ui.page.url

    # --- 3. The error summary -------------------------------------------------------------------
    # On the review page before the contact section is filled: it lists what is missing, with links.
    review_path = f"/soknader/{pk}/kontroller/"
    ui.visit(overview)
    ui.submit(page.get_by_role("link", name="Kontroller og send til bekreftelse"))
    assert ui.path == review_path
    assert ui.heading() == "Kontroller svarene før dere sender"
    summary = page.locator("main .error-summary")
    assert summary.count() == 1
    assert normal(summary.locator("h2").inner_text()) == "Dette mangler før søknaden kan sendes"
    assert normal(" ".join(summary.locator("li").all_inner_texts())) == (
        "Kontaktperson mangler. E-post til kontaktperson mangler. Telefon til kontaktperson mangler."
    )
    assert page.get_by_role("button", name="Send til bekreftelse").count() == 0
    in_nynorsk(ui, [f"{contact_path}?kontroll=1"])
    ui.submit(summary.get_by_role("link", name="Kontaktperson mangler.", exact=True))
    assert ui.path == contact_path
    assert ui.page.url.endswith("?kontroll=1#id_contact_name"), ui.page.url
    assert page.locator("main .error-summary").count() == 1

    # On the section itself: saved without the e-mail address, the page says so at the top.
    page.get_by_label("Kontaktperson", exact=True).fill("Kari Kontakt")
    page.get_by_label("Telefon til kontaktperson").fill("99 99 99 99")
    page.get_by_label("E-post til kontaktperson").fill("")
    save_and_continue(ui)
    assert ui.path == contact_path
    summary = page.locator("main .error-summary")
    assert summary.count() == 1
    assert summary.is_visible()
    first_field = page.locator("#section-form").locator("input:not([type=hidden]), textarea, select").first
    assert summary.bounding_box()["y"] < first_field.bounding_box()["y"], "the summary must come before the fields"
    links = summary.get_by_role("link")
    assert links.count() == 1, links.all_inner_texts()
    assert normal(links.first.inner_text()).startswith("E-post til kontaktperson:"), links.first.inner_text()
    assert normal(links.first.inner_text()).endswith("mangler."), links.first.inner_text()
    assert links.first.get_attribute("href") == "#id_contact_email"
    email = page.get_by_label("E-post til kontaktperson")
    assert email.get_attribute("id") == "id_contact_email"
    links.first.click()
    assert ui.page.url.endswith("#id_contact_email"), ui.page.url
    expect(email).to_be_focused()
    email.fill("kari.kontakt@example.org")
    save_and_continue(ui)

    # --- 4. Review and send -----------------------------------------------------------------------
    assert ui.path == review_path, ui.page.url
    assert "«Kontaktperson» er lagret." in messages_text(ui)
    assert ui.heading() == "Kontroller svarene før dere sender"
    assert page.locator("main .error-summary").count() == 0
    review = normal(ui.text())
    for expected in [TITLE, "kr 1 250 000", "kari.kontakt@example.org", *shown_sha256.values()]:
        assert expected in review, f"the review page should show {expected!r}"

    # Every page the county reached, once more in nynorsk (the sections can only be opened before sending).
    sections = ["prosjekt", "justeringer", "erfaringsdeling", "budsjett", "overforing", "kontakt"]
    in_nynorsk(ui, [overview, agreements_path] + [f"/soknader/{pk}/del/{slug}/" for slug in sections])
    assert ui.heading() == "Kontroller svarene før dere sender"

    ui.submit(page.get_by_role("button", name="Send til bekreftelse"))
    assert ui.path == overview, ui.page.url
    assert "Den er ikke sendt til IMDi før den er bekreftet." in messages_text(ui)
    assert normal(page.locator("dl.facts .status-tag").inner_text()) == "Venter på bekreftelse"
    assert ui.heading() == TITLE
    in_nynorsk(ui, [])

    # --- 5. The director confirms ---------------------------------------------------------------
    ui.submit(page.locator("header").get_by_role("button", name="Logg ut"))
    assert ui.path == "/konto/login/", ui.page.url
    ui.log_in(cast.director_a.email)
    assert ui.path == "/"
    waiting = page.locator("main .alert").filter(has_text="Venter på din bekreftelse:")
    assert waiting.count() == 1
    link = waiting.get_by_role("link", name=TITLE)
    assert link.count() == 1
    in_nynorsk(ui, [])
    ui.submit(link)
    confirm_path = f"/soknader/{pk}/bekreft/"
    assert ui.path == confirm_path, ui.page.url
    assert ui.heading() == "Les og bekreft søknaden"
    reading = normal(ui.text())
    for expected in [TITLE, "Stine Stab", "kr 1 250 000", "Kari Kontakt", *shown_sha256.values()]:
        assert expected in reading, f"the director should read {expected!r}"
    in_nynorsk(ui, [overview])
    page.get_by_label("Jeg har lest søknaden og bekrefter at opplysningene er riktige").check()
    ui.submit(page.get_by_role("button", name="Bekreft og send inn til IMDi"))
    submission_path = f"/soknader/{pk}/innsendinger/1/"
    assert ui.path == submission_path, ui.page.url
    reference = f"{call.year}-{pk:05d}"
    assert ui.heading() == f"Innsendt søknad {reference}, versjon 1"
    assert f"sendt inn til IMDi med referanse {reference}" in messages_text(ui), messages_text(ui)
    facts = normal(page.locator("dl.facts").inner_text())
    assert "Dag Direktør" in facts
    assert "kr 1 250 000" in facts

    # --- 6. The receipt ---------------------------------------------------------------------------
    receipt_link = page.get_by_role("link", name="Last ned kvitteringen (PDF)")
    give_up = time.monotonic() + RECEIPT_WAIT_S
    while receipt_link.count() == 0:
        assert "Kvitteringen lages." in ui.text(), ui.text()
        assert time.monotonic() < give_up, f"no receipt after {RECEIPT_WAIT_S} s"
        time.sleep(1)
        ui.visit(submission_path)
    with page.expect_download() as download_info:
        receipt_link.click()
    download = download_info.value
    assert download.suggested_filename == f"kvittering-{reference}-1.pdf"
    with open(download.path(), "rb") as file:
        pdf = file.read()
    shown = normal(page.locator("dl.facts .sha256").inner_text()).removeprefix("SHA-256: ")
    assert hashlib.sha256(pdf).hexdigest() == shown, "the page shows the SHA-256 of another file than it serves"
    text = normal("\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages))
    assert TITLE in text, text
    assert reference in text, text
    assert "kr 1 250 000" in text, text
    packed = "".join(text.split())  # a long hash may be broken over two lines
    for filename, sha in shown_sha256.items():
        assert sha in packed, f"the receipt lacks the SHA-256 of {filename}:\n{text}"

    # --- 7. The pages after submission, in nynorsk too ------------------------------------------
    ui.visit(overview)
    assert normal(page.locator("dl.facts .status-tag").inner_text()) == "Sendt inn"
    assert page.get_by_role("link", name=re.compile(r"^Versjon 1, bekreftet")).count() == 1
    ui.visit(submission_path)
    in_nynorsk(ui, [overview, "/"])
