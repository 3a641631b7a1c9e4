"""IMDi's handling of a submitted application (R5, R13–R17): the case, its caseworker and their
declaration of impartiality, the assessment and the amount allocated from the call's pot. The
decision and its letter, the payments (``grants.models.decisions``) and an appeal against a dismissal
(``grants.models.appeals``) hang off the case.

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
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grants.models.applications import AMOUNT, Application, Submission, private_name
from grants.models.calls import Call, Criterion
from portal.limits import text_field

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
    conditions_note = text_field(_("merknad til vilkårene"), blank=True)
    recommended_total = models.DecimalField(_("anbefalt tilskudd (kr)"), **AMOUNT, null=True, blank=True)
    justification = text_field(_("begrunnelse for anbefalingen"), blank=True)
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
        indexes = [
            models.Index(fields=["call", "state"], name="case_call_state"),
            # A caseworker's open cases on the dashboard, among all the cases they ever had (issue 16).
            models.Index(fields=["assigned_to", "state"], name="case_worker_state"),
        ]

    def __str__(self) -> str:
        return str(self.application)

    def disqualified_user_ids(self) -> set[int]:
        """Those who declared a conflict in the case: they take no further part in it."""
        return set(self.declarations.filter(disqualified=True).values_list("user_id", flat=True))


class ImpartialityDeclaration(models.Model):
    """A caseworker's declaration, before assessing, that they are not disqualified
    (forvaltningsloven §§ 6–10), or that they are, with the reason."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="declarations")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    disqualified = models.BooleanField(_("jeg er inhabil"))
    reason = text_field(_("begrunnelse"), blank=True)
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
    comment = text_field(_("kommentar"), blank=True)

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
