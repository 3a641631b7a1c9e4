"""Schemes and their yearly calls: what can be applied for, by whom, until when."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.formats import kr
from portal.limits import text_field
from portal.models import Organisation

# --- Both written standards -------------------------------------------------------------------
# The texts a county reads have a bokmål and a nynorsk column (grants.translation). A published call
# must have them all in nynorsk too: a nynorsk county is written to in nynorsk (språklova).


def lacks_nynorsk(obj: models.Model, field: str) -> bool:
    """The bokmål text of ``field`` is written and its nynorsk is not."""
    bokmal = (getattr(obj, f"{field}_nb", None) or "").strip()
    nynorsk = (getattr(obj, f"{field}_nn", None) or "").strip()
    return bool(bokmal) and not nynorsk


def missing_in(obj: models.Model, fields: tuple[str, ...], what: str = "") -> list[str]:
    """The labels of ``fields`` that lack their nynorsk, as a form names them ("formål"), after
    ``what`` they belong to ("kostnadskategori «Lønn»: navn")."""
    labels = [str(obj._meta.get_field(field).verbose_name) for field in fields if lacks_nynorsk(obj, field)]
    return [f"{what}: {label}" if what else label for label in labels]


def nynorsk_refusal(missing: list[str]) -> str:
    return _(
        "En publisert utlysning må ha alle tekstene fylkeskommunene leser, også på nynorsk. "
        "Nynorsk mangler for: %(missing)s."
    ) % {"missing": "; ".join(missing)}


class Scheme(models.Model):
    """A grant scheme (tilskuddsordning), e.g. one priority area of a circular."""

    code = models.SlugField(_("kode"), max_length=60, unique=True)
    name = models.CharField(_("navn"), max_length=300)
    priority_area = models.CharField(_("satsingsområde"), max_length=300, blank=True)
    owner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="schemes", verbose_name=_("forvaltes av")
    )
    legal_basis = text_field(_("hjemmel og retningslinjer"), blank=True)
    # The main circular the scheme belongs to, cited on the call page and in the letters (R1, X1).
    circular = models.CharField(_("hovedrundskriv"), max_length=300, blank=True)
    # The class (klasse) the scheme's cases are filed under in the archive (Noark 5), set by admins.
    archive_code = models.CharField(_("arkivkode"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("tilskuddsordning")
        verbose_name_plural = _("tilskuddsordninger")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} – {self.priority_area}" if self.priority_area else self.name

    # What a county reads of the scheme: on the call page and in every letter.
    TEXTS = ("name", "priority_area", "legal_basis", "circular")

    def missing_nynorsk(self) -> list[str]:
        return missing_in(self, self.TEXTS, str(_("ordningen")))

    def clean(self):
        """A scheme with a published call keeps its texts in nynorsk too."""
        super().clean()
        if self.pk and self.calls.filter(is_published=True).exists():
            missing = self.missing_nynorsk()
            if missing:
                raise ValidationError(nynorsk_refusal(missing))


class CallQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def for_listing(self):
        """Only the columns a list shows: a call's long texts stay in the database."""
        return self.select_related("scheme").only(
            "id",
            "title",
            "year",
            "is_published",
            "opens_at",
            "application_deadline",
            "report_deadline",
            "pot",
            "allocated",
            "scheme__name",
            "scheme__priority_area",
        )

    def open_at(self, moment):
        return self.published().filter(
            Q(opens_at__isnull=True) | Q(opens_at__lte=moment), application_deadline__gt=moment
        )

    def receiving_at(self, moment):
        """Published, opened, and still taking applications: before the deadline, and after it until the
        end of the grant year (a late application is received and flagged, R4)."""
        return self.published().filter(
            Q(opens_at__isnull=True) | Q(opens_at__lte=moment),
            Q(application_deadline__gt=moment) | Q(year__gte=timezone.localtime(moment).year),
        )


class Call(models.Model):
    """One year's round of a scheme (utlysning)."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="calls", verbose_name=_("ordning"))
    year = models.PositiveSmallIntegerField(_("tilskuddsår"))
    title = models.CharField(_("tittel"), max_length=300)
    is_published = models.BooleanField(_("publisert"), default=False)
    # Published before the state budget is passed: shown on the call page and in the letters (R5).
    subject_to_budget = models.BooleanField(_("med forbehold om bevilgning over statsbudsjettet"), default=False)
    introduction = text_field(_("innledning"), blank=True)
    purpose = text_field(_("formål"))
    target_group = text_field(_("målgruppe"))
    who_may_apply = text_field(_("hvem kan søke"))
    conditions = text_field(_("vilkår"))
    assessment = text_field(_("slik fordeler IMDi tilskuddet"), blank=True)
    ineligible_costs = text_field(_("utgifter tilskuddet ikke kan dekke"))
    how_to_apply = text_field(_("slik søker dere"), blank=True)
    appeal_rules = text_field(_("klageregler"), blank=True)
    payment_terms = text_field(_("utbetaling"), blank=True)
    reporting = text_field(_("rapportering"), blank=True)
    # No opening time: the call takes applications from the day it is published.
    opens_at = models.DateTimeField(_("åpner"), null=True, blank=True)
    application_deadline = models.DateTimeField(_("søknadsfrist"))
    report_deadline = models.DateTimeField(_("frist for rapport og regnskap"))
    pot = models.DecimalField(
        _("ramme (kr)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    # The sum of the call's allocations: kept by a database trigger from Case.allocated (migration
    # 0006) and never written by Django (see save()); a CHECK keeps it within the pot (R5).
    allocated = models.DecimalField(
        _("fordelt (kr)"), max_digits=14, decimal_places=2, default=Decimal("0"), editable=False
    )
    max_project_years = models.PositiveSmallIntegerField(_("maksimal prosjektperiode (år)"), default=4)
    contact_email = models.EmailField(_("kontakt-e-post"))
    eligible_organisations = models.ManyToManyField(
        Organisation,
        related_name="eligible_calls",
        blank=True,
        verbose_name=_("hvem kan søke"),
        limit_choices_to={"kind": Organisation.Kind.COUNTY},
    )

    objects = CallQuerySet.as_manager()

    # The call's own texts that a county reads (grants.translation registers them for both standards).
    TEXTS = (
        "title",
        "introduction",
        "purpose",
        "target_group",
        "who_may_apply",
        "conditions",
        "assessment",
        "ineligible_costs",
        "how_to_apply",
        "appeal_rules",
        "payment_terms",
        "reporting",
    )
    # A form that edits the call's cost categories and criteria along with the call (the admin's
    # inlines) checks the rows it is about to save itself and sets this: clean() then leaves out the
    # stored rows, which that same form may be changing.
    rows_checked_by_form = False

    class Meta:
        verbose_name = _("utlysning")
        verbose_name_plural = _("utlysninger")
        ordering = ["-year", "title"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "year"], name="call_one_per_scheme_year"),
            models.CheckConstraint(condition=Q(pot__gte=0), name="call_pot_not_negative"),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True) | Q(application_deadline__gt=models.F("opens_at")),
                name="call_deadline_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(report_deadline__gt=models.F("application_deadline")),
                name="call_report_after_application",
            ),
            models.CheckConstraint(condition=Q(max_project_years__gte=1), name="call_project_years_positive"),
            models.CheckConstraint(
                condition=Q(allocated__gte=0) & Q(allocated__lte=models.F("pot")),
                name="call_allocated_within_pot",
                violation_error_message=_("Rammen kan ikke være lavere enn det som allerede er fordelt."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        """Never write ``allocated``: the trigger owns it, and a stale copy in memory (an admin form
        opened before a caseworker allocated) must not overwrite it."""
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "allocated"
            ]
        super().save(*args, **kwargs)

    def clean(self):
        """The pot cannot go below what is already allocated. (The CHECK says so too, but a form that
        leaves out ``allocated``, such as the admin's, would meet it only as a database error.)"""
        super().clean()
        if self.pk and self.pot is not None:
            allocated = Call.objects.filter(pk=self.pk).values_list("allocated", flat=True).first() or Decimal("0")
            if self.pot < allocated:
                raise ValidationError(
                    {
                        "pot": _("Rammen kan ikke være lavere enn det som allerede er fordelt (%(allocated)s).")
                        % {"allocated": kr(allocated)}
                    }
                )
        if self.is_published:
            rows = () if self.rows_checked_by_form else None
            missing = self.missing_nynorsk(categories=rows, criteria=rows)
            if missing:
                raise ValidationError({"is_published": nynorsk_refusal(missing)})

    def missing_nynorsk(self, *, categories=None, criteria=None) -> list[str]:
        """What a nynorsk county would read in bokmål: the call's texts whose bokmål is written and
        nynorsk is not, its scheme's, and its cost categories' and criteria's (the stored ones unless
        given). Empty when the call may be published."""
        missing = missing_in(self, self.TEXTS)
        if self.scheme_id is not None:
            missing += self.scheme.missing_nynorsk()
        if categories is None:
            categories = self.cost_categories.all() if self.pk else ()
        if criteria is None:
            criteria = self.criteria.all() if self.pk else ()
        for row in [*categories, *criteria]:
            missing += row.missing_nynorsk()
        return missing

    @property
    def remaining(self) -> Decimal:
        return self.pot - self.allocated

    def has_opened_at(self, moment) -> bool:
        return self.is_published and (self.opens_at is None or self.opens_at <= moment)

    def is_open_at(self, moment) -> bool:
        return self.has_opened_at(moment) and moment < self.application_deadline

    def is_receiving_at(self, moment) -> bool:
        """Taking applications at ``moment``, late ones included (``CallQuerySet.receiving_at``)."""
        return self.has_opened_at(moment) and (
            moment < self.application_deadline or timezone.localtime(moment).year <= self.year
        )

    @property
    def is_open(self) -> bool:
        return self.is_open_at(timezone.now())

    @property
    def status_label(self) -> str:
        now = timezone.now()
        if not self.is_published:
            return _("Ikke publisert")
        if self.opens_at is not None and now < self.opens_at:
            return _("Åpner snart")
        if now < self.application_deadline:
            return _("Åpen for søknader")
        return _("Søknadsfristen er ute")


class CostCategory(models.Model):
    """A budget category of a call (R9), in the order the call lists them."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="cost_categories")
    order = models.PositiveSmallIntegerField(_("rekkefølge"))
    name = models.CharField(_("navn"), max_length=300)
    help_text = text_field(_("hjelpetekst"), blank=True)

    class Meta:
        verbose_name = _("kostnadskategori")
        verbose_name_plural = _("kostnadskategorier")
        ordering = ["call", "order"]
        constraints = [models.UniqueConstraint(fields=["call", "order"], name="cost_category_order_unique")]

    def __str__(self) -> str:
        return self.name

    def missing_nynorsk(self) -> list[str]:
        what = _("kostnadskategori «%(name)s»") % {"name": self.name_nb or self.name}
        return missing_in(self, ("name", "help_text"), what)


class Criterion(models.Model):
    """An assessment criterion of a call (R13)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveSmallIntegerField(_("rekkefølge"))
    name = models.CharField(_("navn"), max_length=300)
    description = text_field(_("beskrivelse"), blank=True)
    max_score = models.PositiveSmallIntegerField(_("høyeste poengsum"), default=6)

    class Meta:
        verbose_name = _("vurderingskriterium")
        verbose_name_plural = _("vurderingskriterier")
        ordering = ["call", "order"]
        constraints = [
            models.UniqueConstraint(fields=["call", "order"], name="criterion_order_unique"),
            models.CheckConstraint(condition=Q(max_score__gte=1), name="criterion_max_score_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def missing_nynorsk(self) -> list[str]:
        what = _("vurderingskriterium «%(name)s»") % {"name": self.name_nb or self.name}
        return missing_in(self, ("name", "description"), what)
