import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from portal import audit
from portal.audit import Actor
from portal.models import AuditEvent, Delegation, Membership, Organisation, Role
from portal.validators import validate_orgnr
from tests import factories as f


@pytest.mark.parametrize("orgnr", ["987879696", "920000002", "821311632"])
def test_valid_organisation_numbers_pass_the_mod11_check(orgnr):
    validate_orgnr(orgnr)


@pytest.mark.parametrize(
    "orgnr, code",
    [("987879697", "orgnr_check"), ("98787969", "orgnr_format"), ("98787969x", "orgnr_format")],
)
def test_invalid_organisation_numbers_are_refused(orgnr, code):
    with pytest.raises(ValidationError) as error:
        validate_orgnr(orgnr)
    assert error.value.code == code


def test_a_number_whose_check_digit_would_be_10_is_never_valid():
    # 9200000 06 -> remainder gives check digit 10: no digit can make it valid
    from portal.validators import orgnr_check_digit

    bases = [f"9{n:07d}" for n in range(200)]
    impossible = [b for b in bases if orgnr_check_digit(b) is None]
    assert impossible, "expected some bases without a valid check digit"
    for base in impossible[:3]:
        for digit in range(10):
            with pytest.raises(ValidationError):
                validate_orgnr(f"{base}{digit}")


def test_organisation_full_clean_uses_the_orgnr_validator(db):
    org = Organisation(kind="county", name="X", orgnr="123456789", postal_address="a", letter_email="a@example.org")
    with pytest.raises(ValidationError) as error:
        org.full_clean()
    assert "orgnr" in error.value.message_dict


def test_membership_role_must_fit_the_organisation_kind(cast):
    membership = Membership(user=cast.stranger, organisation=cast.county_a, role=Role.CASEWORKER)
    with pytest.raises(ValidationError) as error:
        membership.clean()
    assert "role" in error.value.message_dict


def test_a_user_holds_each_role_in_an_organisation_once(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=cast.staff_a, organisation=cast.county_a, role=Role.COUNTY_STAFF)


def test_delegation_is_never_valid_outside_its_period(cast):
    d = cast.delegation_a
    assert d.is_valid_at(d.valid_from)
    assert not d.is_valid_at(d.valid_from - dt.timedelta(seconds=1))
    assert not d.is_valid_at(d.valid_to)
    assert list(Delegation.objects.valid_at(d.valid_to)) == []
    assert list(Delegation.objects.valid_at(d.valid_from)) == [d]


def test_a_revoked_delegation_is_not_valid(cast):
    d = cast.delegation_a
    d.revoked_at, d.revoked_by = timezone.now(), cast.director_a
    d.save()
    assert not d.is_valid_now
    assert not Delegation.objects.valid_at(timezone.now()).exists()


def test_the_database_refuses_a_delegation_that_ends_before_it_starts(cast):
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Delegation.objects.create(
            organisation=cast.county_a,
            grantor=cast.director_a,
            grantee=cast.staff_a,
            valid_from=now,
            valid_to=now - dt.timedelta(days=1),
            reason="x",
        )


def test_the_database_refuses_a_delegation_to_oneself(cast):
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Delegation.objects.create(
            organisation=cast.county_a,
            grantor=cast.director_a,
            grantee=cast.director_a,
            valid_from=now,
            valid_to=now + dt.timedelta(days=1),
            reason="x",
        )


def test_the_database_refuses_a_negative_pot(cast):
    cast.call.pot = -1
    with pytest.raises(IntegrityError), transaction.atomic():
        cast.call.save()


def test_audit_events_cannot_be_changed_or_deleted_through_the_orm(cast):
    event = audit.record(actor=Actor(user=cast.staff_a), action="membership.chosen", obj=cast.county_a)
    event.action = "test.changed"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists only on PostgreSQL (CI runs it)")
def test_postgresql_refuses_update_and_delete_on_the_audit_log(cast):
    event = audit.record(actor=Actor(user=cast.staff_a), action="membership.chosen", obj=cast.county_a)
    for sql in (
        "UPDATE portal_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM portal_auditevent WHERE id = %s",
    ):
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "membership.chosen"


def test_audit_record_holds_who_for_whom_what_and_from_where(cast):
    membership = cast.director_a.memberships.get()
    event = audit.record(
        actor=Actor(user=cast.director_a, membership=membership, ip="10.1.2.3"),
        action="delegation.granted",
        obj=cast.delegation_a,
        subject_organisation=cast.county_a,
        from_state="",
        to_state="active",
        changes={"valid_to": cast.delegation_a.valid_to},
    )
    event.refresh_from_db()
    assert event.actor == cast.director_a
    assert event.organisation == cast.county_a
    assert event.role == Role.COUNTY_DIRECTOR
    assert (event.object_type, event.object_id) == ("portal.delegation", str(cast.delegation_a.pk))
    assert event.to_state == "active"
    assert event.ip == "10.1.2.3"
    assert event.changes["valid_to"].startswith(str(cast.delegation_a.valid_to.year))
    assert list(audit.history_for(cast.delegation_a)) == [event]


def test_user_email_is_the_login_and_is_stored_lowercase(db):
    user = f.make_user("Per.Person@Example.ORG")
    assert user.email == "per.person@example.org"
    assert user.check_password(f.PASSWORD)


def test_a_fullmakt_revoked_today_still_held_last_week(cast):
    d = cast.delegation_a
    last_week_moment = d.valid_from + dt.timedelta(hours=1)
    d.revoked_at, d.revoked_by = d.valid_from + dt.timedelta(hours=2), cast.director_a
    d.save()
    assert d.is_valid_at(last_week_moment)
    assert list(Delegation.objects.valid_at(last_week_moment)) == [d]
    assert not d.is_valid_at(d.revoked_at)


def test_orgnr_with_other_unicode_digits_is_refused_not_crashed():
    for value in ["98787969²", "٩٨٧٨٧٩٦٩٦"]:
        with pytest.raises(ValidationError):
            validate_orgnr(value)


def test_the_deadline_holds_to_the_last_microsecond_of_the_day(cast):
    from grants import seed

    deadline = seed.call_data(2025)["application_deadline"]
    cast.call.opens_at = deadline - dt.timedelta(days=30)
    cast.call.application_deadline = deadline
    assert cast.call.is_open_at(deadline.replace(microsecond=500_000))
    assert not cast.call.is_open_at(deadline + dt.timedelta(microseconds=1))
