"""The export datasets per call for IMDi (R23): applications, budget lines, assessments, decisions,
payments, annual reports and accounts, repayments. Each is a queryset read with
``values_list(...).iterator(chunk_size=2000)``, so memory does not grow with the number of rows; the
file formats (CSV streamed, XLSX) are in ``export_files``, who may export in ``permissions``, the
services in ``services.exports`` and the background work in ``tasks``.

An XLSX file of more than ``REPORTING_EXPORT_INLINE_MAX_ROWS`` rows (default 5000) is made in the
background (``tasks.build_export``), and the user gets an e-mail when it is ready.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast, Coalesce, Greatest, Least
from django.utils.translation import gettext_lazy

from grants.models import (
    Application,
    BudgetLine,
    Call,
    Case,
    CriterionScore,
    Decision,
    LineAssessment,
    Payment,
    Submission,
)
from grants.models.applications import AMOUNT as AMOUNT_FIELD
from reporting.export_files import (
    AMOUNT,
    BOOL,
    CHOICE,
    DATE,
    DATETIME,
    NUMBER,
    ZERO,
    Column,
    Dataset,
)
from reporting.models import AccountLine, AnnualReport, RepaymentClaim


def inline_max_rows() -> int:
    return getattr(settings, "REPORTING_EXPORT_INLINE_MAX_ROWS", 5000)


# --- The datasets -----------------------------------------------------------------------------

DATASETS: dict[str, Dataset] = {}


def register(dataset: Dataset) -> Dataset:
    DATASETS[dataset.key] = dataset
    return dataset


def get_dataset(key: str) -> Dataset | None:
    return DATASETS.get(key)


def _submitted(application_ref: str = "pk"):
    """IMDi sees the applications that have been submitted at least once (grants.access)."""
    return Exists(Submission.objects.filter(application=OuterRef(application_ref)))


def _money() -> models.DecimalField:
    return models.DecimalField(**AMOUNT_FIELD)


REF = gettext_lazy("Referanse")
COUNTY = gettext_lazy("Fylkeskommune")


def _as_submitted(value) -> Subquery:
    """``value`` (a field or an expression over the row) of the application's last submitted version."""
    latest = Submission.objects.filter(application=OuterRef("pk")).order_by("-number")
    return Subquery(latest.annotate(value=value).values("value")[:1])


def _submitted_field(name: str):
    return KeyTextTransform(name, KeyTransform("fields", "snapshot"))


def _applications(call: Call) -> QuerySet:
    """The applications as they were submitted: a county that has withdrawn one for correction is
    working on a draft that IMDi does not see (grants.access), in the exports neither."""
    return (
        Application.objects.filter(_submitted(), call=call)
        .annotate(
            submitted_title=Coalesce(
                _as_submitted(_submitted_field("title")), Value(""), output_field=models.TextField()
            ),
            budget_total=Coalesce(_as_submitted(F("total")), Value(ZERO), output_field=_money()),
            submitted_carry_over=Coalesce(
                _as_submitted(Cast(_submitted_field("carry_over_amount"), _money())), Value(ZERO), output_field=_money()
            ),
        )
        .order_by("organisation__name", "reference", "pk")
    )


register(
    Dataset(
        "applications",
        gettext_lazy("Søknader"),
        gettext_lazy("Én rad per innsendt søknad, med sum budsjett, overføring fra i fjor og saksbehandler."),
        (
            Column("reference", REF, "reference", width=14),
            Column("county", COUNTY, "organisation__name", width=28),
            Column("state", gettext_lazy("Status for søknaden"), "state", CHOICE, Application.State, width=20),
            Column("case_state", gettext_lazy("Saksstatus"), "case__state", CHOICE, Case.State, width=20),
            Column("title", gettext_lazy("Prosjektets navn"), "submitted_title", width=40),
            Column("submitted_at", gettext_lazy("Sendt inn"), "submitted_at", DATETIME),
            Column("budget_total", gettext_lazy("Sum budsjett (kr)"), "budget_total", AMOUNT),
            Column("carry_over_amount", gettext_lazy("Overført fra i fjor (kr)"), "submitted_carry_over", AMOUNT),
            Column("recommended_total", gettext_lazy("Anbefalt (kr)"), "case__recommended_total", AMOUNT),
            Column("allocated", gettext_lazy("Fordelt (kr)"), "case__allocated", AMOUNT),
            Column("caseworker", gettext_lazy("Saksbehandler"), "case__assigned_to__full_name", width=24),
        ),
        _applications,
    )
)

register(
    Dataset(
        "budget_lines",
        gettext_lazy("Budsjettlinjer"),
        gettext_lazy(
            "Én rad per budsjettlinje i de innsendte søknadene, slik de ble sendt inn. En søknad som er trukket "
            "tilbake for retting, er ikke med før fylkeskommunen har sendt den inn igjen."
        ),
        (
            Column("reference", REF, "application__reference", width=14),
            Column("county", COUNTY, "application__organisation__name", width=28),
            Column("category", gettext_lazy("Kostnadskategori"), "category__name", width=36),
            Column("description", gettext_lazy("Hva beløpet dekker"), "description", width=40),
            Column("amount", gettext_lazy("Beløp (kr)"), "amount", AMOUNT),
        ),
        lambda call: BudgetLine.objects.filter(
            application__call=call,
            application__state=Application.State.SUBMITTED,  # as submitted: no draft
        ).order_by("application__organisation__name", "application__reference", "category__order", "order", "pk"),
    )
)

register(
    Dataset(
        "assessments",
        gettext_lazy("Vurderinger"),
        gettext_lazy("Én rad per kriterium per sak: poeng, kommentar, hvem som vurderte og når."),
        (
            Column("reference", REF, "case__application__reference", width=14),
            Column("county", COUNTY, "case__application__organisation__name", width=28),
            Column("criterion", gettext_lazy("Kriterium"), "criterion__name", width=32),
            Column("score", gettext_lazy("Poeng"), "score", NUMBER, width=8),
            Column("max_score", gettext_lazy("Høyeste poengsum"), "criterion__max_score", NUMBER, width=10),
            Column("comment", gettext_lazy("Kommentar"), "comment", width=50),
            Column("caseworker", gettext_lazy("Vurdert av"), "case__assessed_by__full_name", width=24),
            Column("assessed_at", gettext_lazy("Vurdert"), "case__assessed_at", DATETIME),
        ),
        lambda call: CriterionScore.objects.filter(case__call=call).order_by(
            "case__application__organisation__name", "case__application__reference", "criterion__order", "pk"
        ),
    )
)

register(
    Dataset(
        "line_assessments",
        gettext_lazy("Vurdering av budsjettlinjer"),
        gettext_lazy(
            "Én rad per budsjettlinje slik den ble sendt inn: tilskuddsberettiget eller ikke, og anbefalt beløp."
        ),
        (
            Column("reference", REF, "case__application__reference", width=14),
            Column("county", COUNTY, "case__application__organisation__name", width=28),
            Column("version", gettext_lazy("Innsendt versjon"), "submission__number", NUMBER, width=10),
            Column("line", gettext_lazy("Linje"), "index", NUMBER, width=8),
            Column("category", gettext_lazy("Kostnadskategori"), "category", width=36),
            Column("description", gettext_lazy("Hva beløpet dekker"), "description", width=40),
            Column("requested", gettext_lazy("Søkt (kr)"), "requested", AMOUNT),
            Column("eligible", gettext_lazy("Tilskuddsberettiget"), "eligible", BOOL, width=10),
            Column("recommended", gettext_lazy("Anbefalt (kr)"), "recommended", AMOUNT),
        ),
        lambda call: LineAssessment.objects.filter(case__call=call).order_by(
            "case__application__organisation__name", "case__application__reference", "submission__number", "index"
        ),
    )
)

register(
    Dataset(
        "decisions",
        gettext_lazy("Vedtak"),
        gettext_lazy(
            "Ett vedtak per rad, også forslag og omgjorte vedtak, med beløp, hvem som foreslo og godkjente, "
            "og brevets SHA-256."
        ),
        (
            Column("decision_id", gettext_lazy("Vedtak-id"), "pk", NUMBER, width=10),
            Column("reference", REF, "case__application__reference", width=14),
            Column("county", COUNTY, "case__application__organisation__name", width=28),
            Column("kind", gettext_lazy("Type vedtak"), "kind", CHOICE, Decision.Kind, width=12),
            Column("state", gettext_lazy("Status"), "state", CHOICE, Decision.State, width=14),
            Column("requested", gettext_lazy("Søkt (kr)"), "requested", AMOUNT),
            Column("amount", gettext_lazy("Tildelt (kr)"), "amount", AMOUNT),
            Column("paid", gettext_lazy("Utbetalt (kr)"), "paid", AMOUNT),
            Column("proposed_by", gettext_lazy("Foreslått av"), "proposed_by__full_name", width=24),
            Column("proposed_at", gettext_lazy("Foreslått"), "proposed_at", DATETIME),
            Column("approved_by", gettext_lazy("Godkjent av"), "approved_by__full_name", width=24),
            Column("approved_at", gettext_lazy("Godkjent"), "approved_at", DATETIME),
            Column("accepted_at", gettext_lazy("Akseptert"), "accepted_at", DATETIME),
            Column("reversed_at", gettext_lazy("Omgjort"), "reversed_at", DATETIME),
            Column("letter_reference", gettext_lazy("Brevets referanse"), "letter__reference", width=16),
            Column("letter_sha256", gettext_lazy("Brevets SHA-256"), "letter__sha256", width=66),
        ),
        lambda call: Decision.objects.filter(case__call=call).order_by(
            "case__application__organisation__name", "case__application__reference", "proposed_at", "pk"
        ),
    )
)

register(
    Dataset(
        "payments",
        gettext_lazy("Utbetalinger"),
        gettext_lazy("Én rad per registrert utbetaling."),
        (
            Column("reference", REF, "decision__case__application__reference", width=14),
            Column("county", COUNTY, "decision__case__application__organisation__name", width=28),
            Column("decision_id", gettext_lazy("Vedtak-id"), "decision_id", NUMBER, width=10),
            Column("amount", gettext_lazy("Beløp (kr)"), "amount", AMOUNT),
            Column("paid_on", gettext_lazy("Utbetalingsdato"), "paid_on", DATE, width=12),
            Column("voucher", gettext_lazy("Referanse (bilag)"), "reference", width=18),
            Column("recorded_by", gettext_lazy("Registrert av"), "recorded_by__full_name", width=24),
            Column("recorded_at", gettext_lazy("Registrert"), "recorded_at", DATETIME),
            # Money controls (issue 14): the account, who attested, the budget holder who approved, the file.
            Column("state", gettext_lazy("Status"), "state", choices=Payment.State, width=14),
            Column("account", gettext_lazy("Kontonummer"), "account", width=14),
            Column("attested_by", gettext_lazy("Attestert av"), "attested_by__full_name", width=24),
            Column("attested_at", gettext_lazy("Attestert"), "attested_at", DATETIME),
            Column("approved_by", gettext_lazy("Godkjent av (budsjettdisponent)"), "approved_by__full_name", width=24),
            Column("approved_at", gettext_lazy("Godkjent"), "approved_at", DATETIME),
            Column("payment_file", gettext_lazy("Betalingsfil"), "batch__message_id", width=28),
        ),
        lambda call: Payment.objects.filter(decision__case__call=call).order_by(
            "decision__case__application__organisation__name", "decision__case__application__reference", "paid_on", "pk"
        ),
    )
)


def _reports(call: Call) -> QuerySet:
    spent = AccountLine.objects.filter(report=OuterRef("pk")).values("report").annotate(t=Sum("spent"))
    money = _money()
    from_imdi = F("decision__paid") + F("carried_in")
    return (
        AnnualReport.objects.filter(application__call=call)
        .annotate(expenses=Coalesce(Subquery(spent.values("t")), Value(ZERO), output_field=money))
        # AnnualReport.unused() in SQL: what is left of the grant paid and last year's carry-over when
        # the expenses are met from all income, other income first; never below 0 nor above from_imdi.
        .annotate(
            unused=Greatest(
                Value(ZERO, output_field=money),
                Least(from_imdi, from_imdi + F("other_income") - F("expenses"), output_field=money),
                output_field=money,
            )
        )
        .order_by("application__organisation__name", "application__reference", "pk")
    )


register(
    Dataset(
        "reports",
        gettext_lazy("Årsrapporter"),
        gettext_lazy(
            "Én rad per årsrapport med regnskapets summer: tilskudd, overført fra i fjor, andre inntekter, "
            "utgifter og ubrukt beløp."
        ),
        (
            Column("reference", REF, "application__reference", width=14),
            Column("county", COUNTY, "application__organisation__name", width=28),
            Column("state", gettext_lazy("Status"), "state", CHOICE, AnnualReport.State, width=14),
            Column("deadline", gettext_lazy("Frist"), "deadline", DATETIME),
            Column("submitted_at", gettext_lazy("Sendt inn"), "submitted_at", DATETIME),
            Column("is_late", gettext_lazy("Levert etter fristen"), "is_late", BOOL, width=10),
            Column("approved_at", gettext_lazy("Godkjent"), "approved_at", DATETIME),
            Column("grant", gettext_lazy("Tilskudd (kr)"), "decision__amount", AMOUNT),
            Column("carried_in", gettext_lazy("Overført fra i fjor (kr)"), "carried_in", AMOUNT),
            Column("other_income", gettext_lazy("Andre inntekter (kr)"), "other_income", AMOUNT),
            Column("expenses", gettext_lazy("Utgifter (kr)"), "expenses", AMOUNT),
            Column("unused", gettext_lazy("Ubrukt (kr)"), "unused", AMOUNT),
            Column("carry_over_requested", gettext_lazy("Søker om overføring"), "carry_over_requested", BOOL, width=10),
            Column("carried_over", gettext_lazy("Godkjent overført (kr)"), "carry_over__amount", AMOUNT),
            Column("participants_started", gettext_lazy("Deltakere som startet"), "participants_started", NUMBER),
            Column("participants_completed", gettext_lazy("Deltakere som fullførte"), "participants_completed", NUMBER),
            Column(
                "participants_certified",
                gettext_lazy("Deltakere med fag-/svennebrev eller kompetansebevis"),
                "participants_certified",
                NUMBER,
            ),
            Column("participants_employed", gettext_lazy("Deltakere som fikk arbeid"), "participants_employed", NUMBER),
        ),
        _reports,
    )
)

register(
    Dataset(
        "accounts",
        gettext_lazy("Regnskapslinjer"),
        gettext_lazy("Én rad per kostnadskategori i regnskapene: budsjett, tildelt og brukt, med rapportens status."),
        (
            Column("reference", REF, "report__application__reference", width=14),
            Column("county", COUNTY, "report__application__organisation__name", width=28),
            Column("report_state", gettext_lazy("Status for rapporten"), "report__state", CHOICE, AnnualReport.State),
            Column("submitted_at", gettext_lazy("Sendt inn"), "report__submitted_at", DATETIME),
            Column("is_late", gettext_lazy("Levert etter fristen"), "report__is_late", BOOL, width=10),
            Column("category", gettext_lazy("Kostnadskategori"), "category__name", width=36),
            Column("budgeted", gettext_lazy("Budsjett (kr)"), "budgeted", AMOUNT),
            Column("granted", gettext_lazy("Tildelt (kr)"), "granted", AMOUNT),
            Column("spent", gettext_lazy("Regnskap (kr)"), "spent", AMOUNT),
        ),
        lambda call: AccountLine.objects.filter(report__application__call=call).order_by(
            "report__application__organisation__name", "report__application__reference", "category__order", "pk"
        ),
    )
)

register(
    Dataset(
        "repayments",
        gettext_lazy("Tilbakebetalinger"),
        gettext_lazy("Ett krav om tilbakebetaling per rad: grunnlag, beløp, frister og hva som er betalt."),
        (
            Column("reference", REF, "case__application__reference", width=14),
            Column("county", COUNTY, "case__application__organisation__name", width=28),
            Column("claim_reference", gettext_lazy("Kravets referanse"), "reference", width=16),
            Column("reason", gettext_lazy("Grunnlag"), "reason", CHOICE, RepaymentClaim.Reason, width=22),
            Column("amount", gettext_lazy("Beløp (kr)"), "amount", AMOUNT),
            Column("state", gettext_lazy("Status"), "state", CHOICE, RepaymentClaim.State, width=20),
            Column("notice_sent_at", gettext_lazy("Forhåndsvarsel sendt"), "notice_sent_at", DATETIME),
            Column("comment_deadline", gettext_lazy("Frist for merknader"), "comment_deadline", DATE, width=12),
            Column("claimed_at", gettext_lazy("Krav sendt"), "claimed_at", DATETIME),
            Column("due_date", gettext_lazy("Forfallsdato"), "due_date", DATE, width=12),
            Column("repaid_amount", gettext_lazy("Tilbakebetalt (kr)"), "repaid_amount", AMOUNT),
            Column("repaid_on", gettext_lazy("Betalt dato"), "repaid_on", DATE, width=12),
        ),
        lambda call: RepaymentClaim.objects.filter(case__call=call).order_by(
            "case__application__organisation__name", "notice_sent_at", "pk"
        ),
    )
)


def filename(call: Call, dataset: Dataset, extension: str) -> str:
    return f"{call.year}-{dataset.key}.{extension}"
