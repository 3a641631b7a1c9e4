"""A county's application, from start to submission: who may start it and see it, the deadline and
IMDi's extensions, confirming by director or fullmakt, returning, concurrent edits, uploads, sending,
the submitted versions and receipts, withdrawing, the history, the live budget totals and the query
counts of the lists."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from grants import services
from grants import urls as grants_urls
from grants.models import Application, BudgetLine, CooperationAgreement, DeadlineExtension, PartnerKind, Submission
from grants.sections import SECTIONS
from portal.models import AuditEvent, Role
from tests import factories as f
from tests.conftest import count_queries, login

NBSP = "\u00a0"
CONFIRM = {"confirm": "on"}


# --- Helpers ----------------------------------------------------------------------------------


def page(response) -> str:
    """The page as the user reads it: entities decoded."""
    return html.unescape(response.content.decode())


def input_tag(response, name: str) -> str:
    match = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', response.content.decode())
    assert match, f"no input named {name!r} on the page"
    return match.group(0)


def input_value(response, name: str) -> str:
    match = re.search(r'\bvalue="([^"]*)"', input_tag(response, name))
    return html.unescape(match.group(1)) if match else ""


def form_version(response) -> int:
    """The version the re-rendered section form carries (the hidden input the next save posts)."""
    return int(input_value(response, "version"))


def error_summary(response) -> str:
    match = re.search(r'<div class="alert alert-danger error-summary".*?</div>', response.content.decode(), re.S)
    assert match, "the page has no error summary"
    return html.unescape(match.group(0))


class FormFields(HTMLParser):
    """What a browser would post from the form with ``form_id``, as the page shows it."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.data, self.select, self.textarea = form_id, False, {}, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data[a["name"]] = a.get("value") or "on"
            elif kind not in ("submit", "button", "file"):
                self.data[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self.select = [a["name"], ""]
        elif tag == "option" and self.select is not None and "selected" in a:
            self.select[1] = a.get("value") or ""
        elif tag == "textarea":
            self.textarea = [a["name"], ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            self.data[self.select[0]] = self.select[1]
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            self.data[name] = text.removeprefix("\n")
            self.textarea = None


def form_data(response, form_id: str = "section-form") -> dict:
    parser = FormFields(form_id)
    parser.feed(response.content.decode())
    return parser.data


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M")


def past_deadline(call, minutes: int = 1):
    return time_machine.travel(call.application_deadline + dt.timedelta(minutes=minutes), tick=False)


def as_user(user) -> Client:
    return login(Client(), user)


def send(application, user):
    return services.application_send(actor=f.actor_for(user, application.organisation), application_id=application.pk)


def confirm(application, user):
    return services.application_confirm(
        actor=f.actor_for(user, application.organisation), application_id=application.pk
    )


def project_data(version: int, **overrides) -> dict:
    data = {
        key: ("" if value is None else value.isoformat() if isinstance(value, dt.date) else str(value))
        for key, value in f.COMPLETE_ANSWERS["prosjekt"].items()
    }
    data.update(version=str(version), **overrides)
    return data


def section_url(application, slug: str) -> str:
    return reverse("application_section", args=[application.pk, slug])


def expired_delegate(cast):
    """A member of county A's staff whose fullmakt from the director ended yesterday."""
    user = f.make_user(name="Una Utløpt", roles=[(cast.county_a, Role.COUNTY_STAFF)])
    f.make_delegation(grantor=cast.director_a, grantee=user, organisation=cast.county_a, days_from=-30, days_to=-1)
    return user


@pytest.fixture
def draft(cast):
    """County A's complete draft to cast.call, not yet sent."""
    return f.make_application(cast.call, cast.staff_a)


@pytest.fixture
def awaiting(cast, draft):
    """County A's complete application, sent by staff_a and waiting for confirmation."""
    send(draft, cast.staff_a)
    draft.refresh_from_db()
    return draft


@pytest.fixture
def submitted(cast, draft):
    """County A's application, sent by staff_a and confirmed by the director; the receipt is made."""
    f.submit(draft, sender=cast.staff_a, confirmer=cast.director_a)
    draft.refresh_from_db()
    return draft


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
        ({"open_now": False}, "Søknadsfristen er ute."),
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
}


def application_patterns():
    return [
        p for p in grants_urls.urlpatterns if "<int:pk>" in str(p.pattern) and str(p.pattern).startswith("soknader/")
    ]


def application_urls(application) -> list[tuple[str, str]]:
    """Every URL of ``application`` and its files: each section, the first agreement, version 1."""
    agreement = application.agreements.first()
    urls = []
    for pattern in application_patterns():
        route = str(pattern.pattern)
        kwargs = {"pk": application.pk}
        if "<int:agreement_pk>" in route:
            kwargs["agreement_pk"] = agreement.pk
        if "<int:number>" in route:
            kwargs["number"] = 1
        if "<slug:section>" in route:
            urls += [(pattern.name, reverse(pattern.name, kwargs={**kwargs, "section": s.slug})) for s in SECTIONS]
        else:
            urls.append((pattern.name, reverse(pattern.name, kwargs=kwargs)))
    return urls


def test_the_walk_covers_every_url_of_an_application():
    """A new URL that takes an application's pk must be added to the 404 walk below."""
    assert {p.name for p in application_patterns()} == APPLICATION_URL_NAMES


def test_applicant_county_reaches_every_url_the_walk_asks(client, cast, submitted):
    """The control for the walk: the same URLs exist for the county that owns the application."""
    login(client, cast.staff_a)
    for name, url in application_urls(submitted):
        if "GET" in ONLY.get(name, {"GET"}):
            assert client.get(url).status_code in (200, 302), url


@pytest.mark.parametrize("outsider", ["staff_b", "director_b"])
def test_staff_of_another_county_get_404_on_every_url_of_the_application(client, cast, submitted, outsider):
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


# --- 3. The deadline and IMDi's extensions ----------------------------------------------------


def test_confirming_after_the_deadline_is_refused_until_imdi_records_an_extension(client, cast, awaiting):
    call = cast.call
    url = reverse("application_confirm", args=[awaiting.pk])
    refusal = f"Søknadsfristen gikk ut {local(call.application_deadline)}, og IMDi har ikke gitt utsatt frist."
    with past_deadline(call):
        login(client, cast.director_a)
        response = client.get(url)
        assert response.status_code == 200
        assert refusal in page(response)
        assert "Bekreft og send inn til IMDi" not in page(response)

        response = client.post(url, CONFIRM)
        assert response.status_code == 200
        assert refusal in page(response)
        awaiting.refresh_from_db()
        assert awaiting.state == Application.State.AWAITING_CONFIRMATION
        assert awaiting.reference == ""
        assert not Submission.objects.exists()

        caseworker = as_user(cast.caseworker)
        new_deadline = timezone.localtime(call.application_deadline + dt.timedelta(days=3))
        response = caseworker.post(
            reverse("extension_create", args=[call.pk]),
            {
                "organisation": cast.county_a.pk,
                "deadline": new_deadline.strftime("%Y-%m-%dT%H:%M"),
                "reason": "Sykdom i prosjektledelsen.",
            },
            follow=True,
        )
        assert response.redirect_chain == [(reverse("extension_create", args=[call.pk]), 302)]
        assert "Utsatt frist for Fylke A er registrert." in page(response)
        extension = DeadlineExtension.objects.get()
        assert (extension.organisation, extension.recorded_by) == (cast.county_a, cast.caseworker)
        assert local(extension.deadline) == new_deadline.strftime("%d.%m.%Y %H:%M")

        response = client.get(url)
        assert "Du bekrefter som fylkeskommunedirektør." in page(response)
        response = client.post(url, CONFIRM)
        assert response.status_code == 302
        assert response["Location"] == reverse("submission_detail", args=[awaiting.pk, 1])

    awaiting.refresh_from_db()
    assert awaiting.state == Application.State.SUBMITTED
    assert awaiting.reference == f"{call.year}-{awaiting.pk:05d}"
    submission = awaiting.submissions.get()
    assert submission.authority == "som fylkeskommunedirektør"
    assert submission.confirmed_by == cast.director_a


def test_an_extension_for_one_county_does_not_open_the_deadline_for_another(cast):
    application_b = f.make_application(cast.call, cast.staff_b)
    send(application_b, cast.staff_b)
    with past_deadline(cast.call):
        services.extension_record(
            actor=f.actor_for(cast.caseworker),
            call=cast.call,
            organisation=cast.county_a,
            deadline=cast.call.application_deadline + dt.timedelta(days=3),
            reason="Gjelder bare Fylke A.",
        )
        with pytest.raises(services.Refused, match="IMDi har ikke gitt utsatt frist"):
            confirm(application_b, cast.director_b)
    application_b.refresh_from_db()
    assert application_b.state == Application.State.AWAITING_CONFIRMATION


@pytest.mark.parametrize("name", ["staff_a", "director_a", "auditor", "admin"])
def test_only_a_caseworker_may_record_an_extension(client, cast, name):
    login(client, getattr(cast, name))
    url = reverse("extension_create", args=[cast.call.pk])
    deadline = timezone.localtime(cast.call.application_deadline + dt.timedelta(days=3))
    assert client.get(url).status_code == 403
    response = client.post(
        url, {"organisation": cast.county_a.pk, "deadline": deadline.strftime("%Y-%m-%dT%H:%M"), "reason": "Nei."}
    )
    assert response.status_code == 403
    assert not DeadlineExtension.objects.exists()


def test_extension_before_the_calls_deadline_is_refused_with_a_message(client, cast):
    login(client, cast.caseworker)
    earlier = timezone.localtime(cast.call.application_deadline - dt.timedelta(days=1))
    response = client.post(
        reverse("extension_create", args=[cast.call.pk]),
        {"organisation": cast.county_a.pk, "deadline": earlier.strftime("%Y-%m-%dT%H:%M"), "reason": "For tidlig."},
    )
    assert response.status_code == 200
    assert "Den nye fristen må være etter utlysningens søknadsfrist." in error_summary(response)
    assert not DeadlineExtension.objects.exists()


def test_extension_appears_in_the_applications_history_and_deadline(client, cast, draft):
    login(client, cast.caseworker)
    new_deadline = timezone.localtime(cast.call.application_deadline + dt.timedelta(days=3))
    client.post(
        reverse("extension_create", args=[cast.call.pk]),
        {
            "organisation": cast.county_a.pk,
            "deadline": new_deadline.strftime("%Y-%m-%dT%H:%M"),
            "reason": "Sykdom i prosjektledelsen.",
        },
    )
    event = AuditEvent.objects.get(action="application.deadline_extended")
    assert (event.object_type, event.object_id) == ("grants.application", str(draft.pk))

    county = as_user(cast.staff_a)
    body = page(county.get(reverse("application_detail", args=[draft.pk])))
    assert "Utsatt søknadsfrist registrert" in body
    assert f"{new_deadline.strftime('%d.%m.%Y %H:%M')} (utsatt av IMDi)" in body


# --- 4. Who may confirm, and returning --------------------------------------------------------


def test_delegate_with_valid_fullmakt_confirms_by_that_authority(client, cast, awaiting):
    login(client, cast.delegate_a)
    url = reverse("application_confirm", args=[awaiting.pk])
    assert "Du bekrefter etter fullmakt fra Dag Direktør." in page(client.get(url))  # the page is in bokmål

    response = client.post(url, CONFIRM, follow=True)
    assert response.redirect_chain == [(reverse("submission_detail", args=[awaiting.pk, 1]), 302)]
    awaiting.refresh_from_db()
    assert awaiting.state == Application.State.SUBMITTED
    submission = awaiting.submissions.get()
    # What was submitted is recorded in the county's written standard: Fylke A writes nynorsk.
    assert submission.authority == "etter fullmakt frå Dag Direktør"
    assert submission.confirmed_by == cast.delegate_a
    assert f"Søknaden er bekreftet og sendt inn til IMDi med referanse {awaiting.reference}." in page(response)
    assert "Frida Fullmakt, etter fullmakt frå Dag Direktør" in page(response)


def test_delegate_of_a_bokmal_county_confirms_etter_fullmakt_fra(client, cast):
    delegate = f.make_user(name="Bo Bokmål", roles=[(cast.county_b, Role.COUNTY_STAFF)])
    f.make_delegation(grantor=cast.director_b, grantee=delegate, organisation=cast.county_b)
    application = f.make_application(cast.call, cast.staff_b)
    send(application, cast.staff_b)
    login(client, delegate)
    response = client.post(reverse("application_confirm", args=[application.pk]), CONFIRM)
    assert response.status_code == 302
    assert application.submissions.get().authority == "etter fullmakt fra Berit B"


@pytest.mark.parametrize("who", ["expired_delegate", "staff_a"])
def test_member_without_a_valid_fullmakt_cannot_confirm_and_is_told_why(client, cast, awaiting, who):
    user = expired_delegate(cast) if who == "expired_delegate" else cast.staff_a
    login(client, user)
    url = reverse("application_confirm", args=[awaiting.pk])
    reason = "Bare fylkeskommunedirektøren eller den som har gyldig fullmakt fra direktøren, kan bekrefte søknaden."

    response = client.get(url)
    assert response.status_code == 200
    assert reason in page(response)
    assert "Bekreft og send inn til IMDi" not in page(response)
    assert "Send tilbake for retting" not in page(response)

    response = client.post(url, CONFIRM)
    assert response.status_code == 200
    assert reason in page(response)
    awaiting.refresh_from_db()
    assert awaiting.state == Application.State.AWAITING_CONFIRMATION
    assert not Submission.objects.exists()

    response = client.post(reverse("application_return", args=[awaiting.pk]), {"reason": "Ikke min sak."})
    awaiting.refresh_from_db()
    assert awaiting.state == Application.State.AWAITING_CONFIRMATION


def test_director_returns_the_application_with_a_reason_and_the_sender_is_told(
    client, cast, awaiting, django_capture_on_commit_callbacks
):
    login(client, cast.director_a)
    reason = "Budsjettet må fordeles på riktige kategorier."
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("application_return", args=[awaiting.pk]), {"reason": reason}, follow=True)
    assert response.redirect_chain == [(reverse("application_detail", args=[awaiting.pk]), 302)]
    assert "Søknaden er sendt tilbake og kan endres igjen." in page(response)

    awaiting.refresh_from_db()
    assert awaiting.state == Application.State.DRAFT
    assert awaiting.returned_reason == reason

    assert [m.to for m in mail.outbox] == [[cast.staff_a.email]]
    assert reason in mail.outbox[0].body

    county = as_user(cast.staff_a)
    body = page(county.get(reverse("application_detail", args=[awaiting.pk])))
    assert "Søknaden ble sendt tilbake for retting" in body
    assert reason in body
    # editable again
    response = county.get(section_url(awaiting, "prosjekt"))
    assert response.status_code == 200
    response = county.post(
        section_url(awaiting, "prosjekt"), project_data(awaiting.versions["prosjekt"], title="Rettet tittel")
    )
    assert response.status_code == 302
    awaiting.refresh_from_db()
    assert awaiting.title == "Rettet tittel"


def test_return_without_a_reason_shows_an_error_and_changes_nothing(
    client, cast, awaiting, django_capture_on_commit_callbacks
):
    login(client, cast.director_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("application_return", args=[awaiting.pk]), {"reason": "  "})
    assert response.status_code == 200
    assert "Hva må rettes?" in error_summary(response)
    awaiting.refresh_from_db()
    assert awaiting.state == Application.State.AWAITING_CONFIRMATION
    assert mail.outbox == []


# --- 5. Two colleagues saving the same section ------------------------------------------------


def test_stale_save_is_refused_and_both_versions_are_shown_so_nothing_is_lost(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    url = section_url(application, "prosjekt")
    stine = login(client, cast.staff_a)
    frida = as_user(cast.delegate_a)
    assert form_version(stine.get(url)) == 0
    assert form_version(frida.get(url)) == 0

    response = stine.post(url, project_data(0, title="Stines tittel"))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.title == "Stines tittel"

    response = frida.post(url, project_data(0, title="Fridas tittel"))
    assert response.status_code == 200
    body = page(response)
    assert "Stine Stab lagret denne delen av søknaden etter at du åpnet den. Det du skrev, er ikke lagret ennå" in body
    assert "Stines tittel" in body  # the colleague's saved version
    assert input_value(response, "title") == "Fridas tittel"  # what Frida typed, still in the form
    application.refresh_from_db()
    assert application.title == "Stines tittel"
    assert application.versions["prosjekt"] == 1

    version = form_version(response)
    assert version == 1
    response = frida.post(url, project_data(version, title="Fridas tittel"))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.title == "Fridas tittel"
    assert application.versions["prosjekt"] == 2


def test_stale_autosave_says_not_saved_and_leaves_the_saved_answer(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    url = section_url(application, "prosjekt")
    stine = login(client, cast.staff_a)
    frida = as_user(cast.delegate_a)

    response = stine.post(url, project_data(0, title="Stines tittel", autosave="1"))
    assert response.status_code == 200
    assert "Lagret automatisk kl." in page(response)
    assert input_value(response, "version") == "1"  # the page's hidden input moves on

    response = frida.post(url, project_data(0, title="Fridas tittel", autosave="1"))
    assert response.status_code == 200
    assert "Ikke lagret: en kollega har lagret denne delen etter at du åpnet den." in page(response)
    application.refresh_from_db()
    assert application.title == "Stines tittel"
    assert application.versions["prosjekt"] == 1


# --- 6. Uploads that are refused --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("avtale.pdf", b"Dette er bare tekst, ikke en PDF.\n", "Innholdet i filen stemmer ikke med filtypen .pdf."),
        ("avtale.exe", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "Denne filtypen er ikke tillatt."),
        ("stor.pdf", f.TINY_PDF + b"0" * (1024 * 1024), "Største tillatte størrelse er 1 MB."),
    ],
    ids=["text-named-pdf", "exe", "too-large"],
)
def test_refused_upload_keeps_what_was_typed_and_stores_nothing(client, cast, settings, name, content, message):
    settings.MAX_UPLOAD_MB = 1
    application = f.make_application(cast.call, cast.staff_a)
    before = services.build_snapshot(application)
    agreements_before = CooperationAgreement.objects.count()
    login(client, cast.staff_a)

    response = client.post(
        reverse("application_agreements", args=[application.pk]),
        {"partner_kind": "nav", "partner_name": "NAV Vestland", "file": f.pdf_upload(name, content)},
    )
    assert response.status_code == 200
    summary = error_summary(response)
    assert message in summary
    assert "Svarene dine er tatt vare på; velg filen på nytt." in summary
    assert input_value(response, "partner_name") == "NAV Vestland"
    assert re.search(r'<option value="nav"[^>]*\bselected\b', response.content.decode())
    assert CooperationAgreement.objects.count() == agreements_before
    assert not CooperationAgreement.objects.filter(partner_name="NAV Vestland").exists()
    application.refresh_from_db()
    assert services.build_snapshot(application) == before


def test_accepted_upload_is_stored_with_its_checksum(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    login(client, cast.staff_a)
    response = client.post(
        reverse("application_agreements", args=[application.pk]),
        {"partner_kind": "nav", "partner_name": "NAV Vestland", "file": f.pdf_upload("Avtale NAV.pdf")},
        follow=True,
    )
    assert "Avtalen med NAV Vestland er lastet opp (Avtale NAV.pdf)." in page(response)
    agreement = CooperationAgreement.objects.get(application=application)
    assert (agreement.partner_kind, agreement.content_type, agreement.size) == (
        "nav",
        "application/pdf",
        len(f.TINY_PDF),
    )


# --- 7. Sending for confirmation --------------------------------------------------------------


def test_incomplete_application_cannot_be_sent_and_the_review_links_to_what_is_missing(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    login(client, cast.staff_a)
    url = reverse("application_review", args=[application.pk])

    body = page(client.get(url))
    assert "Dette mangler før søknaden kan sendes" in body
    links = re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', error_summary(client.get(url)))
    by_target = {href: html.unescape(text) for href, text in links}
    project, budget = section_url(application, "prosjekt"), section_url(application, "budsjett")
    agreements = reverse("application_agreements", args=[application.pk])
    assert by_target[f"{project}?kontroll=1#id_title"].lower() == "prosjektets navn mangler."
    assert by_target[f"{project}?kontroll=1#id_period_end"].lower() == "prosjektslutt mangler."
    assert by_target[f"{budget}?kontroll=1#id_lines-0-amount"] == "Budsjettet har ingen beløp."
    assert f"{section_url(application, 'kontakt')}?kontroll=1#id_contact_email" in by_target
    assert [href for href, _ in links].count(f"{agreements}#id_partner_kind") == len(PartnerKind)
    # the link leads to the field, and the section page shows the same message beside it
    section = client.get(f"{project}?kontroll=1")
    assert 'id="id_title"' in section.content.decode()
    assert "mangler." in error_summary(section)

    response = client.post(url)
    assert response.status_code == 200
    assert "Søknaden kan ikke sendes før alt som mangler, er fylt ut." in page(response)
    application.refresh_from_db()
    assert application.state == Application.State.DRAFT
    assert application.sent_at is None


def test_what_is_missing_reads_as_sentences_and_keeps_the_name_nav(client, cast):
    """Each item of the list starts with a capital letter, and NAV keeps its name (not "nav")."""
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    login(client, cast.staff_a)
    summary = error_summary(client.get(reverse("application_review", args=[application.pk])))
    items = [html.unescape(text) for text in re.findall(r"<li><a [^>]*>([^<]+)</a></li>", summary)]
    assert "Prosjektets navn mangler." in items
    assert "Det mangler en samarbeidsavtale med NAV." in items
    assert [item for item in items if not item[:1].isupper()] == []


def test_sent_application_is_locked_and_its_confirmers_are_emailed(
    client, cast, draft, django_capture_on_commit_callbacks
):
    expired_delegate(cast)
    login(client, cast.staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("application_review", args=[draft.pk]), follow=True)
    assert response.redirect_chain == [(reverse("application_detail", args=[draft.pk]), 302)]
    assert "Søknaden er sendt til fylkeskommunedirektøren og dem som har fullmakt, for bekreftelse." in page(response)
    draft.refresh_from_db()
    assert draft.state == Application.State.AWAITING_CONFIRMATION
    assert (draft.sent_by, draft.sent_at is not None) == (cast.staff_a, True)

    assert sorted(address for m in mail.outbox for address in m.to) == sorted(
        [cast.director_a.email, cast.delegate_a.email]
    )
    assert all(len(m.to) == 1 for m in mail.outbox)
    assert all(reverse("application_detail", args=[draft.pk]) in m.body for m in mail.outbox)

    # The sections no longer take changes.
    before = services.build_snapshot(draft)
    response = client.get(section_url(draft, "prosjekt"), follow=True)
    assert response.redirect_chain == [(reverse("application_detail", args=[draft.pk]), 302)]
    assert "Søknaden kan ikke endres nå fordi den har status «Venter på bekreftelse»." in page(response)
    response = client.post(section_url(draft, "prosjekt"), project_data(draft.versions["prosjekt"], title="Endret"))
    assert response.status_code == 302
    response = client.post(
        reverse("application_agreements", args=[draft.pk]),
        {"partner_kind": "nav", "partner_name": "Ny NAV", "file": f.pdf_upload()},
    )
    assert response.status_code == 302
    client.post(reverse("agreement_remove", args=[draft.pk, draft.agreements.first().pk]))
    draft.refresh_from_db()
    assert services.build_snapshot(draft) == before


@pytest.mark.parametrize(
    ("name", "sees"),
    [
        ("director_a", True),
        ("delegate_a", True),
        ("staff_a", False),
        ("expired_delegate", False),
        ("director_b", False),
    ],
)
def test_confirmers_dashboard_lists_the_application_waiting_for_them(client, cast, awaiting, name, sees):
    login(client, expired_delegate(cast) if name == "expired_delegate" else getattr(cast, name))
    body = page(client.get(reverse("dashboard")))
    link = f'<a href="{reverse("application_confirm", args=[awaiting.pk])}">Samarbeid om fagbrev</a>'
    assert ("Venter på din bekreftelse" in body) is sees
    assert (link in body) is sees


# --- 8. Confirmed: the submission, the receipt, the files -------------------------------------


def test_confirmed_application_is_frozen_with_reference_and_receipt(
    client, cast, awaiting, django_capture_on_commit_callbacks
):
    login(client, cast.director_a)
    with django_capture_on_commit_callbacks(execute=True):  # the receipt is made after the commit
        response = client.post(reverse("application_confirm", args=[awaiting.pk]), CONFIRM)
    assert response.status_code == 302
    awaiting.refresh_from_db()
    assert awaiting.state == Application.State.SUBMITTED
    assert awaiting.reference == f"{cast.call.year}-{awaiting.pk:05d}"
    assert awaiting.submitted_at is not None

    submission = awaiting.submissions.get()
    assert submission.number == 1
    assert submission.snapshot["reference"] == awaiting.reference
    assert submission.snapshot["fields"]["title"] == "Samarbeid om fagbrev"
    assert submission.total == Decimal("1250000")
    assert submission.snapshot["budget"]["total"] == "1250000.00"
    assert sorted(a["sha256"] for a in submission.snapshot["agreements"]) == sorted(
        awaiting.active_agreements().values_list("sha256", flat=True)
    )
    assert len(submission.snapshot["agreements"]) == len(PartnerKind)

    response = client.get(reverse("submission_receipt", args=[awaiting.pk, 1]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert f"kvittering-{awaiting.reference}-1.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_receipt_that_is_still_being_made_leads_back_to_the_submission_with_a_message(client, cast, awaiting):
    confirm(awaiting, cast.director_a)  # in a test the receipt task waits for a commit that never comes
    login(client, cast.staff_a)
    response = client.get(reverse("submission_receipt", args=[awaiting.pk, 1]), follow=True)
    assert response.redirect_chain == [(reverse("submission_detail", args=[awaiting.pk, 1]), 302)]
    assert "Kvitteringen lages. Prøv igjen om et øyeblikk." in page(response)
    assert "Content-Disposition" not in response


def test_agreement_files_download_as_attachments_for_the_county_and_imdi(client, cast, submitted):
    agreement = submitted.agreements.get(partner_kind=PartnerKind.NAV)
    url = reverse("agreement_file", args=[submitted.pk, agreement.pk])
    for user in (cast.staff_a, cast.caseworker):
        login(client, user)
        response = client.get(url)
        assert response.status_code == 200, user
        assert response["Content-Disposition"].startswith("attachment")
        assert "avtale-nav.pdf" in response["Content-Disposition"]
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == f.TINY_PDF + b"nav"


def test_imdi_gets_404_on_a_draft_that_was_never_submitted(client, cast, draft):
    agreement = draft.agreements.first()
    for name in ("caseworker", "auditor"):
        login(client, getattr(cast, name))
        assert client.get(reverse("application_detail", args=[draft.pk])).status_code == 404
        assert client.get(reverse("agreement_file", args=[draft.pk, agreement.pk])).status_code == 404
        body = page(client.get(reverse("application_list")))
        assert "Samarbeid om fagbrev" not in body


# --- 9. Withdrawing for correction ------------------------------------------------------------


def test_withdrawn_version_stays_readable_and_a_new_confirmation_is_version_2(client, cast, submitted):
    first = submitted.submissions.get()
    snapshot = first.snapshot
    login(client, cast.staff_a)
    response = client.post(reverse("application_withdraw", args=[submitted.pk]), follow=True)
    assert "Søknaden er trukket tilbake og kan rettes." in page(response)
    submitted.refresh_from_db()
    assert submitted.state == Application.State.DRAFT
    first.refresh_from_db()
    assert (first.withdrawn_by, first.withdrawn_at is not None) == (cast.staff_a, True)

    response = client.post(
        section_url(submitted, "prosjekt"), project_data(submitted.versions["prosjekt"], title="Rettet tittel")
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.title == "Rettet tittel"

    response = client.get(reverse("submission_detail", args=[submitted.pk, 1]))
    assert response.status_code == 200
    body = page(response)
    assert "Samarbeid om fagbrev" in body
    assert "Rettet tittel" not in body
    assert "Denne versjonen ble trukket tilbake for retting" in body
    first.refresh_from_db()
    assert first.snapshot == snapshot

    assert client.post(reverse("application_review", args=[submitted.pk])).status_code == 302
    director = as_user(cast.director_a)
    response = director.post(reverse("application_confirm", args=[submitted.pk]), CONFIRM)
    assert response["Location"] == reverse("submission_detail", args=[submitted.pk, 2])
    second = submitted.submissions.get(number=2)
    assert second.snapshot["fields"]["title"] == "Rettet tittel"
    assert second.snapshot["reference"] == snapshot["reference"]
    assert submitted.submissions.count() == 2

    body = page(client.get(reverse("application_detail", args=[submitted.pk])))
    assert "Versjon 1, bekreftet" in body
    assert "Versjon 2, bekreftet" in body
    assert "(trukket tilbake for retting)" in body


def test_imdi_does_not_read_what_the_county_adds_after_withdrawing_until_it_is_submitted_again(client, cast, submitted):
    """A withdrawn application is the county's working paper again (grants/access.py): IMDi reads the
    submitted versions, not an agreement that was never part of one."""
    sent = submitted.agreements.get(partner_kind=PartnerKind.NAV)
    services.application_withdraw(actor=f.actor_for(cast.staff_a), application_id=submitted.pk)
    unsent = f.add_agreement(submitted, cast.staff_a, PartnerKind.NAV, name="Utkastpartner")
    login(client, cast.caseworker)
    assert client.get(reverse("agreement_file", args=[submitted.pk, sent.pk])).status_code == 200
    assert client.get(reverse("submission_detail", args=[submitted.pk, 1])).status_code == 200
    assert client.get(reverse("agreement_file", args=[submitted.pk, unsent.pk])).status_code == 404
    for name in ("application_review", "application_agreements", "application_confirm"):
        response = client.get(reverse(name, args=[submitted.pk]))
        assert response.status_code == 403, name
        assert "Utkastpartner" not in page(response), name
    # The overview shows the title as submitted and the submitted versions. Its case history lists
    # every step, the upload to the draft too: the case record is readable to IMDi (R23).
    services.application_section_save(
        actor=f.actor_for(cast.staff_a),
        application_id=submitted.pk,
        section="prosjekt",
        data={"title": "Tittel under retting"},
        version=submitted.versions["prosjekt"],
    )
    overview = page(client.get(reverse("application_detail", args=[submitted.pk])))
    assert "Tittel under retting" not in overview
    assert submitted.submissions.get().snapshot["fields"]["title"] in overview
    assert "Versjon 1, bekreftet" in overview


def test_withdrawing_after_the_deadline_is_refused(client, cast, submitted):
    with past_deadline(cast.call):
        login(client, cast.staff_a)
        response = client.post(reverse("application_withdraw", args=[submitted.pk]), follow=True)
        assert f"Søknadsfristen gikk ut {local(cast.call.application_deadline)}" in page(response)
        assert "Trekk tilbake for å rette" not in page(response)
    submitted.refresh_from_db()
    assert submitted.state == Application.State.SUBMITTED
    assert submitted.submissions.get().withdrawn_at is None


# --- 10. History ------------------------------------------------------------------------------


def test_history_lists_every_step_of_the_case(client, cast, django_capture_on_commit_callbacks):
    staff, director = login(client, cast.staff_a), as_user(cast.director_a)
    staff.post(reverse("application_start", args=[cast.call.pk]))
    application = Application.objects.get()
    response = staff.post(section_url(application, "prosjekt"), project_data(0))
    assert response.status_code == 302
    actor = f.actor_for(cast.staff_a)  # the rest of the answers, through the services
    for section, data in f.COMPLETE_ANSWERS.items():
        if section != "prosjekt":
            services.application_section_save(
                actor=actor, application_id=application.pk, section=section, data=data, version=0
            )
    categories = list(cast.call.cost_categories.all())
    services.application_section_save(
        actor=actor,
        application_id=application.pk,
        section="budsjett",
        data={"declares_no_running_costs": True},
        version=0,
        lines=[{"category": categories[0], "amount": Decimal("100"), "description": "Drift"}],
    )
    for kind in PartnerKind:
        f.add_agreement(application, cast.staff_a, kind)

    staff.post(reverse("application_review", args=[application.pk]))
    director.post(reverse("application_return", args=[application.pk]), {"reason": "Rett budsjettet."})
    staff.post(reverse("application_review", args=[application.pk]))
    director.post(reverse("application_confirm", args=[application.pk]), CONFIRM)
    staff.post(reverse("application_withdraw", args=[application.pk]))
    services.extension_record(
        actor=f.actor_for(cast.caseworker),
        call=cast.call,
        organisation=cast.county_a,
        deadline=cast.call.application_deadline + dt.timedelta(days=2),
        reason="Ønsket av fylket.",
    )

    actions = list(
        AuditEvent.objects.filter(object_type="grants.application", object_id=str(application.pk))
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    steps = [a for a in actions if a not in ("application.section_saved", "application.agreement_added")]
    assert steps == [
        "application.created",
        "application.sent_for_confirmation",
        "application.returned",
        "application.sent_for_confirmation",
        "application.confirmed",
        "application.withdrawn",
        "application.deadline_extended",
    ]
    saved_sections = set(
        AuditEvent.objects.filter(action="application.section_saved", object_id=str(application.pk)).values_list(
            "changes__section", flat=True
        )
    )
    # (the carry-over answers equal the defaults: saving them changes nothing and may record nothing)
    assert {"prosjekt", "justeringer", "erfaringsdeling", "budsjett", "kontakt"} <= saved_sections
    assert actions.count("application.agreement_added") == len(PartnerKind)

    body = page(staff.get(reverse("application_detail", args=[application.pk])))
    history = body.split('id="history-title"', 1)[1]
    for label in [
        "Søknaden ble opprettet",
        "En del av søknaden ble lagret",
        "Samarbeidsavtale lastet opp",
        "Sendt til bekreftelse",
        "Sendt tilbake for retting",
        "Bekreftet og sendt inn",
        "Trukket tilbake for retting",
        "Utsatt søknadsfrist registrert",
    ]:
        assert label in history, label
    assert "Utkast → Venter på bekreftelse" in history
    assert "Venter på bekreftelse → Sendt inn" in history
    assert "Dag Direktør" in history and "Carl Case" in history


# --- 11. Budget -------------------------------------------------------------------------------


def budget_post(categories, rows, *, version: int = 0, **extra) -> dict:
    data = {"lines-TOTAL_FORMS": str(len(rows)), "lines-INITIAL_FORMS": "0", "version": str(version), **extra}
    for i, (category, amount, description) in enumerate(rows):
        data[f"lines-{i}-category"] = str(category.pk) if category else ""
        data[f"lines-{i}-amount"] = amount
        data[f"lines-{i}-description"] = description
    return data


def test_live_budget_totals_are_formatted_like_kroner_and_nothing_is_saved(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    drift, teachers = cast.call.cost_categories.order_by("order")
    login(client, cast.staff_a)
    events_before = AuditEvent.objects.count()

    response = client.post(
        reverse("budget_totals", args=[application.pk]),
        budget_post(
            [drift, teachers],
            [(drift, "250 000", "Prosjektleder"), (teachers, "1 000,50", "Lærere"), (None, "", "")],
        )
        | {"lines-TOTAL_FORMS": "3"},
    )
    assert response.status_code == 200
    body = page(response)
    assert re.search(rf"Drift av samarbeidet</td><td[^>]*>kr{NBSP}250{NBSP}000</td>", body)
    assert re.search(rf"Lærerressurser</td><td[^>]*>kr{NBSP}1{NBSP}000,50</td>", body)
    assert f'<strong id="budget-total">kr{NBSP}251{NBSP}000,50</strong>' in body

    assert not BudgetLine.objects.filter(application=application).exists()
    application.refresh_from_db()
    assert application.versions == {}
    assert AuditEvent.objects.count() == events_before


def test_live_totals_skip_an_amount_that_cannot_be_read_and_a_deleted_line(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    drift, teachers = cast.call.cost_categories.order_by("order")
    login(client, cast.staff_a)
    data = budget_post(
        [drift, teachers],
        [(drift, "kr 1 250 000", "A"), (teachers, "mange", "B"), (teachers, "5 000", "C")],
    )
    data["lines-2-DELETE"] = "on"
    body = page(client.post(reverse("budget_totals", args=[application.pk]), data))
    assert f'<strong id="budget-total">kr{NBSP}1{NBSP}250{NBSP}000</strong>' in body


def test_budget_line_without_description_is_refused_and_the_typed_amounts_stay(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    drift, teachers = cast.call.cost_categories.order_by("order")
    login(client, cast.staff_a)
    response = client.post(
        section_url(application, "budsjett"),
        budget_post(
            [drift, teachers],
            [(drift, "250 000", ""), (teachers, "1 000,50", "Lærere")],
            declares_no_running_costs="on",
        ),
    )
    assert response.status_code == 200
    body = page(response)
    assert "Det er noe som må rettes i budsjettlinjene" in body
    assert "Linje 1, Hva beløpet dekker: " in body
    assert input_value(response, "lines-0-amount") == "250 000"
    assert input_value(response, "lines-1-amount") == "1 000,50"
    assert input_value(response, "lines-1-description") == "Lærere"
    assert not BudgetLine.objects.filter(application=application).exists()
    application.refresh_from_db()
    assert application.declares_no_running_costs is False
    assert application.versions == {}


def test_saving_the_budget_page_as_it_is_keeps_every_saved_line(client, cast, draft):
    """The browser posts the saved lines back unchanged (and autosave does so on every keystroke)."""
    login(client, cast.staff_a)
    url = section_url(draft, "budsjett")
    before = list(draft.budget_lines.values_list("category", "amount", "description"))
    assert len(before) == 2

    data = form_data(client.get(url))
    assert data["lines-INITIAL_FORMS"] == "2"
    data["lines-2-category"], data["lines-2-amount"], data["lines-2-description"] = (
        data["lines-0-category"],
        "5 000",
        "Reise",
    )
    response = client.post(url, {**data, "autosave": "1"})
    assert "Lagret automatisk" in page(response)
    after = [before[0], (before[0][0], Decimal("5000.00"), "Reise"), before[1]]
    assert sorted(draft.budget_lines.values_list("category", "amount", "description")) == sorted(after)

    data = form_data(client.get(url))
    response = client.post(url, data)
    assert response.status_code == 302
    assert sorted(draft.budget_lines.values_list("category", "amount", "description")) == sorted(after)
    assert draft.budget_total() == Decimal("1255000")


def test_budget_lines_typed_the_norwegian_way_are_saved(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    drift, teachers = cast.call.cost_categories.order_by("order")
    login(client, cast.staff_a)
    response = client.post(
        section_url(application, "budsjett"),
        budget_post(
            [drift, teachers],
            [(drift, "1 250 000", "Prosjektleder"), (teachers, "kr 1 000,50", "Lærere")],
            declares_no_running_costs="on",
        ),
    )
    assert response.status_code == 302
    lines = list(application.budget_lines.order_by("order").values_list("category", "amount", "description"))
    assert lines == [
        (drift.pk, Decimal("1250000.00"), "Prosjektleder"),
        (teachers.pk, Decimal("1000.50"), "Lærere"),
    ]
    assert application.budget_total() == Decimal("1251000.50")


def test_application_list_shows_each_role_only_what_it_may_see(client, cast, submitted):
    draft_b = f.make_application(cast.call, cast.staff_b, complete=False)
    draft_b.title = "Utkast fra Fylke B"
    draft_b.save()
    expected = {
        "staff_a": ({"Samarbeid om fagbrev"}, {"Utkast fra Fylke B"}),
        "staff_b": ({"Utkast fra Fylke B"}, {"Samarbeid om fagbrev"}),
        "caseworker": ({"Samarbeid om fagbrev"}, {"Utkast fra Fylke B"}),
        "auditor": ({"Samarbeid om fagbrev"}, {"Utkast fra Fylke B"}),
    }
    for name, (shown, hidden) in expected.items():
        login(client, getattr(cast, name))
        body = page(client.get(reverse("application_list")))
        assert all(title in body for title in shown), name
        assert not any(title in body for title in hidden), name


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


# --- 13. Project period and amounts -----------------------------------------------------------


def test_project_period_longer_than_the_calls_maximum_is_refused_with_a_clear_message(client, cast):
    call = f.make_call(cast.scheme, eligible=[cast.county_a], max_project_years=2)
    application = f.make_application(call, cast.staff_a, complete=False)
    login(client, cast.staff_a)
    url = section_url(application, "prosjekt")
    assert "Prosjektperioden kan være høyst 2 år." in page(client.get(url))

    response = client.post(url, project_data(0, period_start="2025-01-01", period_end="2027-01-01"))
    assert response.status_code == 200
    assert "Prosjektperioden kan være høyst 2 år, altså til og med 31.12.2026." in error_summary(response)
    assert input_value(response, "period_end") == "2027-01-01"
    application.refresh_from_db()
    assert (application.period_start, application.period_end, application.title) == (None, None, "")

    response = client.post(url, project_data(0, period_start="2025-01-01", period_end="2026-12-31"))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.period_end == dt.date(2026, 12, 31)


def test_project_ending_before_it_starts_is_refused(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    login(client, cast.staff_a)
    response = client.post(
        section_url(application, "prosjekt"), project_data(0, period_start="2025-06-01", period_end="2025-01-01")
    )
    assert response.status_code == 200
    assert "Prosjektslutt må være etter prosjektstart." in error_summary(response)
    application.refresh_from_db()
    assert application.period_end is None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("1 250 000", Decimal("1250000")), ("kr 1 250 000", Decimal("1250000")), ("1250000,50", Decimal("1250000.50"))],
)
def test_amounts_are_accepted_as_norwegians_type_them(client, cast, typed, stored):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    login(client, cast.staff_a)
    response = client.post(
        section_url(application, "overforing"),
        {"version": "0", "carry_over_amount": typed, "carry_over_explanation": "Forsinket oppstart."},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.carry_over_amount == stored


def test_an_amount_that_is_not_a_number_is_refused_in_words(client, cast):
    application = f.make_application(cast.call, cast.staff_a, complete=False)
    login(client, cast.staff_a)
    response = client.post(
        section_url(application, "overforing"),
        {"version": "0", "carry_over_amount": "en million", "carry_over_explanation": ""},
    )
    assert response.status_code == 200
    assert "Skriv et beløp i hele kroner, for eksempel 250 000." in error_summary(response)
    application.refresh_from_db()
    assert application.carry_over_amount == Decimal("0")
