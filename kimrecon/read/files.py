"""Find the input files of a case and load each sheet as a grid of raw cell values (never modifying them)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import logging
import re
import tomllib
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kimrecon.findings import Code, Finding, Severity, SourceRef, finding
from kimrecon.inputs import InputFile
from kimrecon.read.failure import failure_finding, is_old_biff, os_reason, technical
from kimrecon.read.fallback import read_rows
from kimrecon.read.guard import TimeBudgetExceeded, decode_text, fast_reader_failed, forget_probe

SUFFIXES = {".xlsx", ".xls", ".ods", ".csv", ".xlsm", ".xltx", ".xltm", ".xlsb"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
CONFIG_NAME = "kimrecon.toml"


@dataclass
class RawSheet:
    """One sheet: its first rows for finding the header, and its data region on demand.

    Row and column indices are 0-based and absolute (row 0 = Excel row 1, column 0 = "A");
    blank cells are NA.
    """

    name: str
    cells: pd.DataFrame | None = None  # the whole grid, when it was loaded whole (CSV, small sheets)
    hidden_cols: frozenset[int] = frozenset()  # 0-based indices of hidden columns
    merged: tuple[tuple[int, int, int, int], ...] = ()  # (row1, col1, row2, col2), 0-based, inclusive
    source: Path | None = None  # workbook to load the region from (fastexcel), when ``cells`` is None
    hidden: bool = False  # a hidden (or very hidden) sheet is not read
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> Excel error ("#DIV/0!")
    _array: tuple[pd.DataFrame, np.ndarray] | None = field(default=None, repr=False, compare=False)
    _blank: tuple[pd.DataFrame, np.ndarray] | None = field(default=None, repr=False, compare=False)

    def array(self) -> np.ndarray | None:
        """``cells`` as one object array (the grid's values, blanks None), taken once; None when not read whole."""
        if self.cells is None:
            return None
        if self._array is None or self._array[0] is not self.cells:
            self._array = (self.cells, self.cells.to_numpy(dtype=object))
        return self._array[1]

    def blanks(self) -> np.ndarray | None:
        """``pd.isna(self.array())``: the grid's own blanks while ``cells`` is that grid, else asked of pandas."""
        values = self.array()
        if values is None:
            return None
        if self._blank is None or self._blank[0] is not self.cells:
            self._blank = (self.cells, pd.isna(values))  # type: ignore[assignment]
        return self._blank[1]  # type: ignore[index]

    def head(self, n: int) -> pd.DataFrame:
        """The first ``n`` rows as raw values."""
        if self.cells is None:
            try:
                return _lazy_head(self, n)
            except _PASS_THROUGH:
                raise
            except BaseException:  # noqa: BLE001 - the fast reader failed on this sheet: the second reader reads it
                self._read_whole()
        assert self.cells is not None
        return self.cells.iloc[:n]

    def region(self, first: int, exact: set[int]) -> pd.DataFrame:
        """Rows from ``first`` on, typed per column; ``exact`` columns keep each cell's own type."""
        if self.cells is None:
            try:
                return _fastexcel_region(self, first, exact)
            except _PASS_THROUGH:
                raise
            except BaseException:  # noqa: BLE001 - as in ``head``
                self._read_whole()
        assert self.cells is not None
        return self.cells.iloc[first:]

    def _read_whole(self) -> None:
        """Load the whole sheet with the second reader (after the lazy fast reader failed on it)."""
        assert self.source is not None
        try:
            found = read_rows(self.source, only=self.name)
        except _PASS_THROUGH:
            raise
        except BaseException as exc:  # noqa: BLE001 - reported in German; the reader's text stays out
            raise SheetUnreadable(f"kein Lesemodul konnte das Blatt „{self.name}“ lesen") from exc
        self.cells = grid(found[0].rows if found else [])


class SheetUnreadable(Exception):
    """No reader could read a sheet of a large workbook; the message is German (it becomes the finding's reason)."""


_PASS_THROUGH = (KeyboardInterrupt, SystemExit, GeneratorExit, TimeBudgetExceeded)


@dataclass
class LoadedFile:
    """A file with its facts, its sheets and the findings of loading it."""

    info: InputFile
    sheets: list[RawSheet] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _skip(path: Path) -> bool:
    name = path.name
    return name.startswith("~$") or name.startswith(".~kimrecon-") or name.startswith(".~lock.")


def discover(paths: Sequence[Path]) -> tuple[list[tuple[Path, str]], dict[str, object], list[Finding], bool]:
    """Expand files and case folders into (path, display name) pairs; read ``kimrecon.toml``.

    Returns the files, the parsed config, findings, and whether any case folder was given.
    """
    files: list[tuple[Path, str]] = []
    config: dict[str, object] = {}
    found: list[Finding] = []
    any_folder = False
    seen: set[Path] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            any_folder = True
            cfg = p / CONFIG_NAME
            if cfg.is_file():
                try:
                    with cfg.open("rb") as fh:
                        config.update(tomllib.load(fh))
                except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                    found.append(
                        finding(Code.PARAMETER_UNGUELTIG, SourceRef(CONFIG_NAME), parameter=CONFIG_NAME, grund=exc)
                    )
            root = p.resolve()
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p)
                if not f.is_file() or _skip(f) or f.suffix.lower() not in SUFFIXES:
                    continue
                if any(part.casefold() == "out" for part in rel.parts[:-1]):
                    continue
                if any(part.startswith(".") for part in rel.parts):
                    continue
                key = _resolved(root, p, rel)
                if key not in seen:
                    seen.add(key)
                    files.append((f, rel.as_posix()))
        elif p.is_file():
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                files.append((p, p.name))
        else:
            found.append(finding(Code.DATEI_UNLESBAR, SourceRef(str(p)), grund="Datei oder Ordner nicht gefunden"))
    return files, config, found, any_folder


def _resolved(root: Path, folder: Path, rel: Path) -> Path:
    """``(folder / rel).resolve()``, ``root`` being ``folder.resolve()``.

    Without a symbolic link below the folder that is ``root / rel``, found with one ``lstat`` per part of
    ``rel`` instead of one per part of the whole path.
    """
    at = folder
    for part in rel.parts:
        at = at / part
        if at.is_symlink():
            return (folder / rel).resolve()
    return root / rel


def _hash(path: Path, keep: int = 0) -> tuple[int, str, bytes, bytes | None]:
    """Size, SHA-256 and first 4 KB of a file, and its bytes when it has at most ``keep`` of them (else None)."""
    h = hashlib.sha256()
    size = 0
    head = b""
    chunks = []
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            if not head:
                head = chunk[:4096]
            size += len(chunk)
            h.update(chunk)
            if size <= keep:
                chunks.append(chunk)
    return size, h.hexdigest(), head, b"".join(chunks) if size <= keep else None


MAX_FILE_MB = 256  # default; the guard passes the limit of ``[eingabe] max_dateigroesse_mb``
MAX_UNPACKED_FACTOR = 16  # an .xlsx may unpack to this many times the file limit (zip bombs)


Sheets = list[tuple[str, list[list[object]], bool]]  # (name, rows, hidden) per worksheet, as a fast-reader pass gives


def load_file(path: Path, name: str, max_bytes: int = MAX_FILE_MB << 20, *, cells: Sheets | None = None,
              facts: dict[str, Any] | None = None) -> LoadedFile:
    """Load every sheet of one file; an unusable file gives a finding, never an exception.

    ``cells``: the worksheets as the probe child read them with the fast reader (``_load_calamine``
    then takes them instead of parsing the file again); ``facts``: what the screen saw of its parts
    (``guard.structure_facts``), used with ``cells`` so that the archive is not opened again.
    """
    try:
        size, sha, head, data = _hash(path, keep=EAGER_MAX_BYTES)
    except OSError as exc:
        info = InputFile(name=name, path=path, size=0, sha256="", sheets=())
        found = finding(Code.DATEI_UNLESBAR, SourceRef(name), grund=os_reason(exc), technisch=technical(exc))
        return LoadedFile(info, findings=[found])
    # one directory read for every check below; a small file's zip is read from the bytes just hashed
    use_facts = cells is not None and bool(facts) and head.startswith(_ZIP_MAGIC)
    zipped = head.startswith(_ZIP_MAGIC) and not use_facts
    zf = _open_zip(path if data is None else io.BytesIO(data)) if zipped else None
    try:
        parts = _ZipParts(zf) if zf is not None else _FactParts(facts) if use_facts and facts else None
        return _load(path, name, max_bytes, size, sha, head, parts, cells, data)
    finally:
        if zf is not None:
            zf.close()


def _open_zip(source: Path | io.BytesIO) -> zipfile.ZipFile | None:
    """The workbook (its path or its bytes) as a zip archive, or None when it is none (the checks find nothing then)."""
    try:
        return zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        return None


def _load(path: Path, name: str, max_bytes: int, size: int, sha: str, head: bytes,
          parts: _ZipParts | _FactParts | None, cells: Sheets | None = None, data: bytes | None = None) -> LoadedFile:
    info = InputFile(name=name, path=path, size=size, sha256=sha, sheets=())
    suffix = path.suffix.lower()
    loaded = LoadedFile(info)
    limit_mb = f"{max_bytes / (1 << 20):g} MB"
    if size > max_bytes:
        loaded.findings.append(_unusable(Code.DATEI_ZU_GROSS, name, f"{size / (1 << 20):.0f} MB > {limit_mb}"))
        return loaded
    if head.startswith(_ZIP_MAGIC) and (parts.total if parts is not None else 0) > max_bytes * MAX_UNPACKED_FACTOR:
        loaded.findings.append(
            _unusable(Code.DATEI_ZU_GROSS, name, f"entpackt mehr als {MAX_UNPACKED_FACTOR} × {limit_mb}")
        )
        return loaded
    if suffix in (".xlsm", ".xltm"):
        loaded.findings.append(_unusable(Code.DATEI_MAKRO, name))
        return loaded
    if suffix == ".xlsb":
        loaded.findings.append(finding(Code.DATEI_FORMAT, SourceRef(name), format=".xlsb (Excel-Binärarbeitsmappe)"))
        return loaded
    if head.startswith(_OLE_MAGIC) and suffix in (".xlsx", ".xltx", ".ods"):
        loaded.findings.append(_unusable(Code.DATEI_VERSCHLUESSELT, name))
        return loaded
    try:
        if suffix == ".csv":
            sheets = [_load_csv(path)]
        elif suffix in (".xlsx", ".xltx", ".ods"):
            if not head.startswith(_ZIP_MAGIC):
                loaded.findings.append(_unusable(Code.DATEI_UNLESBAR, name, "keine Arbeitsmappe"))
                return loaded
            if suffix != ".ods" and _has_macros(parts):
                loaded.findings.append(_unusable(Code.DATEI_MAKRO, name))
                return loaded
            sheets = _read_workbook(path, name, head, cells)
            if suffix != ".ods":
                _structure(path, data, parts, sheets)
        else:  # .xls
            if not head.startswith(_OLE_MAGIC) and not is_old_biff(head):
                loaded.findings.append(_unusable(Code.DATEI_UNLESBAR, name, "keine Arbeitsmappe"))
                return loaded
            sheets = _read_workbook(path, name, head, cells)
    except _Unreadable as exc:
        loaded.findings.append(exc.finding)
        return loaded
    loaded.sheets = sheets
    loaded.info = InputFile(name=name, path=path, size=size, sha256=sha, sheets=tuple(s.name for s in sheets))
    return loaded


class _Unreadable(Exception):
    """No reader could read a workbook; carries the finding that says why in German."""

    def __init__(self, found: Finding) -> None:
        super().__init__(found.code.value)
        self.finding = found


def _read_workbook(path: Path, name: str, head: bytes, cells: Sheets | None = None) -> list[RawSheet]:
    """Every worksheet of a workbook: the fast reader (calamine), else the second reader of its format.

    The fast reader is skipped when it already failed on this file in the probe. Raises
    :class:`_Unreadable` when every reader fails; the readers' texts go only to ``technisch``.
    """
    fast_error = fast_reader_failed(path)
    if fast_error is None:
        try:
            return _load_calamine(path, cells)
        except _PASS_THROUGH:
            raise
        except BaseException as exc:  # noqa: BLE001 - a Rust panic included: try the second reader
            fast_error = technical(exc)
            release(path)
    try:
        found = read_rows(path)
    except _PASS_THROUGH:
        raise
    except BaseException as exc:  # noqa: BLE001 - no reader can read it: a finding in German
        raise _Unreadable(failure_finding(name, [fast_error, technical(exc)], head)) from exc
    return [RawSheet(name=s.name, cells=grid(s.rows), source=path, hidden=s.hidden) for s in found]


def _unusable(code: Code, name: str, grund: str = "") -> Finding:
    return finding(code, SourceRef(name), severity=Severity.FEHLER, grund=grund)


def _has_macros(parts: _ZipParts | _FactParts | None) -> bool:
    return parts is not None and any(n.lower().endswith("vbaproject.bin") for n in parts.names)


def _structure(path: Path, data: bytes | None, parts: _ZipParts | _FactParts | None, sheets: list[RawSheet]) -> None:
    """``_add_structure`` from ``parts``; where the screen's facts fall short, from the workbook's archive."""
    try:
        _add_structure(parts, sheets)
    except _NeedsZip:
        for sheet in sheets:  # as the fast reader gave them: none of the facts' partial answers kept
            sheet.hidden_cols, sheet.merged = frozenset(), ()
            sheet.errors.clear()
        zf = _open_zip(path if data is None else io.BytesIO(data))
        try:
            _add_structure(_ZipParts(zf) if zf is not None else None, sheets)
        finally:
            if zf is not None:
                zf.close()


EAGER_MAX_BYTES = 2 << 20  # workbooks up to this size are read whole at once (typed cells, no second pass)


def _load_calamine(path: Path, cells: Sheets | None = None) -> list[RawSheet]:
    """Every worksheet of a workbook: small ones whole, large ones lazily through fastexcel.

    ``cells`` are a small workbook's sheets read whole in the probe child (the same calls as below).
    """
    if cells is not None:
        return [_whole(n, rows, path, hidden) for n, rows, hidden in cells]
    import fastexcel
    from python_calamine import CalamineWorkbook

    if path.stat().st_size <= EAGER_MAX_BYTES:
        book = CalamineWorkbook.from_path(str(path))
        eager = []
        for m in book.sheets_metadata:
            if "chart" in str(m.typ).lower():
                continue
            rows = book.get_sheet_by_name(m.name).to_python(skip_empty_area=False)
            eager.append(_whole(m.name, rows, path, not str(m.visible).endswith(".Visible")))
        return eager
    reader = fastexcel.read_excel(str(path))
    _READERS[path] = reader
    meta = {m.name: m for m in CalamineWorkbook.from_path(str(path)).sheets_metadata}
    out = []
    for name in reader.sheet_names:
        info = meta.get(name)
        if info is not None and "chart" in str(info.typ).lower():
            continue
        hidden = info is not None and not str(info.visible).endswith(".Visible")
        out.append(RawSheet(name=name, source=path, hidden=hidden))
    return out


def _whole(name: str, rows: Sequence[Sequence[object]], path: Path, hidden: bool) -> RawSheet:
    """A sheet read whole by the fast reader: its grid, with the blanks the grid found kept."""
    cells, blank = grid_and_blanks(rows)
    kept = None if blank is None else (cells, blank)
    return RawSheet(name=name, cells=cells, source=path, hidden=hidden, _blank=kept)


_READERS: dict[Path, object] = {}


def release(path: Path) -> None:
    """Forget the open reader of a workbook once its sheets are read."""
    _READERS.pop(path, None)
    forget_probe(path)


logging.getLogger("fastexcel").setLevel(logging.ERROR)  # dtype guesses are ours to judge, not log noise


def _lazy_head(raw: RawSheet, n: int) -> pd.DataFrame:
    """The first rows of a large sheet: streamed with openpyxl (.xlsx) or through fastexcel."""
    if raw.source is not None and raw.source.suffix.lower() in (".xlsx", ".xltx"):
        return _openpyxl_head(raw, n)
    reader = _READERS[raw.source]  # type: ignore[index]
    sheet = reader.load_sheet(  # type: ignore[attr-defined]
        raw.name, header_row=None, skip_rows=0, n_rows=n, dtypes="string", whitespace_as_null=True
    )
    frame = sheet.to_pandas()
    frame.columns = [c.absolute_index for c in sheet.available_columns()]
    frame = frame.astype(object)
    return frame.where(frame.notna(), None)


def _openpyxl_head(raw: RawSheet, n: int) -> pd.DataFrame:
    """The first rows of an .xlsx sheet, streamed: the rest of a large sheet is not parsed twice."""
    import openpyxl

    wb = openpyxl.load_workbook(raw.source, read_only=True, data_only=True)  # type: ignore[arg-type]
    try:
        ws = wb[raw.name]
        rows = [list(r) for r in ws.iter_rows(min_row=1, max_row=n, values_only=True)]  # type: ignore[union-attr]
    finally:
        wb.close()
    return grid(rows)


def _fastexcel_region(raw: RawSheet, first: int, exact: set[int]) -> pd.DataFrame:
    import fastexcel

    reader = _READERS[raw.source]  # type: ignore[index]
    try:
        sheet = reader.load_sheet(  # type: ignore[attr-defined]
            raw.name, header_row=None, skip_rows=first, schema_sample_rows=None, whitespace_as_null=True
        )
    except fastexcel.InvalidParametersError:  # nothing below ``first``
        return pd.DataFrame(index=pd.RangeIndex(first, first))
    available = sheet.available_columns()
    infos = {c.absolute_index: c.dtype for c in available}
    batch, cell_errors = sheet.to_arrow_with_errors()
    frame = batch.to_pandas()
    frame.columns = [c.absolute_index for c in available]
    if cell_errors is not None:
        for err in cell_errors.errors:
            row, col = err.position
            raw.errors[(int(row), int(col))] = _excel_error(str(err.detail))
    frame.index = pd.RangeIndex(first, first + len(frame))
    mixed = [c for c in exact if infos.get(c) == "string"]
    if mixed:  # text among numbers or dates: take each cell with its own type from calamine
        from python_calamine import CalamineWorkbook

        rows = CalamineWorkbook.from_path(str(raw.source)).get_sheet_by_name(raw.name).to_python(
            skip_empty_area=False
        )
        full = grid(rows)
        for c in mixed:
            col = full[c] if c in full.columns else pd.Series(dtype=object)
            frame[c] = col.reindex(frame.index).astype(object)
    return frame


_ERROR_NAMES = {
    "na": "#NV", "div0": "#DIV/0!", "value": "#WERT!", "ref": "#BEZUG!", "name": "#NAME?", "num": "#ZAHL!",
    "null": "#NULL!", "gettingdata": "#DATEN!",
}


def _excel_error(detail: str) -> str:
    """"Expected float but got 'Error(Div0)'" → "#DIV/0!" (the German Excel spelling)."""
    m = re.search(r"Error\((\w+)\)", detail)
    if not m:
        return "#FEHLER"
    return _ERROR_NAMES.get(m.group(1).casefold(), "#" + m.group(1).upper())


def _excel_error_text(text: str) -> str:
    """"#N/A" as stored in the file → "#NV" as a German Excel shows it."""
    return _ERROR_TEXTS.get(text, text)


def grid(rows: Sequence[Sequence[object]]) -> pd.DataFrame:
    """A grid of raw cell values with blanks ("" from the readers) as NA; columns 0…n-1, rows 0…m-1."""
    return grid_and_blanks(rows)[0]


def grid_and_blanks(rows: Sequence[Sequence[object]]) -> tuple[pd.DataFrame, np.ndarray | None]:
    """``grid(rows)`` and, for the readers' usual rectangle of plain values, ``pd.isna`` of its values (else None).

    There every blank became None and every other cell is a text, number or date that is not NA, so the
    blanks found are exactly the cells ``pd.isna`` names.
    """
    width = max((len(r) for r in rows), default=0)
    rectangle = width and all(len(r) == width for r in rows)
    types = set(map(type, itertools.chain.from_iterable(rows))) if rectangle else None
    if types is not None and types <= _TYPES:
        # the readers' usual rectangle of plain values: blanks found by numpy over one object array, no new row lists
        block = np.fromiter(itertools.chain.from_iterable(rows), dtype=object, count=len(rows) * width)
        block = block.reshape(len(rows), width)
        blank = _blanks(block, types)
        if blank is not None:
            block[blank] = None
        else:
            blank = np.zeros(block.shape, dtype=bool)
        return pd.DataFrame(block, dtype=object, copy=False), blank  # the block is ours: no copy of every cell
    cells = []
    for r in rows:  # one pass in Python over what the readers gave as Python objects (no frame-wide mask/where)
        row = [(None if v == "" else v) if type(v) is str else (None if v != v else v) if type(v) is float
               else v if type(v) in _PLAIN else _blank_to_none(v) for v in r]
        if len(row) < width:
            row += [None] * (width - len(row))
        cells.append(row)
    frame = pd.DataFrame(cells, dtype=object)
    if not frame.empty:
        frame.columns = range(frame.shape[1])
    return frame, None


_PLAIN = frozenset({int, bool, dt.date, dt.datetime, dt.time, dt.timedelta})  # never blank
_TYPES = _PLAIN | {str, float, type(None)}  # blank exactly when NA or "" (scalars numpy compares one by one)


def _blanks(block: np.ndarray, types: set[type]) -> np.ndarray | None:
    """``pd.isna(block) | (block == "")`` of an object array whose cells are of these ``_TYPES``; None: no blank.

    Of these types only None, a float NaN and "" are blank: "" is asked only of a block holding text, NaN (the
    one value unequal to itself) only of one holding floats, None only of one holding None.
    """
    blank = block == "" if str in types else None
    if float in types:
        nan = block != block
        blank = nan if blank is None else blank | nan
    if type(None) in types:
        none = np.equal(block, None)  # type: ignore[call-overload]
        blank = none if blank is None else blank | none
    return blank


def _blank_to_none(v: object) -> object:
    """None for a blank cell value ("" or NA: None, NaN, NaT), else the value."""
    if isinstance(v, str):
        return None if v == "" else v
    try:
        return None if pd.isna(v) else v  # type: ignore[arg-type]
    except (TypeError, ValueError):  # not a scalar
        return v


def _decode(data: bytes) -> str:
    return decode_text(data)  # BOM (UTF-8/16/32), else UTF-8, cp1252, Latin-1


def _load_csv(path: Path) -> RawSheet:
    text = _decode(path.read_bytes())
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (";", "\t", ",")}
    delim = ";" if counts[";"] else max(counts, key=lambda d: counts[d]) if any(counts.values()) else ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, quotechar='"')
    rows: list[list[object]] = [list(r) for r in reader]
    return RawSheet(name=path.stem, cells=grid(rows))


# --- structure from the OOXML parts: hidden columns and merged cells (cheap regex over the XML) ---

_COL = re.compile(rb"<(?:\w+:)?col\b([^>]*)/?>")
_ATTR = re.compile(rb'(\w+)="([^"]*)"')
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*)>(.*?)</(?:\w+:)?c>", re.DOTALL)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_ERROR_TEXTS = {"#N/A": "#NV", "#VALUE!": "#WERT!", "#REF!": "#BEZUG!", "#NUM!": "#ZAHL!", "#GETTING_DATA": "#DATEN!"}
_MERGE_SCAN_LIMIT = 32 << 20  # bytes of sheet XML read whole to find merged cells
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_REL = re.compile(rb"<Relationship\b([^>]*)/?>")


def col_index(letters: str) -> int:
    """0-based column index of a column letter ("A" → 0, "AA" → 26)."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def col_letter(index: int) -> str:
    """Column letter of a 0-based column index (0 → "A")."""
    s = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _attrs(raw: bytes) -> dict[str, str]:
    return {k.decode(): v.decode("utf-8", "replace") for k, v in _ATTR.findall(raw)}


class _NeedsZip(Exception):
    """The screen's facts do not answer for a sheet part: the structure is read from the workbook itself."""


class _ZipParts:
    """The parts of a workbook for ``_add_structure``, read from its zip archive."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.names = set(zf.namelist())
        self.total = sum(i.file_size for i in zf.infolist())

    def read(self, name: str) -> bytes:
        return self.zf.read(name)

    def sheet(self, part: str, errors: bool) -> tuple[bytes, bytes | None, bytes | None]:
        """What ``_add_structure`` looks at in a worksheet part.

        The bytes where hidden columns are looked for, the bytes from its last ``</sheetData>`` on
        (where merged ranges are; None for a part too large to read whole), and with ``errors`` its
        bytes when it holds error cells (else None).
        """
        whole = self.zf.getinfo(part).file_size <= _MERGE_SCAN_LIMIT  # larger sheets: two-line headers by text
        data = self.zf.read(part) if whole else b""
        if whole:
            start = data[: 1 << 16]  # what reading the part's start gives, without inflating it twice
        else:
            with self.zf.open(part) as fh:
                start = fh.read(1 << 16)
        cut = start.find(b"<sheetData")
        region = start[: cut if cut > 0 else len(start)]
        if not whole:
            return region, None, None
        tail = data.rfind(b"</sheetData>")
        return region, data[max(tail, 0):], data if errors and b't="e"' in data else None


class _FactParts:
    """The same parts as the screen saw them (``guard.structure_facts``): no second inflation of a sheet.

    Raises :class:`_NeedsZip` where the facts do not hold what ``_ZipParts`` would give.
    """

    def __init__(self, facts: dict[str, Any]) -> None:
        self.names = set(facts["names"])
        self.total = int(facts["total"])
        self.whole = {"xl/workbook.xml": facts["workbook"], "xl/_rels/workbook.xml.rels": facts["rels"]}
        self.parts: dict[str, list[Any]] = facts["parts"]

    def read(self, name: str) -> bytes:
        text = self.whole.get(name)
        if text is None:
            if name in self.names:
                raise _NeedsZip(name)
            raise KeyError(name)
        return str(text).encode("latin-1")

    def sheet(self, part: str, errors: bool) -> tuple[bytes, bytes | None, bytes | None]:
        seen = self.parts.get(part)
        if seen is None or seen[1] is None:  # not screened as a worksheet, or no <sheetData in its first 64 KB
            raise _NeedsZip(part)
        size, start, tail, has_errors = seen
        if int(size) > _MERGE_SCAN_LIMIT:
            return str(start).encode("latin-1"), None, None
        if tail is None or (errors and has_errors):
            raise _NeedsZip(part)
        return str(start).encode("latin-1"), str(tail).encode("latin-1"), None


def _add_structure(parts: _ZipParts | _FactParts | None, sheets: list[RawSheet]) -> None:
    """Read hidden columns and merged ranges of each sheet from the workbook XML."""
    if parts is None:
        return
    try:
        wb = parts.read("xl/workbook.xml")
        rels = parts.read("xl/_rels/workbook.xml.rels")
        targets = {}
        for raw in _REL.findall(rels):
            a = _attrs(raw)
            targets[a.get("Id", "")] = a.get("Target", "")
        by_name: dict[str, str] = {}
        for raw in _SHEET.findall(wb):
            a = _attrs(raw)
            rid = next((v for k, v in a.items() if k == "id"), "")
            target = targets.get(rid, "")
            if target:
                target = target.lstrip("/")
                by_name[_xml_unescape(a.get("name", ""))] = target if target.startswith("xl/") else "xl/" + target
        for sheet in sheets:
            part = by_name.get(sheet.name)
            part = part.replace("xl/xl/", "xl/") if part else part
            if not part or part not in parts.names:
                continue
            region, tail, data = parts.sheet(part, sheet.cells is not None)
            hidden: set[int] = set()
            for raw in _COL.findall(region):
                a = _attrs(raw)
                if a.get("hidden") in ("1", "true"):
                    for c in range(int(a.get("min", "1")) - 1, int(a.get("max", "1"))):
                        hidden.add(c)
            merges = []
            if tail is not None:
                for c1, r1, c2, r2 in _MERGE.findall(tail):
                    merges.append((int(r1) - 1, col_index(c1.decode()), int(r2) - 1, col_index(c2.decode())))
                if data is not None:  # error cells read whole come back blank
                    for attrs, body in _CELL.findall(data):
                        if b't="e"' not in attrs:
                            continue
                        ref = _REF.search(attrs)
                        value = _VALUE.search(body)
                        if ref and value:
                            pos = (int(ref.group(2)) - 1, col_index(ref.group(1).decode()))
                            sheet.errors[pos] = _excel_error_text(value.group(1).decode("utf-8", "replace"))
            sheet.hidden_cols = frozenset(hidden)
            sheet.merged = tuple(merges)
    except (KeyError, zipfile.BadZipFile, ValueError):
        return


def _xml_unescape(s: str) -> str:
    import html

    return html.unescape(s)
