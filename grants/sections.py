"""The sections of an application, and what is still missing before it can be sent (R6–R11)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grants import forms
from grants.models import Application, PartnerKind


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    form_class: type | None  # None: a section with its own page (agreements)

    @property
    def has_form(self) -> bool:  # templates would call form_class
        return self.form_class is not None


SECTIONS: list[Section] = [
    Section("prosjekt", gettext_lazy("Prosjektet"), forms.ProjectForm),
    Section("avtaler", gettext_lazy("Samarbeidspartnere og avtaler"), None),
    Section("justeringer", gettext_lazy("Justeringer"), forms.AdjustmentsForm),
    Section("erfaringsdeling", gettext_lazy("Erfaringsdeling og overføringsverdi"), forms.ExperienceForm),
    Section("budsjett", gettext_lazy("Budsjett"), forms.BudgetForm),
    Section("overforing", gettext_lazy("Overføring av ubrukte midler"), forms.CarryOverForm),
    Section("kontakt", gettext_lazy("Kontaktperson"), forms.ContactForm),
]
BY_SLUG = {s.slug: s for s in SECTIONS}


@dataclass(frozen=True)
class Missing:
    section: str
    field: str  # the id of the field the message links to
    message: str


REQUIRED_FIELDS = {
    "prosjekt": list(forms.ProjectForm._meta.fields),  # every question about the project
    "erfaringsdeling": ["experience_sharing", "transfer_value"],
    "kontakt": ["contact_name", "contact_email", "contact_phone"],
}


def _label(field: str) -> str:
    label = str(Application._meta.get_field(field).verbose_name)
    return label[:1].upper() + label[1:]


def missing(application: Application, *, agreements=None, budget_lines=None) -> list[Missing]:
    """Everything that must be answered before the application can be sent, in section order.

    ``agreements`` and ``budget_lines`` may be passed when the caller has them already.
    """
    result: list[Missing] = []

    def need(section: str, field: str, message: str) -> None:
        result.append(Missing(section, f"id_{field}", message))

    for field in REQUIRED_FIELDS["prosjekt"]:
        if getattr(application, field) in (None, ""):
            need("prosjekt", field, _("%(field)s mangler.") % {"field": _label(field)})

    if agreements is None:
        agreements = list(application.active_agreements())
    kinds = {a.partner_kind for a in agreements}
    for kind in PartnerKind:
        if kind not in kinds:
            result.append(
                Missing(
                    "avtaler",
                    "id_partner_kind",
                    _("Det mangler en samarbeidsavtale med %(kind)s.")
                    % {"kind": kind.label if kind == PartnerKind.NAV else kind.label.lower()},
                )
            )

    if application.has_adjustments is None:
        # Radio buttons: the first one is where the link lands.
        result.append(
            Missing(
                "justeringer",
                "id_has_adjustments_0",
                _("Svar på om dere har justert avtaler eller planlagt aktivitet."),
            )
        )
    elif application.has_adjustments and not application.adjustments.strip():
        need("justeringer", "adjustments", _("Beskriv og begrunn justeringene."))

    if not application.commits_to_sharing:
        need("erfaringsdeling", "commits_to_sharing", _("Dere må forplikte dere til erfaringsdeling og evaluering."))
    for field in REQUIRED_FIELDS["erfaringsdeling"]:
        if not getattr(application, field).strip():
            need("erfaringsdeling", field, _("%(field)s mangler.") % {"field": _label(field)})

    if budget_lines is None:
        budget_lines = list(application.budget_lines.all())
    if not budget_lines or sum(line.amount for line in budget_lines) <= 0:
        result.append(Missing("budsjett", "id_lines-0-amount", _("Budsjettet har ingen beløp.")))
    if not application.declares_no_running_costs:
        need(
            "budsjett",
            "declares_no_running_costs",
            _("Bekreft at budsjettet ikke dekker ordinær drift eller investeringer."),
        )

    if application.carry_over_amount and not application.carry_over_explanation.strip():
        need("overforing", "carry_over_explanation", _("Forklar overføringen av ubrukte midler."))

    for field in REQUIRED_FIELDS["kontakt"]:
        if not getattr(application, field).strip():
            need("kontakt", field, _("%(field)s mangler.") % {"field": _label(field)})
    return result


def progress(application: Application, missing_items: list[Missing]) -> list[dict]:
    """Each section with the number of things still missing in it, for the overview."""
    counts: dict[str, int] = {}
    for item in missing_items:
        counts[item.section] = counts.get(item.section, 0) + 1
    return [{"section": s, "missing": counts.get(s.slug, 0)} for s in SECTIONS]
