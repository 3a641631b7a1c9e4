"""Money controls a state agency must have (økonomiregelverket, L4): who holds budget authority for a
scheme and up to what amount, the county's bank account, the payments of a grant (proposed, attested
by a caseworker, approved by a budget holder, put in a payment file, confirmed paid by the bank)
and the payment files themselves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Sum
from django.utils.translation import gettext_lazy as _

from grants.models.applications import AMOUNT, private_name
from grants.models.calls import Scheme
from grants.models.decisions import Decision
from portal.limits import text_field
from portal.models import Organisation

USER = settings.AUTH_USER_MODEL
PAYMENT_FILE_EXTENSIONS = frozenset({"xml"})


def payment_file_upload_to(instance, filename: str) -> str:
    return private_name("betalingsfiler", filename, PAYMENT_FILE_EXTENSIONS)


# --- Budget authority (budsjettdisponeringsmyndighet) ----------------------------------------


class BudgetAuthorityQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date) -> BudgetAuthorityQuerySet:
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def covering(self, scheme_id: int, amount: Decimal, day: dt.date) -> BudgetAuthorityQuerySet:
        """Authorities for ``scheme_id`` on ``day`` whose limit covers ``amount``."""
        return self.valid_on(day).filter(scheme_id=scheme_id, limit__gte=amount, user__is_active=True)


class BudgetAuthority(models.Model):
    """Someone at IMDi may commit the scheme's money (approve a grant, approve a payment) up to
    ``limit`` per decision or payment, between the optional dates. Set by admins in the admin."""

    user = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="budget_authorities", verbose_name=_("person")
    )
    scheme = models.ForeignKey(
        Scheme, on_delete=models.PROTECT, related_name="budget_authorities", verbose_name=_("tilskuddsordning")
    )
    limit = models.DecimalField(_("beløpsgrense (kr)"), **AMOUNT)
    valid_from = models.DateField(_("gyldig fra"), null=True, blank=True)
    valid_to = models.DateField(_("gyldig til"), null=True, blank=True)
    note = models.CharField(_("merknad (for eksempel delegeringsvedtak)"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BudgetAuthorityQuerySet.as_manager()

    class Meta:
        verbose_name = _("budsjettdisponeringsmyndighet")
        verbose_name_plural = _("budsjettdisponeringsmyndigheter")
        ordering = ["scheme", "-limit", "user"]
        constraints = [
            models.CheckConstraint(condition=Q(limit__gt=0), name="budget_authority_limit_positive"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="budget_authority_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.scheme} ({self.limit})"


# --- The county's bank account ----------------------------------------------------------------


class BankAccount(models.Model):
    """The account a county's grants are paid to: registered by someone in the county, confirmed by
    the director or a fullmakt holder (another person). A confirmed account replaces the one before."""

    class State(models.TextChoices):
        PENDING = "pending", _("Venter på bekreftelse")
        CONFIRMED = "confirmed", _("Bekreftet")
        REPLACED = "replaced", _("Erstattet")
        REJECTED = "rejected", _("Avvist")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="bank_accounts")
    number = models.CharField(_("kontonummer"), max_length=11)
    state = models.CharField(_("status"), max_length=20, choices=State.choices, default=State.PENDING)
    registered_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(_("registrert"))
    confirmed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    confirmed_at = models.DateTimeField(_("bekreftet"), null=True, blank=True)
    authority = models.CharField(_("myndighet"), max_length=200, blank=True)
    rejected_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    rejected_at = models.DateTimeField(_("avvist"), null=True, blank=True)
    replaced_at = models.DateTimeField(_("erstattet"), null=True, blank=True)
    # A change after a grant is accepted e-mails the county's official mailbox: claimed before it goes.
    mailbox_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("bankkonto")
        verbose_name_plural = _("bankkontoer")
        ordering = ["organisation", "-registered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(state="confirmed"), name="bank_account_one_confirmed"
            ),
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(state="pending"), name="bank_account_one_pending"
            ),
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("registered_by")),
                name="bank_account_two_people",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["confirmed", "replaced"]) | Q(confirmed_at__isnull=False),
                name="bank_account_confirmed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.formatted

    @property
    def formatted(self) -> str:
        """As Norwegians write it: 1234.56.78903."""
        n = self.number
        return f"{n[:4]}.{n[4:6]}.{n[6:]}" if len(n) == 11 else n


# --- Payment files and payments ---------------------------------------------------------------


class PaymentBatch(models.Model):
    """Approved payments put in one ISO 20022 pain.001.001.03 file for the bank, made once and
    stored with its SHA-256; downloaded (sent) once, then confirmed by the bank."""

    class State(models.TextChoices):
        CREATED = "created", _("Laget")
        SENT = "sent", _("Sendt til banken")
        CONFIRMED = "confirmed", _("Bekreftet av banken")

    state = models.CharField(_("status"), max_length=20, choices=State.choices, default=State.CREATED)
    message_id = models.CharField(_("meldingsid"), max_length=35, unique=True)
    count = models.PositiveIntegerField(_("antall utbetalinger"), default=0)
    total = models.DecimalField(_("sum (kr)"), **AMOUNT, default=Decimal("0"))
    file = models.FileField(_("betalingsfil"), upload_to=payment_file_upload_to, max_length=200, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("laget"))
    sent_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    sent_at = models.DateTimeField(_("lastet ned og sendt"), null=True, blank=True)
    confirmed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    confirmed_at = models.DateTimeField(_("bekreftet av banken"), null=True, blank=True)
    bank_reference = models.CharField(_("bankens referanse"), max_length=100, blank=True)
    paid_on = models.DateField(_("utbetalingsdato"), null=True, blank=True)

    class Meta:
        verbose_name = _("betalingsfil")
        verbose_name_plural = _("betalingsfiler")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="created") | Q(sent_at__isnull=False), name="payment_batch_sent_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(state="confirmed") | Q(confirmed_at__isnull=False, paid_on__isnull=False),
                name="payment_batch_confirmed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.message_id


class PaymentQuerySet(models.QuerySet):
    def active(self) -> PaymentQuerySet:
        """Not rejected: what counts against the grant."""
        return self.exclude(state=Payment.State.REJECTED)

    def committed(self) -> Decimal:
        return self.active().aggregate(total=Sum("amount"))["total"] or Decimal("0")

    def ready_for_file(self) -> PaymentQuerySet:
        """Approved and not yet in a payment file."""
        return self.filter(state=Payment.State.APPROVED, batch__isnull=True)


class Payment(models.Model):
    """A payment of an accepted grant (R17): proposed by a caseworker, attested by a caseworker (the
    amount, the recipient and the account are right), approved by a budget holder who did not attest
    it, put in a payment file and marked paid when the bank confirms. ``Decision.paid`` is the sum of
    the paid ones (a trigger). Payments registered before attestation existed count as paid."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Foreslått")
        ATTESTED = "attested", _("Attestert")
        APPROVED = "approved", _("Godkjent")
        PAID = "paid", _("Utbetalt")
        REJECTED = "rejected", _("Avvist")

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="payments")
    state = models.CharField(_("status"), max_length=20, choices=State.choices, default=State.PROPOSED)
    amount = models.DecimalField(_("beløp (kr)"), **AMOUNT)
    paid_on = models.DateField(_("utbetalingsdato"), null=True, blank=True)
    reference = models.CharField(_("referanse (bilag)"), max_length=100)
    account = models.CharField(_("kontonummer"), max_length=11, blank=True)
    bank_account = models.ForeignKey(
        BankAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("foreslått av"))
    recorded_at = models.DateTimeField(_("registrert"), auto_now_add=True)
    attested_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    attested_at = models.DateTimeField(_("attestert"), null=True, blank=True)
    approved_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(_("godkjent"), null=True, blank=True)
    rejected_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    rejected_at = models.DateTimeField(_("avvist"), null=True, blank=True)
    reject_reason = text_field(_("hvorfor utbetalingen ble avvist"), blank=True)
    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="payments")
    # A repayment claim on the same county settled by set-off (motregning, recorded by reporting):
    # the payment file pays ``amount - set_off_amount``; ``set_off_reference`` names the claims.
    set_off_amount = models.DecimalField(_("motregnet (kr)"), **AMOUNT, default=Decimal("0"))
    set_off_reference = models.CharField(_("motregnet mot krav"), max_length=200, blank=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("utbetaling")
        verbose_name_plural = _("utbetalinger")
        ordering = ["decision", "recorded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(set_off_amount__gte=0) & Q(set_off_amount__lte=F("amount")),
                name="payment_set_off_within_amount",
            ),
            # A payment registered twice (a double click, a retyped voucher) is refused.
            models.UniqueConstraint(fields=["decision", "reference"], name="payment_reference_once"),
            # Attestation and approval by two different people (økonomiregelverket).
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("attested_by")),
                name="payment_attester_not_approver",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["attested", "approved"]) | Q(attested_by__isnull=False),
                name="payment_attested_has_attester",
            ),
            models.CheckConstraint(
                condition=~Q(state="approved") | (Q(approved_by__isnull=False) & ~Q(account="")),
                name="payment_approved_has_approver_and_account",
            ),
            models.CheckConstraint(condition=~Q(state="paid") | Q(paid_on__isnull=False), name="payment_paid_has_date"),
            models.CheckConstraint(
                condition=Q(batch__isnull=True) | Q(state__in=["approved", "paid"]), name="payment_batch_only_approved"
            ),
        ]
        indexes = [
            models.Index(
                fields=["id"], condition=Q(state="approved", batch__isnull=True), name="payment_ready_for_file"
            ),
            models.Index(
                fields=["recorded_at"], condition=Q(state__in=["proposed", "attested"]), name="payment_to_handle"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.amount}"

    @property
    def net_amount(self) -> Decimal:
        """What the bank pays the county: the amount less what was set off against a claim."""
        return self.amount - self.set_off_amount

    @property
    def account_formatted(self) -> str:
        n = self.account
        return f"{n[:4]}.{n[4:6]}.{n[6:]}" if len(n) == 11 else n
