"""allauth's own e-mails (password reset, changes to the account) are written in the recipient's written
standard, whatever language the request was in: a nynorsk county's users get nynorsk (språklova),
everyone else bokmål. allauth has no nynorsk: the texts are the portal's (templates/account/email/)."""

import pytest
from allauth.account.adapter import get_adapter
from allauth.core.context import request_context
from django.core import mail
from django.urls import reverse
from django.utils import translation

from portal.adapters import written_standard_of
from portal.models import Role
from tests import factories as f
from tests.written_standards import BOKMAL_ONLY, NYNORSK_ONLY, assert_none_of


@pytest.fixture
def vestland_staff(db):
    county = f.make_org("Vestland fylkeskommune", standard="nn")
    return f.make_user("tilsett@vestland.example", name="Kari Nordmann", roles=[(county, Role.COUNTY_STAFF)])


@pytest.fixture
def agder_staff(db):
    county = f.make_org("Agder fylkeskommune", standard="nb")
    return f.make_user("ansatt@agder.example", name="Ola Nordmann", roles=[(county, Role.COUNTY_STAFF)])


def reset_mail(client, user) -> mail.EmailMessage:
    mail.outbox.clear()
    client.post(reverse("account_reset_password"), {"email": user.email})
    return next(message for message in mail.outbox if message.to == [user.email])


def test_a_nynorsk_county_user_gets_the_password_reset_in_nynorsk(client, vestland_staff):
    message = reset_mail(client, vestland_staff)  # the request is in bokmål: no cookie, no organisation
    assert message.subject == "[IMDi tilskot] Set nytt passord"
    assert reverse("account_reset_password") in message.body  # the link to set a new password
    assert "Med vennleg helsing" in message.body and "Integrerings- og mangfaldsdirektoratet" in message.body
    assert_none_of(BOKMAL_ONLY, message.subject + "\n" + message.body, "the password reset", "nynorsk")


def test_a_bokmal_county_user_gets_the_password_reset_in_bokmal(client, agder_staff):
    client.cookies["django_language"] = "nn"  # a visitor who switched to nynorsk asks for it
    message = reset_mail(client, agder_staff)
    assert message.subject == "[IMDi tilskudd] Sett nytt passord"
    assert_none_of(NYNORSK_ONLY, message.subject + "\n" + message.body, "the password reset", "bokmål")


def notify(rf, user, *templates: str) -> None:
    """allauth's notice of a change, sent as allauth sends it during the request that made the change."""
    request = rf.get("/")
    request.user = user
    with request_context(request):
        for template in templates:
            get_adapter(request).send_notification_mail(template, user)


def test_a_change_to_the_account_is_told_in_the_user_s_written_standard(rf, vestland_staff):
    with translation.override("en"):
        notify(rf, vestland_staff, "account/email/password_changed", "mfa/email/totp_activated")
    changed, activated = mail.outbox[-2:]
    assert changed.subject == "[IMDi tilskot] Passordet er endra"
    assert "Passordet ditt er endra." in changed.body and "Nettlesar:" in changed.body
    assert activated.subject == "[IMDi tilskot] Autentiseringsappen er teken i bruk"
    for message in (changed, activated):
        assert_none_of(BOKMAL_ONLY, message.subject + "\n" + message.body, message.subject, "nynorsk")


def test_imdi_staff_and_people_of_several_standards_are_written_to_in_bokmal(db, vestland_staff, agder_staff):
    imdi = f.make_org("IMDi", kind="directorate")
    caseworker = f.make_user(name="Saks Behandler", roles=[(imdi, Role.CASEWORKER)])
    both = f.make_user(name="Begge Fylker")
    both.memberships.create(organisation=vestland_staff.memberships.get().organisation, role=Role.COUNTY_STAFF)
    both.memberships.create(organisation=agder_staff.memberships.get().organisation, role=Role.COUNTY_STAFF)
    assert written_standard_of(vestland_staff) == "nn"
    assert [written_standard_of(user) for user in (agder_staff, caseworker, both, None)] == ["nb"] * 4


def test_the_mfa_templates_are_the_portal_s(rf, vestland_staff):
    """A guard that the nynorsk really comes from the portal's templates: allauth's say "Hello from"."""
    notify(rf, vestland_staff, "mfa/email/recovery_codes_generated")
    assert "Hello" not in mail.outbox[-1].body and "gjenopprettingskodar" in mail.outbox[-1].body
