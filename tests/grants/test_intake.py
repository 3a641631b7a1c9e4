"""What came by e-mail or post (R4, R15): IMDi registers an application or an appeal with the document
as it came; it enters the same case and history as one sent through the portal, and the document is
read by IMDi and by the county that sent it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from grants import services
from grants.models import Appeal, Application, Case, Decision, IncomingDocument, Submission
from grants.services import intake
from portal.formats import OSLO
from portal.models import AuditEvent
from portal.uploads import check_upload
from tests import factories as f
from tests.conftest import login
from tests.grants import helpers_cases as h
from tests.grants.helpers_applications import as_user, error_summary, page

PDF = f.TINY_PDF


@pytest.fixture
def call(cast):
    return f.make_call(cast.scheme, eligible=[cast.county_a, cast.county_b])


def application_post(call, organisation, **changes) -> dict:
    first, last = call.cost_categories.order_by("order")
    data = {
        "organisation": organisation.pk,
        "title": "Fagbrev for voksne i Fylke B",
        f"amount_{first.pk}": "250 000",
        f"amount_{last.pk}": "1 000 000",
        "channel": "post",
        "received_on": (timezone.localdate() - dt.timedelta(days=2)).isoformat(),
        "dated": (timezone.localdate() - dt.timedelta(days=4)).isoformat(),
        "their_reference": "24/1234-5",
        "document": f.pdf_upload("soknad-fylke-b.pdf"),
    }
    data.update(changes)
    return data


def received(**changes) -> intake.Received:
    upload = f.pdf_upload("dokument.pdf")
    fields = {
        "channel": "email",
        "received_on": timezone.localdate(),
        "upload": upload,
        "checked": check_upload(upload),
    }
    fields.update(changes)
    return intake.Received(**fields)


def test_a_paper_application_enters_the_case_and_the_history_of_imdi_and_the_county(client, cast, call):
    login(client, cast.caseworker)
    assert reverse("intake_calls") in page(client.get(reverse("case_list")))
    assert reverse("intake_application", args=[call.pk]) in page(client.get(reverse("intake_calls")))
    response = client.post(reverse("intake_application", args=[call.pk]), application_post(call, cast.county_b))
    application = Application.objects.get(call=call, organisation=cast.county_b)
    case = Case.objects.get(application=application)
    assert response["Location"] == reverse("case_detail", args=[case.pk])

    assert application.state == Application.State.SUBMITTED
    assert application.reference == f"{call.year}-{application.pk:05d}"
    assert application.their_reference == "24/1234-5"
    assert [(line.category.order, line.amount) for line in application.budget_lines.order_by("category__order")] == [
        (1, 250000),
        (2, 1000000),
    ]
    submission = application.submissions.get()
    received_on = timezone.localdate() - dt.timedelta(days=2)
    assert submission.channel == "post"
    assert (submission.registered_by, submission.confirmed_by) == (cast.caseworker, None)
    assert submission.confirmed_at == dt.datetime.combine(received_on, dt.time.min, tzinfo=OSLO)
    assert submission.authority == "Registrert av IMDi: mottatt per post"
    assert (submission.late, submission.deadline) == (False, call.application_deadline)
    assert submission.snapshot["fields"]["title"] == "Fagbrev for voksne i Fylke B"
    assert submission.total == 1250000
    document = IncomingDocument.objects.get()
    assert (document.kind, document.channel, document.sender, document.application) == (
        "application",
        "post",
        cast.county_b,
        application,
    )
    assert document.received_on == received_on
    assert document.dated == timezone.localdate() - dt.timedelta(days=4)
    event = AuditEvent.objects.get(action="application.registered")
    assert (event.object_type, event.object_id) == ("grants.application", str(application.pk))
    assert event.changes["channel"] == "post"
    assert event.changes["received_on"] == received_on.isoformat()
    assert event.changes["sha256"] == document.sha256

    document_url = reverse("intake_document", args=[application.pk, document.pk])
    case_page = page(client.get(reverse("case_detail", args=[case.pk])))
    assert "Søknad mottatt per e-post eller post og registrert av IMDi" in case_page
    assert document_url in case_page
    assert "Registrert av IMDi: mottatt per post" in case_page
    assert client.get(document_url).getvalue() == PDF

    county = as_user(cast.staff_b)
    overview = page(county.get(reverse("application_detail", args=[application.pk])))
    assert "Søknad mottatt per e-post eller post og registrert av IMDi" in overview
    assert document_url in overview
    assert county.get(document_url).getvalue() == PDF
    assert as_user(cast.staff_a).get(document_url).status_code == 404


def test_a_paper_application_received_after_the_deadline_is_flagged_late(cast):
    call = f.make_call(cast.scheme, eligible=[cast.county_a], open_now=False)  # the deadline was yesterday
    application = services.application_register(
        actor=f.actor_for(cast.caseworker),
        call=call,
        organisation=cast.county_a,
        received=received(),
        title="For sent",
        budget={},
    )
    submission = application.submissions.get()
    assert (submission.late, submission.deadline) == (True, call.application_deadline)
    assert AuditEvent.objects.get(action="application.registered").changes["late"] is True
    imdi = as_user(cast.caseworker)
    assert "Kom etter fristen: mottatt" in page(imdi.get(reverse("case_detail", args=[application.case.pk])))


def test_an_ineligible_county_is_received_too_and_can_then_be_dismissed(cast, call):
    application = services.application_register(
        actor=f.actor_for(cast.caseworker),
        call=call,
        organisation=cast.county_c,
        received=received(),
        title="Fylke C søker",
        budget={},
    )
    assert application.state == Application.State.SUBMITTED
    assert Case.objects.get(application=application).state == Case.State.RECEIVED


def test_a_second_application_from_the_same_county_is_refused(client, cast, call):
    existing = f.make_application(call, cast.staff_b, complete=False)
    login(client, cast.caseworker)
    response = client.post(reverse("intake_application", args=[call.pk]), application_post(call, cast.county_b))
    assert response.status_code == 200
    assert "Fylke B har allerede en søknad på denne utlysningen" in error_summary(response)
    assert 'value="Fagbrev for voksne i Fylke B"' in response.content.decode()  # nothing typed is lost
    assert Application.objects.filter(call=call).get() == existing
    assert not IncomingDocument.objects.exists()
    assert not Submission.objects.exists()


def test_a_received_date_in_the_future_is_refused_and_the_answers_stay(client, cast, call):
    login(client, cast.caseworker)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("intake_application", args=[call.pk]), application_post(call, cast.county_b, received_on=tomorrow)
    )
    assert response.status_code == 200
    assert "Mottaksdatoen kan ikke være fram i tid." in error_summary(response)
    assert "velg filen på nytt" not in error_summary(response)
    assert 'value="24/1234-5"' in response.content.decode()
    assert not Application.objects.exists()


def test_the_upload_check_refuses_a_file_whose_content_is_not_what_its_name_says(client, cast, call):
    login(client, cast.caseworker)
    fake = f.pdf_upload("soknad.pdf", content=b"MZ\x90\x00 dette er ikke en PDF")
    response = client.post(
        reverse("intake_application", args=[call.pk]), application_post(call, cast.county_b, document=fake)
    )
    assert response.status_code == 200
    summary = error_summary(response)
    assert "Innholdet i filen stemmer ikke med filtypen .pdf." in summary
    assert "Det du skrev, er tatt vare på; velg filen på nytt." in summary
    assert not Application.objects.exists()
    assert not IncomingDocument.objects.exists()


def test_only_a_caseworker_registers(client, cast, call):
    for name in ("staff_a", "director_a", "admin", "auditor"):
        login(client, getattr(cast, name))
        assert (
            client.post(
                reverse("intake_application", args=[call.pk]), application_post(call, cast.county_b)
            ).status_code
            == 403
        )
    assert not Application.objects.exists()
    with pytest.raises(services.Refused):
        services.application_register(
            actor=f.actor_for(cast.staff_a),
            call=call,
            organisation=cast.county_a,
            received=received(),
            title="X",
            budget={},
        )


def test_the_stored_file_is_deleted_when_the_registration_fails(cast, call, monkeypatch):
    def fail(application):
        stored.update(set(default_storage.listdir("innkommende")[1]) - before)  # the file was stored
        raise RuntimeError("databasen svarte ikke")

    stored = set()

    monkeypatch.setattr(intake, "case_open", fail)
    before = set(default_storage.listdir("innkommende")[1]) if default_storage.exists("innkommende") else set()
    with pytest.raises(RuntimeError):
        services.application_register(
            actor=f.actor_for(cast.caseworker),
            call=call,
            organisation=cast.county_a,
            received=received(),
            title="Feiler",
            budget={},
        )
    after = set(default_storage.listdir("innkommende")[1]) if default_storage.exists("innkommende") else set()
    assert len(stored) == 1
    assert after == before
    assert not Application.objects.exists()


# --- An appeal --------------------------------------------------------------------------------


@pytest.fixture
def dismissal(cast, call):
    decision = h.decided(cast, h.submitted_case(cast, call=call), kind=Decision.Kind.DISMISSAL)
    h.issued(decision)
    decision.refresh_from_db()
    return decision


def test_a_paper_appeal_enters_the_case_and_the_history_of_imdi_and_the_county(client, cast, dismissal):
    case = dismissal.case
    login(client, cast.caseworker)
    url = reverse("intake_appeal", args=[dismissal.pk])
    assert url in page(client.get(reverse("case_detail", args=[case.pk])))
    assert url in page(client.get(reverse("decision_detail", args=[dismissal.pk])))
    response = client.post(
        url,
        {
            "channel": "email",
            "received_on": timezone.localdate().isoformat(),
            "their_reference": "24/1234-9",
            "reasons": "Fylket mener søknaden kom inn i tide.",
            "document": f.pdf_upload("klage.pdf"),
        },
    )
    appeal = Appeal.objects.get()
    assert response["Location"] == reverse("appeal_detail", args=[appeal.pk])
    assert (appeal.channel, appeal.registered_by, appeal.filed_by) == ("email", cast.caseworker, None)
    assert appeal.filed_at == dt.datetime.combine(timezone.localdate(), dt.time.min, tzinfo=OSLO)
    assert appeal.deadline == dismissal.letter.appeal_deadline
    assert appeal.is_late is False
    assert appeal.reasons == "Fylket mener søknaden kom inn i tide."
    case.refresh_from_db()
    assert case.state == Case.State.APPEALED
    document = IncomingDocument.objects.get()
    assert (document.kind, document.appeal, document.sender) == ("appeal", appeal, cast.county_a)
    event = AuditEvent.objects.get(action="appeal.registered")
    assert (event.object_type, event.object_id) == ("grants.application", str(case.application_id))
    assert (event.from_state, event.to_state) == ("decided", "appealed")
    assert event.changes["channel"] == "email"

    document_url = reverse("intake_document", args=[case.application_id, document.pk])
    case_page = page(client.get(reverse("case_detail", args=[case.pk])))
    assert "Klage mottatt per e-post eller post og registrert av IMDi" in case_page
    assert document_url in case_page
    assert client.get(document_url).getvalue() == PDF
    county = as_user(cast.staff_a)
    overview = page(county.get(reverse("application_detail", args=[case.application_id])))
    assert "Klage mottatt per e-post eller post og registrert av IMDi" in overview
    assert document_url in overview
    assert county.get(document_url).getvalue() == PDF


def test_a_paper_appeal_after_the_appeal_deadline_is_marked_late(cast, dismissal):
    deadline = dismissal.letter.appeal_deadline
    with_late = deadline + dt.timedelta(days=1)
    with time_machine.travel(dt.datetime.combine(with_late, dt.time(10), tzinfo=OSLO), tick=False):
        appeal = services.appeal_register(
            actor=f.actor_for(cast.caseworker),
            decision_id=dismissal.pk,
            received=received(received_on=with_late),
            reasons="For sent, men viktig.",
        )
    assert (appeal.is_late, appeal.deadline) == (True, deadline)


def test_an_appeal_is_not_registered_twice_nor_against_a_grant(client, cast, dismissal):
    services.appeal_register(
        actor=f.actor_for(cast.caseworker), decision_id=dismissal.pk, received=received(), reasons="Første."
    )
    login(client, cast.caseworker)
    response = client.get(reverse("intake_appeal", args=[dismissal.pk]))
    assert "Saken har allerede en klage" in page(response)
    assert 'name="reasons"' not in response.content.decode()
    grant = h.decided(cast, h.submitted_case(cast, call=f.make_call(cast.scheme, eligible=[cast.county_a])))
    with pytest.raises(services.Refused, match="Bare en avvisning kan påklages"):
        services.appeal_register(
            actor=f.actor_for(cast.caseworker), decision_id=grant.pk, received=received(), reasons="Nei."
        )
    assert Appeal.objects.count() == 1


def test_the_county_gets_a_receipt_of_its_paper_application(cast, call, mailoutbox):
    from grants import receipts

    application = services.application_register(
        actor=f.actor_for(cast.caseworker),
        call=call,
        organisation=cast.county_b,
        received=received(channel="post"),
        title="Per post",
        budget={call.cost_categories.first(): 5000},
    )
    submission = application.submissions.get()
    assert "Registrert av IMDi: mottatt per post" in receipts.receipt_html(submission)
    receipts.receipt_issue(submission.pk)
    submission.refresh_from_db()
    assert submission.receipt_status == Submission.ReceiptStatus.READY
    [message] = mailoutbox
    # Sent and confirmed by nobody in the portal: the county's official mailbox gets it (issue 13).
    assert message.to == [cast.county_b.letter_email]
    assert "Registrert av IMDi: mottatt per post" in message.body
