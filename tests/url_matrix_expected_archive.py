"""The URL × role matrix's expected answers for the archive's pages (issue 15): the public journal is
open to everyone; a request for access may be sent by anyone but an auditor (who changes nothing)."""

from __future__ import annotations

from tests.url_matrix import by_role, login_required

PUBLIC = by_role(200)
NOT_ALLOWED = by_role(405, auditor=403)  # the middleware refuses an auditor's POST before the view

EXPECTED_ARCHIVE: dict[str, dict[str, dict]] = {
    "public_journal": {"GET": PUBLIC, "POST": NOT_ALLOWED},
    # The samples journal documents today, so the last week has entries and the file is made.
    "public_journal_xml": {"GET": PUBLIC, "POST": NOT_ALLOWED},
    # An empty request comes back with its errors; an auditor's POST is refused by the middleware.
    "public_journal_request": {"GET": PUBLIC, "POST": by_role(200, auditor=403)},
    # Admins order archive extracts; an empty order comes back with its errors.
    "archive_extracts": {"GET": login_required(403, admin=200), "POST": login_required(403, admin=200)},
}


def archive_kwarg(name: str) -> int | None:
    """The sample value of an archive URL's argument (``None``: not an archive argument)."""
    from grants.models import JournalEntry

    if name == "entry_pk":
        return JournalEntry.objects.public().order_by("pk").values_list("pk", flat=True).first()
    return None
