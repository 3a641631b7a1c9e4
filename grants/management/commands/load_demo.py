"""Demo data for ``make run``: three counties, IMDi, the ministry and a user for every role.

Idempotent: a second run changes nothing. Refuses to run with DEBUG off unless told otherwise,
because the demo users have published passwords and TOTP secrets.
"""

import datetime as dt
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from grants import letters, seed, services
from grants.models import Application, BankAccount, BudgetAuthority, Call, Case, DeadlineExtension, PartnerKind, Scheme
from grants.models.applications import county_director_ids
from portal.audit import Actor
from portal.dates import start_of_day
from portal.models import Delegation, Membership, Organisation, Role, User
from portal.uploads import check_upload

DEMO_PASSWORD = "demo-passord-2025"

COUNTIES = [
    # name, organisation number (demo, valid mod-11), written standard, domain
    ("Vestland fylkeskommune", "920000002", "nn", "vestland.demo"),
    ("Innlandet fylkeskommune", "920000010", "nb", "innlandet.demo"),
    ("Nordland fylkeskommune", "920000029", "nb", "nordland.demo"),
]
MINISTRY = ("Arbeids- og inkluderingsdepartementet", "920000037", "nb", "aid.demo")

# email, full name, [(organisation name or "IMDi", role)], TOTP secret for IMDi users
USERS = [
    ("saksbehandler@vestland.demo", "Kari Nordmann", [("Vestland fylkeskommune", Role.COUNTY_STAFF)], None),
    ("direktor@vestland.demo", "Ola Vestheim", [("Vestland fylkeskommune", Role.COUNTY_DIRECTOR)], None),
    ("fullmakt@vestland.demo", "Siri Fjeld", [("Vestland fylkeskommune", Role.COUNTY_STAFF)], None),
    ("saksbehandler@innlandet.demo", "Per Hamar", [("Innlandet fylkeskommune", Role.COUNTY_STAFF)], None),
    ("direktor@innlandet.demo", "Anne Lillehammer", [("Innlandet fylkeskommune", Role.COUNTY_DIRECTOR)], None),
    ("saksbehandler@nordland.demo", "Nils Bodø", [("Nordland fylkeskommune", Role.COUNTY_STAFF)], None),
    ("direktor@nordland.demo", "Ingrid Lofoten", [("Nordland fylkeskommune", Role.COUNTY_DIRECTOR)], None),
    ("saksbehandler1@imdi.demo", "Ali Hassan", [("IMDi", Role.CASEWORKER)], "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"),
    ("saksbehandler2@imdi.demo", "Maria Berg", [("IMDi", Role.CASEWORKER)], "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"),
    (
        "admin@imdi.demo",
        "Jonas Dahl",
        [("IMDi", Role.ADMIN), ("IMDi", Role.CASEWORKER)],
        "MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK",
    ),
    ("revisor@imdi.demo", "Eva Riksrud", [("IMDi", Role.AUDITOR)], "ONSWG4TFOQYTEMZUONSWG4TFOQYTEMZU"),
    ("ingen.rolle@demo.demo", "Uten Rolle", [], None),
]

# The title and phone number IMDi's letters print for a caseworker (letterhead and signature).
TITLES = {
    "saksbehandler1@imdi.demo": ("seniorrådgiver", "+47 22 00 00 01"),
    "saksbehandler2@imdi.demo": ("seksjonssjef", "+47 22 00 00 02"),
    "admin@imdi.demo": ("rådgiver", "+47 22 00 00 03"),
}


class Command(BaseCommand):
    help = "Load demo organisations, users for every role and the real calls (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Load even with DEBUG off (benchmarks only: the demo passwords are public).",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError("Demo data has public passwords: refusing with DEBUG off.")
        call_command("load_calls", stdout=self.stdout)
        orgs = {"IMDi": Organisation.objects.get(orgnr=seed.IMDI["orgnr"])}
        for name, orgnr, standard, domain in [*COUNTIES, MINISTRY]:
            orgs[name], _ = Organisation.objects.get_or_create(
                orgnr=orgnr,
                defaults={
                    "name": name,
                    "kind": Organisation.Kind.MINISTRY
                    if (name, orgnr, standard, domain) == MINISTRY
                    else Organisation.Kind.COUNTY,
                    "written_standard": standard,
                    "postal_address": f"Postboks 1\n0001 {name.split()[0]}",
                    "letter_email": f"post@{domain}",
                },
            )
        counties = [orgs[name] for name, *_ in COUNTIES]
        for call in Call.objects.filter(year__in=seed.CALL_YEARS, scheme__code=seed.SCHEME["code"]):
            call.eligible_organisations.add(*counties)

        users = {}
        for email, full_name, roles, secret in USERS:
            user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
            if created:
                user.set_password(DEMO_PASSWORD)
                user.is_staff = any(role == Role.ADMIN for _, role in roles)
                user.is_superuser = user.is_staff
                user.save()
            if email in TITLES and not (user.title or user.phone):
                user.title, user.phone = TITLES[email]
                user.save(update_fields=["title", "phone"])
            EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
            for org_name, role in roles:
                Membership.objects.get_or_create(user=user, organisation=orgs[org_name], role=role)
            if secret and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                TOTP.activate(user, secret)
            users[email] = user

        if not Delegation.objects.filter(grantee=users["fullmakt@vestland.demo"]).exists():
            start = start_of_day(timezone.localdate())
            Delegation.objects.create(
                organisation=orgs["Vestland fylkeskommune"],
                grantor=users["direktor@vestland.demo"],
                grantee=users["fullmakt@vestland.demo"],
                valid_from=start,
                valid_to=start + dt.timedelta(days=365),
                reason="Demo: stedfortreder for direktøren i søknadsperioden.",
            )
        self._demo_money(orgs, users)
        self._extend_latest_deadline(counties, users["saksbehandler1@imdi.demo"])
        self._submit_demo_applications(orgs, users)
        self._demo_paid_grant(orgs, users)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {len(USERS)} users, password {DEMO_PASSWORD!r}."))

    def _extend_latest_deadline(self, counties, caseworker):
        """So that the demo counties can try the whole application flow after the real deadline has
        passed, IMDi's demo caseworker records an extension for the latest call (as IMDi would, R4)."""
        call = Call.objects.filter(scheme__code=seed.SCHEME["code"]).order_by("-year").first()
        if call is None or call.application_deadline > timezone.now():
            return
        actor = Actor(user=caseworker, membership=caseworker.memberships.get(role=Role.CASEWORKER))
        deadline = start_of_day(timezone.localdate() + dt.timedelta(days=61)) - dt.timedelta(microseconds=1)
        for county in counties:
            if not DeadlineExtension.objects.filter(call=call, organisation=county).exists():
                services.extension_record(
                    actor=actor,
                    call=call,
                    organisation=county,
                    deadline=deadline,
                    reason="Demo: utsatt frist slik at søknadsflyten kan prøves.",
                )

    def _submit_demo_applications(self, orgs, users):
        """Innlandet and Nordland have submitted their applications to the latest call, so IMDi's inbox
        has cases: Innlandet's is assigned to Ali Hassan, who has declared himself impartial; Nordland's
        waits for a caseworker. Vestland is left for you to try the county's side."""
        call = Call.objects.filter(scheme__code=seed.SCHEME["code"]).order_by("-year").first()
        if call is None:
            return
        caseworker = users["saksbehandler1@imdi.demo"]
        imdi = Actor(user=caseworker, membership=caseworker.memberships.get(role=Role.CASEWORKER))
        for county, staff, director in [
            ("Innlandet fylkeskommune", "saksbehandler@innlandet.demo", "direktor@innlandet.demo"),
            ("Nordland fylkeskommune", "saksbehandler@nordland.demo", "direktor@nordland.demo"),
        ]:
            organisation = orgs[county]
            if DeadlineExtension.deadline_for(call, organisation) <= timezone.now():
                continue  # too late to apply: no demo application
            if Application.objects.filter(call=call, organisation=organisation).exists():
                continue
            application = self._demo_application(call, organisation, users[staff])
            services.application_send(actor=self._actor(users[staff], organisation), application_id=application.pk)
            services.application_confirm(
                actor=self._actor(users[director], organisation), application_id=application.pk
            )
            if county.startswith("Innlandet"):
                case = application.case
                services.case_assign(actor=imdi, case_id=case.pk, assignee=caseworker)
                services.case_declare(actor=imdi, case_id=case.pk, disqualified=False)

    def _demo_paid_grant(self, orgs, users):
        """Vestland has a grant for the earliest call, decided, accepted and paid, so the follow-up can
        be tried: Vestland writes the annual report and accounts (after the real deadline, so it is
        marked late), Ali Hassan assesses it and, if funds are unused, carries them over or claims
        them back. IMDi records a late deadline for Vestland's application first, as it would (R4)."""
        call = Call.objects.filter(scheme__code=seed.SCHEME["code"]).order_by("year").first()
        organisation = orgs["Vestland fylkeskommune"]
        if call is None or Application.objects.filter(call=call, organisation=organisation).exists():
            return
        staff, director = users["saksbehandler@vestland.demo"], users["direktor@vestland.demo"]
        caseworker = users["saksbehandler1@imdi.demo"]
        imdi = Actor(user=caseworker, membership=caseworker.memberships.get(role=Role.CASEWORKER))
        county, confirmer = self._actor(staff, organisation), self._actor(director, organisation)
        if DeadlineExtension.deadline_for(call, organisation) <= timezone.now():
            services.extension_record(
                actor=imdi,
                call=call,
                organisation=organisation,
                deadline=start_of_day(timezone.localdate() + dt.timedelta(days=30)),
                reason="Demo: utsatt frist slik at oppfølgingen av et tilskudd kan prøves.",
            )
        application = self._demo_application(call, organisation, staff)
        services.application_send(actor=county, application_id=application.pk)
        services.application_confirm(actor=confirmer, application_id=application.pk)
        case = Application.objects.get(pk=application.pk).case
        self._demo_decide_and_pay(case, users, confirmer)

    def _demo_decide_and_pay(self, case, users, confirmer):
        """IMDi assesses the case, allocates, proposes and approves a grant; the county accepts it
        and IMDi pays it."""
        call = case.call
        caseworker, approver = users["saksbehandler1@imdi.demo"], users["saksbehandler2@imdi.demo"]
        imdi = Actor(user=caseworker, membership=caseworker.memberships.get(role=Role.CASEWORKER))
        second = Actor(user=approver, membership=approver.memberships.get(role=Role.CASEWORKER))
        services.case_assign(actor=imdi, case_id=case.pk, assignee=caseworker)
        services.case_declare(actor=imdi, case_id=case.pk, disqualified=False)
        services.assessment_save(
            actor=imdi,
            case_id=case.pk,
            conditions={"agreements_ok": True, "declaration_ok": True, "in_time_ok": True},
            conditions_note="",
            scores={criterion.pk: (5, "Godt beskrevet.") for criterion in call.criteria.all()},
            lines=[],
            recommended_total=Decimal("1500000"),
            justification="Godt samarbeid med alle partene og tydelig overføringsverdi.",
            complete=True,
        )
        services.allocation_set(actor=imdi, case_id=case.pk, amount=Decimal("1500000"))
        categories = {c.order: c.pk for c in call.cost_categories.all()}
        first, second_category = sorted(categories)[:2]
        # The texts the proposal page starts from: the call's letter template, in Vestland's nynorsk.
        texts = letters.proposal_texts(Case.objects.get(pk=case.pk), "grant")
        decision = services.decision_propose(
            actor=imdi,
            case_id=case.pk,
            kind="grant",
            rules=texts.get("rules") or "Rundskrivet om tilskudd til en nasjonal samarbeidsmodell.",
            facts=texts.get("facts") or "Fylkeskommunen har avtaler med alle fire typer samarbeidspartnere.",
            considerations="Modellen har stor overføringsverdi.",
            purpose=texts.get("purpose", ""),
            conditions=texts.get("conditions", ""),
            attachments="Rundskriv 08/2025 Tilskudd til utvikling av kommunale kvalifiserings- og integreringstiltak",
            granted={categories[first]: Decimal("300000"), categories[second_category]: Decimal("1200000")},
        )
        services.decision_approve(actor=second, decision_id=decision.pk)  # Maria Berg holds budget authority
        letters.letter_issue(decision.letter.pk)
        services.decision_accept(actor=confirmer, decision_id=decision.pk)
        self._demo_payments(decision, imdi, second)

    @staticmethod
    def _demo_payments(decision, imdi, budget_holder):
        """Two payments to Vestland's confirmed account, each attested by Ali Hassan and approved by Maria
        Berg (budget holder): kr 1 000 000 in a payment file the bank has confirmed (paid), and kr 500 000
        approved and waiting for the next payment file (``manage.py payment_file OUT`` writes it)."""
        first = services.payment_propose(actor=imdi, decision_id=decision.pk, amount=Decimal("1000000"))
        services.payment_attest(actor=imdi, payment_id=first.pk)
        services.payment_approve(actor=budget_holder, payment_id=first.pk)
        batch = services.batch_create(actor=imdi)
        services.batch_send(actor=imdi, batch_id=batch.pk)
        services.batch_confirm(
            actor=imdi, batch_id=batch.pk, paid_on=timezone.localdate(), bank_reference="DEMO-KVITTERING"
        )
        second = services.payment_propose(actor=imdi, decision_id=decision.pk, amount=Decimal("500000"))
        services.payment_attest(actor=imdi, payment_id=second.pk)
        services.payment_approve(actor=budget_holder, payment_id=second.pk)

    @staticmethod
    def _demo_money(orgs, users):
        """Budget authority for the real scheme (Maria Berg up to kr 5 000 000, Jonas Dahl up to
        kr 500 000, Ali Hassan none), and the counties' bank accounts: Vestland's confirmed by its
        director, Innlandet's registered and waiting for its director."""
        scheme = Scheme.objects.get(code=seed.SCHEME["code"])
        for email, limit in (("saksbehandler2@imdi.demo", "5000000"), ("admin@imdi.demo", "500000")):
            BudgetAuthority.objects.get_or_create(
                user=users[email], scheme=scheme, defaults={"limit": Decimal(limit), "note": "Demo"}
            )
        accounts = (
            ("Vestland fylkeskommune", "saksbehandler@vestland.demo", "direktor@vestland.demo", "86011117947"),
            ("Innlandet fylkeskommune", "saksbehandler@innlandet.demo", None, "15031234562"),
        )
        for name, staff, director, number in accounts:
            organisation = orgs[name]
            if BankAccount.objects.filter(organisation=organisation).exists():
                continue
            registrar = Actor(user=users[staff], membership=users[staff].memberships.get(organisation=organisation))
            account = services.bank_account_register(actor=registrar, number=number)
            if director:
                confirmer = users[director]
                membership = confirmer.memberships.get(organisation=organisation)
                services.bank_account_confirm(actor=Actor(user=confirmer, membership=membership), account_id=account.pk)

    @staticmethod
    def _actor(user, organisation):
        return Actor(user=user, membership=user.memberships.get(organisation=organisation))

    @staticmethod
    def _contact(staff, call, organisation) -> dict:
        return {
            "contact_name": staff.full_name,
            "contact_email": staff.email,
            "contact_phone": "99 99 99 99",
            "their_reference": f"{call.year}/{organisation.orgnr[-3:]}-1",  # the county's own case number
            # The two who approve the accounts (R21): the staff member and the director.
            "project_responsible": staff,
            "responsible_leader": User.objects.filter(pk__in=county_director_ids(organisation.pk)).first(),
        }

    def _demo_application(self, call, organisation, staff):
        actor = self._actor(staff, organisation)
        place = organisation.name.split()[0]
        application = services.application_start(actor=actor, call=call)
        answers = {
            "prosjekt": {
                "title": f"Fagbrev for voksne innvandrere i {place}",
                "summary": "En klasse for voksne innvandrere som tar fagbrev i helse- og oppvekstfag.",
                "cooperation_model": "Fylket, NAV, kommunene og opplæringskontorene møtes hver måned.",
                "participants_planned": 15,
                "recruitment": "NAV og kommunene foreslår deltakere fra introduksjonsprogrammet.",
                "follow_up": "Hver deltaker har en kontaktlærer og en veileder i bedriften.",
                "period_start": dt.date(call.year, 1, 1),
                # Two years: a multi-year project may carry unused funds over to the next year (R18).
                "period_end": dt.date(call.year + 1, 12, 31),
            },
            "justeringer": {"has_adjustments": False, "adjustments": ""},
            "erfaringsdeling": {
                "commits_to_sharing": True,
                "experience_sharing": "Vi deltar på IMDis samlinger og i evalueringen.",
                "transfer_value": "Avtalene og rutinene kan brukes av andre fylker.",
            },
            "overforing": {"carry_over_amount": Decimal("0"), "carry_over_explanation": ""},
            "kontakt": self._contact(staff, call, organisation),
        }
        for section, data in answers.items():
            services.application_section_save(
                actor=actor, application_id=application.pk, section=section, data=data, version=0
            )
        categories = list(call.cost_categories.order_by("order"))
        services.application_section_save(
            actor=actor,
            application_id=application.pk,
            section="budsjett",
            data={"declares_no_running_costs": True},
            version=0,
            lines=[
                {
                    "category": categories[0],
                    "amount": Decimal("300000"),
                    "description": "Prosjektleder i halv stilling",
                },
                {"category": categories[1], "amount": Decimal("1200000"), "description": "To lærere"},
            ],
        )
        for kind in PartnerKind:
            content = b"%PDF-1.4\n% Demoavtale " + kind.encode() + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
            upload = SimpleUploadedFile(f"avtale-{kind}.pdf", content, content_type="application/pdf")
            services.agreement_add(
                actor=actor,
                application_id=application.pk,
                partner_kind=kind,
                partner_name=f"{kind.label} i {place}",
                upload=upload,
                checked=check_upload(upload),
            )
        return Application.objects.get(pk=application.pk)
