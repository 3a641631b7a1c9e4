"""Repayment claims (R19) and what settles them: the claim itself, the rates of interest on late
payment per half-year (forsinkelsesrenteloven § 3), and the set-off of a claim against a later
payment to the same county.

The database guards the money: a claim is positive, never settles more than was claimed, one open
claim per decision, the budget holder who approves a claim is not the caseworker who proposed it, a
set-off is positive, once per claim and payment (``grants.Payment.set_off_amount`` is never more
than the payment), and a rate of interest starts on 1 January or 1 July.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants.models import Case, Decision, Payment
from grants.models.applications import AMOUNT
from portal.formats import ZERO
from portal.limits import text_field
from reporting.models.reports import AnnualReport, private_upload

USER = settings.AUTH_USER_MODEL
# The county gets at least this long to comment on a prior notice (a real chance to answer).
MIN_COMMENT_DAYS = 14


def claim_letter_upload_to(instance, filename: str) -> str:
    return private_upload("krav", filename)


class RepaymentClaim(models.Model):
    """A claim that the county repays unused or misused funds (R19): prior notice with a deadline
    for comments (good administrative practice), the claim proposed by a caseworker and approved by a
    budget holder (another person), then the claim letter, then the repayment recorded, or settled
    by set-off against a later payment to the county (``SetOff``), with interest if it is late."""

    class State(models.TextChoices):
        NOTICE = "notice", _("Forhåndsvarsel sendt")
        CLAIM_PROPOSED = "claim_proposed", _("Krav venter på godkjenning")
        CLAIMED = "claimed", _("Krav sendt")
        REPAID = "repaid", _("Tilbakebetalt")
        CANCELLED = "cancelled", _("Frafalt")

    class Reason(models.TextChoices):
        UNUSED = "unused", _("Ubrukte midler")
        NOT_FOR_PURPOSE = "not_for_purpose", _("Ikke brukt etter formålet")

    class LetterStatus(models.TextChoices):
        NONE = "", _("Ikke laget")
        ISSUED = "issued", _("Sendt")
        FAILED = "failed", _("Feilet")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="repayment_claims")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="repayment_claims")
    report = models.ForeignKey(
        AnnualReport, on_delete=models.PROTECT, null=True, blank=True, related_name="repayment_claims"
    )
    state = models.CharField(_("status"), max_length=20, choices=State.choices, default=State.NOTICE)
    reason = models.CharField(_("grunnlag"), max_length=20, choices=Reason.choices)
    amount = models.DecimalField(_("beløp (kr)"), **AMOUNT)
    explanation = text_field(_("begrunnelse"))
    reference = models.CharField(_("vår referanse"), max_length=40)
    # Prior notice (good administrative practice; a claim is not an enkeltvedtak)
    notice_sent_at = models.DateTimeField(_("forhåndsvarsel sendt"))
    notice_sent_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    comment_deadline = models.DateField(_("frist for merknader"))
    notice_notified_at = models.DateTimeField(_("fylkeskommunen varslet om forhåndsvarselet"), null=True, blank=True)
    county_comment = text_field(_("fylkeskommunens merknader"), blank=True)
    commented_at = models.DateTimeField(_("merknader mottatt"), null=True, blank=True)
    commented_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    comment_notified_at = models.DateTimeField(_("IMDi varslet om merknadene"), null=True, blank=True)
    notice_amount = models.DecimalField(_("beløp i forhåndsvarselet (kr)"), **AMOUNT, null=True, blank=True)
    # The claim proposed by a caseworker, approved (or sent back) by a budget holder
    proposed_at = models.DateTimeField(_("krav foreslått"), null=True, blank=True)
    proposed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(_("krav godkjent"), null=True, blank=True)
    approved_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    sent_back_reason = text_field(_("hvorfor kravet ble sendt tilbake"), blank=True)
    # The claim and its letter (``claimed_by`` is the caseworker who proposed it)
    claimed_at = models.DateTimeField(_("krav sendt"), null=True, blank=True)
    claimed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    due_date = models.DateField(_("forfallsdato"), null=True, blank=True)
    account_number = models.CharField(_("kontonummer"), max_length=20, blank=True)
    language = models.CharField(_("målform"), max_length=2, blank=True)
    letter = models.FileField(_("kravbrev"), upload_to=claim_letter_upload_to, max_length=200, blank=True)
    letter_sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    letter_status = models.CharField(
        _("status for brevet"), max_length=10, choices=LetterStatus.choices, default="", blank=True
    )
    letter_notified_at = models.DateTimeField(_("fylkeskommunen varslet"), null=True, blank=True)
    # The repayment
    repaid_amount = models.DecimalField(_("tilbakebetalt (kr)"), **AMOUNT, default=ZERO)
    repaid_on = models.DateField(_("betalt dato"), null=True, blank=True)
    repaid_recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    repaid_recorded_at = models.DateTimeField(_("registrert"), null=True, blank=True)
    set_off_amount = models.DecimalField(_("motregnet (kr)"), **AMOUNT, default=ZERO)
    # Interest on late payment (forsinkelsesrenteloven), owed on its own beside the claim
    interest = models.DecimalField(_("forsinkelsesrenter (kr)"), **AMOUNT, default=ZERO)
    interest_paid_on = models.DateField(_("renter betalt dato"), null=True, blank=True)
    interest_recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    repaid_notified_at = models.DateTimeField(_("fylkeskommunen varslet om tilbakebetalingen"), null=True, blank=True)
    cancelled_reason = text_field(_("hvorfor kravet ble frafalt"), blank=True)

    class Meta:
        verbose_name = _("krav om tilbakebetaling")
        verbose_name_plural = _("krav om tilbakebetaling")
        ordering = ["-notice_sent_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="repayment_amount_positive"),
            models.CheckConstraint(
                condition=Q(repaid_amount__gte=0) & Q(repaid_amount__lte=F("amount")),
                name="repayment_repaid_le_claimed",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["claimed", "repaid"]) | Q(claimed_at__isnull=False, due_date__isnull=False),
                name="repayment_claim_has_due_date",
            ),
            models.CheckConstraint(
                condition=~Q(state="repaid") | Q(repaid_on__isnull=False, repaid_amount=F("amount")),
                name="repayment_repaid_in_full",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("proposed_by")),
                name="repayment_proposer_not_approver",
            ),
            models.CheckConstraint(
                condition=~Q(state="claim_proposed")
                | (Q(proposed_by__isnull=False, due_date__isnull=False) & ~Q(account_number="")),
                name="repayment_proposal_complete",
            ),
            models.CheckConstraint(
                condition=Q(set_off_amount__gte=0) & Q(set_off_amount__lte=F("repaid_amount")),
                name="repayment_set_off_within_repaid",
            ),
            models.CheckConstraint(condition=Q(interest__gte=0), name="repayment_interest_not_negative"),
            models.CheckConstraint(
                condition=Q(interest_paid_on__isnull=True) | Q(interest__gt=0), name="repayment_interest_paid_owed"
            ),
            models.UniqueConstraint(
                fields=["decision"],
                condition=Q(state__in=["notice", "claim_proposed", "claimed"]),
                name="repayment_one_open_per_decision",
            ),
        ]
        indexes = [
            models.Index(fields=["due_date"], condition=Q(state="claimed"), name="repayment_due"),
        ]

    def __str__(self) -> str:
        return _("Krav om tilbakebetaling %(reference)s") % {"reference": self.reference}

    @property
    def amount_in_notice(self) -> Decimal:
        """What the prior notice named: the claim's ceiling (a claim from before it was stored: its amount)."""
        return self.notice_amount if self.notice_amount is not None else self.amount

    @property
    def outstanding(self) -> Decimal:
        """What is left to settle of the claimed amount (set-offs and repayments counted)."""
        return self.amount - self.repaid_amount

    @property
    def interest_open(self) -> bool:
        return self.interest > 0 and self.interest_paid_on is None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_CLAIM_STATES

    def comments_open(self, today: dt.date | None = None) -> bool:
        """The county may comment while the notice stands, until the deadline (inclusive, Oslo
        time), once."""
        today = today or timezone.localdate()
        return self.state == self.State.NOTICE and self.commented_at is None and today <= self.comment_deadline

    def ready_to_claim(self, today: dt.date | None = None) -> bool:
        """The notice has had its answer: the county commented, or the deadline passed."""
        today = today or timezone.localdate()
        return self.state == self.State.NOTICE and (self.commented_at is not None or today > self.comment_deadline)


OPEN_CLAIM_STATES = (RepaymentClaim.State.NOTICE, RepaymentClaim.State.CLAIM_PROPOSED, RepaymentClaim.State.CLAIMED)


def earliest_comment_deadline(today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()) + dt.timedelta(days=MIN_COMMENT_DAYS)


class LateInterestRate(models.Model):
    """The rate of interest on late payment for one half-year (forsinkelsesrenteloven § 3: fixed by
    the Ministry of Finance for six months at a time, from 1 January and 1 July). Admins enter each
    published rate in the admin; no rate is assumed."""

    start = models.DateField(_("gjelder fra"), unique=True, help_text=_("1. januar eller 1. juli."))
    percent = models.DecimalField(_("rentesats (prosent per år)"), max_digits=5, decimal_places=2)
    note = models.CharField(_("merknad (for eksempel forskriften)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("forsinkelsesrentesats")
        verbose_name_plural = _("forsinkelsesrentesatser")
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__day=1) & Q(start__month__in=[1, 7]), name="late_interest_rate_half_year"
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lt=100), name="late_interest_rate_percent_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start:%d.%m.%Y}: {self.percent} %"


class SetOff(models.Model):
    """Part or all of a claim settled by set-off (motregning) against a later payment to the same
    county: the payment pays its amount less the set-off (``Payment.set_off_amount``)."""

    claim = models.ForeignKey(RepaymentClaim, on_delete=models.PROTECT, related_name="set_offs")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="repayment_set_offs")
    amount = models.DecimalField(_("beløp (kr)"), **AMOUNT)
    set_off_on = models.DateField(_("motregnet dato"))
    interest = models.DecimalField(_("forsinkelsesrenter (kr)"), **AMOUNT, default=ZERO)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("registrert"), auto_now_add=True)

    class Meta:
        verbose_name = _("motregning")
        verbose_name_plural = _("motregninger")
        ordering = ["set_off_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "payment"], name="set_off_once_per_claim_and_payment"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="set_off_amount_positive"),
            models.CheckConstraint(condition=Q(interest__gte=0), name="set_off_interest_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.claim.reference} / {self.payment.reference}: {self.amount}"
