"""The scale data set's follow-up money, for IMDi's statistics pages: the step ``seed_statistics``
(listed in ``bench/seed.py: STEPS``, after ``seed_applications``).

1. Five years of one scheme with paid grants: the archive scheme of ``bench/plans.py`` that has the
   most past calls with payments, when it has five; otherwise a scheme of its own
   ("Benchordning statistikk", the five years before this one) with ``COUNTIES`` counties' paid
   grants each year (the bench counties, then bench-only ones).
2. Budget lines for every submitted application that has none, from its current submission's
   snapshot (``bench/cases.py`` seeds none), in one INSERT … SELECT.
3. An annual report for every grant of a past call paid in full that has none (80 % approved, 10 %
   submitted, 10 % draft), with its account lines (each category's grant spent at 75–105 %), other
   income now and then, and for an approved report with money left: a carry-over (40 %) or a repaid
   claim (a third of the rest).

Everything is written with COPY (``copy_records``), primary keys reserved first.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_FLOOR, Decimal

from django.db import connection
from django.db.models import Count, F
from django.utils import timezone

from bench.data import BenchData
from bench.decisions import REASONS
from bench.orgnr import orgnrs
from bench.plans import CASEWORKERS
from bench.records import BATCH, copy_records, create_calls, reserve_ids
from grants import seed as grants_seed
from grants.models import (
    Application,
    BudgetLine,
    Call,
    Case,
    CostCategory,
    Decision,
    DecisionLine,
    Payment,
    Scheme,
    Submission,
)
from portal.models import Organisation, User
from reporting.models import AccountLine, AnnualReport, CarryOver, RepaymentClaim

YEARS = 5
COUNTIES = 12  # applicants a year in the scheme this step makes
CENT = Decimal("0.01")


def seed_statistics(args, data: BenchData) -> None:
    rng = random.Random(2027)
    now = timezone.now()
    caseworkers = [User.objects.get(email=email) for email in CASEWORKERS]
    scheme_id = _scheme_with_years(now) or _five_years(data, caseworkers, now)
    budget_lines = _budget_lines()
    reports, carried, claims = _reports(rng, caseworkers, now)
    call = (
        Call.objects.filter(scheme_id=scheme_id, application_deadline__lt=now, cases__decisions__paid__gt=0)
        .order_by("-year")
        .first()
    )
    data.extra["statistics_call"] = call
    data.notes.append(
        f"statistics: «{call.scheme.name}» has {Call.objects.filter(scheme_id=scheme_id).count()} years; "
        f"{budget_lines} budget lines, {reports} annual reports, {carried} carry-overs, {claims} repaid claims added"
    )


def _scheme_with_years(now) -> int | None:
    """A scheme with at least five past calls that have payments (the archive's), if there is one."""
    best = (
        Call.objects.filter(application_deadline__lt=now, cases__decisions__paid__gt=0)
        .values("scheme_id")
        .annotate(years=Count("id", distinct=True))
        .order_by("-years", "scheme_id")
        .first()
    )
    return best["scheme_id"] if best and best["years"] >= YEARS else None


def _five_years(data: BenchData, caseworkers: list[User], now) -> int:
    """A scheme with a call for each of the five years before this one, and ``COUNTIES`` counties'
    grants in each: submitted, allocated, decided, accepted and paid in full."""
    scheme, calls = _scheme_with_calls(now)
    counties = _applicants(data)
    through = Call.eligible_organisations.through
    through.objects.bulk_create([through(call=call, organisation=org) for call in calls for org, *_u in counties])
    categories: dict[int, list[int]] = {}
    for call_id, pk in CostCategory.objects.filter(call__in=calls).order_by("order").values_list("call_id", "id"):
        categories.setdefault(call_id, []).append(pk)

    pairs = [(call, county) for call in calls for county in counties]
    app_ids, case_ids = reserve_ids(Application, len(pairs)), reserve_ids(Case, len(pairs))
    decision_ids = reserve_ids(Decision, len(pairs))
    records: dict[type, list[dict]] = {m: [] for m in (Application, BudgetLine, Case, Decision, DecisionLine, Payment)}
    for n, (call, county) in enumerate(pairs):
        ids = app_ids[n], case_ids[n], decision_ids[n]
        _add_paid_grant(records, n, call, county, categories[call.pk], caseworkers, ids)
    copy_records(Application, records[Application])
    copy_records(BudgetLine, records[BudgetLine])
    copy_records(Case, records[Case])  # the trigger sums Case.allocated into Call.allocated (within the pot)
    copy_records(Decision, records[Decision])
    copy_records(DecisionLine, records[DecisionLine])
    copy_records(Payment, records[Payment])  # the trigger sums the payments into Decision.paid
    return scheme.pk


def _scheme_with_calls(now) -> tuple[Scheme, list[Call]]:
    """The scheme "Benchordning statistikk" with a call for each of the five years before this one."""
    imdi = Organisation.objects.get(orgnr=grants_seed.IMDI["orgnr"])
    scheme = Scheme.objects.create(
        code="bench-statistikk", name="Benchordning statistikk", priority_area="Statistikk", owner=imdi
    )
    years = range(now.year - YEARS, now.year)
    calls = []
    for year in years:
        fields = grants_seed.call_data(year)
        fields.update(title=f"Benchstatistikk {year}: {fields['title']}", pot=Decimal("8000000"))
        calls.append(Call(scheme=scheme, year=year, **fields))
    return scheme, create_calls(calls)


def _applicants(data: BenchData) -> list[tuple[Organisation, User, User]]:
    """``COUNTIES`` counties with the user who sends and the one who confirms: the bench counties,
    then bench-only ones (sent and confirmed by the first bench county's users)."""
    counties = [(c.organisation, c.staff[0], c.director) for c in data.counties][:COUNTIES]
    numbers = orgnrs(95_000_000)
    extra = Organisation.objects.bulk_create(
        [
            Organisation(
                kind=Organisation.Kind.COUNTY,
                name=f"Benchstatistikk {i:02d} fylkeskommune",
                orgnr=next(numbers),
                postal_address=f"Postboks {i}\n3000 Statistikkby",
                letter_email=f"post@statistics{i:02d}.bench",
            )
            for i in range(1, COUNTIES - len(counties) + 1)
        ]
    )
    first = data.counties[0]
    return counties + [(org, first.staff[0], first.director) for org in extra]


def _add_paid_grant(records, n: int, call: Call, county, categories: list[int], caseworkers: list[User], ids) -> None:
    """The ``n``th application of the scheme, to ``call`` from ``county``, with its budget, case,
    decision, decision lines and payment in full, appended to ``records`` (rows by model)."""
    org, staff, director = county
    app_id, case_id, decision_id = ids
    submitted = call.application_deadline - dt.timedelta(days=3 + n % 10)
    approved = submitted + dt.timedelta(days=30)
    # Each category asks 50,000–200,000 and gets 80 % of it in whole thousands (12 counties fit the pot).
    asked = {cat: Decimal(50_000 + 25_000 * ((n + k) % 7)) for k, cat in enumerate(categories[:4])}
    granted = {
        cat: (amount * Decimal("0.8") / 1000).to_integral_value(ROUND_FLOOR) * 1000 for cat, amount in asked.items()
    }
    total, grant = sum(asked.values()), sum(granted.values())
    records[Application].append(
        {
            "id": app_id, "call_id": call.pk, "organisation_id": org.pk, "state": Application.State.SUBMITTED,
            "reference": f"{call.year}-S{n + 1:05d}", "created_by_id": staff.pk, "created_at": submitted,
            "updated_at": submitted, "sent_at": submitted, "sent_by_id": staff.pk, "submitted_at": submitted,
            "title": f"Fagbrev for voksne innvandrere i {org.name}", "carry_over_amount": Decimal("0"),
        }
    )  # fmt: skip
    records[BudgetLine] += [
        {"application_id": app_id, "category_id": cat, "amount": amount, "description": "Lærere", "order": k}
        for k, (cat, amount) in enumerate(asked.items())
    ]  # fmt: skip
    records[Case].append(
        {
            "id": case_id, "application_id": app_id, "call_id": call.pk, "state": Case.State.PAID,
            "assigned_to_id": caseworkers[0].pk, "assigned_at": submitted + dt.timedelta(days=1),
            "recommended_total": grant, "allocated": grant, "updated_at": approved,
        }
    )  # fmt: skip
    records[Decision].append(
        {
            "id": decision_id, "case_id": case_id, "kind": Decision.Kind.GRANT, "state": Decision.State.APPROVED,
            "requested": total, "amount": grant, **REASONS, "report_deadline": call.report_deadline,
            "proposed_by_id": caseworkers[0].pk, "proposed_at": approved - dt.timedelta(days=1),
            "approved_by_id": caseworkers[1].pk, "approved_at": approved,
            "accepted_by_id": director.pk, "accepted_at": approved + dt.timedelta(days=3),
        }
    )  # fmt: skip
    records[DecisionLine] += [
        {"decision_id": decision_id, "category_id": cat, "requested": asked[cat], "granted": granted[cat]}
        for cat in asked
    ]
    records[Payment].append(
        {
            "decision_id": decision_id, "amount": grant, "paid_on": (approved + dt.timedelta(days=10)).date(),
            "reference": f"BILAG-S{n + 1:05d}", "recorded_by_id": caseworkers[1].pk,
            "recorded_at": approved + dt.timedelta(days=10), "state": "paid",  # the trigger sums paid ones only
        }
    )  # fmt: skip


def _budget_lines() -> int:
    """The budget lines of each submitted application that has none, from its current submission."""
    budget, submission, category = (m._meta.db_table for m in (BudgetLine, Submission, CostCategory))
    application = Application._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {budget} (application_id, category_id, amount, description, "order")
            SELECT a.id, c.id, (line.value ->> 'amount')::numeric, line.value ->> 'description', line.ordinality - 1
            FROM {application} a
            JOIN {submission} s ON s.application_id = a.id AND s.withdrawn_at IS NULL
            CROSS JOIN LATERAL jsonb_array_elements(s.snapshot -> 'budget' -> 'lines') WITH ORDINALITY AS line
            JOIN {category} c ON c.call_id = a.call_id AND c.name = line.value ->> 'category'
            WHERE a.state = 'submitted' AND NOT EXISTS (SELECT 1 FROM {budget} b WHERE b.application_id = a.id)
            """  # noqa: S608 (table names from the models, no user input)
        )
        return cursor.rowcount


def _reports(rng: random.Random, caseworkers: list[User], now) -> tuple[int, int, int]:
    """Annual reports, account lines, carry-overs and repaid claims for past calls' paid grants."""
    paid_grants = Decision.objects.filter(
        kind=Decision.Kind.GRANT,
        state=Decision.State.APPROVED,
        reversed_at__isnull=True,
        accepted_at__isnull=False,
        paid=F("amount"),
        case__call__application_deadline__lt=now,
        annual_report__isnull=True,
    )
    grants = list(
        paid_grants.order_by("pk").values_list(
            "pk",
            "case_id",
            "case__application_id",
            "case__application__organisation_id",
            "case__call__scheme_id",
            "case__call__year",
            "report_deadline",
            "amount",
            "accepted_by_id",
        )  # fmt: skip
    )
    if not grants:
        return 0, 0, 0
    lines = _granted_lines(paid_grants)
    report_ids = reserve_ids(AnnualReport, len(grants))
    records: dict[type, list[dict]] = {m: [] for m in (AnnualReport, AccountLine, CarryOver, RepaymentClaim)}
    for report_id, grant in zip(report_ids, grants, strict=True):
        _add_report(records, rng, caseworkers, report_id, grant, lines.get(grant[0], []))
    copy_records(AnnualReport, records[AnnualReport])
    copy_records(AccountLine, records[AccountLine])
    copy_records(CarryOver, records[CarryOver])
    copy_records(RepaymentClaim, records[RepaymentClaim])
    return len(records[AnnualReport]), len(records[CarryOver]), len(records[RepaymentClaim])


def _granted_lines(paid_grants) -> dict[int, list[tuple[int, Decimal, Decimal]]]:
    """Each decision's lines with money granted: (category, requested, granted), by category."""
    lines: dict[int, list[tuple[int, Decimal, Decimal]]] = {}
    for decision_id, category_id, requested, granted in (
        DecisionLine.objects.filter(decision__in=paid_grants.values("pk"), granted__gt=0)
        .order_by("decision_id", "category_id")
        .values_list("decision_id", "category_id", "requested", "granted")
        .iterator(chunk_size=BATCH)
    ):
        lines.setdefault(decision_id, []).append((category_id, requested, granted))
    return lines


def _add_report(records, rng: random.Random, caseworkers: list[User], report_id: int, grant, lines) -> None:
    """The grant's annual report (80 % approved, 10 % submitted, 10 % draft) with its account lines,
    and for an approved report with money left, perhaps a carry-over or a repaid claim."""
    decision_id, case_id, app_id, org_id, scheme_id, year, deadline, amount, county_user = grant
    draw = rng.random()
    state = "approved" if draw < 0.8 else "submitted" if draw < 0.9 else "draft"
    submitted = deadline - dt.timedelta(days=rng.randint(1, 20))
    factor = Decimal(rng.randint(75, 105)) / 100
    other_income = Decimal(rng.choice([0, 0, 0, 20_000, 50_000, 100_000]))
    spent_total = Decimal("0")
    for category_id, requested, granted in lines:
        spent = (granted * factor).quantize(CENT)
        spent_total += spent
        records[AccountLine].append(
            {"report_id": report_id, "category_id": category_id, "budgeted": requested, "granted": granted,
             "spent": spent}
        )  # fmt: skip
    records[AnnualReport].append(
        {
            "id": report_id, "decision_id": decision_id, "case_id": case_id, "application_id": app_id,
            "state": state, "deadline": deadline, "carried_in": Decimal("0"), "other_income": other_income,
            "use_of_grant": "Tilskuddet er brukt til lærere og drift av samarbeidet.",
            "submitted_at": submitted if state != "draft" else None,
            "submitted_by_id": county_user if state != "draft" else None,
            "approved_at": submitted + dt.timedelta(days=14) if state == "approved" else None,
            "approved_by_id": caseworkers[0].pk if state == "approved" else None,
            "created_by_id": county_user, "created_at": submitted - dt.timedelta(days=30), "updated_at": submitted,
        }
    )  # fmt: skip
    unused = max(Decimal("0"), min(amount, amount + other_income - spent_total))
    if state != "approved" or unused <= 0:
        return
    approved_at = submitted + dt.timedelta(days=14)
    draw = rng.random()
    if draw < 0.4:
        records[CarryOver].append(
            {"report_id": report_id, "organisation_id": org_id, "scheme_id": scheme_id, "to_year": year + 1,
             "amount": unused, "approved_by_id": caseworkers[0].pk, "approved_at": approved_at}
        )  # fmt: skip
    elif draw < 0.6:
        records[RepaymentClaim].append(_repaid_claim(caseworkers, report_id, decision_id, case_id, unused, approved_at))


def _repaid_claim(caseworkers: list[User], report_id: int, decision_id: int, case_id: int, unused, approved_at) -> dict:
    """A claim for the unused money, noticed a week after the report's approval and repaid."""
    noticed = approved_at + dt.timedelta(days=7)
    return {
        "case_id": case_id, "decision_id": decision_id, "report_id": report_id, "state": "repaid",
        "reason": "unused", "amount": unused, "explanation": "Ubrukte midler etter regnskapet.",
        "reference": f"KRAV-B{report_id}", "notice_sent_at": noticed,
        "notice_sent_by_id": caseworkers[0].pk,
        "comment_deadline": (noticed + dt.timedelta(days=21)).date(),
        "claimed_at": noticed + dt.timedelta(days=25), "claimed_by_id": caseworkers[0].pk,
        "due_date": (noticed + dt.timedelta(days=55)).date(), "language": "nb",
        "repaid_amount": unused, "repaid_on": (noticed + dt.timedelta(days=50)).date(),
        "repaid_recorded_by_id": caseworkers[1].pk, "repaid_recorded_at": noticed + dt.timedelta(days=51),
    }  # fmt: skip
