"""Sample objects and arguments for the URL × role matrix (tests/test_url_matrix.py): one object of
each model the admin shows, and the county's, IMDi's and the follow-up's objects the portal's own
URLs take, with which sample each URL pattern is asked with."""

from __future__ import annotations

import re

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.urls.resolvers import RegexPattern

from grants.models import Call, CallFollow, LetterTemplate
from portal.models import AuditEvent
from reporting.models import Reminder, ReminderText
from tests import factories as f
from tests.url_matrix import Entry, param_names
from tests.url_matrix_expected_archive import archive_kwarg
from tests.url_matrix_samples_money import MONEY_PK, money_samples


def sample_objects(cast) -> dict:
    """One object of each model the admin shows, and what the portal's own URLs take."""
    return {
        ("auth", "group"): Group.objects.create(name="Testgruppe"),
        ("portal", "user"): cast.staff_b,
        ("portal", "organisation"): cast.county_c,
        ("portal", "membership"): cast.staff_c.memberships.get(),
        ("portal", "delegation"): cast.delegation_a,
        ("portal", "auditevent"): AuditEvent.objects.create(action="test.event", object_repr="Testhendelse"),
        ("grants", "scheme"): cast.scheme,
        ("grants", "call"): cast.call,
        ("grants", "lettertemplate"): LetterTemplate.objects.create(call=cast.call, kind="grant", rules_nb="Regler"),
        ("account", "emailaddress"): EmailAddress.objects.get(user=cast.staff_b),
        # The caseworker follows the call: the notices page shows it ticked.
        "call_follow": CallFollow.objects.create(user=cast.caseworker, call=cast.call),
        ("mfa", "authenticator"): Authenticator.objects.get(user=cast.caseworker2),
        **application_samples(cast),
        **case_samples(cast),
        **followup_samples(cast),
        **money_samples(cast),
        ("reporting", "remindertext"): ReminderText.objects.get(kind="report_deadline"),
        ("reporting", "reminder"): Reminder.objects.create(
            kind="report_deadline", target_id=1, step="30", organisation=cast.county_a, due_at=cast.call.report_deadline
        ),
    }


QUERY_STRINGS = {"admin:autocomplete": "?app_label=portal&model_name=membership&field_name=organisation"}
UNNAMED_REGEX_URLS = {"admin/(?P<url>.*)$": "/admin/finnes-ikke/"}


# Which sample each application URL is asked with.
ON_SUBMITTED = {
    "agreement_file",
    "application_confirm",
    "application_return",
    "application_withdraw",
    "submission_detail",
    "submission_receipt",
}


def application_samples(cast) -> dict:
    draft = f.make_application(cast.call, cast.staff_a, complete=False)
    f.add_agreement(draft, cast.staff_a, "nav")
    other_call = f.make_call(cast.scheme, eligible=[cast.county_a])
    submitted = f.make_application(other_call, cast.staff_a)
    submission = f.submit(submitted, sender=cast.staff_a, confirmer=cast.director_a)
    return {"draft": draft, "submitted": submitted, "submission": submission}


def case_samples(cast) -> dict:
    from grants import services
    from grants.models import Decision
    from portal.uploads import check_upload
    from tests.grants import helpers_cases as h

    grant_call = f.make_call(cast.scheme, eligible=[cast.county_a])
    grant = h.decided(cast, h.submitted_case(cast, call=grant_call))
    h.issued(grant)
    dismissal_call = f.make_call(cast.scheme, eligible=[cast.county_a])
    dismissal = h.decided(cast, h.submitted_case(cast, call=dismissal_call), kind=Decision.Kind.DISMISSAL)
    h.issued(dismissal)
    upload = f.pdf_upload("klage.pdf")
    appeal = services.appeal_file(
        actor=f.actor_for(cast.staff_a),
        decision_id=dismissal.pk,
        reasons="Søknaden kom inn i tide.",
        files=[(upload, check_upload(upload))],
    )
    return {
        "grant": grant,
        "dismissal": dismissal,
        "appeal": appeal,
        "appeal_letter": forwarded_appeal_letter(cast),
        "registered": registered_sample(cast),
    }


def registered_sample(cast):
    """County A's application that came by post, registered by a caseworker with its document."""
    import datetime as dt

    from django.utils import timezone

    from grants import services
    from portal.uploads import check_upload

    call = f.make_call(cast.scheme, eligible=[cast.county_a])
    upload = f.pdf_upload("soknad.pdf")
    return services.application_register(
        actor=f.actor_for(cast.caseworker),
        call=call,
        organisation=cast.county_a,
        received=services.Received(
            channel="post",
            received_on=timezone.localdate() - dt.timedelta(days=1),
            upload=upload,
            checked=check_upload(upload),
        ),
        title="Søknad per post",
        budget={call.cost_categories.first(): 100000},
    )


def forwarded_appeal_letter(cast):
    """County A's appeal against another dismissal, forwarded to the ministry: the letter, made."""
    from grants import appeal_letters, services
    from grants.models import Decision
    from tests.grants import helpers_cases as h

    call = f.make_call(cast.scheme, eligible=[cast.county_a])
    dismissal = h.decided(cast, h.submitted_case(cast, call=call), kind=Decision.Kind.DISMISSAL)
    h.issued(dismissal)
    appeal = services.appeal_file(actor=f.actor_for(cast.staff_a), decision_id=dismissal.pk, reasons="Vi klager.")
    services.appeal_forward(actor=f.actor_for(cast.caseworker), appeal_id=appeal.pk, cover_note="IMDi står ved det.")
    letter = appeal.letters.get()
    appeal_letters.appeal_letter_issue(letter.pk)
    letter.refresh_from_db()
    return letter


def followup_samples(cast) -> dict:
    import datetime as dt
    from decimal import Decimal

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from portal.uploads import check_upload
    from reporting.models import ExportJob
    from reporting.services import repayments, reports
    from tests.reporting.helpers import paid_grant

    paid = paid_grant(cast, call=f.make_call(cast.scheme, eligible=[cast.county_a]))
    county_a, caseworker = f.actor_for(cast.staff_a), f.actor_for(cast.caseworker)
    report = reports.report_start(actor=county_a, decision_id=paid.pk)
    for name, add in (("regnskap.pdf", reports.accounts_file_set), ("vedlegg.pdf", reports.attachment_add)):
        upload = f.pdf_upload(name)
        add(actor=county_a, report_id=report.pk, upload=upload, checked=check_upload(upload))
    claim = repayments.repayment_notice(
        actor=caseworker,
        decision_id=paid.pk,
        reason="unused",
        amount=Decimal("100000"),
        explanation="Midlene ble ikke brukt i 2025.",
        comment_deadline=timezone.localdate() + dt.timedelta(days=21),
    )
    repayments.repayment_comment(actor=county_a, claim_id=claim.pk, comment="Vi har ingen merknader.")
    repayments.repayment_claim(
        actor=caseworker,
        claim_id=claim.pk,
        due_date=timezone.localdate() + dt.timedelta(days=30),
        account_number="7694.05.12340",
    )
    repayments.repayment_approve(actor=f.actor_for(cast.caseworker2), claim_id=claim.pk)
    job = ExportJob.objects.create(
        user=cast.caseworker, call=cast.call, dataset="applications", format="xlsx", status="done", rows=1
    )
    job.file.save("eksport.xlsx", ContentFile(b"PK\x03\x04"))
    return {"paid": paid, "report": report, "claim": claim, "export_job": job}


# The follow-up's URLs: which sample each parameter is (the rest are the report's pk).
FOLLOWUP_PK = {
    "report_overview": lambda o: o["paid"].case.application_id,
    "repayment_view": lambda o: o["paid"].case.application_id,
    "repayment_letter": lambda o: o["paid"].case.application_id,
    "repayment_create": lambda o: o["paid"].pk,
    "repayment_detail": lambda o: o["claim"].pk,
    "repayment_claim_create": lambda o: o["claim"].pk,
    "repayment_record": lambda o: o["claim"].pk,
    "repayment_cancel": lambda o: o["claim"].pk,
    "repayment_approve": lambda o: o["claim"].pk,
    "repayment_send_back": lambda o: o["claim"].pk,
    "repayment_set_off": lambda o: o["claim"].pk,
    "repayment_interest_paid": lambda o: o["claim"].pk,
    "repayment_letter_imdi": lambda o: o["claim"].pk,
    "export_job_file": lambda o: o["export_job"].pk,
    "statistics_call": lambda o: o["paid"].case.call_id,
    "case_file": lambda o: o["paid"].case_id,
}
FOLLOWUP = {"report_", "accounts_approve", "repayment_", "export_", "statistics_", "case_file", "reminder_"}


def followup_kwarg(entry: Entry, name: str, objects):
    if name == "pk":
        return FOLLOWUP_PK.get(entry.key, lambda o: o["report"].pk)(objects)
    return {
        "decision_pk": lambda: objects["paid"].pk,
        "section": lambda: "report",
        "attachment_pk": lambda: objects["report"].attachments.get().pk,
        "claim_pk": lambda: objects["claim"].pk,
        "call_pk": lambda: objects["paid"].case.call_id,
        "dataset": lambda: "applications",
        "kind": lambda: "report_deadline",
    }[name]()


# Which sample each case URL is asked with (pk of a case, decision, call or appeal).
CASE_PK = {
    "case_detail": lambda o: o["grant"].case_id,
    "case_assign": lambda o: o["grant"].case_id,
    "case_declare": lambda o: o["grant"].case_id,
    "case_assess": lambda o: o["grant"].case_id,
    "allocation_set": lambda o: o["grant"].case_id,
    "decision_propose": lambda o: o["grant"].case_id,
    "allocation": lambda o: o["grant"].case.call_id,
    "decision_detail": lambda o: o["grant"].pk,
    "decision_approve": lambda o: o["grant"].pk,
    "decision_return": lambda o: o["grant"].pk,
    "payment_create": lambda o: o["grant"].pk,
    "letter_retry": lambda o: o["grant"].pk,
    "appeal_detail": lambda o: o["appeal"].pk,
    "appeal_reverse": lambda o: o["appeal"].pk,
    "appeal_forward": lambda o: o["appeal"].pk,
    "appeal_outcome": lambda o: o["appeal"].pk,
    "intake_application": lambda o: o["grant"].case.call_id,
    "intake_appeal": lambda o: o["dismissal"].pk,
    "appeal_dismiss": lambda o: o["appeal"].pk,
    "appeal_letter_file": lambda o: o["appeal_letter"].appeal.case.application_id,
}
# The county's URLs: soknader/<pk>/vedtak/<decision_pk>/… on the grant, or on the dismissal.
ON_GRANT = {"decision_view", "letter_file", "decision_accept"}
ON_DISMISSAL = {"appeal_create", "appeal_attachment"}


def sample_kwargs(entry: Entry, cast, objects) -> dict:
    admin_model = re.match(r"admin/(\w+)/(\w+)/", entry.route)
    kwargs = {}
    application = objects["submitted"] if entry.key in ON_SUBMITTED else objects["draft"]
    decision = objects["grant"] if entry.key in ON_GRANT else objects["dismissal"]
    for name in param_names(entry):
        if entry.key.startswith(tuple(FOLLOWUP)):
            value = followup_kwarg(entry, name, objects)
        elif entry.key == "intake_document":
            registered = objects["registered"]
            value = registered.pk if name == "pk" else registered.incoming_documents.get().pk
        elif entry.key in MONEY_PK and name == "pk":
            value = MONEY_PK[entry.key](objects)
        elif entry.key in CASE_PK and name == "pk":
            value = CASE_PK[entry.key](objects)
        elif entry.key in ON_GRANT | ON_DISMISSAL and name == "pk":
            value = decision.case.application_id
        elif name == "decision_pk":
            value = decision.pk
        elif name == "letter_pk":
            value = objects["appeal_letter"].pk
        elif name == "appeal_pk":
            value = objects["appeal"].pk
        elif name == "attachment_pk":
            value = objects["appeal"].attachments.get().pk
        elif entry.key in ("application_start", "extension_create") and name == "pk":
            value = cast.call.pk
        elif entry.key.startswith(("application_", "agreement_", "submission_", "budget_")) and name == "pk":
            value = application.pk
        elif name == "section":
            value = "prosjekt"
        elif name == "agreement_pk":
            value = application.agreements.first().pk
        elif name == "number":
            value = objects["submission"].number
        elif entry.key in ("delegation_detail", "delegation_revoke") and name == "pk":
            value = cast.delegation_a.pk  # county A's
        elif entry.key == "call_detail" and name == "pk":
            value = cast.call.pk
        elif entry.key == "admin:view_on_site":
            value = {"content_type_id": ContentType.objects.get_for_model(Call).pk, "object_id": cast.call.pk}[name]
        elif name in ("object_id", "id") and admin_model and (admin_model[1], admin_model[2]) in objects:
            value = objects[(admin_model[1], admin_model[2])].pk
        elif name == "entry_pk":  # the public journal's (tests/url_matrix_expected_archive.py)
            value = archive_kwarg(name)
        elif name == "app_label":
            value = "portal"
        elif name == "key":
            value = "ugyldig-nokkel"
        elif name == "uidb36":
            value = "zz"
        else:
            raise AssertionError(f"No sample value for <{name}> of {entry.key!r}: add one to sample_kwargs().")
        kwargs[name] = value
    return kwargs


def url_for(entry: Entry, cast, objects) -> str:
    if entry.key in UNNAMED_REGEX_URLS:
        return UNNAMED_REGEX_URLS[entry.key]
    kwargs = sample_kwargs(entry, cast, objects)
    if entry.named:
        url = reverse(entry.key, kwargs=kwargs)
    elif isinstance(entry.pattern.pattern, RegexPattern):
        raise AssertionError(f"Unnamed regex pattern {entry.key!r}: give it a URL in UNNAMED_REGEX_URLS.")
    else:
        url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m[1]]), entry.route)
    return url + QUERY_STRINGS.get(entry.key, "")
