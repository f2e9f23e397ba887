"""Shared xlsxwriter helpers: formats, inert text, formulas with cached values, tables, splitting, properties."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell, xl_rowcol_to_cell_fast
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import (
    CellDatetimeTuple,
    CellFormulaTuple,
    CellNumberTuple,
    CellStringTuple,
    Worksheet,
    re_dynamic_function,
)

from kimrecon.inputs import InputFile

# Excel limits (read at call time, so tests can lower them to exercise splitting)
EXCEL_MAX_ROWS = 1_048_576
MAX_CELL_TEXT = 32_767
SHEET_NAME_MAX = 31

# Number formats are stored in US syntax; a German Excel/LibreOffice shows "1.234,56 €" (excel-notes)
MONEY_FMT = '#,##0.00 "€"'
DATE_FMT = "DD.MM.YYYY"
DATETIME_FMT = "DD.MM.YYYY hh:mm:ss"
VZAE_FMT = "#,##0.0###"
HOURS_FMT = "#,##0.00"
PERCENT_POINTS_FMT = '0.00 "%"'
INT_FMT = "0"
THOUSANDS_FMT = "#,##0"

STATUS_DE: dict[str, str] = {"ok": "in Ordnung", "abweichungen": "Abweichungen", "fehler": "Fehler"}

# A fixed creation time for workbooks that have no run time (keeps them byte-identical)
FIXED_TIME = datetime(2000, 1, 1, 0, 0, 0)


def euro(cents: int) -> float:
    """Excel number of an amount in cents (the rendering boundary: Excel stores doubles).

    ``cents / 100`` is the correctly rounded double of the exact decimal amount, the same double
    Excel gets when it parses "9500.00".
    """
    return int(cents) / 100


def vzae(vzae_e4: int) -> float:
    """Excel number of a VzÄ value held in ten-thousandths."""
    return int(vzae_e4) / 10_000


def hours(h100: int) -> float:
    """Excel number of hours held in hundredths."""
    return int(h100) / 100


@dataclass(frozen=True, slots=True)
class F:
    """A formula (English syntax, without the leading ``=``) with the value kimrecon computed."""

    formula: str
    value: Any


class Derived:
    """Derived figures: a live formula with the Result's value cached, or that value with the reason it stands alone.

    The one helper every workbook writes a derived figure with. ``check`` is what the formula
    computes from the cells it refers to (None: no formula could be built, ``reason`` says why).
    The cached value is always the Result's figure; when the formula would give another number the
    figure is written as a plain value and listed in ``unmatched`` (the workbook shows the list).
    """

    def __init__(self) -> None:
        """Start with nothing recorded."""
        self.unmatched: list[tuple[str, str, str]] = []  # (sheet, what, why)

    def __call__(self, sheet: str, what: str, formula: str | None, value: int, *, check: int | None = None,
                 kind: str = "money", reason: str = "") -> object:
        """The formula with ``value`` cached when it reproduces ``value``, else ``value`` (recorded)."""
        if formula is not None and check == value:
            return F(formula, shown(value, kind))
        if formula is None:
            why = reason or "keine Formel möglich"
        elif kind == "money":
            why = f"Formel ergäbe {_de_money(check or 0)}, kimrecon: {_de_money(value)}"
        else:
            why = f"Formel ergäbe {check}, kimrecon: {value}"
        self.unmatched.append((sheet, what, why))
        return value


def _de_money(cents: int) -> str:
    from kimrecon.money import format_cents_de

    return format_cents_de(cents)


def shown(value: int, kind: str) -> object:
    """The number a spreadsheet shows for a Result figure of this kind (cents → euros, e4 → VzÄ)."""
    if kind == "money":
        return euro(value)
    if kind == "vzae":
        return vzae(value)
    return value


@dataclass(frozen=True, slots=True)
class Col:
    """A column of a written table: German header, value kind and optional width."""

    header: str
    kind: str = "text"  # text | longtext (wrapped) | money | date | datetime | int | vzae | hours | bool | pct | …
    width: float | None = None


_BRACKET = re.compile(r"\[([^\]]+)\]")


class Columns:
    """The columns of one table, found by header: formulas name their columns, never hard-code letters."""

    def __init__(self, cols: Sequence[Col]) -> None:
        """Index ``cols`` by header (headers are unique within a table)."""
        self.cols = tuple(cols)
        self._index = {c.header: i for i, c in enumerate(self.cols)}
        self._row_formulas: dict[str, str] = {}  # template -> resolved (a table writes the same ones per row)
        if len(self._index) != len(self.cols):  # pragma: no cover - programmer error
            raise ValueError("duplicate column header")

    def __len__(self) -> int:
        """Number of columns."""
        return len(self.cols)

    def __contains__(self, header: object) -> bool:
        """True when a column has this header."""
        return header in self._index

    def index(self, header: str) -> int:
        """Zero-based index of the column with this header (KeyError: a programmer error)."""
        return self._index[header]

    def letter(self, header: str) -> str:
        """Column letter of the column with this header."""
        return col_letter(self._index[header])

    def row_formula(self, template: str) -> str:
        """``[Header]`` in ``template`` becomes that column's cell in the row ``{r}`` (resolved when written)."""
        formula = self._row_formulas.get(template)
        if formula is None:
            formula = self._row_formulas[template] = _BRACKET.sub(lambda m: f"{self.letter(m.group(1))}{{r}}",
                                                                  template)
        return formula

    def rng(self, sheet: str, header: str, first: int, last: int) -> str:
        """Absolute range of one column between two 1-based rows on ``sheet``."""
        c = self.letter(header)
        return f"{quote_sheet(sheet)}!${c}${first}:${c}${last}"


class Formats:
    """The formats every kimrecon workbook uses, created once per workbook."""

    def __init__(self, wb: Workbook) -> None:
        """Create the formats on ``wb``."""
        base = {"font_name": "Arial", "font_size": 10, "valign": "top"}

        def add(**props: Any) -> Format:
            return wb.add_format({**base, **props})

        self.text = add()
        self.wrap = add(text_wrap=True)
        self.hash = add(font_name="Courier New", font_size=8, text_wrap=True)
        self.wrap_note = add(italic=True, font_color="#595959", text_wrap=True)
        self.money = add(num_format=MONEY_FMT)
        self.date = add(num_format=DATE_FMT, align="left")
        self.datetime = add(num_format=DATETIME_FMT, align="left")
        self.vzae = add(num_format=VZAE_FMT)
        self.hours = add(num_format=HOURS_FMT)
        self.int = add(num_format=INT_FMT, align="left")
        self.number = add(num_format=THOUSANDS_FMT)
        self.pct = add(num_format=PERCENT_POINTS_FMT)
        self.decimal = add(num_format="#,##0.####")
        self.header = add(bold=True, bg_color="#D9E1F2", border=1, text_wrap=True, valign="vcenter")
        self.title = add(bold=True, font_size=14)
        self.subtitle = add(bold=True, font_size=11)
        self.label = add(bold=True)
        self.note = add(italic=True, font_color="#595959")
        self.total_label = add(bold=True, top=1)
        self.total_money = add(bold=True, top=1, num_format=MONEY_FMT)
        self.total_vzae = add(bold=True, top=1, num_format=VZAE_FMT)
        self.total_int = add(bold=True, top=1, num_format=THOUSANDS_FMT)
        self.bold_money = add(bold=True, num_format=MONEY_FMT)
        self.status_bad = add(bold=True, font_color="#C00000")
        self.input = add(locked=False, text_wrap=True, border=1, valign="top")
        self.input_line = add(locked=False, bottom=1)
        self.by_kind: dict[str, Format] = {
            "text": self.text,
            "longtext": self.wrap,
            "hash": self.hash,
            "money": self.money,
            "date": self.date,
            "datetime": self.datetime,
            "int": self.int,
            "vzae": self.vzae,
            "hours": self.hours,
            "bool": self.text,
            "pct": self.pct,
            "number": self.number,
            "decimal": self.decimal,
        }


_LETTERS: dict[int, str] = {}  # column letters of the rows' cells
# What xlsxwriter rewrites in an inline string: control characters, text that looks like its own
# ``_xHHHH_`` escape, and the two non-characters (``XMLwriter._escape_control_characters``)
_NEEDS_ESCAPE = re.compile("_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f\ufffe\uffff]")


class _Worksheet(Worksheet):
    """xlsxwriter's worksheet, with shortcuts that write exactly xlsxwriter's bytes.

    Formulas: xlsxwriter prepares each formula by rewriting the names of newer Excel functions
    (``_xlfn.``), one ``re.sub`` per name: ≈ 40 µs per formula, a quarter of a Kreis Abgleich's write
    time. A formula that names none of them (``re_dynamic_function``, xlsxwriter's own list, and its
    ``SINGLE`` pattern) is only stripped of its braces and "=", exactly as xlsxwriter strips it; every
    other formula, and every call that expands the future functions, goes through xlsxwriter's code.
    ``tests/test_xlsx_formulas.py`` compares both on formulas of every kind.

    Cells: the XML of a number, date, text or formula (with a number as its value) cell with its own
    format is built as one string (xlsxwriter builds a list of attributes and runs two to five
    regular expressions per cell), and a row is written to the file in one piece. Every other cell
    (formulas with a text or boolean value, booleans, blanks, rich text, a cell without format, text
    with control characters) goes through xlsxwriter's own code. ``tests/test_write18_cells.py``
    compares the sheet XML of both.
    """

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        if (expand_future_functions or self.use_future_functions or "INGLE(" in formula
                or re_dynamic_function.search(formula)):
            return super()._prepare_formula(formula, expand_future_functions)  # type: ignore[no-any-return]
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        if formula.endswith("}"):
            formula = formula[:-1]
        return formula

    def _cell_xml(self, ref: str, cell: Any) -> str | None:
        """The ``<c>`` element xlsxwriter writes for ``cell`` at ``ref``, or None for xlsxwriter to write it."""
        kind = cell.__class__
        fmt = cell.format
        if not fmt:
            return None  # a row or column format may apply
        if kind is CellNumberTuple or kind is CellDatetimeTuple:
            return f'<c r="{ref}" s="{fmt._get_xf_index()}"><v>{cell.number:.16G}</v></c>'
        if kind is CellFormulaTuple:
            value = cell.value
            if type(value) is not float and type(value) is not int:
                return None  # text, booleans and errors get a type attribute
            formula = cell.formula
            if "&" in formula or "<" in formula or ">" in formula:
                formula = formula.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            return f'<c r="{ref}" s="{fmt._get_xf_index()}"><f>{formula}</f><v>{value}</v></c>'
        if kind is not CellStringTuple:
            return None
        string = cell.string
        if not self.constant_memory:  # an index into the shared strings
            return f'<c r="{ref}" s="{fmt._get_xf_index()}" t="s"><v>{string}</v></c>'
        # printable text has no control characters and no non-characters; without "_x" no escape pattern
        if not (string.isprintable() and "_x" not in string) and _NEEDS_ESCAPE.search(string):
            return None
        if "&" in string or "<" in string or ">" in string:
            if string.startswith("<r>") and string.endswith("</r>"):
                return None  # rich text
            string = string.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # quotes kept
        # xlsxwriter's ^\s / \s$ (a final newline is itself whitespace); escaping touches neither end's space
        preserve = ' xml:space="preserve"' if string[:1].isspace() or string[-1:].isspace() else ""
        return f'<c r="{ref}" s="{fmt._get_xf_index()}" t="inlineStr"><is><t{preserve}>{string}</t></is></c>'

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        xml = self._cell_xml(xl_rowcol_to_cell_fast(row, col), cell)
        if xml is None:
            super()._write_cell(row, col, cell)
        else:
            self.fh.write(xml)

    def _store_row(self, row: int, cells: dict[int, Any]) -> None:
        """Store cells of one row made as ``_write_string``/``_write_number`` make them, the bounds checked once.

        The same effect as writing them one by one: the dimensions grow to the first and last
        column, a streamed sheet writes out its previous row first, the cells join the row.
        """
        if self._check_dimensions(row, min(cells)) or self._check_dimensions(row, max(cells)):
            for col, cell in cells.items():  # pragma: no cover - outside the sheet: xlsxwriter drops such cells
                if not self._check_dimensions(row, col):
                    if self.constant_memory and row > self.previous_row:  # type: ignore[has-type]
                        self._write_single_row(row)
                    self.table[row][col] = cell
            return
        if self.constant_memory and row > self.previous_row:  # type: ignore[has-type]
            self._write_single_row(row)
        stored = self.table.get(row)
        if stored:
            stored.update(cells)
        else:  # the usual case: the row is ``cells`` (the caller hands it over)
            self.table[row] = cells

    def _write_single_row(self, current_row_num: int = 0) -> None:
        """Write the previous row of a streamed sheet (constant_memory) as xlsxwriter does, in one piece."""
        row_num: int = self.previous_row  # type: ignore[has-type]
        cells = self.table.get(row_num)
        if not cells:  # only row attributes, or nothing: xlsxwriter's code
            super()._write_single_row(current_row_num)
            return
        self.previous_row = current_row_num
        self._write_row(row_num, None, self.row_info.get(row_num))
        self._write_row_cells(row_num, cells)
        self.table.clear()

    def _write_rows(self) -> None:
        """Write the rows of a sheet kept in memory as xlsxwriter does, each row with cells in one piece."""
        self._calculate_spans()
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = self.table.get(row_num)
            if not cells and row_num not in self.row_info and row_num not in self.comments:
                continue
            span = self.row_spans.get(row_num // 16)
            if cells:
                self._write_row(row_num, span, self.row_info.get(row_num))
                self._write_row_cells(row_num, cells)
            else:  # row attributes or comments only
                self._write_empty_row(row_num, span, self.row_info.get(row_num))

    def _write_row_cells(self, row_num: int, cells: dict[int, Any]) -> None:
        """The cells of one row, columns ascending, and the end of the row (xlsxwriter's bytes)."""
        number = str(row_num + 1)
        parts: list[str] = []
        lo, hi = self.dim_colmin, self.dim_colmax
        letters = _LETTERS
        for col_num in sorted(cells):
            if col_num < lo or col_num > hi:  # pragma: no cover - xlsxwriter keeps the dimensions
                continue
            cell = cells[col_num]
            letter = letters.get(col_num) or letters.setdefault(col_num, xl_col_to_name(col_num))
            xml = self._cell_xml(letter + number, cell)
            if xml is None:
                self.fh.write("".join(parts))
                parts.clear()
                super()._write_cell(row_num, col_num, cell)
            else:
                parts.append(xml)
        parts.append("</row>")
        self.fh.write("".join(parts))


def open_workbook(path: Path, *, constant_memory: bool = False) -> Workbook:
    """Open an xlsxwriter workbook that never turns input text into formulas, links or numbers."""
    options: dict[str, Any] = {
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "constant_memory": constant_memory,
        "default_date_format": DATE_FMT,
        "remove_timezone": True,
        "in_memory": not constant_memory,  # in-memory zip members get a fixed 1980 timestamp
    }
    wb = xlsxwriter.Workbook(str(path), options)
    wb.worksheet_class = _Worksheet
    # Arial 10 as the default font: it sets the unit of column widths, and LibreOffice has a
    # metric-compatible substitute (Liberation Sans), so widths and print scale agree in both
    default = wb.formats[0]
    default.set_font_name("Arial")
    default.set_font_size(10)
    return wb


def usual_permissions(path: Path) -> None:
    """Give a finished temporary file the permissions of a normally created file (0666 minus umask).

    The temporary file of an atomic write is created private (0600); a workbook on a shared
    drive must stay readable for colleagues as any other saved file would be.
    """
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


def naive(moment: datetime) -> datetime:
    """A timezone-free datetime (UTC when ``moment`` is aware), as Excel needs it."""
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def set_properties(
    wb: Workbook,
    *,
    title: str,
    subject: str,
    created: datetime,
    lauf_id: str = "",
    version: str = "",
    dateien: Sequence[InputFile] = (),
    extra: Sequence[tuple[str, str]] = (),
) -> None:
    """Document properties: title, run id and input hashes; created/modified fixed for determinism."""
    hashes = "; ".join(f"{f.name}: SHA-256 {f.sha256}" for f in dateien[:20])
    if len(dateien) > 20:  # every file keeps its own custom property; the comment stays short
        hashes += f"; … und {len(dateien) - 20} weitere (Eigenschaften „Eingabe …“, Prüfprotokoll)"
    wb.set_properties(
        {
            "title": title,
            "subject": subject,
            "author": "kimrecon",
            "company": "",
            "category": "KIM Baustein II",
            "keywords": f"kimrecon, Lauf {lauf_id}" if lauf_id else "kimrecon",
            "comments": f"Lauf-ID {lauf_id}. Eingaben: {hashes}" if hashes else f"Lauf-ID {lauf_id}",
            "created": naive(created),
        }
    )
    if lauf_id:
        wb.set_custom_property("Lauf-ID", lauf_id)
    if version:
        wb.set_custom_property("kimrecon-Version", version)
    for key, value in extra:  # e.g. "Kreis": 53 Kreise of an NRW case, beyond Excel's limit for a property
        wb.set_custom_property(key, shorten(value, MAX_PROPERTY_TEXT))
    for i, f in enumerate(dateien, start=1):
        wb.set_custom_property(f"Eingabe {i:03d}", f"{f.name[:120]} SHA-256 {f.sha256}")


def write_text(ws: Worksheet, row: int, col: int, value: object, fmt: Format | None = None) -> None:
    """Write input text inert: always a string cell, never a formula, link or number.

    A text longer than Excel's cell limit is cut visibly (with a marker naming the full length).
    """
    if value is None or _is_missing(value):
        return
    text = str(value)
    if len(text) > MAX_CELL_TEXT:
        marker = f" …[gekürzt, {len(text)} Zeichen]"
        text = text[: MAX_CELL_TEXT - len(marker)] + marker
    ws.write_string(row, col, text, fmt)


_MISSING: tuple[object, ...] | None = None


def _is_missing(value: object) -> bool:
    """True for pandas' NA/NaT and float NaN (cells that stay empty)."""
    global _MISSING
    if _MISSING is None:
        import pandas as pd

        _MISSING = (pd.NA, pd.NaT)
    if type(value) is str or type(value) is int:  # the common cells: never missing
        return False
    return value is _MISSING[0] or value is _MISSING[1] or (isinstance(value, float) and value != value)


def write_formula(ws: Worksheet, row: int, col: int, f: F, fmt: Format | None = None) -> None:
    """Write a live formula with kimrecon's value as the cached result."""
    ws.write_formula(row, col, "=" + f.formula, fmt, f.value)


def write_value(ws: Worksheet, row: int, col: int, value: object, kind: str, fm: Formats,
                fmt: Format | None = None) -> None:
    """Write one cell by kind: text inert, money from cents, VzÄ from ten-thousandths, dates as dates."""
    fmt = fmt or fm.by_kind[kind]
    if isinstance(value, F):
        write_formula(ws, row, col, value, fmt)
        return
    if value is None or _is_missing(value):
        return
    if kind in ("text", "longtext", "hash"):
        write_text(ws, row, col, value, fmt)
    elif kind == "money":
        ws.write_number(row, col, euro(int(value)), fmt)  # type: ignore[call-overload]
    elif kind == "vzae":
        ws.write_number(row, col, vzae(int(value)), fmt)  # type: ignore[call-overload]
    elif kind == "hours":
        ws.write_number(row, col, hours(int(value)), fmt)  # type: ignore[call-overload]
    elif kind in ("int", "number"):
        ws.write_number(row, col, int(value), fmt)  # type: ignore[call-overload]
    elif kind in ("pct", "decimal"):
        ws.write_number(row, col, float(value), fmt)  # type: ignore[arg-type]
    elif kind in ("date", "datetime"):
        if isinstance(value, date) and date(value.year, value.month, value.day) < _SERIAL_SAFE_FROM:
            # Excel has no dates before 1900 (and a leap-year quirk until March 1900): keep it as text
            ws.write_string(row, col, f"{value:%d.%m.%Y}", fm.text)
        elif isinstance(value, datetime):
            ws.write_datetime(row, col, naive(value), fmt)
        elif isinstance(value, date):
            ws.write_datetime(row, col, datetime(value.year, value.month, value.day), fmt)
        else:
            write_text(ws, row, col, value, fm.text)
    elif kind == "bool":
        ws.write_string(row, col, "Ja" if bool(value) else "Nein", fmt)
    else:  # pragma: no cover - programmer error
        raise ValueError(f"unknown column kind {kind!r}")


def cell(row: int, col: int, *, absolute: bool = False) -> str:
    """A1 address of a zero-based cell."""
    return xl_rowcol_to_cell(row, col, row_abs=absolute, col_abs=absolute)


def col_letter(col: int) -> str:
    """Column letter of a zero-based column."""
    return xl_col_to_name(col)


def sheet_ref(sheet: str, row: int, col: int, *, absolute: bool = True) -> str:
    """A cross-sheet reference such as ``'Zuteilung'!$I$7``."""
    return f"{quote_sheet(sheet)}!{cell(row, col, absolute=absolute)}"


def quote_sheet(sheet: str) -> str:
    """Quote a sheet name for use in a formula."""
    return "'" + sheet.replace("'", "''") + "'"


def col_widths(ws: Worksheet, columns: Sequence[Col], data: Sequence[Sequence[object]], fm: Formats) -> list[float]:
    """Set column widths that fit headers and (a sample of) the values; return the widths."""
    widths: list[float] = []
    for i, c in enumerate(columns):
        if c.width is not None:
            width = c.width
        else:
            sample = data[i][:2000] if i < len(data) else []
            if c.kind in ("date", "datetime"):
                longest = 10 if c.kind == "date" else 19
            else:
                longest = _longest(sample)
            if c.kind == "money":
                longest = max(longest + 4, 13)  # "1.026.000,00 €" from 102600000 cents
            header_len = max((len(w) for w in c.header.split()), default=0)
            width = min(max(longest, header_len, 6) + 1.5, 60)
            if c.kind == "longtext":
                width = min(width, 40)
            elif c.kind == "hash":
                width = HASH_WIDTH
        ws.set_column(i, i, width)
        widths.append(width)
    return widths


# Cell types that are never a missing value (pd.NA, pd.NaT, NaN): no check per cell needed
_NEVER_MISSING = frozenset({str, int, bool, type(None), date, datetime})
_TEXT_ONLY = frozenset({str, type(None)})
_INT_ONLY = frozenset({int, type(None)})


def _longest(sample: Sequence[object]) -> int:
    """Length of the longest shown text in a sample of cells (a formula counts by its cached value)."""
    types = set(map(type, sample))
    if types <= _TEXT_ONLY:  # plain text: no conversion per cell
        return max(map(len, filter(None, cast("Sequence[str | None]", sample))), default=0)
    if types <= _INT_ONLY:  # the longest integer is the largest or, with its sign, the smallest
        ints = [v for v in cast("Sequence[int | None]", sample) if v is not None]
        return max(len(str(max(ints))), len(str(min(ints)))) if ints else 0
    return max((len(str(v.value if isinstance(v, F) else v)) for v in sample
                if v is not None and not (isinstance(v, F) and v.value is None)), default=0)


def wrap_long_text(columns: Sequence[Col], data: Sequence[Sequence[object]], limit: int = 50) -> list[Col]:
    """Text columns whose values run longer than ``limit`` characters wrap instead of being cut."""
    return [Col(c.header, "longtext", c.width) if c.kind == "text" and i < len(data)
            and _longest(data[i][:2000]) > limit else c for i, c in enumerate(columns)]


A4_INCHES = (8.27, 11.69)
HASH_WIDTH = 60  # a SHA-256 (64 characters, Courier New 8 pt) on one line
SIDE_MARGINS_IN = 1.4  # xlsxwriter's default left and right margins (0.7 in each)


def fit_width_scale(widths: Sequence[float], *, landscape: bool = True) -> int:
    """Print scale (percent) at which columns of these widths fit the width of an A4 page.

    A column of width w (characters of the default font, Arial 10) is 7·w + 5 pixels; the estimate
    allows 7.5 pixels per character for font substitution; 96 pixels are an inch. An explicit
    scale rather than "fit to 1 page wide, any height": LibreOffice reads the latter as one page.
    """
    needed = sum(7.5 * w + 5 for w in widths) / 96
    printable = A4_INCHES[1 if landscape else 0] - SIDE_MARGINS_IN
    return max(10, min(100, int(printable / needed * 100)))


def hf_text(text: str) -> str:
    """Escape text for an Excel header/footer (``&`` starts a control code)."""
    return str(text).replace("&", "&&")


MAX_PROPERTY_TEXT = 255  # characters of a custom document property (Excel's limit)
MAX_HEADER_FOOTER = 255  # characters of a header or footer with its control codes (Excel's limit)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, a cut visibly ending in "…"."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def hf_fit(text: str, room: int) -> str:
    """``text`` escaped for a header/footer in at most ``room`` characters (cut with "…" where needed)."""
    escaped = hf_text(text)
    cut = len(text)
    while len(escaped) > room and cut > 0:
        cut -= max(1, len(escaped) - room)
        escaped = hf_text(shorten(text, cut))
    return escaped


MIN_PRINT_SCALE = 70  # percent: below this a printed table is hard to read


def _px(width: float) -> float:
    """Printed pixels of a column of ``width`` characters (with room for font substitution)."""
    return 7.5 * width + 5


def column_bands(widths: Sequence[float], *, landscape: bool = True, repeat_cols: int = 0) -> tuple[int, list[int]]:
    """Print scale and the columns where a new band of pages starts (empty: the table fits the page width).

    A table that fits the width at ``MIN_PRINT_SCALE`` or more is scaled to fit; a wider one prints at
    that scale in bands of whole columns, as even as possible, each after the ``repeat_cols``
    repeated columns.
    """
    scale = fit_width_scale(widths, landscape=landscape)
    if scale >= MIN_PRINT_SCALE or len(widths) <= 1:
        return scale, []
    printable = (A4_INCHES[1 if landscape else 0] - SIDE_MARGINS_IN) * 96 * 100 / MIN_PRINT_SCALE
    repeated = sum(_px(w) for w in widths[:repeat_cols])

    def greedy(capacity: float) -> list[int]:
        breaks: list[int] = []
        used = 0.0
        for i, w in enumerate(widths):
            if used and used + _px(w) > capacity and i > repeat_cols:
                breaks.append(i)
                used = repeated
            used += _px(w)
        return breaks

    breaks = greedy(printable)
    lo, hi = max(_px(w) for w in widths) + repeated, printable  # balance: the narrowest capacity with as few bands
    for _ in range(30):
        mid = (lo + hi) / 2
        if len(greedy(mid)) <= len(breaks):
            hi = mid
        else:
            lo = mid
    return MIN_PRINT_SCALE, greedy(hi)


def print_setup(ws: Worksheet, footer: str, widths: Sequence[float], *, repeat_row: int | None = None,
                landscape: bool = True, repeat_cols: int = 0) -> int:
    """A4, readable scale, header row repeated, footer with run id and "Seite x von y"; return the scale.

    A table too wide for the page at 70 % is split into bands of whole columns (``column_bands``).
    """
    ws.set_paper(9)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    scale, breaks = column_bands(widths, landscape=landscape, repeat_cols=repeat_cols)
    if breaks:
        ws.set_v_pagebreaks(breaks)
        if repeat_cols:
            ws.repeat_columns(0, repeat_cols - 1)
    ws.set_print_scale(scale)
    if repeat_row is not None:
        ws.repeat_rows(repeat_row)
    right = "&R&8Seite &P von &N"
    ws.set_footer(f"&L&8{hf_fit(footer, MAX_HEADER_FOOTER - len('&L&8') - len(right))}{right}")
    return scale


def wrapped_note(ws: Worksheet, row: int, text: str, widths: Sequence[float], fmt: Format,
                 repeat_cols: int = 0) -> None:
    """A note merged and wrapped so that it neither runs off the page nor is cut.

    Across the whole table when it fits the page; across the repeated columns when the table
    prints in bands and they are wide enough for a note (they stand on every page); else across
    the first band.
    """
    _, breaks = column_bands(widths, repeat_cols=repeat_cols)
    if breaks:
        wide_enough = sum(widths[:repeat_cols]) >= 40
        widths = widths[:repeat_cols] if wide_enough else widths[:breaks[0]]
    chars_per_line = max(20.0, sum(widths) * 1.1)
    lines = max(1, -(-len(text) // int(chars_per_line)))
    if len(widths) > 1:
        ws.merge_range(row, 0, row, len(widths) - 1, text, fmt)
    else:
        ws.write_string(row, 0, text, fmt)
    ws.set_row(row, 13.5 * lines + 2)


def safe_sheet_name(name: str) -> str:
    """A valid sheet name: none of the characters ``[]:*?/`` or backslash, at most 31 characters."""
    cleaned = re.sub(r"[\[\]:*?/\\]", "_", name)[:SHEET_NAME_MAX]
    while len(cleaned.encode("utf-16-le")) > 2 * SHEET_NAME_MAX:  # Excel counts UTF-16 code units
        cleaned = cleaned[:-1]
    cleaned = cleaned.strip("'")  # no apostrophe at either end
    if cleaned.casefold() == "history":  # reserved by Excel
        cleaned += "_"
    return cleaned or "Blatt"


def ascii_name(text: str) -> str:
    """Transliterate German text to ASCII (ä→ae, ß→ss, other accents dropped)."""
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
    text = unicodedata.normalize("NFC", text).translate(table)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


_CELL_LIKE = re.compile(r"^[A-Za-z]{1,3}\d+$|^[RrCc]$|^[Rr]\d*[Cc]\d*$")


def defined_name(text: str) -> str | None:
    """A valid Excel defined name made from ``text`` or None when none can be made."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", ascii_name(text)).strip("_")
    if not name:
        return None
    if name[0].isdigit():
        name = "P_" + name
    if _CELL_LIKE.match(name):
        name = "P_" + name
    return name[:255]


HEADER_ROW = 3  # zero-based header row of a detail sheet (title, note, blank line above it)


def detail_capacity(has_totals: bool) -> int:
    """Data rows one detail sheet holds before the table continues on the next sheet."""
    return EXCEL_MAX_ROWS - HEADER_ROW - 1 - (2 if has_totals else 0)


def detail_parts(n: int, has_totals: bool) -> list[tuple[int, int]]:
    """(first, last) data indexes of each sheet a detail table of ``n`` rows is split into."""
    cap = detail_capacity(has_totals)
    return [(k * cap, min(n, (k + 1) * cap)) for k in range(max(1, -(-n // cap)))]


@dataclass
class Part:
    """One sheet of a (possibly split) detail table."""

    ws: Worksheet
    name: str
    header_row: int
    first: int  # index of the first data row (0-based, in the data)
    last: int  # index after the last data row

    def excel_row(self, i: int) -> int:
        """Zero-based worksheet row of data row ``i``."""
        return self.header_row + 1 + (i - self.first)


def write_detail(
    wb: Workbook,
    fm: Formats,
    name: str,
    title: str,
    columns: Sequence[Col],
    data: Sequence[Sequence[object]],
    n: int,
    *,
    table: bool,
    totals: Sequence[int] = (),
    protect: bool = True,
    freeze_cols: int = 0,
    empty_note: str = "Keine Einträge.",
    sheet_note: str = "",
    on_part: Callable[[Part], None] | None = None,
    footer: str = "",
) -> list[Part]:
    """Write a detail table row by row, split across sheets when Excel's row limit would be exceeded.

    ``data`` holds one sequence per column (values or ``F`` formulas whose text may use ``{r}`` for
    the 1-based Excel row of the cell). Rows are written strictly top-down, so this works in
    ``constant_memory`` mode. ``totals`` are column indexes that get a SUM row under each part.
    A split is announced on every part (never a silent truncation).
    """
    header_row = HEADER_ROW
    columns = wrap_long_text(columns, data)
    capacity = detail_capacity(bool(totals))
    n_parts = max(1, -(-n // capacity))
    parts: list[Part] = []
    names = [safe_sheet_name(name if k == 0 else f"{name} ({k + 1})") for k in range(n_parts)]
    for k in range(n_parts):
        first, last = k * capacity, min(n, (k + 1) * capacity)
        ws = wb.add_worksheet(names[k])
        part = Part(ws, names[k], header_row, first, last)
        parts.append(part)
        widths = col_widths(ws, columns, [d[first:last] for d in data], fm)
        ws.write_string(0, 0, title, fm.title)
        if n_parts > 1:
            wrapped_note(
                ws, 1,
                f"Teil {k + 1} von {n_parts}: Zeilen {first + 1}–{last} von {n}. Die Tabelle ist wegen der "
                f"Zeilengrenze von Excel auf die Blätter {', '.join('„' + x + '“' for x in names)} verteilt.",
                widths, fm.wrap_note, freeze_cols,
            )
        elif sheet_note:
            wrapped_note(ws, 1, sheet_note, widths, fm.wrap_note, freeze_cols)
        for j, c in enumerate(columns):
            ws.write_string(header_row, j, c.header, fm.header)
        fit_row(ws, header_row, [c.header for c in columns], widths, minimum=30)
        _write_data_rows(ws, part, columns, data, widths, fm)
        last_row = part.excel_row(last - 1) if last > first else header_row
        if last == first:
            ws.write_string(header_row + 1, 0, empty_note, fm.note)
        elif totals:
            tr = last_row + 1
            ws.write_string(tr, 0, "Summe", fm.total_label)
            for j in totals:
                kind = columns[j].kind
                total = sum(_cached_int(data[j][i], kind) for i in range(first, last))
                value = euro(total) if kind == "money" else (vzae(total) if kind == "vzae" else total)
                rng = f"{cell(header_row + 1, j)}:{cell(last_row, j)}"
                fmt = {"money": fm.total_money, "vzae": fm.total_vzae}.get(kind, fm.total_int)
                formula = f"ROUND(SUM({rng}),2)" if kind == "money" else f"SUM({rng})"
                write_formula(ws, tr, j, F(formula, value), fmt)
        if last > first and table and not wb.constant_memory:
            ws.add_table(
                header_row, 0, last_row, len(columns) - 1,
                {
                    "name": defined_name(f"Tabelle_{names[k]}") or f"Tabelle{k}",
                    "style": "Table Style Light 9",
                    "columns": [{"header": c.header, "header_format": fm.header} for c in columns],
                },
            )
        else:
            ws.autofilter(header_row, 0, max(last_row, header_row), len(columns) - 1)
        ws.freeze_panes(header_row + 1, freeze_cols)
        print_setup(ws, footer, widths, repeat_row=header_row, repeat_cols=freeze_cols)
        if on_part is not None:
            on_part(part)
        bottom = last_row + (1 if totals and last > first else 0) + (1 if last == first else 0)
        ws.print_area(0, 0, max(bottom, getattr(ws, "dim_rowmax", None) or 0), len(columns) - 1)
        if protect:
            protect_sheet(ws)
    return parts


def _write_data_rows(ws: Worksheet, part: Part, columns: Sequence[Col], data: Sequence[Sequence[object]],
                     widths: Sequence[float], fm: Formats) -> None:
    """The data rows of one part, strictly top-down; each row's prepared cells stored at once.

    A column ``_fast_column`` prepared becomes xlsxwriter's cell tuples directly (what its
    ``_write_string``/``_write_number`` store); every other cell goes through ``write_value``. Cells
    are made in column order, so shared strings get the indexes xlsxwriter would give them.
    """
    first, last = part.first, part.last
    fast = [_fast_column(c, data[j][first:last], fm) for j, c in enumerate(columns)]
    wrapped = [j for j, c in enumerate(columns) if c.kind == "longtext"]
    ours = isinstance(ws, _Worksheet)
    shared = None if ws.constant_memory else ws.str_table._get_shared_string_index
    for i in range(first, last):
        r = part.excel_row(i)
        k = i - first
        if wrapped:  # before the row's cells: constant_memory writes rows strictly in order
            fit_row(ws, r, [data[j][i] if j in wrapped else None for j in range(len(columns))], widths)
        cells: dict[int, Any] = {}
        for j, c in enumerate(columns):
            prepared = fast[j]
            if prepared is None:
                v = data[j][i]
                if type(v) is F:  # what write_value → write_formula do, without xlsxwriter's argument parsing
                    formula = v.formula.replace("{r}", str(r + 1)) if "{r}" in v.formula else v.formula
                    ws._write_formula(r, j, "=" + formula, fm.by_kind[c.kind], v.value)
                else:
                    write_value(ws, r, j, v, c.kind, fm)
                continue
            how, values, fmt = prepared
            v = values[k]
            if v is None:
                continue
            if not ours:  # pragma: no cover - every workbook is opened by open_workbook
                (ws._write_number if how == "number" else ws._write_string)(r, j, v, fmt)
            elif how == "number":
                cells[j] = CellNumberTuple(v, fmt)
            elif how == "string":
                cells[j] = CellStringTuple(v if shared is None else shared(v), fmt)
            else:  # a long text: xlsxwriter measures it in UTF-16 units itself
                ws._write_string(r, j, v, fmt)
        if cells:
            ws._store_row(r, cells)  # type: ignore[attr-defined]


_EXCEL_EPOCH = datetime(1899, 12, 30)
_SERIAL_SAFE_FROM = date(1900, 3, 1)


def _fast_column(col: Col, values: Sequence[object], fm: Formats) -> tuple[str, list[Any], Format] | None:
    """Pre-convert a homogeneous column once (the detail tables grow with the case).

    Returns how its cells are written ("string", "long" for text xlsxwriter must measure, "number"),
    the converted values (None = empty cell) and the format, or None when the column holds formulas
    or a kind without a fast path (then each cell goes through ``write_value``).
    """
    types = set(map(type, values))
    if any(issubclass(t, F) for t in types):
        return None
    fmt = fm.by_kind[col.kind]
    if types <= _NEVER_MISSING:
        present: list[Any] = list(values)
    else:
        present = [None if v is None or _is_missing(v) else v for v in values]
    if col.kind in ("text", "longtext", "hash"):
        def text(v: object) -> str:
            t = str(v)
            if len(t) > MAX_CELL_TEXT:
                marker = f" …[gekürzt, {len(t)} Zeichen]"
                t = t[: MAX_CELL_TEXT - len(marker)] + marker
            return t

        longest = max(map(len, filter(None, present)), default=0) if types <= _TEXT_ONLY else MAX_CELL_TEXT + 1
        if longest > MAX_CELL_TEXT:
            present = [None if v is None else text(v) for v in present]
            longest = max(map(len, filter(None, present)), default=0)
        # xlsxwriter measures a text over half its limit in UTF-16 units and may cut it
        return ("long" if longest > MAX_CELL_TEXT // 2 else "string"), present, fmt
    if col.kind == "bool":
        return "string", [None if v is None else ("Ja" if bool(v) else "Nein") for v in present], fmt
    scale = {"money": 100, "vzae": 10_000, "hours": 100, "int": 1, "number": 1}.get(col.kind)
    if scale is not None:
        return "number", [None if v is None else int(v) / scale for v in present], fmt  # type: ignore[call-overload]
    if col.kind in ("date", "datetime"):
        out: list[Any] = []
        serials: dict[object, Any] = {}  # a date column repeats its values: each converted once
        for v in present:
            try:
                serial = serials.get(v, serials)
            except TypeError:  # an unhashable value: the slow path writes it as text
                return None
            if serial is serials:
                if isinstance(v, date) and date(v.year, v.month, v.day) < _SERIAL_SAFE_FROM:
                    return None  # Excel's 1900 leap-year quirk: let xlsxwriter convert early dates
                if isinstance(v, datetime):
                    delta = naive(v) - _EXCEL_EPOCH
                    serial = delta.days + delta.seconds / 86_400
                elif isinstance(v, date):
                    serial = (v - _EXCEL_EPOCH.date()).days
                elif v is None:
                    serial = None
                else:
                    return None  # an unexpected value: the slow path writes it as text
                serials[v] = serial
            out.append(serial)
        return "number", out, fmt
    return None


def _cached_int(v: object, kind: str) -> int:
    """Integer (cents / e4) behind a cell value for totals."""
    if v is None or _is_missing(v):
        return 0
    if isinstance(v, F):
        if kind == "money":
            return round(float(v.value) * 100)
        if kind == "vzae":
            return round(float(v.value) * 10_000)
        return int(v.value)
    return int(v)  # type: ignore[call-overload]


def protect_sheet(ws: Worksheet) -> None:
    """Protect a computed sheet against slips (no password: a guard, not security)."""
    ws.protect(
        "",
        {
            "autofilter": True,
            "sort": True,
            "format_columns": True,
            "format_rows": True,
            "select_locked_cells": True,
            "select_unlocked_cells": True,
        },
    )


LINE_HEIGHT = 13.0  # points per line of Arial 10


def lines_needed(values: Sequence[object], widths: Sequence[float]) -> int:
    """Lines a row needs when its text cells wrap within their column widths (1 when nothing wraps)."""
    n = 1
    for v, w in zip(values, widths, strict=False):
        text = str(v.value if isinstance(v, F) else v) if v is not None else ""
        cap = max(1, int(w * 1.15))  # about 1.15 characters of Arial 10 per width unit
        if len(text) > cap:
            line, count = 0, 1
            for word in text.split():  # greedy word wrap; a word longer than a line breaks inside
                if line and line + 1 + len(word) > cap:
                    count, line = count + 1, 0
                while len(word) > cap:
                    count, word = count + 1, word[cap:]
                line += (1 if line else 0) + len(word)
            n = max(n, count)
    return n


def fit_row(ws: Worksheet, row: int, values: Sequence[object], widths: Sequence[float],
            minimum: float | None = None) -> None:
    """Set the height of a row with wrapped text so nothing is cut (spreadsheets do not grow it on load)."""
    lines = lines_needed(values, widths)
    if lines > 1 or minimum:
        ws.set_row(row, max(LINE_HEIGHT * lines + 2, minimum or 0))


def write_rows(
    ws: Worksheet,
    fm: Formats,
    top: int,
    columns: Sequence[Col],
    rows: Sequence[Sequence[object]],
    *,
    header_fmt: Format | None = None,
    widths: Sequence[float] = (),
) -> int:
    """Write a small header + rows block at ``top``; return the next free row.

    With ``widths`` (the sheet's column widths) rows and the header grow to fit wrapped text.
    """
    for j, c in enumerate(columns):
        ws.write_string(top, j, c.header, header_fmt or fm.header)
    if widths:
        fit_row(ws, top, [c.header for c in columns], widths)
    wrapped = [c.kind in ("longtext", "hash") for c in columns]
    for i, row in enumerate(rows):
        for j, c in enumerate(columns):
            write_value(ws, top + 1 + i, j, row[j], c.kind, fm)
        if widths:
            fit_row(ws, top + 1 + i, [v if w else None for v, w in zip(row, wrapped, strict=False)], widths)
    return top + 1 + len(rows)


def frame_column(frame: Any, name: str) -> list[object]:
    """A DataFrame column as a Python list with None for missing values (one pass over two lists)."""
    if name not in frame.columns:
        return [None] * len(frame)
    s = frame[name]
    if str(s.dtype).startswith("datetime64"):  # dates repeat: each distinct one a Timestamp once (NaT: -1)
        codes, uniques = s.factorize()
        moments = uniques.astype(object).tolist()
        return [None if c < 0 else moments[c] for c in codes.tolist()]
    return [None if missing else v for v, missing in zip(s.astype(object).tolist(), s.isna().tolist(), strict=True)]
