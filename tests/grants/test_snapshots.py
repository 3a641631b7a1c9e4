"""The shape of an application in one place: the sections declare their fields (grants.sections), the
forms and the snapshot read them there, and the transitions of the application name their rules."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from grants import permissions
from grants.forms.applications import SECTION_FORMS
from grants.sections import SECTIONS, section_fields
from grants.services import COPIED_FIELDS
from grants.snapshots import build_snapshot, present, totals
from grants.workflows import APPLICATION


def test_each_section_form_edits_the_fields_its_section_declares():
    assert set(SECTION_FORMS) == {section.slug for section in SECTIONS if section.has_form}
    for slug, form_class in SECTION_FORMS.items():
        assert list(form_class._meta.fields) == section_fields(slug)


def test_a_copy_takes_only_fields_of_the_sections():
    declared = {field for section in SECTIONS for field in section.fields}
    assert set(COPIED_FIELDS) <= declared
    assert not {"period_start", "period_end", "carry_over_amount"} & set(COPIED_FIELDS)


def test_totals_list_every_category_also_at_zero():
    categories = [SimpleNamespace(pk=1, name="Drift"), SimpleNamespace(pk=2, name="Lærere")]
    result = totals(categories, [(2, Decimal("100")), (2, Decimal("50.50")), (None, Decimal("9")), (1, None)])
    assert [(row.name, row.total) for row in result.categories] == [
        ("Drift", Decimal("0")),
        ("Lærere", Decimal("150.50")),
    ]
    assert result.total == Decimal("150.50")


def test_the_snapshot_holds_every_declared_field_and_reads_back_by_section(cast, draft):
    snapshot = build_snapshot(draft)

    assert list(snapshot["fields"]) == [field for section in SECTIONS for field in section.fields]
    assert snapshot["budget"]["total"] == "1250000.00"
    sections = present(snapshot)
    assert [part.slug for part in sections] == [section.slug for section in SECTIONS]
    by_slug = {part.slug: part for part in sections}
    assert len(by_slug["prosjekt"].rows) == len(section_fields("prosjekt"))
    assert len(by_slug["avtaler"].agreements) == len(snapshot["agreements"])
    assert by_slug["budsjett"].budget["total"] == Decimal("1250000.00")


def test_every_transition_names_a_rule_in_permissions():
    for transition in APPLICATION.transitions:
        assert callable(getattr(permissions, transition.who))


def test_the_page_gets_a_verdict_for_every_transition(cast, draft):
    verdicts = permissions.application_transitions(cast.staff_a.memberships.get(), draft, timezone.now())
    assert set(verdicts) == {t.name for t in APPLICATION.transitions}
    assert verdicts["send"] and not verdicts["confirm"] and not verdicts["withdraw"]
