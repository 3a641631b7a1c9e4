"""What admins do in the Django admin lands in the audit log, in the admin role, without secrets."""

from allauth.mfa.totp.internal.auth import TOTP
from django.db.models import F
from django.urls import reverse

from grants.models import Call, Scheme
from portal.models import AuditEvent, Membership, Role
from tests import factories as f
from tests.conftest import login


def test_creating_a_user_in_the_admin_never_logs_the_password(client, cast):
    login(client, cast.admin)
    password = "Hemmelig-passord-987"
    response = client.post(
        reverse("admin:portal_user_add"),
        {
            "email": "ny@example.org",
            "full_name": "Ny Person",
            "usable_password": "true",
            "password1": password,
            "password2": password,
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="admin.user.created")
    assert event.changes == {"email": "ny@example.org", "full_name": "Ny Person"}
    assert password not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


def test_a_role_given_through_the_user_page_is_logged(client, cast):
    login(client, cast.admin)
    user = cast.stranger
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "is_active": "on",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-0-organisation": cast.imdi.pk,
        "memberships-0-role": Role.CASEWORKER,
    }
    response = client.post(reverse("admin:portal_user_change", args=[user.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    membership = Membership.objects.get(user=user)
    event = AuditEvent.objects.get(action="admin.membership.created")
    assert event.object_id == str(membership.pk)
    assert event.changes["role"] == Role.CASEWORKER
    assert event.subject_organisation == cast.imdi
    assert event.role == Role.ADMIN


def test_eligible_counties_are_logged_as_ids(client, cast):
    login(client, cast.admin)
    call = cast.call
    # A published call has its texts in nynorsk too (Call.missing_nynorsk); the form leaves its rows alone.
    Call.objects.filter(pk=call.pk).update(**{f"{name}_nn": F(f"{name}_nb") for name in Call.TEXTS})
    Scheme.objects.filter(pk=call.scheme_id).update(name_nn=F("name_nb"))
    response = client.get(reverse("admin:grants_call_change", args=[call.pk]))
    form = response.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    for key in ("opens_at", "application_deadline", "report_deadline"):
        value = getattr(call, key).astimezone()
        data[f"{key}_0"], data[f"{key}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
        data.pop(key, None)
    data["eligible_organisations"] = [cast.county_a.pk, cast.county_c.pk]
    data["is_published"] = "on"
    for prefix in ("cost_categories", "criteria", "letter_templates"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(reverse("admin:grants_call_change", args=[call.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.get(action="admin.call.changed")
    assert event.changes["eligible_organisations"] == sorted([cast.county_a.pk, cast.county_c.pk])


def test_staff_flag_without_the_admin_role_does_not_open_the_admin(client, cast):
    staff = f.make_user("staff.flag@example.org", roles=[(cast.county_a, Role.COUNTY_STAFF)])
    staff.is_staff = True
    staff.save()

    TOTP.activate(staff, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ")
    login(client, staff)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403


def test_admin_acting_as_caseworker_is_logged_as_admin_in_the_admin(client, cast):
    caseworker_role = Membership.objects.create(user=cast.admin, organisation=cast.imdi, role=Role.CASEWORKER)
    login(client, cast.admin, membership=caseworker_role)
    org = cast.county_b
    data = {
        "kind": org.kind,
        "name_nb": "Fylke B endret",
        "orgnr": org.orgnr,
        "written_standard": org.written_standard,
        "postal_address": org.postal_address,
        "letter_email": org.letter_email,
    }
    assert client.post(reverse("admin:portal_organisation_change", args=[org.pk]), data).status_code == 302
    assert AuditEvent.objects.get(action="admin.organisation.changed").role == Role.ADMIN
