"""Small factories for the objects tests need. Each returns a saved object."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.utils import timezone

from grants.models import BudgetAuthority, Call, CostCategory, Criterion, Scheme
from portal.models import Delegation, Membership, Organisation, Role, User
from portal.validators import orgnr_check_digit

PASSWORD = "test-passord-123"
_seq = itertools.count(1)
_years = itertools.count(2100)  # calls made by tests never clash with real years


def next_orgnr() -> str:
    while True:
        base = f"9{next(_seq):07d}"
        digit = orgnr_check_digit(base)
        if digit is not None:
            return f"{base}{digit}"


def make_org(name: str | None = None, *, kind: str = Organisation.Kind.COUNTY, standard: str = "nb") -> Organisation:
    n = next(_seq)
    return Organisation.objects.create(
        name=name or f"Testfylke {n}",
        kind=kind,
        orgnr=next_orgnr(),
        written_standard=standard,
        postal_address="Postboks 1\n0001 Oslo",
        letter_email=f"post{n}@example.org",
    )


def make_user(email: str | None = None, *, name: str | None = None, roles=(), totp_secret: str | None = None) -> User:
    n = next(_seq)
    email = email or f"user{n}@example.org"
    user = User.objects.create_user(email=email, password=PASSWORD, full_name=name or f"Person {n}")
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    for org, role in roles:
        Membership.objects.create(user=user, organisation=org, role=role)
    if totp_secret:
        TOTP.activate(user, totp_secret)
    if any(role == Role.ADMIN for _, role in roles):
        user.is_staff = True
        user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    return user


def totp_code(secret: str, at: float | None = None) -> str:
    return format_hotp_value(hotp_value(secret, int((at or time.time()) // 30)))


def has_totp(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def make_delegation(*, grantor: User, grantee: User, organisation: Organisation, days_from=-1, days_to=30, **extra):
    now = timezone.now()
    return Delegation.objects.create(
        organisation=organisation,
        grantor=grantor,
        grantee=grantee,
        valid_from=now + dt.timedelta(days=days_from),
        valid_to=now + dt.timedelta(days=days_to),
        reason=extra.pop("reason", "Ferie"),
        **extra,
    )


def make_scheme(owner: Organisation) -> Scheme:
    n = next(_seq)
    return Scheme.objects.create(code=f"scheme-{n}", name=f"Ordning {n}", owner=owner)


def make_budget_holder(user: User, scheme: Scheme, limit: str = "5000000", **fields) -> BudgetAuthority:
    """``user`` may commit ``scheme``'s money up to ``limit`` (approve grants and payments)."""
    return BudgetAuthority.objects.create(user=user, scheme=scheme, limit=Decimal(limit), **fields)


def make_call(scheme: Scheme, *, year: int | None = None, eligible=(), open_now: bool = True, **fields) -> Call:
    now = timezone.now()
    if open_now:
        opens, deadline = now - dt.timedelta(days=10), now + dt.timedelta(days=20)
    else:
        opens, deadline = now - dt.timedelta(days=60), now - dt.timedelta(days=1)
    defaults = {
        "title": f"Utlysning {next(_seq)}",
        "is_published": True,
        "purpose": "Formålet",
        "target_group": "Målgruppen",
        "who_may_apply": "Fylkeskommunene i forsøket",
        "conditions": "Vilkårene",
        "ineligible_costs": "Ordinær drift",
        "opens_at": opens,
        "application_deadline": deadline,
        "report_deadline": deadline + dt.timedelta(days=365),
        "pot": Decimal("5000000.00"),
        "contact_email": "tuki@imdi.no",
    }
    defaults.update(fields)
    call = Call.objects.create(scheme=scheme, year=year or next(_years), **defaults)
    call.eligible_organisations.add(*eligible)
    for order, name in enumerate(["Drift av samarbeidet", "Lærerressurser"], start=1):
        CostCategory.objects.create(call=call, order=order, name=name, help_text=f"Hjelp til {name}")
    Criterion.objects.create(call=call, order=1, name="Nasjonal overføringsverdi")
    return call


# --- Applications -----------------------------------------------------------------------------

TINY_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

COMPLETE_ANSWERS = {
    "prosjekt": {
        "title": "Samarbeid om fagbrev",
        "summary": "Klasse for voksne innvandrere som tar fagbrev.",
        "cooperation_model": "Fylket, NAV, kommunene og opplæringskontorene møtes hver måned.",
        "participants_planned": 14,
        "recruitment": "NAV og kommunene foreslår deltakere.",
        "follow_up": "Hver deltaker har en kontaktlærer og en veileder i bedriften.",
        "period_start": dt.date(2025, 1, 1),
        "period_end": dt.date(2025, 12, 31),
    },
    "justeringer": {"has_adjustments": False, "adjustments": ""},
    "erfaringsdeling": {
        "commits_to_sharing": True,
        "experience_sharing": "Vi deltar på IMDis samlinger.",
        "transfer_value": "Modellen kan brukes i andre fylker.",
    },
    "overforing": {"carry_over_amount": Decimal("0"), "carry_over_explanation": ""},
    "kontakt": {"contact_name": "Kari Kontakt", "contact_email": "kari@example.org", "contact_phone": "99 99 99 99"},
}


def actor_for(user: User, organisation: Organisation | None = None):
    from portal.audit import Actor

    memberships = user.memberships.select_related("organisation", "user")
    if organisation is not None:
        memberships = memberships.filter(organisation=organisation)
    return Actor(user=user, membership=memberships.first())


def pdf_upload(name: str = "avtale.pdf", content: bytes = TINY_PDF):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def add_agreement(application, user: User, kind: str, name: str | None = None):
    from grants import services
    from portal.uploads import check_upload

    upload = pdf_upload(f"avtale-{kind}.pdf", TINY_PDF + kind.encode())
    return services.agreement_add(
        actor=actor_for(user, application.organisation),
        application_id=application.pk,
        partner_kind=kind,
        partner_name=name or f"Partner {kind}",
        upload=upload,
        checked=check_upload(upload),
    )


def make_application(call: Call, user: User, *, complete: bool = True):
    """A county's application started by ``user`` (a county member), with every section filled in,
    one agreement per partner kind and two budget lines when ``complete``."""
    from grants import services
    from grants.models import Application, PartnerKind

    actor = actor_for(user)
    application = services.application_start(actor=actor, call=call)
    if not complete:
        return application
    for section, data in COMPLETE_ANSWERS.items():
        services.application_section_save(
            actor=actor, application_id=application.pk, section=section, data=data, version=0
        )
    categories = list(call.cost_categories.all())
    services.application_section_save(
        actor=actor,
        application_id=application.pk,
        section="budsjett",
        data={"declares_no_running_costs": True},
        version=0,
        lines=[
            {"category": categories[0], "amount": Decimal("250000"), "description": "Prosjektleder"},
            {"category": categories[-1], "amount": Decimal("1000000"), "description": "Lærere"},
        ],
    )
    for kind in PartnerKind:
        add_agreement(application, user, kind)
    return Application.objects.get(pk=application.pk)


def submit(application, *, sender: User, confirmer: User):
    """Send ``application`` for confirmation and confirm it; the receipt is made at once."""
    from grants import receipts, services

    services.application_send(actor=actor_for(sender, application.organisation), application_id=application.pk)
    submission = services.application_confirm(
        actor=actor_for(confirmer, application.organisation), application_id=application.pk
    )
    receipts.receipt_issue(submission.pk)
    submission.refresh_from_db()
    return submission
