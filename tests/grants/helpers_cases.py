"""IMDi's side at each stage, built through the services, for the case tests."""

from __future__ import annotations

from decimal import Decimal

from grants import services
from grants.models import Case, Decision
from tests import factories as f

REASONS = {
    "rules": "Rundskriv om tilskudd til en nasjonal samarbeidsmodell, punkt 5 og 6.",
    "facts": "Fylkeskommunen har avtaler med alle fire typer samarbeidspartnere og søkte i tide.",
    "considerations": "Modellen har stor overføringsverdi til andre fylker.",
}


def submitted_case(cast, *, call=None, organisation=None) -> Case:
    """County A's (or ``organisation``'s) application to ``call`` (cast.call), submitted: a case."""
    call = call or cast.call
    organisation = organisation or cast.county_a
    staff = cast.staff_a if organisation == cast.county_a else cast.staff_b
    director = cast.director_a if organisation == cast.county_a else cast.director_b
    application = f.make_application(call, staff)
    f.submit(application, sender=staff, confirmer=director)
    return Case.objects.get(application=application)


def as_caseworker(cast, user=None):
    return f.actor_for(user or cast.caseworker)


def assigned(cast, case, user=None) -> Case:
    user = user or cast.caseworker
    return services.case_assign(actor=as_caseworker(cast), case_id=case.pk, assignee=user)


def impartial(cast, case, user=None) -> Case:
    user = user or cast.caseworker
    assigned(cast, case, user)
    return services.case_declare(actor=as_caseworker(cast, user), case_id=case.pk, disqualified=False)


def assessed(cast, case, user=None, *, recommended=Decimal("1000000")) -> Case:
    """Assigned to ``user``, declared impartial and assessed in full."""
    user = user or cast.caseworker
    impartial(cast, case, user)
    criteria = list(case.call.criteria.all())
    return services.assessment_save(
        actor=as_caseworker(cast, user),
        case_id=case.pk,
        conditions={"agreements_ok": True, "declaration_ok": True, "in_time_ok": True},
        conditions_note="",
        scores={c.pk: (5, "Godt begrunnet.") for c in criteria},
        lines=[],
        recommended_total=recommended,
        justification="Godt samarbeid og tydelig overføringsverdi.",
        complete=True,
    )


def allocated(cast, case, amount, user=None) -> Case:
    return services.allocation_set(actor=as_caseworker(cast, user), case_id=case.pk, amount=Decimal(amount))


def split(case, amount) -> dict[int, Decimal]:
    """``amount`` over the call's cost categories, as much as possible in the last (teachers)."""
    categories = list(case.call.cost_categories.order_by("-order"))
    submission = case.application.current_submission()
    requested = {row["name"]: Decimal(row["total"]) for row in submission.snapshot["budget"]["categories"]}
    left, granted = Decimal(amount), {}
    for category in categories:
        part = min(left, requested.get(category.name, Decimal("0")))
        granted[category.pk] = part
        left -= part
    return granted


def proposed(cast, case, *, kind=Decision.Kind.GRANT, amount="1000000", user=None) -> Decision:
    """Assessed, allocated (for a grant) and proposed by ``user`` (cast.caseworker)."""
    user = user or cast.caseworker
    assessed(cast, case, user)
    if kind == Decision.Kind.GRANT:
        allocated(cast, case, amount, user)
    return services.decision_propose(
        actor=as_caseworker(cast, user),
        case_id=case.pk,
        kind=kind,
        conditions="Tilskuddet skal brukes til klassen i 2025.",
        granted=split(case, amount) if kind == Decision.Kind.GRANT else None,
        **REASONS,
    )


def approved(cast, decision, user=None) -> Decision:
    return services.decision_approve(actor=as_caseworker(cast, user or cast.caseworker2), decision_id=decision.pk)


def decided(cast, case=None, *, kind=Decision.Kind.GRANT, amount="1000000") -> Decision:
    """A decision proposed by cast.caseworker and approved by cast.caseworker2 (letter still pending)."""
    case = case or submitted_case(cast)
    decision = approved(cast, proposed(cast, case, kind=kind, amount=amount))
    decision.refresh_from_db()
    return decision


def issued(decision: Decision):
    """Render and store the decision's letter now, as the Celery task would (grants.letters)."""
    from grants import letters

    letters.letter_issue(decision.letter.pk)
    decision.letter.refresh_from_db()
    return decision.letter
