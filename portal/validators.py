"""Numbers people type: ids in forms (ASCII digits only), and Norwegian numbers checked by
python-stdnum (``stdnum.no``): organisation numbers (mod-11) and bank account numbers (11 digits, mod-11)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.no import kontonr, orgnr
from stdnum.util import isdigits

BIGGEST_ID = 2**63 - 1  # a database bigint


def whole_number(value: object, *, biggest: int = BIGGEST_ID) -> int | None:
    """``value`` as a non-negative id when it is written with the digits 0-9 only and fits a bigint, else
    None. ``str.isdigit`` also accepts "²" and "١", which ``int`` then refuses or reads as 1."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(biggest)):
        return None
    number = int(text)
    return number if number <= biggest else None


def orgnr_check_digit(first_eight: str) -> int | None:
    """The mod-11 check digit that makes ``first_eight`` an organisation number, or None if none does."""
    return next((digit for digit in range(10) if orgnr.is_valid(f"{first_eight}{digit}")), None)


def validate_orgnr(value: str) -> None:
    if len(value) != 9 or not isdigits(value):
        raise ValidationError(_("Organisasjonsnummeret må ha ni sifre."), code="orgnr_format")
    if not orgnr.is_valid(value):
        raise ValidationError(
            _("Organisasjonsnummeret er ikke gyldig: kontrollsifferet stemmer ikke."), code="orgnr_check"
        )


def normalise_account_number(value: str | None) -> str | None:
    """A Norwegian bank account number (11 digits, mod-11 check digit) as ``1234.56.78903``, or None
    when it is not one. Spaces and dots may separate the digits; only the digits 0-9 count."""
    text = "".join((value or "").split())
    if not text.isascii() or len(text.replace(".", "")) != 11:  # "١٢٣…" and "¹²³…" are not 0-9
        return None
    try:
        number = kontonr.validate(text)
    except stdnum_errors.ValidationError:
        return None
    return kontonr.format(number) if len(number) == 11 else None
