"""Appeals against a dismissal (R15): the county files one with reasons and attachments, a late one
is received and marked late, a grant cannot be appealed; IMDi reverses its decision or forwards the
appeal to the ministry and records the outcome; attachments are only served to those who may see them."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from grants import services
from grants.models import Appeal, AppealAttachment, Case, Decision, Letter
from portal.models import AuditEvent
from tests import factories as f
from tests.conftest import assert_constant_queries, login
from tests.grants import helpers_cases as h

pytestmark = pytest.mark.django_db
REASONS = "Søknaden kom inn i tide; IMDi har lest feil dato."


def page(response) -> str:
    return html.unescape(response.content.decode())


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def create_url(decision: Decision) -> str:
    return reverse("appeal_create", args=[decision.case.application_id, decision.pk])


def view_url(decision: Decision) -> str:
    return reverse("decision_view", args=[decision.case.application_id, decision.pk])


def attachment_url(appeal: Appeal, attachment: AppealAttachment) -> str:
    return reverse("appeal_attachment", args=[appeal.case.application_id, appeal.pk, attachment.pk])


@pytest.fixture
def dismissal(cast):
    """County A's application dismissed, the letter issued."""
    decision = h.decided(cast, kind=Decision.Kind.DISMISSAL)
    h.issued(decision)
    return Decision.objects.select_related("case__application", "letter").get(pk=decision.pk)


def filed(cast, decision, *, files=()) -> Appeal:
    """An appeal filed through the service, with ``files`` (uploads) attached."""
    from portal.uploads import check_upload

    return services.appeal_file(
        actor=f.actor_for(cast.staff_a),
        decision_id=decision.pk,
        reasons=REASONS,
        files=[(upload, check_upload(upload)) for upload in files],
    )


# --- The county files an appeal ---------------------------------------------------------------


def test_the_dismissal_page_shows_the_deadline_and_the_way_to_appeal(client, cast, dismissal):
    login(client, cast.staff_a)
    body = page(client.get(view_url(dismissal)))
    deadline = dismissal.letter.appeal_deadline
    assert f"Klagefrist: {deadline:%d.%m.%Y}" in body
    assert f'href="{create_url(dismissal)}"' in body
    assert "<h1>Vedtak om avvisning</h1>" in body


def test_the_county_files_an_appeal_with_reasons_and_a_pdf(client, cast, dismissal):
    login(client, cast.staff_a)
    get = page(client.get(create_url(dismissal)))
    assert 'type="file"' in get and "multiple" in get and 'name="reasons"' in get
    content = f.TINY_PDF + b"klage"
    response = client.post(
        create_url(dismissal),
        {"reasons": REASONS, "attachments": [f.pdf_upload("klage.pdf", content), f.pdf_upload("vedlegg.pdf")]},
    )
    assert response.status_code == 302 and response["Location"] == view_url(dismissal)
    assert any("Klagen er mottatt av IMDi innen fristen" in m for m in message_texts(response))
    appeal = Appeal.objects.get(decision=dismissal)
    assert appeal.state == Appeal.State.RECEIVED and not appeal.is_late
    assert appeal.reasons == REASONS and appeal.filed_by == cast.staff_a
    assert appeal.deadline == dismissal.letter.appeal_deadline
    attachments = {a.original_name: a for a in appeal.attachments.all()}
    assert set(attachments) == {"klage.pdf", "vedlegg.pdf"}
    stored = attachments["klage.pdf"]
    assert stored.sha256 == hashlib.sha256(content).hexdigest() and stored.content_type == "application/pdf"
    with stored.file.open("rb") as saved:
        assert saved.read() == content
    assert Case.objects.get(pk=dismissal.case_id).state == Case.State.APPEALED

    body = page(client.get(view_url(dismissal)))
    assert "Klager på vedtaket" in body and "Mottatt" in body and "klage.pdf" in body
    assert f'href="{create_url(dismissal)}"' not in body, "one open appeal at a time"


def test_an_appeal_without_reasons_is_refused_in_words(client, cast, dismissal):
    login(client, cast.director_a)
    response = client.post(create_url(dismissal), {"reasons": "  "})
    assert response.status_code == 200
    body = page(response)
    assert "Skriv hvorfor dere klager." in body and 'href="#id_reasons"' in body
    assert not Appeal.objects.exists()


def test_a_file_that_is_not_what_it_says_is_refused_and_the_reasons_are_kept(client, cast, dismissal):
    login(client, cast.staff_a)
    fake = f.pdf_upload("klage.pdf", b"MZ this is not a PDF")
    response = client.post(create_url(dismissal), {"reasons": REASONS, "attachments": [fake]})
    assert response.status_code == 200
    body = page(response)
    assert "klage.pdf: Innholdet i filen stemmer ikke med filtypen .pdf" in body
    assert "Teksten dere skrev, er tatt vare på; velg filene på nytt." in body
    assert REASONS in body
    assert not Appeal.objects.exists()
    assert Case.objects.get(pk=dismissal.case_id).state == Case.State.DECIDED


def test_a_file_over_the_limit_is_stopped_and_the_reasons_are_kept(client, cast, dismissal, settings):
    settings.MAX_UPLOAD_MB = 1
    login(client, cast.staff_a)
    big = f.pdf_upload("stor.pdf", f.TINY_PDF + b"0" * (2 * 1024 * 1024))
    response = client.post(create_url(dismissal), {"reasons": REASONS, "attachments": [big]})
    assert response.wsgi_request.too_large_uploads == ["attachments"]
    assert response.status_code == 200
    body = page(response)
    assert "En av filene er for stor. Største tillatte størrelse er 1 MB per fil." in body
    assert REASONS in body
    assert not Appeal.objects.exists()


def test_a_late_appeal_is_marked_late_and_still_received(client, cast, dismissal):
    deadline = dismissal.letter.appeal_deadline
    with time_machine.travel(timezone.now() + dt.timedelta(weeks=5)):
        login(client, cast.staff_a)
        body = page(client.get(create_url(dismissal)))
        assert f"Klagefristen gikk ut {deadline:%d.%m.%Y}" in body and "§ 31" in body
        response = client.post(create_url(dismissal), {"reasons": REASONS})
        assert response.status_code == 302
        late = "Klagen kom etter klagefristen. IMDi vurderer om klagen likevel kan behandles (forvaltningsloven § 31)."
        assert any(late in m for m in message_texts(response))
        assert not any("likevel (forvaltningsloven § 31)" in m for m in message_texts(response))
        appeal = Appeal.objects.get(decision=dismissal)
        assert appeal.is_late and appeal.state == Appeal.State.RECEIVED
        assert Case.objects.get(pk=dismissal.case_id).state == Case.State.APPEALED
        assert f"Nei, kom etter fristen {deadline:%d.%m.%Y}" in page(client.get(view_url(dismissal)))


def test_a_grant_cannot_be_appealed(client, cast):
    grant = h.decided(cast)
    h.issued(grant)
    login(client, cast.director_a)
    get = client.get(create_url(grant))
    assert get.status_code == 200
    assert "Bare en avvisning kan påklages" in page(get) and 'name="reasons"' not in page(get)
    response = client.post(create_url(grant), {"reasons": REASONS})
    assert response.status_code == 200 and "Bare en avvisning kan påklages" in page(response)
    assert not Appeal.objects.exists()
    assert "Dere kan derfor ikke klage, jf. forvaltningsloven §§ 3 første ledd og 28." in page(
        client.get(view_url(grant))
    )


def test_imdi_reads_the_appeal_page_without_a_form_and_cannot_file(client, cast, dismissal):
    for who in ("caseworker", "auditor"):
        login(client, getattr(cast, who))
        response = client.get(create_url(dismissal))
        assert response.status_code == 200, who
        assert 'name="reasons"' not in page(response), who
        assert client.post(create_url(dismissal), {"reasons": REASONS}).status_code == 403, who
    assert not Appeal.objects.exists()


@pytest.mark.parametrize("who", ["staff_b", "director_b"])
def test_another_county_gets_404_on_the_appeal_page_and_its_attachments(client, cast, dismissal, who):
    appeal = filed(cast, dismissal, files=[f.pdf_upload("klage.pdf")])
    attachment = appeal.attachments.get()
    login(client, getattr(cast, who))
    assert client.get(attachment_url(appeal, attachment)).status_code == 404
    assert client.get(create_url(dismissal)).status_code == 404
    assert client.post(create_url(dismissal), {"reasons": REASONS}).status_code == 404


def test_an_attachment_is_served_with_its_type_and_name_to_the_county_and_imdi(client, cast, dismissal):
    content = f.TINY_PDF + b"bilag"
    appeal = filed(cast, dismissal, files=[f.pdf_upload("bilag 1.pdf", content)])
    attachment = appeal.attachments.get()
    for who in ("staff_a", "caseworker", "auditor"):
        login(client, getattr(cast, who))
        response = client.get(attachment_url(appeal, attachment))
        assert response.status_code == 200, who
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="bilag 1.pdf"'
        assert response["X-Content-Type-Options"] == "nosniff" and "no-store" in response["Cache-Control"]
        assert b"".join(response.streaming_content) == content


def test_an_attachment_is_only_found_under_its_own_appeal(client, cast, dismissal):
    appeal = filed(cast, dismissal, files=[f.pdf_upload("klage.pdf")])
    attachment = appeal.attachments.get()
    other = h.decided(cast, h.submitted_case(cast, organisation=cast.county_b), kind=Decision.Kind.DISMISSAL)
    login(client, cast.caseworker)
    wrong_application = reverse("appeal_attachment", args=[other.case.application_id, appeal.pk, attachment.pk])
    assert client.get(wrong_application).status_code == 404


# --- IMDi handles the appeal ------------------------------------------------------------------


def detail_url(appeal: Appeal) -> str:
    return reverse("appeal_detail", args=[appeal.pk])


def test_the_caseworker_sees_the_appeal_and_the_two_ways_forward(client, cast, dismissal):
    appeal = filed(cast, dismissal, files=[f.pdf_upload("klage.pdf")])
    login(client, cast.caseworker)
    body = page(client.get(detail_url(appeal)))
    assert REASONS in body and "Stine Stab" in body and "I tide" in body
    assert f'href="{attachment_url(appeal, appeal.attachments.get())}"' in body
    assert f'href="{reverse("decision_detail", args=[dismissal.pk])}"' in body
    assert "Omgjør vedtaket" in body and "nytt brev" in body and "Send til departementet" in body
    assert "Registrer departementets avgjørelse" not in body


def test_the_appeal_page_is_imdis(client, cast, dismissal):
    appeal = filed(cast, dismissal)
    login(client, cast.staff_a)
    assert client.get(detail_url(appeal)).status_code == 403
    login(client, cast.auditor)
    body = page(client.get(detail_url(appeal)))
    assert REASONS in body and "Omgjør vedtaket</button>" not in body and "Bare saksbehandlere" in body


def test_forwarding_without_a_cover_note_is_refused_in_words(client, cast, dismissal):
    appeal = filed(cast, dismissal)
    login(client, cast.caseworker)
    response = client.post(reverse("appeal_forward", args=[appeal.pk]), {"cover_note": ""})
    assert response.status_code == 200
    assert "Skriv oversendelsesbrevet til departementet." in page(response)
    assert Appeal.objects.get(pk=appeal.pk).state == Appeal.State.RECEIVED


def forward(client, cast, appeal) -> None:
    login(client, cast.caseworker)
    response = client.post(reverse("appeal_forward", args=[appeal.pk]), {"cover_note": "IMDi står ved vedtaket."})
    assert response.status_code == 302 and response["Location"] == detail_url(appeal)


def test_imdi_forwards_the_appeal_to_the_ministry(client, cast, dismissal):
    appeal = filed(cast, dismissal)
    forward(client, cast, appeal)
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.FORWARDED and appeal.cover_note == "IMDi står ved vedtaket."
    assert appeal.forwarded_by == cast.caseworker
    assert Case.objects.get(pk=dismissal.case_id).state == Case.State.FORWARDED
    body = page(client.get(detail_url(appeal)))
    assert "Registrer departementets avgjørelse" in body and "IMDi står ved vedtaket." in body
    assert 'action="{}"'.format(reverse("appeal_forward", args=[appeal.pk])) not in body


def outcome(client, appeal, upheld: str, decided_on: str = ""):
    decided_on = decided_on or f"{timezone.localdate():%d.%m.%Y}"
    return client.post(
        reverse("appeal_outcome", args=[appeal.pk]),
        {"upheld": upheld, "note": "Departementet har vurdert klagen.", "decided_on": decided_on},
    )


def test_the_ministry_upholds_the_dismissal_and_the_case_is_closed(client, cast, dismissal):
    appeal = filed(cast, dismissal)
    forward(client, cast, appeal)
    response = outcome(client, appeal, "upheld")
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.UPHELD and appeal.decided_on == timezone.localdate()
    assert Case.objects.get(pk=dismissal.case_id).state == Case.State.CLOSED
    assert Decision.objects.get(pk=dismissal.pk).reversed_at is None
    assert "Departementet opprettholdt avvisningen. Saken er avsluttet." in page(client.get(detail_url(appeal)))


def test_the_ministry_reverses_and_the_case_is_assessed_again(client, cast, dismissal):
    appeal = filed(cast, dismissal)
    forward(client, cast, appeal)
    assert outcome(client, appeal, "reversed").status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).state == Appeal.State.MINISTRY_REVERSED
    assert Case.objects.get(pk=dismissal.case_id).state == Case.State.ASSESSING
    assert Decision.objects.get(pk=dismissal.pk).reversed_at is not None


def test_an_outcome_needs_a_choice_and_a_date_not_in_the_future(client, cast, dismissal):
    appeal = filed(cast, dismissal)
    forward(client, cast, appeal)
    response = client.post(reverse("appeal_outcome", args=[appeal.pk]), {"note": "Avgjort."})
    assert response.status_code == 200
    body = page(response)
    assert "Velg hva departementet kom fram til." in body and 'href="#id_upheld_0"' in body
    assert "Avgjort." in body
    tomorrow = f"{timezone.localdate() + dt.timedelta(days=1):%d.%m.%Y}"
    assert "Datoen kan ikke være fram i tid." in page(outcome(client, appeal, "upheld", tomorrow))
    assert Appeal.objects.get(pk=appeal.pk).state == Appeal.State.FORWARDED


def test_an_outcome_before_forwarding_is_refused_in_words(client, cast, dismissal):
    appeal = filed(cast, dismissal)
    login(client, cast.caseworker)
    response = outcome(client, appeal, "upheld")
    assert response.status_code == 200 and "Klagen er ikke sendt departementet." in page(response)


def test_imdi_reverses_and_a_new_decision_gives_a_new_letter(client, cast, dismissal):
    appeal = filed(cast, dismissal)
    login(client, cast.caseworker)
    response = client.post(reverse("appeal_reverse", args=[appeal.pk]), {"reason": "Søknaden kom i tide."})
    assert response.status_code == 302
    assert response["Location"] == reverse("case_detail", args=[dismissal.case_id])
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.REVERSED and appeal.reversal_reason == "Søknaden kom i tide."
    case = Case.objects.get(pk=dismissal.case_id)
    assert case.state == Case.State.ASSESSING
    assert Decision.objects.get(pk=dismissal.pk).reversed_at is not None

    # The case is assessed again and a grant decided: a new decision, a new letter.
    services.assessment_save(
        actor=h.as_caseworker(cast),
        case_id=case.pk,
        conditions={"agreements_ok": True, "declaration_ok": True, "in_time_ok": True},
        conditions_note="",
        scores={c.pk: (5, "") for c in case.call.criteria.all()},
        lines=[],
        recommended_total=Decimal("500000"),
        justification="Vilkårene er oppfylt.",
        complete=True,
    )
    h.allocated(cast, case, "500000")
    proposal = services.decision_propose(
        actor=h.as_caseworker(cast),
        case_id=case.pk,
        kind=Decision.Kind.GRANT,
        granted=h.split(case, "500000"),
        **h.REASONS,
    )
    new = h.approved(cast, proposal)
    assert new.replaces_id == dismissal.pk
    letter = h.issued(Decision.objects.get(pk=new.pk))
    assert letter.reference != dismissal.letter.reference and letter.status == Letter.Status.READY
    assert letter.sha256 != dismissal.letter.sha256

    login(client, cast.director_a)
    assert "Vedtaket ble omgjort" in page(client.get(view_url(dismissal)))
    assert "Aksepter tilskuddet" in page(client.get(view_url(new)))


def test_reversing_without_a_reason_is_refused_in_words(client, cast, dismissal):
    appeal = filed(cast, dismissal)
    login(client, cast.caseworker)
    response = client.post(reverse("appeal_reverse", args=[appeal.pk]), {"reason": ""})
    assert response.status_code == 200 and "Skriv hvorfor vedtaket omgjøres." in page(response)
    assert Case.objects.get(pk=dismissal.case_id).state == Case.State.APPEALED


@pytest.mark.parametrize("name", ["appeal_reverse", "appeal_forward", "appeal_outcome"])
@pytest.mark.parametrize("who", ["auditor", "admin", "staff_a"])
def test_only_caseworkers_handle_an_appeal(client, cast, dismissal, name, who):
    appeal = filed(cast, dismissal)
    login(client, getattr(cast, who))
    data = {"reason": "x", "cover_note": "x", "upheld": "upheld", "note": "x", "decided_on": "01.01.2025"}
    assert client.post(reverse(name, args=[appeal.pk]), data).status_code == 403
    assert client.get(reverse(name, args=[appeal.pk])).status_code == 405
    assert Appeal.objects.get(pk=appeal.pk).state == Appeal.State.RECEIVED


def test_the_county_sees_the_appeal_steps_in_its_history(client, cast, dismissal):
    appeal = filed(cast, dismissal)
    forward(client, cast, appeal)
    login(client, cast.staff_a)
    actions = [e.action for e in client.get(view_url(dismissal)).context["events"]]
    assert "appeal.filed" in actions and "appeal.forwarded" in actions
    assert "decision.proposed" not in actions
    assert AuditEvent.objects.filter(action="appeal.forwarded", actor=cast.caseworker).count() == 1


def test_the_appeal_page_keeps_its_query_count_as_attachments_grow(client, cast, dismissal):
    appeal = filed(cast, dismissal)

    def add_rows(n):
        AppealAttachment.objects.bulk_create(
            AppealAttachment(
                appeal=appeal,
                file=f"klager/bilag-{i}.pdf",
                original_name=f"bilag-{i}.pdf",
                content_type="application/pdf",
                size=100,
                sha256="0" * 64,
                uploaded_by=cast.staff_a,
            )
            for i in range(n)
        )

    login(client, cast.caseworker)
    assert_constant_queries(client, detail_url(appeal), add_rows)


def test_the_decision_page_keeps_its_query_count_as_appeals_grow(client, cast, dismissal):
    """Each closed appeal and its attachments are listed on the county's page."""
    now = timezone.now()

    def add_rows(n):
        for _i in range(n):
            appeal = Appeal.objects.create(
                case=dismissal.case,
                decision=dismissal,
                state=Appeal.State.UPHELD,
                reasons=REASONS,
                filed_by=cast.staff_a,
                filed_at=now,
                deadline=now.date(),
            )
            AppealAttachment.objects.create(
                appeal=appeal,
                file="klager/bilag.pdf",
                original_name="bilag.pdf",
                content_type="application/pdf",
                size=100,
                sha256="0" * 64,
                uploaded_by=cast.staff_a,
            )

    login(client, cast.staff_a)
    assert_constant_queries(client, view_url(dismissal), add_rows)
