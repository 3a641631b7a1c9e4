"""IMDi's handling of a submitted application (R5, R13–R17): the case, its caseworker and their
declaration of impartiality, the assessment, the allocation from the call's pot, the decision and
its letter, the county's acceptance, the payments and an appeal against a dismissal.

Money is guarded by the database as well as by the services:

- ``Call.allocated`` is the sum of ``Case.allocated`` over the call's cases. A trigger keeps it (see
  migration 0006) and a CHECK refuses any sum above ``Call.pot``, whoever writes.
- ``Decision.paid`` is the sum of its payments (trigger) and can exceed neither the granted amount
  nor be above zero before the county has accepted the grant (CHECKs).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from grants.models.applications import AMOUNT, Application, Submission, private_name
from grants.models.calls import Call, CostCategory, Criterion

USER = settings.AUTH_USER_MODEL


def letter_upload_to(instance, filename: str) -> str:
    return private_name("brev", filename)


def appeal_upload_to(instance, filename: str) -> str:
    return private_name("klager", filename)


CASE_STATES = [
    "received",
    "assigned",
    "assessing",
    "assessed",
    "proposed",
    "decided",
    "accepted",
    "paid",
    "appealed",
    "forwarded",
    "closed",
]


class Case(models.Model):
    """One submitted application as IMDi handles it. Created when the application is first
    submitted; its state says where the handling is (the application's own state is the county's)."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Mottatt")
        ASSIGNED = "assigned", _("Tildelt saksbehandler")
        ASSESSING = "assessing", _("Under vurdering")
        ASSESSED = "assessed", _("Vurdert")
        PROPOSED = "proposed", _("Vedtak foreslått")
        DECIDED = "decided", _("Vedtak fattet")
        ACCEPTED = "accepted", _("Tilskudd akseptert")
        PAID = "paid", _("Utbetalt")
        APPEALED = "appealed", _("Klage mottatt")
        FORWARDED = "forwarded", _("Klage sendt departementet")
        CLOSED = "closed", _("Avsluttet")

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="case")
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="cases", verbose_name=_("utlysning"))
    state = models.CharField(_("saksstatus"), max_length=20, choices=State.choices, default=State.RECEIVED)
    assigned_to = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("saksbehandler")
    )
    assigned_at = models.DateTimeField(_("tildelt"), null=True, blank=True)
    # The conditions (R6, R10, R4) as the caseworker found them: None until assessed.
    agreements_ok = models.BooleanField(_("avtaler med alle fire typer samarbeidspartnere"), null=True)
    declaration_ok = models.BooleanField(_("erklæring om at ordinær drift ikke dekkes"), null=True)
    in_time_ok = models.BooleanField(_("sendt inn i tide eller innen utsatt frist"), null=True)
    conditions_note = models.TextField(_("merknad til vilkårene"), blank=True)
    recommended_total = models.DecimalField(_("anbefalt tilskudd (kr)"), **AMOUNT, null=True, blank=True)
    justification = models.TextField(_("begrunnelse for anbefalingen"), blank=True)
    assessed_at = models.DateTimeField(_("vurdert"), null=True, blank=True)
    assessed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The amount set on the allocation page (R5); maintained into Call.allocated by a trigger.
    allocated = models.DecimalField(_("fordelt (kr)"), **AMOUNT, default=Decimal("0"))
    updated_at = models.DateTimeField(_("sist endret"), auto_now=True)

    class Meta:
        verbose_name = _("sak")
        verbose_name_plural = _("saker")
        ordering = ["call", "application__organisation__name"]
        constraints = [
            models.CheckConstraint(condition=Q(allocated__gte=0), name="case_allocated_not_negative"),
            models.CheckConstraint(
                condition=Q(recommended_total__isnull=True) | Q(recommended_total__gte=0),
                name="case_recommended_not_negative",
            ),
            models.CheckConstraint(condition=Q(state__in=CASE_STATES), name="case_state_known"),
        ]
        indexes = [models.Index(fields=["call", "state"], name="case_call_state")]

    def __str__(self) -> str:
        return str(self.application)


class ImpartialityDeclaration(models.Model):
    """A caseworker's declaration, before assessing, that they are not disqualified
    (forvaltningsloven §§ 6–10), or that they are, with the reason."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="declarations")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    disqualified = models.BooleanField(_("jeg er inhabil"))
    reason = models.TextField(_("begrunnelse"), blank=True)
    declared_at = models.DateTimeField(_("erklært"), auto_now_add=True)

    class Meta:
        verbose_name = _("habilitetserklæring")
        verbose_name_plural = _("habilitetserklæringer")
        ordering = ["case", "declared_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(disqualified=False) | ~Q(reason=""), name="declaration_conflict_has_reason"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.case}"


class CriterionScore(models.Model):
    """The score and comment for one criterion of the call (R13)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("poeng"), null=True, blank=True)
    comment = models.TextField(_("kommentar"), blank=True)

    class Meta:
        ordering = ["case", "criterion__order"]
        constraints = [models.UniqueConstraint(fields=["case", "criterion"], name="score_one_per_criterion")]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class LineAssessment(models.Model):
    """The caseworker's view of one budget line as submitted: eligible or not (R10), and the amount
    recommended. Keyed by the submission and the line's position in its snapshot, because the
    county's draft budget lines can change after a withdrawal."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="line_assessments")
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="+")
    index = models.PositiveSmallIntegerField()
    category = models.CharField(_("kostnadskategori"), max_length=300)
    description = models.CharField(_("hva beløpet dekker"), max_length=500)
    requested = models.DecimalField(_("søkt (kr)"), **AMOUNT)
    eligible = models.BooleanField(_("tilskuddsberettiget"), default=True)
    recommended = models.DecimalField(_("anbefalt (kr)"), **AMOUNT, default=Decimal("0"))

    class Meta:
        ordering = ["case", "submission", "index"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "index"], name="line_assessment_one_per_line"),
            models.CheckConstraint(condition=Q(recommended__gte=0), name="line_recommended_not_negative"),
            models.CheckConstraint(condition=Q(eligible=True) | Q(recommended=0), name="line_ineligible_is_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.recommended}"


class Decision(models.Model):
    """A decision on a case (R14–R16): proposed by one caseworker, approved by another."""

    class Kind(models.TextChoices):
        GRANT = "grant", _("Tilskudd")
        REJECTION = "rejection", _("Avslag")
        DISMISSAL = "dismissal", _("Avvisning")

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Foreslått")
        RETURNED = "returned", _("Sendt tilbake")
        APPROVED = "approved", _("Godkjent")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(_("type vedtak"), max_length=20, choices=Kind.choices)
    state = models.CharField(_("status"), max_length=20, choices=State.choices, default=State.PROPOSED)
    requested = models.DecimalField(_("søkt (kr)"), **AMOUNT)
    amount = models.DecimalField(_("tildelt (kr)"), **AMOUNT, default=Decimal("0"))
    # The reasons (forvaltningsloven §§ 24–25): the rules applied, the facts, the main considerations.
    rules = models.TextField(_("regler vedtaket bygger på"))
    facts = models.TextField(_("faktiske forhold"))
    considerations = models.TextField(_("hovedhensyn"))
    conditions = models.TextField(_("formål og vilkår"), blank=True)
    report_deadline = models.DateTimeField(_("frist for rapport og regnskap"))
    replaces = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("erstatter")
    )
    proposed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("foreslått"))
    returned_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    returned_at = models.DateTimeField(_("sendt tilbake"), null=True, blank=True)
    return_reason = models.TextField(_("hvorfor forslaget ble sendt tilbake"), blank=True)
    approved_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(_("godkjent"), null=True, blank=True)
    reversed_at = models.DateTimeField(_("omgjort"), null=True, blank=True)
    accepted_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    accepted_at = models.DateTimeField(_("akseptert"), null=True, blank=True)
    # The sum of the payments, kept by a trigger (migration 0006).
    paid = models.DecimalField(_("utbetalt (kr)"), **AMOUNT, default=Decimal("0"))

    class Meta:
        verbose_name = _("vedtak")
        verbose_name_plural = _("vedtak")
        ordering = ["case", "proposed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("proposed_by")),
                name="decision_four_eyes",
            ),
            models.CheckConstraint(
                condition=(Q(kind="grant") & Q(amount__gt=0)) | (~Q(kind="grant") & Q(amount=0)),
                name="decision_amount_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(paid__gte=0) & Q(paid__lte=F("amount")), name="decision_paid_le_granted"
            ),
            models.CheckConstraint(
                condition=Q(paid=0) | Q(accepted_at__isnull=False), name="decision_paid_after_acceptance"
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | (Q(kind="grant") & Q(approved_at__isnull=False)),
                name="decision_accepted_only_approved_grant",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(state__in=["proposed", "approved"], reversed_at__isnull=True),
                name="decision_one_current_per_case",
            ),
        ]
        indexes = [
            # The payments due (a handful among thousands of decisions) and the proposals to approve.
            models.Index(
                fields=["accepted_at", "approved_at", "id"],
                condition=Q(kind="grant", state="approved", reversed_at__isnull=True, paid__lt=F("amount")),
                name="decision_payment_due",
            ),
            models.Index(fields=["proposed_at"], condition=Q(state="proposed"), name="decision_to_approve"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.case}"

    @property
    def is_partial(self) -> bool:
        return self.kind == self.Kind.GRANT and self.amount < self.requested

    @property
    def is_appealable(self) -> bool:
        """Only a dismissal is an enkeltvedtak (R14, R15)."""
        return self.kind == self.Kind.DISMISSAL

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid


class DecisionLine(models.Model):
    """What was applied for and what is granted in one cost category (the letter's table)."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="lines")
    category = models.ForeignKey(CostCategory, on_delete=models.PROTECT, related_name="+")
    requested = models.DecimalField(_("søkt (kr)"), **AMOUNT)
    granted = models.DecimalField(_("tildelt (kr)"), **AMOUNT)

    class Meta:
        ordering = ["decision", "category__order"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "category"], name="decision_line_one_per_category"),
            models.CheckConstraint(
                condition=Q(granted__gte=0) & Q(requested__gte=0), name="decision_line_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.granted}"


class Letter(models.Model):
    """The letter of an approved decision, rendered once (R14–R16). The stored PDF and its SHA-256
    never change (a PostgreSQL trigger refuses it); a failed rendering is retried."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Lages")
        READY = "ready", _("Klar")
        FAILED = "failed", _("Feilet, prøves igjen")

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="letter")
    reference = models.CharField(_("vår referanse"), max_length=40)
    language = models.CharField(_("målform"), max_length=2)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(_("brev"), upload_to=letter_upload_to, max_length=200, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("forsøk"), default=0)
    last_error = models.TextField(_("siste feil"), blank=True)
    issued_at = models.DateTimeField(_("sendt"), null=True, blank=True)
    notified_at = models.DateTimeField(_("fylkeskommunen varslet"), null=True, blank=True)
    first_opened_at = models.DateTimeField(_("først åpnet av fylkeskommunen"), null=True, blank=True)
    first_opened_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("vedtaksbrev")
        verbose_name_plural = _("vedtaksbrev")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["id"], condition=~Q(status="ready"), name="letter_unfinished")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="ready") | (~Q(sha256="") & Q(issued_at__isnull=False)),
                name="letter_ready_has_file",
            )
        ]

    def __str__(self) -> str:
        return self.reference


class Payment(models.Model):
    """A payment of an accepted grant (R17). Payments are never changed or deleted."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("beløp (kr)"), **AMOUNT)
    paid_on = models.DateField(_("utbetalingsdato"))
    reference = models.CharField(_("referanse (bilag)"), max_length=100)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("registrert"), auto_now_add=True)

    class Meta:
        verbose_name = _("utbetaling")
        verbose_name_plural = _("utbetalinger")
        ordering = ["decision", "paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            # A payment registered twice (a double click, a retyped voucher) is refused.
            models.UniqueConstraint(fields=["decision", "reference"], name="payment_reference_once"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} ({self.paid_on})"


class Appeal(models.Model):
    """The county's appeal against a dismissal (R15), and what came of it."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Mottatt")
        REVERSED = "reversed", _("Omgjort av IMDi")
        FORWARDED = "forwarded", _("Sendt departementet")
        UPHELD = "upheld", _("Departementet opprettholdt vedtaket")
        MINISTRY_REVERSED = "ministry_reversed", _("Departementet omgjorde vedtaket")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="appeals")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="appeals")
    state = models.CharField(_("status"), max_length=20, choices=State.choices, default=State.RECEIVED)
    reasons = models.TextField(_("hvorfor dere klager"))
    filed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("mottatt"))
    deadline = models.DateField(_("klagefrist"))
    is_late = models.BooleanField(_("kom for sent"), default=False)
    reversal_reason = models.TextField(_("begrunnelse for omgjøringen"), blank=True)
    cover_note = models.TextField(_("oversendelsesbrev til departementet"), blank=True)
    forwarded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    forwarded_at = models.DateTimeField(_("sendt departementet"), null=True, blank=True)
    outcome_note = models.TextField(_("departementets avgjørelse"), blank=True)
    decided_on = models.DateField(_("avgjort"), null=True, blank=True)
    closed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(_("registrert avgjort"), null=True, blank=True)

    class Meta:
        verbose_name = _("klage")
        verbose_name_plural = _("klager")
        ordering = ["case", "filed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision"], condition=Q(state__in=["received", "forwarded"]), name="appeal_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{_('Klage')} – {self.case}"


class AppealAttachment(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("vedlegg"), upload_to=appeal_upload_to, max_length=200)
    original_name = models.CharField(_("filnavn"), max_length=255)
    content_type = models.CharField(_("filtype"), max_length=100)
    size = models.PositiveBigIntegerField(_("størrelse (byte)"))
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("lastet opp"), auto_now_add=True)

    class Meta:
        verbose_name = _("vedlegg til klage")
        verbose_name_plural = _("vedlegg til klager")
        ordering = ["appeal", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
