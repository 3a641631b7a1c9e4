"""The columns a query must read for a translated field (django-modeltranslation)."""

from __future__ import annotations

from django.conf import settings


def translated(*paths: str) -> tuple[str, ...]:
    """For ``.only()``: each path to a translated field (``"case__call__title"``) with the columns that
    reading it reads, one per written standard (``title_nb``, ``title_nn``)."""
    languages = settings.MODELTRANSLATION_LANGUAGES
    return tuple(column for path in paths for column in (path, *(f"{path}_{language}" for language in languages)))
