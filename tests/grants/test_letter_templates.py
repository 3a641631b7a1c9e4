"""The texts a caseworker starts a decision from (issue 12, item 2): the call's letter template in the
county's written standard, or nothing; the proposal page, the admin and the seed."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from grants import letters, seed_letters, services
from grants.models import Decision, LetterTemplate
from portal.formats import OSLO, kr
from tests.conftest import login
from tests.grants import helpers_cases as h
from tests.grants.helpers_letters import county_of, long_date, templated_call

pytestmark = pytest.mark.django_db

Kind = Decision.Kind


@pytest.fixture
def call(cast):
    return templated_call(cast)


# --- The texts a proposal starts from ---------------------------------------------------------


def _assessed(cast, call, organisation, *, amount=None):
    case = h.submitted_case(cast, call=call, organisation=organisation)
    h.assessed(cast, case)
    if amount:
        h.allocated(cast, case, amount)
    case.refresh_from_db()
    return case


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_proposal_texts_come_from_the_template_in_the_countys_standard(cast, call, language):
    county = county_of(cast, language)
    case = _assessed(cast, call, county, amount="1000000")
    submission = case.application.current_submission()

    texts = letters.proposal_texts(case, Kind.GRANT)

    template = seed_letters.GRANT[language]
    assert texts["rules"] == template["rules"]
    assert texts["conditions"] == template["conditions"]
    received = long_date(timezone.localdate(submission.confirmed_at, OSLO))
    title = submission.snapshot["fields"]["title"]
    assert texts["facts"] == template["facts"].format(
        county=county.name,
        received=received,
        requested=kr(submission.total),
        title=title,
        amount=kr(Decimal("1000000")),
    )
    assert texts["purpose"].endswith(template["purpose"].split("\n")[1].format(county=county.name, title=title))
    assert "rundskriv 08/2025" in texts["rules"].lower() and "satsingsområde 3" in texts["rules"]


def test_dismissal_texts_cite_the_deadline_and_who_may_apply(cast, call):
    case = h.submitted_case(cast, call=call, organisation=cast.county_b)

    texts = letters.proposal_texts(case, Kind.DISMISSAL)

    deadline = long_date(timezone.localdate(call.application_deadline, OSLO))
    assert "søknadsfristen" in texts["rules"] and "«Hvem kan få tilskudd?»" in texts["rules"]
    assert f"Søknadsfristen for {cast.county_b.name} var {deadline}" in texts["facts"]
    assert "purpose" not in texts and "conditions" not in texts


def test_unknown_placeholders_and_braces_are_left_as_written(cast, call):
    LetterTemplate.objects.filter(call=call, kind=Kind.REJECTION).update(
        rules_nb="{county} {unknown} {county.name} { lone brace"
    )
    case = h.submitted_case(cast, call=call, organisation=cast.county_b)

    assert letters.proposal_texts(case, Kind.REJECTION)["rules"] == "Fylke B {unknown} {county.name} { lone brace"


def test_nynorsk_county_never_gets_the_bokmal_text(cast, call):
    LetterTemplate.objects.filter(call=call, kind=Kind.REJECTION).update(
        rules_nn="", facts_nn="", considerations_nn="", purpose_nn="", conditions_nn=""
    )
    case = h.submitted_case(cast, call=call, organisation=cast.county_a)

    assert letters.proposal_texts(case, Kind.REJECTION) == {}


def test_call_without_templates_prefills_nothing(cast):
    case = _assessed(cast, cast.call, cast.county_b, amount="1000000")

    assert letters.proposal_texts(case, Kind.GRANT) == {}


def _proposal_page(client, cast, case, query=""):
    login(client, cast.caseworker)
    response = client.get(reverse("decision_propose", args=[case.pk]) + query)
    assert response.status_code == 200
    return response.context["form"]


def test_proposal_page_prefills_the_nynorsk_template_for_a_nynorsk_county(client, cast, call):
    case = _assessed(cast, call, cast.county_a, amount="1000000")

    form = _proposal_page(client, cast, case)

    assert form.initial["kind"] == Kind.GRANT
    assert form.initial["rules"] == seed_letters.GRANT["nn"]["rules"]
    assert form.initial["conditions"] == seed_letters.GRANT["nn"]["conditions"]
    assert form.initial["purpose"].startswith("Formålet med ordninga")
    assert form.initial["considerations"] == case.justification  # the template has none: the assessment's


def test_proposal_page_fetches_the_texts_of_the_kind_asked_for(client, cast, call):
    case = _assessed(cast, call, cast.county_b, amount="1000000")

    form = _proposal_page(client, cast, case, "?type=dismissal")

    assert form.initial["kind"] == Kind.DISMISSAL
    assert form.initial["rules"] == seed_letters.DISMISSAL["nb"]["rules"]
    assert "purpose" not in form.initial


def test_proposal_page_without_templates_prefills_no_text(client, cast):
    case = _assessed(cast, cast.call, cast.county_b, amount="1000000")

    form = _proposal_page(client, cast, case)

    for field in ("rules", "facts", "purpose", "conditions"):
        assert not form.initial.get(field), field
    page = client.get(reverse("decision_propose", args=[case.pk])).content.decode()
    assert "Rundskrivet for" not in page and "Utlysningen har ingen brevmaler" in page


def test_proposal_stores_purpose_attachments_and_copies(client, cast, call):
    case = _assessed(cast, call, cast.county_b, amount="1000000")
    login(client, cast.caseworker)
    data = {
        "kind": Kind.GRANT,
        "rules": "Regler.",
        "facts": "Fakta.",
        "considerations": "Hensyn.",
        "purpose": "Formålet.",
        "conditions": "Vilkårene.",
        "attachments": "Rundskrivet\n\nAvtalen\n",
        "copy_to": "Statsforvalteren",
        **{f"granted_{category}": str(amount) for category, amount in h.split(case, "1000000").items()},
    }

    response = client.post(reverse("decision_propose", args=[case.pk]), data)

    assert response.status_code == 302
    decision = Decision.objects.get(case=case)
    assert (decision.purpose, decision.conditions) == ("Formålet.", "Vilkårene.")
    assert decision.attachments == "Rundskrivet\n\nAvtalen" and decision.copy_to == "Statsforvalteren"
    page = client.get(reverse("decision_detail", args=[decision.pk])).content.decode()
    assert "Formålet." in page and "Statsforvalteren" in page


def test_rejection_proposal_keeps_no_purpose_or_conditions(cast, call):
    case = _assessed(cast, call, cast.county_b)

    decision = services.decision_propose(
        actor=h.as_caseworker(cast),
        case_id=case.pk,
        kind=Kind.REJECTION,
        purpose="Formål",
        conditions="Vilkår",
        attachments="Vedlegg A",
        **h.REASONS,
    )

    assert (decision.purpose, decision.conditions, decision.attachments) == ("", "", "Vedlegg A")


# --- The admin ----------------------------------------------------------------------------------


def test_admins_edit_templates_in_both_standards_and_caseworkers_titles(client, cast, call):
    template = LetterTemplate.objects.get(call=call, kind=Kind.GRANT)
    login(client, cast.admin)

    inline = client.get(reverse("admin:grants_call_change", args=[call.pk])).content.decode()
    single = client.get(reverse("admin:grants_lettertemplate_change", args=[template.pk])).content.decode()
    user = client.get(reverse("admin:portal_user_change", args=[cast.caseworker.pk])).content.decode()

    assert 'name="letter_templates-0-rules_nb"' in inline and 'name="letter_templates-0-rules_nn"' in inline
    assert 'name="purpose_nb"' in single and 'name="purpose_nn"' in single
    assert "Formålet med ordninga" in single  # the nynorsk column holds the nynorsk text
    assert 'name="title"' in user and 'value="seniorrådgiver"' in user and 'name="phone"' in user


# --- The seed -----------------------------------------------------------------------------------


def test_load_calls_seeds_the_templates_once_and_keeps_an_admins_edits(db):
    call_command("load_calls", stdout=io.StringIO())
    template = LetterTemplate.objects.get(call__year=2025, kind=Kind.GRANT)
    template.rules_nn = "Endra av ein administrator."
    template.save()

    call_command("load_calls", stdout=io.StringIO())

    assert LetterTemplate.objects.count() == 2 * len(Decision.Kind.choices)  # the 2025 and 2026 calls
    template.refresh_from_db()
    assert template.rules_nn == "Endra av ein administrator."
    assert template.rules_nb == seed_letters.GRANT["nb"]["rules"]
    dismissal = LetterTemplate.objects.get(call__year=2026, kind=Kind.DISMISSAL)
    assert "{deadline}" in dismissal.facts_nb and "{deadline}" in dismissal.facts_nn
    assert "rundskriv 08/2025" in template.rules_nb.lower()
