"""The dashboard is a list of panels, each owned by the app whose work it shows.

An app registers its panels in ``AppConfig.ready`` so that the import arrow keeps pointing from
``reporting`` to ``grants`` to ``portal``: the portal renders panels without knowing their models.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    roles: frozenset[str]
    template: str
    context: Callable  # (request) -> dict
    order: int


_PANELS: list[Panel] = []


def register(*roles: str, template: str, order: int = 100):
    def decorator(func):
        _PANELS.append(Panel(frozenset(roles), template, func, order))
        _PANELS.sort(key=lambda p: p.order)
        return func

    return decorator


def panels_for(request) -> list[tuple[str, dict]]:
    membership = request.membership
    if membership is None:
        return []
    return [(p.template, p.context(request)) for p in _PANELS if membership.role in p.roles]
