"""Whether a grant's annual report is sent in (issue 16): ``Decision.report_done`` is kept by the
database from the report, through every step of its life and whoever writes it, and the overdue
reports read from it are the rows the join over every grant and its report gave."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from grants.models import Application, Case, Decision
from reporting import db_triggers
from reporting.models import AnnualReport, accepted_grants, overdue_reports
from reporting.reminders import reports_not_delivered
from reporting.services import reports, review
from tests import factories as f
from tests.conftest import login
from tests.reporting.helpers import paid_grant
from tests.reporting.test_reports import approved_by_both, ready_report
from tests.reporting.test_review import submitted_report

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

S = AnnualReport.State
NOW = timezone.now()


def done(decision: Decision) -> bool:
    return Decision.objects.values_list("report_done", flat=True).get(pk=decision.pk)


def grant(cast, *, deadline=NOW - dt.timedelta(days=3), accepted=True, kind=Decision.Kind.GRANT) -> Decision:
    """A county's approved decision written straight to the database, its report due ``deadline``."""
    organisation = f.make_org()
    application = Application.objects.create(
        call=cast.call,
        organisation=organisation,
        created_by=cast.staff_a,
        state=Application.State.SUBMITTED,
        title="Prosjekt",
        submitted_at=NOW,
    )
    case = Case.objects.create(application=application, call=cast.call, state=Case.State.DECIDED)
    amount = Decimal("500000") if kind == Decision.Kind.GRANT else Decimal("0")
    return Decision.objects.create(
        case=case,
        kind=kind,
        state=Decision.State.APPROVED,
        requested=Decimal("500000"),
        amount=amount,
        rules="Regler",
        facts="Fakta",
        considerations="Hensyn",
        report_deadline=deadline,
        proposed_by=cast.caseworker,
        proposed_at=NOW,
        approved_by=cast.caseworker2,
        approved_at=NOW,
        accepted_at=NOW if accepted else None,
        accepted_by=cast.director_a if accepted else None,
    )


# --- The flag follows the report -----------------------------------------------------------------


def test_the_flag_follows_the_report_from_draft_to_approval_and_deletion(client, cast):
    decision = paid_grant(cast)
    assert done(decision) is False
    report = ready_report(client, cast, decision)  # started: a draft
    assert report.state == S.DRAFT and done(decision) is False
    approved_by_both(client, cast, report)
    staff, caseworker = f.actor_for(cast.staff_a), f.actor_for(cast.caseworker)
    reports.report_submit(actor=staff, report_id=report.pk)
    assert done(decision) is True
    review.report_return(actor=caseworker, report_id=report.pk, reason="Rett aktivitetene.")
    assert done(decision) is False
    reports.report_submit(actor=staff, report_id=report.pk)
    assert done(decision) is True
    review.report_approve(actor=caseworker, report_id=report.pk, note="", carry_over=False)
    assert done(decision) is True
    AnnualReport.objects.filter(pk=report.pk).delete()
    assert done(decision) is False


def test_a_draft_saved_again_leaves_the_flag_alone_and_a_report_sent_in_directly_sets_it(cast):
    draft = submitted_report(grant(cast), state=S.DRAFT)
    draft.activities = "Endret."
    draft.save()
    assert done(draft.decision) is False
    sent = submitted_report(grant(cast), state=S.SUBMITTED)
    assert done(sent.decision) is True


def test_a_change_of_many_reports_at_once_sets_each_grant(cast):
    first, second = (submitted_report(grant(cast), state=S.DRAFT) for _ in range(2))
    AnnualReport.objects.filter(pk__in=[first.pk, second.pk]).update(state=S.SUBMITTED, submitted_at=NOW)
    assert done(first.decision) is True and done(second.decision) is True
    AnnualReport.objects.filter(pk=first.pk).update(state=S.RETURNED)
    assert done(first.decision) is False and done(second.decision) is True


def test_a_report_moved_to_another_grant_takes_the_flag_with_it(cast):
    report = submitted_report(grant(cast), state=S.APPROVED)
    old, new = report.decision, grant(cast)
    AnnualReport.objects.filter(pk=report.pk).update(decision=new)
    assert done(old) is False and done(new) is True


def test_a_save_of_a_decision_read_before_its_report_was_sent_keeps_the_flag(cast):
    decision = grant(cast)
    stale = Decision.objects.get(pk=decision.pk)
    submitted_report(decision, state=S.SUBMITTED)
    stale.acceptance_notified_at = NOW
    stale.save()
    assert done(decision) is True
    assert Decision.objects.get(pk=decision.pk).acceptance_notified_at == NOW


def test_a_direct_write_of_the_flag_is_put_right(cast):
    sent = submitted_report(grant(cast), state=S.SUBMITTED).decision
    missing = grant(cast)
    Decision.objects.filter(pk=sent.pk).update(report_done=False)
    Decision.objects.filter(pk=missing.pk).update(report_done=True)
    assert done(sent) is True and done(missing) is False
    assert missing in overdue_reports(NOW)


# --- The backfill of migration reporting 0013 ----------------------------------------------------


@contextmanager
def guard_off():
    """The flag as it was before migration reporting 0013: nothing keeps it and nothing guards it."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no foreign key check left pending: ALTER may run
            cursor.execute("ALTER TABLE grants_decision DISABLE TRIGGER grants_decision_report_done_kept")
        else:
            for statement in db_triggers.SQLITE_REPORT_DONE_UNINSTALL:
                cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE grants_decision ENABLE TRIGGER grants_decision_report_done_kept")
            else:
                db_triggers.ensure_sqlite_triggers()


def test_the_backfill_sets_every_grant_from_its_report(cast):
    states = [None, S.DRAFT, S.SUBMITTED, S.RETURNED, S.APPROVED]
    grants = {state: grant(cast) for state in states}
    for state, decision in grants.items():
        if state:
            submitted_report(decision, state=state)
    with guard_off():
        Decision.objects.update(report_done=False)
        Decision.objects.filter(pk=grants[None].pk).update(report_done=True)
        assert done(grants[S.APPROVED]) is False  # the guard is off: the flag is wrong
        db_triggers.fill_report_done(connection)
    assert {state: done(decision) for state, decision in grants.items()} == {
        None: False,
        S.DRAFT: False,
        S.SUBMITTED: True,
        S.RETURNED: False,
        S.APPROVED: True,
    }
    # The guard is back on.
    Decision.objects.filter(pk=grants[S.SUBMITTED].pk).update(report_done=False)
    assert done(grants[S.SUBMITTED]) is True


# --- The same rows as the join over every grant and its report --------------------------------


def old_overdue_reports(now):
    """``overdue_reports`` as it was before the flag: every accepted grant joined with its report."""
    return accepted_grants().filter(
        Q(annual_report__isnull=True, report_deadline__lt=now)
        | Q(annual_report__state__in=[S.DRAFT, S.RETURNED], annual_report__deadline__lt=now)
    )


def old_not_done():
    """The accepted grants without a report submitted or approved, as the panel and reminders read them."""
    sent = AnnualReport.objects.filter(decision=OuterRef("pk"), state__in=[S.SUBMITTED, S.APPROVED])
    return accepted_grants().filter(~Exists(sent))


def mixed_grants(cast) -> set[int]:
    """Grants with no report and with a report in every state, due before, at and after ``NOW``,
    reports whose own deadline IMDi moved either way, and decisions that owe no report."""
    days = dt.timedelta(days=1)
    for deadline in (NOW - 30 * days, NOW, NOW + 30 * days):
        grant(cast, deadline=deadline)
        for state in S.values:
            decision = grant(cast, deadline=deadline)
            submitted_report(decision, state=state)
            moved_back = grant(cast, deadline=deadline)
            submitted_report(moved_back, state=state, deadline=deadline - 60 * days)
            moved_on = grant(cast, deadline=deadline)
            submitted_report(moved_on, state=state, deadline=deadline + 60 * days)
    late = NOW - 30 * days
    grant(cast, deadline=late, accepted=False)
    grant(cast, deadline=late, kind=Decision.Kind.REJECTION, accepted=False)
    Decision.objects.filter(pk=grant(cast, deadline=late).pk).update(reversed_at=NOW)
    reversed_draft = grant(cast, deadline=late)
    submitted_report(reversed_draft, state=S.DRAFT)
    Decision.objects.filter(pk=reversed_draft.pk).update(reversed_at=NOW)
    return set(Decision.objects.values_list("pk", flat=True))


def pks(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def test_overdue_reports_are_the_rows_of_the_join_at_every_moment(cast):
    mixed_grants(cast)
    days = dt.timedelta(days=1)
    for now in (NOW - 100 * days, NOW - 31 * days, NOW - days, NOW, NOW + days, NOW + 31 * days, NOW + 100 * days):
        expected = pks(old_overdue_reports(now))
        assert pks(overdue_reports(now)) == expected, now
        assert overdue_reports(now).count() == len(expected)
    assert len(pks(old_overdue_reports(NOW + 100 * days))) > len(pks(old_overdue_reports(NOW))) > 0


def test_the_grants_still_owing_a_report_are_the_rows_of_the_join(cast):
    mixed_grants(cast)
    expected = pks(old_not_done())
    assert pks(accepted_grants().filter(report_done=False)) == expected
    assert pks(reports_not_delivered()) == expected
    assert 0 < len(expected) < accepted_grants().count()


# --- What the pages show ------------------------------------------------------------------------


def test_the_county_panel_lists_the_grant_until_its_report_is_sent_in(client, cast):
    decision = paid_grant(cast)
    login(client, cast.staff_a)

    def waiting() -> bool:
        page = client.get(reverse("dashboard")).content.decode()
        assert ("Ingen tilskudd venter på årsrapport." in page) != ("Tilskudd som trenger årsrapport" in page)
        return "Tilskudd som trenger årsrapport" in page

    assert waiting() is True
    report = submitted_report(decision, state=S.SUBMITTED)
    assert waiting() is False
    AnnualReport.objects.filter(pk=report.pk).update(state=S.RETURNED)
    assert waiting() is True


# --- Migrating a SQLite database that has the kept triggers ---------------------------------------


def test_a_sqlite_database_with_the_kept_triggers_migrates_forward(tmp_path):
    """SQLite cannot rebuild ``grants_decision`` (migration grants 0022) while the payments' triggers
    name it: the kept triggers are removed before ``migrate`` and put back after it. A SQLite file of
    its own, whatever database the suite runs on (CI's is PostgreSQL)."""
    database = tmp_path / "portal.sqlite3"
    env = {
        "DEBUG": "true",
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{database}",
    }

    def migrate(*target: str) -> None:
        result = subprocess.run(
            [sys.executable, "manage.py", "migrate", *target, "-v0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-2000:]

    def triggers() -> set[str]:
        with sqlite3.connect(database) as db:
            return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}

    migrate("grants", "0021")  # as before the flag, with the payments' triggers in place
    assert "grants_payment_paid_insert" in triggers()
    migrate()
    assert {"grants_payment_paid_insert", "grants_decision_report_done_update"} <= triggers()
    assert "reporting_annualreport_done_update" in triggers()
    assert "reporting_call_figures_decision_update" in triggers()  # migration reporting 0014's
