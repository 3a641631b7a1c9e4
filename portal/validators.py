import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ORGNR_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def orgnr_check_digit(first_eight: str) -> int | None:
    """The mod-11 check digit of a Norwegian organisation number, or None if none is possible."""
    remainder = sum(int(d) * w for d, w in zip(first_eight, ORGNR_WEIGHTS, strict=True)) % 11
    digit = 0 if remainder == 0 else 11 - remainder
    return None if digit == 10 else digit


def validate_orgnr(value: str) -> None:
    if not re.fullmatch(r"[0-9]{9}", value):
        raise ValidationError(_("Organisasjonsnummeret må ha ni sifre."), code="orgnr_format")
    if orgnr_check_digit(value[:8]) != int(value[8]):
        raise ValidationError(
            _("Organisasjonsnummeret er ikke gyldig: kontrollsifferet stemmer ikke."), code="orgnr_check"
        )
