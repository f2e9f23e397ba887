from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kimrecon.money import (
    cents_from_number,
    div_round,
    format_cents,
    format_cents_de,
    format_vzae,
    round_half_up,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Fraction(5, 2), 3), (Fraction(-5, 2), -3), (Fraction(7, 3), 2), (Decimal("0.5"), 1), (Decimal("-0.5"), -1)],
)
def test_round_half_up_away_from_zero(value, expected):
    assert round_half_up(value) == expected


def test_worked_check_30_of_39_hours():
    # spec §4: 57.000 × 30/39 = 43.846,15 €
    assert div_round(5_700_000 * 30, 39) == 4_384_615


def test_float_cells_convert_through_shortest_repr():
    assert cents_from_number(57000.1) == 5_700_010
    assert cents_from_number(0.1 + 0.2) == 30  # 0.30000000000000004 → 30 cents
    assert cents_from_number("1026000") == 102_600_000


def test_formats():
    assert format_cents(950_000) == "9500.00"
    assert format_cents(-5) == "-0.05"
    assert format_cents_de(102_600_000) == "1.026.000,00 €"
    assert format_vzae(25_000) == "2.5"
    assert format_vzae(180_000) == "18"
    assert format_vzae(7_692) == "0.7692"


@given(st.integers(min_value=-10**12, max_value=10**12), st.integers(min_value=1, max_value=10**6))
def test_div_round_matches_decimal(num, den):
    expected = int((Decimal(num) / Decimal(den)).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    assert div_round(num, den) == expected
