"""How IMDi's people hear of events (issue 13, item 4): each chooses on the notices page to be e-mailed
at once for every event in the calls they follow, or to get one e-mail each morning with yesterday's
events; the case's caseworker is always told at once. The digest lists yesterday's events once, in
bokmål, with what happened, the county, the amount and a link; nothing is sent on a day without any."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from grants import services, tasks
from grants.models import CallFollow, ImpartialityDeclaration
from portal.formats import kr
from portal.models import AuditEvent, Role, User
from reporting import tasks as reporting_tasks
from reporting.services import repayments
from tests import factories as f
from tests.conftest import assert_constant_queries, login
from tests.grants.helpers_cases import assigned
from tests.reporting.helpers import paid_grant
from tests.reporting.test_review import submitted_report

pytestmark = pytest.mark.django_db

PAGE = "/imdi/varsler/"
NYNORSK_ONLY = ("ikkje", "frå", "dykk", "tilskot", "hending")
IMMEDIATELY, DIGEST = User.NoticeChoice.IMMEDIATELY, User.NoticeChoice.DIGEST


def flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def amount(value: str) -> str:
    return flat(kr(Decimal(value)))


def follow(user: User, call, choice: str = IMMEDIATELY) -> None:
    CallFollow.objects.create(user=user, call=call)
    User.objects.filter(pk=user.pk).update(notice_choice=choice)
    user.refresh_from_db()


def choose(user: User, choice: str) -> None:
    User.objects.filter(pk=user.pk).update(notice_choice=choice)
    user.refresh_from_db()


def county_of(call, standard: str = "nb"):
    """A new county eligible for ``call``, with a staff member and a director."""
    county = f.make_org(standard=standard)
    staff = f.make_user(roles=[(county, Role.COUNTY_STAFF)])
    director = f.make_user(roles=[(county, Role.COUNTY_DIRECTOR)])
    call.eligible_organisations.add(county)
    return county, staff, director


def submitted_by(call, county=None):
    """A new county's application to ``call``, submitted now; its submission."""
    county, staff, director = county or county_of(call)
    return f.submit(f.make_application(call, staff), sender=staff, confirmer=director)


def new_submission_notices() -> list:
    return [message for message in mail.outbox if message.subject.startswith(f"{prefix()}Ny søknad fra")]


def prefix() -> str:
    return f"{settings.PORTAL_EMAIL_SUBJECT_PREFIX} "


# --- Immediate notices: who is told -----------------------------------------------------------


def test_a_follower_who_chose_at_once_is_told_with_the_case_s_caseworker(cast):
    follow(cast.admin, cast.call)
    submission = submitted_by(cast.call)
    assigned(cast, submission.application.case, cast.caseworker2)
    mail.outbox.clear()

    tasks.notify_submission_received(submission.pk)

    [message] = new_submission_notices()
    assert message.to == sorted([cast.admin.email, cast.caseworker2.email])
    assert reverse("case_detail", args=[submission.application.case.pk]) in message.body


def test_a_follower_who_chose_the_digest_gets_no_single_e_mail(cast):
    follow(cast.caseworker2, cast.call, DIGEST)
    submission = submitted_by(cast.call)  # nobody has the case
    mail.outbox.clear()

    tasks.notify_submission_received(submission.pk)

    # Somebody follows the call, so the others are not told either: caseworker2 reads of it tomorrow.
    assert new_submission_notices() == []
    submission.refresh_from_db()
    assert submission.imdi_notified_at is not None  # claimed: the sweep does not try again


def test_the_assigned_caseworker_is_told_at_once_even_after_choosing_the_digest(cast):
    choose(cast.caseworker, DIGEST)
    submission = submitted_by(cast.call)
    assigned(cast, submission.application.case, cast.caseworker)
    mail.outbox.clear()

    tasks.notify_submission_received(submission.pk)

    [message] = new_submission_notices()
    assert message.to == [cast.caseworker.email]


def test_without_followers_or_a_caseworker_every_caseworker_who_wants_e_mail_at_once_is_told(cast):
    other_call = f.make_call(cast.scheme)
    follow(cast.caseworker2, other_call)  # follows another call: not this one
    choose(cast.admin, DIGEST)
    submission = submitted_by(cast.call)
    mail.outbox.clear()

    tasks.notify_submission_received(submission.pk)

    [message] = new_submission_notices()
    assert message.to == sorted([cast.caseworker.email, cast.caseworker2.email])


def test_when_every_caseworker_chose_the_digest_the_call_s_contact_address_is_told(cast):
    choose(cast.caseworker, DIGEST)
    choose(cast.caseworker2, DIGEST)
    submission = submitted_by(cast.call)
    mail.outbox.clear()

    tasks.notify_submission_received(submission.pk)

    [message] = new_submission_notices()
    assert message.to == [cast.call.contact_email]


def test_a_follower_with_a_conflict_in_the_case_is_not_told(cast):
    follow(cast.caseworker2, cast.call)
    follow(cast.admin, cast.call)
    submission = submitted_by(cast.call)
    ImpartialityDeclaration.objects.create(
        case=submission.application.case,
        user=cast.caseworker2,
        disqualified=True,
        reason="Søsteren min leder prosjektet.",
    )
    mail.outbox.clear()

    tasks.notify_submission_received(submission.pk)

    [message] = new_submission_notices()
    assert message.to == [cast.admin.email]


def test_an_auditor_or_a_former_member_who_follows_is_not_told(cast):
    follow(cast.auditor, cast.call)
    follow(cast.admin, cast.call)
    User.objects.filter(pk=cast.admin.pk).update(is_active=False)
    submission = submitted_by(cast.call)
    assigned(cast, submission.application.case, cast.caseworker)
    mail.outbox.clear()

    tasks.notify_submission_received(submission.pk)

    [message] = new_submission_notices()
    assert message.to == [cast.caseworker.email]


def test_followers_hear_of_an_acceptance_and_a_county_s_comment(cast):
    """The other notices to IMDi go the same way: the case's caseworker and the followers at once."""
    decision = paid_grant(cast)  # county A's grant, accepted (its notice never sent: no commit here)
    follow(cast.admin, cast.call)
    claim = repayments.repayment_notice(
        actor=f.actor_for(cast.caseworker),
        decision_id=decision.pk,
        reason="unused",
        amount=Decimal("200000"),
        explanation="Ubrukte midler.",
        comment_deadline=timezone.localdate() + dt.timedelta(days=14),
    )
    repayments.repayment_comment(actor=f.actor_for(cast.staff_a), claim_id=claim.pk, comment="Vi er enige.")
    mail.outbox.clear()

    tasks.notify_accepted(decision.pk)
    reporting_tasks.notify_comment(claim.pk)

    both = sorted([cast.admin.email, cast.caseworker.email])
    [accepted] = [m for m in mail.outbox if "har akseptert tilskuddet" in m.subject]
    assert accepted.to == both
    [comment] = [m for m in mail.outbox if "Merknader fra" in m.subject]
    assert comment.to == both


def test_followers_hear_of_a_submitted_report(cast):
    decision = paid_grant(cast)
    follow(cast.caseworker2, cast.call)
    report = submitted_report(decision)
    mail.outbox.clear()

    reporting_tasks.notify_submitted(report.pk)

    [message] = [m for m in mail.outbox if "Årsrapport og regnskap" in m.subject]
    assert message.to == sorted([decision.case.assigned_to.email, cast.caseworker2.email])


# --- The page ---------------------------------------------------------------------------------


def test_a_caseworker_follows_calls_and_chooses_the_digest_on_the_page(client, cast):
    other_call = f.make_call(cast.scheme)
    foreign = f.make_call(f.make_scheme(f.make_org("Bufdir", kind="directorate")), year=2026)
    login(client, cast.caseworker)

    page = client.get(PAGE).content.decode()
    assert f'value="{cast.call.pk}"' in page and f'value="{other_call.pk}"' in page
    assert f'value="{foreign.pk}"' not in page  # another directorate's call
    assert re.search(r'value="immediately"[^>]*checked', page)

    response = client.post(PAGE, {"choice": "digest", "calls": [cast.call.pk, other_call.pk]})

    assert response.status_code == 302 and response["Location"] == PAGE
    cast.caseworker.refresh_from_db()
    assert cast.caseworker.notice_choice == DIGEST
    assert set(CallFollow.objects.filter(user=cast.caseworker).values_list("call_id", flat=True)) == {
        cast.call.pk,
        other_call.pk,
    }
    event = AuditEvent.objects.get(action="notices.changed")
    assert event.actor == cast.caseworker
    assert event.changes["choice"] == "digest" and event.changes["previous"] == "immediately"
    assert event.changes["followed"] == sorted([cast.call.title, other_call.title])
    # The page says it was saved and shows the change in words.
    page = flat(client.get(PAGE).content.decode())
    assert "Varslene ble endret: én e-post om dagen med gårsdagens hendelser." in page
    assert re.search(rf'value="{cast.call.pk}"[^>]*checked', page)


def test_unfollowing_a_call_removes_it_and_says_so_in_the_history(client, cast):
    follow(cast.caseworker, cast.call)
    login(client, cast.caseworker)

    client.post(PAGE, {"choice": "immediately"})

    assert not CallFollow.objects.filter(user=cast.caseworker).exists()
    event = AuditEvent.objects.get(action="notices.changed")
    assert event.changes == {"choice": "immediately", "unfollowed": [cast.call.title]}


def test_saving_without_a_change_records_nothing(client, cast):
    follow(cast.caseworker, cast.call)
    login(client, cast.caseworker)
    response = client.post(PAGE, {"choice": "immediately", "calls": [cast.call.pk]}, follow=True)
    assert "Ingenting er endret." in response.content.decode()
    assert not AuditEvent.objects.filter(action="notices.changed").exists()


def test_a_call_of_another_directorate_cannot_be_followed(client, cast):
    foreign = f.make_call(f.make_scheme(f.make_org("Bufdir", kind="directorate")), year=2026)
    login(client, cast.caseworker)
    response = client.post(PAGE, {"choice": "immediately", "calls": [foreign.pk]})
    assert response.status_code == 200  # the form again, with the error
    assert not CallFollow.objects.exists()
    with pytest.raises(services.Refused):
        services.notice_choice_set(actor=f.actor_for(cast.caseworker), choice="immediately", call_ids=[foreign.pk])


def test_the_auditor_reads_the_page_without_a_form_and_cannot_save(client, cast):
    login(client, cast.auditor)
    page = client.get(PAGE)
    assert page.status_code == 200 and 'name="choice"' not in page.content.decode()
    assert client.post(PAGE, {"choice": "digest"}).status_code == 403
    cast.auditor.refresh_from_db()
    assert cast.auditor.notice_choice == IMMEDIATELY


@pytest.mark.parametrize("who", ["staff_a", "director_a", "stranger"])
def test_county_users_and_people_without_a_role_are_refused(client, cast, who):
    login(client, getattr(cast, who))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"choice": "digest"}).status_code == 403


def test_the_page_keeps_its_query_count_as_calls_grow(client, cast):
    login(client, cast.caseworker)

    def add_calls(n: int) -> None:
        for _index in range(n):
            CallFollow.objects.create(user=cast.caseworker, call=f.make_call(cast.scheme))

    assert_constant_queries(client, PAGE, add_calls, small=1, large=20)


def test_the_page_is_in_imdi_s_menu_and_not_in_the_county_s(client, cast):
    login(client, cast.caseworker)
    assert f'href="{PAGE}"' in client.get(reverse("dashboard")).content.decode()
    login(client, cast.staff_a)
    assert f'href="{PAGE}"' not in client.get(reverse("dashboard")).content.decode()
