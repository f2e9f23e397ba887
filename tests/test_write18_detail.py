"""A detail table written through the prepared columns is the table written cell by cell with ``write_value``."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from xlsxwriter.worksheet import Worksheet

from kimrecon.write import xlsx
from kimrecon.write.xlsx import FIXED_TIME, Col, F, Formats, open_workbook

COLUMNS = [
    Col("Kommune"), Col("Notiz", "longtext"), Col("Betrag", "money"), Col("VzÄ", "vzae"), Col("Stunden", "hours"),
    Col("Zeile", "int"), Col("Beginn", "date"), Col("Zeitpunkt", "datetime"), Col("Formel", "money"),
    Col("Ja/Nein", "bool"), Col("Gemischt"), Col("Früh", "date"), Col("Anteil", "pct"), Col("Sonderfall", "date"),
]
LONG = "Wort " * 4_000  # 20 000 characters: over half of Excel's limit, xlsxwriter measures it itself
ROWS = [
    ("Kamen", "kurz", 950_000, 10_000, 3_950, 5, date(2023, 1, 1), datetime(2023, 12, 31, 23, 59, 59),
     F("ROUND(C{r}*2,2)", 19_000.0), True, "Text", date(2023, 5, 1), 12.5, date(2023, 5, 1)),
    ("Müller & Söhne <GmbH>", LONG, -1, 1, 1, 0, None, None, None, False, 7, date(1899, 12, 31), None,
     ["keine", "Datum"]),  # an unhashable value in a date column: written as text
    (None, None, None, None, None, None, pd.NaT, pd.NaT, F("C{r}", 0.0), None, pd.NA, None, 0.25, None),
    (" führend", "a\nb", 102_600_000, 25_000, 0, 1_048_000, pd.Timestamp("2024-02-29"),
     pd.Timestamp("2024-02-29 06:00:00"), F("ROUND(C{r}*2,2)", 2_052_000.0), True, float("nan"), None, 1.0, None),
    ("Bönen", "x" * 60, 5, 3, 2, 17, date(2023, 3, 31), datetime(2023, 3, 31), F("1+1", 2), False, "_x0041_",
     date(2023, 1, 2), None, date(2023, 5, 1)),
]


def _sheets(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _table(path: Path, constant_memory: bool, *, cell_by_cell: bool, monkeypatch: pytest.MonkeyPatch) -> dict[
        str, bytes]:
    with monkeypatch.context() as m:
        if cell_by_cell:  # the reference: xlsxwriter's own worksheet, every cell through write_value
            m.setattr(xlsx, "_fast_column", lambda *args: None)
        wb = open_workbook(path, constant_memory=constant_memory)
        if cell_by_cell:
            wb.worksheet_class = Worksheet
        fm = Formats(wb)
        wb.set_properties({"created": FIXED_TIME})  # both workbooks: the same document time
        data = [[row[j] for row in ROWS] for j in range(len(COLUMNS))]
        xlsx.write_detail(wb, fm, "Tabelle", "Titel", COLUMNS, data, len(ROWS), table=not constant_memory,
                          totals=(2,), footer="Lauf-ID test")
        wb.close()
    return _sheets(path)


@pytest.mark.parametrize("constant_memory", [False, True])
def test_prepared_columns_write_the_cells_write_value_writes(tmp_path: Path, constant_memory: bool,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    ours = _table(tmp_path / "ours.xlsx", constant_memory, cell_by_cell=False, monkeypatch=monkeypatch)
    theirs = _table(tmp_path / "theirs.xlsx", constant_memory, cell_by_cell=True, monkeypatch=monkeypatch)
    assert ours.keys() == theirs.keys()
    for name in ours:
        assert ours[name] == theirs[name], name
    sheet = ours["xl/worksheets/sheet1.xml"].decode("utf-8")
    # 950 000 cents are 9 500 €; 1.1.2023 is Excel day 44 927; row 5 (1-based) is the first data row
    assert '<c r="C5" s=' in sheet and "<v>9500</v>" in sheet and "<v>44927</v>" in sheet
    assert "<f>ROUND(C5*2,2)</f>" in sheet


@pytest.mark.parametrize("sample, longest", [
    (["ab", None, "", "abcd"], 4),
    ([None, None], 0),
    ([], 0),
    ([5, -1234, None, 99], 5),  # "-1234"
    ([7, 123], 3),
    ([True, 5], 4),  # "True": a bool is not counted as a number
    (["ab", 12345], 5),
    ([F("A1", 1.5), None, F("B1", None)], 3),  # a formula by its cached value, none without one
    ([date(2023, 1, 1)], 10),
])
def test_longest_shown_text(sample: list[object], longest: int) -> None:
    assert xlsx._longest(sample) == longest


@pytest.mark.parametrize("series", [
    pd.Series(pd.to_datetime(["2023-01-01", None, "2023-01-01", "2024-02-29 06:30:00"], format="mixed")
              ).astype("datetime64[s]"),
    pd.Series(pd.to_datetime(["2023-01-01 00:00:00.000000001", None])),  # nanoseconds kept
    pd.Series(pd.to_datetime(["2023-03-26 01:30", "2023-03-26 03:30"])).dt.tz_localize("Europe/Berlin"),
    pd.Series(pd.to_datetime([None, None])),
    pd.Series(pd.to_datetime([])),
])
def test_date_columns_become_the_timestamps_of_the_frame(series: pd.Series) -> None:
    frame = pd.DataFrame({"d": series})
    expected = [None if pd.isna(v) else v for v in series.astype(object).tolist()]
    got = xlsx.frame_column(frame, "d")
    assert got == expected
    assert [type(v) for v in got] == [type(v) for v in expected]
    assert [getattr(v, "tzinfo", None) for v in got] == [getattr(v, "tzinfo", None) for v in expected]
