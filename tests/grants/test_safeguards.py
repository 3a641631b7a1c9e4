"""Safeguards found in review: nothing of a draft under correction reaches IMDi's list, autosave
and htmx answers stay fragments, e-mails that must go out are not lost, amounts and row counts that
cannot be stored are refused in words, and services check what their callers might not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from grants import services, tasks
from grants.models import Application
from tests import factories as f
from tests.conftest import login
from tests.grants.helpers_applications import page, send


def test_imdis_list_shows_the_title_as_submitted_not_the_draft_under_correction(client, cast, submitted):
    services.application_withdraw(actor=f.actor_for(cast.staff_a), application_id=submitted.pk)
    services.application_section_save(
        actor=f.actor_for(cast.staff_a),
        application_id=submitted.pk,
        section="prosjekt",
        data={"title": "HEMMELIG UTKASTTITTEL"},
        version=submitted.versions["prosjekt"],
    )
    for who in ("caseworker", "auditor"):
        login(client, getattr(cast, who))
        body = page(client.get(reverse("application_list")))
        assert "HEMMELIG UTKASTTITTEL" not in body, who
        assert submitted.submissions.get().snapshot["fields"]["title"] in body, who
        assert "Trukket tilbake for retting" in body, who
    login(client, cast.staff_a)
    assert "HEMMELIG UTKASTTITTEL" in page(client.get(reverse("application_list")))


def test_autosave_on_an_application_no_longer_editable_answers_with_the_reason_only(client, cast, draft):
    login(client, cast.delegate_a)
    send(draft, cast.staff_a)  # a colleague sends it while this user types
    url = reverse("application_section", args=[draft.pk, "prosjekt"])
    response = client.post(url, {"version": 1, "title": "Ny", "autosave": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = page(response)
    assert "<main" not in body and "<h1" not in body
    assert "Venter på bekreftelse" in body
    draft.refresh_from_db()
    assert draft.title != "Ny"


def test_an_htmx_request_after_the_session_ended_navigates_to_login(client, cast, draft):
    url = reverse("application_section", args=[draft.pk, "prosjekt"])
    response = client.post(url, {"version": 0, "autosave": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/konto/login/?next=")


def test_a_file_over_the_limit_is_stopped_while_it_arrives(client, cast, settings):
    settings.MAX_UPLOAD_MB = 1
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    login(client, cast.staff_a)
    upload = f.pdf_upload("stor.pdf", f.TINY_PDF + b"0" * (2 * 1024 * 1024))
    response = client.post(
        reverse("application_agreements", args=[application.pk]),
        {"partner_kind": "nav", "partner_name": "NAV Vest", "file": upload},
    )
    assert response.wsgi_request.too_large_uploads == ["file"]
    body = page(response)
    assert "Filen er for stor. Største tillatte størrelse er 1 MB." in body
    assert 'value="NAV Vest"' in body
    assert not application.agreements.exists()


def test_the_missing_answer_on_adjustments_links_to_the_first_radio_button(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    login(client, cast.staff_a)
    review = page(client.get(reverse("application_review", args=[application.pk])))
    assert "/del/justeringer/?kontroll=1#id_has_adjustments_0" in review
    section = page(client.get(reverse("application_section", args=[application.pk, "justeringer"]) + "?kontroll=1"))
    assert 'href="#id_has_adjustments_0"' in section and 'id="id_has_adjustments_0"' in section


def test_more_budget_rows_with_a_broken_row_count_still_answer(client, cast, draft):
    login(client, cast.staff_a)
    url = reverse("application_section", args=[draft.pk, "budsjett"])
    response = client.post(url, {"version": 1, "add_lines": "1", "lines-TOTAL_FORMS": "x", "lines-INITIAL_FORMS": "0"})
    assert response.status_code == 200
    assert 'name="lines-2-amount"' in page(response)


def test_a_budget_total_too_large_to_store_is_refused_in_words(client, cast, draft):
    login(client, cast.staff_a)
    category = cast.call.cost_categories.first()
    rows = {"lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0", "version": draft.versions["budsjett"]}
    for i in range(2):
        rows |= {
            f"lines-{i}-category": category.pk,
            f"lines-{i}-amount": "900 000 000 000",
            f"lines-{i}-description": "x",
        }
    response = client.post(reverse("application_section", args=[draft.pk, "budsjett"]), rows)
    assert "Summen av budsjettet er for stor." in page(response)
    assert draft.budget_total() == Decimal("1250000")


def test_a_refused_confirmation_speaks_the_users_language_and_the_authority_the_countys(client, cast, awaiting):
    with translation.override("nb"):
        with pytest.raises(services.Refused, match="Bare fylkeskommunedirektøren"):
            services.application_confirm(actor=f.actor_for(cast.staff_a), application_id=awaiting.pk)
        submission = services.application_confirm(actor=f.actor_for(cast.director_a), application_id=awaiting.pk)
    with translation.override("nn"):
        assert submission.authority == translation.gettext("som fylkeskommunedirektør")  # county A writes nynorsk


def test_an_old_tab_cannot_overwrite_a_colleagues_later_save(cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    stine, frida = f.actor_for(cast.staff_a), f.actor_for(cast.delegate_a)
    save = services.application_section_save
    save(actor=stine, application_id=application.pk, section="prosjekt", data={"title": "Stine 1"}, version=0)
    save(actor=frida, application_id=application.pk, section="prosjekt", data={"title": "Frida"}, version=1)
    save(actor=stine, application_id=application.pk, section="prosjekt", data={"title": "Stine 2"}, version=2)
    # Stine's old tab still holds version 1: Frida saved after it.
    with pytest.raises(services.StaleVersion, match="Frida Fullmakt"):
        save(actor=stine, application_id=application.pk, section="prosjekt", data={"title": "Gammel fane"}, version=1)
    application.refresh_from_db()
    assert application.title == "Stine 2"


def test_services_refuse_a_category_of_another_call_and_an_extension_outside_the_call(cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    other = f.make_call(cast.scheme, eligible=[cast.county_a]).cost_categories.first()
    with pytest.raises(services.Refused, match="hører til denne utlysningen"):
        services.application_section_save(
            actor=f.actor_for(cast.staff_a),
            application_id=application.pk,
            section="budsjett",
            data={},
            version=0,
            lines=[{"category": other, "amount": Decimal("1"), "description": "x"}],
        )
    caseworker = f.actor_for(cast.caseworker)
    later = cast.call.application_deadline + dt.timedelta(days=3)
    with pytest.raises(services.Refused, match="kan ikke søke"):
        services.extension_record(
            actor=caseworker, call=cast.call, organisation=cast.county_c, deadline=later, reason="x"
        )
    with pytest.raises(services.Refused, match="etter utlysningens søknadsfrist"):
        services.extension_record(
            actor=caseworker, call=cast.call, organisation=cast.county_a, deadline=cast.call.opens_at, reason="x"
        )


def test_the_request_for_confirmation_is_mailed_once_and_a_sweep_sends_what_was_never_sent(cast, draft):
    send(draft, cast.staff_a)  # on_commit never runs in the test: as if the broker were down
    tasks.sweep_confirmation_requests()
    assert mail.outbox == []  # too soon: the task sent after the commit comes first
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3)):
        tasks.sweep_confirmation_requests()
        tasks.sweep_confirmation_requests()
    assert sorted(m.to[0] for m in mail.outbox) == [cast.delegate_a.email, cast.director_a.email]
    tasks.notify_confirmers(draft.pk)  # a late duplicate of the task
    assert len(mail.outbox) == 2


def test_withdrawing_tells_those_who_may_confirm(client, cast, submitted, django_capture_on_commit_callbacks):
    login(client, cast.staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("application_withdraw", args=[submitted.pk]))
    withdrawn = [m for m in mail.outbox if "trukket tilbake" in m.subject.lower() or "trekt tilbake" in m.subject]
    assert sorted(m.to[0] for m in withdrawn) == [cast.delegate_a.email, cast.director_a.email]
    assert cast.staff_a.full_name in withdrawn[0].body
    assert Application.objects.get(pk=submitted.pk).state == Application.State.DRAFT
