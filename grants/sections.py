"""The sections of an application, the fields each one asks for (the forms read them here), and
what is still missing before the application can be sent (R6–R11)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grants.models import Application, PartnerKind


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    fields: tuple[str, ...]  # the Application fields the section's form edits, in order; () has its own page

    @property
    def has_form(self) -> bool:
        return bool(self.fields)


SECTIONS: list[Section] = [
    Section(
        "prosjekt",
        gettext_lazy("Prosjektet"),
        (
            "title",
            "summary",
            "cooperation_model",
            "participants_planned",
            "recruitment",
            "follow_up",
            "period_start",
            "period_end",
        ),
    ),
    Section("avtaler", gettext_lazy("Samarbeidspartnere og avtaler"), ()),  # grants.views.agreements
    Section("justeringer", gettext_lazy("Justeringer"), ("has_adjustments", "adjustments")),
    Section(
        "erfaringsdeling",
        gettext_lazy("Erfaringsdeling og overføringsverdi"),
        ("commits_to_sharing", "experience_sharing", "transfer_value"),
    ),
    Section("budsjett", gettext_lazy("Budsjett"), ("declares_no_running_costs",)),  # and the budget lines
    Section(
        "overforing", gettext_lazy("Overføring av ubrukte midler"), ("carry_over_amount", "carry_over_explanation")
    ),
    # their_reference (optional): the county's own case number, "Deres referanse" in IMDi's letters.
    # project_responsible and responsible_leader: the two who approve the accounts (R21).
    Section(
        "kontakt",
        gettext_lazy("Kontaktperson"),
        (
            "contact_name",
            "contact_email",
            "contact_phone",
            "their_reference",
            "project_responsible",
            "responsible_leader",
        ),
    ),
]
BY_SLUG = {s.slug: s for s in SECTIONS}


def section_fields(section: str) -> list[str]:
    """The Application fields that section ``section`` edits (none for the agreements' own page)."""
    return list(BY_SLUG[section].fields)


@dataclass(frozen=True)
class Missing:
    section: str
    field: str  # the id of the field the message links to
    message: str


REQUIRED_FIELDS = {
    "prosjekt": section_fields("prosjekt"),  # every question about the project
    "erfaringsdeling": ["experience_sharing", "transfer_value"],
    "kontakt": ["contact_name", "contact_email", "contact_phone"],
}


# The county's declaration in the circular's words: ordinary running costs, and investments and
# purchases that are part of ordinary running, are not covered (equipment the participants would
# otherwise pay for themselves is). The model field's verbose name keeps the older, wider wording
# until a grants migration changes it, so every label of the field is taken from here.
FIELD_LABELS = {
    "declares_no_running_costs": gettext_lazy(
        "budsjettet dekker ikke ordinær drift eller investeringer og anskaffelser som inngår i ordinær drift"
    ),
}


def field_label(field: str) -> str:
    label = str(FIELD_LABELS.get(field) or Application._meta.get_field(field).verbose_name)
    return label[:1].upper() + label[1:]


# For labels fixed when a class is defined (form Meta): translated when shown, in the reader's language.
field_label_lazy = lazy(field_label, str)


def _need(section: str, field: str, message: str) -> Missing:
    return Missing(section, f"id_{field}", message)


def _unanswered(section: str, application: Application, *, text_only: bool = True) -> list[Missing]:
    """The required fields of ``section`` left empty (for text fields: only blanks)."""

    def empty(value) -> bool:
        return not value.strip() if text_only else value in (None, "")

    return [
        _need(section, field, _("%(field)s mangler.") % {"field": field_label(field)})
        for field in REQUIRED_FIELDS[section]
        if empty(getattr(application, field))
    ]


def _missing_agreements(agreements) -> list[Missing]:
    kinds = {a.partner_kind for a in agreements}
    return [
        Missing(
            "avtaler",
            "id_partner_kind",
            _("Det mangler en samarbeidsavtale med %(kind)s.")
            % {"kind": kind.label if kind == PartnerKind.NAV else kind.label.lower()},
        )
        for kind in PartnerKind
        if kind not in kinds
    ]


def _missing_adjustments(application: Application) -> list[Missing]:
    if application.has_adjustments is None:
        # Radio buttons: the first one is where the link lands.
        message = _("Svar på om dere har justert avtaler eller planlagt aktivitet.")
        return [Missing("justeringer", "id_has_adjustments_0", message)]
    if application.has_adjustments and not application.adjustments.strip():
        return [_need("justeringer", "adjustments", _("Beskriv og begrunn justeringene."))]
    return []


def _missing_sharing(application: Application) -> list[Missing]:
    result = []
    if not application.commits_to_sharing:
        message = _("Dere må forplikte dere til erfaringsdeling og evaluering.")
        result.append(_need("erfaringsdeling", "commits_to_sharing", message))
    return result + _unanswered("erfaringsdeling", application)


def _missing_budget(application: Application, budget_lines) -> list[Missing]:
    result = []
    if not budget_lines or sum(line.amount for line in budget_lines) <= 0:
        result.append(Missing("budsjett", "id_lines-0-amount", _("Budsjettet har ingen beløp.")))
    if not application.declares_no_running_costs:
        message = _(
            "Bekreft at budsjettet ikke dekker ordinær drift eller investeringer og anskaffelser som inngår i "
            "ordinær drift."
        )
        result.append(_need("budsjett", "declares_no_running_costs", message))
    if application.carry_over_amount and not application.carry_over_explanation.strip():
        result.append(_need("overforing", "carry_over_explanation", _("Forklar overføringen av ubrukte midler.")))
    return result


def missing(application: Application, *, agreements=None, budget_lines=None) -> list[Missing]:
    """Everything that must be answered before the application can be sent, in section order.

    ``agreements`` and ``budget_lines`` may be passed when the caller has them already.
    """
    if agreements is None:
        agreements = list(application.active_agreements())
    if budget_lines is None:
        budget_lines = list(application.budget_lines.all())
    return [
        *_unanswered("prosjekt", application, text_only=False),  # numbers and dates too
        *_missing_agreements(agreements),
        *_missing_adjustments(application),
        *_missing_sharing(application),
        *_missing_budget(application, budget_lines),  # and the carry-over, which follows the budget
        *_unanswered("kontakt", application),
    ]


def progress(application: Application, missing_items: list[Missing]) -> list[dict]:
    """Each section with the number of things still missing in it, for the overview."""
    counts: dict[str, int] = {}
    for item in missing_items:
        counts[item.section] = counts.get(item.section, 0) + 1
    return [{"section": s, "missing": counts.get(s.slug, 0)} for s in SECTIONS]
