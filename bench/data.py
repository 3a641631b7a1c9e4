"""What the seed made (``bench/seed.py``), for the pages and measures to pick users and objects from."""

from __future__ import annotations

from dataclasses import dataclass, field

from grants.models import Call
from portal.models import Organisation, User


@dataclass
class County:
    organisation: Organisation
    director: User
    staff: list[User]


@dataclass
class BenchData:
    """What the seed made, for the pages and measures to pick users and objects from."""

    counties: list[County] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    summary: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # room for later issues' objects
