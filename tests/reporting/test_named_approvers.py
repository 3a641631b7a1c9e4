"""R21: the accounts are approved by the prosjektansvarlig and the ansvarlig leder the county names
in its application (the director by default for the second), each only in that capacity; the
approval records their name, title and the time."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from grants import services as grant_services
from grants.models import Application
from grants.services import Refused
from portal.models import AuditEvent
from reporting.models import AccountsApproval
from reporting.services import reports
from tests import factories as f
from tests.conftest import login
from tests.reporting.helpers import paid_grant
from tests.reporting.test_reports import approve, ready_report

pytestmark = pytest.mark.django_db


def name_approvers(decision, *, owner=None, leader=None) -> Application:
    Application.objects.filter(pk=decision.case.application_id).update(
        project_responsible=owner, responsible_leader=leader
    )
    return Application.objects.get(pk=decision.case.application_id)


def test_only_the_named_project_responsible_approves_as_such(client, cast):
    decision = paid_grant(cast)
    name_approvers(decision, owner=cast.delegate_a)  # Frida Fullmakt; the leader is the director by default
    report = ready_report(client, cast, decision)

    # Staff A started the application and wrote the report, but is not named: refused in both capacities.
    response = approve(client, report, "project_owner")
    assert response.status_code == 200
    assert "Søknaden navngir Frida Fullmakt som prosjektansvarlig i fylkeskommunen" in response.content.decode()
    with pytest.raises(Refused, match="Dag Direktør som ansvarlig leder"):
        reports.accounts_approve(actor=f.actor_for(cast.staff_a), report_id=report.pk, capacity="responsible_leader")
    assert not report.approvals.exists()

    # The director may not approve as project responsible either, only as leader.
    with pytest.raises(Refused, match="Frida Fullmakt"):
        reports.accounts_approve(actor=f.actor_for(cast.director_a), report_id=report.pk, capacity="project_owner")

    cast.delegate_a.title = "Seksjonsleder"
    cast.delegate_a.save(update_fields=["title"])
    login(client, cast.delegate_a)
    assert approve(client, report, "project_owner").status_code == 302
    login(client, cast.director_a)
    assert approve(client, report, "responsible_leader").status_code == 302

    rows = list(report.approvals.order_by("capacity").values_list("capacity", "user", "name", "title"))
    assert rows == [
        ("project_owner", cast.delegate_a.pk, "Frida Fullmakt", "Seksjonsleder"),
        ("responsible_leader", cast.director_a.pk, "Dag Direktør", ""),
    ]
    assert all(a.approved_at for a in report.approvals.all())
    event = AuditEvent.objects.filter(action="report.accounts_approved", changes__capacity="project_owner").get()
    assert (event.changes["name"], event.changes["title"]) == ("Frida Fullmakt", "Seksjonsleder")
    # The name and title stay as they were when approved.
    cast.delegate_a.full_name = "Frida Nytt-Navn"
    cast.delegate_a.save(update_fields=["full_name"])
    page = client.get(reverse("report_overview", args=[decision.case.application_id, decision.pk])).content.decode()
    assert "Frida Fullmakt, Seksjonsleder" in page


def test_a_named_leader_replaces_the_director(client, cast):
    decision = paid_grant(cast)
    name_approvers(decision, owner=cast.staff_a, leader=cast.delegate_a)
    report = ready_report(client, cast, decision)
    with pytest.raises(Refused, match="Frida Fullmakt som ansvarlig leder"):
        reports.accounts_approve(actor=f.actor_for(cast.director_a), report_id=report.pk, capacity="responsible_leader")
    reports.accounts_approve(actor=f.actor_for(cast.delegate_a), report_id=report.pk, capacity="responsible_leader")
    assert list(report.approvals.values_list("user", flat=True)) == [cast.delegate_a.pk]


def test_the_approval_form_offers_only_the_capacity_the_user_is_named_in(client, cast):
    decision = paid_grant(cast)
    name_approvers(decision, owner=cast.staff_a)
    ready_report(client, cast, decision)
    page = client.get(reverse("report_overview", args=[decision.case.application_id, decision.pk])).content.decode()
    assert 'value="project_owner"' in page and 'value="responsible_leader"' not in page
    login(client, cast.delegate_a)  # named in neither: no form, and why
    page = client.get(reverse("report_overview", args=[decision.case.application_id, decision.pk])).content.decode()
    assert 'name="capacity"' not in page
    assert "Bare prosjektansvarlig i fylkeskommunen og ansvarlig leder som søknaden navngir" in page
    assert not AccountsApproval.objects.exists()


# --- Naming them in the application ----------------------------------------------------------


def contact_data(application, **names) -> dict:
    data = dict(f.COMPLETE_ANSWERS["kontakt"], their_reference="")
    data.update(names)
    return data


def test_the_county_names_the_two_in_the_contact_section_the_director_preselected(client, cast):
    application = f.make_application(cast.call, cast.staff_a)
    login(client, cast.staff_a)
    url = reverse("application_section", args=[application.pk, "kontakt"])
    page = client.get(url).content.decode()
    assert "Prosjektansvarlig i fylkeskommunen" in page and "Ansvarlig leder" in page
    assert f'<option value="{cast.director_a.pk}" selected>' in page  # the director by default
    assert f'value="{cast.staff_b.pk}"' not in page  # people of another county are not offered

    data = {
        "version": str(application.versions.get("kontakt", 0)),
        **contact_data(application),
        "project_responsible": str(cast.delegate_a.pk),
        "responsible_leader": str(cast.director_a.pk),
    }
    assert client.post(url, data).status_code == 302
    application.refresh_from_db()
    assert (application.project_responsible, application.responsible_leader) == (cast.delegate_a, cast.director_a)


def test_the_same_person_or_one_outside_the_county_cannot_be_named(client, cast):
    application = f.make_application(cast.call, cast.staff_a)
    actor = f.actor_for(cast.staff_a)
    version = application.versions.get("kontakt", 0)
    with pytest.raises(Refused, match="to forskjellige personer"):
        grant_services.application_section_save(
            actor=actor,
            application_id=application.pk,
            section="kontakt",
            data={"project_responsible": cast.staff_a, "responsible_leader": cast.staff_a},
            version=version,
        )
    with pytest.raises(Refused, match="personer i fylkeskommunen"):
        grant_services.application_section_save(
            actor=actor,
            application_id=application.pk,
            section="kontakt",
            data={"project_responsible": cast.staff_b},
            version=version,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(
            project_responsible=cast.staff_a, responsible_leader=cast.staff_a
        )
