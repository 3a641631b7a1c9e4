"""Starting from last year's application, autosave, the missing list next to the fields, and
keeping the session alive."""

from __future__ import annotations

import re

from django.urls import reverse

from grants.models import Application
from portal.models import AuditEvent
from tests import factories as f
from tests.conftest import login


def test_a_county_can_start_from_a_copy_of_last_years_application(client, cast):
    last_year = f.make_call(cast.scheme, year=2024, eligible=[cast.county_a])
    previous = f.make_application(last_year, cast.staff_a)
    login(client, cast.staff_a)
    page = client.get(reverse("application_start", args=[cast.call.pk])).content.decode()
    assert "Ja, kopier tekstene og budsjettet fra søknaden for 2024" in page

    response = client.post(reverse("application_start", args=[cast.call.pk]), {"copy": "1"})

    application = Application.objects.get(call=cast.call, organisation=cast.county_a)
    assert response["Location"] == reverse("application_detail", args=[application.pk])
    assert application.copied_from == previous
    assert application.title == previous.title and application.summary == previous.summary
    # Budget lines follow their categories by name into this year's call; agreements are signed anew.
    assert [(line.category.name, line.amount) for line in application.budget_lines.all()] == [
        (line.category.name, line.amount) for line in previous.budget_lines.all()
    ]
    assert {line.category.call_id for line in application.budget_lines.all()} == {cast.call.pk}
    assert not application.agreements.exists()
    event = AuditEvent.objects.get(action="application.created", object_id=str(application.pk))
    assert event.changes == {"copied_from": previous.pk}


def test_a_county_can_start_empty_although_last_years_application_exists(client, cast):
    last_year = f.make_call(cast.scheme, year=2024, eligible=[cast.county_a])
    f.make_application(last_year, cast.staff_a)
    login(client, cast.staff_a)
    client.post(reverse("application_start", args=[cast.call.pk]), {"copy": "0"})
    application = Application.objects.get(call=cast.call, organisation=cast.county_a)
    assert application.copied_from is None and application.title == ""


def test_autosave_saves_and_hands_back_the_new_version(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    login(client, cast.staff_a)
    url = reverse("application_section", args=[application.pk, "prosjekt"])

    response = client.post(url, {"version": 0, "title": "Utkast til tittel", "autosave": "1"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Lagret automatisk" in html
    assert re.search(r'name="version" value="1" id="id_version" hx-swap-oob="true"', html)
    application.refresh_from_db()
    assert application.title == "Utkast til tittel" and application.versions == {"prosjekt": 1}
    # Nothing new: no new version and no new event.
    events = AuditEvent.objects.filter(action="application.section_saved").count()
    client.post(url, {"version": 1, "title": "Utkast til tittel", "autosave": "1"})
    application.refresh_from_db()
    assert application.versions == {"prosjekt": 1}
    assert AuditEvent.objects.filter(action="application.section_saved").count() == events


def test_autosave_of_a_bad_value_saves_nothing_and_says_so(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    login(client, cast.staff_a)
    url = reverse("application_section", args=[application.pk, "prosjekt"])
    response = client.post(url, {"version": 0, "title": "T", "participants_planned": "mange", "autosave": "1"})
    assert "Ikke lagret ennå" in response.content.decode()
    application.refresh_from_db()
    assert application.title == "" and application.versions == {}


def test_missing_answers_are_shown_next_to_each_field_and_in_the_summary(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    login(client, cast.staff_a)
    review = client.get(reverse("application_review", args=[application.pk])).content.decode()
    link = reverse("application_section", args=[application.pk, "kontakt"]) + "?kontroll=1#id_contact_name"
    assert f'href="{link}"' in review

    page = client.get(link.split("#")[0]).content.decode()

    assert "error-summary" in page
    assert 'href="#id_contact_name"' in page
    assert page.count("Kontaktperson mangler.") == 2  # in the summary and next to the field


def test_saving_a_section_with_answers_missing_keeps_them_and_lists_what_is_missing(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    login(client, cast.staff_a)
    url = reverse("application_section", args=[application.pk, "kontakt"])
    response = client.post(url, {"version": 0, "contact_name": "Kari Kontakt", "contact_email": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "er lagret" in page and "E-post til kontaktperson mangler." in page
    assert 'value="Kari Kontakt"' in page
    application.refresh_from_db()
    assert application.contact_name == "Kari Kontakt"


def test_the_session_can_be_extended_before_it_expires(client, cast):
    login(client, cast.staff_a)
    response = client.post(reverse("session_extend"))
    assert response.status_code == 200 and response.json()["expires_in"] > 0
    assert client.get(reverse("session_extend")).status_code == 405
    page = client.get(reverse("dashboard")).content.decode()
    # The time left, counted from the extension: 1800 s, less the seconds a busy machine took since.
    seconds = re.search(r'data-session-seconds="(\d+)"', page)
    assert 'id="session-warning"' in page and seconds and 1780 <= int(seconds.group(1)) <= 1800


def test_own_autosave_in_flight_is_not_a_colleagues_version(client, cast):
    """The user pressed "save" while their own autosave was on its way: both carry version 0."""
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    login(client, cast.staff_a)
    url = reverse("application_section", args=[application.pk, "prosjekt"])
    autosave = client.post(url, {"version": 0, "title": "Første", "autosave": "1"})
    assert autosave["HX-Trigger"] == "portal:saved"  # the page stops warning about unsaved changes

    response = client.post(url, {"version": 0, "title": "Andre"})

    assert "lagret denne delen av søknaden etter at du åpnet den" not in response.content.decode()
    application.refresh_from_db()
    assert application.title == "Andre" and application.versions == {"prosjekt": 2}


def test_budget_autosaves_keep_every_line_typed_so_far(client, cast):
    """Autosave after the first line, then after the second: both lines are saved (the page still
    says it started with no saved lines)."""
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    first, second = cast.call.cost_categories.all()[:2]
    login(client, cast.staff_a)
    url = reverse("application_section", args=[application.pk, "budsjett"])
    rows = {"lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0", "autosave": "1"}
    line1 = {"lines-0-category": first.pk, "lines-0-amount": "250 000", "lines-0-description": "Prosjektleder"}
    line2 = {"lines-1-category": second.pk, "lines-1-amount": "1 000 000", "lines-1-description": "Lærere"}
    client.post(url, {"version": 0, **rows, **line1})
    client.post(url, {"version": 1, **rows, **line1, **line2})
    assert [(line.description, line.amount) for line in application.budget_lines.all()] == [
        ("Prosjektleder", 250000),
        ("Lærere", 1000000),
    ]
