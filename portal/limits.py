"""How much text one field holds: every free-text field, in the models and in the forms, stops at
TEXT_MAX characters (about eight pages), with Django's message saying how many were typed. A longer
text is refused where it is typed instead of being stored and later holding a PDF worker."""

from __future__ import annotations

from django.core.validators import MaxLengthValidator
from django.db import models

TEXT_MAX = 20_000


def text_field(*args, max_length: int = TEXT_MAX, **kwargs) -> models.TextField:
    """A TextField limited to ``max_length`` characters in its forms (``maxlength`` and the form's
    check) and in the model's own validation (``full_clean``), which a plain TextField is not."""
    kwargs.setdefault("validators", [])
    kwargs["validators"] = [*kwargs["validators"], MaxLengthValidator(max_length)]
    return models.TextField(*args, max_length=max_length, **kwargs)
