"""The call the letter tests use: with the seeded letter templates, both counties eligible, and the
caseworkers with titles and phone numbers, as IMDi's admins set them."""

from __future__ import annotations

import datetime as dt

from grants import seed_letters
from grants.models import LetterTemplate
from tests import factories as f

MONTHS = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
]


def long_date(day: dt.date) -> str:
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"


def county_of(cast, language: str):
    return cast.county_a if language == "nn" else cast.county_b  # county A writes nynorsk


def templated_call(cast):
    """A call with the seeded letter templates, both counties eligible; the caseworkers have titles and
    phone numbers (admins set them, portal/admin.py)."""
    call = f.make_call(
        cast.scheme, eligible=[cast.county_a, cast.county_b], title="Nasjonal samarbeidsmodell 2100", year=2100
    )
    for kind in seed_letters.TEMPLATES:
        LetterTemplate.objects.create(call=call, kind=kind, **seed_letters.template_fields(kind))
    for user, title, phone in [
        (cast.caseworker, "seniorrådgiver", "+47 22 00 00 01"),
        (cast.caseworker2, "seksjonssjef", "+47 22 00 00 02"),
    ]:
        user.title, user.phone = title, phone
        user.save(update_fields=["title", "phone"])
    return call
