"""Digits outside 0–9 are not numbers: "١٢٣" must never be read silently as 123 (issue 8)."""

import pandas as pd
import pytest

from kimrecon.read.values import date_from_text, decimal_from_text, parse_scaled


@pytest.mark.parametrize("text", ["١٢٣", "１２", "5٧.000,00 €", "۱,5"])
def test_foreign_digits_are_not_numbers(text):
    assert decimal_from_text(text) is None


def test_foreign_digits_are_not_dates():
    assert date_from_text("١٥.02.2023") is None
    assert date_from_text("15.02.2023") is not None


def test_ascii_numbers_with_euro_sign_still_parse():
    assert str(decimal_from_text("57.000,00 €")) == "57000.00"


def test_bulk_parser_rejects_foreign_digits():
    parsed = parse_scaled(pd.Series(["١٢٣", "57.000,00 €"], dtype=object), 100)
    values = list(parsed[0])
    assert pd.isna(values[0])
    assert values[1] == 5_700_000
