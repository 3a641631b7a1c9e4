"""A decision on a case (R14–R17): proposed by one caseworker and approved by another, its lines
per cost category, its letter (rendered once, never changed) and the payments of a grant."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants.models.applications import AMOUNT
from grants.models.calls import Call, CostCategory
from grants.models.cases import Case, letter_upload_to
from portal.calendar import deadline_after
from portal.limits import text_field

USER = settings.AUTH_USER_MODEL
APPEAL_WEEKS = 3  # the appeal deadline, from the day the letter reached the county (fvl. § 29)


class DecisionQuerySet(models.QuerySet):
    def in_force(self) -> DecisionQuerySet:
        """Approved and not reversed after an appeal: the decisions that stand."""
        return self.filter(state=Decision.State.APPROVED, reversed_at__isnull=True)

    def grants_in_force(self) -> DecisionQuerySet:
        """The grants that stand: what the county accepts, IMDi pays and the county reports on."""
        return self.in_force().filter(kind=Decision.Kind.GRANT)

    def payments_due(self) -> DecisionQuerySet:
        """Grants in force not yet paid in full (accepted or not)."""
        return self.grants_in_force().filter(paid__lt=F("amount"))

    def funded_years(self, organisation_id: int, scheme_id: int) -> set[int]:
        """The distinct years of the scheme's calls in which the county has a grant in force (R16)."""
        grants = self.grants_in_force().filter(
            case__application__organisation_id=organisation_id, case__call__scheme_id=scheme_id
        )
        return set(grants.values_list("case__call__year", flat=True).order_by().distinct())


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
    rules = text_field(_("regler vedtaket bygger på"))
    facts = text_field(_("faktiske forhold"))
    considerations = text_field(_("hovedhensyn"))
    # A grant's purpose: the scheme's and what this county's project is to achieve (R16).
    purpose = text_field(_("formålet med tilskuddet"), blank=True)
    conditions = text_field(_("vilkår"), blank=True)
    # The letter's "Vedlegg" and "Kopi til" lists, one per line.
    attachments = text_field(_("vedlegg"), blank=True)
    copy_to = text_field(_("kopi til"), blank=True)
    report_deadline = models.DateTimeField(_("frist for rapport og regnskap"))
    replaces = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("erstatter")
    )
    proposed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("foreslått"))
    returned_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    returned_at = models.DateTimeField(_("sendt tilbake"), null=True, blank=True)
    return_reason = text_field(_("hvorfor forslaget ble sendt tilbake"), blank=True)
    approved_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(_("godkjent"), null=True, blank=True)
    reversed_at = models.DateTimeField(_("omgjort"), null=True, blank=True)
    accepted_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    accepted_at = models.DateTimeField(_("akseptert"), null=True, blank=True)
    # When IMDi's caseworkers were told of the acceptance (claimed before the e-mail goes).
    acceptance_notified_at = models.DateTimeField(null=True, blank=True)
    # The sum of the payments, kept by a trigger (migration 0006).
    paid = models.DecimalField(_("utbetalt (kr)"), **AMOUNT, default=Decimal("0"))
    # Whether the grant's annual report is sent in (submitted or approved): kept by the database from
    # reporting's reports (reporting.db_triggers), so that the overdue reports are read from the few
    # grants still waiting for one (the index below) rather than by joining every grant to its report.
    report_done = models.BooleanField(
        _("rapport og regnskap er levert"), default=False, db_default=False, editable=False
    )

    objects = DecisionQuerySet.as_manager()

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
            # The accepted grants whose report is still to come, a few among thousands: what overdue_reports reads.
            models.Index(
                fields=["report_deadline", "id"],
                condition=Q(
                    kind="grant",
                    state="approved",
                    reversed_at__isnull=True,
                    accepted_at__isnull=False,
                    report_done=False,
                ),
                name="decision_report_due",
            ),
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

    @property
    def is_in_force(self) -> bool:
        """Approved and not reversed (``Decision.objects.in_force()`` for a query)."""
        return self.state == self.State.APPROVED and self.reversed_at is None

    @property
    def is_grant_in_force(self) -> bool:
        return self.kind == self.Kind.GRANT and self.is_in_force

    @property
    def letter_or_none(self) -> Letter | None:
        """The letter of an approved decision; a proposal (IMDi reads those too) has none yet."""
        try:
            return self.letter
        except Letter.DoesNotExist:
            return None


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


class IssuedLetter(models.Model):
    """A letter IMDi makes once (portal.documents): its reference and language, the stored PDF with its
    SHA-256, the attempts and last error of a failed rendering, when it was issued and when the county
    was told. A decision's letter and an appeal's letters are this."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Lages")
        READY = "ready", _("Klar")
        FAILED = "failed", _("Feilet, prøves igjen")

    reference = models.CharField(_("vår referanse"), max_length=40)
    language = models.CharField(_("målform"), max_length=2)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(_("brev"), upload_to=letter_upload_to, max_length=200, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("forsøk"), default=0)
    last_error = models.TextField(_("siste feil"), blank=True)
    issued_at = models.DateTimeField(_("sendt"), null=True, blank=True)
    notified_at = models.DateTimeField(_("fylkeskommunen varslet"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.reference

    @property
    def appeal_deadline(self) -> dt.date:
        """Three weeks from the day the letter reached the county (fvl. §§ 29–30): when the county was
        told it is in the portal (or, before that e-mail went, when it was put there). A deadline that
        ends on a weekend or a Norwegian public holiday moves to the next working day."""
        return deadline_after(timezone.localdate(self.notified_at or self.issued_at), weeks=APPEAL_WEEKS)


class Letter(IssuedLetter):
    """The letter of an approved decision, rendered once (R14–R16). The stored PDF and its SHA-256
    never change (a PostgreSQL trigger refuses it); a failed rendering is retried."""

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="letter")
    first_opened_at = models.DateTimeField(_("først åpnet av fylkeskommunen"), null=True, blank=True)
    first_opened_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

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


class LetterTemplate(models.Model):
    """The texts a caseworker starts from when proposing a decision of one kind in one call, in
    bokmål and nynorsk (``grants.translation``): the proposal is prefilled in the county's written
    standard, and the caseworker edits it. ``{county}``, ``{title}``, ``{requested}``, ``{amount}``,
    ``{received}`` and ``{deadline}`` are replaced with the case's facts."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="letter_templates")
    kind = models.CharField(_("type vedtak"), max_length=20, choices=Decision.Kind.choices)
    rules = text_field(_("regler avgjørelsen bygger på"), blank=True)
    facts = text_field(_("faktiske forhold"), blank=True)
    considerations = text_field(_("hovedhensyn"), blank=True)
    purpose = text_field(_("formålet med tilskuddet"), blank=True)
    conditions = text_field(_("vilkår"), blank=True)

    class Meta:
        verbose_name = _("brevmal")
        verbose_name_plural = _("brevmaler")
        ordering = ["call", "kind"]
        constraints = [models.UniqueConstraint(fields=["call", "kind"], name="letter_template_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.call}: {self.get_kind_display()}"
