"""The annual report and accounts (R20–R22), their approval by two people in the county and IMDi's
assessment, the carry-over of unused funds, reminders, and the exports made in the background.

Money is guarded by the database as well as by the services: amounts are never negative, one
carry-over per county, scheme and year, and the two approvals of the accounts are by two different
people. Repayment claims are in ``reporting.models.claims``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from grants.models import Application, Call, Case, CostCategory, Decision
from grants.models.applications import AMOUNT, UPLOAD_EXTENSIONS, private_name
from grants.models.calls import Scheme
from portal.files import StoredFile
from portal.formats import ZERO
from portal.limits import text_field
from portal.models import Organisation

USER = settings.AUTH_USER_MODEL

# The report's parts: its texts and its results (the accounts are AccountLine rows and the document).
TEXT_FIELDS = ("cooperation_model", "cooperation_development", "activities", "use_of_grant")
RESULT_FIELDS = ("participants_started", "participants_completed", "participants_certified", "participants_employed")
SECTIONS = ("report", "results", "accounts")


# Accounts documents may also be spreadsheets; exports are CSV or XLSX.
EXTENSIONS = UPLOAD_EXTENSIONS | {"xlsx", "ods", "csv"}


def private_upload(prefix: str, filename: str) -> str:
    """A generated name under ``prefix`` for an uploaded file of reporting's (reports, claims, exports)."""
    return private_name(prefix, filename, EXTENSIONS)


def report_upload_to(instance, filename: str) -> str:
    return private_upload("rapporter", filename)


def export_upload_to(instance, filename: str) -> str:
    return private_upload("eksport", filename)


class AnnualReport(models.Model):
    """The county's annual report (R20) and accounts (R21) for one grant decision, submitted
    together by the report deadline (R22)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Utkast")
        SUBMITTED = "submitted", _("Sendt inn")
        RETURNED = "returned", _("Sendt tilbake")
        APPROVED = "approved", _("Godkjent")

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="annual_report")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="annual_reports")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="annual_reports")
    state = models.CharField(_("status"), max_length=20, choices=State.choices, default=State.DRAFT)
    deadline = models.DateTimeField(_("frist for rapport og regnskap"))

    # The annual report (R20)
    cooperation_model = text_field(_("den regionale samarbeidsmodellen"), blank=True)
    cooperation_development = text_field(_("hvordan samarbeidet har utviklet seg"), blank=True)
    activities = text_field(_("aktiviteter i perioden"), blank=True)
    use_of_grant = text_field(_("hvordan tilskuddet er brukt"), blank=True)
    participants_started = models.PositiveIntegerField(_("deltakere som startet"), null=True, blank=True)
    participants_completed = models.PositiveIntegerField(_("deltakere som fullførte"), null=True, blank=True)
    participants_certified = models.PositiveIntegerField(
        _("deltakere som fikk fag- eller svennebrev eller kompetansebevis"), null=True, blank=True
    )
    participants_employed = models.PositiveIntegerField(_("deltakere som fikk arbeid"), null=True, blank=True)

    # The accounts (R21): income besides the grant, the lines per category (AccountLine), the document
    carried_in = models.DecimalField(_("overført fra i fjor (kr)"), **AMOUNT, default=ZERO)
    other_income = models.DecimalField(_("andre inntekter i prosjektet (kr)"), **AMOUNT, default=ZERO)
    # The sum of the account lines' ``spent``, kept by the database (reporting.db_triggers): the
    # statistics read it rather than summing every report's lines.
    spent_total = models.DecimalField(_("regnskap i alt (kr)"), **AMOUNT, default=ZERO, editable=False)
    accounts_file = models.FileField(_("regnskapet"), upload_to=report_upload_to, max_length=200, blank=True)
    accounts_file_name = models.CharField(_("filnavn"), max_length=255, blank=True)
    accounts_sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    # What the county asks for the unused amount (R18): carry it over, or repay it.
    carry_over_requested = models.BooleanField(_("vi søker om å overføre ubrukte midler til neste år"), default=False)
    carry_over_reason = text_field(_("begrunnelse for overføringen"), blank=True)

    submitted_at = models.DateTimeField(_("sendt inn"), null=True, blank=True)
    submitted_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    is_late = models.BooleanField(_("levert etter fristen"), default=False)
    returned_at = models.DateTimeField(_("sendt tilbake"), null=True, blank=True)
    returned_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    return_reason = text_field(_("hvorfor rapporten ble sendt tilbake"), blank=True)
    approved_at = models.DateTimeField(_("godkjent"), null=True, blank=True)
    approved_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    assessment_note = text_field(_("IMDis vurdering"), blank=True)
    # E-mail claims (reporting.tasks): IMDi told of the latest submission; the county told of the
    # latest return or approval. Cleared when the report is submitted, returned or approved again.
    imdi_notified_at = models.DateTimeField(null=True, blank=True)
    county_notified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("opprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("sist endret"), auto_now=True)

    class Meta:
        verbose_name = _("årsrapport")
        verbose_name_plural = _("årsrapporter")
        ordering = ["-deadline", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(carried_in__gte=0), name="report_carried_in_not_negative"),
            models.CheckConstraint(condition=Q(other_income__gte=0), name="report_other_income_not_negative"),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "submitted", "returned", "approved"]), name="report_state_known"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "returned"]) | Q(submitted_at__isnull=False),
                name="report_submitted_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "deadline"], name="report_state_deadline"),
            # IMDi's reports waiting for assessment, oldest first (dashboard and report list).
            models.Index(fields=["submitted_at", "id"], condition=Q(state="submitted"), name="report_waiting"),
        ]

    def __str__(self) -> str:
        return _("Årsrapport for %(case)s") % {"case": self.application}

    def save(self, *args, **kwargs):
        """``spent_total`` is the database's to keep (reporting.db_triggers): a save of a report read
        before its lines changed must not write back the old total."""
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "spent_total"
            ]
        super().save(*args, **kwargs)

    @property
    def is_editable(self) -> bool:
        return self.state in {self.State.DRAFT, self.State.RETURNED}

    @property
    def carry_over_or_none(self) -> CarryOver | None:
        try:
            return self.carry_over
        except CarryOver.DoesNotExist:
            return None

    @property
    def grant(self) -> Decimal:
        """What the county has received of the grant: what IMDi paid, not what it granted (a part
        not yet paid cannot be unused, carried over or claimed back)."""
        return self.decision.paid

    def expenses_total(self) -> Decimal:
        return self.lines.aggregate(total=Sum("spent"))["total"] or ZERO

    def unused(self, expenses: Decimal | None = None) -> Decimal:
        """What is left of IMDi's money (the grant paid and last year's carry-over) when the year's
        expenses have been met from all the project's income, the county's other income first:
        never below zero, never above what IMDi gave."""
        spent = self.expenses_total() if expenses is None else expenses
        from_imdi = self.grant + self.carried_in
        left = from_imdi + self.other_income - spent
        return max(ZERO, min(from_imdi, left))


class AccountLine(models.Model):
    """One cost category in the accounts: the budget applied for, the grant, and what was spent."""

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="lines")
    category = models.ForeignKey(CostCategory, on_delete=models.PROTECT, related_name="+")
    budgeted = models.DecimalField(_("budsjett (kr)"), **AMOUNT, default=ZERO)
    granted = models.DecimalField(_("tildelt (kr)"), **AMOUNT, default=ZERO)
    spent = models.DecimalField(_("regnskap (kr)"), **AMOUNT, default=ZERO)

    class Meta:
        verbose_name = _("regnskapslinje")
        verbose_name_plural = _("regnskapslinjer")
        ordering = ["category__order", "category__id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "category"], name="account_line_one_per_category"),
            models.CheckConstraint(
                condition=Q(spent__gte=0) & Q(budgeted__gte=0) & Q(granted__gte=0),
                name="account_line_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return str(self.category)


class AccountsApproval(models.Model):
    """The project owner and the responsible leader each approve the accounts (R21): two roles,
    two different people (both unique per report), each the one the application names for it
    (``Application.project_responsible_ids``, ``responsible_leader_ids``). The approval keeps the
    approver's name and title as they were. Changing the accounts removes the approvals."""

    class Capacity(models.TextChoices):
        PROJECT_OWNER = "project_owner", _("Prosjektansvarlig i fylkeskommunen")
        RESPONSIBLE_LEADER = "responsible_leader", _("Ansvarlig leder")

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="approvals")
    capacity = models.CharField(_("godkjent som"), max_length=30, choices=Capacity.choices)
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    # The name and title as they were when the accounts were approved (the user's may change later).
    name = models.CharField(_("navn"), max_length=200, blank=True)
    title = models.CharField(_("stillingstittel"), max_length=200, blank=True)
    approved_at = models.DateTimeField(_("godkjent"))

    class Meta:
        verbose_name = _("godkjenning av regnskapet")
        verbose_name_plural = _("godkjenninger av regnskapet")
        ordering = ["approved_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "capacity"], name="accounts_approval_one_per_capacity"),
            models.UniqueConstraint(fields=["report", "user"], name="accounts_approval_two_people"),
        ]

    def __str__(self) -> str:
        return f"{self.get_capacity_display()}: {self.user}"


class ReportAttachment(StoredFile):
    """Other documents the county attaches to the annual report (R20)."""

    report = models.ForeignKey(AnnualReport, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("vedlegg"), upload_to=report_upload_to, max_length=200)
    description = models.CharField(_("beskrivelse"), max_length=300, blank=True)
    removed_at = models.DateTimeField(_("fjernet"), null=True, blank=True)

    class Meta:
        verbose_name = _("vedlegg til årsrapporten")
        verbose_name_plural = _("vedlegg til årsrapporten")
        ordering = ["uploaded_at", "id"]


class CarryOver(models.Model):
    """Unused funds IMDi lets the county carry over to the scheme's next year (R11, R18). The
    amount appears, prefilled and locked, in the county's application for that year."""

    report = models.OneToOneField(AnnualReport, on_delete=models.PROTECT, related_name="carry_over")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="carry_overs")
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="carry_overs")
    to_year = models.PositiveSmallIntegerField(_("overføres til år"))
    amount = models.DecimalField(_("beløp (kr)"), **AMOUNT)
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, null=True, blank=True, related_name="carry_overs_in"
    )
    approved_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("godkjent"))

    class Meta:
        verbose_name = _("overføring av ubrukte midler")
        verbose_name_plural = _("overføringer av ubrukte midler")
        ordering = ["-to_year", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "scheme", "to_year"], name="carry_over_one_per_year"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="carry_over_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.to_year}: {self.amount}"


class ReminderKind(models.TextChoices):
    APPLICATION_DEADLINE = "application_deadline", _("Søknadsfristen nærmer seg")
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("Søknaden venter på bekreftelse")
    AWAITING_ACCEPTANCE = "awaiting_acceptance", _("Tilskuddet venter på aksept")
    REPORT_DEADLINE = "report_deadline", _("Fristen for rapport og regnskap nærmer seg")
    REPORT_OVERDUE = "report_overdue", _("Rapport og regnskap er ikke levert")
    REPAYMENT_DUE = "repayment_due", _("Tilbakebetaling forfaller")


class ReminderText(models.Model):
    """The subject and body of one kind of reminder; admins read and change them."""

    kind = models.CharField(_("påminnelse"), max_length=30, choices=ReminderKind.choices, unique=True)
    subject = models.CharField(_("emne"), max_length=200)
    body = text_field(_("tekst"))
    updated_at = models.DateTimeField(_("sist endret"), auto_now=True)
    updated_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("påminnelsestekst")
        verbose_name_plural = _("påminnelsestekster")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.get_kind_display()


class Reminder(models.Model):
    """One reminder about one thing at one step (e.g. the application deadline 7 days ahead for one
    county and call). The unique row is claimed before the e-mail goes, so two sweeps, or one run
    twice, send it once."""

    kind = models.CharField(_("påminnelse"), max_length=30, choices=ReminderKind.choices)
    # What the reminder is about: a call (application deadline), an application, a decision or a claim.
    target_id = models.PositiveBigIntegerField()
    step = models.CharField(_("steg"), max_length=20)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="reminders")
    due_at = models.DateTimeField(_("frist"))
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("opprettet"), auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sendt"), null=True, blank=True)
    recipients = models.TextField(_("mottakere"), blank=True)
    error = models.TextField(_("feil"), blank=True)

    class Meta:
        verbose_name = _("påminnelse")
        verbose_name_plural = _("påminnelser")
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "target_id", "step"], name="reminder_once"),
        ]
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="reminder_org_recent"),
            models.Index(fields=["created_at"], condition=Q(sent_at__isnull=True), name="reminder_unsent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.step})"


class ExportJob(models.Model):
    """An export too large to stream as a spreadsheet in the request: made by a Celery task, and
    offered for download to the user who asked for it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Venter")
        DONE = "done", _("Klar")
        FAILED = "failed", _("Feilet")

    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="export_jobs")
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="export_jobs")
    dataset = models.CharField(_("innhold"), max_length=30)
    format = models.CharField(_("format"), max_length=10)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    rows = models.PositiveIntegerField(_("rader"), null=True, blank=True)
    file = models.FileField(upload_to=export_upload_to, max_length=200, blank=True)
    error = models.TextField(_("feil"), blank=True)
    created_at = models.DateTimeField(_("bestilt"), auto_now_add=True)
    finished_at = models.DateTimeField(_("ferdig"), null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("eksport")
        verbose_name_plural = _("eksporter")
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"{self.dataset}.{self.format}"


def accepted_grants():
    """Grant decisions in force that the county has accepted: those that owe an annual report."""
    return Decision.objects.grants_in_force().filter(accepted_at__isnull=False)


def report_deadline_expression():
    """The report's own deadline when the county has begun one (IMDi may have moved it), else the
    decision's: for a query of decisions."""
    own = AnnualReport.objects.filter(decision=OuterRef("pk")).order_by().values("deadline")[:1]
    return Coalesce(Subquery(own), F("report_deadline"))


def overdue_reports(now: dt.datetime):
    """Accepted grants whose report is missing or unsent (draft, returned) after its deadline.

    Read from the few grants whose report is not done (``Decision.report_done``, kept by the
    database; index ``decision_report_due``), each with its report's deadline (a report not done
    is a draft or a returned one) or, without a report, the decision's.
    """
    return accepted_grants().filter(report_done=False).alias(due=report_deadline_expression()).filter(due__lt=now)
