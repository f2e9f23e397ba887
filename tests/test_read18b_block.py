"""A sheet read whole is read below its header from its object array, without a frame (issue 18).

Totals, subtotals, footnotes and a value merged down data rows (which still goes through the frame)
must come out as a hand computes them.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl

from kimrecon.inputs import Kind
from kimrecon.read import read_case
from kimrecon.read.files import RawSheet, grid
from tests.messy import write_sheet

ZUWEISUNG = ["Jahr", "Empfänger", "über", "VzÄ", "Betrag"]


def test_the_array_of_a_sheet_follows_its_cells() -> None:
    raw = RawSheet(name="Zuweisung", cells=grid([["Stadt Kamen", 1.0, ""]]))
    assert raw.array().tolist() == [["Stadt Kamen", 1.0, None]]  # type: ignore[union-attr]
    raw.cells = grid([[None, "Stadt Unna"]])  # read again by the second reader: the new cells count
    assert raw.array().tolist() == [[None, "Stadt Unna"]]  # type: ignore[union-attr]
    assert RawSheet(name="groß").array() is None  # not read whole: no array


def test_subtotal_total_and_footnote_below_the_header(tmp_path: Path) -> None:
    write_sheet(tmp_path / "zuweisung.xlsx", ZUWEISUNG,
                [[2023, "Stadt Kamen", None, 1, 57000],
                 [2023, "Gemeinde Bönen", None, 0.5, 28500],
                 ["Zwischensumme Mitte", None, None, 1.5, 85500],  # 57 000 + 28 500 = 85 500: right
                 [2023, "Stadt Unna", None, 2, 114000]],
                total=["Summe", None, None, 3.5, 199000],  # 57 000 + 28 500 + 114 000 = 199 500, not 199 000
                footnotes=["Hinweis: vorläufige Zahlen"], sheet="Zuweisung")
    case = read_case([tmp_path])
    z = case.frames[Kind.ZUWEISUNG]
    # title, Stand line, one blank row, header in row 4: data in rows 5, 6 and 8 (row 7 is the subtotal)
    assert z["_zeile"].tolist() == [5, 6, 8]
    assert z["empfaenger"].tolist() == ["Stadt Kamen", "Gemeinde Bönen", "Stadt Unna"]
    # 57 000 € = 5 700 000 cent, 28 500 € = 2 850 000 cent, 114 000 € = 11 400 000 cent
    assert z["betrag_cent"].tolist() == [5_700_000, 2_850_000, 11_400_000]
    totals = [(f.source.datei, f.source.zelle) for f in case.findings
              if f.code.value == "summe_abweichung" and f.source]
    assert totals == [("zuweisung.xlsx", "E9")]  # the Summe row (row 9), not the right subtotal in row 7


def test_a_town_merged_down_its_rows_holds_for_each(tmp_path: Path) -> None:
    path = write_sheet(tmp_path / "zuweisung.xlsx", ZUWEISUNG,
                       [[2023, "Stadt Kamen", None, 1, 57000], [2023, None, None, 0.5, 28500],
                        [2023, "Stadt Unna", None, 2, 114000]], sheet="Zuweisung")
    wb = openpyxl.load_workbook(path)
    wb["Zuweisung"].merge_cells("B5:B6")  # "Stadt Kamen" over rows 5 and 6
    wb.save(path)
    case = read_case([tmp_path])
    z = case.frames[Kind.ZUWEISUNG]
    assert z["_zeile"].tolist() == [5, 6, 7]
    assert z["empfaenger"].tolist() == ["Stadt Kamen", "Stadt Kamen", "Stadt Unna"]
    # 1 VzÄ = 10 000, 0,5 VzÄ = 5 000, 2 VzÄ = 20 000 ten-thousandths
    assert z["vzae_e4"].tolist() == [10_000, 5_000, 20_000]
