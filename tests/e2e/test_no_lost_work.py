"""No lost work in the browser: a warning before leaving a section with changes nobody saved, none
once autosave has saved them, and a warning before the session expires with a button to extend it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories as f

pytestmark = pytest.mark.e2e


def test_leaving_with_unsaved_changes_warns_until_autosave_has_saved_them(ui, e2e_cast):
    application = f.make_application(e2e_cast.call, e2e_cast.staff_a, complete=False)
    page = ui.page
    ui.log_in(e2e_cast.staff_a.email)
    ui.visit(f"/soknader/{application.pk}/del/prosjekt/")
    dialogs = []

    def stay(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # "stay on the page"

    page.on("dialog", stay)
    page.get_by_label("Prosjektets navn").fill("Fagbrev i Fylke A")
    page.get_by_role("link", name="Tilbake til oversikten over søknaden").click()
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"], dialogs
    assert ui.path == f"/soknader/{application.pk}/del/prosjekt/"

    expect(page.locator("#autosave-status")).to_contain_text("Lagret automatisk", timeout=10_000)
    application.refresh_from_db()
    assert application.title == "Fagbrev i Fylke A"
    with page.expect_navigation():
        page.get_by_role("link", name="Tilbake til oversikten over søknaden").click()
    assert dialogs == ["beforeunload"], "no warning once everything typed is saved"
    assert ui.path == f"/soknader/{application.pk}/"
    ui.check()


def test_session_expiry_is_announced_and_can_be_extended(ui, e2e_cast):
    page = ui.page
    ui.log_in(e2e_cast.staff_a.email)
    page.clock.install()
    ui.visit("/")
    warning = page.locator("#session-warning")
    expect(warning).to_be_hidden()

    page.clock.fast_forward("28:10")  # 30 minutes of inactivity end the session; the warning comes 2 before
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Du blir snart logget ut")
    expect(page.get_by_role("button", name="Forleng økten")).to_be_focused()
    ui.check()

    with page.expect_response(lambda r: r.url.endswith("/konto/okt/forleng/") and r.status == 200):
        page.get_by_role("button", name="Forleng økten").click()
    expect(warning).to_be_hidden()

    page.clock.fast_forward("30:10")  # nothing done since: the session is over, and the page says so
    expect(warning).to_contain_text("Du er logget ut fordi du ikke var aktiv")
    expect(page.get_by_role("button", name="Forleng økten")).to_be_hidden()
    ui.check()
