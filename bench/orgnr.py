"""Valid organisation numbers for the organisations the bench makes (they must pass the mod-11 check)."""

from __future__ import annotations

from collections.abc import Iterator

from portal.validators import orgnr_check_digit


def orgnr_for(seed: int) -> str:
    """The first valid organisation number whose first eight digits are ``seed`` or more."""
    n = seed
    while True:
        base = f"{n:08d}"
        digit = orgnr_check_digit(base)
        if digit is not None:
            return f"{base}{digit}"
        n += 1


def orgnrs(start: int) -> Iterator[str]:
    """Valid organisation numbers in order, from the first eight digits ``start`` on."""
    n = start
    while True:
        number = orgnr_for(n)
        yield number
        n = int(number[:8]) + 1
