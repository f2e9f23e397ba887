"""Exact money and VzÄ arithmetic: integer cents, integer ten-thousandths of a VzÄ, one rounding rule.

Spec §4: money is exact (integer cents), shares and hours are exact rationals until the one
rounding step, and rounding is kaufmännisch (half up, away from zero).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

CENT = Decimal("0.01")
VZAE_SCALE = 10_000  # VzÄ are held as integer ten-thousandths ("vzae_e4")
HOURS_SCALE = 100  # weekly hours are held as integer hundredths ("…_h100")


def round_half_up(value: Fraction | Decimal | int) -> int:
    """Round an exact number to the nearest integer, halves away from zero (kaufmännisch)."""
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return int(value.to_integral_value(rounding=ROUND_HALF_UP))
    num, den = value.numerator, value.denominator
    q, r = divmod(abs(num), den)
    if 2 * r >= den:
        q += 1
    return q if num >= 0 else -q


def div_round(numerator: int, denominator: int) -> int:
    """Integer division rounded half up (away from zero): the one rounding step of spec §4."""
    if denominator == 0:
        raise ZeroDivisionError("denominator is zero")
    return round_half_up(Fraction(numerator, denominator))


def cents_from_decimal(value: Decimal) -> int:
    """Convert a Decimal euro amount to integer cents; more than two decimals are rounded half up."""
    return int((value * 100).to_integral_value(rounding=ROUND_HALF_UP))


def cents_from_number(value: float | int | Decimal | str) -> int:
    """Convert a numeric cell value to cents through its shortest decimal representation.

    A float read from a workbook (e.g. 57000.1) is converted via ``repr`` so that no binary
    rounding error reaches the cents (excel-notes: never multiply floats).
    """
    if isinstance(value, Decimal):
        return cents_from_decimal(value)
    if isinstance(value, float):
        return cents_from_decimal(Decimal(repr(value)))
    try:
        return cents_from_decimal(Decimal(str(value)))
    except InvalidOperation as exc:  # pragma: no cover - programmer error
        raise ValueError(f"not a number: {value!r}") from exc




def format_cents(cents: int) -> str:
    """Format cents as a JSON amount string with exactly two decimals ("9500.00")."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"


def format_cents_de(cents: int) -> str:
    """Format cents the German way for terminal output ("9.500,00 €")."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole:,}".replace(",", ".") + f",{frac:02d} €"




def format_vzae(vzae_e4: int) -> str:
    """Format VzÄ for JSON: up to four decimals, no trailing zeros ("2.5", "18", "0.7692")."""
    d = (Decimal(vzae_e4) / VZAE_SCALE).quantize(Decimal("0.0001"))
    text = format(d.normalize(), "f")
    return text


def format_vzae_de(vzae_e4: int) -> str:
    """Format VzÄ the German way for terminal output ("2,5")."""
    return format_vzae(vzae_e4).replace(".", ",")


