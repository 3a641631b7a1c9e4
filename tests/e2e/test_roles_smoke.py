"""Each role logs in through the real login page, sees its own dashboard and switches language.

axe-core checks every page on the way (see conftest.UI).
"""

from __future__ import annotations

import pytest

from tests.conftest import SECRETS

pytestmark = pytest.mark.e2e

# role -> (user in the cast, TOTP secret or None, texts the role's dashboard shows)
ROLES = {
    "county_staff": (
        "staff_a",
        None,
        ["Utlysninger dere kan søke på", "Dine fullmakter", "Du har ingen fullmakt til å bekrefte søknader"],
    ),
    "county_director": (
        "director_a",
        None,
        ["Utlysninger dere kan søke på", "Fullmakter du har gitt", "Frida Fullmakt"],
    ),
    "delegate": ("delegate_a", None, ["Utlysninger dere kan søke på", "Dine fullmakter", "Fullmakt fra Dag Direktør"]),
    "caseworker": ("caseworker", SECRETS["caseworker"], ["Utlysninger i arbeid"]),
    "admin": ("admin", SECRETS["admin"], ["IMDi-brukere uten totrinnsinnlogging", "Siste hendelser"]),
    "auditor": ("auditor", SECRETS["auditor"], ["Siste hendelser", "Utlysninger i arbeid"]),
    "stranger": ("stranger", None, ["Du har ingen rolle i portalen ennå"]),
}
# Panels a role must not see (a few checks that the dashboard is not one page for all).
NOT_FOR = {
    "county_staff": ["Fullmakter du har gitt", "Utlysninger i arbeid", "Siste hendelser"],
    "county_director": ["Dine fullmakter", "Utlysninger i arbeid", "Siste hendelser"],
    "delegate": ["Fullmakter du har gitt", "Utlysninger i arbeid"],
    "caseworker": ["Utlysninger dere kan søke på", "Siste hendelser", "IMDi-brukere uten totrinnsinnlogging"],
    "admin": ["Utlysninger dere kan søke på"],
    "auditor": ["Utlysninger dere kan søke på", "IMDi-brukere uten totrinnsinnlogging"],
    "stranger": ["Utlysninger dere kan søke på", "Utlysninger i arbeid", "Siste hendelser"],
}


@pytest.mark.parametrize("role", list(ROLES))
def test_role_logs_in_sees_dashboard_and_switches_language(ui, e2e_cast, role):
    user_attr, secret, expected = ROLES[role]
    user = getattr(e2e_cast, user_attr)

    ui.log_in(user.email, totp_secret=secret)

    assert ui.path == "/", f"{role} landed on {ui.page.url}"
    assert ui.page.locator("html").get_attribute("lang") == "nb"
    assert ui.heading() == "Oversikt"
    text = ui.text()
    for snippet in expected:
        assert snippet in text, f"{role} should see {snippet!r} on the dashboard:\n{text}"
    for snippet in NOT_FOR[role]:
        assert snippet not in text, f"{role} should not see {snippet!r} on the dashboard:\n{text}"
    assert user.full_name in text

    ui.switch_language("nn")
    assert ui.path == "/"
    ui.switch_language("en")
    assert ui.path == "/"
    # The choice sticks for the next page too.
    ui.visit("/utlysninger/")
    assert ui.page.locator("html").get_attribute("lang") == "en"


def test_anonymous_reads_public_calls(ui, e2e_cast):
    ui.visit("/utlysninger/")
    assert ui.page.locator("html").get_attribute("lang") == "nb"
    link = ui.page.get_by_role("link", name=e2e_cast.call.title)
    assert link.count() == 1

    with ui.page.expect_navigation():
        link.click()
    ui.check()
    assert ui.path == f"/utlysninger/{e2e_cast.call.pk}/"
    assert ui.heading() == e2e_cast.call.title
    assert "Fylke A" in ui.text()

    ui.switch_language("nn")
    ui.switch_language("en")


def test_anonymous_is_sent_to_login_from_dashboard(ui, e2e_cast):
    ui.visit("/")
    assert ui.path == "/konto/login/"
    assert ui.page.locator("input[name=login]").count() == 1
