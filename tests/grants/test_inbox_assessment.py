"""A case, assignment, the declaration of impartiality and the assessment, through the pages as a
caseworker, an auditor and a county user meet them (the inbox: tests/grants/test_case_inbox.py)."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from grants.models import Case, CriterionScore, DeadlineExtension, LineAssessment
from portal.audit import action_label
from tests.conftest import login
from tests.grants import helpers_cases as h
from tests.grants.test_case_inbox import quick_case

pytestmark = pytest.mark.django_db


def page(response) -> str:
    """The page as the user reads it: entities decoded."""
    return html.unescape(response.content.decode())


def post_assessment(client, case, *, complete=True, **changes):
    """A full assessment of a case built by tests.factories (one criterion, two budget lines)."""
    criterion = case.call.criteria.get()
    data = {
        "agreements_ok": "True",
        "declaration_ok": "True",
        "in_time_ok": "True",
        "conditions_note": "Alle avtaler er signert.",
        f"score_{criterion.pk}": "5",
        f"comment_{criterion.pk}": "Modellen kan brukes i andre fylker.",
        "eligible_0": "on",
        "recommended_0": "200 000",
        # line 1 (Lærere) is left unticked: not eligible
        "recommended_1": "1 000 000",
        "recommended_total": "200 000",
        "justification": "Godt samarbeid og tydelig overføringsverdi.",
    }
    if complete:
        data["complete"] = "1"
    data.update(changes)
    return client.post(reverse("case_assess", args=[case.pk]), {k: v for k, v in data.items() if v is not None})


def assign_declare_assess(client, cast, case):
    """The caseworker takes the case, declares impartiality and completes the assessment, by the pages."""
    login(client, cast.caseworker)
    response = client.post(reverse("case_assign", args=[case.pk]), {"assignee": cast.caseworker.pk})
    assert response.status_code == 302
    assert response.url == reverse("case_detail", args=[case.pk])
    response = client.post(reverse("case_declare", args=[case.pk]), {"disqualified": "False"})
    assert response.status_code == 302
    assert response.url == reverse("case_assess", args=[case.pk])
    response = post_assessment(client, case)
    assert response.status_code == 302, page(response)
    assert response.url == reverse("case_detail", args=[case.pk])


# --- Who may see and do what ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["staff_a", "director_a", "stranger"])
def test_county_users_and_strangers_get_403_on_the_case_pages(client, cast, name):
    case = quick_case(cast, organisation=cast.county_a)
    login(client, getattr(cast, name))
    for url_name in ["case_detail", "case_declare", "case_assess"]:
        assert client.get(reverse(url_name, args=[case.pk])).status_code == 403, url_name
    assert client.get(reverse("case_list")).status_code == 403
    for url_name in ["case_assign", "case_declare", "case_assess"]:
        assert client.post(reverse(url_name, args=[case.pk]), {"assignee": cast.caseworker.pk}).status_code == 403
    case.refresh_from_db()
    assert case.assigned_to is None


@pytest.mark.parametrize("name", ["auditor", "admin"])
def test_auditors_and_admins_read_everything_but_their_posts_are_403(client, cast, name):
    case = h.submitted_case(cast)
    h.assessed(cast, case)
    login(client, getattr(cast, name))

    detail = client.get(reverse("case_detail", args=[case.pk]))
    assess = client.get(reverse("case_assess", args=[case.pk]))
    declare = client.get(reverse("case_declare", args=[case.pk]))
    assert detail.status_code == assess.status_code == declare.status_code == 200
    assert 'name="assignee"' not in page(detail)
    assert "Godt begrunnet." in page(assess)  # the saved comment, read-only
    assert "5 av 6" in page(assess)
    assert 'name="justification"' not in page(assess)
    assert 'name="disqualified"' not in page(declare)
    assert "Saken er tildelt Carl Case" in page(declare)

    assert client.post(reverse("case_assign", args=[case.pk]), {"assignee": cast.caseworker2.pk}).status_code == 403
    assert client.post(reverse("case_declare", args=[case.pk]), {"disqualified": "False"}).status_code == 403
    assert post_assessment(client, case, justification="Endret av revisor").status_code == 403
    case.refresh_from_db()
    assert case.assigned_to == cast.caseworker
    assert case.justification == "Godt samarbeid og tydelig overføringsverdi."


def test_assign_answers_only_post(client, cast):
    case = quick_case(cast)
    login(client, cast.caseworker)
    assert client.get(reverse("case_assign", args=[case.pk])).status_code == 405


def test_unknown_case_is_404(client, cast):
    login(client, cast.caseworker)
    assert client.get(reverse("case_detail", args=[99999])).status_code == 404


# --- Assign, declare, assess ------------------------------------------------------------------


def test_assign_declare_and_assess_through_the_pages_saves_the_assessment(client, cast):
    case = h.submitted_case(cast)
    assign_declare_assess(client, cast, case)

    case.refresh_from_db()
    assert case.state == Case.State.ASSESSED
    assert case.assigned_to == cast.caseworker
    assert case.assessed_by == cast.caseworker
    assert (case.agreements_ok, case.declaration_ok, case.in_time_ok) == (True, True, True)
    assert case.recommended_total == Decimal("200000")
    assert case.justification == "Godt samarbeid og tydelig overføringsverdi."
    score = CriterionScore.objects.get(case=case)
    assert (score.score, score.comment) == (5, "Modellen kan brukes i andre fylker.")
    lines = list(LineAssessment.objects.filter(case=case).order_by("index"))
    assert [(line.description, line.eligible, line.recommended) for line in lines] == [
        ("Prosjektleder", True, Decimal("200000")),
        ("Lærere", False, Decimal("0")),
    ]


def test_saving_without_completing_keeps_the_case_under_assessment_and_shows_what_was_saved(client, cast):
    case = h.impartial(cast, h.submitted_case(cast))
    login(client, cast.caseworker)
    response = post_assessment(client, case, complete=False, recommended_total="", justification="Halvferdig")
    assert response.status_code == 302
    assert response.url == reverse("case_assess", args=[case.pk])
    case.refresh_from_db()
    assert case.state == Case.State.ASSESSING
    assert case.recommended_total is None
    text = page(client.get(response.url))
    assert "Vurderingen er lagret." in text
    assert "Halvferdig" in text
    assert 'value="200 000"' in text  # line 0 as saved


def test_the_assessment_page_shows_the_facts_beside_each_condition_and_the_application(client, cast):
    case = h.impartial(cast, h.submitted_case(cast))
    DeadlineExtension.objects.create(
        call=case.call,
        organisation=case.application.organisation,
        deadline=case.call.application_deadline + dt.timedelta(days=7),
        reason="Sykdom",
        recorded_by=cast.caseworker,
    )
    login(client, cast.caseworker)
    text = page(client.get(reverse("case_assess", args=[case.pk])))
    assert "Søknaden har avtaler med alle fire typer: Arbeidsgiver, Opplæringskontor, NAV, Kommune." in text
    assert "Fylkeskommunen har erklært at budsjettet ikke dekker ordinær drift" in text
    assert "utsatt av IMDi fra" in text
    assert "Det er i tide." in text
    # the county's application as submitted, beside the form
    assert "Søknaden slik den ble sendt inn" in text
    assert "Samarbeid om fagbrev" in text
    # the total is proposed from the lines until the caseworker sets it
    assert re.search(r'name="recommended_total" value="1 250 000"', text)


def test_a_score_above_the_maximum_is_refused_and_what_was_typed_is_kept(client, cast):
    case = h.impartial(cast, h.submitted_case(cast))
    criterion = case.call.criteria.get()
    login(client, cast.caseworker)
    response = post_assessment(
        client, case, **{f"score_{criterion.pk}": "9", f"comment_{criterion.pk}": "Meget sterk modell"}
    )
    assert response.status_code == 200
    text = page(response)
    assert "Poeng for «Nasjonal overføringsverdi» må være mellom 0 og 6." in text
    assert 'class="alert alert-danger error-summary"' in text
    assert f'href="#id_score_{criterion.pk}"' in text
    assert 'value="9"' in text
    assert "Meget sterk modell" in text
    assert "Godt samarbeid og tydelig overføringsverdi." in text
    case.refresh_from_db()
    assert case.state == Case.State.ASSESSING
    assert not CriterionScore.objects.filter(case=case).exists()


def test_completing_with_parts_missing_is_refused_and_nothing_is_saved(client, cast):
    case = h.impartial(cast, h.submitted_case(cast))
    login(client, cast.caseworker)
    response = post_assessment(client, case, in_time_ok=None, justification="Skrevet før svaret på vilkåret")
    assert response.status_code == 200
    text = page(response)
    assert "Før vurderingen er ferdig, mangler: alle vilkårene." in text
    assert "Skrevet før svaret på vilkåret" in text
    case.refresh_from_db()
    assert case.state == Case.State.ASSESSING
    assert case.justification == ""


def test_a_line_recommended_above_what_was_requested_is_refused(client, cast):
    case = h.impartial(cast, h.submitted_case(cast))
    login(client, cast.caseworker)
    response = post_assessment(client, case, recommended_0="300 000")
    assert response.status_code == 200
    assert "Anbefalt beløp for «Prosjektleder» må være mellom 0 og det som er søkt (kr\xa0250\xa0000)." in page(
        response
    )
    assert 'value="300 000"' in page(response)
    assert not LineAssessment.objects.filter(case=case).exists()


def test_a_caseworker_who_is_not_assigned_cannot_assess(client, cast):
    case = h.impartial(cast, h.submitted_case(cast))
    login(client, cast.caseworker2)
    response = client.get(reverse("case_assess", args=[case.pk]))
    assert response.status_code == 200
    assert 'name="justification"' not in page(response)
    assert "Bare saksbehandleren som er tildelt saken, kan vurdere den." in page(response)

    response = post_assessment(client, case)
    assert response.status_code == 200
    assert "Bare saksbehandleren som er tildelt saken, kan vurdere den." in page(response)
    case.refresh_from_db()
    assert case.state == Case.State.ASSESSING
    assert case.justification == ""
    assert not CriterionScore.objects.filter(case=case).exists()
    assert not LineAssessment.objects.filter(case=case).exists()


def test_the_assigned_caseworker_must_declare_before_assessing(client, cast):
    case = h.assigned(cast, h.submitted_case(cast))
    login(client, cast.caseworker)
    response = client.get(reverse("case_assess", args=[case.pk]))
    assert "Erklær at du ikke er inhabil før du vurderer saken." in page(response)
    assert 'name="justification"' not in page(response)
    detail = page(client.get(reverse("case_detail", args=[case.pk])))
    assert reverse("case_declare", args=[case.pk]) in detail


def test_only_the_assigned_caseworker_declares_impartiality_and_others_may_record_a_conflict(client, cast):
    case = h.assigned(cast, h.submitted_case(cast))
    login(client, cast.caseworker2)
    response = client.get(reverse("case_declare", args=[case.pk]))
    assert "Jeg er ikke inhabil" not in page(response)
    assert "Saken er tildelt Carl Case." in page(response)
    response = client.post(reverse("case_declare", args=[case.pk]), {"disqualified": "False"})
    assert response.status_code == 200
    assert "Bare saksbehandleren som nettopp er tildelt saken, kan erklære seg habil." in page(response)
    assert not case.declarations.exists()
    # A colleague who would approve or handle an appeal records a conflict; the case stays with Carl.
    response = client.post(
        reverse("case_declare", args=[case.pk]), {"disqualified": "True", "reason": "Jeg er gift med prosjektlederen."}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == Case.State.ASSIGNED and case.assigned_to == cast.caseworker
    assert case.declarations.get().user == cast.caseworker2
    assert "Erklær meg inhabil" not in page(client.get(reverse("case_declare", args=[case.pk])))


def test_a_disqualified_caseworker_is_unassigned_and_cannot_be_assigned_again(client, cast):
    case = h.submitted_case(cast)
    login(client, cast.caseworker)
    client.post(reverse("case_assign", args=[case.pk]), {"assignee": cast.caseworker.pk})

    response = client.post(reverse("case_declare", args=[case.pk]), {"disqualified": "True", "reason": ""})
    assert response.status_code == 200
    assert "Skriv hvorfor du er inhabil." in page(response)
    assert not case.declarations.exists()

    response = client.post(
        reverse("case_declare", args=[case.pk]), {"disqualified": "True", "reason": "Søsteren min leder prosjektet."}
    )
    assert response.status_code == 302
    assert response.url == reverse("case_detail", args=[case.pk])
    case.refresh_from_db()
    assert (case.state, case.assigned_to) == (Case.State.RECEIVED, None)
    declaration = case.declarations.get()
    assert (declaration.user, declaration.disqualified) == (cast.caseworker, True)
    detail = page(client.get(response.url))
    assert "må tildeles en annen saksbehandler" in detail
    assert "Søsteren min leder prosjektet." in detail

    login(client, cast.caseworker2)
    response = client.post(reverse("case_assign", args=[case.pk]), {"assignee": cast.caseworker.pk})
    assert response.status_code == 200
    summary = page(response).split('class="alert alert-danger error-summary"', 1)[1].split("</div>", 1)[0]
    assert "inhabil" in summary  # the service's refusal, beside the field
    case.refresh_from_db()
    assert case.assigned_to is None
    assert client.post(reverse("case_assign", args=[case.pk]), {"assignee": cast.caseworker2.pk}).status_code == 302
    case.refresh_from_db()
    assert case.assigned_to == cast.caseworker2


def test_an_empty_assignment_is_shown_again_with_the_error(client, cast):
    case = quick_case(cast)
    login(client, cast.caseworker)
    response = client.post(reverse("case_assign", args=[case.pk]), {})
    assert response.status_code == 200
    assert "Velg saksbehandleren som skal ha saken." in page(response)
    assert 'href="#id_assignee"' in page(response)
    response = client.post(reverse("case_assign", args=[case.pk]), {"assignee": cast.auditor.pk})
    assert response.status_code == 200
    assert "Velg en saksbehandler i IMDi fra listen." in page(response)
    case.refresh_from_db()
    assert case.assigned_to is None


def test_the_case_page_links_onward_for_the_assigned_caseworker(client, cast):
    case = h.assessed(cast, h.submitted_case(cast))
    login(client, cast.caseworker)
    text = page(client.get(reverse("case_detail", args=[case.pk])))
    assert reverse("decision_propose", args=[case.pk]) in text
    assert reverse("allocation", args=[case.call_id]) in text
    assert reverse("case_assess", args=[case.pk]) in text
    login(client, cast.caseworker2)
    text = page(client.get(reverse("case_detail", args=[case.pk])))
    assert reverse("decision_propose", args=[case.pk]) not in text
    assert reverse("allocation", args=[case.call_id]) in text


def test_the_case_page_lists_decisions(client, cast):
    decision = h.decided(cast)
    login(client, cast.auditor)
    text = page(client.get(reverse("case_detail", args=[decision.case_id])))
    assert reverse("decision_detail", args=[decision.pk]) in text


# --- History ----------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["caseworker", "auditor"])
def test_every_step_is_in_the_case_history(client, cast, reader):
    case = h.submitted_case(cast)
    assign_declare_assess(client, cast, case)
    login(client, getattr(cast, reader))
    text = page(client.get(reverse("case_detail", args=[case.pk])))
    history = text.split('id="history-title"', 1)[1]
    positions = [
        history.find(str(action_label(action))) for action in ["case.assigned", "case.impartial", "case.assessed"]
    ]
    assert -1 not in positions, positions
    assert positions == sorted(positions)
    assert "Carl Case" in history
