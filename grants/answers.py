"""An application's answers as sections of (label, value) rows, from a snapshot
(``grants.services.build_snapshot``): the same for "check your answers", the confirmation page,
a submitted version and the receipt PDF."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from grants.models import Application, PartnerKind
from grants.sections import SECTIONS
from portal.templatetags.portal_tags import kr

AMOUNT_FIELDS = {"carry_over_amount"}
DATE_FIELDS = {"period_start", "period_end"}


@dataclass
class AnswerSection:
    slug: str
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    agreements: list[dict] = field(default_factory=list)
    budget: dict | None = None


def _display(name: str, value) -> str:
    if value is None or value == "":
        return _("Ikke besvart")
    if isinstance(value, bool):
        return _("Ja") if value else _("Nei")
    if name in AMOUNT_FIELDS:
        return kr(Decimal(value))
    if name in DATE_FIELDS:
        return dt.date.fromisoformat(value).strftime("%d.%m.%Y")
    return str(value)


def present(snapshot: dict) -> list[AnswerSection]:
    from grants.services import section_fields

    fields = snapshot["fields"]
    sections = []
    for section in SECTIONS:
        part = AnswerSection(section.slug, str(section.title))
        for name in section_fields(section.slug):
            label = str(Application._meta.get_field(name).verbose_name)
            part.rows.append((label[:1].upper() + label[1:], _display(name, fields.get(name))))
        if section.slug == "avtaler":
            part.agreements = [
                {**a, "kind_label": PartnerKind(a["partner_kind"]).label} for a in snapshot.get("agreements", [])
            ]
        if section.slug == "budsjett":
            part.budget = {
                "lines": [{**line, "amount": Decimal(line["amount"])} for line in snapshot["budget"]["lines"]],
                "categories": [{**c, "total": Decimal(c["total"])} for c in snapshot["budget"]["categories"]],
                "total": Decimal(snapshot["budget"]["total"]),
            }
        sections.append(part)
    return sections
