"""Working on the draft: two colleagues saving the same section, refused uploads, the live budget
totals, the project period and amounts."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from grants import services
from grants.models import BudgetLine, CooperationAgreement
from portal.models import AuditEvent
from tests import factories as f
from tests.conftest import login
from tests.grants.helpers_applications import (
    NBSP,
    as_user,
    error_summary,
    form_data,
    form_version,
    input_value,
    page,
    project_data,
    section_url,
)

# --- 5. Two colleagues saving the same section ------------------------------------------------


def test_stale_save_is_refused_and_both_versions_are_shown_so_nothing_is_lost(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    url = section_url(application, "prosjekt")
    stine = login(client, cast.staff_a)
    frida = as_user(cast.delegate_a)
    assert form_version(stine.get(url)) == 0
    assert form_version(frida.get(url)) == 0

    response = stine.post(url, project_data(0, title="Stines tittel"))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.title == "Stines tittel"

    response = frida.post(url, project_data(0, title="Fridas tittel"))
    assert response.status_code == 200
    body = page(response)
    assert "Stine Stab lagret denne delen av søknaden etter at du åpnet den. Det du skrev, er ikke lagret ennå" in body
    assert "Stines tittel" in body  # the colleague's saved version
    assert input_value(response, "title") == "Fridas tittel"  # what Frida typed, still in the form
    application.refresh_from_db()
    assert application.title == "Stines tittel"
    assert application.versions["prosjekt"] == 1

    version = form_version(response)
    assert version == 1
    response = frida.post(url, project_data(version, title="Fridas tittel"))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.title == "Fridas tittel"
    assert application.versions["prosjekt"] == 2


def test_stale_autosave_says_not_saved_and_leaves_the_saved_answer(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    url = section_url(application, "prosjekt")
    stine = login(client, cast.staff_a)
    frida = as_user(cast.delegate_a)

    response = stine.post(url, project_data(0, title="Stines tittel", autosave="1"))
    assert response.status_code == 200
    assert "Lagret automatisk kl." in page(response)
    assert input_value(response, "version") == "1"  # the page's hidden input moves on

    response = frida.post(url, project_data(0, title="Fridas tittel", autosave="1"))
    assert response.status_code == 200
    assert "Ikke lagret: en kollega har lagret denne delen etter at du åpnet den." in page(response)
    application.refresh_from_db()
    assert application.title == "Stines tittel"
    assert application.versions["prosjekt"] == 1


# --- 6. Uploads that are refused --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("avtale.pdf", b"Dette er bare tekst, ikke en PDF.\n", "Innholdet i filen stemmer ikke med filtypen .pdf."),
        ("avtale.exe", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "Denne filtypen er ikke tillatt."),
        ("stor.pdf", f.TINY_PDF + b"0" * (1024 * 1024), "Største tillatte størrelse er 1 MB."),
    ],
    ids=["text-named-pdf", "exe", "too-large"],
)
def test_refused_upload_keeps_what_was_typed_and_stores_nothing(client, cast, settings, name, content, message):
    settings.MAX_UPLOAD_MB = 1
    application = f.make_application(cast.call, cast.staff_a)
    before = services.build_snapshot(application)
    agreements_before = CooperationAgreement.objects.count()
    login(client, cast.staff_a)

    response = client.post(
        reverse("application_agreements", args=[application.pk]),
        {"partner_kind": "nav", "partner_name": "NAV Vestland", "file": f.pdf_upload(name, content)},
    )
    assert response.status_code == 200
    summary = error_summary(response)
    assert message in summary
    assert "Svarene dine er tatt vare på; velg filen på nytt." in summary
    assert input_value(response, "partner_name") == "NAV Vestland"
    assert re.search(r'<option value="nav"[^>]*\bselected\b', response.content.decode())
    assert CooperationAgreement.objects.count() == agreements_before
    assert not CooperationAgreement.objects.filter(partner_name="NAV Vestland").exists()
    application.refresh_from_db()
    assert services.build_snapshot(application) == before


def test_accepted_upload_is_stored_with_its_checksum(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    login(client, cast.staff_a)
    response = client.post(
        reverse("application_agreements", args=[application.pk]),
        {"partner_kind": "nav", "partner_name": "NAV Vestland", "file": f.pdf_upload("Avtale NAV.pdf")},
        follow=True,
    )
    assert "Avtalen med NAV Vestland er lastet opp (Avtale NAV.pdf)." in page(response)
    agreement = CooperationAgreement.objects.get(application=application)
    assert (agreement.partner_kind, agreement.content_type, agreement.size) == (
        "nav",
        "application/pdf",
        len(f.TINY_PDF),
    )


# --- 11. Budget -------------------------------------------------------------------------------


def budget_post(categories, rows, *, version: int = 0, **extra) -> dict:
    data = {"lines-TOTAL_FORMS": str(len(rows)), "lines-INITIAL_FORMS": "0", "version": str(version), **extra}
    for i, (category, amount, description) in enumerate(rows):
        data[f"lines-{i}-category"] = str(category.pk) if category else ""
        data[f"lines-{i}-amount"] = amount
        data[f"lines-{i}-description"] = description
    return data


def test_live_budget_totals_are_formatted_like_kroner_and_nothing_is_saved(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    drift, teachers = cast.call.cost_categories.order_by("order")
    login(client, cast.staff_a)
    events_before = AuditEvent.objects.count()

    response = client.post(
        reverse("budget_totals", args=[application.pk]),
        budget_post(
            [drift, teachers],
            [(drift, "250 000", "Prosjektleder"), (teachers, "1 000,50", "Lærere"), (None, "", "")],
        )
        | {"lines-TOTAL_FORMS": "3"},
    )
    assert response.status_code == 200
    body = page(response)
    assert re.search(rf"Drift av samarbeidet</td><td[^>]*>kr{NBSP}250{NBSP}000</td>", body)
    assert re.search(rf"Lærerressurser</td><td[^>]*>kr{NBSP}1{NBSP}000,50</td>", body)
    assert f'<strong id="budget-total">kr{NBSP}251{NBSP}000,50</strong>' in body

    assert not BudgetLine.objects.filter(application=application).exists()
    application.refresh_from_db()
    assert application.versions == {}
    assert AuditEvent.objects.count() == events_before


def test_live_totals_skip_an_amount_that_cannot_be_read_and_a_deleted_line(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    drift, teachers = cast.call.cost_categories.order_by("order")
    login(client, cast.staff_a)
    data = budget_post(
        [drift, teachers],
        [(drift, "kr 1 250 000", "A"), (teachers, "mange", "B"), (teachers, "5 000", "C")],
    )
    data["lines-2-DELETE"] = "on"
    body = page(client.post(reverse("budget_totals", args=[application.pk]), data))
    assert f'<strong id="budget-total">kr{NBSP}1{NBSP}250{NBSP}000</strong>' in body


def test_budget_line_without_description_is_refused_and_the_typed_amounts_stay(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    drift, teachers = cast.call.cost_categories.order_by("order")
    login(client, cast.staff_a)
    response = client.post(
        section_url(application, "budsjett"),
        budget_post(
            [drift, teachers],
            [(drift, "250 000", ""), (teachers, "1 000,50", "Lærere")],
            declares_no_running_costs="on",
        ),
    )
    assert response.status_code == 200
    body = page(response)
    assert "Det er noe som må rettes i budsjettlinjene" in body
    assert "Linje 1, Hva beløpet dekker: " in body
    assert input_value(response, "lines-0-amount") == "250 000"
    assert input_value(response, "lines-1-amount") == "1 000,50"
    assert input_value(response, "lines-1-description") == "Lærere"
    assert not BudgetLine.objects.filter(application=application).exists()
    application.refresh_from_db()
    assert application.declares_no_running_costs is False
    assert application.versions == {}


def test_saving_the_budget_page_as_it_is_keeps_every_saved_line(client, cast, draft):
    """The browser posts the saved lines back unchanged (and autosave does so on every keystroke)."""
    login(client, cast.staff_a)
    url = section_url(draft, "budsjett")
    before = list(draft.budget_lines.values_list("category", "amount", "description"))
    assert len(before) == 2

    data = form_data(client.get(url))
    assert data["lines-INITIAL_FORMS"] == "2"
    data["lines-2-category"], data["lines-2-amount"], data["lines-2-description"] = (
        data["lines-0-category"],
        "5 000",
        "Reise",
    )
    response = client.post(url, {**data, "autosave": "1"})
    assert "Lagret automatisk" in page(response)
    after = [before[0], (before[0][0], Decimal("5000.00"), "Reise"), before[1]]
    assert sorted(draft.budget_lines.values_list("category", "amount", "description")) == sorted(after)

    data = form_data(client.get(url))
    response = client.post(url, data)
    assert response.status_code == 302
    assert sorted(draft.budget_lines.values_list("category", "amount", "description")) == sorted(after)
    assert draft.budget_total() == Decimal("1255000")


def test_budget_lines_typed_the_norwegian_way_are_saved(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    drift, teachers = cast.call.cost_categories.order_by("order")
    login(client, cast.staff_a)
    response = client.post(
        section_url(application, "budsjett"),
        budget_post(
            [drift, teachers],
            [(drift, "1 250 000", "Prosjektleder"), (teachers, "kr 1 000,50", "Lærere")],
            declares_no_running_costs="on",
        ),
    )
    assert response.status_code == 302
    lines = list(application.budget_lines.order_by("order").values_list("category", "amount", "description"))
    assert lines == [
        (drift.pk, Decimal("1250000.00"), "Prosjektleder"),
        (teachers.pk, Decimal("1000.50"), "Lærere"),
    ]
    assert application.budget_total() == Decimal("1251000.50")


def test_application_list_shows_each_role_only_what_it_may_see(client, cast, submitted):
    draft_b = f.make_application(cast.call, cast.staff_b, complete=False)
    draft_b.title = "Utkast fra Fylke B"
    draft_b.save()
    expected = {
        "staff_a": ({"Samarbeid om fagbrev"}, {"Utkast fra Fylke B"}),
        "staff_b": ({"Utkast fra Fylke B"}, {"Samarbeid om fagbrev"}),
        "caseworker": ({"Samarbeid om fagbrev"}, {"Utkast fra Fylke B"}),
        "auditor": ({"Samarbeid om fagbrev"}, {"Utkast fra Fylke B"}),
    }
    for name, (shown, hidden) in expected.items():
        login(client, getattr(cast, name))
        body = page(client.get(reverse("application_list")))
        assert all(title in body for title in shown), name
        assert not any(title in body for title in hidden), name


# --- 13. Project period and amounts -----------------------------------------------------------


def test_project_period_longer_than_the_calls_maximum_is_refused_with_a_clear_message(client, cast):
    call = f.make_call(cast.scheme, eligible=[cast.county_a], max_project_years=2)
    application = f.make_application(call, cast.staff_a, complete=False)
    login(client, cast.staff_a)
    url = section_url(application, "prosjekt")
    assert "Prosjektperioden kan være høyst 2 år." in page(client.get(url))

    response = client.post(url, project_data(0, period_start="2025-01-01", period_end="2027-01-01"))
    assert response.status_code == 200
    assert "Prosjektperioden kan være høyst 2 år, altså til og med 31.12.2026." in error_summary(response)
    assert input_value(response, "period_end") == "2027-01-01"
    application.refresh_from_db()
    assert (application.period_start, application.period_end, application.title) == (None, None, "")

    response = client.post(url, project_data(0, period_start="2025-01-01", period_end="2026-12-31"))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.period_end == dt.date(2026, 12, 31)


def test_project_ending_before_it_starts_is_refused(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    login(client, cast.staff_a)
    response = client.post(
        section_url(application, "prosjekt"), project_data(0, period_start="2025-06-01", period_end="2025-01-01")
    )
    assert response.status_code == 200
    assert "Prosjektslutt må være etter prosjektstart." in error_summary(response)
    application.refresh_from_db()
    assert application.period_end is None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("1 250 000", Decimal("1250000")), ("kr 1 250 000", Decimal("1250000")), ("1250000,50", Decimal("1250000.50"))],
)
def test_amounts_are_accepted_as_norwegians_type_them(client, cast, typed, stored):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    login(client, cast.staff_a)
    response = client.post(
        section_url(application, "overforing"),
        {"version": "0", "carry_over_amount": typed, "carry_over_explanation": "Forsinket oppstart."},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.carry_over_amount == stored


def test_an_amount_that_is_not_a_number_is_refused_in_words(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    login(client, cast.staff_a)
    response = client.post(
        section_url(application, "overforing"),
        {"version": "0", "carry_over_amount": "en million", "carry_over_explanation": ""},
    )
    assert response.status_code == 200
    assert "Skriv et beløp i hele kroner, for eksempel 250 000." in error_summary(response)
    application.refresh_from_db()
    assert application.carry_over_amount == Decimal("0")
