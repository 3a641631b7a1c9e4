"""Organisation and bank account numbers are checked by python-stdnum's Norwegian modules."""

import pytest
from django.core.exceptions import ValidationError

from portal.validators import normalise_account_number, orgnr_check_digit, validate_orgnr


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("76940512340", "7694.05.12340"),
        ("7694 05 12340", "7694.05.12340"),
        ("7694.05.12340", "7694.05.12340"),
    ],
)
def test_a_bank_account_number_is_stored_as_norwegians_write_it(typed, stored):
    assert normalise_account_number(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "76940512341",  # wrong check digit
        "7694051234",  # ten digits
        "1234567",  # a seven-digit postgiro number is not a bank account here
        "٧٦٩٤٠٥١٢٣٤٠",  # Arabic-Indic digits
        "7694O512340",  # a letter O
        "",
        None,
    ],
)
def test_anything_else_is_not_a_bank_account_number(typed):
    assert normalise_account_number(typed) is None


def test_an_organisation_number_needs_nine_digits_and_its_check_digit():
    validate_orgnr("974760673")  # Brønnøysundregistrene
    with pytest.raises(ValidationError, match="ni sifre"):
        validate_orgnr("97476067")
    with pytest.raises(ValidationError, match="kontrollsifferet"):
        validate_orgnr("974760674")


def test_the_check_digit_completes_an_organisation_number():
    assert orgnr_check_digit("97476067") == 3
    impossible = [n for n in range(10_000_000, 10_000_200) if orgnr_check_digit(str(n)) is None]
    assert impossible  # about one base in eleven has no check digit
