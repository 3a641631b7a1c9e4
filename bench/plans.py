"""What the scale data set's applications will be, before anything about them is written: to which
call, from which county, in which state, with what budget, scores and allocation
(``bench/cases.py: seed_applications`` writes them).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from django.utils import timezone

from bench.data import BenchData
from bench.orgnr import orgnrs
from bench.records import BATCH, create_calls
from grants import seed as grants_seed
from grants.models import Call, Case, CostCategory, Scheme
from portal.models import Organisation, User

CASEWORKERS = ("saksbehandler1@imdi.demo", "saksbehandler2@imdi.demo")  # demo users: both are caseworkers
S = Case.State
# How far the handling has come: an open call has no decisions yet; a call past its deadline is
# mostly decided and paid; an earlier year's call is done. Appeals (appealed, forwarded, closed) are
# not seeded.
OPEN_STATES = {S.RECEIVED: 3, S.ASSIGNED: 2, S.ASSESSING: 2, S.ASSESSED: 3}
CLOSED_STATES = {
    S.RECEIVED: 1, S.ASSIGNED: 1, S.ASSESSING: 2, S.ASSESSED: 4, S.PROPOSED: 4, S.DECIDED: 12, S.ACCEPTED: 8,
    S.PAID: 68,
}  # fmt: skip
ARCHIVE_STATES = {S.DECIDED: 20, S.PAID: 80}  # earlier years: paid, or rejected
SCORED = (S.ASSESSING, S.ASSESSED, S.PROPOSED, S.DECIDED, S.ACCEPTED, S.PAID)  # assessment begun
DECIDED = (S.DECIDED, S.ACCEPTED, S.PAID)


@dataclass
class Plan:
    """One application as it will be written: to which call, from whom, and how far IMDi has come."""

    number: int
    call: Call
    organisation: Organisation
    created_by: User
    confirmed_by: User
    state: str
    categories: list[tuple[int, str]]  # the call's cost categories (id, name), in order
    lines: list[tuple[int, str, Decimal, str]]  # category id, name, amount, description
    submitted_at: dt.datetime
    caseworker: int  # index into CASEWORKERS: who is assigned from "assigned" on
    scores: list[int | None] = field(default_factory=list)
    recommended: Decimal | None = None
    allocated: Decimal = Decimal("0")
    grant: bool = False  # for a decision: a grant, not a rejection
    # Set while writing:
    pk: int = 0
    case_pk: int = 0
    reference: str = ""
    requested: dict[int, Decimal] = field(default_factory=dict)  # per cost category, as submitted

    @property
    def assigned_at(self) -> dt.datetime:
        return self.submitted_at + dt.timedelta(days=1)

    @property
    def assessed_at(self) -> dt.datetime:
        return self.assigned_at + dt.timedelta(days=5)

    @property
    def total(self) -> Decimal:
        return sum((amount for _cat, _name, amount, _desc in self.lines), Decimal("0"))


def _applicant_organisations(count: int) -> list[Organisation]:
    """Bench-only counties without users: they apply, nobody logs in as them."""
    if count <= 0:
        return []
    numbers = orgnrs(94_000_000)
    return Organisation.objects.bulk_create(
        [
            Organisation(
                kind=Organisation.Kind.COUNTY,
                name=f"Benchsøker {i:05d} fylkeskommune",
                orgnr=next(numbers),
                written_standard="nn" if i % 4 == 0 else "nb",
                postal_address=f"Postboks {i}\n{2000 + i % 8000:04d} Søkerby",
                letter_email=f"post@applicant{i:05d}.bench",
            )
            for i in range(1, count + 1)
        ],
        batch_size=BATCH,
    )


def _allocate(plans: list[Plan], pot: Decimal) -> None:
    """Set ``allocated`` within 90 % of the call's pot: granted decisions first (scaled down together
    if the pot is oversubscribed), then the assessed cases without a decision by score, best first,
    until the money is spent. The database trigger sums it into ``Call.allocated`` and its CHECK has the
    last word."""
    budget = pot * Decimal("0.9")
    granted = [p for p in plans if p.grant]
    wanted = sum((p.recommended for p in granted), Decimal("0"))
    factor = min(Decimal("1"), budget * Decimal("0.8") / wanted) if wanted else Decimal("1")
    for plan in granted:  # whole thousands where the share allows, at least 1 kr: sum ≤ 80 % + 1 kr each
        share = plan.recommended * factor
        unit = Decimal("1000") if share >= 1000 else Decimal("1")
        plan.allocated = max(Decimal("1"), (share / unit).to_integral_value(rounding=ROUND_FLOOR) * unit)
        budget -= plan.allocated
    if budget < 0:
        raise ValueError(f"{len(granted)} grants do not fit in a pot of {pot} kr: seed fewer applications per call")
    candidates = [p for p in plans if p.state in (S.ASSESSING, S.ASSESSED) and p.recommended]
    candidates.sort(key=lambda p: (-sum(s or 0 for s in p.scores), p.number))
    for plan in candidates:
        amount = min(plan.recommended, (budget / 1000).to_integral_value(rounding=ROUND_FLOOR) * 1000)
        if amount <= 0:
            break
        plan.allocated = amount
        budget -= amount


def _archive_calls(count: int) -> list[Call]:
    """``count`` calls of earlier years (ten a scheme, last year first), closed and reported on."""
    if count <= 0:
        return []
    imdi = Organisation.objects.get(orgnr=grants_seed.IMDI["orgnr"])
    this_year, years = timezone.localdate().year, 10
    schemes = Scheme.objects.bulk_create(
        [
            Scheme(code=f"bench-arkiv-{i:04d}", name=f"Benchordning arkiv {i:04d}", priority_area="Arkiv", owner=imdi)
            for i in range(1, -(-count // years) + 1)
        ]
    )
    calls = []
    for k in range(count):
        year = this_year - 1 - k % years
        fields = grants_seed.call_data(year)  # opens in January, deadline in February, report a year later
        fields.update(
            title=f"Benchutlysning arkiv {k + 1:04d}: {fields['title']}", pot=Decimal("1000000") * (1 + k % 7)
        )
        calls.append(Call(scheme=schemes[k // years], year=year, **fields))
    return create_calls(calls)


def plan_applications(args, data: BenchData, rng: random.Random, now) -> tuple[Call, list[Plan]] | None:
    """The applications to write: ``--per-call`` of them to the first published open call (returned
    with the plans), the rest spread over the other published calls and as many earlier years' calls as
    it takes (see ``bench/cases.py: seed_applications``); None when there is no open call."""
    published = [c for c in data.calls if c.is_published]
    case_call = next((c for c in published if c.is_open), None)
    if case_call is None:
        data.notes.append("no published open bench call: --applications not seeded (raise --calls)")
        return None
    others = [c for c in published if c is not case_call]
    pairs, archive = _pairs(args, data, case_call, others)
    others += archive
    archived = {c.pk for c in archive}
    data.extra.update(archive_calls=len(archive), applicant_counties=len({org.pk for _c, (org, *_u) in pairs}))
    categories: dict[int, list[tuple[int, str]]] = {}
    call_ids = [case_call.pk] + [c.pk for c in others]
    for call_id, pk, name in CostCategory.objects.filter(call__in=call_ids).values_list("call_id", "id", "name"):
        categories.setdefault(call_id, []).append((pk, name))
    plans = [
        _draw(rng, number, call, county, categories[call.pk], call.pk in archived, now)
        for number, (call, county) in enumerate(pairs, start=1)
    ]
    for call in [case_call, *others]:
        _allocate([p for p in plans if p.call is call], call.pot)
    return case_call, plans


def _pairs(args, data: BenchData, case_call: Call, others: list[Call]) -> tuple[list[tuple], list[Call]]:
    """Who applies to which call: ``(call, (county, sender, confirmer))`` for each application, and the
    earlier years' calls added so that no call has more applications than there are counties."""
    per_call = min(args.per_call, args.applications)
    rest = args.applications - per_call
    # As many applicant counties as calls (see seed_applications), or --applicants.
    width = max(per_call, args.applicants or (math.isqrt(rest - 1) + 1 if rest else 0))
    archive = _archive_calls(-(-rest // width) - len(others)) if rest else []
    others = others + archive
    counties = [(c.organisation, c.staff[0], c.director) for c in data.counties]
    applicant = User.objects.create(
        email="soker@applicants.bench", full_name="Benchsøker (fylkeskommunene uten egne brukere)"
    )
    needed = max(per_call, -(-rest // len(others)) if rest else 0)  # the busiest call's applicants
    extra = _applicant_organisations(needed - len(counties))
    applicants = counties + [(org, applicant, applicant) for org in extra]
    pairs = [(case_call, applicants[i]) for i in range(per_call)]
    pairs += [(others[k % len(others)], applicants[k // len(others)]) for k in range(rest)]
    return pairs, archive


def _draw(rng: random.Random, number: int, call: Call, county, categories, archived: bool, now) -> Plan:
    """The ``number``th application, to ``call``: its state drawn with the weights of the call's kind,
    two to four budget lines, and from the assessment on its scores, recommendation and kind of decision."""
    org, staff, director = county
    criteria_count = len(grants_seed.CRITERIA)
    is_open = call.application_deadline > now
    weights = ARCHIVE_STATES if archived else OPEN_STATES if is_open else CLOSED_STATES
    state = rng.choices(list(weights), weights=list(weights.values()))[0]
    chosen = sorted(rng.sample(categories, k=rng.randint(2, 4)), key=categories.index)
    lines = [
        (pk, name, Decimal(rng.randint(5, 120) * 10_000), f"{name}: {rng.randint(1, 4)} årsverk og drift")
        for pk, name in chosen
    ]
    if is_open:
        submitted = now - dt.timedelta(days=rng.uniform(0, 9))
    else:
        submitted = call.application_deadline - dt.timedelta(days=rng.uniform(0.5, 20))
    plan = Plan(number, call, org, staff, director, state, categories, lines, submitted, number % 2)
    if state in SCORED:
        scored = criteria_count if state != S.ASSESSING else criteria_count // 2
        plan.scores = [rng.randint(1, 6) if i < scored else None for i in range(criteria_count)]
    if state not in (S.RECEIVED, S.ASSIGNED, S.ASSESSING):
        plan.recommended = (plan.total * Decimal(rng.uniform(0.5, 1.0)) / 10_000).quantize(Decimal("1")) * 10_000
        maybe = state in (S.PROPOSED, S.DECIDED) and not archived  # years ago: rejections
        plan.grant = state in (S.ACCEPTED, S.PAID) or (maybe and rng.random() < 0.7)
    return plan
