"""A nynorsk county in nynorsk all the way through, walked in the browser (issue 13, "Done when").

Vestland writes nynorsk. Its director logs in and the portal opens in nynorsk (nobody chose it: the
county's written standard decides, settings.LANGUAGE_FROM_ORGANISATION). She confirms the application
her staff sent (prepared with the factories, in the county's own words), and the receipt she downloads
and the receipt e-mail hold none of the bokmål-only words. IMDi grants the application through the
services, as the other journeys do; the letter she opens, the e-mail that it is ready and the reminder
to accept it hold none either. Then she chooses bokmål in the language menu, reads bokmål, logs out and
in again and still reads bokmål: the choice is remembered.

The call, the scheme, the cost categories and IMDi's name are written in both standards
(tests.written_standards). Every page goes through ``ui.visit`` / ``ui.submit`` (axe, console, CSP).
"""

from __future__ import annotations

import datetime as dt
import time
from types import SimpleNamespace

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from grants import services
from grants.models import Case, Decision
from portal.models import Organisation, Role
from reporting import reminders
from tests import factories as f
from tests.e2e.helpers import fetch_pdf, messages_text, normal, pdf_text
from tests.written_standards import (
    BOKMAL_ONLY,
    IMDI_NAME,
    assert_none_of,
    decide,
    make_application,
    make_call,
    make_county,
    make_org,
    make_scheme,
)

pytestmark = pytest.mark.e2e

WAIT_S = 20


@pytest.fixture
def vestland(transactional_db, settings):
    """Vestland (nynorsk) with an application its staff has sent for confirmation, to a call written in
    both standards; IMDi with two caseworkers. Committed, for the live server."""
    settings.LANGUAGE_FROM_ORGANISATION = True
    imdi_org = make_org(IMDI_NAME, kind=Organisation.Kind.DIRECTORATE, domain="imdi.example")
    w = SimpleNamespace(county=make_county("nn", "Vestland fylkeskommune", "vestland.example"))
    w.imdi = SimpleNamespace(
        caseworker=f.make_user("carl@imdi.example", name="Carl Case", roles=[(imdi_org, Role.CASEWORKER)]),
        caseworker2=f.make_user("cora@imdi.example", name="Cora Case", roles=[(imdi_org, Role.CASEWORKER)]),
    )
    deadline = timezone.now() + dt.timedelta(days=20)
    w.call = make_call(make_scheme(imdi_org), year=2101, deadline=deadline, counties=[w.county.org])
    f.make_budget_holder(w.imdi.caseworker2, w.call.scheme)  # approves the grant (issue 14)
    w.application = make_application(w.call, w.county)
    services.application_send(actor=f.actor_for(w.county.staff), application_id=w.application.pk)
    return w


def emails_to(county, subject: str) -> list:
    return [m for m in mail.outbox if f"@{county.domain}" in " ".join(m.to) and subject in m.subject]


def email_text(message) -> str:
    return f"{message.subject}\n\n{message.body}"


def link_when_made(ui, path: str, name):
    """The page's link to a document, reloading while the document is being made (the eager task runs
    after the commit, so it is normally there at once)."""
    link = ui.page.get_by_role("link", name=name)
    give_up = time.monotonic() + WAIT_S
    while link.count() == 0:
        assert time.monotonic() < give_up, f"no link {name!r} after {WAIT_S} s:\n{ui.text()}"
        time.sleep(0.5)
        ui.visit(path)
    return link


def role_line(ui) -> str:
    return normal(ui.page.locator("header").inner_text())


def test_a_nynorsk_county_reads_nynorsk_until_it_chooses_bokmal(ui, vestland):
    page = ui.page
    county, application = vestland.county, vestland.application
    title = application.title

    # --- 1. The director logs in: the portal opens in nynorsk ------------------------------------------
    ui.log_in(county.director.email)
    assert ui.path == "/", ui.page.url
    assert page.locator("html").get_attribute("lang") == "nn"
    assert "Du handlar i rolla" in role_line(ui), role_line(ui)
    assert page.locator("header").get_by_role("link", name="Søknader", exact=True).count() == 1
    waiting = page.locator("main .alert").filter(has_text="Ventar på stadfestinga di:")
    assert waiting.count() == 1, ui.text()

    # --- 2. She reads and confirms the application; the receipt -----------------------------------------
    ui.submit(waiting.get_by_role("link", name=title))
    assert ui.heading() == "Les og stadfest søknaden"
    page.get_by_label("Eg har lese søknaden og stadfestar at opplysningane er rette").check()
    ui.submit(page.get_by_role("button", name="Stadfest og send inn til IMDi"))
    application.refresh_from_db()
    reference = application.reference
    assert ui.path == f"/soknader/{application.pk}/innsendinger/1/", ui.page.url
    assert ui.heading() == f"Innsend søknad {reference}, versjon 1", ui.text()
    assert f"Søknaden er stadfesta og sendt inn til IMDi med referanse {reference}" in messages_text(ui)
    receipt = fetch_pdf(ui, link_when_made(ui, ui.path, "Last ned kvitteringa (PDF)"))
    receipt_text = pdf_text(receipt)
    assert reference in receipt_text and "Tilskot til samarbeidsmodell 2101" in receipt_text, receipt_text
    assert_none_of(BOKMAL_ONLY, receipt_text, "the receipt (PDF)", "nynorsk")
    [receipt_email] = emails_to(county, "Kvittering")
    assert reference in receipt_email.subject
    assert_none_of(BOKMAL_ONLY, email_text(receipt_email), "the receipt e-mail", "nynorsk")

    # --- 3. IMDi grants it (through the services); the letter and the e-mail that it is ready -----------
    sent = len(mail.outbox)
    decision = decide(vestland.imdi, Case.objects.get(application=application), Decision.Kind.GRANT)
    letter = Decision.objects.select_related("letter").get(pk=decision.pk).letter
    decision_path = f"/soknader/{application.pk}/vedtak/{decision.pk}/"
    ui.visit(decision_path)
    assert page.locator("html").get_attribute("lang") == "nn"
    assert ui.heading() == "Tilskotsbrev"
    letter_text = pdf_text(fetch_pdf(ui, link_when_made(ui, decision_path, f"Opne brevet {letter.reference}")))
    assert "IMDi innvilgar søknaden" in letter_text, letter_text
    assert_none_of(BOKMAL_ONLY, letter_text, "the grant letter (PDF)", "nynorsk")
    [ready] = [m for m in mail.outbox[sent:] if county.org.letter_email in m.to]
    assert "Tilskotsbrev" in ready.subject, ready.subject
    assert_none_of(BOKMAL_ONLY, email_text(ready), "the e-mail that the letter is ready", "nynorsk")

    # --- 4. A week on, the reminder to accept the grant ---------------------------------------------------
    letter.refresh_from_db()
    sent = len(mail.outbox)
    with time_machine.travel(letter.issued_at + dt.timedelta(days=7, hours=1), tick=False):
        reminders.sweep_reminders()
    [reminder] = [m for m in mail.outbox[sent:] if county.org.letter_email in m.to]
    assert "Tilskot til samarbeidsmodell 2101" in reminder.body, reminder.body
    assert_none_of(BOKMAL_ONLY, email_text(reminder), "the reminder to accept", "nynorsk")

    # --- 5. She chooses bokmål: the portal is in bokmål, also after logging out and in again ---------------
    ui.switch_language("nb")
    assert ui.heading() == "Tilskuddsbrev"
    assert "Du handler i rollen" in role_line(ui), role_line(ui)
    ui.submit(page.locator("header").get_by_role("button", name="Logg ut"))
    assert ui.path == "/konto/login/", ui.page.url
    ui.log_in(county.director.email)
    assert ui.path == "/", ui.page.url
    assert page.locator("html").get_attribute("lang") == "nb"
    assert "Du handler i rollen" in role_line(ui), role_line(ui)
    ui.visit(decision_path)
    assert ui.heading() == "Tilskuddsbrev"
