"""Odd input from the attack run (../shared/reviews/security-2026-12.md, L1–L6 and L11): each was a
server error or was stored; each is now a clear message, a 404, or refused with nothing stored."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from grants import services
from grants.models import Application, Payment
from portal.form_fields import DateField
from portal.limits import TEXT_MAX
from portal.validators import normalise_account_number, whole_number
from reporting.models import RepaymentClaim
from tests import factories as f
from tests.conftest import login
from tests.grants import helpers_applications as ha
from tests.grants import helpers_cases as h
from tests.grants import helpers_payments as hp
from tests.grants.test_allocation_views import accepted
from tests.reporting.test_repayments import EXPLANATION, approved_with_unused, notice

OUT_OF_RANGE = "Skriv en dato mellom 01.01.2000 og 31.12.2099."
ODD_DIGITS = ["²", "١", "¹²³", "9" * 25, "-1", " ", "1e3", "0x1"]


@pytest.fixture
def draft(cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    return Application.objects.get(pk=application.pk)


# --- Numbers written with other digits than 0-9 (L1, L5, L6) -------------------------------------


@pytest.mark.parametrize("value", ODD_DIGITS)
def test_only_ascii_digits_make_an_id(value):
    assert whole_number(value) is None


def test_an_ascii_id_is_read():
    assert whole_number("42") == 42 and whole_number(" 7 ") == 7 and whole_number(str(2**63 - 1)) == 2**63 - 1
    assert whole_number(str(2**63)) is None


@pytest.mark.parametrize("url_name", ["budget_totals", "application_section"])
@pytest.mark.parametrize("category", ["²", "١", "9" * 25])
def test_a_budget_line_with_an_odd_category_is_an_error_not_a_server_error(client, cast, draft, url_name, category):
    login(client, cast.staff_a)
    args = [draft.pk] if url_name == "budget_totals" else [draft.pk, "budsjett"]
    data = {
        "version": str(draft.versions.get("budsjett", 0)),
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-category": category,
        "lines-0-amount": "1000",
        "lines-0-description": "Lærer",
    }
    response = client.post(reverse(url_name, args=args), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert not draft.budget_lines.exists()


@pytest.mark.parametrize("number", ["¹²³⁴⁵⁶⁷⁸⁹⁰¹", "١٢٣٤٥٦٧٨٩٠٣", "٧٦٩٤٠٥١٢٣٤٠"])
def test_an_account_number_in_other_digits_is_not_an_account_number(number):
    assert normalise_account_number(number) is None
    assert normalise_account_number("7694 05 12340") == "7694.05.12340"


@pytest.mark.parametrize("number", ["¹²³⁴⁵⁶⁷⁸⁹⁰¹", "٧٦٩٤٠٥١٢٣٤٠"])
def test_a_claim_with_an_account_number_in_other_digits_is_refused_on_the_page(client, cast, number):
    claim = notice(cast, approved_with_unused(cast))
    login(client, cast.caseworker)
    response = client.post(
        reverse("repayment_claim_create", args=[claim.pk]),
        {"krav-amount": "150 000", "krav-due_date": "2027-04-30", "krav-account_number": number},
    )
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.state == RepaymentClaim.State.NOTICE and not claim.account_number


@pytest.mark.parametrize("call", ["²", "١", "9" * 25, ""])
def test_an_export_of_an_odd_call_is_not_found(client, cast, call):
    login(client, cast.caseworker)
    response = client.post(reverse("export_job_create"), {"dataset": "applications", "call": call})
    assert response.status_code == 404


# --- Ids too big for the database (L3, L4) -------------------------------------------------------


def test_an_appeal_attachment_with_a_huge_id_is_not_found(client, cast, draft):
    login(client, cast.staff_a)
    response = client.get(reverse("appeal_attachment", args=[draft.pk, 10**25, 1]))
    assert response.status_code == 404


def test_a_huge_section_version_is_a_form_error(client, cast, draft):
    login(client, cast.staff_a)
    response = client.post(ha.section_url(draft, "prosjekt"), ha.project_data(10**24))
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.title == ""


# --- Dates the portal cannot reckon with (L2, L11) -----------------------------------------------


@pytest.mark.parametrize("autosave", [False, True])
def test_a_project_period_in_year_9998_is_refused_with_a_message(client, cast, draft, autosave):
    login(client, cast.staff_a)
    data = ha.project_data(draft.versions.get("prosjekt", 0), period_start="9998-01-01", period_end="9999-01-01")
    if autosave:
        data["autosave"] = "1"
    response = client.post(ha.section_url(draft, "prosjekt"), data)
    assert response.status_code == 200
    # Saving shows the message at the field; the autosave says that nothing was saved and why to press save.
    assert ("Ikke lagret ennå" if autosave else OUT_OF_RANGE) in response.content.decode()
    draft.refresh_from_db()
    assert draft.period_start is None and draft.period_end is None


@pytest.mark.parametrize("paid_on", ["9999-12-31", "0001-01-01", "1999-12-31"])
def test_a_payment_dated_outside_the_years_the_portal_knows_is_refused(client, cast, paid_on):
    """The date a payment was made is the bank's, recorded on its payment file (issue 14)."""
    payment = hp.approved_payment(cast, accepted(cast, h.decided(cast)), "100000")
    caseworker = f.actor_for(cast.caseworker)
    batch = services.batch_create(actor=caseworker)
    services.batch_send(actor=caseworker, batch_id=batch.pk)
    login(client, cast.caseworker)
    response = client.post(reverse("batch_confirm", args=[batch.pk]), {"paid_on": paid_on})
    assert response.status_code == 200
    assert OUT_OF_RANGE in response.content.decode()
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.APPROVED


def test_a_comment_deadline_in_year_9999_is_refused(client, cast):
    decision = approved_with_unused(cast)
    login(client, cast.caseworker)
    response = client.post(
        reverse("repayment_create", args=[decision.pk]),
        {"reason": "unused", "amount": "200 000", "explanation": EXPLANATION, "comment_deadline": "9999-12-31"},
    )
    assert response.status_code == 200
    assert OUT_OF_RANGE in response.content.decode()
    assert not RepaymentClaim.objects.exists()


def test_the_date_field_says_its_range_to_the_browser_too():
    html = DateField(label="Dato").widget.render("d", dt.date(2025, 1, 2))
    assert 'min="2000-01-01"' in html and 'max="2099-12-31"' in html and 'value="2025-01-02"' in html
    field = DateField(label="Dato")
    assert field.clean("02.01.2025") == dt.date(2025, 1, 2)
    assert field.clean(timezone.localdate().isoformat()) == timezone.localdate()


# --- Text longer than a field holds (M2) ---------------------------------------------------------

# Written by the portal itself, never typed: an error from a failed render or send, the addresses a
# reminder went to.
SYSTEM_TEXT = {("grants", "letter", "last_error"), ("grants", "appealletter", "last_error")}
SYSTEM_TEXT |= {("reporting", "reminder", "recipients")}
SYSTEM_TEXT |= {("reporting", model, "error") for model in ("reminder", "exportjob")}


def test_every_text_field_has_a_length_limit_in_its_forms_and_its_model():
    unlimited = []
    for model in apps.get_models():
        if model._meta.app_label not in ("portal", "grants", "reporting"):
            continue
        for field in model._meta.get_fields():
            if not isinstance(field, models.TextField):
                continue
            key = (model._meta.app_label, model._meta.model_name, field.name)
            limited = field.max_length and any(isinstance(v, MaxLengthValidator) for v in field.validators)
            if not limited and key not in SYSTEM_TEXT:
                unlimited.append(".".join(key))
    assert not unlimited, unlimited


def test_a_text_longer_than_the_limit_is_refused_with_a_message_and_not_saved(client, cast, draft):
    login(client, cast.staff_a)
    data = ha.project_data(draft.versions.get("prosjekt", 0), summary="a" * (TEXT_MAX + 1))
    response = client.post(ha.section_url(draft, "prosjekt"), data)
    assert response.status_code == 200
    assert f"{TEXT_MAX}" in response.content.decode() and "tegn" in response.content.decode()
    draft.refresh_from_db()
    assert draft.summary == ""
    draft.summary = "a" * (TEXT_MAX + 1)
    with pytest.raises(ValidationError) as refused:
        draft.full_clean()
    assert "summary" in refused.value.message_dict
