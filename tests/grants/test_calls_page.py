"""The call page and list (R1, R2, R5; review X1–X3, C5, C9): the legal basis and the main circular,
a call published subject to the state budget, a call with no opening time, and the seeded calls."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from grants import seed
from grants.models import Call, Scheme
from reporting import reminders
from tests import factories as f
from tests.conftest import login

pytestmark = pytest.mark.django_db

LEGAL_BASIS = (
    "Retningslinjer fastsatt av Arbeids- og inkluderingsdepartementet 1. januar 2024 etter § 8 i reglement for "
    "økonomistyring i staten og kapittel 6 i bestemmelser om økonomistyring i staten."
)
RESERVATION_2026 = "Utlysningen er gjort med forbehold om bevilgning over statsbudsjettet for 2026."


def page(client, call) -> str:
    response = client.get(reverse("call_detail", args=[call.pk]))
    assert response.status_code == 200
    return response.content.decode()


def listing(client) -> str:
    return client.get(reverse("call_list")).content.decode()


def test_the_call_page_shows_the_legal_basis_and_the_main_circular(client, cast):
    Scheme.objects.filter(pk=cast.scheme.pk).update(legal_basis=LEGAL_BASIS, circular=seed.CIRCULAR)
    html = page(client, cast.call)
    assert "Hjemmel og regelverk" in html
    assert LEGAL_BASIS in html
    assert "Rundskriv 08/2025 Tilskudd til utvikling av kommunale kvalifiserings- og integreringstiltak" in html
    # The eligible costs are not an exhaustive list (the circular: "blant annet").
    costs = html.split("Utgifter tilskuddet kan dekke", 1)[1]
    assert costs.index("Dere kan blant annet søke om midler til:") < costs.index("Drift av samarbeidet")


def test_a_scheme_without_legal_texts_shows_no_empty_heading(client, cast):
    assert "Hjemmel og regelverk" not in page(client, cast.call)


def test_a_call_subject_to_the_budget_says_so_on_its_page_and_in_the_list(client, cast):
    reserved = f.make_call(cast.scheme, year=2026, subject_to_budget=True, eligible=[cast.county_a])
    html = page(client, reserved)
    assert RESERVATION_2026 in html
    assert "med forbehold om bevilgning" in html.split("Ramme", 1)[1]  # beside the pot
    listed = listing(client)
    assert RESERVATION_2026 in listed
    # Only that call: the 2025 call is not subject to the budget.
    assert listed.count("med forbehold om bevilgning over statsbudsjettet") == 1
    assert "forbehold om bevilgning" not in page(client, cast.call)


def test_the_reservation_is_shown_in_nynorsk(client, cast):
    reserved = f.make_call(cast.scheme, year=2026, subject_to_budget=True)
    client.post(reverse("set_language"), {"language": "nn", "next": reverse("call_list")})
    html = page(client, reserved)
    assert "Utlysinga er gjord med atterhald om løyving over statsbudsjettet for 2026." in html


def test_a_call_with_no_opening_time_is_open_listed_and_can_be_applied_to(client, cast):
    call = f.make_call(cast.scheme, opens_at=None, eligible=[cast.county_a])
    assert call.is_open and call.has_opened_at(timezone.now())
    assert Call.objects.open_at(timezone.now()).filter(pk=call.pk).exists()

    listed = listing(client)
    assert call.title in listed
    html = page(client, call)
    assert "Åpen fra publisering" in html
    assert "Åpen for søknader" in html

    login(client, cast.staff_a)
    html = page(client, call)
    assert "Fylke A kan søke." in html and "Start søknad" in html
    assert call.title in client.get(reverse("dashboard")).content.decode()


def test_a_call_with_no_opening_time_reminds_the_counties_of_its_deadline(cast, time_machine):
    deadline = timezone.now().replace(microsecond=0) + dt.timedelta(days=30)
    call = f.make_call(
        cast.scheme, opens_at=None, application_deadline=deadline, eligible=[cast.county_a, cast.county_b]
    )
    time_machine.move_to(deadline - dt.timedelta(days=14) + dt.timedelta(hours=1), tick=False)
    found = {
        c.organisation_id
        for c in reminders.candidates_at(timezone.now())
        if c.kind == "application_deadline" and c.link == reverse("call_detail", args=[call.pk])
    }
    assert found == {cast.county_a.pk, cast.county_b.pk}


# --- The seed ------------------------------------------------------------------------------------


def load_calls(*args) -> None:
    call_command("load_calls", *args, stdout=io.StringIO())


TEXT_FIELDS = [
    "title",
    "introduction",
    "purpose",
    "target_group",
    "who_may_apply",
    "conditions",
    "assessment",
    "ineligible_costs",
    "how_to_apply",
    "appeal_rules",
    "payment_terms",
    "reporting",
]


def test_the_seeded_2026_call_is_subject_to_the_budget_with_no_opening_time_and_no_2027_promise(client, db):
    load_calls()
    call = Call.objects.get(year=2026)
    assert call.is_published and call.subject_to_budget
    assert call.opens_at is None
    for name in TEXT_FIELDS:
        assert "2027" not in getattr(call, name), name
    assert "videreføre" not in call.reporting  # the trial ends in 2026: no carry-over offered
    assert f"Forsøket avsluttes i {seed.TRIAL_YEARS[1]}." in call.reporting
    assert "under forutsetning om bevilgning over statsbudsjettet for 2026" in call.assessment
    assert "5 mill" not in call.assessment  # no amount promised for 2026

    html = page(client, call)
    assert RESERVATION_2026 in html
    assert "Åpen fra publisering" in html
    assert "06.01.2026" not in html  # the invented opening time is gone


def test_the_seeded_2025_call_keeps_its_terms_with_no_invented_opening_time(db):
    load_calls()
    call = Call.objects.get(year=2025)
    assert call.opens_at is None and not call.subject_to_budget
    assert "kan dere søke om å videreføre dem til 2026" in call.reporting
    assert "inntil 5 mill. kroner" in call.assessment
    assert "videreføring i 2026 under forutsetning om bevilgning over statsbudsjettet" in call.assessment
    assert timezone.localtime(call.application_deadline).strftime("%d.%m.%Y %H:%M") == "10.02.2025 23:59"


def test_the_seeded_scheme_cites_the_main_circular(client, db):
    load_calls()
    scheme = Scheme.objects.get(code=seed.SCHEME["code"])
    assert scheme.circular == (
        "Rundskriv 08/2025 Tilskudd til utvikling av kommunale kvalifiserings- og integreringstiltak"
    )
    call = Call.objects.get(year=2025)
    assert (
        "ut i arbeid eller utdanning, jf. rundskriv 08/2025 Tilskudd til utvikling av kommunale "
        "kvalifiserings- og integreringstiltak." in call.purpose
    )
    html = page(client, call)
    assert "Hjemmel og regelverk" in html and scheme.circular in html and scheme.legal_basis in html


def test_load_calls_fills_a_missing_circular_and_keeps_an_admins(db):
    load_calls()
    Scheme.objects.update(circular="")
    load_calls()
    assert Scheme.objects.get().circular == seed.CIRCULAR
    Scheme.objects.update(circular="Rundskriv 09/2026 (endret av IMDi)")
    load_calls()
    assert Scheme.objects.get().circular == "Rundskriv 09/2026 (endret av IMDi)"


def test_load_calls_update_rewrites_an_old_invented_opening_time(db):
    """A database seeded before this change has the invented opening time and no reservation;
    ``--update`` (and only it) brings the calls to the circular's terms."""
    load_calls()
    old = timezone.make_aware(dt.datetime(2026, 1, 6, 9, 0))
    Call.objects.filter(year=2026).update(opens_at=old, subject_to_budget=False)
    load_calls()
    assert Call.objects.get(year=2026).opens_at == old
    load_calls("--update")
    call = Call.objects.get(year=2026)
    assert call.opens_at is None and call.subject_to_budget


# --- The cached public pages (grants.public_pages, issue 16) ----------------------------------


def test_the_list_and_the_call_page_are_cached_per_language(client, cast, django_assert_num_queries):
    listing(client)
    page(client, cast.call)
    with django_assert_num_queries(0):  # an anonymous reader: no session, no query
        assert cast.call.title in listing(client)
        assert cast.call.title in page(client, cast.call)
    client.cookies["django_language"] = "nn"
    nynorsk = listing(client)
    assert "Open for søknader" in nynorsk and "Åpen for søknader" not in nynorsk
    assert "Open for søknader" in page(client, cast.call)
    bokmal = listing(client.__class__())  # bokmål is still served in bokmål
    assert "Åpen for søknader" in bokmal and "Open for søknader" not in bokmal


def test_a_changed_call_is_shown_at_once(client, cast):
    assert cast.call.title in listing(client)
    cast.call.title = "Ny tittel på utlysningen"
    cast.call.save()
    assert "Ny tittel på utlysningen" in listing(client)
    assert "Ny tittel på utlysningen" in page(client, cast.call)


def test_a_changed_cost_category_or_unpublished_call_is_shown_at_once(client, cast):
    page(client, cast.call)
    category = cast.call.cost_categories.order_by("order").first()
    category.name = "Språkopplæring på arbeidsplassen"
    category.save()
    assert "Språkopplæring på arbeidsplassen" in page(client, cast.call)
    cast.call.is_published = False
    cast.call.save()
    assert client.get(reverse("call_detail", args=[cast.call.pk])).status_code == 404
    assert cast.call.title not in listing(client)


def test_the_status_changes_when_the_deadline_passes_without_any_save(client, cast, time_machine):
    time_machine.move_to(cast.call.application_deadline - dt.timedelta(minutes=1), tick=False)
    assert "Åpen for søknader" in page(client, cast.call)
    time_machine.move_to(cast.call.application_deadline + dt.timedelta(seconds=1), tick=False)
    assert "Søknadsfristen er ute" in page(client, cast.call)
    assert "Åpen for søknader" not in page(client, cast.call)


def test_a_logged_in_reader_gets_the_cached_part_and_their_own_answer(client, cast):
    page(client, cast.call)  # cached by an anonymous reader
    login(client, cast.staff_a)
    html = page(client, cast.call)
    assert reverse("application_start", args=[cast.call.pk]) in html  # county A may apply: their own answer
    login(client, cast.caseworker)
    assert reverse("application_start", args=[cast.call.pk]) not in page(client, cast.call)


def test_a_page_rendered_from_the_old_rows_during_a_change_is_dropped_when_it_commits(
    client, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cast.call.title = "Tittel etter endringen"
        cast.call.save()
        # Another reader, before the commit, renders and caches the page (from the old rows in real life).
        assert "Tittel etter endringen" in listing(client)
        stale = client.get(reverse("call_list")).content
    # The commit drops what was cached meanwhile: the next reader renders afresh.
    cast.call.refresh_from_db()
    Call.objects.filter(pk=cast.call.pk).update(title_nb="Tittel skrevet utenom modellen")
    assert b"Tittel skrevet utenom modellen" not in stale
    assert "Tittel skrevet utenom modellen" in listing(client)
