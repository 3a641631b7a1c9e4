"""The history people read (issue 13, item 5): sentences with formatted values, people by name,
automatic steps done by the portal, and no machine data on a county's page."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import trans_real

from grants import services
from grants.models import Case
from grants.sections import field_label
from portal import audit, formats, history
from portal.audit import Actor
from portal.models import AuditEvent
from tests import factories as f
from tests.conftest import login
from tests.reporting.helpers import paid_grant

RAW_KEYS = ["fields", "kind", "approvals_cleared", "partner_kind", "sha256", "recommended_total", "paid_on"]
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
NEW_DEADLINE = dt.datetime(2027, 1, 1, tzinfo=formats.OSLO)


def history_text(response) -> tuple[str, str]:
    """The history section as the user reads it (tags removed, entities decoded) and the page's language."""
    body = response.content.decode()
    language = re.search(r'<html lang="([\w-]+)"', body).group(1)
    section = body.split('id="history-title"', 1)[1].split("</section>", 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", " ", section)), language


@pytest.fixture
def grant(cast):
    """County A's grant of kr 1 000 000 through every step: started, sections saved, agreements
    uploaded, sent, confirmed (receipt made), assigned, assessed, allocated, proposed, approved, letter
    issued, accepted, paid on 01.03.2025; and a later deadline extension recorded by IMDi."""
    decision = paid_grant(cast, amount="1000000")
    services.extension_record(
        actor=f.actor_for(cast.caseworker),
        call=cast.call,
        organisation=cast.county_a,
        deadline=NEW_DEADLINE,
        reason="Ønsket av fylket.",
    )
    return decision


def county_history(client, cast, decision) -> tuple[str, str]:
    login(client, cast.director_a)
    response = client.get(reverse("decision_view", args=[decision.case.application_id, decision.pk]))
    assert response.status_code == 200
    return history_text(response)


def test_the_countys_history_shows_no_machine_data(client, cast, grant):
    text, _ = county_history(client, cast, grant)
    for key in RAW_KEYS:
        assert not re.search(rf"\b{key}\b", text), key
    assert not ISO_DATE.search(text), ISO_DATE.search(text).group(0)
    for person in (cast.caseworker, cast.caseworker2, cast.director_a, cast.staff_a):
        assert person.email not in text
    assert "@" not in text
    assert "system" not in text
    assert "1000000" not in text and "1000000.00" not in text


def test_the_countys_history_shows_amounts_dates_labels_and_people(client, cast, grant):
    text, language = county_history(client, cast, grant)
    assert formats.kr(Decimal("1000000")) in text  # the decision and the payment
    assert "01.03.2025" in text  # paid on
    assert "01.01.2027" in text  # the new deadline
    with translation.override(language):
        assert field_label("title") in text  # a section's save lists its fields as the form labels them
        assert str(history.PORTAL) in text  # the letter and the receipt were made by the portal
        assert str(audit.state_label(Case.State.DECIDED)) in text
    assert cast.director_a.full_name in text and cast.staff_a.full_name in text


def test_imdi_sees_every_step_with_names_and_formatted_values(client, cast, grant):
    login(client, cast.caseworker)
    text, language = history_text(client.get(reverse("case_detail", args=[grant.case_id])))
    assert cast.caseworker.full_name in text and cast.caseworker2.full_name in text
    assert formats.kr(Decimal("1000000")) in text
    assert not re.search(r"\bfields\b|\bkind\b", text)
    assert cast.caseworker.email not in text
    with translation.override(language):
        assert str(history.PORTAL) in text


def test_the_audit_log_shows_state_labels_and_the_portal_instead_of_system(client, cast, grant):
    login(client, cast.auditor)
    response = client.get(reverse("audit_log"))
    body = html.unescape(response.content.decode())
    assert "decided → accepted" not in body and "accepted → paid" not in body
    assert ">system<" not in body
    language = re.search(r'<html lang="([\w-]+)"', body).group(1)
    with translation.override(language):
        decided, accepted = audit.state_label(Case.State.DECIDED), audit.state_label(Case.State.ACCEPTED)
        assert f"{decided} → {accepted}" in body
        assert str(history.PORTAL) in body


# --- The formatting itself ----------------------------------------------------------------------


def test_values_are_formatted_as_norwegians_write_them():
    assert history.money("1500000.00") == formats.kr(Decimal("1500000"))
    assert history.money("0.00 → 2500.50") == f"{formats.kr(Decimal('0'))} → {formats.kr(Decimal('2500.50'))}"
    assert history.money("Carl Case") == "Carl Case"
    assert history.when("2027-01-01T00:00:00+01:00") == "01.01.2027"
    assert history.when("2026-12-03T13:30:00+00:00") == "03.12.2026 14:30"
    assert history.when("2025-03-01") == "01.03.2025"
    assert history.when("2025-00001-1") == "2025-00001-1"
    with translation.override("nb"):
        assert history.text(["2025-03-01", True]) == "01.03.2025, Ja"


def test_a_county_never_sees_a_key_nobody_registered(cast):
    event = audit.record(
        actor=Actor(user=cast.caseworker),
        action="letter.issued",
        obj=cast.county_a,
        changes={"letter": "2025-00001-1", "sha256": "ab" * 32, "internal_note": "x"},
    )
    county = history.describe(event, county=True)
    imdi = history.describe(event, county=False)
    assert "2025-00001-1" in county.sentence
    assert county.details == []
    assert ("Internal note", "x") in imdi.details
    assert any(value == "ab" * 32 for _, value in imdi.details)


def test_an_automatic_step_is_done_by_the_portal(cast):
    event = audit.record(actor=Actor.system(), action="letter.issued", obj=cast.county_a, changes={"letter": "L-1"})
    assert event.actor_label == "system"  # as recorded
    assert history.describe(event, county=True).actor == str(history.PORTAL)


@pytest.mark.parametrize("language", ["nn", "en"])
def test_every_sentence_is_translated(language):
    catalogue = trans_real.translation(language)._catalog
    samples = [{"kind": "grant"}, {"kind": "rejection"}, {"upheld": True}, {"upheld": False}]
    for action, sentence in history.SENTENCES.items():
        for changes in samples if callable(sentence) else [{}]:
            template = sentence(changes) if callable(sentence) else sentence
            with translation.override("nb"):
                source = str(template)
            assert catalogue.get(source), (language, action, source)
            with translation.override(language):
                assert set(history.PLACEHOLDER.findall(str(template))) == set(history.PLACEHOLDER.findall(source))


def test_a_sentence_falls_back_to_the_label_when_a_value_is_missing(cast):
    event = AuditEvent(action="payment.registered", changes={"amount": "5"}, actor_label="system", at=timezone.now())
    assert history.describe(event, county=True).sentence == str(audit.action_label("payment.registered"))
