"""Who may start an application and who may see it: one per county and call, another county's
application does not exist for you, each role's list, and the lists' query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from grants import appeal_letters, services
from grants import urls as grants_urls
from grants.models import Application, Case, Decision, IncomingDocument, PartnerKind
from grants.sections import SECTIONS
from portal.uploads import check_upload
from tests import factories as f
from tests.conftest import count_queries, login
from tests.grants import helpers_cases as h
from tests.grants.helpers_applications import as_user, confirm, page, send

# --- 1. Starting an application ---------------------------------------------------------------


def test_county_outside_the_call_is_told_why_it_cannot_start_and_nothing_is_created(client, cast):
    login(client, cast.staff_c)
    url = reverse("application_start", args=[cast.call.pk])
    reason = (
        "Fylke C (ikke i forsøket) kan ikke søke på denne utlysningen. "
        "Bare fylkeskommunene som deltar i forsøket, kan søke."
    )

    response = client.get(url)
    assert response.status_code == 200
    assert reason in page(response)
    assert "Ingen søknad er opprettet." in page(response)
    assert "Start søknaden" not in page(response)

    response = client.post(url)
    assert response.status_code == 200
    assert reason in page(response)
    assert Application.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        # After the deadline a call still receives (late) applications until its year is over (R4).
        ({"open_now": False, "year": 2020}, "Søknadsfristen er ute, og utlysningen tar ikke lenger imot søknader."),
        ({"opens_at": timezone.now() + dt.timedelta(days=5)}, "Utlysningen er ikke åpnet ennå."),
    ],
    ids=["closed", "not-yet-open"],
)
def test_call_that_is_not_open_is_explained_and_starts_nothing(client, cast, fields, reason):
    call = f.make_call(cast.scheme, eligible=[cast.county_a], **fields)
    login(client, cast.staff_a)
    url = reverse("application_start", args=[call.pk])

    response = client.get(url)
    assert response.status_code == 200
    assert reason in page(response)

    response = client.post(url)
    assert response.status_code == 200
    assert reason in page(response)
    assert not Application.objects.filter(call=call).exists()


def test_eligible_staff_starts_and_a_colleague_is_led_to_the_same_application(client, cast):
    url = reverse("application_start", args=[cast.call.pk])
    login(client, cast.staff_a)
    response = client.get(url)
    assert "Fylke A kan søke." not in page(response)  # the start page explains what happens instead
    assert "Start søknaden" in page(response)

    response = client.post(url, follow=True)
    application = Application.objects.get()
    assert response.redirect_chain == [(reverse("application_detail", args=[application.pk]), 302)]
    assert "Søknaden er opprettet. Den lagres mens dere skriver." in page(response)
    assert (application.organisation, application.created_by, application.state) == (
        cast.county_a,
        cast.staff_a,
        Application.State.DRAFT,
    )

    colleague = as_user(cast.director_a)
    for method in ("get", "post"):
        response = getattr(colleague, method)(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("application_detail", args=[application.pk])
    assert Application.objects.count() == 1


def test_service_refuses_a_second_start_and_names_the_existing_application(cast):
    first = services.application_start(actor=f.actor_for(cast.staff_a), call=cast.call)
    with pytest.raises(services.AlreadyStarted) as refused:
        services.application_start(actor=f.actor_for(cast.director_a), call=cast.call)
    assert refused.value.application == first
    assert Application.objects.count() == 1


def test_database_refuses_two_applications_from_one_county_to_one_call(cast):
    Application.objects.create(call=cast.call, organisation=cast.county_a, created_by=cast.staff_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(call=cast.call, organisation=cast.county_a, created_by=cast.director_a)
    assert Application.objects.count() == 1
    # another county may apply to the same call
    Application.objects.create(call=cast.call, organisation=cast.county_b, created_by=cast.staff_b)
    assert Application.objects.count() == 2


# --- 2. Another county's application does not exist for you ----------------------------------

APPLICATION_URL_NAMES = {
    "application_detail",
    "application_section",
    "budget_totals",
    "application_agreements",
    "agreement_file",
    "agreement_remove",
    "application_review",
    "application_confirm",
    "application_return",
    "application_withdraw",
    "submission_detail",
    "submission_receipt",
    "decision_view",
    "letter_file",
    "decision_accept",
    "appeal_create",
    "appeal_attachment",
    "intake_document",
    "appeal_letter_file",
}
# The methods each view takes; any other method is 405 before the application is looked up.
ONLY = {
    "application_detail": {"GET"},
    "budget_totals": {"POST"},
    "agreement_file": {"GET"},
    "agreement_remove": {"POST"},
    "application_return": {"POST"},
    "application_withdraw": {"POST"},
    "submission_detail": {"GET"},
    "submission_receipt": {"GET"},
    "decision_view": {"GET"},
    "letter_file": {"GET"},
    "decision_accept": {"POST"},
    "appeal_attachment": {"GET"},
    "intake_document": {"GET"},
    "appeal_letter_file": {"GET"},
}


def application_patterns():
    return [
        p for p in grants_urls.urlpatterns if "<int:pk>" in str(p.pattern) and str(p.pattern).startswith("soknader/")
    ]


def application_urls(application) -> list[tuple[str, str]]:
    """Every URL of ``application`` and its files: each section, the first agreement, version 1, and
    IMDi's decision with its letter, appeal and the appeal's attachment (see ``walked``)."""
    agreement = application.agreements.first()
    decision = application.case.decisions.get()
    appeal = decision.appeals.get()
    urls = []
    for pattern in application_patterns():
        route = str(pattern.pattern)
        kwargs = {"pk": application.pk}
        if "<int:agreement_pk>" in route:
            kwargs["agreement_pk"] = agreement.pk
        if "<int:number>" in route:
            kwargs["number"] = 1
        if "<int:decision_pk>" in route:
            kwargs["decision_pk"] = decision.pk
        if "<int:appeal_pk>" in route:
            kwargs.update(appeal_pk=appeal.pk, attachment_pk=appeal.attachments.get().pk)
        if "<int:letter_pk>" in route:
            kwargs["letter_pk"] = appeal.letters.get().pk
        if "<int:document_pk>" in route:
            kwargs["document_pk"] = IncomingDocument.objects.get(appeal=appeal).pk
        if "<slug:section>" in route:
            urls += [(pattern.name, reverse(pattern.name, kwargs={**kwargs, "section": s.slug})) for s in SECTIONS]
        else:
            urls.append((pattern.name, reverse(pattern.name, kwargs=kwargs)))
    return urls


@pytest.fixture
def walked(cast, submitted):
    """County A's submitted application, dismissed by IMDi (letter issued) and appealed with an attachment."""
    decision = h.decided(cast, Case.objects.get(application=submitted), kind=Decision.Kind.DISMISSAL)
    h.issued(decision)
    upload = f.pdf_upload("klage.pdf")
    appeal = services.appeal_file(
        actor=f.actor_for(cast.staff_a),
        decision_id=decision.pk,
        reasons="Vi klager.",
        files=[(upload, check_upload(upload))],
    )
    # The same appeal also came by e-mail: IMDi registered the e-mail as it came.
    document = IncomingDocument(
        kind="appeal", channel="email", sender=cast.county_a, received_on=timezone.localdate(), appeal=appeal
    )
    upload = f.pdf_upload("klage-epost.pdf")
    document.attach(upload, check_upload(upload), by=cast.caseworker)
    document.save()
    # IMDi forwarded it to the ministry: the county has a copy of the forwarding letter.
    services.appeal_forward(actor=f.actor_for(cast.caseworker), appeal_id=appeal.pk, cover_note="IMDi står ved det.")
    appeal_letters.appeal_letter_issue(appeal.letters.get().pk)
    return submitted


def test_the_walk_covers_every_url_of_an_application():
    """A new URL that takes an application's pk must be added to the 404 walk below."""
    assert {p.name for p in application_patterns()} == APPLICATION_URL_NAMES


def test_applicant_county_reaches_every_url_the_walk_asks(client, cast, walked):
    """The control for the walk: the same URLs exist for the county that owns the application."""
    login(client, cast.staff_a)
    for name, url in application_urls(walked):
        if "GET" in ONLY.get(name, {"GET"}):
            assert client.get(url).status_code in (200, 302), url


@pytest.mark.parametrize("outsider", ["staff_b", "director_b"])
def test_staff_of_another_county_get_404_on_every_url_of_the_application(client, cast, walked, outsider):
    submitted = walked
    login(client, getattr(cast, outsider))
    reference = submitted.reference
    seen = []
    for name, url in application_urls(submitted):
        for method in ("GET", "POST"):
            response = client.generic(method, url)
            expected = 404 if method in ONLY.get(name, {"GET", "POST"}) else 405
            seen.append((method, url, response.status_code))
            assert response.status_code == expected, (method, url, response.status_code)
            body = page(response)
            assert submitted.title not in body and reference not in body and "Fylke A" not in body, (method, url)
            assert "Content-Disposition" not in response
    assert len(seen) == 2 * (len(APPLICATION_URL_NAMES) + len(SECTIONS) - 1)
    # nothing the outsider posted changed the application
    submitted.refresh_from_db()
    assert submitted.state == Application.State.SUBMITTED
    assert submitted.submissions.get().withdrawn_at is None
    assert submitted.active_agreements().count() == len(PartnerKind)


# --- 12. Lists keep their query count ---------------------------------------------------------


def assert_constant_queries_on(client, urls: list[str], add_rows, *, small: int = 1, large: int = 50) -> dict:
    """Like conftest.assert_constant_queries, for several pages over the same rows."""
    add_rows(small)
    first = {url: count_queries(client, url) for url in urls}
    add_rows(large - small)
    second = {url: count_queries(client, url) for url in urls}
    assert first == second, f"queries with {small} rows: {first}; with {large}: {second}"
    return second


def test_county_list_and_dashboard_keep_their_query_count_with_many_applications(client, cast):
    def add(n):
        for _ in range(n):
            call = f.make_call(cast.scheme, eligible=[cast.county_a])
            f.make_application(call, cast.staff_a, complete=False)

    login(client, cast.staff_a)
    assert_constant_queries_on(client, [reverse("application_list"), reverse("dashboard")], add)
    assert Application.objects.filter(organisation=cast.county_a).count() == 50
    assert page(client.get(reverse("application_list"))).count("(uten navn)") == 50


def test_director_dashboard_keeps_its_query_count_with_many_applications_to_confirm(client, cast):
    def add(n):
        for _ in range(n):
            call = f.make_call(cast.scheme, eligible=[cast.county_a])
            send(f.make_application(call, cast.staff_a), cast.staff_a)

    login(client, cast.director_a)
    assert_constant_queries_on(client, [reverse("dashboard"), reverse("application_list")], add)


def test_caseworker_list_and_dashboard_keep_their_query_count_with_many_submitted(client, cast):
    def add(n):
        for _ in range(n):
            call = f.make_call(cast.scheme, eligible=[cast.county_a])
            application = f.make_application(call, cast.staff_a)
            send(application, cast.staff_a)
            confirm(application, cast.director_a)  # the receipt is not needed on the list

    login(client, cast.caseworker)
    assert_constant_queries_on(client, [reverse("application_list"), reverse("dashboard")], add)
    assert Application.objects.filter(state=Application.State.SUBMITTED).count() == 50
