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
import os
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if __name__ == "__main__":  # run as a script: import the project's packages
    sys.path[0] = str(BASE_DIR)

GOAL_SECONDS = 5.0


def make_candidates(now: dt.datetime) -> dict[str, int]:
    """Write the candidates described in the module's doc; returns how many of each were made."""
    from django.db.models import Count
    from django.utils import timezone

    from grants.models import Application, Call, DeadlineExtension, Decision
    from portal.models import User
    from reporting.models import AnnualReport, RepaymentClaim

    made = {}
    user = User.objects.order_by("pk").first()
    call = Call.objects.published().annotate(n=Count("eligible_organisations")).order_by("-n", "pk").first()
    if call is not None:
        deadline = now + dt.timedelta(days=5)
        Call.objects.filter(pk=call.pk).update(
            opens_at=min(call.opens_at, now - dt.timedelta(days=30)),
            application_deadline=deadline,
            report_deadline=max(call.report_deadline, deadline + dt.timedelta(days=30)),
        )
        made["call with deadline in 5 days"] = call.n

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
    made["awaiting confirmation"] = len(waiting)

    accepted = list(
        Decision.objects.filter(
            kind=Decision.Kind.GRANT, state=Decision.State.APPROVED, reversed_at__isnull=True, accepted_at__isnull=False
        )
        .exclude(annual_report__state__in=[AnnualReport.State.SUBMITTED, AnnualReport.State.APPROVED])
        .order_by("pk")
        .values_list("pk", "case_id", "case__application_id", "amount", "annual_report")
    )
    reports = accepted[::10]
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
    made["report due in 10 days"] = len(reports)

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
    made["repayment claims"] = len(claims)
    return made


def _timed_sweep(now) -> dict:
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reporting.reminders import sweep_reminders

    mail.outbox = []
    with CaptureQueriesContext(connection) as queries:
        begin = time.perf_counter()
        result = sweep_reminders(now)
        seconds = time.perf_counter() - begin
    return {**result, "seconds": seconds, "queries": len(queries), "emails": len(mail.outbox)}


def measure(applications: int | None = None) -> tuple[list[dict], list[str]]:
    """Rows (first and second sweep) and notes; everything written is rolled back."""
    from django.db import transaction
    from django.test import override_settings
    from django.utils import timezone

    from grants.models import Application
    from reporting.models import Reminder

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


def measure_reminders(bench):
    """``bench/run.py``'s measure: the sweep over the bench database, as a table."""
    from bench.run import Column, Table

    rows, notes = measure(getattr(bench.args, "applications", None))
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
    from bench import run

    early = run.server_args(argv)
    os.environ.pop("REDIS_URL", None)
    os.environ.update(run.bench_env(early.port or 8000, early.database))

    import django

    django.setup()
    from django.core.management import call_command

    from bench import seed

    args = run.parse_args(argv)
    timer = run.Timer()
    timer.phase(f"database {args.database} (drop, create)", run.recreate_database, args.database)
    timer.phase("migrate", call_command, "migrate", interactive=False, verbosity=0)
    timer.phase("load_demo", run.load_demo)
    data = timer.phase("seed", seed.run, args)
    table = timer.phase("reminders", measure_reminders, run.Bench(args, data, 0, {}, {}, ""))
    print(run.render(table))
    return 0 if table.rows[0]["seconds"] <= GOAL_SECONDS and not table.rows[0]["failed"] else 1


if __name__ == "__main__":
    sys.exit(main())
