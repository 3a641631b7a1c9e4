"""Content in both written standards (issue 13, item 1): the texts admins and caseworkers write and counties
read (scheme, call, cost categories, criteria, IMDi's name) have a bokmål and a nynorsk column each
(django-modeltranslation). A nynorsk county reads them in nynorsk in its letters and receipts, a bokmål
county in bokmål; a call cannot be published while one of them lacks its nynorsk; the admin edits both;
the data migrations kept what was stored; the seeded calls are complete in both standards."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from importlib import import_module

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from grants import letters, receipts, seed, services
from grants.models import Call, CostCategory, Criterion, Decision, Scheme
from portal.models import AuditEvent, Organisation
from tests.conftest import login
from tests.grants import helpers_cases as h

pytestmark = pytest.mark.django_db

IMDI_NB = "Integrerings- og mangfoldsdirektoratet"
IMDI_NN = "Integrerings- og mangfaldsdirektoratet"
SCHEME = ("Ordning for kvalifisering", "Ordninga for kvalifisering")
TITLE = ("Utlysning om fagopplæring 2025", "Utlysing om fagopplæring 2025")
PURPOSE = ("Formålet er flere fagbrev.", "Formålet er fleire fagbrev.")
CATEGORIES = [
    ("Prosjektledelse og drift", "Prosjektleiing og drift"),
    ("Lærere og veiledere", "Lærarar og rettleiarar"),
]
CRITERION = ("Overføringsverdi til andre fylker", "Overføringsverdi til andre fylke")


def flat(text: str) -> str:
    """Whitespace (also non-breaking spaces and line breaks) as single spaces."""
    return " ".join(text.replace("\u00a0", " ").split())


def pdf_text(data: bytes) -> str:
    return flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def in_both(call: Call) -> Call:
    """``call``, its scheme, cost categories and criterion, and IMDi's name written in both standards."""
    imdi = call.scheme.owner
    imdi.name_nb, imdi.name_nn = IMDI_NB, IMDI_NN
    imdi.save()
    scheme = call.scheme
    scheme.name_nb, scheme.name_nn = SCHEME
    scheme.save()
    for field in Call.TEXTS:
        bokmal = getattr(call, f"{field}_nb")
        if bokmal:
            setattr(call, f"{field}_nn", f"{bokmal} (nynorsk)")
    call.title_nb, call.title_nn = TITLE
    call.purpose_nb, call.purpose_nn = PURPOSE
    call.save()
    for category, (nb, nn) in zip(call.cost_categories.order_by("order"), CATEGORIES, strict=True):
        category.name_nb, category.name_nn = nb, nn
        category.help_text_nn = f"{category.help_text_nb} (nynorsk)"
        category.save()
    criterion = call.criteria.get()
    criterion.name_nb, criterion.name_nn = CRITERION
    criterion.save()
    call.refresh_from_db()
    return call


@pytest.fixture
def bilingual(cast):
    return in_both(cast.call)


# --- What a county reads -----------------------------------------------------------------------------


def granted_decision(cast, county) -> Decision:
    """``county`` applied to cast.call and IMDi granted what it asked for in each cost category."""
    case = h.submitted_case(cast, organisation=county)
    lines = case.application.budget_lines.all()
    amount = sum((line.amount for line in lines), Decimal("0"))
    h.assessed(cast, case, recommended=amount)
    h.allocated(cast, case, amount)
    granted = {line.category_id: line.amount for line in lines}
    decision = services.decision_propose(
        actor=h.as_caseworker(cast), case_id=case.pk, kind=Decision.Kind.GRANT, granted=granted, **h.REASONS
    )
    decision = h.approved(cast, decision)
    decision.refresh_from_db()
    return decision


def test_a_nynorsk_countys_grant_letter_names_everything_in_nynorsk(cast, bilingual):
    decision = granted_decision(cast, cast.county_a)  # county A writes nynorsk

    text = pdf_text(letters.letter_pdf(decision.letter))

    assert f"{SCHEME[1]}: {TITLE[1]}" in text  # the subject
    assert f"«{TITLE[1]}»" in text
    for nynorsk in (IMDI_NN, *(nn for _nb, nn in CATEGORIES)):
        assert nynorsk in text
    for bokmal in (IMDI_NB, TITLE[0], SCHEME[0], *(nb for nb, _nn in CATEGORIES)):
        assert bokmal not in text


def test_a_bokmal_countys_grant_letter_names_everything_in_bokmal(cast, bilingual):
    decision = granted_decision(cast, cast.county_b)

    text = pdf_text(letters.letter_pdf(decision.letter))

    assert f"{SCHEME[0]}: {TITLE[0]}" in text
    for bokmal in (IMDI_NB, *(nb for nb, _nn in CATEGORIES)):
        assert bokmal in text
    for nynorsk in (IMDI_NN, TITLE[1], SCHEME[1], *(nn for _nb, nn in CATEGORIES)):
        assert nynorsk not in text


@pytest.mark.parametrize("county, language", [("county_a", 1), ("county_b", 0)])
def test_the_receipt_names_the_call_and_the_cost_categories_in_the_countys_standard(cast, bilingual, county, language):
    case = h.submitted_case(cast, organisation=getattr(cast, county))
    submission = case.application.current_submission()

    text = pdf_text(receipts.receipt_pdf(submission))

    assert TITLE[language] in text and TITLE[1 - language] not in text
    for names in CATEGORIES:
        assert names[language] in text and names[1 - language] not in text


def test_imdis_name_reads_in_nynorsk_and_a_countys_falls_back_to_its_bokmal(cast, bilingual):
    county = Organisation.objects.get(pk=cast.county_a.pk)
    imdi = Organisation.objects.get(pk=cast.imdi.pk)
    assert county.name_nn is None  # a county's nynorsk is left empty, stored as NULL (names are unique)
    with translation.override("nn"):
        assert (imdi.name, county.name) == (IMDI_NN, "Fylke A")
        assert list(Organisation.objects.filter(kind="county")) == [cast.county_a, cast.county_b, cast.county_c]
    with translation.override("nb"):
        assert imdi.name == IMDI_NB


# --- Publishing needs the nynorsk ------------------------------------------------------------------


def test_a_call_lacking_nynorsk_lists_what_lacks_it_and_cannot_be_published(cast):
    call = cast.call  # the factory writes bokmål only

    missing = call.missing_nynorsk()

    assert missing[:2] == ["tittel", "formål"]
    assert "slik søker dere" not in missing  # no bokmål text: nothing to translate
    assert "ordningen: navn" in missing
    assert "kostnadskategori «Drift av samarbeidet»: navn" in missing
    assert "kostnadskategori «Lærerressurser»: hjelpetekst" in missing
    assert "vurderingskriterium «Nasjonal overføringsverdi»: navn" in missing
    with pytest.raises(ValidationError) as refused:
        call.full_clean()
    message = refused.value.message_dict["is_published"][0]
    assert message.startswith("En publisert utlysning må ha alle tekstene fylkeskommunene leser, også på nynorsk.")
    assert "tittel; formål;" in message and "kostnadskategori «Drift av samarbeidet»: navn" in message

    call.is_published = False
    call.full_clean()  # a draft may lack it


def test_a_call_written_in_both_standards_may_be_published(cast, bilingual):
    assert bilingual.missing_nynorsk() == []
    bilingual.full_clean()


def change_form_data(response) -> dict:
    """What the admin's change form posts back as it was shown: the call's fields and its inlines."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            key, value = form.add_prefix(name), form[name].value()
            if isinstance(value, dt.datetime):  # the admin's date and time widgets
                moment = timezone.localtime(value)
                data[f"{key}_0"], data[f"{key}_1"] = moment.strftime("%Y-%m-%d"), moment.strftime("%H:%M:%S")
            elif value is True:
                data[key] = "on"
            elif isinstance(value, list):
                data[key] = [getattr(item, "pk", item) for item in value]
            elif value is not None and value is not False:
                data[key] = str(getattr(value, "pk", value))
    return data


def admin_post(client, call: Call, **changes):
    url = reverse("admin:grants_call_change", args=[call.pk])
    data = change_form_data(client.get(url))
    data.update(changes)
    return client.post(url, data)


def test_the_admin_shows_both_standards_of_a_calls_texts_and_rows(client, cast):
    login(client, cast.admin)

    page = client.get(reverse("admin:grants_call_change", args=[cast.call.pk])).content.decode()

    for name in ("title_nb", "title_nn", "conditions_nb", "conditions_nn"):
        assert f'name="{name}"' in page
    for name in ("cost_categories-0-name", "cost_categories-0-help_text", "criteria-0-name", "criteria-0-description"):
        assert f'name="{name}_nb"' in page and f'name="{name}_nn"' in page
    scheme = client.get(reverse("admin:grants_scheme_change", args=[cast.scheme.pk])).content.decode()
    assert 'name="name_nn"' in scheme and 'name="legal_basis_nn"' in scheme
    organisation = client.get(reverse("admin:portal_organisation_change", args=[cast.imdi.pk])).content.decode()
    assert 'name="name_nb"' in organisation and 'name="name_nn"' in organisation


def test_the_admin_refuses_to_publish_a_call_lacking_nynorsk_and_names_what_lacks_it(client, cast):
    Call.objects.filter(pk=cast.call.pk).update(is_published=False)
    login(client, cast.admin)

    response = admin_post(client, cast.call, is_published="on", title_nn="Utlysing 2025")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nynorsk mangler for: formål; målgruppe;" in page
    assert "kostnadskategori «Drift av samarbeidet»: navn" in page  # the inline's rows
    assert "vurderingskriterium «Nasjonal overføringsverdi»: navn" in page
    call = Call.objects.get(pk=cast.call.pk)
    assert not call.is_published and call.title_nn is None


def test_the_admin_publishes_when_the_nynorsk_is_written_in_the_same_form(client, cast):
    call = cast.call
    Call.objects.filter(pk=call.pk).update(is_published=False)
    Scheme.objects.filter(pk=call.scheme_id).update(name_nn="Ordning på nynorsk")
    login(client, cast.admin)
    nynorsk = {f"{field}_nn": f"{text} (nynorsk)" for field in Call.TEXTS if (text := getattr(call, f"{field}_nb"))}
    for index, category in enumerate(call.cost_categories.order_by("order")):
        nynorsk[f"cost_categories-{index}-name_nn"] = f"{category.name_nb} (nynorsk)"
        nynorsk[f"cost_categories-{index}-help_text_nn"] = "Hjelp på nynorsk"
    nynorsk["criteria-0-name_nn"] = "Nasjonal overføringsverdi"

    response = admin_post(client, call, is_published="on", **nynorsk)

    assert response.status_code == 302, response.context and response.context["errors"]
    call = Call.objects.get(pk=call.pk)
    assert call.is_published and call.title_nn.endswith("(nynorsk)")
    assert CostCategory.objects.get(call=call, order=1).name_nn == "Drift av samarbeidet (nynorsk)"
    event = AuditEvent.objects.get(action="admin.call.changed")
    assert event.changes["title_nn"] == call.title_nn and event.changes["is_published"] is True


def test_a_published_calls_category_cannot_lose_its_nynorsk_in_the_admin(client, cast, bilingual):
    login(client, cast.admin)

    response = admin_post(client, bilingual, **{"cost_categories-0-name_nn": ""})

    assert response.status_code == 200
    assert f"Nynorsk mangler for: kostnadskategori «{CATEGORIES[0][0]}»: navn." in response.content.decode()
    assert CostCategory.objects.get(call=bilingual, order=1).name_nn == CATEGORIES[0][1]


def test_a_scheme_with_a_published_call_keeps_its_nynorsk(cast, bilingual):
    scheme = Scheme.objects.get(pk=bilingual.scheme_id)
    scheme.name_nn = ""
    with pytest.raises(ValidationError, match="ordningen: navn"):
        scheme.full_clean()
    Call.objects.filter(scheme=scheme).update(is_published=False)
    scheme.full_clean()


# --- The data migrations ------------------------------------------------------------------------------


def test_the_data_migrations_keep_what_was_stored_in_the_bokmal_column(cast):
    grants_migration = import_module("grants.migrations.0015_content_in_both_standards")
    portal_migration = import_module("portal.migrations.0005_organisation_name_in_both_standards")
    # The models as the migrations see them (no django-modeltranslation): their own columns, nothing rewritten.
    apps = (
        MigrationLoader(connection)
        .project_state(
            [("grants", "0015_content_in_both_standards"), ("portal", "0005_organisation_name_in_both_standards")]
        )
        .apps
    )
    HistoricalCall = apps.get_model("grants", "Call")
    HistoricalCategory = apps.get_model("grants", "CostCategory")
    HistoricalOrganisation = apps.get_model("portal", "Organisation")
    # As the rows were before the migration: the original columns only.
    HistoricalCall.objects.filter(pk=cast.call.pk).update(title="Lagret tittel", title_nb=None, conditions_nb=None)
    HistoricalCategory.objects.filter(call_id=cast.call.pk).update(name_nb=None)
    HistoricalOrganisation.objects.filter(pk=cast.county_b.pk).update(name="Lagret fylke", name_nb=None)

    grants_migration.to_bokmal(apps, None)
    portal_migration.to_bokmal(apps, None)

    call = Call.objects.get(pk=cast.call.pk)
    assert (call.title_nb, call.conditions_nb, call.title_nn) == ("Lagret tittel", "Vilkårene", None)
    assert [c.name_nb for c in call.cost_categories.order_by("order")] == ["Drift av samarbeidet", "Lærerressurser"]
    assert Organisation.objects.get(pk=cast.county_b.pk).name_nb == "Lagret fylke"

    HistoricalCall.objects.filter(pk=cast.call.pk).update(title_nb="Endret på bokmål")
    grants_migration.from_bokmal(apps, None)  # going back keeps the bokmål in the original column
    assert HistoricalCall.objects.get(pk=cast.call.pk).title == "Endret på bokmål"


# --- The seed ---------------------------------------------------------------------------------------


def test_the_seeded_calls_are_written_in_both_standards_and_may_be_published(db):
    call_command("load_calls", stdout=io.StringIO())

    calls = list(Call.objects.order_by("year"))
    assert [c.year for c in calls] == list(seed.CALL_YEARS)
    for call in calls:
        assert call.is_published and call.missing_nynorsk() == []
        call.full_clean()
        assert call.cost_categories.count() == len(seed.COST_CATEGORIES) and call.criteria.count() == len(seed.CRITERIA)
    with translation.override("nn"):
        call = Call.objects.get(year=2025)
        assert call.scheme.name == "Tilskot til utvikling av kommunale kvalifiserings- og integreringstiltak"
        assert call.scheme.owner.name == "Integrerings- og mangfaldsdirektoratet (IMDi)"
        assert "prosjektansvarleg i fylkeskommunen" in call.reporting
        assert call.cost_categories.get(order=2).name == "Lærar- og rettleiingsressursar"
        assert call.criteria.get(order=1).name.startswith("Samarbeid med arbeidsgivarar")
        for field in Call.TEXTS:
            text = getattr(call, field).replace(seed.CIRCULAR[1:], "")  # the circular is cited by its title
            assert not re.search(r"\b(ikke|tilskudd|midler|fra|dere|hvem|regnskap)\b", text, re.IGNORECASE), field


def test_load_calls_fills_a_missing_nynorsk_but_never_beside_an_admins_bokmal(db):
    call_command("load_calls", stdout=io.StringIO())
    Call.objects.update(purpose_nn=None, conditions_nn=None, conditions_nb="Endret av IMDi.")
    Organisation.objects.filter(orgnr=seed.IMDI["orgnr"]).update(name_nn=None)
    CostCategory.objects.filter(order=1).update(name_nn=None)
    Criterion.objects.filter(order=1).update(name_nn=None)

    call_command("load_calls", stdout=io.StringIO())

    call = Call.objects.get(year=2025)
    assert call.purpose_nn == seed.call_data(2025)["purpose_nn"]
    assert call.conditions_nn is None and call.conditions_nb == "Endret av IMDi."  # the admin's text stays theirs
    assert Organisation.objects.get(orgnr=seed.IMDI["orgnr"]).name_nn == seed.IMDI["name_nn"]
    assert call.cost_categories.get(order=1).name_nn == seed.COST_CATEGORIES_NN[0][0]
    assert call.criteria.get(order=1).name_nn == seed.CRITERIA_NN[0][0]
