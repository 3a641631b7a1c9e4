"""The scale data set's applications and cases, for IMDi's inbox, allocation, case and payment pages.

The step ``seed_applications`` (listed in ``bench/seed.py: STEPS``) and what it needs; see its
docstring for the shape of the data and why.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import JSONField
from django.utils import timezone
from psycopg.types.json import Jsonb

from bench.seed import BATCH, BenchData, copy_rows, create_calls, orgnrs
from grants import seed as grants_seed
from grants.models import (
    Application,
    Call,
    Case,
    CooperationAgreement,
    CostCategory,
    Criterion,
    CriterionScore,
    Decision,
    DecisionLine,
    ImpartialityDeclaration,
    Letter,
    PartnerKind,
    Payment,
    Scheme,
    Submission,
)
from portal.models import AuditEvent, Organisation, Role, User

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
REASONS = {
    "rules": "Rundskriv om tilskudd til en nasjonal samarbeidsmodell, punkt 5 og 6.",
    "facts": "Fylkeskommunen har avtaler med alle fire typer samarbeidspartnere og søkte i tide.",
    "considerations": "Modellen har stor overføringsverdi til andre fylker.",
}
# Cases are written this many to a transaction. Each case's row trigger updates its call's row, and
# 5,000 updates of one row in one transaction leave a chain of versions that every later update and
# foreign-key check walks: 20,000 cases took 330 s in one transaction, 2 s in batches.
CASE_BATCH = 500
# A tiny PDF that every seeded receipt, agreement and letter points to, so their links work.
PLACEHOLDER_PDF = b"%PDF-1.4\n% bench\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def reserve_ids(model, count: int) -> list[int]:
    """``count`` primary keys from ``model``'s sequence, for rows written with COPY that others point to."""
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, count]
        )
        return [row[0] for row in cursor.fetchall()]


def copy_records(model, records: list[dict]) -> int:
    """COPY ``records`` (dicts keyed by attname: ``call_id``, ``state``) into ``model``'s table; a field
    a record leaves out gets the field's default ("" or None), JSON fields go as ``Jsonb``."""
    if not records:
        return 0
    given = set().union(*(r.keys() for r in records[:1]))
    fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.attname in given]
    defaults = {f.attname: f.get_default() for f in fields}
    json = {f.attname for f in fields if isinstance(f, JSONField)}

    def rows():
        for record in records:
            row = []
            for f in fields:
                value = record.get(f.attname, defaults[f.attname])
                row.append(Jsonb(value) if f.attname in json else value)
            yield tuple(row)

    return copy_rows(model, [f.name for f in fields], rows())


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


def _placeholder_file(prefix: str) -> tuple[str, str]:
    """The storage name and SHA-256 of the placeholder PDF under ``prefix``/ (written once per run)."""
    name = default_storage.save(f"{prefix}/bench-placeholder.pdf", ContentFile(PLACEHOLDER_PDF))
    return name, hashlib.sha256(PLACEHOLDER_PDF).hexdigest()


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


def _plan(args, data: BenchData, rng: random.Random, now) -> tuple[Call, list[Plan]] | None:
    published = [c for c in data.calls if c.is_published]
    case_call = next((c for c in published if c.is_open), None)
    if case_call is None:
        data.notes.append("no published open bench call: --applications not seeded (raise --calls)")
        return None
    per_call = min(args.per_call, args.applications)
    rest = args.applications - per_call
    # As many applicant counties as calls (see seed_applications), or --applicants.
    width = max(per_call, args.applicants or (math.isqrt(rest - 1) + 1 if rest else 0))
    others = [c for c in published if c is not case_call]
    archive = _archive_calls(-(-rest // width) - len(others)) if rest else []
    others += archive
    counties = [(c.organisation, c.staff[0], c.director) for c in data.counties]
    applicant = User.objects.create(
        email="soker@applicants.bench", full_name="Benchsøker (fylkeskommunene uten egne brukere)"
    )
    needed = max(per_call, -(-rest // len(others)) if rest else 0)  # the busiest call's applicants
    extra = _applicant_organisations(needed - len(counties))
    applicants = counties + [(org, applicant, applicant) for org in extra]
    pairs = [(case_call, applicants[i]) for i in range(per_call)]
    pairs += [(others[k % len(others)], applicants[k // len(others)]) for k in range(rest)]
    archived = {c.pk for c in archive}
    data.extra.update(archive_calls=len(archive), applicant_counties=len({org.pk for _c, (org, *_u) in pairs}))

    categories: dict[int, list[tuple[int, str]]] = {}
    call_ids = [case_call.pk] + [c.pk for c in others]
    for call_id, pk, name in CostCategory.objects.filter(call__in=call_ids).values_list("call_id", "id", "name"):
        categories.setdefault(call_id, []).append((pk, name))
    criteria_count = len(grants_seed.CRITERIA)
    plans = []
    for number, (call, (org, staff, director)) in enumerate(pairs, start=1):
        is_open = call.application_deadline > now
        weights = ARCHIVE_STATES if call.pk in archived else OPEN_STATES if is_open else CLOSED_STATES
        state = rng.choices(list(weights), weights=list(weights.values()))[0]
        chosen = sorted(rng.sample(categories[call.pk], k=rng.randint(2, 4)), key=categories[call.pk].index)
        lines = [
            (pk, name, Decimal(rng.randint(5, 120) * 10_000), f"{name}: {rng.randint(1, 4)} årsverk og drift")
            for pk, name in chosen
        ]
        if is_open:
            submitted = now - dt.timedelta(days=rng.uniform(0, 9))
        else:
            submitted = call.application_deadline - dt.timedelta(days=rng.uniform(0.5, 20))
        plan = Plan(number, call, org, staff, director, state, categories[call.pk], lines, submitted, number % 2)
        if state in SCORED:
            scored = criteria_count if state != S.ASSESSING else criteria_count // 2
            plan.scores = [rng.randint(1, 6) if i < scored else None for i in range(criteria_count)]
        if state not in (S.RECEIVED, S.ASSIGNED, S.ASSESSING):
            plan.recommended = (plan.total * Decimal(rng.uniform(0.5, 1.0)) / 10_000).quantize(Decimal("1")) * 10_000
            maybe = state in (S.PROPOSED, S.DECIDED) and call.pk not in archived  # years ago: rejections
            plan.grant = state in (S.ACCEPTED, S.PAID) or (maybe and rng.random() < 0.7)
        plans.append(plan)
    for call in [case_call, *others]:
        _allocate([p for p in plans if p.call is call], call.pot)
    return case_call, plans


def _answers(plan: Plan) -> dict:
    place = plan.organisation.name.removesuffix(" fylkeskommune")
    year = plan.call.year
    return {
        "title": f"Fagbrev for voksne innvandrere i {place}",
        "summary": "En klasse for voksne innvandrere som tar fagbrev i helse- og oppvekstfag.",
        "cooperation_model": "Fylket, NAV, kommunene og opplæringskontorene møtes hver måned.",
        "participants_planned": 10 + plan.number % 11,
        "recruitment": "NAV og kommunene foreslår deltakere fra introduksjonsprogrammet.",
        "follow_up": "Hver deltaker har en kontaktlærer og en veileder i bedriften.",
        "period_start": dt.date(year, 1, 1),
        "period_end": dt.date(year, 12, 31),
        "has_adjustments": False,
        "adjustments": "",
        "commits_to_sharing": True,
        "experience_sharing": "Vi deltar på IMDis samlinger og i evalueringen.",
        "transfer_value": "Avtalene og rutinene kan brukes av andre fylker.",
        "declares_no_running_costs": True,
        "carry_over_amount": Decimal("0"),
        "carry_over_explanation": "",
        "contact_name": plan.created_by.full_name,
        "contact_email": plan.created_by.email,
        "contact_phone": "99 99 99 99",
    }


def _json(value):
    if value is None or isinstance(value, bool | str | int):
        return value
    return str(value) if isinstance(value, Decimal) else value.isoformat()


def seed_applications(args, data: BenchData) -> None:
    """``--applications`` submitted applications with their cases, ``--per-call`` of them in one open
    call (``data.extra["case_call"]``: the inbox and allocation pages show it), the rest spread evenly
    over the other published calls.

    A county applies once to a call, so 20,000 applications need counties × calls ≥ 20,000, and
    IMDi's inbox lists both in its filters. The cheapest shape that keeps both lists short is as
    many counties as calls: this step adds bench-only counties without users ("Benchsøker 00001
    fylkeskommune", one small row each, eligible only for the calls they applied to), √20,000 ≈ 142
    of them, and earlier years' calls of archive schemes (closed, reported on, mostly paid) until no
    call has more applications than there are counties: 137 with the defaults. ``--applicants``
    chooses another width (``--applicants 5000`` puts everything in the five bench calls, and the
    inbox's county filter grows to 5,000 names). The applications of the counties without users are
    sent and confirmed by one bench user.

    Each application is submitted as the portal leaves it: the Application row, four cooperation
    agreements, a Submission whose snapshot has the shape of ``grants.services.build_snapshot``
    (fields, agreements, budget lines and totals per cost category) with its receipt, and a Case in
    a state drawn per call (an open call has no decisions yet; a closed one is mostly decided and
    paid; an earlier year's is paid or rejected). Cases from ``assigned`` on go to the demo
    caseworkers (saksbehandler1@imdi.demo for every other one), with a declaration of impartiality
    from ``assessing`` on; assessed cases have scores on every criterion (half of them while
    assessing), a recommended total and an allocation within the call's pot: granted decisions
    first, then the best-scored assessed cases until the money is spent. Decisions (proposed
    by the assigned caseworker, approved by the other), their lines per cost category, letters
    (issued) and payments (all of a paid grant, half of every other accepted one) follow the case's
    state. ``Call.allocated`` and ``Decision.paid`` are summed by the database triggers from these
    rows (migration grants/0007), as in the portal. The chosen call's applications have an audit
    history (confirmed, assigned, impartial, assessed, allocated). Budget lines as drafts, line
    assessments and appeals are not seeded.

    Everything is written with COPY, primary keys reserved from the sequences first.
    """
    if args.applications == 0:
        return
    rng = random.Random(2026)
    now = timezone.now()
    planned = _plan(args, data, rng, now)
    if planned is None:
        return
    case_call, plans = planned
    caseworkers = [User.objects.get(email=email) for email in CASEWORKERS]
    receipt_name, pdf_sha = _placeholder_file("kvitteringer")
    agreement_name, _sha = _placeholder_file("avtaler")
    letter_name, _sha = _placeholder_file("brev")

    eligible = set(Call.eligible_organisations.through.objects.values_list("call_id", "organisation_id"))
    pairs = sorted({(p.call.pk, p.organisation.pk) for p in plans} - eligible)
    copy_rows(Call.eligible_organisations.through, ["call", "organisation"], pairs)

    app_ids = reserve_ids(Application, len(plans))
    agreement_ids = reserve_ids(CooperationAgreement, 4 * len(plans))
    case_ids = reserve_ids(Case, len(plans))
    applications, agreements, submissions, cases, declarations, scores = [], [], [], [], [], []
    criteria: dict[int, list[int]] = {}
    call_ids = {p.call.pk for p in plans}
    for call_id, pk in Criterion.objects.filter(call__in=call_ids).order_by("order").values_list("call_id", "id"):
        criteria.setdefault(call_id, []).append(pk)
    kinds = list(PartnerKind)
    for i, plan in enumerate(plans):
        plan.pk, plan.case_pk = app_ids[i], case_ids[i]
        plan.reference = reference = f"{plan.call.year}-B{plan.number:06d}"
        sent = plan.submitted_at - dt.timedelta(hours=2)
        answers = _answers(plan)
        applications.append(
            {
                "id": plan.pk, "call_id": plan.call.pk, "organisation_id": plan.organisation.pk,
                "state": Application.State.SUBMITTED, "reference": reference, "created_by_id": plan.created_by.pk,
                "created_at": sent - dt.timedelta(days=14), "updated_at": plan.submitted_at, "sent_at": sent,
                "sent_by_id": plan.created_by.pk, "confirmers_notified_at": sent,
                "submitted_at": plan.submitted_at, **answers,
            }
        )  # fmt: skip
        listed = []
        for k, kind in enumerate(kinds):
            pk = agreement_ids[4 * i + k]
            partner = f"{kind.label} i {plan.organisation.name.split()[1]}"
            agreements.append(
                {
                    "id": pk, "application_id": plan.pk, "partner_kind": kind.value, "partner_name": partner,
                    "file": agreement_name, "original_name": f"avtale-{kind.value}.pdf",
                    "content_type": "application/pdf", "size": len(PLACEHOLDER_PDF), "sha256": pdf_sha,
                    "uploaded_by_id": plan.created_by.pk, "uploaded_at": sent - dt.timedelta(days=1),
                }
            )  # fmt: skip
            listed.append(
                {"id": pk, "partner_kind": kind.value, "partner_name": partner, "file": f"avtale-{kind.value}.pdf",
                 "size": len(PLACEHOLDER_PDF), "sha256": pdf_sha}
            )  # fmt: skip
        plan.requested = by_category = {pk: Decimal("0") for pk, _name in plan.categories}
        for cat, _name, amount, _desc in plan.lines:
            by_category[cat] += amount
        snapshot = {
            "reference": reference,
            "call": {"id": plan.call.pk, "title": plan.call.title, "year": plan.call.year},
            "organisation": {"name": plan.organisation.name, "orgnr": plan.organisation.orgnr},
            "fields": {name: _json(value) for name, value in answers.items()},
            "agreements": listed,
            "budget": {
                "lines": [{"category": name, "amount": str(amount), "description": desc}
                          for _cat, name, amount, desc in plan.lines],
                "categories": [{"name": name, "total": str(by_category[pk])} for pk, name in plan.categories],
                "total": str(plan.total),
            },
            "sent_by": plan.created_by.full_name,
            "sent_at": sent.isoformat(),
        }  # fmt: skip
        submissions.append(
            {
                "application_id": plan.pk, "number": 1, "snapshot": snapshot, "total": plan.total,
                "sent_by_id": plan.created_by.pk, "sent_at": sent, "confirmed_by_id": plan.confirmed_by.pk,
                "confirmed_at": plan.submitted_at, "authority": "som fylkeskommunedirektør", "receipt": receipt_name,
                "receipt_sha256": pdf_sha, "receipt_status": Submission.ReceiptStatus.READY, "receipt_attempts": 1,
                "receipt_emailed_at": plan.submitted_at,
            }
        )  # fmt: skip
        assigned = plan.state != S.RECEIVED
        worker = caseworkers[plan.caseworker]
        assessed = plan.recommended is not None
        cases.append(
            {
                "id": plan.case_pk, "application_id": plan.pk, "call_id": plan.call.pk, "state": plan.state,
                "assigned_to_id": worker.pk if assigned else None,
                "assigned_at": plan.assigned_at if assigned else None,
                "agreements_ok": True if assessed else None, "declaration_ok": True if assessed else None,
                "in_time_ok": True if assessed else None, "recommended_total": plan.recommended,
                "justification": "Godt samarbeid og tydelig overføringsverdi." if assessed else "",
                "assessed_at": plan.assessed_at if assessed else None,
                "assessed_by_id": worker.pk if assessed else None, "allocated": plan.allocated,
                "updated_at": plan.assessed_at if assessed else plan.assigned_at,
            }
        )  # fmt: skip
        if plan.state in SCORED:
            declarations.append(
                {"case_id": plan.case_pk, "user_id": worker.pk, "disqualified": False,
                 "declared_at": plan.assigned_at + dt.timedelta(hours=1)}
            )  # fmt: skip
            for criterion, score in zip(criteria[plan.call.pk], plan.scores, strict=True):
                scores.append({"case_id": plan.case_pk, "criterion_id": criterion, "score": score, "comment": ""})
    copy_records(Application, applications)
    copy_records(CooperationAgreement, agreements)
    copy_records(Submission, submissions)
    for start in range(0, len(cases), CASE_BATCH):  # the trigger sums Case.allocated into Call.allocated
        copy_records(Case, cases[start : start + CASE_BATCH])
    with connection.cursor() as cursor:
        # Every case left a dead version of its call's row (4 KB each): 40 MB for a handful of calls,
        # which every scan of the calls would read. Autovacuum keeps up with one allocation at a time.
        cursor.execute(f"VACUUM FULL {connection.ops.quote_name(Call._meta.db_table)}")
    copy_records(ImpartialityDeclaration, declarations)
    copy_records(CriterionScore, scores)
    _seed_decisions(plans, caseworkers, letter_name, pdf_sha)
    _seed_history(case_call, [p for p in plans if p.call is case_call], caseworkers)
    in_call = [p for p in plans if p.call is case_call]
    mine = [p for p in in_call if p.caseworker == 0 and p.state == S.ASSESSED]  # saksbehandler1's
    richest = mine[0] if mine else in_call[0] if in_call else None
    data.extra["case_call"] = Call.objects.get(pk=case_call.pk)
    if richest is not None:
        data.extra["case"] = Case.objects.get(pk=richest.case_pk)
    data.notes.append(
        f"{len(in_call)} applications in «{case_call.title[:40]}…» (pk {case_call.pk}), "
        f"{len(plans) - len(in_call)} over "
        f"{len({p.call.pk for p in plans}) - 1} other calls ({data.extra['archive_calls']} of them earlier years'), "
        f"from {data.extra['applicant_counties']} counties"
    )


def _split(plan: Plan) -> dict[int, Decimal]:
    """The allocation over the cost categories, as much as possible in the last ones (as the
    caseworker's proposal would): never more than requested in a category."""
    left, granted = plan.allocated, {}
    for pk, _name in reversed(plan.categories):
        part = min(left, plan.requested[pk])
        granted[pk] = part
        left -= part
    return granted


def _seed_decisions(plans: list[Plan], caseworkers: list[User], letter_name: str, sha: str) -> None:
    """Decisions for the cases that have one: proposed, or approved by the other caseworker with an
    issued letter; accepted by the county and paid (in full, or half of every other accepted grant)."""
    decided = [p for p in plans if p.state in (S.PROPOSED, *DECIDED)]
    ids = reserve_ids(Decision, len(decided))
    decisions, lines, letters, payments = [], [], [], []
    for pk, plan in zip(ids, decided, strict=True):
        proposer, approver = caseworkers[plan.caseworker], caseworkers[1 - plan.caseworker]
        proposed_at = plan.assessed_at + dt.timedelta(days=2)
        approved_at = proposed_at + dt.timedelta(days=1) if plan.state in DECIDED else None
        accepted_at = approved_at + dt.timedelta(days=3) if plan.state in (S.ACCEPTED, S.PAID) else None
        kind = Decision.Kind.GRANT if plan.grant else Decision.Kind.REJECTION
        amount = plan.allocated if plan.grant else Decimal("0")
        decisions.append(
            {
                "id": pk, "case_id": plan.case_pk, "kind": kind,
                "state": Decision.State.APPROVED if approved_at else Decision.State.PROPOSED,
                "requested": plan.total, "amount": amount, **REASONS,
                "conditions": f"Tilskuddet skal brukes til klassen i {plan.call.year}." if plan.grant else "",
                "report_deadline": plan.call.report_deadline, "proposed_by_id": proposer.pk,
                "proposed_at": proposed_at, "approved_by_id": approver.pk if approved_at else None,
                "approved_at": approved_at, "accepted_by_id": plan.confirmed_by.pk if accepted_at else None,
                "accepted_at": accepted_at,
            }
        )  # fmt: skip
        granted = _split(plan) if plan.grant else {}
        for category, _name in plan.categories:
            lines.append(
                {"decision_id": pk, "category_id": category, "requested": plan.requested[category],
                 "granted": granted.get(category, Decimal("0"))}
            )  # fmt: skip
        if approved_at is None:
            continue
        issued = approved_at + dt.timedelta(minutes=5)
        letters.append(
            {
                "decision_id": pk, "reference": f"{plan.reference}-1",
                "language": plan.organisation.written_standard, "status": Letter.Status.READY, "file": letter_name,
                "sha256": sha, "attempts": 1, "issued_at": issued, "notified_at": issued,
                "first_opened_at": accepted_at - dt.timedelta(hours=1) if accepted_at else None,
                "first_opened_by_id": plan.confirmed_by.pk if accepted_at else None, "created_at": approved_at,
            }
        )  # fmt: skip
        paid = amount if plan.state == S.PAID else (amount / 2000).quantize(Decimal("1")) * 1000
        if accepted_at and paid > 0 and (plan.state == S.PAID or plan.number % 2):
            payments.append(
                {"decision_id": pk, "amount": paid, "paid_on": (accepted_at + dt.timedelta(days=10)).date(),
                 "reference": f"BILAG-{plan.number:06d}", "recorded_by_id": approver.pk,
                 "recorded_at": accepted_at + dt.timedelta(days=10)}
            )  # fmt: skip
    copy_records(Decision, decisions)
    copy_records(DecisionLine, lines)
    copy_records(Letter, letters)
    copy_records(Payment, payments)  # the trigger sums the payments into Decision.paid


def _seed_history(call: Call, plans: list[Plan], caseworkers: list[User]) -> None:
    """The audit events the chosen call's cases would have, so their case page shows a history."""
    imdi = Organisation.objects.get(orgnr=grants_seed.IMDI["orgnr"])
    events = []
    for plan in plans:
        worker = caseworkers[plan.caseworker]
        common = {
            "object_type": Application._meta.label_lower, "object_id": str(plan.pk),
            "object_repr": f"{plan.reference} – {plan.organisation.name} – {call.title}"[:300],
            "subject_organisation_id": plan.organisation.pk, "ip": "10.0.0.1",
        }  # fmt: skip
        county = {
            "actor_id": plan.confirmed_by.pk, "organisation_id": plan.organisation.pk, "role": Role.COUNTY_DIRECTOR,
            "actor_label": f"{plan.confirmed_by.full_name} <{plan.confirmed_by.email}>",
        }  # fmt: skip
        imdi_actor = {
            "actor_id": worker.pk, "organisation_id": imdi.pk, "role": Role.CASEWORKER,
            "actor_label": f"{worker.full_name} <{worker.email}>",
        }  # fmt: skip
        steps = [
            (plan.submitted_at, county, "application.confirmed", "awaiting_confirmation", "submitted",
             {"reference": plan.reference, "version": 1, "authority": "som fylkeskommunedirektør"}),
        ]  # fmt: skip
        if plan.state != S.RECEIVED:
            steps.append((plan.assigned_at, imdi_actor, "case.assigned", S.RECEIVED, S.ASSIGNED,
                          {"assignee": worker.full_name, "previous": ""}))  # fmt: skip
        if plan.state in SCORED:
            steps.append((plan.assigned_at + dt.timedelta(hours=1), imdi_actor, "case.impartial", S.ASSIGNED,
                          S.ASSESSING, {}))  # fmt: skip
        if plan.recommended is not None:
            steps.append((plan.assessed_at, imdi_actor, "case.assessed", S.ASSESSING, S.ASSESSED,
                          {"recommended_total": str(plan.recommended), "scores": {}}))  # fmt: skip
        if plan.allocated:
            steps.append((plan.assessed_at + dt.timedelta(hours=2), imdi_actor, "case.allocated", "", "",
                          {"previous": "0", "amount": str(plan.allocated)}))  # fmt: skip
        for at, actor, action, from_state, to_state, changes in steps:
            events.append(
                {"at": at, **actor, **common, "action": action, "from_state": from_state, "to_state": to_state,
                 "changes": changes}
            )  # fmt: skip
    copy_records(AuditEvent, events)
