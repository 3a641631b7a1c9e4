"""A county's application to a call (R6–R12), its attachments, budget and what was submitted."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from grants.models.calls import Call, CostCategory
from portal.columns import translated
from portal.files import StoredFile
from portal.limits import text_field
from portal.models import Membership, Organisation, Role, User

AMOUNT = {"max_digits": 14, "decimal_places": 2}


UPLOAD_EXTENSIONS = frozenset({"pdf", "docx", "odt", "png", "jpg", "jpeg"})


def private_name(prefix: str, original: str, extensions: frozenset[str] = UPLOAD_EXTENSIONS) -> str:
    """A generated storage name that keeps only a known extension of the user's file name."""
    ext = original.rsplit(".", 1)[-1].lower() if "." in original else ""
    suffix = f".{ext}" if ext in extensions else ""
    return f"{prefix}/{uuid.uuid4().hex}{suffix}"


def agreement_upload_to(instance, filename: str) -> str:
    return private_name("avtaler", filename)


def receipt_upload_to(instance, filename: str) -> str:
    return private_name("kvitteringer", filename)


def county_people(organisation: Organisation) -> models.QuerySet[User]:
    """The active people of the county (its staff and directors): whom it may name to approve the
    accounts (R21)."""
    members = Membership.objects.filter(
        organisation=organisation, role__in=[Role.COUNTY_STAFF, Role.COUNTY_DIRECTOR]
    ).values("user_id")
    return User.objects.filter(pk__in=members, is_active=True).order_by("full_name", "email")


def county_director_ids(organisation_id: int) -> set[int]:
    """The county's active directors (fylkeskommunedirektøren): ansvarlig leder by default."""
    return set(
        Membership.objects.filter(
            organisation_id=organisation_id, role=Role.COUNTY_DIRECTOR, user__is_active=True
        ).values_list("user_id", flat=True)
    )


class ApplicationQuerySet(models.QuerySet):
    def for_listing(self):
        return self.select_related("call", "organisation").only(
            "id",
            "state",
            "reference",
            "title",
            "updated_at",
            "submitted_at",
            "call__id",
            "call__year",
            "call__application_deadline",
            "organisation__id",
            # What reading ``call.title`` and ``organisation.name`` reads (grants.translation), in either language.
            *translated("call__title", "organisation__name"),
        )


class Application(models.Model):
    """One county's application to one call. Its states are a table in ``grants.workflows``."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Utkast")
        AWAITING_CONFIRMATION = "awaiting_confirmation", _("Venter på bekreftelse")
        SUBMITTED = "submitted", _("Sendt inn")

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications", verbose_name=_("utlysning"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="applications", verbose_name=_("søker")
    )
    state = models.CharField(_("status"), max_length=30, choices=State.choices, default=State.DRAFT)
    reference = models.CharField(_("referanse"), max_length=40, blank=True)
    # The county's own reference (its case number), printed as "Deres referanse" in IMDi's letters.
    their_reference = models.CharField(_("fylkeskommunens referanse"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("opprettet av")
    )
    created_at = models.DateTimeField(_("opprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("sist endret"), auto_now=True)
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("kopiert fra")
    )
    # Optimistic locking: the version each section was last saved at (see services.section_save).
    versions = models.JSONField(_("versjoner"), default=dict, blank=True)
    sent_at = models.DateTimeField(_("sendt til bekreftelse"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Claimed by the e-mail task (and a sweep sends what was never sent): the row is the truth.
    confirmers_notified_at = models.DateTimeField(_("bekreftere varslet"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("sendt inn"), null=True, blank=True)
    returned_reason = text_field(_("begrunnelse for retur"), blank=True)

    # The project
    title = models.CharField(_("prosjektets navn"), max_length=300, blank=True)
    summary = text_field(_("kort beskrivelse av prosjektet"), blank=True)
    cooperation_model = text_field(_("den regionale samarbeidsmodellen"), blank=True)
    participants_planned = models.PositiveIntegerField(_("planlagt antall deltakere i klassen"), null=True, blank=True)
    recruitment = text_field(_("slik rekrutteres deltakerne"), blank=True)
    follow_up = text_field(_("slik følges deltakerne opp"), blank=True)
    period_start = models.DateField(_("prosjektstart"), null=True, blank=True)
    period_end = models.DateField(_("prosjektslutt"), null=True, blank=True)
    # Adjustments (R7)
    has_adjustments = models.BooleanField(_("er samarbeidsavtaler eller planlagt aktivitet justert?"), null=True)
    adjustments = text_field(_("hva er justert, og hvorfor"), blank=True)
    # Experience sharing, evaluation and national transfer value (R8)
    commits_to_sharing = models.BooleanField(_("vi forplikter oss til erfaringsdeling og evaluering"), default=False)
    experience_sharing = text_field(_("slik deler vi erfaringer og deltar i evalueringen"), blank=True)
    transfer_value = text_field(_("overføringsverdi til en nasjonal modell"), blank=True)
    # Budget (R9, R10)
    declares_no_running_costs = models.BooleanField(
        _("budsjettet dekker ikke ordinær drift eller investeringer"), default=False
    )
    # Carry-over of unused funds (R11)
    carry_over_amount = models.DecimalField(
        _("ubrukte midler fra i fjor som søkes overført (kr)"),
        **AMOUNT,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    carry_over_explanation = text_field(_("forklaring til overføringen"), blank=True)
    # Set when IMDi approved last year's carry-over (reporting.CarryOver): the amount is then
    # prefilled and the county cannot change it.
    carry_over_locked = models.BooleanField(_("overføringen er godkjent av IMDi"), default=False)
    # Who approves the year's accounts (R21): two named people of the county. Without a named
    # ansvarlig leder, the county's director is it (``accounts_approvers``).
    project_responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("prosjektansvarlig i fylkeskommunen"),
    )
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ansvarlig leder"),
    )
    # Contact person
    contact_name = models.CharField(_("kontaktperson"), max_length=200, blank=True)
    contact_email = models.EmailField(_("e-post til kontaktperson"), blank=True)
    contact_phone = models.CharField(_("telefon til kontaktperson"), max_length=30, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("søknad")
        verbose_name_plural = _("søknader")
        ordering = ["-call__year", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["call", "organisation"], name="application_one_per_county_and_call"),
            models.UniqueConstraint(
                fields=["reference"], condition=~Q(reference=""), name="application_reference_unique"
            ),
            models.CheckConstraint(condition=Q(carry_over_amount__gte=0), name="application_carry_over_not_negative"),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gt=models.F("period_start")),
                name="application_period_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "awaiting_confirmation", "submitted"]), name="application_state_known"
            ),
            models.CheckConstraint(
                condition=Q(project_responsible__isnull=True)
                | Q(responsible_leader__isnull=True)
                | ~Q(project_responsible=models.F("responsible_leader")),
                name="application_two_accounts_approvers",
            ),
        ]
        # IMDi's lists, newest submitted first.
        indexes = [
            models.Index(fields=["submitted_at"], name="application_submitted_at"),
            # The inbox's counties with a case in any call: a county's applications without reading
            # their answers from the table (an index-only scan; issue 16).
            models.Index(fields=["organisation", "id"], name="application_organisation_id"),
        ]

    def __str__(self) -> str:
        label = self.reference or _("søknad %(pk)s") % {"pk": self.pk}
        return f"{label} – {self.organisation} – {self.call}"

    def deadline(self):
        """The deadline that applies to this county: the call's, or a later one IMDi recorded (R4)."""
        return DeadlineExtension.deadline_for(self.call, self.organisation)

    @property
    def runs_past_year(self) -> bool:
        """The project period ends after the call's year: a multi-year project, which alone may carry
        unused funds over to the next year (R18)."""
        return self.period_end is not None and self.period_end.year > self.call.year

    def project_responsible_ids(self) -> set[int]:
        """Who approves the accounts as prosjektansvarlig (R21): the one named in the application; in
        an application that named nobody, the person who started it."""
        return {self.project_responsible_id or self.created_by_id}

    def responsible_leader_ids(self) -> set[int]:
        """Who approves the accounts as ansvarlig leder (R21): the one named in the application, or
        by default the county's director."""
        if self.responsible_leader_id:
            return {self.responsible_leader_id}
        return county_director_ids(self.organisation_id)

    def budget_total(self) -> Decimal:
        return self.budget_lines.aggregate(total=Sum("amount"))["total"] or Decimal("0")

    def active_agreements(self):
        return self.agreements.filter(removed_at__isnull=True)

    def current_submission(self) -> Submission | None:
        """The version submitted now: none while it is withdrawn for correction."""
        return self.submissions.filter(withdrawn_at__isnull=True).order_by("-number").first()


class PartnerKind(models.TextChoices):
    """The four kinds of partner every application needs an agreement with (R6)."""

    EMPLOYER = "employer", _("Arbeidsgiver")
    TRAINING_OFFICE = "training_office", _("Opplæringskontor")
    NAV = "nav", _("NAV")
    MUNICIPALITY = "municipality", _("Kommune")


class CooperationAgreement(StoredFile):
    """A signed cooperation agreement attached to an application. Never deleted, only removed from
    the draft, so that an earlier submission that listed it can still be read."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="agreements")
    partner_kind = models.CharField(_("type samarbeidspartner"), max_length=30, choices=PartnerKind.choices)
    partner_name = models.CharField(_("samarbeidspartnerens navn"), max_length=300)
    file = models.FileField(_("signert avtale"), upload_to=agreement_upload_to, max_length=200)
    removed_at = models.DateTimeField(_("fjernet fra utkastet"), null=True, blank=True)

    class Meta:
        verbose_name = _("samarbeidsavtale")
        verbose_name_plural = _("samarbeidsavtaler")
        ordering = ["application", "partner_kind", "uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_partner_kind_display()}: {self.partner_name}"


class BudgetLine(models.Model):
    """One line of the budget: an amount in one of the call's cost categories (R9)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="budget_lines")
    category = models.ForeignKey(
        CostCategory, on_delete=models.PROTECT, related_name="budget_lines", verbose_name=_("kostnadskategori")
    )
    amount = models.DecimalField(_("beløp (kr)"), **AMOUNT, validators=[MinValueValidator(Decimal("0"))])
    description = models.CharField(_("hva beløpet dekker"), max_length=500)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("budsjettlinje")
        verbose_name_plural = _("budsjettlinjer")
        ordering = ["application", "category__order", "order", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="budget_line_amount_not_negative")]

    def __str__(self) -> str:
        return f"{self.category}: {self.amount}"


class Channel(models.TextChoices):
    """How a document reached IMDi: through the portal, or by e-mail or post and registered by IMDi."""

    PORTAL = "portal", _("Portalen")
    EMAIL = "email", _("E-post")
    POST = "post", _("Post")


class Submission(models.Model):
    """What the county submitted: a frozen copy of the whole application, who confirmed it and on what
    authority, and the receipt. Withdrawing for correction keeps it readable (R12, R23)."""

    class ReceiptStatus(models.TextChoices):
        PENDING = "pending", _("Lages")
        READY = "ready", _("Klar")
        FAILED = "failed", _("Feilet, prøves igjen")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="submissions")
    number = models.PositiveSmallIntegerField(_("versjon"))
    snapshot = models.JSONField(_("innsendt søknad"))
    total = models.DecimalField(_("sum budsjett (kr)"), **AMOUNT)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    sent_at = models.DateTimeField(_("sendt til bekreftelse"), null=True)
    # Who confirmed it in the portal; for an application that came by e-mail or post, nobody did
    # (``registered_by`` is the IMDi caseworker who registered it, ``confirmed_at`` when it was received).
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    confirmed_at = models.DateTimeField(_("mottatt"))
    authority = models.CharField(_("bekreftet på grunnlag av"), max_length=300)
    channel = models.CharField(_("mottatt via"), max_length=10, choices=Channel.choices, default=Channel.PORTAL)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # The county's deadline when it was received, and whether it came after it (R4): a late
    # application is received and flagged; IMDi then extends the deadline or dismisses it.
    deadline = models.DateTimeField(_("søknadsfrist da den kom inn"), null=True, blank=True)
    late = models.BooleanField(_("kom etter fristen"), default=False)
    receipt = models.FileField(_("kvittering"), upload_to=receipt_upload_to, max_length=200, blank=True)
    receipt_sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    receipt_status = models.CharField(max_length=10, choices=ReceiptStatus.choices, default=ReceiptStatus.PENDING)
    receipt_attempts = models.PositiveSmallIntegerField(default=0)
    receipt_emailed_at = models.DateTimeField(null=True, blank=True)
    # When IMDi's caseworkers were told of it (claimed before the e-mail goes: grants.notices).
    imdi_notified_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("trukket for retting"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("innsending")
        verbose_name_plural = _("innsendinger")
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="submission_number_unique"),
            models.UniqueConstraint(
                fields=["application"], condition=Q(withdrawn_at__isnull=True), name="submission_one_current"
            ),
            # Confirmed in the portal by someone, or registered by IMDi from e-mail or post.
            models.CheckConstraint(
                condition=(Q(channel="portal") & Q(confirmed_by__isnull=False))
                | (~Q(channel="portal") & Q(registered_by__isnull=False)),
                name="submission_confirmed_or_registered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot.get('reference', '')}/{self.number}"


class DeadlineExtension(models.Model):
    """IMDi's recorded extension of the application deadline for one county (R4)."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="extensions", verbose_name=_("utlysning"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="deadline_extensions", verbose_name=_("fylkeskommune")
    )
    deadline = models.DateTimeField(_("ny frist"))
    reason = text_field(_("begrunnelse"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("registrert"), auto_now_add=True)

    class Meta:
        verbose_name = _("utsatt søknadsfrist")
        verbose_name_plural = _("utsatte søknadsfrister")
        ordering = ["call", "organisation", "-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.call}"

    @classmethod
    def deadline_for(cls, call: Call, organisation: Organisation):
        """The latest extension recorded wins; without one, the call's own deadline."""
        latest = cls.objects.filter(call=call, organisation=organisation).order_by("-recorded_at", "-id").first()
        return latest.deadline if latest else call.application_deadline


def incoming_upload_to(instance, filename: str) -> str:
    return private_name("innkommende", filename)


class IncomingDocument(StoredFile):
    """A document that reached IMDi by e-mail or post (an application or an appeal), registered by a
    caseworker: the scanned letter or the e-mail as it came, checked like every upload (R4, R15)."""

    class Kind(models.TextChoices):
        APPLICATION = "application", _("Søknad")
        APPEAL = "appeal", _("Klage")

    file = models.FileField(_("dokument"), upload_to=incoming_upload_to, max_length=200)
    kind = models.CharField(_("type dokument"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("mottatt via"), max_length=10, choices=Channel.choices)
    sender = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("avsender"))
    received_on = models.DateField(_("mottatt"))
    dated = models.DateField(_("datert"), null=True, blank=True)
    their_reference = models.CharField(_("avsenderens referanse"), max_length=100, blank=True)
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="incoming_documents", null=True, blank=True
    )
    appeal = models.ForeignKey(
        "grants.Appeal", on_delete=models.PROTECT, related_name="incoming_documents", null=True, blank=True
    )

    class Meta:
        verbose_name = _("innkommende dokument")
        verbose_name_plural = _("innkommende dokumenter")
        ordering = ["received_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(channel="portal"), name="incoming_not_portal"),
            models.CheckConstraint(
                condition=Q(application__isnull=False) | Q(appeal__isnull=False), name="incoming_belongs_somewhere"
            ),
        ]
