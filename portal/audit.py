"""The audit log: every state change records who did it, for whom, in which role, from where."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Model, Q, QuerySet

from portal.models import AuditEvent, Membership, Organisation, User


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
    """Append one event. Call it inside the transaction that makes the change."""
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
    """Events, newest first, whose action, object or actor contains ``query``."""
    events = AuditEvent.objects.select_related("organisation", "subject_organisation")
    if query:
        events = events.filter(
            Q(action__icontains=query) | Q(object_repr__icontains=query) | Q(actor_label__icontains=query)
        )
    return events


def history_for(obj: Model) -> QuerySet[AuditEvent]:
    """The events recorded for one object, oldest first, ready for the case-history template."""
    object_type, object_id = object_key(obj)
    return (
        AuditEvent.objects.filter(object_type=object_type, object_id=object_id)
        .select_related("actor", "organisation")
        .order_by("at", "id")
    )
