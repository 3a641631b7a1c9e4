"""The scale data set's applications and cases, for IMDi's inbox, allocation, case and payment pages.

The step ``seed_applications`` (listed in ``bench/seed.py: STEPS``) writes what ``bench/plans.py``
planned, and the decisions through ``bench/decisions.py``; see its docstring for the shape of the
data and why.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from bench.data import BenchData
from bench.decisions import seed_decisions
from bench.plans import CASEWORKERS, SCORED, Plan, S, plan_applications
from bench.records import copy_records, copy_rows, reserve_ids
from grants import seed as grants_seed
from grants.models import (
    Application,
    Call,
    Case,
    CooperationAgreement,
    Criterion,
    CriterionScore,
    ImpartialityDeclaration,
    PartnerKind,
    Submission,
)
from portal.models import AuditEvent, Organisation, Role, User

# Cases are written this many to a transaction. Each case's row trigger updates its call's row, and
# 5,000 updates of one row in one transaction leave a chain of versions that every later update and
# foreign-key check walks: 20,000 cases took 330 s in one transaction, 2 s in batches.
CASE_BATCH = 500
# A tiny PDF that every seeded receipt, agreement and letter points to, so their links work.
PLACEHOLDER_PDF = b"%PDF-1.4\n% bench\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# The models seed_applications writes with COPY, in the order it writes them.
WRITTEN = (Application, CooperationAgreement, Submission, Case, ImpartialityDeclaration, CriterionScore)


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
    planned = plan_applications(args, data, rng, now)
    if planned is None:
        return
    case_call, plans = planned
    caseworkers = [User.objects.get(email=email) for email in CASEWORKERS]
    files = _Files(
        receipt=_placeholder_file("kvitteringer"),
        agreements={kind.value: _placeholder_file(f"avtaler/{kind.value}") for kind in PartnerKind},
        letter=_placeholder_file("brev"),
        sha256=hashlib.sha256(PLACEHOLDER_PDF).hexdigest(),
    )
    _make_eligible(plans)
    _write(_records(plans, caseworkers, files))
    seed_decisions(plans, caseworkers, files.letter, files.sha256)
    in_call = [p for p in plans if p.call is case_call]
    _seed_history(case_call, in_call, caseworkers)
    _describe(data, case_call, plans, in_call)


@dataclass
class _Files:
    """The storage names of the placeholder PDF as a receipt, an agreement with each kind of partner
    (an application's files have different names: the archive journals each once) and a letter, and its
    SHA-256."""

    receipt: str
    agreements: dict[str, str]
    letter: str
    sha256: str


def _placeholder_file(prefix: str) -> str:
    """The storage name of the placeholder PDF under ``prefix``/ (written once per run)."""
    return default_storage.save(f"{prefix}/bench-placeholder.pdf", ContentFile(PLACEHOLDER_PDF))


def _make_eligible(plans: list[Plan]) -> None:
    """Each applicant county eligible for the calls it applies to."""
    eligible = set(Call.eligible_organisations.through.objects.values_list("call_id", "organisation_id"))
    pairs = sorted({(p.call.pk, p.organisation.pk) for p in plans} - eligible)
    copy_rows(Call.eligible_organisations.through, ["call", "organisation"], pairs)


def _criteria(call_ids: set[int]) -> dict[int, list[int]]:
    """The criteria of each call, in order."""
    criteria: dict[int, list[int]] = {}
    for call_id, pk in Criterion.objects.filter(call__in=call_ids).order_by("order").values_list("call_id", "id"):
        criteria.setdefault(call_id, []).append(pk)
    return criteria


def _records(plans: list[Plan], caseworkers: list[User], files: _Files) -> dict[type, list[dict]]:
    """The rows of every model in ``WRITTEN``, primary keys reserved; sets each plan's keys, reference
    and requested amounts (the decisions need them)."""
    app_ids = reserve_ids(Application, len(plans))
    agreement_ids = reserve_ids(CooperationAgreement, 4 * len(plans))
    case_ids = reserve_ids(Case, len(plans))
    records: dict[type, list[dict]] = {model: [] for model in WRITTEN}
    criteria = _criteria({p.call.pk for p in plans})
    for i, plan in enumerate(plans):
        plan.pk, plan.case_pk = app_ids[i], case_ids[i]
        plan.reference = f"{plan.call.year}-B{plan.number:06d}"
        sent = plan.submitted_at - dt.timedelta(hours=2)
        answers = _answers(plan)
        records[Application].append(_application(plan, answers, sent))
        agreements = _agreements(plan, agreement_ids[4 * i : 4 * i + 4], files, sent)
        records[CooperationAgreement] += agreements
        plan.requested = _requested(plan)
        records[Submission].append(_submission(plan, _snapshot(plan, answers, agreements, sent), files, sent))
        worker = caseworkers[plan.caseworker]
        records[Case].append(_case(plan, worker))
        if plan.state in SCORED:
            records[ImpartialityDeclaration].append(
                {"case_id": plan.case_pk, "user_id": worker.pk, "disqualified": False,
                 "declared_at": plan.assigned_at + dt.timedelta(hours=1)}
            )  # fmt: skip
            records[CriterionScore] += [
                {"case_id": plan.case_pk, "criterion_id": criterion, "score": score, "comment": ""}
                for criterion, score in zip(criteria[plan.call.pk], plan.scores, strict=True)
            ]
    return records


def _application(plan: Plan, answers: dict, sent: dt.datetime) -> dict:
    return {
        "id": plan.pk, "call_id": plan.call.pk, "organisation_id": plan.organisation.pk,
        "state": Application.State.SUBMITTED, "reference": plan.reference, "created_by_id": plan.created_by.pk,
        "created_at": sent - dt.timedelta(days=14), "updated_at": plan.submitted_at, "sent_at": sent,
        "sent_by_id": plan.created_by.pk, "confirmers_notified_at": sent,
        "submitted_at": plan.submitted_at, **answers,
    }  # fmt: skip


def _agreements(plan: Plan, ids: list[int], files: _Files, sent: dt.datetime) -> list[dict]:
    """One cooperation agreement with each kind of partner."""
    agreements = []
    for pk, kind in zip(ids, PartnerKind, strict=True):
        agreements.append(
            {
                "id": pk, "application_id": plan.pk, "partner_kind": kind.value,
                "partner_name": f"{kind.label} i {plan.organisation.name.split()[1]}",
                "file": files.agreements[kind.value], "original_name": f"avtale-{kind.value}.pdf",
                "content_type": "application/pdf", "size": len(PLACEHOLDER_PDF), "sha256": files.sha256,
                "uploaded_by_id": plan.created_by.pk, "uploaded_at": sent - dt.timedelta(days=1),
            }
        )  # fmt: skip
    return agreements


def _requested(plan: Plan) -> dict[int, Decimal]:
    """What the application asks for in each of the call's cost categories."""
    by_category = {pk: Decimal("0") for pk, _name in plan.categories}
    for cat, _name, amount, _desc in plan.lines:
        by_category[cat] += amount
    return by_category


def _snapshot(plan: Plan, answers: dict, agreements: list[dict], sent: dt.datetime) -> dict:
    listed = [
        {"id": a["id"], "partner_kind": a["partner_kind"], "partner_name": a["partner_name"],
         "file": a["original_name"], "size": a["size"], "sha256": a["sha256"]}
        for a in agreements
    ]  # fmt: skip
    return {
        "reference": plan.reference,
        "call": {"id": plan.call.pk, "title": plan.call.title, "year": plan.call.year},
        "organisation": {"name": plan.organisation.name, "orgnr": plan.organisation.orgnr},
        "fields": {name: _json(value) for name, value in answers.items()},
        "agreements": listed,
        "budget": {
            "lines": [{"category": name, "amount": str(amount), "description": desc}
                      for _cat, name, amount, desc in plan.lines],
            "categories": [{"name": name, "total": str(plan.requested[pk])} for pk, name in plan.categories],
            "total": str(plan.total),
        },
        "sent_by": plan.created_by.full_name,
        "sent_at": sent.isoformat(),
    }  # fmt: skip


def _submission(plan: Plan, snapshot: dict, files: _Files, sent: dt.datetime) -> dict:
    return {
        "application_id": plan.pk, "number": 1, "snapshot": snapshot, "total": plan.total,
        "sent_by_id": plan.created_by.pk, "sent_at": sent, "confirmed_by_id": plan.confirmed_by.pk,
        "confirmed_at": plan.submitted_at, "authority": "som fylkeskommunedirektør", "receipt": files.receipt,
        "receipt_sha256": files.sha256, "receipt_status": Submission.ReceiptStatus.READY, "receipt_attempts": 1,
        "receipt_emailed_at": plan.submitted_at,
    }  # fmt: skip


def _case(plan: Plan, worker: User) -> dict:
    assigned = plan.state != S.RECEIVED
    assessed = plan.recommended is not None
    return {
        "id": plan.case_pk, "application_id": plan.pk, "call_id": plan.call.pk, "state": plan.state,
        "assigned_to_id": worker.pk if assigned else None,
        "assigned_at": plan.assigned_at if assigned else None,
        "agreements_ok": True if assessed else None, "declaration_ok": True if assessed else None,
        "in_time_ok": True if assessed else None, "recommended_total": plan.recommended,
        "justification": "Godt samarbeid og tydelig overføringsverdi." if assessed else "",
        "assessed_at": plan.assessed_at if assessed else None,
        "assessed_by_id": worker.pk if assessed else None, "allocated": plan.allocated,
        "updated_at": plan.assessed_at if assessed else plan.assigned_at,
    }  # fmt: skip


def _write(records: dict[type, list[dict]]) -> None:
    copy_records(Application, records[Application])
    copy_records(CooperationAgreement, records[CooperationAgreement])
    copy_records(Submission, records[Submission])
    cases = records[Case]
    for start in range(0, len(cases), CASE_BATCH):  # the trigger sums Case.allocated into Call.allocated
        copy_records(Case, cases[start : start + CASE_BATCH])
    with connection.cursor() as cursor:
        # Every case left a dead version of its call's row (4 KB each): 40 MB for a handful of calls,
        # which every scan of the calls would read. Autovacuum keeps up with one allocation at a time.
        cursor.execute(f"VACUUM FULL {connection.ops.quote_name(Call._meta.db_table)}")
    copy_records(ImpartialityDeclaration, records[ImpartialityDeclaration])
    copy_records(CriterionScore, records[CriterionScore])


def _describe(data: BenchData, case_call: Call, plans: list[Plan], in_call: list[Plan]) -> None:
    """Put the chosen call and its richest case on ``data`` for the pages, and a note for the output."""
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
