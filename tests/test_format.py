from decimal import Decimal

import pytest

from portal.templatetags.portal_tags import kr

NB = "\u00a0"


@pytest.mark.parametrize(
    "value, text",
    [
        (Decimal("5000000.00"), f"kr{NB}5{NB}000{NB}000"),
        (Decimal("1250000"), f"kr{NB}1{NB}250{NB}000"),
        (Decimal("999.5"), f"kr{NB}999,50"),
        (Decimal("0"), f"kr{NB}0"),
        (Decimal("-1200"), f"kr{NB}−1{NB}200"),
        (Decimal("1234.565"), f"kr{NB}1{NB}234,57"),  # half up, not to even
        (Decimal("-0.5"), f"kr{NB}−0,50"),
        ("1250.5", f"kr{NB}1{NB}250,50"),
        (7, f"kr{NB}7"),
        (None, ""),
        ("", ""),
    ],
)
def test_amounts_are_written_the_norwegian_way(value, text):
    assert kr(value) == text
