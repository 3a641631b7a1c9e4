"""An IMDi user without an authenticator app must set one up before reaching anything else."""

from __future__ import annotations

import pytest

from portal.models import Organisation, Role
from tests import factories as f

pytestmark = pytest.mark.e2e

ACTIVATE = "/konto/2fa/totp/activate/"


@pytest.fixture
def new_caseworker(transactional_db):
    imdi = f.make_org("IMDi", kind=Organisation.Kind.DIRECTORATE)
    f.make_call(f.make_scheme(imdi))
    return f.make_user("ny.saksbehandler@example.org", name="Nina Ny", roles=[(imdi, Role.CASEWORKER)])


def test_imdi_user_without_totp_must_activate_it(ui, new_caseworker):
    user = new_caseworker
    assert not f.has_totp(user)

    ui.log_in(user.email)
    assert ui.path == ACTIVATE, f"after the password the user landed on {ui.page.url}"

    # Nothing else is reachable: the user is sent back to the activation page.
    for path in ["/", "/fullmakter/", "/hendelseslogg/", "/rolle/"]:
        ui.visit(path)
        assert ui.path == ACTIVATE, f"{path} led to {ui.page.url}, not to the activation page"

    # A wrong code is refused, on an accessible error page.
    secret = ui.page.locator("input#authenticator_secret").input_value().strip()
    assert len(secret) >= 16, secret
    code_input = ui.page.locator("main input[name=code]")
    code_input.fill("000000" if f.totp_code(secret) != "000000" else "111111")
    ui.submit(code_input.locator("xpath=ancestor::form").locator("button[type=submit]").first)
    assert ui.path == ACTIVATE
    assert not f.has_totp(user)

    # The secret shown on the page (the same after a failed attempt) gives a valid code.
    assert ui.page.locator("input#authenticator_secret").input_value().strip() == secret
    ui.enter_code(secret)
    assert f.has_totp(user)

    ui.visit("/")
    assert ui.path == "/"
    assert ui.heading() == "Oversikt"
    assert "Utlysninger i arbeid" in ui.text()
