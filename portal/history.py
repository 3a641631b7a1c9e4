"""The history as people read it: an audit event as one sentence, with its values formatted (amounts
as ``kr 1 500 000``, dates as ``01.01.2027``, field names as the forms label them, choices and states
by their labels) and the person who did it by name and role, never by e-mail address.

portal knows only the generic keys. Each app registers its own sentences and keys next to its
actions (``register_sentences`` and ``register_keys`` in its workflows.py); a key may be registered
for one action only (``"decision.approved:kind"``). A key nobody registered is shown to IMDi, its
value formatted, and never to a county.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, formats
from portal.models import IMDI_ROLES, AuditEvent, Role

Formatter = Callable[[object], str]

# Background work that nobody started (the letters, the receipts, the sweeps) is recorded with no
# user and the actor label "system": people read it as the portal's own step.
SYSTEM_LABEL = "system"
PORTAL = gettext_lazy("IMDi-portalen (automatisk)")

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
CHANGE = " → "


# --- Formatting one value -----------------------------------------------------------------------


def text(value) -> str:
    """Any value as people read it: yes/no, lists joined, ISO dates and times as ``01.01.2027 14:30``."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return str(_("Ja") if value else _("Nei"))
    if isinstance(value, list | tuple):
        return ", ".join(text(item) for item in value) or "–"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {text(item)}" for key, item in value.items()) or "–"
    if isinstance(value, str):
        return when(value)
    return str(value)


def when(value: str) -> str:
    """An ISO date or time as ``01.01.2027`` or ``01.01.2027 14:30`` (Oslo time); other text as it is."""
    value = value.strip()
    try:
        if ISO_DATE.match(value):
            return formats.date(dt.date.fromisoformat(value))
        if ISO_DATETIME.match(value):
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                return formats.date(moment.date())
            local = formats.oslo(moment)
            if (local.hour, local.minute, local.second) == (0, 0, 0):
                return formats.date(local)  # a deadline at midnight is a date
            return formats.date_time(moment)
    except ValueError:
        pass
    return value


def money(value) -> str:
    """An amount as ``kr 1 500 000``; ``"a → b"`` as both amounts; anything else as text."""
    if isinstance(value, str) and CHANGE in value:
        return CHANGE.join(money(part) for part in value.split(CHANGE))
    if isinstance(value, bool) or value in (None, ""):
        return text(value)
    try:
        return formats.kr(Decimal(str(value).strip()))
    except (InvalidOperation, ValueError):
        return text(value)


def choices(labels: Mapping[str, str], *, lower: bool = False) -> Formatter:
    """A value (or a list of values) by its label, e.g. a ``TextChoices``' ``dict(Kind.choices)``;
    ``lower`` for a label inside a sentence ("Vedtak fattet: tilskudd")."""

    def label(value) -> str:
        if isinstance(value, list | tuple):
            return ", ".join(label(item) for item in value) or "–"
        found = str(labels.get(value, text(value)))
        if lower and value in labels and not found[1:2].isupper():  # "NAV" stays as it is
            return found[:1].lower() + found[1:]
        return found

    return label


def labelled(label_of: Callable[[str], str]) -> Formatter:
    """A list of names (fields, say) by their labels: ``label_of(name)``, the name if it has none."""

    def label(value) -> str:
        names = value if isinstance(value, list | tuple) else [value]
        return ", ".join(_safe_label(label_of, str(name)) for name in names) or "–"

    return label


def _safe_label(label_of: Callable[[str], str], name: str) -> str:
    try:
        return str(label_of(name))
    except (KeyError, LookupError, AttributeError, ValueError):
        return name


def state(value) -> str:
    return str(audit.state_label(str(value))) if value else "–"


# --- The registries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """How one key of an event's ``changes`` is shown: its label, its formatter (``text`` if none)
    and whether a county sees it (ids, checksums and IMDi's internal notes: IMDi only)."""

    label: str
    format: Formatter | None = None
    county: bool = True

    def value(self, value) -> str:
        return (self.format or text)(value)


# A sentence, or a function of the event's raw changes that picks one (a grant names its amount, a
# rejection does not).
SENTENCES: dict[str, str | Callable[[dict], str]] = {}
KEYS: dict[str, Key] = {}


def register_sentences(sentences: dict[str, str | Callable[[dict], str]]) -> None:
    """Sentences with named placeholders for the keys they show: ``_("Vedtak fattet: %(kind)s.")``.
    The action's label stands in when an event lacks a key the sentence needs."""
    SENTENCES.update(sentences)


def register_keys(keys: dict[str, Key]) -> None:
    """Keys by name (``"amount"``) or for one action (``"decision.approved:kind"``)."""
    KEYS.update(keys)


def key_for(action: str, name: str) -> Key | None:
    """The key's registration: for the action first, then by name, then by a prefix (``"spent:"``)."""
    found = KEYS.get(f"{action}:{name}") or KEYS.get(name)
    if found is None and ":" in name:
        found = KEYS.get(name.split(":", 1)[0] + ":")
        if found is not None:
            return Key(f"{found.label}: {name.split(':', 1)[1]}", found.format, found.county)
    return found


register_keys(
    {
        "amount": Key(gettext_lazy("Beløp"), money),
        "amounts": Key(gettext_lazy("Beløp"), money),
        "deadline": Key(gettext_lazy("Frist"), text),
        "reason": Key(gettext_lazy("Begrunnelse"), text),
        "reference": Key(gettext_lazy("Referanse"), text),
        "letter": Key(gettext_lazy("Brev"), text),
        "file": Key(gettext_lazy("Fil"), text),
        "state": Key(gettext_lazy("Status"), state),
        "from": Key(gettext_lazy("Fra"), state),
        "to": Key(gettext_lazy("Til"), state),
        "version": Key(gettext_lazy("Versjon"), text, county=False),
        "sha256": Key(gettext_lazy("Sjekksum (SHA-256)"), text, county=False),
        "size": Key(gettext_lazy("Størrelse (byte)"), text, county=False),
    }
)


# --- One event as people read it ----------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """An event as people read it: the sentence, who did it, the states and the other details."""

    event: AuditEvent
    sentence: str
    actor: str
    states: str
    details: list[tuple[str, str]]


def is_automatic(event: AuditEvent) -> bool:
    """A step no person took (a letter made, a receipt issued, a sweep)."""
    return event.actor_id is None and event.actor_label in ("", SYSTEM_LABEL)


def actor_of(event: AuditEvent) -> str:
    """Who did it: the name, role and organisation; the portal itself for automatic steps."""
    if is_automatic(event):
        return str(PORTAL)
    name = event.actor_label.split(" <", 1)[0].strip() or str(_("Ukjent"))
    parts = [name]
    if event.role:
        parts.append(str(Role(event.role).label) if event.role in Role.values else event.role)
    if event.organisation_id:
        parts.append(event.organisation.name)
    return ", ".join(parts)


def states_of(event: AuditEvent) -> str:
    if not (event.from_state or event.to_state):
        return ""
    to = state(event.to_state)
    return f"{state(event.from_state)}{CHANGE}{to}" if event.from_state else to


def describe(event: AuditEvent, *, county: bool) -> Entry:
    """The event as a sentence with its details; for a county, only the keys registered for it."""
    changes = event.changes if isinstance(event.changes, dict) else {}
    shown: dict[str, tuple[str, str]] = {}
    for name, value in changes.items():
        if value in (None, "", [], {}):  # nothing to tell ("no previous caseworker")
            continue
        key = key_for(event.action, name)
        if key is None:
            if not county:
                shown[name] = (name.replace("_", " ").capitalize(), text(value))
        elif key.county or not county:
            shown[name] = (str(key.label), key.value(value))
    sentence, used = _sentence(event.action, changes, shown)
    details = [pair for name, pair in shown.items() if name not in used]
    return Entry(event, sentence, actor_of(event), states_of(event), details)


def _sentence(action: str, changes: dict, shown: dict[str, tuple[str, str]]) -> tuple[str, set[str]]:
    """The action's sentence with its placeholders filled, and the keys it used; the label if the
    event lacks one of them (or the viewer may not see it)."""
    template = SENTENCES.get(action)
    if callable(template):
        template = template(changes)
    if template:
        wanted = set(PLACEHOLDER.findall(str(template)))
        if wanted <= set(shown):
            return str(template) % {name: shown[name][1] for name in wanted}, wanted
    return str(audit.action_label(action)), set()


def for_viewer(membership) -> bool:
    """Whether the viewer reads the history as a county (not IMDi's caseworkers, admins, auditors)."""
    return not (membership is not None and membership.role in IMDI_ROLES)


def entries(events: Iterable[AuditEvent], *, county: bool) -> list[Entry]:
    return [describe(event, county=county) for event in events]
