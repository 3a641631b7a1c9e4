"""Sending an application for confirmation, the confirmed submission with its receipt and files, and
withdrawing it for correction."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from grants import services
from grants.models import Application, PartnerKind
from tests import factories as f
from tests.conftest import login
from tests.grants.helpers_applications import (
    CONFIRM,
    as_user,
    confirm,
    error_summary,
    expired_delegate,
    local,
    page,
    past_deadline,
    project_data,
    section_url,
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
