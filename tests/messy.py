"""Writers of messy input workbooks for the read/validate tests (title blocks, German text, totals …)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl

Row = Sequence[Any]


def write_sheet(
    path: Path,
    header: Row,
    rows: Sequence[Row],
    *,
    title: str | None = "Kreis Unna – Zuweisung KIM 2023",
    stand: str | None = "Stand: 01.12.2023",
    sheet: str = "Tabelle1",
    blank_rows_above: int = 1,
    total: Row | None = None,
    footnotes: Sequence[str] = (),
    start_col: int = 1,
) -> Path:
    """Write one sheet the way people make them by hand: title, "Stand:" line, header, data."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    r = 1
    if title:
        ws.cell(r, start_col, title)
        r += 1
    if stand:
        ws.cell(r, start_col, stand)
        r += 1
    r += blank_rows_above
    for j, h in enumerate(header):
        ws.cell(r, start_col + j, h)
    r += 1
    for row in rows:
        for j, v in enumerate(row):
            if v is not None:
                ws.cell(r, start_col + j, v)
        r += 1
    if total is not None:
        for j, v in enumerate(total):
            if v is not None:
                ws.cell(r, start_col + j, v)
        r += 1
    if footnotes:
        r += 1
        for note in footnotes:
            ws.cell(r, start_col, note)
            r += 1
    wb.save(path)
    return path


def d(text: str) -> dt.date:
    """A date from "15.02.2023"."""
    day, month, year = (int(x) for x in text.split("."))
    return dt.date(year, month, day)
