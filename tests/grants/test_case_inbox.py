"""IMDi's inbox of cases: filtering, the calls it shows, sorting, the rows, paging and its query count."""

from __future__ import annotations

import itertools
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from grants.models import Application, Case, Submission
from tests import factories as f
from tests.conftest import assert_constant_queries, login
from tests.grants.helpers_applications import page

pytestmark = pytest.mark.django_db

_refs = itertools.count(1)


def rows(response) -> list[str]:
    """The references in the inbox's table, top to bottom."""
    text = page(response)
    if "<tbody>" not in text:
        return []
    body = text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<a href="/imdi/saker/\d+/">([^<]+)</a>', body)


def quick_case(
    cast, *, call=None, organisation=None, state=Case.State.RECEIVED, assigned_to=None, total="500000", title=None
) -> Case:
    """A submitted application and its case written straight to the database, with only what the
    inbox reads: much faster than submitting through the services, for lists of many cases."""
    call = call or cast.call
    organisation = organisation or f.make_org()
    reference = f"T-{next(_refs):05d}"
    now = timezone.now()
    application = Application.objects.create(
        call=call,
        organisation=organisation,
        state=Application.State.SUBMITTED,
        reference=reference,
        created_by=cast.staff_a,
        title=title or f"Prosjekt {reference}",
        submitted_at=now,
    )
    Submission.objects.create(
        application=application,
        number=1,
        snapshot={
            "reference": reference,
            "fields": {"title": application.title},
            "agreements": [],
            "budget": {"lines": [], "categories": [], "total": total},
        },
        total=Decimal(total),
        confirmed_by=cast.director_a,
        confirmed_at=now,
        authority="Fylkeskommunedirektør",
    )
    return Case.objects.create(
        application=application,
        call=call,
        state=state,
        assigned_to=assigned_to,
        assigned_at=now if assigned_to else None,
    )


# --- The inbox --------------------------------------------------------------------------------


def test_inbox_filters_by_county_state_and_caseworker(client, cast):
    in_a = quick_case(cast, organisation=cast.county_a)
    in_b = quick_case(cast, organisation=cast.county_b, state=Case.State.ASSIGNED, assigned_to=cast.caseworker)
    ref_a, ref_b = in_a.application.reference, in_b.application.reference
    login(client, cast.auditor)
    url = reverse("case_list")

    assert sorted(rows(client.get(url))) == sorted([ref_a, ref_b])
    assert rows(client.get(url, {"county": cast.county_b.pk})) == [ref_b]
    assert rows(client.get(url, {"state": "received"})) == [ref_a]
    assert rows(client.get(url, {"caseworker": "none"})) == [ref_a]
    assert rows(client.get(url, {"caseworker": cast.caseworker.pk})) == [ref_b]
    response = client.get(url, {"state": "paid"})
    assert rows(response) == []
    assert "Ingen saker passer filtrene." in page(response)


def test_inbox_shows_the_latest_call_by_default_and_all_calls_on_request(client, cast):
    older = quick_case(cast)
    newer_call = f.make_call(cast.scheme, eligible=[cast.county_a, cast.county_b])
    newer = quick_case(cast, call=newer_call)
    login(client, cast.caseworker)

    response = client.get(reverse("case_list"))
    assert rows(response) == [newer.application.reference]
    assert f'<option value="{newer_call.pk}" selected>' in page(response)
    assert sorted(rows(client.get(reverse("case_list"), {"call": ""}))) == sorted(
        [older.application.reference, newer.application.reference]
    )
    assert rows(client.get(reverse("case_list"), {"call": cast.call.pk})) == [older.application.reference]
    # a link with another filter (the dashboard's cases by state) counts every call
    assert len(rows(client.get(reverse("case_list"), {"state": "received"}))) == 2
    sorted_default = client.get(reverse("case_list"), {"sort": "county"})
    assert rows(sorted_default) == [newer.application.reference]


def test_inbox_sorts_by_the_chosen_column_and_says_how(client, cast):
    a = quick_case(cast, organisation=cast.county_a, total="900000")
    b = quick_case(
        cast, organisation=cast.county_b, total="100000", state=Case.State.ASSIGNED, assigned_to=cast.caseworker
    )
    ref_a, ref_b = a.application.reference, b.application.reference
    login(client, cast.caseworker)
    url = reverse("case_list")

    response = client.get(url, {"sort": "county"})
    assert rows(response) == [ref_a, ref_b]
    header = re.search(r'<th scope="col" aria-sort="ascending">.*?</th>', page(response), re.S).group(0)
    assert "Fylkeskommune" in header
    assert "sort=-county" in header  # the next click sorts the other way
    assert rows(client.get(url, {"sort": "-county"})) == [ref_b, ref_a]
    assert 'aria-sort="descending"' in page(client.get(url, {"sort": "-county"}))
    assert rows(client.get(url, {"sort": "requested"})) == [ref_b, ref_a]
    assert rows(client.get(url, {"sort": "-requested"})) == [ref_a, ref_b]
    assert rows(client.get(url, {"sort": "state"})) == [ref_a, ref_b]  # received before assigned
    assert rows(client.get(url, {"sort": "-state"})) == [ref_b, ref_a]
    assert rows(client.get(url, {"sort": "caseworker"})) == [ref_b, ref_a]  # not assigned last
    assert rows(client.get(url, {"sort": "nonsense"})) == [ref_a, ref_b]  # back to the default


def test_inbox_row_shows_the_case_as_submitted(client, cast):
    case = quick_case(cast, organisation=cast.county_b, total="1250000", title="Fagbrev i nord")
    Case.objects.filter(pk=case.pk).update(recommended_total=Decimal("1000000"))
    login(client, cast.caseworker)
    text = page(client.get(reverse("case_list")))
    assert "Fagbrev i nord" in text
    assert "kr\xa01\xa0250\xa0000" in text
    assert "kr\xa01\xa0000\xa0000" in text
    assert "Mottatt" in text and "Ikke tildelt" in text
    assert reverse("case_detail", args=[case.pk]) in text


def test_inbox_says_when_there_are_no_cases(client, cast):
    login(client, cast.caseworker)
    response = client.get(reverse("case_list"))
    assert response.status_code == 200
    assert "Ingen søknader er sendt inn ennå." in page(response)


def test_inbox_pages_by_fifty(client, cast):
    for _i in range(51):
        quick_case(cast)
    login(client, cast.caseworker)
    first = client.get(reverse("case_list"))
    assert len(rows(first)) == 50
    assert "Side 1 av 2" in page(first)
    second = client.get(reverse("case_list"), {"side": 2})
    assert len(rows(second)) == 1
    assert "Side 2 av 2" in page(second)


def test_inbox_query_count_is_the_same_with_1_and_50_cases(client, cast):
    login(client, cast.caseworker)
    workers = itertools.cycle([cast.caseworker, cast.caseworker2, None])

    def add(n):
        for _i in range(n):
            worker = next(workers)
            quick_case(cast, assigned_to=worker, state=Case.State.ASSIGNED if worker else Case.State.RECEIVED)

    assert_constant_queries(client, reverse("case_list"), add)
    assert len(rows(client.get(reverse("case_list")))) == 50
