"""The director's fullmakt: give, see, revoke; who may, and what the history shows."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal import access
from portal.models import AuditEvent, Delegation, Role
from tests import factories as f
from tests.conftest import login


def give(client, cast, **overrides):
    today = timezone.localdate()
    data = {
        "grantee": cast.staff_a.pk,
        "valid_from": today.isoformat(),
        "valid_to": (today + dt.timedelta(days=14)).isoformat(),
        "reason": "Ferie i søknadsperioden",
    }
    data.update(overrides)
    return client.post(reverse("delegation_list"), data)


def test_director_gives_fullmakt_and_it_is_recorded(client, cast):
    login(client, cast.director_a)
    response = give(client, cast)
    assert response.status_code == 302
    delegation = Delegation.objects.get(grantee=cast.staff_a)
    assert delegation.organisation == cast.county_a and delegation.grantor == cast.director_a
    assert delegation.is_valid_now
    # the period runs to the end of the last day, Norwegian time
    assert timezone.localtime(delegation.valid_to).time() == dt.time(0, 0)
    event = AuditEvent.objects.get(action="delegation.granted", object_id=str(delegation.pk))
    assert event.actor == cast.director_a and event.role == Role.COUNTY_DIRECTOR
    assert event.organisation == cast.county_a and event.to_state == "active"
    assert event.ip == "127.0.0.1"


def test_grantee_now_may_confirm_by_delegation_from_the_director(client, cast):
    login(client, cast.director_a)
    give(client, cast)
    decision = access.can_confirm_for(cast.staff_a, cast.county_a, timezone.now())
    assert decision and "Dag Direktør" in decision.reason


def test_director_confirms_as_director_and_others_may_not(cast):
    now = timezone.now()
    assert access.can_confirm_for(cast.director_a, cast.county_a, now).reason == "som fylkeskommunedirektør"
    assert not access.can_confirm_for(cast.staff_a, cast.county_a, now)
    assert not access.can_confirm_for(cast.director_b, cast.county_a, now)
    # the delegate of county A may confirm for A, but not for B
    assert access.can_confirm_for(cast.delegate_a, cast.county_a, now)
    assert not access.can_confirm_for(cast.delegate_a, cast.county_b, now)


def test_fullmakt_is_not_valid_before_or_after_its_period(cast):
    d = cast.delegation_a
    assert not access.can_confirm_for(cast.delegate_a, cast.county_a, d.valid_from - dt.timedelta(minutes=1))
    assert not access.can_confirm_for(cast.delegate_a, cast.county_a, d.valid_to)


def test_fullmakt_only_to_members_of_the_same_county(client, cast):
    login(client, cast.director_a)
    response = give(client, cast, grantee=cast.staff_b.pk)
    assert response.status_code == 200
    assert "grantee" in response.context["form"].errors
    assert not Delegation.objects.filter(grantee=cast.staff_b).exists()


def test_bad_period_is_explained_and_the_answers_are_kept(client, cast):
    login(client, cast.director_a)
    today = timezone.localdate()
    response = give(client, cast, valid_to=(today - dt.timedelta(days=3)).isoformat(), reason="Min begrunnelse")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Det er noe som må rettes" in html
    assert 'href="#id_valid_to"' in html
    assert "Min begrunnelse" in html


def test_staff_sees_fullmakter_but_cannot_give(client, cast):
    login(client, cast.staff_a)
    page = client.get(reverse("delegation_list"))
    assert page.status_code == 200 and page.context["form"] is None
    assert give(client, cast).status_code == 403


def test_director_revokes_and_it_stops_being_valid(client, cast):
    login(client, cast.director_a)
    response = client.post(reverse("delegation_revoke", args=[cast.delegation_a.pk]))
    assert response.status_code == 302
    cast.delegation_a.refresh_from_db()
    assert cast.delegation_a.revoked_by == cast.director_a
    assert not access.can_confirm_for(cast.delegate_a, cast.county_a, timezone.now())
    history = client.get(reverse("delegation_detail", args=[cast.delegation_a.pk]))
    assert "Fullmakt trukket tilbake" in history.content.decode()
    # a second revocation is refused
    assert client.post(reverse("delegation_revoke", args=[cast.delegation_a.pk])).status_code == 403


def test_director_of_other_county_gets_404(client, cast):
    login(client, cast.director_b)
    assert client.get(reverse("delegation_detail", args=[cast.delegation_a.pk])).status_code == 404
    assert client.post(reverse("delegation_revoke", args=[cast.delegation_a.pk])).status_code == 404


def test_auditor_reads_a_delegation_but_cannot_revoke(client, cast):
    login(client, cast.auditor)
    assert client.get(reverse("delegation_detail", args=[cast.delegation_a.pk])).status_code == 200
    assert client.post(reverse("delegation_revoke", args=[cast.delegation_a.pk])).status_code == 403
    cast.delegation_a.refresh_from_db()
    assert cast.delegation_a.revoked_at is None


def test_delegation_list_shows_only_own_county(client, cast):
    f.make_delegation(grantor=cast.director_b, grantee=cast.staff_b, organisation=cast.county_b)
    login(client, cast.director_a)
    page = client.get(reverse("delegation_list"))
    assert [d.organisation for d in page.context["delegations"]] == [cast.county_a]


def test_user_without_a_role_gets_403_on_the_fullmakt_page(client, cast):
    login(client, cast.stranger)
    assert client.get(reverse("delegation_list")).status_code == 403


@pytest.mark.parametrize("name", ["caseworker", "auditor"])
def test_imdi_roles_read_every_countys_fullmakter_but_cannot_give(client, cast, name):
    f.make_delegation(grantor=cast.director_b, grantee=cast.staff_b, organisation=cast.county_b)
    login(client, getattr(cast, name))
    page = client.get(reverse("delegation_list"))
    assert page.status_code == 200 and page.context["form"] is None
    assert {d.organisation for d in page.context["delegations"]} == {cast.county_a, cast.county_b}
    assert give(client, cast).status_code == 403


@pytest.mark.parametrize(
    "field, start_days, end_days, message",
    [
        ("valid_from", -10, 5, "En fullmakt kan ikke gjelde fra før i dag."),
        ("valid_to", 0, 365 * 10, "En fullmakt kan gjelde i høyst fem år."),
        # a hundred years is past the dates the portal reckons with (portal.form_fields)
        ("valid_to", 0, 365 * 100, "Skriv en dato mellom 01.01.2000 og 31.12.2099."),
    ],
)
def test_fullmakt_cannot_start_in_the_past_or_run_for_ever(client, cast, field, start_days, end_days, message):
    login(client, cast.director_a)
    today = timezone.localdate()
    response = give(
        client,
        cast,
        valid_from=(today + dt.timedelta(days=start_days)).isoformat(),
        valid_to=(today + dt.timedelta(days=end_days)).isoformat(),
    )
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert not Delegation.objects.filter(grantee=cast.staff_a).exists()


def test_the_service_refuses_a_backdated_fullmakt_whatever_the_form_did(cast):
    from django.core.exceptions import ValidationError

    from portal import services
    from portal.audit import Actor

    actor = Actor(user=cast.director_a, membership=cast.director_a.memberships.get())
    with pytest.raises(ValidationError):
        services.delegation_grant(
            actor=actor,
            grantee=cast.staff_a,
            valid_from=timezone.now() - dt.timedelta(days=30),
            valid_to=timezone.now() + dt.timedelta(days=1),
            reason="Etterpå",
        )


def test_a_holder_who_left_the_county_can_no_longer_confirm(cast):
    cast.delegate_a.memberships.all().delete()
    assert not access.can_confirm_for(cast.delegate_a, cast.county_a, timezone.now())
