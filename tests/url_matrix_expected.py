"""The URL matrix's table of expected answers: every URL pattern × every role × GET and POST.

The rules it encodes are described in tests/test_url_matrix.py, which checks every URL against it.
"""

from __future__ import annotations

from tests.url_matrix import (
    ADMIN_LOGIN,
    LOGIN,
    ROLES,
    SELF,
    Redirect,
    by_role,
    login_required,
    same,
)

PUBLIC = by_role(200)
NOT_ALLOWED = by_role(405)  # a public view that only answers GET
IMDI = ("caseworker", "admin", "auditor")

# The portal's own views and the public pages.
EXPECTED: dict[str, dict[str, dict]] = {
    "dashboard": {"GET": login_required(200), "POST": login_required(405)},
    # Switching the active role only changes the session; auditors (who may hold several roles)
    # must be able to do it, so it is not a "write view" for the auditor rule. No role: 403.
    "choose_role": same(login_required(200, stranger=403)),
    "delegation_list": {
        # County roles see their county's fullmakter; IMDi roles read them all.
        "GET": login_required(200, stranger=403),
        # Only the director may give fullmakt; the empty form comes back with errors.
        "POST": login_required(403, county_director=200),
    },
    "delegation_detail": {
        # delegation_a belongs to county A: its staff, director and delegate and IMDi read it.
        "GET": login_required(200, stranger=403),
        "POST": login_required(405),
    },
    "delegation_revoke": {
        "GET": login_required(405),
        # Only county A's director revokes (then sees the delegation again); lower roles 403.
        "POST": login_required(403, county_director=Redirect("/fullmakter/{delegation_a}/")),
    },
    "audit_log": {
        "GET": login_required(403, admin=200, auditor=200),
        "POST": login_required(405),
    },
    "call_list": {"GET": PUBLIC, "POST": NOT_ALLOWED},
    "call_detail": {"GET": PUBLIC, "POST": NOT_ALLOWED},
    "healthz": {"GET": PUBLIC, "POST": NOT_ALLOWED},
    # Answers with a redirect back ("/" without a safe referrer); only the POST changes language.
    "set_language": same(by_role(Redirect("/"))),
    # --- allauth under /konto/ ---
    # Login: the form for anonymous; a logged-in user is sent on to the dashboard.
    "account_login": same(by_role(Redirect("/"), anonymous=200)),
    "account_logout": {
        "GET": by_role(200, anonymous=Redirect("/konto/login/")),  # a confirmation page
        "POST": by_role(Redirect("/konto/login/")),
    },
    # Pages of the login flow: an inactive account, "we have sent you a verification e-mail",
    # the link in that e-mail (a dummy key: "link invalid"; POST with it: 404).
    "account_inactive": {"GET": PUBLIC, "POST": NOT_ALLOWED},
    "account_email_verification_sent": {"GET": PUBLIC, "POST": NOT_ALLOWED},
    "account_confirm_email": {"GET": PUBLIC, "POST": by_role(404)},
    # Accounts are made by IMDi's administrators: anonymous gets allauth's "signup closed" page
    # (checked by template in CONTENT_CHECKS), a logged-in user is sent to the dashboard.
    "account_signup": same(by_role(Redirect("/"), anonymous=200)),
    # Login by code is off: both code pages send you back.
    "account_confirm_login_code": same(by_role(Redirect("/"), anonymous=Redirect("/konto/login/"))),
    "mfa_authenticate": same(by_role(Redirect("/"), anonymous=Redirect("/konto/login/"))),
    # Password reset: public; a dummy key gives the "link invalid" page.
    "account_reset_password": same(PUBLIC),
    "account_reset_password_done": {"GET": PUBLIC, "POST": NOT_ALLOWED},
    "account_reset_password_from_key": same(PUBLIC),
    "account_reset_password_from_key_done": {"GET": PUBLIC, "POST": NOT_ALLOWED},
    # The user's own account: login required; an empty POST is a form with errors or a no-op redirect.
    "account_reauthenticate": same(login_required(200)),
    # Reauthentication by a code sent by e-mail is switched off (password or second factor only).
    "account_request_reauthentication_code": same(login_required(403)),
    "account_confirm_reauthentication_code": same(login_required(403)),
    # The portal's own page answers /konto/email/ (allauth's, with the same path, is never reached):
    # the login address is changed by IMDi's admins, not by the user.
    "email_managed": {"GET": login_required(200), "POST": login_required(405)},
    "account_email": {"GET": login_required(200), "POST": login_required(405)},
    "account_change_password": same(login_required(200)),
    "account_set_password": same(login_required(Redirect("/konto/password/change/"))),
    # MFA. County users and the stranger have no authenticator; IMDi users have TOTP (no recovery
    # codes), so changing it asks them to reauthenticate first.
    "mfa_index": {"GET": login_required(200), "POST": login_required(405)},
    "mfa_reauthenticate": same(login_required(Redirect("/konto/reauthenticate/"), **dict.fromkeys(IMDI, 200))),
    "mfa_activate_totp": same(
        login_required(200, **dict.fromkeys(IMDI, Redirect("/konto/reauthenticate/", next=SELF)))
    ),
    "mfa_deactivate_totp": same(
        login_required(404, **dict.fromkeys(IMDI, Redirect("/konto/reauthenticate/", next=SELF)))
    ),
    "mfa_generate_recovery_codes": same(
        login_required(200, **dict.fromkeys(IMDI, Redirect("/konto/reauthenticate/", next=SELF)))
    ),
    "mfa_view_recovery_codes": {"GET": login_required(404), "POST": login_required(405)},
    "mfa_download_recovery_codes": same(login_required(404)),
    "session_extend": {"GET": login_required(405), "POST": login_required(200)},
}

# --- Applications (grants/urls.py) -------------------------------------------------------------
#
# Samples: ``draft`` is county A's application to cast.call, never submitted (IMDi's roles do not
# see it: 404); ``submitted`` is county A's submitted application to another call (IMDi reads it).
# Only the applicant county changes an application: IMDi's POSTs to a visible one are 403.
COUNTY = ("county_staff", "county_director", "delegate")


def county(default, *, imdi=404, **overrides) -> dict:
    """County A's members get ``default``; IMDi's roles ``imdi``; the stranger (no role) 403."""
    return login_required(default, **{"stranger": 403, **dict.fromkeys(IMDI, imdi), **overrides})


DRAFT_DETAIL = Redirect("/soknader/{draft}/")
EXPECTED.update(
    {
        # County A already has an application to cast.call: starting again leads to it.
        "application_start": same(login_required(403, **dict.fromkeys(COUNTY, DRAFT_DETAIL))),
        "extension_create": same(login_required(403, caseworker=200)),
        "application_list": {"GET": login_required(200, stranger=403), "POST": login_required(405)},
        "application_detail": {"GET": county(200), "POST": login_required(405)},
        # An empty POST lacks the section's version: the form comes back with the error.
        "application_section": same(county(200)),
        "budget_totals": {"GET": login_required(405), "POST": county(200)},
        # An empty upload: the form with errors.
        "application_agreements": same(county(200)),
        "agreement_file": {"GET": county(200, imdi=200), "POST": login_required(405)},
        "agreement_remove": {
            "GET": login_required(405),
            "POST": county(Redirect("/soknader/{draft}/avtaler/")),
        },
        # The draft is incomplete: sending is refused and the page lists what is missing.
        "application_review": same(county(200)),
        # The submitted application is not waiting for confirmation: the page says so; an empty
        # POST is the form with errors. IMDi reads it, but only the county may act on it.
        "application_confirm": {"GET": county(200, imdi=200), "POST": county(200, imdi=403)},
        "application_return": {"GET": login_required(405), "POST": county(200, imdi=403)},
        # Withdrawing before the deadline takes it back to a draft and shows the overview.
        "application_withdraw": {
            "GET": login_required(405),
            "POST": county(Redirect("/soknader/{submitted}/"), imdi=403),
        },
        "submission_detail": {"GET": county(200, imdi=200), "POST": login_required(405)},
        "submission_receipt": {"GET": county(200, imdi=200), "POST": login_required(405)},
    }
)

# --- IMDi's cases, decisions, payments and appeals (grants/urls.py) -----------------------------
#
# Samples: ``granted`` is county A's application with an approved grant whose letter is issued;
# ``dismissed`` is county A's application with an approved dismissal, its letter issued and an appeal
# with an attachment. IMDi's own pages are IMDi's: county roles and the stranger get 403. All IMDi
# roles read them; only caseworkers act (admins and auditors 403). An empty POST is a form with errors.


def imdi_page(default=200) -> dict:
    return login_required(403, **dict.fromkeys(IMDI, default))


def imdi_action(caseworker) -> dict:
    return login_required(403, caseworker=caseworker)


GET_ONLY_IMDI = {"GET": imdi_page(), "POST": login_required(405)}
POST_ONLY = {"GET": login_required(405)}
EXPECTED.update(
    {
        "case_list": GET_ONLY_IMDI,
        "case_detail": GET_ONLY_IMDI,
        "case_assign": {**POST_ONLY, "POST": imdi_action(200)},
        "case_declare": {"GET": imdi_page(), "POST": imdi_action(200)},
        "case_assess": {"GET": imdi_page(), "POST": imdi_action(200)},
        "allocation": GET_ONLY_IMDI,
        "allocation_set": {**POST_ONLY, "POST": imdi_action(200)},
        "decision_propose": {"GET": imdi_page(), "POST": imdi_action(200)},
        "decision_detail": GET_ONLY_IMDI,
        # The sample decision is approved, not proposed: approving or returning it again is refused
        # on the page (200).
        "decision_approve": {**POST_ONLY, "POST": imdi_action(200)},
        "decision_return": {**POST_ONLY, "POST": imdi_action(200)},
        "payment_create": {"GET": imdi_page(), "POST": imdi_action(200)},
        "payments_due": GET_ONLY_IMDI,
        # The letter is ready: nothing to render again; the caseworker is sent back to the decision.
        "letter_retry": {**POST_ONLY, "POST": imdi_action(Redirect("/imdi/vedtak/{grant}/"))},
        "appeal_detail": GET_ONLY_IMDI,
        "appeal_reverse": {**POST_ONLY, "POST": imdi_action(200)},
        "appeal_forward": {**POST_ONLY, "POST": imdi_action(200)},
        "appeal_outcome": {**POST_ONLY, "POST": imdi_action(200)},
        "appeal_dismiss": {**POST_ONLY, "POST": imdi_action(200)},
        # The county's side: county A reads its decision and letter, IMDi reads them too.
        "decision_view": {"GET": county(200, imdi=200), "POST": login_required(405)},
        "letter_file": {"GET": county(200, imdi=200), "POST": login_required(405)},
        # The director and the delegate (fullmakt) accept; county staff without fullmakt are refused
        # on the page; IMDi may not accept on the county's behalf.
        "decision_accept": {
            **POST_ONLY,
            "POST": county(
                200,
                imdi=403,
                county_director=Redirect("/soknader/{granted}/vedtak/{grant}/"),
                delegate=Redirect("/soknader/{granted}/vedtak/{grant}/"),
            ),
        },
        # The dismissal has an open appeal: the page says so; IMDi reads it but may not appeal.
        "appeal_create": {"GET": county(200, imdi=200), "POST": county(200, imdi=403)},
        "appeal_attachment": {"GET": county(200, imdi=200), "POST": login_required(405)},
        # What came by e-mail or post: only caseworkers register (an empty POST is the form with
        # errors; the sample dismissal already has an appeal, which the page says); the registered
        # document of county A's paper application is read by county A and by IMDi.
        "intake_calls": {"GET": imdi_action(200), "POST": login_required(405)},
        "intake_application": same(imdi_action(200)),
        "intake_appeal": same(imdi_action(200)),
        "intake_document": {"GET": county(200, imdi=200), "POST": login_required(405)},
        # The copy of a forwarding letter (another appeal of county A's): the county and IMDi read it.
        "appeal_letter_file": {"GET": county(200, imdi=200), "POST": login_required(405)},
        # How one hears of events in the calls one follows (issue 13): IMDi's page; caseworkers and
        # admins choose (an empty POST is the form with errors), auditors read it.
        "notice_preferences": {"GET": imdi_page(), "POST": login_required(403, caseworker=200, admin=200)},
    }
)

# --- The follow-up: reports and accounts, assessment, repayment, exports, statistics, case file --
#
# Samples: ``paid`` is county A's grant, accepted and paid, with a draft annual report (the accounts
# document and one attachment uploaded) and a repayment claim whose letter is sent after the county's
# comments; ``export_job`` is a finished background export ordered by the caseworker. The county's
# report pages are the county's (IMDi's roles read them); IMDi's follow-up pages are IMDi's.

REPORT_OVERVIEW = Redirect("/soknader/{paid_application}/vedtak/{paid}/rapport/")
EXPECTED.update(
    {
        # Starting the report again leads to the one that exists.
        "report_overview": {"GET": county(200, imdi=200), "POST": county(REPORT_OVERVIEW, imdi=403)},
        # IMDi reads the report on the overview; an empty POST of the texts saves them and goes back.
        "report_section": {"GET": county(200, imdi=REPORT_OVERVIEW), "POST": county(REPORT_OVERVIEW, imdi=403)},
        "report_accounts_upload": {**POST_ONLY, "POST": county(200, imdi=403)},
        "report_accounts_file": {"GET": county(200, imdi=200), "POST": login_required(405)},
        "report_attachment_add": {**POST_ONLY, "POST": county(200, imdi=403)},
        "report_attachment": {"GET": county(200, imdi=200), "POST": login_required(405)},
        "report_attachment_remove": {**POST_ONLY, "POST": county(REPORT_OVERVIEW, imdi=403)},
        # No capacity chosen: the form with errors; the draft lacks its approvals: refused on the page.
        "accounts_approve": {**POST_ONLY, "POST": county(200, imdi=403)},
        "report_submit": {**POST_ONLY, "POST": county(200, imdi=403)},
        "report_list": GET_ONLY_IMDI,
        "report_assess": GET_ONLY_IMDI,
        # The report is a draft: approving or returning it is refused on the page.
        "report_approve": {**POST_ONLY, "POST": imdi_action(200)},
        "report_return": {**POST_ONLY, "POST": imdi_action(200)},
        # An open claim exists; an empty form comes back with errors.
        "repayment_create": {"GET": imdi_page(), "POST": imdi_action(200)},
        "repayment_list": GET_ONLY_IMDI,
        "repayment_detail": GET_ONLY_IMDI,
        # The claim is sent: sending it again, an empty repayment or cancelling without a reason is refused.
        "repayment_claim_create": {**POST_ONLY, "POST": imdi_action(200)},
        "repayment_record": {**POST_ONLY, "POST": imdi_action(200)},
        "repayment_cancel": {**POST_ONLY, "POST": imdi_action(200)},
        # Approving or sending back a claim already sent is refused on the page; an empty set-off or
        # interest form shows its errors.
        "repayment_approve": {**POST_ONLY, "POST": imdi_action(200)},
        "repayment_send_back": {**POST_ONLY, "POST": imdi_action(200)},
        "repayment_set_off": {**POST_ONLY, "POST": imdi_action(200)},
        "repayment_interest_paid": {**POST_ONLY, "POST": imdi_action(200)},
        "repayment_letter_imdi": GET_ONLY_IMDI,
        # The county has commented and the claim is sent: the page says the comments are closed.
        "repayment_view": {"GET": county(200, imdi=200), "POST": county(200, imdi=403)},
        "repayment_letter": {"GET": county(200, imdi=200), "POST": login_required(405)},
        # Exports: IMDi's roles read them; only caseworkers and admins order a file (an empty order: 404).
        "export_index": GET_ONLY_IMDI,
        "export_csv": GET_ONLY_IMDI,
        "export_xlsx": GET_ONLY_IMDI,
        "export_job_create": {**POST_ONLY, "POST": login_required(403, caseworker=404, admin=404)},
        # A finished export is its owner's (the caseworker's); to anyone else on IMDi's side it does not exist.
        "export_job_file": {"GET": imdi_page(404) | {"caseworker": 200}, "POST": login_required(405)},
        "statistics_overview": GET_ONLY_IMDI,
        "statistics_call": GET_ONLY_IMDI,
        "case_file": GET_ONLY_IMDI,
        # Reminder texts: IMDi's roles read them; only the admin changes one (an empty form: errors).
        "reminder_text_list": GET_ONLY_IMDI,
        "reminder_text_edit": {"GET": imdi_page(), "POST": login_required(403, admin=200)},
    }
)

# --- The Django admin: only the admin role (is_staff) gets in ----------------------------------
#
# Anonymous users are sent to login: by LoginRequiredMiddleware for the model views, by the admin's
# own check (to /admin/login/, which forwards to /konto/login/) for the site views, which Django
# marks login_not_required. Logged-in users without is_staff are sent to /admin/login/.

NON_ADMINS = [r for r in ROLES if r not in ("anonymous", "admin")]


def admin_row(admin, *, anonymous=ADMIN_LOGIN, others=ADMIN_LOGIN) -> dict:
    return by_role(others, anonymous=anonymous, admin=admin)


ADMIN_SITE = {
    "admin:index": same(admin_row(200)),
    "admin:app_list": same(admin_row(200)),  # /admin/portal/
    "admin:password_change": same(admin_row(200)),
    "admin:password_change_done": {"GET": admin_row(200), "POST": admin_row(405)},
    "admin:jsi18n": {"GET": admin_row(200), "POST": admin_row(405)},
    # Requested with app_label/model_name/field_name of Membership.organisation.
    "admin:autocomplete": {"GET": admin_row(200), "POST": admin_row(405)},
    # No model has get_absolute_url: Django answers 404.
    "admin:view_on_site": same(admin_row(404)),
    # Logging out of the admin is a POST (Django 5); a non-admin is sent to the admin index.
    "admin:logout": {
        "GET": admin_row(405, others=Redirect("/admin/")),
        "POST": admin_row(200, others=Redirect("/admin/")),
    },
    # The admin's login is replaced by a redirect to allauth's login (portal/admin_site.py).
    # A logged-in user without admin access gets a 403 (a redirect to the portal's login would send
    # them straight back here: a loop); a logged-in admin goes on to the admin.
    "admin:login": same(by_role(403, anonymous=LOGIN, admin=Redirect("/admin/"))),
    # Anything else under /admin/: 404 for the admin, login for everyone else (no enumeration).
    "admin/(?P<url>.*)$": same(admin_row(404)),
}

# The models registered in the admin and what the admin may do with them there.
EDITABLE = "editable"
READ_ONLY = "read-only"  # Delegation (given and revoked in the portal) and AuditEvent (append-only)
DELETE_ONLY = "delete-only"  # Authenticator: the secret is never shown; deleting one makes the user set up anew
ADMIN_MODELS = {
    ("auth", "group"): EDITABLE,
    ("portal", "user"): EDITABLE,
    ("portal", "organisation"): EDITABLE,
    ("portal", "membership"): EDITABLE,
    ("portal", "delegation"): READ_ONLY,
    ("portal", "auditevent"): READ_ONLY,
    ("grants", "scheme"): EDITABLE,
    ("grants", "call"): EDITABLE,
    ("grants", "lettertemplate"): EDITABLE,  # a call's letter templates, in bokmål and nynorsk
    ("account", "emailaddress"): EDITABLE,
    ("mfa", "authenticator"): DELETE_ONLY,
    # Reminder texts are changed on the portal's own page (checked and recorded); reminders are a log.
    ("reporting", "remindertext"): READ_ONLY,
    ("reporting", "reminder"): READ_ONLY,
}


def admin_model_rows(app: str, model: str, kind: str) -> dict:
    """Model views: empty POSTs give the form with errors (add, change), the confirmation page
    (delete) or the same page (changelist, history); read-only models refuse add/change/delete."""
    writable = kind == EDITABLE
    deletable = kind in (EDITABLE, DELETE_ONLY)

    def row(admin):
        return admin_row(admin, anonymous=LOGIN)

    change = f"/admin/{app}/{model}/{{object_id}}/change/"
    return {
        f"admin:{app}_{model}_changelist": same(row(200)),
        f"admin:{app}_{model}_add": same(row(200 if writable else 403)),
        f"admin:{app}_{model}_history": same(row(200)),
        f"admin:{app}_{model}_delete": same(row(200 if deletable else 403)),
        f"admin:{app}_{model}_change": {"GET": row(200), "POST": row(200 if writable else 403)},
        f"admin/{app}/{model}/<path:object_id>/": same(row(Redirect(change))),
    }


for (_app, _model), _kind in ADMIN_MODELS.items():
    EXPECTED.update(admin_model_rows(_app, _model, _kind))
EXPECTED.update(ADMIN_SITE)
# UserAdmin's own page (Django names it auth_user_… whatever the user model is).
EXPECTED["admin:auth_user_password_change"] = same(admin_row(200, anonymous=LOGIN))

# --- Auditors change nothing -----------------------------------------------------------------
#
# Every POST (PUT, PATCH, DELETE) by an auditor is a 403 (portal.middleware.AuditorReadOnlyMiddleware),
# whatever the view would answer, except on the auditor's own session and account pages.
from portal.middleware import AUDITOR_WRITABLE_URL_NAMES  # noqa: E402

for _key, _row in EXPECTED.items():
    if _key not in AUDITOR_WRITABLE_URL_NAMES:
        _row["POST"] = {**_row["POST"], "auditor": 403}

from tests.url_matrix_expected_archive import EXPECTED_ARCHIVE  # noqa: E402

EXPECTED.update(EXPECTED_ARCHIVE)
from tests.url_matrix_expected_money import money_expected  # noqa: E402

EXPECTED.update(money_expected())
