"""The engine under every app's ``workflows.py``: a workflow is a table of transitions, and
``Workflow.take`` is the only code that writes a model's ``state``.

Each app declares its tables in its own ``workflows.py`` (``grants.workflows.CASE``,
``reporting.workflows.REPORT`` …), in one screen each:

    CASE = Workflow(
        Case,
        transitions=[
            Transition("assign", [S.RECEIVED], S.ASSIGNED, who="can_assign", label=_("Tildel"),
                       action="case.assigned"),
            …
        ],
        tones={S.DECIDED: OPEN, S.CLOSED: CLOSED},
    )

``who`` names the function in the app's ``permissions.py`` that decides who may take the transition;
``action`` is the audit action that taking it records. ``tones`` is the colour of each state's tag
(``{% status_tag obj %}``); a state without a tone is drawn neutral.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Model
from django.utils.translation import gettext as _

from portal import audit
from portal.rules import Refused

# The tones of a state's tag (static/portal/portal.css): done, waiting for someone, ended.
OPEN = "open"
SOON = "soon"
CLOSED = "closed"
NEUTRAL = ""


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str
    who: str  # the name of a permission function in the app's permissions.py
    label: str  # what the button says
    action: str  # the audit action recorded when it is taken

    def __init__(self, name, sources: Iterable[str], target: str, *, who: str, label, action: str):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "sources", tuple(sources))
        object.__setattr__(self, "target", target)
        object.__setattr__(self, "who", who)
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "action", action)


@dataclass
class Workflow:
    model: type[Model]
    transitions: list[Transition]
    tones: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        self.by_name = {t.name: t for t in self.transitions}
        if len(self.by_name) != len(self.transitions):
            raise ValueError(f"{self.model.__name__}: two transitions share a name")
        states = set(self.model.State.values)
        for t in self.transitions:
            unknown = {*t.sources, t.target} - states
            if unknown:
                raise ValueError(f"{self.model.__name__}.{t.name}: unknown states {sorted(unknown)}")
        REGISTRY[self.model._meta.label_lower] = self

    @property
    def states(self) -> list[str]:
        return list(self.model.State.values)

    def __getitem__(self, name: str) -> Transition:
        return self.by_name[name]

    def allows(self, name: str, state: str) -> bool:
        """May transition ``name`` be taken from ``state``?"""
        return state in self.by_name[name].sources

    def refusal(self, obj: Model) -> str:
        return _("Dette kan ikke gjøres når statusen er «%(state)s».") % {"state": obj.get_state_display()}

    def take(
        self,
        obj: Model,
        name: str,
        *,
        actor: audit.Actor | None,
        audit_obj: Model | None = None,
        subject_organisation=None,
        changes: dict | None = None,
        refusal: str | None = None,
    ) -> str:
        """Move ``obj`` along transition ``name``: refuse (``Refused``) unless its state is one of the
        sources, set the target state (the caller saves, with the other fields it changes) and record
        the transition's audit action on ``audit_obj`` (default ``obj``) with both states. Returns the
        state it came from. ``actor=None`` records nothing (the caller records a richer event)."""
        transition = self.by_name[name]
        from_state = obj.state
        if from_state not in transition.sources:
            raise Refused(refusal or self.refusal(obj))
        obj.state = transition.target
        if actor is not None:
            audit.record(
                actor=actor,
                action=transition.action,
                obj=audit_obj if audit_obj is not None else obj,
                subject_organisation=subject_organisation,
                from_state=from_state,
                to_state=transition.target,
                changes=changes,
            )
        return from_state

    def tone(self, state: str) -> str:
        return self.tones.get(state, NEUTRAL)


# Every workflow, by its model's label ("grants.case"): how {% status_tag %} finds a state's tone.
REGISTRY: dict[str, Workflow] = {}


def workflow_of(obj: Model) -> Workflow | None:
    return REGISTRY.get(obj._meta.label_lower)
