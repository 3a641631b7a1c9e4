"""The deadline-day data set for `make loadtest` (``bench/loadtest.py``), on top of the bench's seed.

- ``county`` load counties ("Lastfylke 001 fylkeskommune"), each with a director and one
  county staff member, and one draft application of theirs, every section answered and three budget
  lines, in the deadline-day call (open, its deadline six hours from now): the staff member edits it.
- The first ``directors`` of these counties have ``--confirmations`` applications each awaiting
  their director's confirmation, complete (four agreements, budget lines), one in each of as many
  other open calls: each confirmation in the run is a real one (receipt and e-mails by Celery).
- ``caseworkers`` IMDi caseworkers with a TOTP authenticator (copied from the demo caseworker's,
  so the MFA middleware lets them in); they page the inbox of the bench's case call and open its cases.

Everyone logs in through a session made directly (``bench.pages.make_session``), one each.
``seed`` returns the plan the locustfile reads (``bench/locustfile.py``): sessions and object ids.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from bench.data import BenchData
from bench.orgnr import orgnrs
from bench.pages import make_session
from bench.records import BATCH, create_calls
from grants import seed as grants_seed
from grants.models import (
    Application,
    BudgetLine,
    Call,
    Case,
    CooperationAgreement,
    CostCategory,
    PartnerKind,
    Scheme,
)
from portal.models import Membership, Organisation, Role, User

PLACEHOLDER_PDF = b"%PDF-1.4\n% loadtest\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# The sections with a form, in order (grants/sections.py), and a free-text field each that autosave
# may change without making the form invalid (None: the section is sent as it stands).
SECTIONS = {
    "prosjekt": "summary",
    "justeringer": None,
    "erfaringsdeling": "experience_sharing",
    "budsjett": "lines-0-description",
    "overforing": None,
    "kontakt": "contact_name",
}


def split(users: int) -> dict[str, int]:
    """``users`` logged-in users as the issue has them: 150 county staff, 20 directors and 20
    caseworkers of 190 (each kind at least one)."""
    county = max(1, round(users * 150 / 190))
    directors = max(1, round(users * 20 / 190))
    return {"county": county, "directors": directors, "caseworkers": max(1, users - county - directors)}


def seed(args: argparse.Namespace, data: BenchData, counts: dict[str, int]) -> dict:
    """Write the deadline-day data set for ``counts`` users of each kind (``split``) and return the
    plan for the locustfile."""
    args.county_users, args.directors, args.caseworkers = counts["county"], counts["directors"], counts["caseworkers"]
    now = timezone.now()
    counties = _counties(args.county_users)
    deadline_call, confirm_calls = _calls(now, counties, args.directors, args.confirmations)
    placeholder = default_storage.save("avtaler/loadtest-placeholder.pdf", ContentFile(PLACEHOLDER_PDF))
    drafts = _applications(deadline_call, counties, Application.State.DRAFT, now, placeholder)
    awaiting: dict[int, list[int]] = {}
    for call in confirm_calls:
        apps = _applications(
            call, counties[: args.directors], Application.State.AWAITING_CONFIRMATION, now, placeholder
        )
        for (org, _staff, _director), app in zip(counties[: args.directors], apps, strict=True):
            awaiting.setdefault(org.pk, []).append(app.pk)
    case_call = data.extra.get("case_call")
    cases = list(Case.objects.filter(call=case_call).values_list("pk", flat=True)) if case_call else []
    data.summary.update(
        {"load counties": len(counties), "drafts": len(drafts), "awaiting": sum(map(len, awaiting.values()))}
    )
    return {
        "counts": counts,
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "sections": SECTIONS,
        "county": [
            {"session": _session(staff, org, Role.COUNTY_STAFF), "application": app.pk}
            for (org, staff, _director), app in zip(counties, drafts, strict=True)
        ],
        "directors": [
            {"session": _session(director, org, Role.COUNTY_DIRECTOR), "applications": awaiting.get(org.pk, [])}
            for org, _staff, director in counties[: args.directors]
        ],
        "caseworkers": [{"session": make_session(m.user, m)} for m in _caseworkers(args.caseworkers)],
        "inbox": f"/imdi/saker/?call={case_call.pk}" if case_call else "/imdi/saker/?call=",
        "inbox_pages": max(1, -(-len(cases) // 50)),
        "cases": cases,
        "call_list": "/utlysninger/",
        "call_detail": f"/utlysninger/{deadline_call.pk}/",
    }


def _session(user: User, org: Organisation, role: str) -> str:
    return make_session(user, Membership.objects.get(user=user, organisation=org, role=role))


def _counties(count: int) -> list[tuple[Organisation, User, User]]:
    """``count`` counties, each with a staff member and a director: ``(county, staff, director)``."""
    numbers = orgnrs(96_000_000)  # after the applicant counties (94…) and the statistics (95…)
    orgs = Organisation.objects.bulk_create(
        [
            Organisation(
                kind=Organisation.Kind.COUNTY,
                name=f"Lastfylke {i:03d} fylkeskommune",
                orgnr=next(numbers),
                written_standard="nb",
                postal_address=f"Postboks {i}\n{2000 + i:04d} Lastby",
                letter_email=f"post@last{i:03d}.bench",
            )
            for i in range(1, count + 1)
        ]
    )
    password = make_password(None)  # unusable: load users log in only through made sessions
    people = []
    for i, org in enumerate(orgs, start=1):
        for email, name in [
            (f"staff@last{i:03d}.bench", f"Saksbehandler Lastfylke {i:03d}"),
            (f"direktor@last{i:03d}.bench", f"Direktør Lastfylke {i:03d}"),
        ]:
            people.append((org, User(email=email, full_name=name, password=password)))
    users = User.objects.bulk_create([u for _o, u in people], batch_size=BATCH)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users], batch_size=BATCH
    )
    roles = [Role.COUNTY_STAFF, Role.COUNTY_DIRECTOR] * count
    Membership.objects.bulk_create(
        [Membership(user=u, organisation=o, role=r) for (o, u), r in zip(people, roles, strict=True)], batch_size=BATCH
    )
    return [(org, users[2 * n], users[2 * n + 1]) for n, org in enumerate(orgs)]


def _calls(now, counties, directors: int, confirmations: int) -> tuple[Call, list[Call]]:
    """The deadline-day call (every load county eligible) and one call per confirmation (the
    directors' counties eligible), all open."""
    imdi = Organisation.objects.get(orgnr=grants_seed.IMDI["orgnr"])
    schemes = Scheme.objects.bulk_create(
        [
            Scheme(code=f"last-{i:03d}", name=f"Lastordning {i:03d}", priority_area="Last", owner=imdi)
            for i in range(confirmations + 1)
        ]
    )
    calls = []
    for i, scheme in enumerate(schemes):
        fields = grants_seed.call_data(now.year)
        fields.update(
            title=f"Fristdag {i:03d}: {fields['title']}",
            opens_at=now - dt.timedelta(days=30),
            application_deadline=now + dt.timedelta(hours=6),
            report_deadline=now + dt.timedelta(days=365),
        )
        calls.append(Call(scheme=scheme, year=now.year, **fields))
    calls = create_calls(calls)
    through = Call.eligible_organisations.through
    rows = [through(call=calls[0], organisation=org) for org, _s, _d in counties]
    rows += [through(call=call, organisation=org) for call in calls[1:] for org, _s, _d in counties[:directors]]
    through.objects.bulk_create(rows, batch_size=BATCH)
    return calls[0], calls[1:]


def _answers(call: Call, org: Organisation, staff: User) -> dict:
    place = org.name.removesuffix(" fylkeskommune")
    return {
        "title": f"Fagbrev for voksne innvandrere i {place}",
        "summary": "En klasse for voksne innvandrere som tar fagbrev i helse- og oppvekstfag.",
        "cooperation_model": "Fylket, NAV, kommunene og opplæringskontorene møtes hver måned.",
        "participants_planned": 12,
        "recruitment": "NAV og kommunene foreslår deltakere fra introduksjonsprogrammet.",
        "follow_up": "Hver deltaker har en kontaktlærer og en veileder i bedriften.",
        "period_start": dt.date(call.year, 1, 1),
        "period_end": dt.date(call.year, 12, 31),
        "has_adjustments": False,
        "commits_to_sharing": True,
        "experience_sharing": "Vi deltar på IMDis samlinger og i evalueringen.",
        "transfer_value": "Avtalene og rutinene kan brukes av andre fylker.",
        "declares_no_running_costs": True,
        "carry_over_amount": Decimal("0"),
        "contact_name": staff.full_name,
        "contact_email": staff.email,
        "contact_phone": "99 99 99 99",
        "project_responsible": staff,
    }


def _applications(call: Call, counties, state: str, now, placeholder: str) -> list[Application]:
    """One application per county in ``call``, every section answered, with four agreements and
    three budget lines; awaiting confirmation ones as sent by the staff member."""
    sent = state == Application.State.AWAITING_CONFIRMATION
    apps = Application.objects.bulk_create(
        [
            Application(
                call=call,
                organisation=org,
                state=state,
                created_by=staff,
                sent_at=now - dt.timedelta(hours=1) if sent else None,
                sent_by=staff if sent else None,
                confirmers_notified_at=now - dt.timedelta(hours=1) if sent else None,
                **_answers(call, org, staff),
            )
            for org, staff, _director in counties
        ],
        batch_size=BATCH,
    )
    sha256 = hashlib.sha256(PLACEHOLDER_PDF).hexdigest()
    agreements, lines = [], []
    categories = list(CostCategory.objects.filter(call=call).order_by("order")[:3])
    for app, (org, staff, _director) in zip(apps, counties, strict=True):
        for kind in PartnerKind:
            agreements.append(
                CooperationAgreement(
                    application=app, partner_kind=kind.value, partner_name=f"{kind.label} i {org.name.split()[1]}",
                    file=placeholder, original_name=f"avtale-{kind.value}.pdf", content_type="application/pdf",
                    size=len(PLACEHOLDER_PDF), sha256=sha256, uploaded_by=staff,
                )
            )  # fmt: skip
        for order, category in enumerate(categories):
            amount = Decimal(100_000 * (order + 1))
            lines.append(
                BudgetLine(application=app, category=category, amount=amount, description="Lønn og drift", order=order)
            )
    CooperationAgreement.objects.bulk_create(agreements, batch_size=BATCH)
    BudgetLine.objects.bulk_create(lines, batch_size=BATCH)
    return apps


def _caseworkers(count: int) -> list[Membership]:
    """``count`` IMDi caseworkers with the demo caseworker's TOTP authenticator."""
    imdi = Organisation.objects.get(orgnr=grants_seed.IMDI["orgnr"])
    totp = Authenticator.objects.get(user__email="saksbehandler1@imdi.demo", type=Authenticator.Type.TOTP)
    users = User.objects.bulk_create(
        [
            User(
                email=f"saksbehandler{n:02d}@last.imdi.bench",
                full_name=f"Saksbehandler {n:02d} (last)",
                password=make_password(None),  # unusable: they log in only through made sessions
            )
            for n in range(1, count + 1)
        ]
    )
    Authenticator.objects.bulk_create(
        [Authenticator(user=u, type=Authenticator.Type.TOTP, data=dict(totp.data)) for u in users]
    )
    return Membership.objects.bulk_create([Membership(user=u, organisation=imdi, role=Role.CASEWORKER) for u in users])
