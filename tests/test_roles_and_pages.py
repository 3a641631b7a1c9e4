"""Dashboards per role, role switching, public call pages, audit log, demo data."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from grants import permissions
from grants.models import Call, Case, DeadlineExtension, Payment
from portal.models import AuditEvent, Delegation, Membership, Organisation, Role, User
from tests import factories as f
from tests.conftest import login


@pytest.mark.parametrize(
    "name, expected",
    [
        ("staff_a", "Utlysninger dere kan søke på"),
        ("director_a", "Fullmakter du har gitt"),
        ("delegate_a", "Fullmakt fra Dag Direktør"),
        ("caseworker", "Utlysninger i arbeid"),
        ("admin", "IMDi-brukere uten totrinnsinnlogging"),
        ("auditor", "Siste hendelser"),
        ("stranger", "Du har ingen rolle i portalen ennå"),
    ],
)
def test_each_role_sees_its_own_dashboard(client, cast, name, expected):
    login(client, getattr(cast, name))
    page = client.get(reverse("dashboard"))
    assert page.status_code == 200
    assert expected in page.content.decode()


def test_county_dashboard_lists_the_open_call_its_county_may_apply_to(client, cast):
    login(client, cast.staff_a)
    html = client.get(reverse("dashboard")).content.decode()
    assert cast.call.title in html
    login(client, cast.staff_c)
    html = client.get(reverse("dashboard")).content.decode()
    assert cast.call.title not in html
    assert "Det er ingen åpne utlysninger" in html


def test_admin_dashboard_lists_imdi_users_without_mfa(client, cast):
    f.make_user("no.mfa@example.org", name="Nina Utenmfa", roles=[(cast.imdi, Role.CASEWORKER)])
    login(client, cast.admin)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Nina Utenmfa" in html and "Carl Case" not in html


def test_user_with_two_roles_picks_the_one_to_act_in(client, cast):
    second = Membership.objects.create(user=cast.admin, organisation=cast.imdi, role=Role.CASEWORKER)
    login(client, cast.admin)
    assert client.get(reverse("choose_role")).status_code == 200
    response = client.post(reverse("choose_role"), {"membership": second.pk})
    assert response.status_code == 302
    page = client.get(reverse("dashboard"))
    assert page.context["active_membership"] == second
    assert "IMDi-brukere uten totrinnsinnlogging" not in page.content.decode()
    assert AuditEvent.objects.filter(action="membership.chosen", actor=cast.admin).exists()


def test_a_user_cannot_pick_someone_elses_membership(client, cast):
    other = cast.director_a.memberships.get()
    login(client, cast.staff_a)
    response = client.post(reverse("choose_role"), {"membership": other.pk})
    assert response.status_code == 200  # not a valid choice: the form says so
    assert client.get(reverse("dashboard")).context["active_membership"].role == Role.COUNTY_STAFF


def test_public_call_page_shows_everything_r2_lists(client, db):
    call_command("load_calls", stdout=io.StringIO())
    call = Call.objects.get(year=2025)
    html = client.get(reverse("call_detail", args=[call.pk])).content.decode()
    for text in [
        "Formål",
        "opplæringsloven § 18-3",  # target group
        "Nyankomne innvandrere",
        "Vilkår",
        "Utgifter tilskuddet kan dekke",
        "Tolk ved realkompetansevurdering",
        "ordinær drift",  # ineligible costs
        "10.02.2025 23:59",  # application deadline, Norwegian time
        "01.02.2026",  # report deadline (R22)
        "tuki@imdi.no",
        "kr\u00a05\u00a0000\u00a0000",
    ]:
        assert text in html, text
    assert call.cost_categories.count() == 10
    assert call.criteria.filter(name="Nasjonal overføringsverdi").exists()


def test_load_calls_is_idempotent_and_loads_2025_and_2026(db):
    call_command("load_calls", stdout=io.StringIO())
    call_command("load_calls", stdout=io.StringIO())
    calls = Call.objects.order_by("year")
    assert [c.year for c in calls] == [2025, 2026]
    assert all(c.pot == 5_000_000 for c in calls)
    assert timezone.localtime(calls[0].application_deadline).strftime("%d.%m.%Y %H:%M") == "10.02.2025 23:59"


def test_load_demo_twice_changes_nothing(db, settings):
    settings.DEBUG = True

    def snapshot():
        return [
            list(model.objects.order_by("pk").values())
            for model in (User, Membership, Call, Delegation, Organisation, AuditEvent, DeadlineExtension, Case)
        ]

    call_command("load_demo", stdout=io.StringIO())
    before = snapshot()
    call_command("load_demo", stdout=io.StringIO())
    assert snapshot() == before
    assert {m.role for m in Membership.objects.all()} == set(Role.values)


def test_demo_counties_can_try_the_latest_call_under_an_extension(db, settings, client):
    """The real deadlines have passed; the demo records IMDi's extension so the flow can be tried."""
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    latest = Call.objects.order_by("-year").first()
    staff = User.objects.get(email="saksbehandler@vestland.demo")
    login(client, staff)
    response = client.post(reverse("application_start", args=[latest.pk]))
    application = staff.memberships.get().organisation.applications.get(call=latest)
    assert response.status_code == 302 and response["Location"] == reverse("application_detail", args=[application.pk])
    assert DeadlineExtension.objects.filter(call=latest).count() == 3


def test_demo_inbox_has_cases(db, settings):
    """Innlandet's and Nordland's applications to the latest call are submitted; Ali Hassan has
    declared himself impartial on Innlandet's, Nordland's waits for a caseworker. Vestland's grant
    from the earliest call is decided, accepted and paid, ready for its annual report."""
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    cases = {
        (c.call.year, c.application.organisation.name): c
        for c in Case.objects.select_related("application__organisation", "call")
    }
    assert set(cases) == {
        (2026, "Innlandet fylkeskommune"),
        (2026, "Nordland fylkeskommune"),
        (2025, "Vestland fylkeskommune"),
    }
    assert cases[2026, "Innlandet fylkeskommune"].state == Case.State.ASSESSING
    assert cases[2026, "Innlandet fylkeskommune"].assigned_to.email == "saksbehandler1@imdi.demo"
    assert cases[2026, "Nordland fylkeskommune"].state == Case.State.RECEIVED
    vestland = cases[2025, "Vestland fylkeskommune"]
    assert vestland.state == Case.State.ACCEPTED
    grant = vestland.decisions.get()
    # kr 1 000 000 paid (attested, approved by the budget holder, confirmed by the bank); the rest is
    # approved and waits for the next payment file (manage.py payment_file OUT).
    assert grant.accepted_at is not None and grant.amount == Decimal("1500000") and grant.paid == Decimal("1000000")
    waiting = Payment.objects.ready_for_file().get()
    assert waiting.amount == Decimal("500000") and waiting.approved_by.email == "saksbehandler2@imdi.demo"
    call_command("load_demo", stdout=io.StringIO())  # a second run adds nothing
    assert Case.objects.count() == 3


def test_load_demo_refuses_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(Exception, match="refusing"):
        call_command("load_demo")


def test_unpublished_call_is_not_public(client, cast):
    hidden = f.make_call(cast.scheme, is_published=False)
    assert client.get(reverse("call_detail", args=[hidden.pk])).status_code == 404
    assert hidden.title not in client.get(reverse("call_list")).content.decode()


def test_call_page_tells_a_county_outside_the_trial_that_it_cannot_apply(client, cast):
    login(client, cast.staff_c)
    html = client.get(reverse("call_detail", args=[cast.call.pk])).content.decode()
    assert "kan ikke søke på denne utlysningen" in html


@pytest.mark.parametrize(
    "name, allowed, reason",
    [
        ("staff_a", True, "kan søke"),
        ("staff_c", False, "kan ikke søke"),
        ("caseworker", False, "Bare ansatte i en fylkeskommune"),
    ],
)
def test_can_apply_explains_itself(cast, name, allowed, reason):
    user = getattr(cast, name)
    decision = permissions.can_apply(user.memberships.first(), cast.call, timezone.now())
    assert bool(decision) is allowed and reason in decision.reason


def test_can_apply_refuses_after_the_deadline_once_the_calls_year_is_over(cast):
    # Until then a late application is received and flagged (R4: tests/grants/test_late_applications.py).
    closed = f.make_call(cast.scheme, eligible=[cast.county_a], open_now=False, year=2020)
    decision = permissions.can_apply(cast.staff_a.memberships.get(), closed, timezone.now())
    assert not decision and "Søknadsfristen er ute" in decision.reason


def test_audit_log_is_for_admins_and_auditors(client, cast):
    for name, status in [("auditor", 200), ("admin", 200), ("caseworker", 403), ("director_a", 403)]:
        login(client, getattr(cast, name))
        assert client.get(reverse("audit_log")).status_code == status, name


def test_admin_changes_are_recorded_in_the_audit_log(client, cast):
    login(client, cast.admin)
    org = cast.county_b
    data = {
        "kind": org.kind,
        "name_nb": "Fylke B (nytt navn)",  # the name in bokmål; its nynorsk is left empty (portal.translation)
        "orgnr": org.orgnr,
        "written_standard": "nn",
        "postal_address": org.postal_address,
        "letter_email": org.letter_email,
    }
    response = client.post(reverse("admin:portal_organisation_change", args=[org.pk]), data)
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="admin.organisation.changed")
    assert event.actor == cast.admin and event.changes == {"name_nb": "Fylke B (nytt navn)", "written_standard": "nn"}


def test_admin_login_goes_through_the_portal_login(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_bokmal_is_the_default_whatever_the_browser_asks_for(client, db):
    response = client.get(reverse("call_list"), headers={"accept-language": "en-US,en;q=0.9"})
    assert '<html lang="nb">' in response.content.decode()


@pytest.mark.parametrize("language, heading", [("nn", "<h1>Utlysingar</h1>"), ("en", "<h1>Calls</h1>")])
def test_the_language_switcher_changes_the_language(client, db, language, heading):
    response = client.post(reverse("set_language"), {"language": language, "next": reverse("call_list")})
    assert response.status_code == 302
    html = client.get(reverse("call_list")).content.decode()
    assert f'<html lang="{language}">' in html
    assert heading in html


def test_load_calls_keeps_what_admins_changed_unless_asked_to_update(db):
    call_command("load_calls", stdout=io.StringIO())
    call = Call.objects.get(year=2026)
    call.is_published = False
    call.pot = 3_000_000
    call.save()
    call_command("load_calls", stdout=io.StringIO())
    call.refresh_from_db()
    assert (call.is_published, call.pot) == (False, 3_000_000)
    call_command("load_calls", "--update", stdout=io.StringIO())
    call.refresh_from_db()
    assert (call.is_published, call.pot) == (True, 5_000_000)
