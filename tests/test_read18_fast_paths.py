"""The reader's faster data paths (issue 18) give the values a hand computes, on the cases they were built for.

Several workbooks of one kind are parsed together (one parser call per kind and column) and joined
without a Series per sheet; these tests read such folders and check the numbers cell by cell.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from kimrecon.inputs import Kind
from kimrecon.read import read_case
from kimrecon.read.files import grid
from kimrecon.read.values import parse_date, parse_text
from tests.messy import write_sheet

ZUWEISUNG = ["Jahr", "Empfänger", "über", "VzÄ", "Betrag"]
ZAHLUNGEN = ["Datum", "Zahler", "Empfänger", "Betrag", "Art"]


def test_grid_makes_blank_cells_none_and_pads_short_rows() -> None:
    frame = grid([["", 1.0, None], [float("nan"), " x ", dt.date(2023, 1, 2)], [0]])
    assert frame.to_numpy().tolist() == [[None, 1.0, None], [None, " x ", dt.date(2023, 1, 2)], [0, None, None]]
    assert list(frame.columns) == [0, 1, 2]
    assert frame.dtypes.tolist() == [np.dtype(object)] * 3


def test_grid_of_a_rectangle_keeps_zero_false_and_text() -> None:
    frame = grid([[0, False, "0"], ["", 0.0, dt.datetime(2023, 5, 1, 12, 30)]])
    assert frame.to_numpy().tolist() == [[0, False, "0"], [None, 0.0, dt.datetime(2023, 5, 1, 12, 30)]]
    assert [type(v) for v in frame[1]] == [bool, float]


def test_date_cells_before_and_after_1970() -> None:
    out, bad = parse_date(pd.Series([dt.date(1899, 12, 31), dt.date(2023, 2, 15), None, dt.date(9999, 12, 31)],
                                    dtype=object))
    assert out.tolist()[:2] == [pd.Timestamp("1899-12-31"), pd.Timestamp("2023-02-15")]
    assert pd.isna(out.iloc[2])
    assert out.iloc[3] == pd.Timestamp("9999-12-31")
    assert str(out.dtype) == "datetime64[s]"
    assert not bad.any()


def test_a_column_of_texts_folds_white_space_and_drops_blank_words() -> None:
    out, bad = parse_text(pd.Series(["  Stadt   Unna  ", "k. A.", " " * 20, None, "Stadt Unna", "-"], dtype=object))
    assert out.tolist() == ["Stadt Unna", pd.NA, pd.NA, pd.NA, "Stadt Unna", pd.NA]
    assert out.dtype == object
    assert not bad.any()


def _zuweisung(folder: Path, name: str, rows: list[list[object]], total: list[object] | None = None) -> None:
    write_sheet(folder / name, ZUWEISUNG, rows, total=total, sheet="Zuweisung")


def test_sheets_of_one_kind_parsed_together_keep_their_own_rows(tmp_path: Path) -> None:
    _zuweisung(tmp_path, "a.xlsx", [[2023, "Stadt Kamen", "Kreis Unna", 1, 57000],
                                    [2023, "Gemeinde Bönen", "Kreis Unna", 0.5, "28.500,00 €"]])
    _zuweisung(tmp_path, "b.xlsx", [[2023, "Stadt Unna", None, 2, 114000]])
    _zuweisung(tmp_path, "c.xlsx", [[2023, "Stadt Lünen", "Kreis Unna", "4", "228.000"]])
    case = read_case([tmp_path])
    z = case.frames[Kind.ZUWEISUNG]
    # rows start below title, Stand line, one blank row and the header: Excel row 5
    assert z["_zeile"].tolist() == [5, 6, 5, 5]
    assert z["_sheet"].tolist() == [0, 0, 1, 2]
    assert z["empfaenger"].tolist() == ["Stadt Kamen", "Gemeinde Bönen", "Stadt Unna", "Stadt Lünen"]
    assert z["ueber"].isna().tolist() == [False, False, True, False]
    # 57 000 € = 5 700 000 cent; "28.500,00 €" = 2 850 000; 114 000 € = 11 400 000; "228.000" = 22 800 000
    assert z["betrag_cent"].tolist() == [5_700_000, 2_850_000, 11_400_000, 22_800_000]
    # VzÄ in ten-thousandths: 1 → 10 000, 0.5 → 5 000, 2 → 20 000, "4" → 40 000
    assert z["vzae_e4"].tolist() == [10_000, 5_000, 20_000, 40_000]
    assert str(z["betrag_cent"].dtype) == "Int64"


def test_totals_and_negative_amounts_in_sheets_parsed_together(tmp_path: Path) -> None:
    _zuweisung(tmp_path, "a.xlsx", [[2023, "Stadt Kamen", None, 1, 57000], [2023, "Stadt Unna", None, 1, None],
                                    [2023, "Gemeinde Bönen", None, 0.5, 28500]],
               total=["Summe", None, None, 2.5, 85500])  # 57 000 + 28 500 = 85 500: the blank amount adds nothing
    _zuweisung(tmp_path, "b.xlsx", [[2023, "Stadt Lünen", None, 1, 57000], [2023, "Stadt Selm", None, 1, -100]],
               total=["Summe", None, None, 2, 57000])  # 57 000 − 100 = 56 900, not 57 000
    case = read_case([tmp_path])
    found = [(f.code.value, f.source.datei, f.source.zelle) for f in case.findings if f.source and f.source.zelle]
    assert ("summe_abweichung", "b.xlsx", "E7") in found
    assert ("wert_negativ", "b.xlsx", "E6") in found
    assert not any(code == "summe_abweichung" and datei == "a.xlsx" for code, datei, _ in found)
    z = case.frames[Kind.ZUWEISUNG]
    assert z["betrag_cent"].tolist() == [5_700_000, pd.NA, 2_850_000, 5_700_000, -10_000]


def test_repayment_in_one_of_several_payment_lists(tmp_path: Path) -> None:
    write_sheet(tmp_path / "z1.xlsx", ZAHLUNGEN,
                [[dt.date(2023, 3, 1), "Kreis Unna", "Stadt Kamen", 14250, "Abschlag"]], sheet="Zahlungen")
    write_sheet(tmp_path / "z2.xlsx", ZAHLUNGEN, [[dt.date(2023, 4, 1), "Kreis Unna", "Stadt Unna", -500, None],
                                                   [dt.date(2023, 5, 2), "Kreis Unna", "Stadt Unna", 14250, None]],
                sheet="Zahlungen")
    case = read_case([tmp_path])
    zahl = case.frames[Kind.ZAHLUNGEN]
    # −500 € from Kreis Unna to Stadt Unna is a repayment of 500 € = 50 000 cent from Stadt Unna to Kreis Unna
    assert zahl["betrag_cent"].tolist() == [1_425_000, 50_000, 1_425_000]
    assert zahl["zahler"].tolist() == ["Kreis Unna", "Stadt Unna", "Kreis Unna"]
    assert zahl["empfaenger"].tolist() == ["Stadt Kamen", "Kreis Unna", "Stadt Unna"]
    assert zahl["art"].tolist()[1] == "Rückzahlung"
    assert zahl["datum"].tolist() == [pd.Timestamp(d) for d in ("2023-03-01", "2023-04-01", "2023-05-02")]
    turned = [f for f in case.findings if f.code.value == "betrag_umgekehrt"]
    assert [(f.source.datei, f.source.zelle) for f in turned if f.source] == [("z2.xlsx", "D5")]
