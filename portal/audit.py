"""The audit log: every state change records who did it, for whom, in which role, from where."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Model, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from portal.models import AuditEvent, Membership, Organisation, User

# --- The registry of actions ----------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """An audit action as people read it in a history: its label (translated into bokmål, nynorsk
    and English by the catalogues) and whether the county sees it in its case history."""

    label: str
    county: bool = False


ACTIONS: dict[str, Action] = {}
STATES: dict[str, str] = {}  # a state's value -> its label, for the history's "from … to …"

# Changes made in Django's admin are recorded as admin.<model>.created|changed|deleted.
ADMIN_VERBS = {
    "created": _("Opprettet i administrasjonen"),
    "changed": _("Endret i administrasjonen"),
    "deleted": _("Slettet i administrasjonen"),
}


def register_actions(actions: dict[str, Action]) -> None:
    """Declare actions once, where their subject lives; a second declaration of a name is an error."""
    for name, action in actions.items():
        if name in ACTIONS and ACTIONS[name] != action:
            raise ValueError(f"The audit action {name!r} is declared twice")
        ACTIONS[name] = action


def register_states(states: dict[str, str]) -> None:
    STATES.update(states)


def is_registered(action: str) -> bool:
    return action in ACTIONS or (action.startswith("admin.") and action.rsplit(".", 1)[-1] in ADMIN_VERBS)


def action_label(action: str) -> str:
    if action in ACTIONS:
        return ACTIONS[action].label
    if action.startswith("admin."):
        return ADMIN_VERBS.get(action.rsplit(".", 1)[-1], ADMIN_VERBS["changed"])
    return action


def state_label(state: str) -> str:
    return STATES.get(state, state)


def county_visible_actions() -> frozenset[str]:
    """The actions a county sees in its own case history (IMDi sees every action)."""
    return frozenset(name for name, action in ACTIONS.items() if action.county)


register_actions(
    {
        "delegation.granted": Action(_("Fullmakt gitt")),
        "delegation.revoked": Action(_("Fullmakt trukket tilbake")),
        "membership.chosen": Action(_("Rolle valgt")),
        "auth.logged_in": Action(_("Logget inn")),
        "auth.logged_out": Action(_("Logget ut")),
        "auth.login_failed": Action(_("Mislykket innlogging")),
        "mfa.authenticator_added": Action(_("Totrinnsinnlogging satt opp")),
        "mfa.authenticator_removed": Action(_("Totrinnsinnlogging fjernet")),
        "mfa.code_rejected": Action(_("Feil engangskode")),
    }
)


# --- Recording ----------------------------------------------------------------------------------


def client_ip(request) -> str | None:
    """The request's IP, taking the configured number of trusted proxies into account."""
    proxies = getattr(settings, "NUM_PROXIES", 0)
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies and _is_ip(forwarded[-proxies]):
            return forwarded[-proxies]
    remote = request.META.get("REMOTE_ADDR")
    return remote if remote and _is_ip(remote) else None


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Actor:
    """Who acts: the user, the membership (organisation and role) they act in, and from where."""

    user: User | None
    membership: Membership | None = None
    ip: str | None = None

    @classmethod
    def from_request(cls, request) -> Actor:
        return cls(
            user=request.user if request.user.is_authenticated else None,
            membership=getattr(request, "membership", None),
            ip=client_ip(request),
        )

    @classmethod
    def system(cls) -> Actor:
        """Background work that no person started (periodic sweeps)."""
        return cls(user=None)

    @property
    def organisation(self) -> Organisation | None:
        return self.membership.organisation if self.membership else None

    @property
    def role(self) -> str:
        return self.membership.role if self.membership else ""

    @property
    def label(self) -> str:
        if self.user is None:
            return "system"
        return f"{self.user.full_name} <{self.user.email}>"


def object_key(obj: Model) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def record(
    *,
    actor: Actor,
    action: str,
    obj: Model | None = None,
    subject_organisation: Organisation | None = None,
    from_state: str = "",
    to_state: str = "",
    changes: dict | None = None,
) -> AuditEvent:
    """Append one event. Call it inside the transaction that makes the change.

    ``action`` must be registered (``register_actions``): an unknown name is a programming error."""
    if not is_registered(action):
        raise ValueError(f"The audit action {action!r} is not registered (portal.audit.register_actions)")
    object_type, object_id = object_key(obj) if obj is not None else ("", "")
    return AuditEvent.objects.create(
        actor=actor.user,
        actor_label=actor.label,
        organisation=actor.organisation,
        role=actor.role,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=str(obj)[:300] if obj is not None else "",
        subject_organisation=subject_organisation,
        from_state=from_state,
        to_state=to_state,
        changes=changes or {},
        ip=actor.ip,
    )


def search(query: str = "") -> QuerySet[AuditEvent]:
    """Events, newest first, whose action, object or actor contains ``query``. On PostgreSQL the
    three columns have trigram indexes (pg_trgm, migration portal 0007), which a search for a part
    of a word uses."""
    events = AuditEvent.objects.select_related("organisation", "subject_organisation")
    if query:
        events = events.filter(
            Q(action__icontains=query) | Q(object_repr__icontains=query) | Q(actor_label__icontains=query)
        )
    return events


@dataclass
class LogPage:
    """One page of the log, newest first, with the events that bound it for the links to the older
    and the newer pages (None where there are none)."""

    events: list[AuditEvent]
    older: int | None
    newer: int | None


def _cursor(value: str | None) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 19 else None


def log_page(events: QuerySet[AuditEvent], *, older_than: str | None, newer_than: str | None, size: int) -> LogPage:
    """Keyset pagination over ``(at, id)``, newest first: the page after (``older_than``) or before
    (``newer_than``) an event, given by its id. No count and no OFFSET, so the thousandth page costs
    what the first costs; one query (the anchor's time is a subquery). An id that is not a number is
    taken as the first page."""
    older_id, newer_id = _cursor(older_than), _cursor(newer_than)
    if older_id is None and newer_id is None:
        rows = list(events.order_by("-at", "-id")[: size + 1])
        page = rows[:size]
        return LogPage(page, page[-1].pk if len(rows) > size else None, None)
    anchor_id = older_id if older_id is not None else newer_id
    anchor_at = Subquery(AuditEvent.objects.filter(pk=anchor_id).values("at")[:1])
    # The outer bound on ``at`` alone gives the index (at, id) a range to start from; the OR of the
    # exact keyset condition alone made PostgreSQL walk the index from the newest event (issue 16).
    if older_id is not None:
        beyond = Q(at__lte=anchor_at) & (Q(at__lt=anchor_at) | Q(at=anchor_at, id__lt=anchor_id))
        rows = list(events.filter(beyond).order_by("-at", "-id")[: size + 1])
        page = rows[:size]
        return LogPage(page, page[-1].pk if len(rows) > size else None, page[0].pk if page else None)
    beyond = Q(at__gte=anchor_at) & (Q(at__gt=anchor_at) | Q(at=anchor_at, id__gt=anchor_id))
    rows = list(events.filter(beyond).order_by("at", "id")[: size + 1])
    page = list(reversed(rows[:size]))
    return LogPage(page, page[-1].pk if page else None, page[0].pk if len(rows) > size else None)


def history_for(obj: Model) -> QuerySet[AuditEvent]:
    """The events recorded for one object, oldest first, ready for the case-history template."""
    object_type, object_id = object_key(obj)
    return (
        AuditEvent.objects.filter(object_type=object_type, object_id=object_id)
        .select_related("actor", "organisation")
        .order_by("at", "id")
    )
