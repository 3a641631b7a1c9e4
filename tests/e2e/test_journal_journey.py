"""The public journal in a browser (issue 15): anyone sees the week's entries, asks for access to one,
and the request reaches IMDi as an incoming entry on the case page, with the name screened on the
public page. axe-core checks every page on the way (see conftest.UI)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from grants.models import JournalEntry
from grants.services import journal
from tests.conftest import SECRETS
from tests.grants.test_allocation_views import cheap_case

pytestmark = pytest.mark.e2e


def test_a_citizen_asks_for_access_and_imdi_sees_the_request(ui, e2e_cast):
    case = cheap_case(e2e_cast)
    letter = journal.journal_register(
        case=case,
        source="e2e:letter",
        type=JournalEntry.Type.OUTGOING,
        title="Brev om tilskudd",
        party=journal.Party.of(case.application.organisation),
        document_date=timezone.localdate(),
    )

    ui.visit("/offentlig-journal/")
    assert ui.heading() == "Offentlig journal"
    assert letter.document_number in ui.text() and "Brev om tilskudd" in ui.text()

    ui.page.get_by_role("link", name=f"Be om innsyn i {letter.document_number}").click()
    ui.page.wait_for_load_state()
    ui.check()
    ui.page.get_by_label("Navn").fill("Petra Privatperson")
    ui.page.get_by_label("E-post").fill("petra@example.no")
    ui.submit(ui.page.get_by_role("button", name="Send innsynskravet"))
    assert ui.path == "/offentlig-journal/"
    assert "Innsynskravet er sendt til IMDi" in ui.page.content()
    request = JournalEntry.objects.get(requested_entry=letter)
    assert request.document_number in ui.text() and "Petra Privatperson" not in ui.text()

    ui.log_in(e2e_cast.caseworker.email, totp_secret=SECRETS["caseworker"])
    ui.visit(f"/imdi/saker/{case.pk}/")
    text = ui.text()
    assert request.document_number in text and f"Innsynskrav fra Petra Privatperson i {letter.document_number}" in text
    assert ui.page.locator(f"abbr[title='{JournalEntry.Type.INCOMING.label}']").count() == 1


def test_an_admin_orders_an_archive_extract(ui, e2e_cast, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    journal.case_folder_open(cheap_case(e2e_cast))
    ui.log_in(e2e_cast.admin.email, totp_secret=SECRETS["admin"])
    ui.visit("/imdi/arkivuttrekk/")
    assert ui.heading() == "Arkivuttrekk"
    ui.submit(ui.page.get_by_role("button", name="Bestill arkivuttrekk"))  # empty: the errors, checked by axe
    assert "Det er noe som må rettes" in ui.text()
    ui.page.get_by_label("Tilskuddsordning").select_option(str(e2e_cast.scheme.pk))
    year = str(timezone.localdate().year)
    ui.page.get_by_label("Fra og med år").fill(year)
    ui.page.get_by_label("Til og med år").fill(year)
    ui.submit(ui.page.get_by_role("button", name="Bestill arkivuttrekk"))
    assert "Arkivuttrekket er bestilt" in ui.page.content()
    assert "1 saksmapper" in ui.text()  # written at once: without a broker the task runs in the request
