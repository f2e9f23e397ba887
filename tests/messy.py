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


def write_two_line_header(path: Path, *, hidden: Sequence[str] = (), merge_group: bool = True) -> Path:
    """Besetzung with a title, a merged "Unterbrechung" group over "von/bis/Grund", a hidden column."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Besetzung 2023"
    ws["A1"] = "Stadt Kamen – Stellenbesetzung KIM 2023"
    ws["A2"] = "Stand: 31.12.2023"
    top = ["Kommune", "Stellen-ID", "Personal-ID", "Beschäftigung", None, "Wochen-\nstunden", "Unterbrechung",
           None, None, "Entgelt-\nanspruch", "Bemerkung", "VzÄ"]
    low = [None, None, None, "Beginn", "Ende", None, "von", "bis", "Grund", None, None, None]
    for j, v in enumerate(top, start=1):
        if v is not None:
            ws.cell(4, j, v)
    for j, v in enumerate(low, start=1):
        if v is not None:
            ws.cell(5, j, v)
    if merge_group:
        ws.merge_cells("D4:E4")
        ws.merge_cells("G4:I4")
        for col in ("A", "B", "C", "F", "J", "K", "L"):
            ws.merge_cells(f"{col}4:{col}5")
    rows = [
        ["Stadt Kamen", "KA-1", "KA-P02", d("01.03.2023"), None, "39,0", d("01.06.2023"), "31.08.2023", "Elternzeit",
         "nein", "neu besetzt", 0.3],
        ["Stadt Kamen", "KA-2", "KA-P03", "01.01.2023", "30.06.2023", 19.5, None, None, None, None, None, None],
    ]
    for i, row in enumerate(rows, start=6):
        for j, v in enumerate(row, start=1):
            if v is not None:
                ws.cell(i, j, v)
    ws.cell(9, 1, "¹ Angaben ohne Gewähr")
    for col in hidden:
        ws.column_dimensions[col].hidden = True
    wb.save(path)
    return path


def write_csv(path: Path, header: Row, rows: Sequence[Row], *, encoding: str = "utf-8-sig", sep: str = ";",
              preamble: Sequence[str] = ("Kreis Unna – Export Finanzverfahren",)) -> Path:
    """A finance-system CSV export: preamble lines, ;-separated, German decimals, BOM or cp1252."""
    lines = [*preamble, ""]
    lines.append(sep.join(str(h) for h in header))
    for row in rows:
        lines.append(sep.join("" if v is None else str(v) for v in row))
    path.write_bytes("\r\n".join(lines).encode(encoding))
    return path


def write_xls(path: Path, header: Row, rows: Sequence[Row], *, title: str = "Kreis Unna – Zuweisung") -> Path:
    """An old .xls workbook (xlwt), dates with a date format."""
    import xlwt

    wb = xlwt.Workbook()
    ws = wb.add_sheet("Zuweisung")
    datef = xlwt.easyxf(num_format_str="DD.MM.YYYY")
    ws.write(0, 0, title)
    for j, h in enumerate(header):
        ws.write(2, j, h)
    for i, row in enumerate(rows, start=3):
        for j, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, dt.date):
                ws.write(i, j, dt.datetime(v.year, v.month, v.day), datef)
            else:
                ws.write(i, j, v)
    wb.save(str(path))
    return path


def write_ods(path: Path, header: Row, rows: Sequence[Row], *, sheet: str = "Zahlungen") -> Path:
    """An OpenDocument spreadsheet (LibreOffice) with a title row above the header."""
    import pandas as pd

    body = [["Stadt Bergkamen – Zahlungen"], [], list(header), *[list(r) for r in rows]]
    width = max(len(r) for r in body)
    frame = pd.DataFrame([r + [None] * (width - len(r)) for r in body])
    frame.to_excel(path, engine="odf", sheet_name=sheet, header=False, index=False)
    return path


def german_amount(cents: int, *, thousands: bool = True, euro: bool = True) -> str:
    """57.000,00 € (text as typed by hand)."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    body = f"{whole:,}".replace(",", ".") if thousands else str(whole)
    return f"{sign}{body},{frac:02d}" + (" €" if euro else "")


def german_e4(e4: int) -> str:
    """0,5 / 1,25 / 2 (a VzÄ value as German text)."""
    whole, frac = divmod(e4, 10_000)
    text = f"{frac:04d}".rstrip("0")
    return f"{whole},{text}" if text else str(whole)


def excel_serial(day: dt.date) -> int:
    """The Excel serial number of a date (1900 system)."""
    return (day - dt.date(1899, 12, 30)).days
