"""How long the reminder sweep takes on the scale data set, and how many queries it sends.

``measure_reminders(bench)`` makes candidates of every kind in the bench database, inside a
transaction that is rolled back (the database is left as it was):

- the published call with the most eligible counties gets its application deadline 5 days ahead
  (every eligible county that has not submitted is reminded);
- half of that call's applications, and a tenth of the others, go back to "awaiting confirmation",
  sent 3 days ago; the others' counties get a deadline extension 20 days ahead (the sweep reads the
  latest extension);
- a tenth of the accepted grants whose report is not delivered get a draft (or their draft) due in
  10 days;
- one in fifty of those grants gets a repayment claim, due in 3 days or 3 days ago;
- the seeded grants waiting for acceptance, and reports overdue, count as they are.

Then it runs ``reporting.reminders.sweep_reminders`` twice with the locmem e-mail backend: the first
sends everything, the second finds everything sent. The goal: the first sweep within
``GOAL_SECONDS`` over 20,000 applications, with a query count that does not depend on the data.

On its own (drops and recreates the database, migrates and seeds it as ``bench/run.py`` does)::

    .venv/bin/python bench/reminders.py --database reminders_bench --applications 20000 --events 0
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

# Run on its own (``main``): import the project's packages, and set Django up for the bench database
# (``bench/run.py``'s --port and --database) before the imports below load the models.
if __name__ == "__main__":
    sys.path[0] = str(Path(__file__).resolve().parent.parent)
    from bench.environment import server_args, use_bench_settings

    _early = server_args()
    use_bench_settings(_early.port or 8000, _early.database)

from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import prepare, seed
from bench.environment import recreate_database
from bench.tables import Column, Table, Timer, render
from grants.models import Application, Call, DeadlineExtension, Decision
from portal.models import User
from reporting.models import AnnualReport, Reminder, RepaymentClaim
from reporting.reminders import sweep_reminders

GOAL_SECONDS = 5.0


def make_candidates(now: dt.datetime) -> dict[str, int]:
    """Write the candidates described in the module's doc; returns how many of each were made."""
    made = {}
    user = User.objects.order_by("pk").first()
    call = Call.objects.published().annotate(n=Count("eligible_organisations")).order_by("-n", "pk").first()
    if call is not None:
        _deadline_in_five_days(call, now)
        made["call with deadline in 5 days"] = call.n
    made["awaiting confirmation"] = _awaiting_confirmation(call, user, now)
    accepted = list(
        Decision.objects.filter(
            kind=Decision.Kind.GRANT, state=Decision.State.APPROVED, reversed_at__isnull=True, accepted_at__isnull=False
        )
        .exclude(annual_report__state__in=[AnnualReport.State.SUBMITTED, AnnualReport.State.APPROVED])
        .order_by("pk")
        .values_list("pk", "case_id", "case__application_id", "amount", "annual_report")
    )
    made["report due in 10 days"] = _reports_due(accepted[::10], user, now)
    made["repayment claims"] = _repayment_claims(accepted, user, now)
    return made


def _deadline_in_five_days(call: Call, now: dt.datetime) -> None:
    deadline = now + dt.timedelta(days=5)
    Call.objects.filter(pk=call.pk).update(
        opens_at=min(call.opens_at, now - dt.timedelta(days=30)),
        application_deadline=deadline,
        report_deadline=max(call.report_deadline, deadline + dt.timedelta(days=30)),
    )


def _awaiting_confirmation(call: Call | None, user: User, now: dt.datetime) -> int:
    """Half of ``call``'s submitted applications and a tenth of the others back to "awaiting
    confirmation"; the others' counties get a deadline extension. Returns how many went back."""
    submitted = Application.objects.filter(state=Application.State.SUBMITTED).order_by("pk")
    rows = submitted.values_list("pk", "call_id", "organisation_id")
    in_call = set(rows.filter(call=call)[::2]) if call is not None else set()  # not submitted: reminded of both
    extended = {row for row in rows[::10] if call is None or row[1] != call.pk}
    waiting = in_call | extended
    Application.objects.filter(pk__in=[pk for pk, _call, _org in waiting]).update(
        state=Application.State.AWAITING_CONFIRMATION, sent_at=now - dt.timedelta(days=3)
    )
    DeadlineExtension.objects.bulk_create(
        DeadlineExtension(
            call_id=call_id,
            organisation_id=org_id,
            deadline=now + dt.timedelta(days=20),
            reason="Bench",
            recorded_by=user,
        )
        for call_id, org_id in {(c, o) for _pk, c, o in extended}
    )
    return len(waiting)


def _reports_due(reports: list[tuple], user: User, now: dt.datetime) -> int:
    """These accepted grants' reports due in 10 days: their draft, or a new one."""
    AnnualReport.objects.filter(pk__in=[report for *_rest, report in reports if report]).update(
        deadline=now + dt.timedelta(days=10)
    )
    AnnualReport.objects.bulk_create(
        AnnualReport(
            decision_id=pk,
            case_id=case_id,
            application_id=app_id,
            deadline=now + dt.timedelta(days=10),
            created_by=user,
        )
        for pk, case_id, app_id, _amount, report in reports
        if not report
    )
    return len(reports)


def _repayment_claims(accepted: list[tuple], user: User, now: dt.datetime) -> int:
    """A claim for one in fifty accepted grants without an open one, due in 3 days or 3 days ago."""
    today = timezone.localdate(now)
    open_claims = RepaymentClaim.objects.filter(state__in=[RepaymentClaim.State.NOTICE, RepaymentClaim.State.CLAIMED])
    taken = set(open_claims.values_list("decision_id", flat=True))
    claims = [row for row in accepted[5::50] if row[0] not in taken]
    RepaymentClaim.objects.bulk_create(
        RepaymentClaim(
            case_id=case_id,
            decision_id=pk,
            state=RepaymentClaim.State.CLAIMED,
            reason=RepaymentClaim.Reason.UNUSED,
            amount=min(amount, Decimal("10000")),
            explanation="Bench",
            reference=f"TB-BENCH-{pk}",
            notice_sent_at=now - dt.timedelta(days=40),
            notice_sent_by=user,
            comment_deadline=today - dt.timedelta(days=20),
            claimed_at=now - dt.timedelta(days=20),
            claimed_by=user,
            due_date=today + dt.timedelta(days=3 if n % 2 else -3),
        )
        for n, (pk, case_id, _app_id, amount, _report) in enumerate(claims)
    )
    return len(claims)


def _timed_sweep(now) -> dict:
    mail.outbox = []
    with CaptureQueriesContext(connection) as queries:
        begin = time.perf_counter()
        result = sweep_reminders(now)
        seconds = time.perf_counter() - begin
    return {**result, "seconds": seconds, "queries": len(queries), "emails": len(mail.outbox)}


def measure(applications: int | None = None) -> tuple[list[dict], list[str]]:
    """Rows (first and second sweep) and notes; everything written is rolled back."""
    now = timezone.now()
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
        transaction.atomic(),
    ):
        applications = Application.objects.count() if applications is None else applications
        made = make_candidates(now)
        first = _timed_sweep(now)
        kinds = Counter(Reminder.objects.filter(sent_at=now).values_list("kind", flat=True))
        second = _timed_sweep(now)
        transaction.set_rollback(True)
    rows = [{"sweep": "first", **first}, {"sweep": "second (all sent)", **second}]
    met = first["seconds"] <= GOAL_SECONDS
    notes = [
        "made: " + ", ".join(f"{name} {count}" for name, count in made.items()),
        "sent: " + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items())),
        f"goal: first sweep ≤ {GOAL_SECONDS:.0f} s over {applications:,} applications ".replace(",", " ")
        + f"({'met' if met else 'MISSED'}); locmem e-mail backend; rolled back afterwards",
    ]
    if first["failed"] or second["sent"]:
        notes.append(f"UNEXPECTED: {first['failed']} failed in the first sweep, {second['sent']} sent by the second")
    return rows, notes


def measure_reminders(bench) -> Table:
    """A measure of ``bench/measures.py: MEASURES``: the sweep over the bench database, as a table."""
    return reminder_table(getattr(bench.args, "applications", None))


def reminder_table(applications: int | None) -> Table:
    """The first and the second sweep (``measure``) as a table."""
    rows, notes = measure(applications)
    return Table(
        "reminders",
        [
            Column("sweep", "sweep", align="<"),
            Column("seconds", "seconds", "{:.2f}"),
            Column("queries", "queries"),
            Column("candidates", "candidates"),
            Column("claimed", "claimed"),
            Column("sent", "sent"),
            Column("e-mails", "emails"),
            Column("failed", "failed"),
        ],
        rows=rows,
        notes=notes,
    )


def main(argv=None) -> int:
    """Recreate and seed a bench database (``bench/run.py``'s options), then measure."""
    args = prepare.parse_args(argv)
    timer = Timer()
    timer.phase(f"database {args.database} (drop, create)", recreate_database, args.database)
    timer.phase("migrate", call_command, "migrate", interactive=False, verbosity=0)
    timer.phase("load_demo", prepare.load_demo)
    timer.phase("seed", seed.run, args)
    table = timer.phase("reminders", reminder_table, args.applications)
    print(render(table))
    return 0 if table.rows[0]["seconds"] <= GOAL_SECONDS and not table.rows[0]["failed"] else 1


if __name__ == "__main__":
    sys.exit(main())
