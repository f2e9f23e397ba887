"""Show canonical values the way users wrote them (German numbers and dates) in findings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd

_SCALES = {"cent": 100, "e4": 10_000, "h100": 100}


def german_number(value: Decimal, places: int | None = None) -> str:
    """Format a Decimal German style: 1.234,5 (``places`` fixes the decimals)."""
    text = f"{value:,.{places}f}" if places is not None else f"{value.normalize():,f}"
    if "." in text and places is None:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def format_value(typ: str, value: object, column: str = "") -> str:
    """Format a canonical frame value for a message ("57.000,00", "0,38", "15.02.2023")."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[arg-type]
        return ""
    if typ in _SCALES and not isinstance(value, str):
        d = Decimal(int(value)) / _SCALES[typ]  # type: ignore[call-overload]
        return german_number(d, 2 if typ == "cent" else None)
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return value.strftime("%d.%m.%Y")
    return str(value)


def format_cents(cents: int) -> str:
    """57.000,00 €."""
    return german_number(Decimal(cents) / 100, 2) + " €"


def format_e4(e4: int) -> str:
    """0,5 (VzÄ)."""
    return german_number(Decimal(e4) / 10_000)
