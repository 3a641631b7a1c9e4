"""The scale data set: counties with staff and directors, calls, delegations, audit events,
submitted applications with their cases (``bench/cases.py``) and five years of follow-up money for
the statistics pages (``bench/statistics_data.py``).

Runs after ``migrate`` and ``load_demo`` on an empty bench database. Writes with ``bulk_create``,
and with PostgreSQL's COPY (``bench/records.py``) for the tables that grow to hundreds of thousands
of rows. What the steps made goes on ``BenchData`` (``bench/data.py``).
Each step is a function ``(args, data) -> None`` in ``STEPS``; a later issue adds its own step (and
its options in ``add_arguments``) and puts what its pages need on ``data``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone
from psycopg.types.json import Jsonb

from bench import cases, statistics_data
from bench.data import BenchData, County
from bench.orgnr import orgnrs
from bench.records import BATCH, copy_rows, create_calls
from grants import seed as grants_seed
from grants.models import (
    Application,
    Call,
    Case,
    CostCategory,
    Criterion,
    CriterionScore,
    Decision,
    Letter,
    Payment,
    Scheme,
    Submission,
)
from portal.models import AuditEvent, Delegation, Membership, Organisation, Role, User

# Actions the audit log knows today; later issues add theirs.
ACTIONS = ["delegation.granted", "delegation.revoked", "membership.chosen"]


def positive(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


def at_least_one(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("scale data set")
    group.add_argument(
        "--counties", type=at_least_one, default=3, help="counties with a director and staff to add (default 3)"
    )
    group.add_argument("--calls", type=at_least_one, default=5, help="calls to add (default 5)")
    group.add_argument("--events", type=positive, default=20000, help="audit events per county (default 20000)")
    group.add_argument("--staff", type=at_least_one, default=5, help="county staff users per county (default 5)")
    group.add_argument(
        "--delegations", type=positive, default=30, help="delegations per county, history included (default 30)"
    )
    group.add_argument(
        "--applications",
        type=positive,
        default=20000,
        help="submitted applications with their cases, across the bench calls (default 20000)",
    )
    group.add_argument(
        "--per-call",
        type=positive,
        default=50,
        help="of these, submitted to the call the inbox and allocation pages show (default 50)",
    )
    group.add_argument(
        "--applicants",
        type=positive,
        default=0,
        help="counties that apply (default: the square root of the other applications, at least --per-call); "
        "earlier years' calls are added until each has no more applications than there are counties",
    )


# --- Steps ------------------------------------------------------------------------------------


def seed_counties(args, data: BenchData) -> None:
    """Counties (Organisation kind county), a director and ``--staff`` county staff in each."""
    numbers = orgnrs(93_000_000)
    orgs = Organisation.objects.bulk_create(
        [
            Organisation(
                kind=Organisation.Kind.COUNTY,
                name=f"Benchfylke {i:03d} fylkeskommune",
                orgnr=next(numbers),
                written_standard="nn" if i % 3 == 0 else "nb",
                postal_address=f"Postboks {i}\n{1000 + i:04d} Benchby",
                letter_email=f"post@county{i:03d}.bench",
            )
            for i in range(1, args.counties + 1)
        ]
    )
    password = make_password(None)  # unusable: bench users log in only through made sessions
    users, memberships, roles = [], [], []
    for i, org in enumerate(orgs, start=1):
        domain = f"county{i:03d}.bench"
        people = [(f"direktor@{domain}", f"Direktør Benchfylke {i:03d}", Role.COUNTY_DIRECTOR)]
        people += [
            (f"staff{j}@{domain}", f"Saksbehandler {j} Benchfylke {i:03d}", Role.COUNTY_STAFF)
            for j in range(1, args.staff + 1)
        ]
        for email, name, role in people:
            users.append(User(email=email, full_name=name, password=password))
            roles.append((org, role))
    users = User.objects.bulk_create(users, batch_size=BATCH)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users], batch_size=BATCH
    )
    for user, (org, role) in zip(users, roles, strict=True):
        memberships.append(Membership(user=user, organisation=org, role=role))
    Membership.objects.bulk_create(memberships, batch_size=BATCH)
    per_county = args.staff + 1
    for n, org in enumerate(orgs):
        chunk = users[n * per_county : (n + 1) * per_county]
        data.counties.append(County(organisation=org, director=chunk[0], staff=chunk[1:]))


def seed_calls(args, data: BenchData) -> None:
    """``--calls`` published calls (most open now), each with cost categories, criteria and all bench
    counties eligible; every tenth is unpublished and every fifth past its deadline."""
    imdi = Organisation.objects.get(orgnr=grants_seed.IMDI["orgnr"])
    now = timezone.now()
    schemes = Scheme.objects.bulk_create(
        [
            Scheme(code=f"bench-{i:04d}", name=f"Benchordning {i:04d}", priority_area=f"Område {i}", owner=imdi)
            for i in range(1, args.calls + 1)
        ]
    )
    calls = []
    for i, scheme in enumerate(schemes, start=1):
        fields = grants_seed.call_data(now.year)
        if i % 5 == 0:
            opens, deadline = now - dt.timedelta(days=120), now - dt.timedelta(days=30)
        else:
            opens, deadline = now - dt.timedelta(days=10), now + dt.timedelta(days=20 + i)
        fields.update(
            title=f"Benchutlysning {i:04d}: {fields['title']}",
            is_published=i % 10 != 0,
            opens_at=opens,
            application_deadline=deadline,
            report_deadline=deadline + dt.timedelta(days=365),
            pot=Decimal("1000000.00") * (1 + i % 7),
        )
        calls.append(Call(scheme=scheme, year=now.year, **fields))
    calls = create_calls(calls)
    through = Call.eligible_organisations.through
    through.objects.bulk_create(
        [through(call=call, organisation=c.organisation) for call in calls for c in data.counties], batch_size=BATCH
    )
    data.calls = calls


def seed_delegations(args, data: BenchData) -> None:
    """``--delegations`` per county from its director to its staff: a history of expired and revoked
    ones, then two valid now (the first staff member holds one) and one that starts in a week."""
    now = timezone.now()
    rows = []
    for county in data.counties:
        n = args.delegations
        for k in range(n):
            grantee = county.staff[k % len(county.staff)]
            if k >= n - 3:
                start = now + dt.timedelta(days=7) if k == n - 1 and n > 3 else now - dt.timedelta(days=k % 5 + 1)
                end = start + dt.timedelta(days=90)
                if k == n - 2:
                    grantee = county.staff[0]
            else:
                start = now - dt.timedelta(days=30 * (n - k) + 60)
                end = start + dt.timedelta(days=60)
            revoked = k < n - 3 and k % 4 == 1
            rows.append(
                Delegation(
                    organisation=county.organisation,
                    grantor=county.director,
                    grantee=grantee,
                    valid_from=start,
                    valid_to=end,
                    reason=f"Fullmakt {k + 1}: stedfortreder i ferien.",
                    revoked_at=start + dt.timedelta(days=10) if revoked else None,
                    revoked_by=county.director if revoked else None,
                )
            )
    Delegation.objects.bulk_create(rows, batch_size=BATCH)


def seed_events(args, data: BenchData) -> None:
    """``--events`` audit events per county over the last two years, by its director and staff."""
    rng = random.Random(2025)  # the same data set for the same arguments
    now = timezone.now()
    span = dt.timedelta(days=730).total_seconds()
    fields = [
        "at", "actor", "actor_label", "organisation", "role", "action", "object_type", "object_id",
        "object_repr", "subject_organisation", "from_state", "to_state", "changes", "ip",
    ]  # fmt: skip
    granted_changes, no_changes = Jsonb({"reason": "Ferie"}), Jsonb({})

    def rows():
        for county in data.counties:
            org = county.organisation
            people = [
                (user.pk, f"{user.full_name} <{user.email}>", role, f"{county.director.full_name} → {user.full_name}")
                for user, role in [(county.director, Role.COUNTY_DIRECTOR)]
                + [(u, Role.COUNTY_STAFF) for u in county.staff]
            ]
            for n in range(args.events):
                user_id, label, role, repr_ = rng.choice(people)
                action = rng.choice(ACTIONS)
                granted = action == "delegation.granted"
                yield (
                    now - dt.timedelta(seconds=span * (n + rng.random()) / args.events),
                    user_id,
                    label,
                    org.pk,
                    role,
                    action,
                    "portal.delegation" if action.startswith("delegation") else "portal.membership",
                    str(rng.randint(1, 100000)),
                    f"{repr_} ({org.name})",
                    org.pk,
                    "",
                    "active" if granted else "",
                    granted_changes if granted else no_changes,
                    f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                )

    copy_rows(AuditEvent, fields, rows())


STEPS: list[Callable[[argparse.Namespace, BenchData], None]] = [
    seed_counties,
    seed_calls,
    seed_delegations,
    seed_events,
    cases.seed_applications,
    statistics_data.seed_statistics,
]


def run(args) -> BenchData:
    """Run the steps in autocommit mode: each statement (a COPY, a bulk insert) commits by itself.
    Nothing needs rolling back (the database is dropped on every run), and one transaction for
    everything is slow (see ``bench/cases.py: CASE_BATCH``). Then VACUUM ANALYZE, as autovacuum would
    have done on a database that grew over years: fresh statistics and a visibility map for
    index-only scans."""
    data = BenchData()
    for step in STEPS:
        step(args, data)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    data.summary = {
        "organisations": Organisation.objects.count(),
        "counties": Organisation.objects.filter(kind=Organisation.Kind.COUNTY).count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "delegations": Delegation.objects.count(),
        "calls": Call.objects.count(),
        "published calls": Call.objects.published().count(),
        "cost categories": CostCategory.objects.count(),
        "criteria": Criterion.objects.count(),
        "audit events": AuditEvent.objects.count(),
        "applications": Application.objects.count(),
        "submissions": Submission.objects.count(),
        "cases": Case.objects.count(),
        "criterion scores": CriterionScore.objects.count(),
        "decisions": Decision.objects.count(),
        "letters": Letter.objects.count(),
        "payments": Payment.objects.count(),
    }
    return data
