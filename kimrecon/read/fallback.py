"""Second readers for workbooks the fast reader (calamine) cannot parse: openpyxl, an ODF stream reader, xlrd.

Each reader returns every worksheet as rows of plain Python values in the types calamine's
``to_python`` gives (float, str, bool, date, datetime, time, timedelta; None for a blank), with
row 0 = Excel row 1 and column 0 = column A, so the rest of the reader cannot tell which reader
read a file.

This module imports only the standard library at module level (the readers are imported when a
file needs them): the probe process loads it from its file path without importing kimrecon.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["SheetRows", "read_rows"]


@dataclass
class SheetRows:
    """One worksheet as rows of values (rows may be shorter than the widest row)."""

    name: str
    hidden: bool
    rows: list[list[object]]


def read_rows(path: str | Path, only: str | None = None) -> list[SheetRows]:
    """Every worksheet of the workbook at ``path`` (or only the sheet named ``only``), read by its second reader.

    Raises whatever the reader raises when it cannot read the file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    with path.open("rb") as fh:
        head = fh.read(8)
    if suffix == ".ods":
        return _ods(path, only)
    if suffix == ".xls" or not head.startswith(b"PK"):
        return _xls(path, only)
    return _xlsx(path, only)


def _put(rows: list[list[object]], r: int, c: int, value: object) -> None:
    """Set the cell at 0-based row ``r`` and column ``c``, growing the rows as needed."""
    while len(rows) <= r:
        rows.append([])
    row = rows[r]
    if len(row) <= c:
        row.extend([None] * (c + 1 - len(row)))
    row[c] = value


def _day(value: dt.datetime) -> dt.date | dt.datetime:
    """A date-time at midnight as a date (as calamine returns a cell with a date format)."""
    return value.date() if value.time() == dt.time(0) else value


# --- .xlsx: openpyxl's sheet parser, rows only -----------------------------------------------------


def _xlsx(path: Path, only: str | None) -> list[SheetRows]:
    """Read with openpyxl (read-only): cells only, so merges like ``A:A`` or a ``<dimension ref="1:4">`` do no harm."""
    import openpyxl
    from openpyxl.worksheet._reader import ROW_TAG, WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    out = []
    try:
        for ws in wb.worksheets:
            if only is not None and ws.title != only:
                continue
            rows: list[list[object]] = []
            with ws._get_source() as src:  # type: ignore[union-attr]
                parser = WorkSheetParser(
                    src,
                    ws._shared_strings,  # type: ignore[union-attr]
                    data_only=True,
                    epoch=wb.epoch,
                    date_formats=wb._date_formats,
                    timedelta_formats=wb._timedelta_formats,
                )
                data = None
                for event, element in iterparse(src, events=("start", "end")):
                    if event == "start":
                        if element.tag == f"{{{SHEET_MAIN_NS}}}sheetData":
                            data = element
                        continue
                    if element.tag != ROW_TAG:
                        continue
                    r, cells = parser.parse_row(element)
                    if data is not None:  # drop the parsed row: memory stays flat however long the sheet
                        data.remove(element)
                    for cell in cells:
                        value = _xlsx_value(cell["value"], cell["data_type"])
                        if value is not None:
                            _put(rows, r - 1, cell["column"] - 1, value)
            out.append(SheetRows(ws.title, ws.sheet_state != "visible", rows))
    finally:
        wb.close()
    return out


def _xlsx_value(value: Any, data_type: str) -> object:
    if value is None or data_type == "e":  # error cells: the reader takes them from the XML
        return None
    if isinstance(value, bool) or isinstance(value, (str, float, dt.time, dt.timedelta)):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dt.datetime):
        return _day(value)
    return value


# --- .ods: a streaming reader of content.xml -------------------------------------------------------

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_CELLS = (_TABLE + "table-cell", _TABLE + "covered-table-cell")
_PARAS = (_TEXT + "p", _TEXT + "h")
_SKIP = (_OFFICE + "annotation", _TEXT + "note", _TEXT + "bookmark-start", _TEXT + "bookmark-end")
_SPACE = re.compile(r"[ \t\r\n]+")
_KEEP = {" ": "\ue000", "\t": "\ue001", "\n": "\ue002"}  # spaces given as elements survive the collapse
_DURATION = re.compile(r"^-?P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$")


def _ods(path: Path, only: str | None) -> list[SheetRows]:
    """Read content.xml element by element; whitespace between elements (pretty printing) is ignored."""
    from defusedxml.ElementTree import iterparse

    out: list[SheetRows] = []
    hidden_styles: set[str] = set()
    with zipfile.ZipFile(path) as zf, zf.open("content.xml") as fh:
        depth = 0  # tables inside tables (sub-tables in a cell) are part of their cell, not sheets
        sheet: SheetRows | None = None
        style = ""
        row: list[object] = []
        row_repeat = blanks = blank_rows = 0
        open_elements: list[Any] = []  # from the root down: a parsed row or cell is removed from its parent
        for event, el in iterparse(fh, events=("start", "end"), forbid_dtd=True):
            if event == "start":
                open_elements.append(el)
            else:
                open_elements.pop()
            tag = el.tag
            if tag == _TABLE + "table":
                if event == "start":
                    depth += 1
                    if depth == 1:
                        sheet, blank_rows = SheetRows(el.get(_TABLE + "name", ""), False, []), 0
                        style = el.get(_TABLE + "style-name", "")
                    continue
                depth -= 1
                if depth == 0 and sheet is not None:
                    sheet.hidden = style in hidden_styles
                    if only is None or sheet.name == only:
                        out.append(sheet)
                    sheet = None
                    el.clear()
                continue
            if depth != 1 or sheet is None:
                if event == "end" and tag == _STYLE + "style" and el.get(_STYLE + "family") == "table":
                    props = el.find(_STYLE + "table-properties")
                    if props is not None and props.get(_TABLE + "display") == "false":
                        hidden_styles.add(el.get(_STYLE + "name", ""))
                continue
            if tag == _TABLE + "table-row":
                if event == "start":
                    row, blanks = [], 0
                    row_repeat = int(el.get(_TABLE + "number-rows-repeated", "1"))
                    continue
                if row:
                    sheet.rows.extend([] for _ in range(blank_rows))
                    sheet.rows.extend(row for _ in range(row_repeat))
                    blank_rows = 0
                else:
                    blank_rows += row_repeat
                open_elements[-1].remove(el)
            elif tag in _CELLS and event == "end":
                value = _ods_value(el)
                repeat = int(el.get(_TABLE + "number-columns-repeated", "1"))
                if value is None:  # blanks become cells only when a value follows in the row
                    blanks += repeat
                else:
                    row.extend([None] * blanks)
                    row.extend([value] * repeat)
                    blanks = 0
                open_elements[-1].remove(el)
    return out


def _ods_value(cell: Any) -> object:
    """The value of one ODF cell as calamine gives it; None for a cell without a value type."""
    kind = cell.get(_OFFICE + "value-type")
    if kind is None:
        return None
    if kind in ("float", "percentage", "currency"):
        return float(cell.get(_OFFICE + "value", "nan"))
    if kind == "boolean":
        return cell.get(_OFFICE + "boolean-value", "").strip().lower() in ("true", "1")
    if kind == "date":
        text = cell.get(_OFFICE + "date-value", "")
        if "T" in text:
            return dt.datetime.fromisoformat(text.split(".")[0])
        return dt.date.fromisoformat(text)
    if kind == "time":
        return _duration(cell.get(_OFFICE + "time-value", ""))
    stored = cell.get(_OFFICE + "string-value")
    if stored is not None:
        return stored
    return "\n".join(_paragraph(p) for p in cell if p.tag in _PARAS)


def _duration(text: str) -> dt.time | dt.timedelta:
    m = _DURATION.match(text.strip())
    if not m:
        raise ValueError(f"time-value {text!r}")
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in m.groups())
    span = dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if text.strip().startswith("-") or span >= dt.timedelta(days=1):
        return -span if text.strip().startswith("-") else span
    return (dt.datetime.min + span).time()


def _paragraph(p: Any) -> str:
    """The text of ``<text:p>``: white space collapsed as ODF says; ``<text:s>``, tabs and breaks kept."""
    parts: list[str] = []

    def walk(el: Any) -> None:
        if el.text:
            parts.append(el.text)
        for child in el:
            tag = child.tag
            if tag == _TEXT + "s":
                parts.append(_KEEP[" "] * int(child.get(_TEXT + "c", "1")))
            elif tag == _TEXT + "tab":
                parts.append(_KEEP["\t"])
            elif tag == _TEXT + "line-break":
                parts.append(_KEEP["\n"])
            elif tag not in _SKIP:
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(p)
    text = _SPACE.sub(" ", "".join(parts)).strip(" ")
    for plain, kept in _KEEP.items():
        text = text.replace(kept, plain)
    return text


# --- .xls: xlrd (BIFF2 to BIFF8) ----------------------------------------------------------------------


def _xls(path: Path, only: str | None) -> list[SheetRows]:
    """Read with xlrd, which also reads Excel 2.x–4.0 files and says when a workbook is encrypted."""
    import xlrd

    book = xlrd.open_workbook(
        str(path), on_demand=True, formatting_info=False, logfile=io.StringIO(), ignore_workbook_corruption=True
    )
    out = []
    try:
        for index, stored in enumerate(book.sheet_names()):
            name = path.stem if book.biff_version <= 40 else stored  # an Excel 2.x–4.0 file has no sheet name
            if only is not None and name != only:
                continue
            sh = book.sheet_by_index(index)
            rows: list[list[object]] = []
            for r in range(sh.nrows):
                cells = zip(sh.row_types(r), sh.row_values(r), strict=True)
                values = [_xls_value(t, v, book.datemode) for t, v in cells]
                while values and values[-1] is None:
                    values.pop()
                rows.append(values)
            while rows and not rows[-1]:
                rows.pop()
            out.append(SheetRows(name, bool(sh.visibility), rows))
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return out


def _xls_value(kind: int, value: Any, datemode: int) -> object:
    import xlrd

    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return None
    if kind == xlrd.XL_CELL_NUMBER:
        return float(value)
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if kind == xlrd.XL_CELL_DATE:
        try:
            stamp = xlrd.xldate.xldate_as_datetime(value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return float(value)
        return stamp.time() if 0 <= value < 1 else _day(stamp)
    return value
