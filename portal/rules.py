"""What every rule returns and what every service raises.

- A permission function returns a ``Verdict``: falsy when refused, with the reason in words for the
  user, so a template can say why a button is absent and a test can assert the reason.
- A service that refuses raises ``Refused`` with that reason; the view shows it as an error.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied


class Refused(Exception):
    """The action is not allowed now; the message says why, in words for the user."""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed

    def or_403(self) -> None:
        """In a view: a refusal is a 403 with the reason."""
        if not self.allowed:
            raise PermissionDenied(self.reason)

    def or_refuse(self) -> None:
        """In a service: a refusal is ``Refused`` with the reason."""
        if not self.allowed:
            raise Refused(self.reason)


def allow(reason: str = "") -> Verdict:
    return Verdict(True, reason)


def deny(reason: str) -> Verdict:
    return Verdict(False, reason)
