"""Case numbers (arkivforskrifta, Noark 5): every case gets IMDi's ``YYYY/NNNNN``, a sequence per year
without gaps, its titles, administrative unit and class; cases opened before the archive get theirs
in the migration."""

from __future__ import annotations

import datetime as dt
import threading
from importlib import import_module

import pytest
import time_machine
from django.apps import apps
from django.db import DatabaseError, connection

from grants.models import ArchiveCounter, Case, CaseFolder
from grants.services.journal import case_folder_open
from portal.formats import OSLO
from tests.grants.helpers_cases import submitted_case
from tests.grants.test_allocation_views import cheap_case

migration = import_module("grants.migrations.0018_archive")


@pytest.mark.django_db
def test_a_submitted_case_gets_the_next_number_of_its_year_with_its_titles_unit_and_class(cast):
    scheme = cast.call.scheme
    scheme.archive_code = "223.1"
    scheme.save()
    first = submitted_case(cast)
    second = submitted_case(cast, organisation=cast.county_b)
    year = dt.date.today().year

    assert first.folder.number == f"{year}/00001"
    assert second.folder.number == f"{year}/00002"
    folder = second.folder
    assert folder.title == f"Søknad om tilskudd – {cast.call.title} – {cast.county_b.name}"
    assert folder.public_title == folder.title  # a county's case names no person
    assert folder.admin_unit == scheme.owner.name
    assert folder.archive_code == "223.1"
    assert folder.status == CaseFolder.Status.OPEN
    assert ArchiveCounter.objects.get(kind="case", year=year).last == 2


@pytest.mark.django_db
def test_a_case_keeps_its_number_when_opened_again(cast):
    case = submitted_case(cast)
    number = case.folder.number
    assert case_folder_open(case).number == number
    assert CaseFolder.objects.count() == 1


@pytest.mark.django_db
def test_each_year_starts_at_one(cast):
    with time_machine.travel(dt.datetime(2025, 12, 31, 23, 0, tzinfo=OSLO), tick=False):
        old = case_folder_open(cheap_case(cast))
    with time_machine.travel(dt.datetime(2026, 1, 1, 8, 0, tzinfo=OSLO), tick=False):
        new = case_folder_open(cheap_case(cast))
        newer = case_folder_open(cheap_case(cast))
    assert [old.number, new.number, newer.number] == ["2025/00001", "2026/00001", "2026/00002"]


@pytest.mark.django_db
def test_the_folder_is_closed_when_the_case_is(cast):
    case = submitted_case(cast)
    Case.objects.filter(pk=case.pk).update(state=Case.State.CLOSED)
    assert CaseFolder.objects.get(case=case).status == CaseFolder.Status.CLOSED


@pytest.mark.django_db
def test_the_migration_numbers_existing_cases_per_year_in_the_order_they_came(cast):
    received = [
        dt.datetime(2025, 2, 1, 9, tzinfo=OSLO),
        dt.datetime(2024, 3, 1, 9, tzinfo=OSLO),
        dt.datetime(2025, 1, 5, 9, tzinfo=OSLO),
        dt.datetime(2024, 12, 31, 23, 30, tzinfo=OSLO),  # still 2024 in Norway
    ]
    cases = []
    for moment in received:  # received then (a submission never changes afterwards)
        with time_machine.travel(moment, tick=False):
            cases.append(cheap_case(cast))

    migration.number_existing_cases(apps, None)

    numbers = [CaseFolder.objects.get(case=case).number for case in cases]
    assert numbers == ["2025/00002", "2024/00001", "2025/00001", "2024/00002"]
    assert ArchiveCounter.objects.get(kind="case", year=2025).last == 2
    # The next case of 2025 follows on.
    with time_machine.travel(dt.datetime(2025, 6, 1, 9, tzinfo=OSLO), tick=False):
        assert case_folder_open(cheap_case(cast)).number == "2025/00003"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_32_cases_opened_at_once_get_32_consecutive_numbers(transactional_db, cast):
    threads_count = 32
    cases = [cheap_case(cast) for _ in range(threads_count)]
    barrier = threading.Barrier(threads_count)
    results: dict[int, object] = {}

    def open_case(case_id: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[case_id] = case_folder_open(Case.objects.select_related("call__scheme__owner").get(pk=case_id))
        except DatabaseError as error:  # a deadlock or a duplicate number fails the test, by name
            results[case_id] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_case, args=(case.pk,)) for case in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(results) == threads_count
    assert all(isinstance(folder, CaseFolder) for folder in results.values()), results
    sequences = sorted(CaseFolder.objects.filter(case__in=cases).values_list("sequence", flat=True))
    assert sequences == list(range(sequences[0], sequences[0] + threads_count))  # none twice, none skipped
    year = dt.date.today().year
    assert ArchiveCounter.objects.get(kind="case", year=year).last == sequences[-1]
