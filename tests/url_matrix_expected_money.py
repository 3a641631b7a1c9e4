"""The URL × role matrix's rows for money controls (issue 14): payments, payment files, the county's
bank account and the budget authority admin. Merged into tests/url_matrix_expected.EXPECTED.

Samples (tests/url_matrix_samples.py, ``money_pk``): the follow-up's ``paid`` grant has a payment that
is paid, in a payment file the bank has confirmed, to county A's confirmed account. Acting on them
again is refused and the page says why (200); IMDi's pages are IMDi's (county roles 403), and only
caseworkers act; the account page is the county's (IMDi 403)."""

from __future__ import annotations

from tests import url_matrix_expected as base
from tests.url_matrix import login_required

IMDI = ("caseworker", "admin", "auditor")
COUNTY = ("county_staff", "county_director", "delegate")


def _imdi_page() -> dict:
    return login_required(403, **dict.fromkeys(IMDI, 200))


def _imdi_action() -> dict:
    return login_required(403, caseworker=200)


def _county(default) -> dict:
    return login_required(403, **dict.fromkeys(COUNTY, default))


def money_expected() -> dict:
    get_only = {"GET": _imdi_page(), "POST": login_required(405)}
    post_only = {"GET": login_required(405), "POST": _imdi_action()}
    rows = {
        "payment_detail": get_only,
        "payment_attest": post_only,
        "payment_approve": post_only,
        "payment_reject": post_only,
        "batch_list": get_only,
        "batch_create": post_only,
        "batch_detail": get_only,
        "batch_download": post_only,
        "batch_confirm": post_only,
        # The county's own page: an empty POST is the form with errors; the sample account is already
        # confirmed, so confirming or rejecting it again is refused on the page.
        "bank_account": {"GET": _county(200), "POST": _county(200)},
        "bank_account_confirm": {"GET": login_required(405), "POST": _county(200)},
        "bank_account_reject": {"GET": login_required(405), "POST": _county(200)},
    }
    rows.update(base.admin_model_rows("grants", "budgetauthority", base.EDITABLE))
    rows.update(base.admin_model_rows("reporting", "lateinterestrate", base.EDITABLE))
    for row in rows.values():  # auditors change nothing (portal.middleware), in the admin too
        row["POST"] = {**row["POST"], "auditor": 403}
    return rows
