"""Turn one raw sheet into a canonical frame: find the header, classify the kind, parse the values."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from kimrecon.findings import Code, Finding, Severity, SourceRef, finding
from kimrecon.inputs import COLUMNS, Kind, SheetInfo
from kimrecon.read import values as V
from kimrecon.read.files import RawSheet, col_letter
from kimrecon.read.grid import find_grid, read_grid
from kimrecon.read.versions import SheetFacts, list_year, stand_of, title_block
from kimrecon.spec import ColumnSpec, CommonSpec, KindSpec, all_specs, common_spec, fold, fold_variants

HEADER_SCAN_ROWS = 30  # the header must start within the first rows of a sheet
SKIP_SHEET_PREFIXES = ("beispiel", "anleitung", "ausfuellhilfe", "erlaeuterung", "hinweise", "muster")

_SCALES = {"cent": 100, "e4": 10_000, "h100": 100, "int": 1}


@dataclass
class SheetResult:
    """What reading one sheet produced."""

    kind: Kind | None
    info: SheetInfo | None
    frame: pd.DataFrame | None
    findings: list[Finding] = field(default_factory=list)
    pending: Pending | None = None  # set only inside ``deferred_parsing``: values still to parse
    facts: SheetFacts | None = None  # Stand, title and layout, for deciding between lists once all are read


@dataclass
class Pending:
    """A sheet whose rows are found and classified, its mapped columns not yet parsed.

    ``read_case`` parses the columns of many sheets of one kind at once (one parser call per column
    and kind instead of per sheet) and then calls ``finish_sheet``; the result is the same as
    ``read_sheet`` would have given.
    """

    sheet_name: str
    errors: dict[tuple[int, int], str]
    datei: str
    sheet_index: int
    header: _Header
    spec: KindSpec
    columns: dict[str, int]
    dropped: list[str]
    unknown: list[str]
    found: list[Finding]
    raw: dict[str, pd.Series | RawColumn]  # mapped column name -> raw cells of the data and total rows
    in_wanted: np.ndarray
    keep: pd.Index
    summen: pd.Index
    summen_texts: dict[int, list[str]]  # Excel row of a total row -> its text cells
    facts: SheetFacts | None = None


_DEFER = [False]
BATCH_MAX_ROWS = 20_000  # larger sheets are parsed on their own, inside their file's time budget


@contextmanager
def deferred_parsing() -> Iterator[None]:
    """Within this block, ``read_sheet`` leaves the column parsing to the caller (``Pending``)."""
    before = _DEFER[0]
    _DEFER[0] = True
    try:
        yield
    finally:
        _DEFER[0] = before


@dataclass
class _Header:
    row: int  # 0-based index of the (last) header row
    first: int  # 0-based index of the first header row
    labels: dict[int, str]  # column index -> header text (two-line headers joined)
    matches: dict[Kind, dict[int, str]]  # per kind: column index -> schema column name
    label_row: int | None = None  # 0-based row naming the columns, when a units row sits below it

    @property
    def excel_row(self) -> int:
        """1-based Excel row that names the columns (what findings about columns point at)."""
        return (self.row if self.label_row is None else self.label_row) + 1


def _is_blank(v: object) -> bool:
    if isinstance(v, str):
        return not v.strip()
    return v is None or bool(pd.isna(v))  # type: ignore[arg-type]


def _label(v: object) -> str:
    if type(v) is str:
        return " ".join(v.split())
    if v is None:
        return ""
    if type(v) is float and v == v:  # not NaN: never blank
        return str(int(v)) if v.is_integer() else " ".join(str(v).split())
    if type(v) in _NEVER_BLANK:
        return " ".join(str(v).split())
    if _is_blank(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return " ".join(str(v).split())


_NEVER_BLANK = frozenset({int, dt.date, dt.datetime})  # whole numbers and dates: what ``str`` gives


def _match_all(labels: dict[int, str], specs: dict[Kind, KindSpec]) -> dict[Kind, dict[int, str]]:
    out: dict[Kind, dict[int, str]] = {kind: {} for kind in specs}
    known = _HITS if specs is all_specs() else {}  # what ``_hits`` gives a text it has seen, without the call
    for c, text in labels.items():
        hit = known.get(text) if type(text) is str else None
        for kind, name in _hits(text, specs) if hit is None else hit:
            out[kind][c] = name
    return out


_HITS: dict[str, tuple[tuple[Kind, str], ...]] = {}


def _hits(text: str, specs: dict[Kind, KindSpec]) -> tuple[tuple[Kind, str], ...]:
    """(kind, column) pairs a header text names; cached per text for the schemas of ``all_specs``."""
    standard = type(text) is str and specs is all_specs()
    if standard:
        hit = _HITS.get(text)
        if hit is not None:
            return hit
    if standard and not any(v in _known_keys(specs) for v in fold_variants(text)):
        found: tuple[tuple[Kind, str], ...] = ()  # no kind knows this text (a data value): no per-kind lookups
    else:
        found = tuple((kind, name) for kind, spec in specs.items() if (name := spec.match(text)) is not None)
    if standard:
        if len(_HITS) >= 50_000:  # data values in the scanned rows vary: stay bounded
            _HITS.clear()
        _HITS[text] = found
    return found


_KEYS: list[tuple[dict[Kind, KindSpec], frozenset[str]]] = []


def _known_keys(specs: dict[Kind, KindSpec]) -> frozenset[str]:
    """Every folded alias of every kind: a text none of whose fold variants is here matches no column."""
    if not _KEYS or _KEYS[0][0] is not specs:
        _KEYS[:] = [(specs, frozenset(k for spec in specs.values() for k in spec.lookup))]
    return _KEYS[0][1]


def _score(matches: dict[Kind, dict[int, str]]) -> int:
    return max((len(set(m.values())) for m in matches.values()), default=0)


class _LazyLabels:
    """``_row_labels`` of each row, computed when first asked for (each row once; read-only)."""

    def __init__(self, rows: list[list[object]]) -> None:
        self.rows = rows
        self.done: dict[int, dict[int, str]] = {}

    def __getitem__(self, r: int) -> dict[int, str]:
        out = self.done.get(r)
        if out is None:
            out = self.done[r] = _row_labels(self.rows, r)
        return out


def _row_labels(rows: list[list[object]], r: int) -> dict[int, str]:
    if r >= len(rows):
        return {}
    return {c: t for c, v in enumerate(rows[r]) if (t := _label(v))}


def _merged_fill(
    merged: tuple[tuple[int, int, int, int], ...],
    rows: list[list[object]],
    r: int,
    labels: dict[int, str],
    *,
    horizontal: bool,
) -> dict[int, str]:
    """Carry a merged header cell's text down the rows it spans (and across its columns if ``horizontal``).

    Across is right for a group title over a second header row ("Unterbrechung" over von/bis);
    a single header cell merged over two columns still names one column.
    """
    out = dict(labels)
    for r1, c1, r2, c2 in merged:
        if r1 <= r <= r2:
            text = labels.get(c1) or _label(_cell(rows, r1, c1))
            if text:
                for c in range(c1, (c2 if horizontal else c1) + 1):
                    out.setdefault(c, text)
    return out


def _cell(rows: list[list[object]], r: int, c: int) -> object:
    if r < len(rows) and c < len(rows[r]):
        return rows[r][c]
    return None


def _two_line(
    upper: dict[int, str], spread: dict[int, str], lower: dict[int, str], specs: dict[Kind, KindSpec]
) -> dict[int, str]:
    """Join a header wrapped over two rows: "Unterbrechung" over "von" → "Unterbrechung von"."""
    filled = dict(spread)
    last = ""
    for c in range(0, max([*upper, *lower, -1]) + 1):
        if c in upper:
            last = upper[c]
        elif c in lower and last:
            filled.setdefault(c, last)  # an unmerged group title spans to the right
        else:
            last = ""
    out: dict[int, str] = {}
    for c in sorted(set(filled) | set(lower)):
        up, lo = filled.get(c, ""), lower.get(c, "")
        if up and up == lo:  # a header cell merged over both rows
            out[c] = up
        elif up and lo:
            joined = f"{up} {lo}"
            if _hits(joined, specs):
                out[c] = joined
            elif _hits(lo, specs):
                out[c] = lo
            elif c in upper and _hits(up, specs):
                out[c] = up
            else:
                out[c] = joined
        else:
            out[c] = up if c in upper else lo if lo else up
            if not lo and c not in upper:
                del out[c]
    return out


def _any_value(head: pd.DataFrame) -> bool:
    """``head.notna().to_numpy().any()`` from one object array (no frame of masks)."""
    return bool(pd.notna(head.to_numpy(dtype=object)).any())


def _any_filled(values: np.ndarray) -> bool:
    """``bool(pd.notna(values).any())`` of an object array, stopping at the first cell that is not NA (mostly cell 0).

    None and a float NaN are NA, a text or a number or a date is not; a cell of any other type leaves it to pandas.
    """
    for v in values.ravel().tolist():
        t = type(v)
        if v is None or (t is float and v != v):
            continue
        if t is str or t is float or t in _NEVER_NA:
            return True
        return bool(pd.notna(values).any())
    return False


_NEVER_NA = frozenset({int, bool, dt.date, dt.datetime, dt.time, dt.timedelta})  # ``pd.notna`` is True for these


def _head_rows(head: pd.DataFrame) -> list[list[object]]:
    if head.empty:
        return []
    width = int(max(head.columns)) + 1
    if isinstance(head.columns, pd.RangeIndex) and head.columns.equals(pd.RangeIndex(width)):
        return head.to_numpy(dtype=object).tolist()  # every column there already (a grid): no reindexed copy
    full = head.reindex(columns=range(width))
    return full.to_numpy(dtype=object).tolist()


def _head_block(sheet: RawSheet) -> np.ndarray | None:
    """The first rows of a sheet read whole as its object array's rows (``sheet.head`` without a frame), else None."""
    values = sheet.array()
    return None if values is None else values[:HEADER_SCAN_ROWS + 1]


def find_header(head: pd.DataFrame | None, sheet: RawSheet, specs: dict[Kind, KindSpec],
                rows: list[list[object]] | None = None, *, present: np.ndarray | None = None) -> _Header | None:
    """Find the header row (or pair of rows) among the first rows: the one that names most columns.

    ``rows`` is ``_head_rows(head)`` when the caller has it already; ``present``, if given, says per cell
    of ``rows`` whether it is not NA (``~pd.isna``: the cells a label can come from).
    """
    rows = _head_rows(head) if rows is None else rows  # type: ignore[arg-type]
    best: _Header | None = None
    best_score = 1  # at least two known columns make a header
    limit = min(len(rows), HEADER_SCAN_ROWS)
    # a score counts distinct columns named, so it is at most the number of labelled cells: rows (and pairs
    # of rows) that cannot beat the best so far are not matched — most data rows under a found header
    if present is not None:  # the same bounds counted by numpy: a blank (NA) cell has no label either
        scanned = present[:limit + 1]
        one = scanned.sum(axis=1).tolist()
        two = (scanned[:-1] | scanned[1:]).sum(axis=1).tolist()  # row r with row r + 1
    else:
        filled = [frozenset(c for c, v in enumerate(row) if v is not None) for row in rows[:limit + 1]]
        one = [len(f) for f in filled]
        two = [len(a | b) for a, b in zip(filled, filled[1:], strict=False)]
    row_labels = _LazyLabels(rows)
    for r in range(limit):
        if not sheet.merged and one[r] <= best_score and (r + 1 >= len(rows) or two[r] <= best_score):
            continue  # a label needs a filled cell; without merged cells nothing else is labelled
        own = row_labels[r]
        labels = _merged_fill(sheet.merged, rows, r, own, horizontal=False)
        if not labels:
            continue
        if len(labels) > best_score:
            m = _match_all(labels, specs)
            sc = _score(m)
            if sc > best_score:
                best, best_score = _Header(r, r, labels, m), sc
        if r + 1 < len(rows):
            lower = _merged_fill(sheet.merged, rows, r + 1, row_labels[r + 1], horizontal=False)
            if lower:
                spread = _merged_fill(sheet.merged, rows, r, own, horizontal=True)
                if len(spread.keys() | lower.keys()) <= best_score:  # the joined labels sit in these columns
                    continue
                joined = _two_line(labels, spread, lower, specs)
                m2 = _match_all(joined, specs)
                sc2 = _score(m2)
                if sc2 > best_score:
                    best, best_score = _Header(r + 1, r, joined, m2), sc2
    if best is not None and best.row + 1 < len(rows) and is_units_row(rows[best.row + 1]):
        best = _Header(best.row + 1, best.first, best.labels, best.matches, label_row=best.row)  # "(€)" under it
    return best


_UNITS = {"€", "eur", "euro", "in €", "in eur", "%", "h", "std", "std.", "stunden", "tt.mm.jjjj", "jjjj", "vzä",
          "ja/nein", "datum", "betrag"}


def is_units_row(values: list[object]) -> bool:
    """A row of units or formats right under the header, not data."""
    cells = [v for v in values if not _is_blank(v)]
    if not cells or not all(isinstance(v, str) for v in cells):
        return False
    for v in cells:
        s = str(v).strip().casefold()
        if not ((s[:1] in "([" and s[-1:] in ")]") or s in _UNITS):
            return False
    return True


def classify(header: _Header, specs: dict[Kind, KindSpec], sheet_name: str, file_name: str) -> tuple[
    list[Kind], Kind | None
]:
    """Pick the kind whose columns the header names most; the sheet's (or file's) name counts too.

    Ties go to the kind with all required columns present. Returns (the kinds that tie, the chosen
    kind or None). A kind needs two matched columns and half of its required ones to compete.
    """

    def rank(kind: Kind) -> tuple[int, int, int]:
        spec = specs[kind]
        names = set(header.matches[kind].values())
        req = [n for n, c in spec.columns.items() if c.required]
        have = sum(1 for n in req if n in names)
        hint = 2 if _name_hint(spec, sheet_name) else 1 if _name_hint(spec, file_name) else 0
        return (len(names) + hint, int(have == len(req)), have * 100 // max(len(req), 1))

    def competes(kind: Kind) -> bool:
        spec = specs[kind]
        names = set(header.matches[kind].values())
        req = [n for n, c in spec.columns.items() if c.required]
        return len(names) >= 2 and 2 * sum(1 for n in req if n in names) >= len(req)

    kinds = [k for k in specs if competes(k)]
    if not kinds:
        return [], None
    ranks = {k: rank(k) for k in kinds}  # each kind ranked once
    ranked = sorted(kinds, key=ranks.__getitem__, reverse=True)
    top = ranks[ranked[0]]
    ties = [k for k in ranked if ranks[k] == top]
    return ties, ranked[0] if len(ties) == 1 else None


def _name_hint(spec: KindSpec, name: str) -> bool:
    return _names_hint((spec.label, *spec.sheet_names), name)


@functools.lru_cache(maxsize=4096)
def _names_hint(names: tuple[str, ...], name: str) -> bool:
    """Whether a sheet or file name contains one of these names (folded); asked per kind and sheet several times."""
    f = fold(name)
    return any(fold(n) and fold(n) in f for n in names)


def read_sheet(sheet: RawSheet, datei: str, sheet_index: int) -> SheetResult:
    """Read one sheet into a canonical frame (``_sheet`` = sheet_index) with its findings."""
    specs = all_specs()
    where = SourceRef(datei, sheet.name)
    if fold(sheet.name).startswith(SKIP_SHEET_PREFIXES):
        return _skipped_sheet(sheet, specs, where)
    if sheet.hidden:
        head = sheet.head(HEADER_SCAN_ROWS + 1)
        if head.empty or not _any_value(head):
            return SheetResult(None, None, None)
        return SheetResult(None, None, None, [finding(Code.BLATT_AUSGEBLENDET, where, severity=Severity.HINWEIS)])
    top = _head_block(sheet)
    head = sheet.head(HEADER_SCAN_ROWS + 1) if top is None else None
    if top is None and (head.empty or not _any_value(head)) or (  # type: ignore[union-attr]
            top is not None and (top.size == 0 or not _any_filled(top))):
        rest = sheet.region(HEADER_SCAN_ROWS + 1, set())
        if rest.empty or not rest.notna().to_numpy().any():
            return SheetResult(None, None, None)  # an empty sheet ("Tabelle2") holds nothing to lose
    rows = _head_rows(head) if top is None else top.tolist() if top.size else []  # type: ignore[arg-type]
    present = ~sheet.blanks()[:HEADER_SCAN_ROWS + 1] if top is not None and top.size else None  # type: ignore[index]
    header = find_header(head, sheet, specs, rows, present=present)
    ties, kind = classify(header, specs, sheet.name, datei) if header is not None else ([], None)
    grid = find_grid(rows[:HEADER_SCAN_ROWS], sheet.merged)
    if grid is not None and _grid_layout(grid.row, header, kind, specs):
        return _read_grid_sheet(sheet, datei, sheet_index, grid, rows)
    if header is None or kind is None:
        if ties:
            arten = ", ".join(specs[k].label for k in ties)
            return SheetResult(None, None, None, [finding(Code.BLATT_MEHRDEUTIG, where, arten=arten)])
        return SheetResult(None, None, None, [_unplaced(rows, header, specs, sheet.name, datei, where)])
    facts = _facts(rows, header.first, sheet.name, datei)
    return _read_kind(sheet, datei, sheet_index, header, specs[kind], facts)


def _grid_layout(grid_row: int, header: _Header | None, kind: Kind | None, specs: dict[Kind, KindSpec]) -> bool:
    """A month grid unless the sheet is a complete list of another layout (months in its data rows are dates)."""
    if header is None or kind is None or not _complete(header, specs[kind]):
        return True
    return kind is not Kind.BESETZUNG and grid_row <= header.row


def _complete(header: _Header, spec: KindSpec) -> bool:
    """Tell whether the header names every required column of the kind (a Soll/Haben pair counts as Betrag)."""
    names = set(header.matches[spec.kind].values())
    names |= {spec.parts[n].part_of for n in names if n in spec.parts and spec.parts[n].sign}
    return all(n in names for n, c in spec.columns.items() if c.required)


def _facts(rows: list[list[object]], first: int, sheet_name: str, datei: str, **layout: object) -> SheetFacts:
    title = title_block(rows, first, sheet_name, datei)
    stand, quelle = stand_of(title)
    return SheetFacts(title, stand, quelle, year=list_year(title), **layout)  # type: ignore[arg-type]


def _read_grid_sheet(sheet: RawSheet, datei: str, sheet_index: int, grid: object, rows: list[list[object]]) -> (
        SheetResult):
    """A month grid of staffing: canonical Besetzung rows, one per run of equal months."""
    title = title_block(rows, grid.row, sheet.name, datei)  # type: ignore[attr-defined]
    done = read_grid(sheet, datei, grid, title)  # type: ignore[arg-type]
    frame = _canonical(Kind.BESETZUNG, done.frame)
    frame["_sheet"] = sheet_index
    frame["_zeile"] = done.frame["_zeile"].astype("int64") if len(done.frame) else pd.Series([], dtype="int64")
    facts = _facts(rows, grid.row, sheet.name, datei, grid=True, open_town=done.open_town,  # type: ignore[attr-defined]
                   town_cell=done.free_cell)
    return SheetResult(Kind.BESETZUNG, done.info, frame.reset_index(drop=True), done.findings, facts=facts)


def _unplaced(rows: list[list[object]], header: _Header | None, specs: dict[Kind, KindSpec], sheet_name: str,
              datei: str, where: SourceRef) -> Finding:
    """A sheet no kind takes: a Fehler when it looks like one (named so, or some of its columns), else a Hinweis."""
    best: tuple[int, Kind, int, dict[int, str]] | None = None
    for r, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        labels = {c: t for c, v in enumerate(cells) if (t := _label(v))}
        for kind, matched in _match_all(labels, specs).items():
            n = len(set(matched.values()))
            hinted = _name_hint(specs[kind], sheet_name) or _name_hint(specs[kind], datei)
            if (n >= 2 or (n >= 1 and hinted)) and (best is None or n > best[0]):
                best = (n, kind, r, matched)
    if best is None:
        return finding(Code.BLATT_UNBEKANNT, where, severity=Severity.HINWEIS)
    _, kind, r, matched = best
    spec = specs[kind]
    have = set(matched.values())
    missing = [c.header for n, c in spec.columns.items() if c.required and n not in have]
    fehlt = "die Spalte " if len(missing) == 1 else "die Spalten "
    fehlt += ", ".join(f"„{m}“" for m in missing) if missing else "eine erkennbare Überschriftenzeile"
    free = max(matched, default=-1) + 1
    return finding(Code.BLATT_UNVOLLSTAENDIG, SourceRef(where.datei, where.blatt, r + 1, col_letter(free)),
                   art=spec.label, fehlt=fehlt, formen=_layouts(spec), zelle=f"{col_letter(free)}{r + 1}")


def _layouts(spec: KindSpec) -> str:
    """The accepted layouts of a kind, in words."""
    required = ", ".join(f"„{c.header}“" for c in spec.columns.values() if c.required)
    rows = f"eine Zeile je Eintrag mit den Spalten {required}"
    if spec.kind is Kind.BESETZUNG:
        return (f"{rows} (dazu „Wochenstunden“ oder „Stellenanteil“), oder eine Monatstabelle: eine Zeile je "
                "Person oder Stelle, eine Spalte je Monat (Jan … Dez) mit Stellenanteil oder Wochenstunden, "
                "die Kommune als Spalte oder im Titel, das Jahr in den Überschriften, "
                "einer Spalte „Jahr“ oder im Titel")
    if spec.kind is Kind.ZAHLUNGEN:
        return f"{rows}; statt „Betrag“ auch die Spalten „Soll“ und „Haben“ oder „Betrag“ mit „S/H“"
    return rows


TEMPLATE_MARK = "nicht ausgewertet"  # the example sheet of a kimrecon template says so in its first rows


def _skipped_sheet(sheet: RawSheet, specs: dict[Kind, KindSpec], where: SourceRef) -> SheetResult:
    """An example or instructions sheet is not read; if it holds a table anyway, say so."""
    head = sheet.head(HEADER_SCAN_ROWS + 1)
    first = head.iloc[:3].to_numpy(dtype=object).ravel().tolist() if not head.empty else []
    if any(isinstance(v, str) and TEMPLATE_MARK in v for v in first):
        return SheetResult(None, None, None)
    header = find_header(head, sheet, specs)
    if header is None or classify(header, specs, sheet.name, "")[1] is None:
        return SheetResult(None, None, None)  # instructions in prose: nothing to read
    return SheetResult(None, None, None, [finding(Code.BLATT_UEBERSPRUNGEN, where, severity=Severity.HINWEIS)])


def _read_kind(sheet: RawSheet, datei: str, sheet_index: int, header: _Header, spec: KindSpec,
               facts: SheetFacts | None = None) -> SheetResult:
    found: list[Finding] = []
    common = common_spec()

    def ref(row: int | None, col: int | None) -> SourceRef:
        return SourceRef(datei, sheet.name, row, None if col is None else col_letter(col))

    columns, dropped, unknown, mapped_findings = _map_columns(header, spec, sheet, ref)
    found.extend(mapped_findings)

    # data rows: everything below the header, minus blank rows, total rows and footnotes
    block = _block_of(sheet, header, columns, spec)
    data: pd.DataFrame | _Block
    if block is None:
        exact = {c for n, c in columns.items() if spec.all_columns[n].type not in ("text", "ags")}
        frame = sheet.region(header.row + 1, exact)
        missing = [c for c in columns.values() if c not in frame.columns]
        if missing:  # a column with nothing below its header
            frame = frame.assign(**{str(c): None for c in missing}).rename(columns={str(c): c for c in missing})
        frame.index = pd.RangeIndex(header.row + 2, header.row + 2 + len(frame), name="_zeile")  # Excel row numbers
        data = _fill_merged_data(frame, sheet, header, columns, spec)
        cells = sheet_cells(data, objects=sheet.cells is not None)  # a grid read whole holds objects only
    else:
        data, cells = block, (block.values, block.blank)
    required = [columns[n] for n, cs in spec.columns.items() if cs.required and n in columns]
    row_kind = row_kinds(data, sorted(columns.values()), required, common, arrays=cells)
    is_summe = row_kind == "summe"
    wanted_pos = np.flatnonzero((row_kind == "data") | is_summe)
    in_wanted = np.flatnonzero(row_kind[wanted_pos] == "data")  # data rows, as positions among the wanted
    # the Excel rows of the wanted rows, taken once; without total rows they are the data rows too
    index = data.index[wanted_pos] if isinstance(data, _Block) else None
    keep = index if index is not None and len(in_wanted) == len(wanted_pos) else data.index[wanted_pos[in_wanted]]
    summen = data.index[is_summe] if is_summe.any() else _NO_ROWS  # only counted and walked: any empty Index
    needed = _needed(spec, columns)
    found.extend(_formulas_without_value(sheet, data, cells[1], wanted_pos[in_wanted], needed, ref))
    raw = _raw_columns(data, cells[0], wanted_pos, columns, index)
    pending = Pending(
        sheet_name=sheet.name,
        errors=sheet.errors,
        datei=datei,
        sheet_index=sheet_index,
        header=header,
        spec=spec,
        columns=columns,
        dropped=dropped,
        unknown=unknown,
        found=found,
        raw=raw,
        in_wanted=in_wanted,
        keep=keep,
        summen=summen,
        summen_texts=_summen_texts(data, cells[0], summen, row_kind),
        facts=facts,
    )
    if _DEFER[0] and len(wanted_pos) <= BATCH_MAX_ROWS:
        return SheetResult(None, None, None, [], pending=pending)
    return finish_sheet(pending, {name: _parse(spec.all_columns[name], _raw_series(col))
                                  for name, col in pending.raw.items()})


_NO_ROWS = pd.Index([], dtype="int64", name="_zeile")  # no total rows


@dataclass  # not frozen: built per sheet and column, a frozen init costs ≈ 1 µs more
class _Block:
    """The rows below the header of a sheet read whole: a slice of its object array standing in for the frame.

    ``index`` and ``columns`` are what the frame would have (Excel rows; the grid's columns 0…n-1).
    """

    values: np.ndarray
    index: pd.RangeIndex
    columns: pd.Index
    blank: np.ndarray  # ``pd.isna(values)``

    def __len__(self) -> int:
        """Rows below the header."""
        return len(self.values)


def _block_of(sheet: RawSheet, header: _Header, columns: dict[str, int], spec: KindSpec) -> _Block | None:
    """The data region of a sheet read whole without a frame; None when the frame path is needed.

    That is a sheet not read whole, a mapped column beyond the grid (added as blanks there), or a value
    merged down data rows (filled in the frame).
    """
    values = sheet.array()
    if values is None or _fill_ranges(sheet, header, columns, spec):
        return None
    grid_columns = sheet.cells.columns  # type: ignore[union-attr]
    width = values.shape[1]
    if not (isinstance(grid_columns, pd.RangeIndex) and grid_columns.equals(pd.RangeIndex(width))):
        return None
    if any(c >= width for c in columns.values()):
        return None
    block = values[header.row + 1:]
    blank = sheet.blanks()[header.row + 1:]  # type: ignore[index]
    return _Block(block, pd.RangeIndex(header.row + 2, header.row + 2 + len(block), name="_zeile"), grid_columns, blank)


def _summen_texts(data: pd.DataFrame | _Block, grid: np.ndarray | None, summen: pd.Index,
                  row_kind: np.ndarray) -> dict[int, list[str]]:
    """Excel row of each total row -> its text cells (from the object array when the sheet has one)."""
    if isinstance(data, _Block):
        rows = data.values[np.flatnonzero(row_kind == "summe")].tolist()
        return {int(z): [v for v in row if isinstance(v, str)] for z, row in zip(summen, rows, strict=True)}
    return {int(z): [v for v in data.loc[z].tolist() if isinstance(v, str)] for z in summen}


@dataclass  # not frozen: built per sheet and column, a frozen init costs ≈ 1 µs more
class RawColumn:
    """The raw cells of a mapped column of a sheet read whole: a column of its object array, a Series when asked.

    Parsing joins these arrays per kind (``parse_pending``); only a sheet parsed alone, or a finding that
    quotes cells as written, needs the Series (``wanted[c]`` of the sheet's wanted rows, as before).
    """

    values: np.ndarray  # Python objects, blanks None
    index: pd.Index  # their Excel rows
    name: int  # the sheet's column
    dtype = np.dtype(object)

    def __len__(self) -> int:
        """Rows of the column."""
        return len(self.values)

    def to_numpy(self) -> np.ndarray:
        """The cells as an object array."""
        return self.values

    def series(self) -> pd.Series:
        """The cells as the Series ``data.iloc[wanted_pos][name]`` is."""
        return pd.Series(self.values, index=self.index, name=self.name, dtype=object)


def _raw_columns(data: pd.DataFrame | _Block, grid: np.ndarray | None, wanted_pos: np.ndarray,
                 columns: dict[str, int], index: pd.Index | None = None) -> dict[str, pd.Series | RawColumn]:
    """The mapped columns' raw cells of the rows at ``wanted_pos``; ``grid``: the sheet's object array, if any.

    ``index`` is ``data.index[wanted_pos]`` when the caller has it already.
    """
    if grid is None:
        wanted = cast("pd.DataFrame", data).iloc[wanted_pos]  # one take for the whole frame, not one per column
        return {name: wanted[c] for name, c in columns.items()}
    block = grid[wanted_pos]  # one take of the array; no frame, no Series per column
    index = data.index[wanted_pos] if index is None else index
    at = _positions(data, list(columns.values())).tolist()
    return {name: RawColumn(block[:, j], index, c) for (name, c), j in zip(columns.items(), at, strict=True)}


def _raw_series(col: pd.Series | RawColumn) -> pd.Series:
    return col if isinstance(col, pd.Series) else col.series()


def _raw_value(col: pd.Series | RawColumn, i: int) -> object:
    """The cell at position ``i``."""
    return col.iat[i] if isinstance(col, pd.Series) else col.values[i]


def parse_pending(pendings: list[Pending]) -> list[dict[str, dict[str, pd.Series]]]:
    """Parse the mapped columns of many sheets: one parser call per kind, column and dtype.

    Every parser works cell by cell (whole-column steps only pick vectorised routes), so parsing
    the concatenation and cutting it back gives each sheet exactly what parsing it alone gives.
    """
    out: list[dict[str, dict[str, pd.Series]]] = [{} for _ in pendings]
    groups: dict[tuple[Kind, str, str], list[int]] = {}
    for i, p in enumerate(pendings):
        for name, col in p.raw.items():
            dtype = "object" if type(col) is RawColumn else str(col.dtype)  # str(np.dtype(object)), not asked each time
            groups.setdefault((p.spec.kind, name, dtype), []).append(i)
    for (_, name, _), members in groups.items():
        cspec = pendings[members[0]].spec.all_columns[name]
        if len(members) == 1:
            i = members[0]
            out[i][name] = _parse(cspec, _raw_series(pendings[i].raw[name]))
            continue
        cols = [pendings[i].raw[name] for i in members]
        parsed = _parse(cspec, _concat(cols))
        bad = parsed["_bad"].to_numpy(dtype=bool)  # only its data rows are looked at: an array, not a Series per sheet
        arrays = {t: series.array for t, series in parsed.items()}  # each sheet's part is a slice of these
        negative = {t: (a < 0).to_numpy(dtype=bool, na_value=False) for t, a in arrays.items()
                    if isinstance(a, pd.arrays.IntegerArray)}  # amounts below zero, asked of most sheets
        start = 0
        for i, col in zip(members, cols, strict=True):
            stop = start + len(col)
            out[i][name] = {t: bad[start:stop] if t == "_bad" else
                            _rows(series, start, stop, col.index, arrays[t], negative.get(t))
                            for t, series in parsed.items()}
            start = stop
    return out


def _concat(cols: list[pd.Series | RawColumn]) -> pd.Series:
    """``pd.concat(cols, ignore_index=True)``; columns of Python objects are joined as one array (faster, the same)."""
    if all(type(c) is RawColumn for c in cols):  # the usual case: arrays of Python objects, taken as they are
        name = cols[0].name
        name = name if all(c.name == name for c in cols) else None
        return pd.Series(np.concatenate([c.values for c in cols]), dtype=object, name=name)  # type: ignore[union-attr]
    if all(c.dtype == object for c in cols):
        name = cols[0].name if all(c.name == cols[0].name for c in cols) else None
        return pd.Series(np.concatenate([c.to_numpy() for c in cols]), dtype=object, name=name)
    return pd.concat([_raw_series(c) for c in cols], ignore_index=True)


def _part(series: pd.Series, start: int, stop: int, index: pd.Index) -> pd.Series:
    """Rows ``start:stop`` of a parsed column under the sheet's own index: a view, not a copy (``set_axis`` copies)."""
    out = series.iloc[start:stop]
    out.index = index
    return out


@dataclass  # not frozen: built per sheet and column, a frozen init costs ≈ 1 µs more
class Rows:
    """Rows ``start:stop`` of a column parsed for many sheets: one sheet's part, a Series only when asked.

    ``take`` picks the data rows among them (None: all). Finishing a sheet looks at few of its columns
    as Series (signed amounts, totals); the rest go to ``canonical_of_many`` as arrays, so most sheets
    never build a Series per column.
    """

    full: pd.Series
    start: int
    stop: int
    index: pd.Index  # the sheet's Excel rows of ``start:stop``
    values: object  # ``full.array`` (taken once for all sheets)
    take: np.ndarray | None = None
    negative: np.ndarray | None = None  # ``values < 0`` (NA: False) of whole numbers, else None

    @property
    def dtype(self) -> object:
        """The parsed column's dtype."""
        return self.full.dtype

    def __len__(self) -> int:
        """Rows of the sheet's part (its data rows when ``take`` is set)."""
        return self.stop - self.start if self.take is None else len(self.take)

    def part(self) -> pd.Series:
        """Rows ``start:stop`` as a Series under the sheet's index (what ``_part`` gives)."""
        return _part(self.full, self.start, self.stop, self.index)

    def series(self) -> pd.Series:
        """The data rows (``take``) as a Series under their Excel rows."""
        part = self.part()
        return part if self.take is None else part.iloc[self.take]

    def array(self) -> object:
        """The values of ``series()`` as the same pandas array, without the Series."""
        values = self.values[self.start:self.stop]  # type: ignore[index]
        return values if self.take is None else values[self.take]

    def positions(self) -> np.ndarray:
        """Positions of ``array()`` in ``values``."""
        if self.take is None:
            return np.arange(self.start, self.stop, dtype=np.intp)
        return self.start + np.asarray(self.take, dtype=np.intp)

    def rows(self, take: np.ndarray) -> Rows:
        """These rows' data rows (positions among them)."""
        assert self.take is None
        return Rows(self.full, self.start, self.stop, self.index, self.values, take, self.negative)


def _rows(series: pd.Series, start: int, stop: int, index: pd.Index, values: object,
          negative: np.ndarray | None = None) -> Rows | pd.Series:
    """A sheet's part of a column parsed for many sheets (``Rows``; ``tests/read_reference.py`` swaps in ``_part``)."""
    return Rows(series, start, stop, index, values, negative=negative)


def _series(values: pd.Series | Rows) -> pd.Series:
    return values if isinstance(values, pd.Series) else values.series()


def _materialize(cols: dict[str, pd.Series | Rows], name: str) -> pd.Series | None:
    """``cols[name]`` as a Series (kept so in ``cols``), None when absent."""
    if name not in cols:
        return None
    out = cols[name] = _series(cols[name])
    return out


def _negative(values: pd.Series | Rows) -> np.ndarray:
    """``values.lt(0)`` as a bool array, NA as False."""
    if isinstance(values, Rows) and values.negative is not None:
        below = values.negative[values.start:values.stop]
        return below if values.take is None else below[values.take]
    if isinstance(values, Rows):
        arr = values.array()
        if isinstance(arr, pd.arrays.IntegerArray):
            return (arr < 0).to_numpy(dtype=bool, na_value=False)
        values = values.series()
    return values.lt(0).to_numpy(dtype=bool, na_value=False)


def finish_sheet(p: Pending, parsed_cols: dict[str, dict[str, pd.Series]]) -> SheetResult:
    """The canonical frame, findings and facts of a sheet from its parsed columns."""
    found, info, lazy = finish_pending(p, parsed_cols)
    cols = {name: _series(values) for name, values in lazy.items()}
    frame = pd.DataFrame(cols, index=p.keep) if cols else pd.DataFrame(index=p.keep)
    out = _canonical(p.spec.kind, frame)
    out["_sheet"] = p.sheet_index
    out["_zeile"] = pd.Series(out.index, index=out.index, dtype="int64")
    out = out.reset_index(drop=True)
    return SheetResult(p.spec.kind, info, out, found, facts=p.facts)


def finish_pending(
    p: Pending, parsed_cols: dict[str, dict[str, pd.Series]]
) -> tuple[list[Finding], SheetInfo, dict[str, pd.Series]]:
    """Findings and facts of a sheet, and its parsed data-row columns (canonical name -> values)."""
    spec, columns, keep, summen, in_wanted = p.spec, p.columns, p.keep, p.summen, p.in_wanted
    found = list(p.found)
    datei, sheet_name, header = p.datei, p.sheet_name, p.header
    hrow = header.excel_row

    def ref(row: int | None, col: int | None) -> SourceRef:
        return SourceRef(datei, sheet_name, row, None if col is None else col_letter(col))

    cols: dict[str, pd.Series | Rows] = {}
    parsed_all: dict[str, pd.Series | Rows] = {}
    for name, c in columns.items():
        cspec = spec.all_columns[name]
        col = p.raw[name]
        parsed = parsed_cols[name]
        for target, series in parsed.items():
            if target == "_bad":
                continue
            parsed_all[target] = series
            if len(in_wanted) == len(series):  # no total rows: all
                cols[target] = series
            else:
                cols[target] = series.iloc[in_wanted] if isinstance(series, pd.Series) else series.rows(in_wanted)
        bad = np.asarray(parsed["_bad"], dtype=bool)
        for q in np.flatnonzero(bad[in_wanted]) if bad.any() else ():  # mostly none: no take, no search
            z = int(keep[q])
            found.append(_bad_value(cspec, ref(z, c), _raw_value(col, int(in_wanted[q]))))

    found.extend(_signed_amounts(p, cols, ref))

    # Excel error values (#DIV/0!, #NV …): the readers give NA, so report the cell itself
    keep_set = set(keep.tolist())
    by_col = {c: n for n, c in columns.items()}
    for (r0, c), shown in sorted(p.errors.items()):
        if r0 + 1 in keep_set and c in by_col:
            found.append(_bad_value(spec.all_columns[by_col[c]], ref(r0 + 1, c), shown))

    # total rows: checked against the rows above, never read as data
    if len(summen):  # a Series only of the amounts ``_check_total`` looks at, not of every parsed column
        parsed_all = {t: v if isinstance(v, pd.Series) else v.part() for t, v in parsed_all.items()
                      if t in columns and spec.all_columns[t].type in _TOTAL_TYPES}
    for k, z in enumerate(summen):
        prev = int(summen[k - 1]) if k else None
        nxt = int(summen[k + 1]) if k + 1 < len(summen) else None
        texts = p.summen_texts[int(z)]
        sub = bool(texts) and fold(texts[0]).startswith("zwischen")
        found.extend(_check_total(spec, columns, parsed_all, keep, int(z), prev if sub else None, nxt,  # type: ignore[arg-type]
                                  ref))

    letters: dict[str, str] = {}
    for name, c in columns.items():
        for target in spec.all_columns[name].canonical:
            letters[target] = col_letter(c)
    for name, c in columns.items():
        part = spec.all_columns[name]
        if part.part_of and part.sign:
            letters.setdefault(part.part_of, col_letter(c))
    info = SheetInfo(
        datei=datei,
        blatt=sheet_name,
        kind=spec.kind,
        header_row=hrow,
        columns=letters,
        dropped=tuple(p.dropped),
        unknown=tuple(p.unknown),
        rows=len(keep),
    )
    return found, info, cols


def canonical_of_many(kind: Kind, sheets: list[tuple[int, pd.Index, dict[str, pd.Series | Rows]]]) -> pd.DataFrame:
    """One canonical frame for many sheets of a kind, (sheet index, data rows, parsed columns) each.

    Equal to concatenating what ``finish_sheet`` gives per sheet, without per-sheet frames.
    """
    out: dict[str, object] = {}
    rows = sum(len(keep) for _, keep, _ in sheets)
    for name, note in COLUMNS[kind].items():
        dtype = _DTYPES[note.rstrip("!")]
        if all(name not in cols for _, _, cols in sheets):  # a column no sheet has: NA once, not per sheet
            out[name] = pd.Series(pd.NaT if dtype == "datetime64[s]" else pd.NA, index=pd.RangeIndex(rows), dtype=dtype)
            continue
        pieces = _pieces(sheets, name, dtype)
        out[name] = _join(pieces)
    out["_sheet"] = np.repeat(np.array([i for i, _, _ in sheets], dtype="int64"), [len(k) for _, k, _ in sheets])
    out["_zeile"] = np.concatenate([k.to_numpy(dtype="int64") for _, k, _ in sheets])
    return pd.DataFrame(out)


def _pieces(sheets: list[tuple[int, pd.Index, dict[str, pd.Series | Rows]]], name: str, dtype: object) -> (
        list[object]):
    """Each sheet's values of one canonical column as a pandas array of ``dtype``, in sheet order.

    Consecutive sheets' parts of one parsed column become one piece (one take instead of one per sheet).
    """
    pieces: list[object] = []
    run: list[Rows] = []

    def flush() -> None:
        if run:
            pieces.append(run[0].values.take(np.concatenate([r.positions() for r in run])))  # type: ignore[attr-defined]
            run.clear()

    for _, keep, cols in sheets:
        s = cols.get(name)
        if isinstance(s, Rows) and s.dtype == dtype:
            if run and run[0].values is not s.values:
                flush()
            run.append(s)
            continue
        flush()
        if s is None:
            s = pd.Series(pd.NaT if dtype == "datetime64[s]" else pd.NA, index=keep, dtype=dtype)
        elif s.dtype != dtype:
            s = _series(s).astype(dtype)
        pieces.append(s.array if isinstance(s, pd.Series) else s.array())
    flush()
    return pieces


def _join(arrays: list[object]) -> pd.Series:
    """``pd.concat`` of Series of these arrays (one dtype) with a fresh RangeIndex, as one array concatenation."""
    kind = type(arrays[0])
    if all(type(a) is kind for a in arrays):  # one dtype: the caller gives every piece the canonical one
        return _as_series(kind._concat_same_type(arrays))  # type: ignore[attr-defined]
    return pd.concat([_as_series(a) for a in arrays], ignore_index=True)


def _as_series(values: object) -> pd.Series:
    """A Series of exactly this array's dtype (pandas would infer ``str`` for an array of Python strings)."""
    if isinstance(values, pd.arrays.NumpyExtensionArray):
        values = values.to_numpy()
    return pd.Series(values, dtype=values.dtype)  # type: ignore[attr-defined]


_FILL_TYPES = ("text", "ags", "int", "date")  # a merged amount, VzÄ or hours would count once per row: not filled


def _fill_merged_data(
    data: pd.DataFrame, sheet: RawSheet, header: _Header, columns: dict[str, int], spec: KindSpec
) -> pd.DataFrame:
    """A value merged down several data rows (one town over its three posts) holds for each of them."""
    ranges = _fill_ranges(sheet, header, columns, spec)
    if not ranges or data.empty:
        return data
    data = data.copy()
    for r1, c1, r2 in ranges:
        top, bottom = r1 + 1, min(r2 + 1, int(data.index[-1]))  # Excel rows
        if top in data.index and bottom > top:
            value = data.at[top, c1]
            data.loc[top + 1 : bottom, c1] = value
    return data


def _fill_ranges(sheet: RawSheet, header: _Header, columns: dict[str, int], spec: KindSpec) -> (
        list[tuple[int, int, int]]):
    """Merged ranges below the header down several rows of a fillable mapped column: (row1, col1, row2)."""
    if not sheet.merged:
        return []
    fillable = {c for n, c in columns.items() if spec.all_columns[n].type in _FILL_TYPES}
    return [(r1, c1, r2) for r1, c1, r2, _ in sheet.merged if r1 > header.row and r2 > r1 and c1 in fillable]


def _map_columns(
    header: _Header, spec: KindSpec, sheet: RawSheet, ref: Callable[[int | None, int | None], SourceRef]
) -> tuple[dict[str, int], list[str], list[str], list[Finding]]:
    """Map header columns to schema columns; drop personal data, note unknown, doubled and hidden ones."""
    found: list[Finding] = []
    hrow = header.excel_row
    matched = header.matches[spec.kind]
    columns: dict[str, int] = {}
    dropped: list[str] = []
    unknown: list[str] = []
    for c in sorted(header.labels):
        text = header.labels[c]
        name = matched.get(c)
        if name is None:
            found.append(extra_column(text, ref(hrow, c), dropped, unknown))
            continue
        if name in columns:
            prev = columns[name]
            if prev in sheet.hidden_cols and c not in sheet.hidden_cols:
                columns[name] = c  # the visible column wins over a hidden copy
                found.append(
                    finding(Code.SPALTE_DOPPELT, ref(hrow, prev), severity=Severity.HINWEIS, spalte=header.labels[prev])
                )
            elif c in sheet.hidden_cols:
                found.append(finding(Code.SPALTE_DOPPELT, ref(hrow, c), severity=Severity.HINWEIS, spalte=text))
            else:
                found.append(finding(Code.SPALTE_DOPPELT, ref(hrow, c), spalte=text))
            continue
        columns[name] = c
    for c in columns.values():
        if c in sheet.hidden_cols:
            found.append(
                finding(Code.SPALTE_AUSGEBLENDET, ref(hrow, c), severity=Severity.HINWEIS, spalte=header.labels[c])
            )
    free = max(header.labels, default=-1) + 1  # where a missing column would go: right of the header
    covered = {spec.parts[n].part_of for n in columns if n in spec.parts and spec.parts[n].sign}
    for name, cspec in spec.columns.items():
        if cspec.required and name not in columns and name not in covered:
            found.append(finding(Code.SPALTE_FEHLT, ref(hrow, free), spalte=cspec.header))
    return columns, dropped, unknown, found


def extra_column(text: str, where: SourceRef, dropped: list[str], unknown: list[str]) -> Finding:
    """A column no schema column takes: personal data is dropped (spec §8), anything else noted as unknown."""
    if common_spec().is_personal(text):
        dropped.append(text)
        return finding(Code.SPALTE_PERSONENBEZUG, where, severity=Severity.HINWEIS, spalte=text)
    unknown.append(text)
    return finding(Code.SPALTE_UNBEKANNT, where, severity=Severity.HINWEIS, spalte=text)


def row_kinds(data: pd.DataFrame | _Block, mapped: list[int], required: list[int], common: CommonSpec, *,
              arrays: tuple[np.ndarray | None, np.ndarray] | None = None) -> np.ndarray:
    """Label each row below the header: data, blank, summe (a total row) or footnote.

    Rows with every required value present are data without a Python loop; only the few
    incomplete rows (and rows that mention a total word) are looked at one by one.
    ``arrays`` is ``sheet_cells(data)`` when the caller has it already.
    """
    n = len(data)
    kinds = np.empty(n, dtype=object)
    kinds.fill("data")  # ``np.full(n, "data", dtype=object)``, a little cheaper
    if n == 0:
        return kinds
    mapped_cols = [c for c in mapped if c in data.columns]
    arrays = arrays if arrays is not None else sheet_cells(cast("pd.DataFrame", data))
    any_cell, complete, total_hint = _row_masks(data, mapped_cols, required, arrays)
    kinds[~any_cell] = "blank"
    look = np.flatnonzero(any_cell & (~complete | total_hint))
    if len(look) == 0:
        return kinds
    rows = (cast("pd.DataFrame", data).iloc[look].to_numpy(dtype=object) if arrays[0] is None
            else arrays[0][look]).tolist()
    return _look_at_rows(data, kinds, look, rows, any_cell, complete, total_hint, mapped_cols, common)


def _row_masks(data: pd.DataFrame | _Block, mapped_cols: list[int], required: list[int],
               arrays: tuple[np.ndarray | None, np.ndarray] | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: any cell filled, the required (else any mapped) cells filled, a cell that reads like a total."""
    grid, blank = arrays if arrays is not None else sheet_cells(cast("pd.DataFrame", data))
    filled = ~blank  # one array for the whole sheet, not a frame of masks
    any_cell = np.asarray(filled.any(axis=1))
    complete = np.asarray(filled[:, _positions(data, required)].all(axis=1) if required
                          else filled[:, _positions(data, mapped_cols)].any(axis=1))
    total_hint = np.zeros(len(data), dtype=bool)
    if grid is not None:  # one object block: the total words of all its cells at once, a row hit if any cell is one
        uniq = set(grid.ravel().tolist())  # the distinct texts, as ``pd.unique`` gives them (faster for a sheet)
        hits = {u for u in uniq if isinstance(u, str) and len(u) <= 40 and _TOTAL_START.match(u)}
        if hits:  # few (mostly one): each compared with the block, as ``isin`` would (only a text equals a text)
            found = np.zeros(grid.shape, dtype=bool)
            for hit in hits:
                found |= grid == hit
            total_hint = np.asarray(found.any(axis=1))
    for c in data.columns if grid is None else ():
        col = cast("pd.DataFrame", data)[c]
        if pd.api.types.is_float_dtype(col.dtype) or pd.api.types.is_datetime64_any_dtype(col.dtype):
            continue
        arr = V.arrow_strings(col)
        if arr is not None:
            hit = pc.and_(
                pc.match_substring_regex(arr, pattern=_TOTAL_START.pattern, ignore_case=True),
                pc.less_equal(pc.utf8_length(arr), 40),
            )
            total_hint |= hit.fill_null(False).to_numpy(zero_copy_only=False)
            continue
        uniq = pd.unique(col.to_numpy(dtype=object))  # blanks are no text: the filter below drops them
        hits = {u for u in uniq if isinstance(u, str) and len(u) <= 40 and _TOTAL_START.match(u)}
        if hits:
            total_hint |= col.isin(hits).to_numpy()
    return any_cell, complete, total_hint


def _look_at_rows(data: pd.DataFrame | _Block, kinds: np.ndarray, look: np.ndarray, rows: list[list[object]],
                  any_cell: np.ndarray, complete: np.ndarray, total_hint: np.ndarray, mapped_cols: list[int],
                  common: CommonSpec) -> np.ndarray:
    """Label the rows at ``look`` (incomplete, or with a total word) one by one: summe, footnote or data.

    ``rows`` are the values of these rows (from the sheet's object array when there is one).
    """
    mapped_set = set(mapped_cols)
    is_blank_after = (~any_cell).cumsum()  # blank rows up to and including each position
    data_rows = any_cell & complete & ~total_hint
    first_data = int(data_rows.argmax()) if data_rows.any() else len(data)  # the first data row
    after_total = False
    cols = list(range(data.values.shape[1])) if type(data) is _Block else list(data.columns)  # a block's: 0…n-1
    for p, values in zip(look, rows, strict=True):
        cells = [(cols[j], v) for j, v in enumerate(values) if not _is_blank(v)]
        texts = [v for _, v in cells if isinstance(v, str)]
        if texts and _is_total(texts[0], common):
            kinds[p] = "summe"
            after_total = True
            continue
        if not any(c in mapped_set for c, _ in cells):
            kinds[p] = "footnote"
            continue
        if texts and texts[0].strip().casefold().startswith(common.footnote_prefixes) and not complete[p]:
            kinds[p] = "footnote"  # "Quelle: … | https://…" spread over two cells
            continue
        gap = first_data < p and is_blank_after[p] - is_blank_after[first_data] > 0
        if _single_text(cells):
            text = str(cells[0][1]).strip().casefold()
            if text.startswith(common.footnote_prefixes) or cells[0][0] not in mapped_set or gap or after_total:
                kinds[p] = "footnote"
                continue
        kinds[p] = "data"
        first_data = min(first_data, int(p))
    return kinds


def sheet_cells(data: pd.DataFrame, *, objects: bool = False) -> tuple[np.ndarray | None, np.ndarray]:
    """The values of an all-object sheet as one array (else None), and ``data.isna()`` as one boolean array.

    ``objects``: the caller knows every column holds Python objects (a sheet read whole is a grid of them),
    so the dtypes need not be asked (``DataFrame.dtypes`` builds a Series).
    """
    if objects or all(map(pd.api.types.is_object_dtype, data.dtypes)):
        grid = data.to_numpy(dtype=object)
        return grid, pd.isna(grid)
    return None, data.isna().to_numpy()


def _positions(data: pd.DataFrame | _Block, labels: list[int]) -> np.ndarray:
    """Positions of these column labels (``data.columns.get_indexer`` for labels that are there, without an Index)."""
    if type(data) is _Block and all(type(c) is int and 0 <= c < data.values.shape[1] for c in labels):
        return np.array(labels, dtype=np.intp)  # a block's columns are 0…n-1: each label is its position
    at = {c: j for j, c in enumerate(data.columns.tolist())}
    return np.array([at[c] for c in labels], dtype=np.intp)


_TOTAL_START = re.compile(r"^\W*(summe|gesamt|insgesamt|total|zwischensumme|endsumme)", re.IGNORECASE)


def _single_text(filled: list[tuple[int, object]]) -> bool:
    return len(filled) == 1 and isinstance(filled[0][1], str)


def _is_total(text: str, common: CommonSpec) -> bool:
    """Tell a total label ("Summe", "Gesamt:", "Zwischensumme Mitte") from data ("Gesamtschule")."""
    words = text.strip().casefold().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    for word in common.summe_words:
        if words.startswith(word) and (len(words) == len(word) or not words[len(word)].isalpha()):
            return True
    return False


def _parse(cspec: ColumnSpec, col: pd.Series) -> dict[str, pd.Series]:
    t = cspec.type
    if t in ("cent", "e4", "h100"):
        out, bad = V.parse_scaled(col, _SCALES[t], percent_ok=(t == "e4"))
    elif t == "int":
        out, bad = V.parse_int(col)
    elif t == "date":
        out, bad = V.parse_date(col)
    elif t == "bool":
        out, bad = V.parse_bool(col)
    elif t == "ags":
        out, bad = V.parse_ags(col)
    elif t == "tagmonat":
        day, month, bad = V.parse_tagmonat(col)
        tag_name, monat_name = cspec.canonical
        return {tag_name: day, monat_name: month, "_bad": bad}
    else:
        out, bad = V.parse_text(col)
        if cspec.choices:  # "abschlag" → "Abschlag": the spelling of the schema, whatever the case
            canon = {fold(c): c for c in cspec.choices}
            out = V.map_unique(out, lambda v: canon.get(fold(v), v) if isinstance(v, str) else v)
    return {cspec.name: out, "_bad": bad}


def _bad_value(cspec: ColumnSpec, where: SourceRef, value: object) -> Finding:
    shown = V.text_of(value)
    if cspec.type in ("cent", "e4", "h100", "int"):
        return finding(Code.ZAHL_UNGUELTIG, where, value=shown, wert=shown, spalte=cspec.header)
    if cspec.type == "date":
        return finding(Code.DATUM_UNGUELTIG, where, value=shown, wert=shown, spalte=cspec.header)
    if cspec.type == "tagmonat":
        return finding(
            Code.WERT_UNGUELTIG, where, value=shown, wert=shown, spalte=cspec.header,
            hinweis="Bitte als TT.MM. eintragen (z. B. 31.03.).",
        )
    if cspec.type == "bool":
        return finding(
            Code.WERT_UNGUELTIG, where, value=shown, wert=shown, spalte=cspec.header,
            hinweis="Bitte „ja“ oder „nein“ eintragen.",
        )
    return finding(
        Code.WERT_UNGUELTIG, where, value=shown, wert=shown, spalte=cspec.header, hinweis="Bitte den Wert prüfen."
    )


FORMULA_SCAN_CELLS = 200  # blank required cells looked up for a formula without stored value


def _needed(spec: KindSpec, columns: dict[str, int]) -> list[int]:
    """Columns whose blank cell is a finding: required ones, and the staffing extent (hours or share)."""
    names = [n for n, c in spec.columns.items() if c.required]
    if spec.kind is Kind.BESETZUNG:
        names += ["wochenstunden_h100", "stellenanteil_e4"]
    return [columns[n] for n in names if n in columns]


def _formulas_without_value(sheet: RawSheet, data: pd.DataFrame | _Block, isna: np.ndarray, pos: np.ndarray,
                            cols: list[int], ref: Callable[[int | None, int | None], SourceRef]) -> list[Finding]:
    """A blank cell that holds a formula without stored result (a file saved by a program, never opened).

    ``isna`` is ``data.isna()`` as an array, ``pos`` the positions of the data rows in ``data``, ``cols`` the
    columns whose blank cell counts.
    """
    if sheet.source is None or sheet.source.suffix.lower() not in (".xlsx", ".xltx") or not len(pos) or not cols:
        return []
    wanted = _blank_cells(data, isna, pos, cols)
    if not wanted or len(wanted) > FORMULA_SCAN_CELLS:
        return []
    import openpyxl

    lo, hi = min(z for z, _ in wanted), max(z for z, _ in wanted)
    out: list[Finding] = []
    wb = openpyxl.load_workbook(sheet.source, read_only=True, data_only=False)
    try:
        ws = wb[sheet.name]
        for z, values in enumerate(ws.iter_rows(min_row=lo, max_row=hi, values_only=True), start=lo):  # type: ignore[union-attr]
            for c, v in enumerate(values):
                if (z, c) in wanted and isinstance(v, str) and v.startswith("="):
                    out.append(finding(Code.FORMEL_OHNE_WERT, ref(z, c), value=v))
    finally:
        wb.close()
    return out


def _blank_cells(data: pd.DataFrame | _Block, isna: np.ndarray, pos: np.ndarray, cols: list[int]) -> (
        set[tuple[int, int]]):
    """(Excel row, column) of the blank cells of these columns in the data rows at ``pos``."""
    blank = isna[:, _positions(data, cols)][pos]  # ``isna[np.ix_(pos, columns)]``: the columns first, then the rows
    if not blank.any():
        return set()
    return {(int(data.index[pos[i]]), cols[j]) for i, j in zip(*np.nonzero(blank), strict=True)}


_MARKS = {"s": 1, "soll": 1, "h": -1, "haben": -1}


def _signed_amounts(p: Pending, lazy: dict[str, pd.Series | Rows],
                    ref: Callable[[int | None, int | None], SourceRef]) -> list[Finding]:
    """Signed amounts as finance systems write them; a negative payment g → r is a repayment r → g.

    Soll/Haben pairs and an S/H mark become one signed amount; a negative amount that must not be
    negative is a finding quoting the cell as written. Changes ``cols`` in place.
    """
    spec, columns, keep = p.spec, p.columns, p.keep
    found: list[Finding] = []

    def written(name: str) -> pd.Series:
        return _raw_series(p.raw[name]).iloc[p.in_wanted].set_axis(keep).map(V.text_of)

    shown: dict[str, pd.Series] = {}
    where: dict[str, pd.Series] = {}  # per row: the column that holds the amount
    reasons: dict[str, pd.Series] = {}  # per row: why the amount counts the other way round
    parts = [n for n in columns if n in spec.parts]
    for n in (*parts, *(spec.parts[n].part_of for n in parts)):  # looked at as Series below
        _materialize(lazy, n)
    cols = cast("dict[str, pd.Series]", lazy)  # the parts and their targets are Series now; the rest may be Rows
    for target in dict.fromkeys(spec.parts[n].part_of for n in parts):
        signed = [n for n in parts if spec.parts[n].part_of == target and spec.parts[n].sign]
        marks = [n for n in parts if spec.parts[n].part_of == target and not spec.parts[n].sign]
        value = cols.get(target)
        text = written(target) if target in columns else pd.Series(None, index=keep, dtype=object)
        at = pd.Series(columns.get(target, columns[(signed or marks)[0]]), index=keep, dtype="int64")
        why = pd.Series("negativer Betrag", index=keep, dtype=object)
        if signed:
            filled = pd.concat([cols[n].notna() & cols[n].ne(0) for n in signed], axis=1).fillna(False)
            for z in keep[filled.sum(axis=1).to_numpy() > 1]:
                soll, haben = (written(n)[z] for n in signed[:2])
                found.append(finding(Code.SOLL_UND_HABEN, ref(int(z), columns[signed[0]]), value=soll, soll=soll,
                                     haben=haben))
            present = pd.concat([cols[n].notna() for n in signed], axis=1).any(axis=1)
            combined = sum(spec.parts[n].sign * cols[n].fillna(0).astype("int64") for n in signed)
            combined = pd.Series(combined, index=keep).astype("Int64").where(present, pd.NA)
            for n in signed:
                label = p.header.labels.get(columns[n], spec.parts[n].header)
                use = (cols[n].notna() & cols[n].ne(0) & text.isna()).fillna(False)
                text = text.where(~use, written(n))
                why = why.where(~use | (spec.parts[n].sign > 0), f"Spalte „{label}“")
                at = at.where(~use, columns[n])
            value = combined if value is None else value.fillna(combined)
        for n in marks:
            mark = cols[n].map(lambda v: _MARKS.get(fold(v)) if isinstance(v, str) else None)
            for z in keep[(cols[n].notna() & mark.isna()).to_numpy(dtype=bool)]:
                found.append(finding(Code.WERT_UNGUELTIG, ref(int(z), columns[n]), value=cols[n][z],
                                     wert=cols[n][z], spalte=spec.parts[n].header,
                                     hinweis="Bitte „S“ (Soll) oder „H“ (Haben) eintragen."))
            if value is not None:
                haben = mark.eq(-1).fillna(False)
                value = value.where(~haben, -value)
                why = why.where(~haben, "Kennzeichen „" + cols[n].astype(str) + "“")
        if value is not None:
            cols[target] = value.astype("Int64")
            shown[target] = text
            where[target] = at
            reasons[target] = why
    if spec.kind is Kind.ZAHLUNGEN and "betrag_cent" in cols:
        found.extend(_repayments(p, cols, shown.get("betrag_cent"), where.get("betrag_cent"),
                                 reasons.get("betrag_cent"), ref))
    for name, c in columns.items():
        cspec = spec.all_columns[name]
        if cspec.part_of or cspec.type not in ("cent", "e4", "h100") or cspec.checks.get("ge") != 0:
            continue
        if name not in cols or (spec.kind is Kind.ZAHLUNGEN and name == "betrag_cent"):
            continue
        for z in keep[_negative(cols[name])]:
            text = written(name)[z]
            found.append(finding(Code.WERT_NEGATIV, ref(int(z), c), value=text, wert=text, spalte=cspec.header))
    return found


def _repayments(p: Pending, lazy: dict[str, pd.Series | Rows], shown: pd.Series | None, at: pd.Series | None,
                why: pd.Series | None, ref: Callable[[int | None, int | None], SourceRef]) -> list[Finding]:
    """A negative payment Zahler → Empfänger is a repayment Empfänger → Zahler of the positive amount."""
    neg = _negative(lazy["betrag_cent"])
    if not neg.any():
        return []
    for name in ("betrag_cent", "zahler", "empfaenger", "art"):
        _materialize(lazy, name)
    cols = cast("dict[str, pd.Series]", lazy)
    amount = cols["betrag_cent"]
    keep = p.keep
    if shown is None:
        shown = _raw_series(p.raw["betrag_cent"]).iloc[p.in_wanted].set_axis(keep).map(V.text_of)
    if at is None:
        at = pd.Series(p.columns["betrag_cent"], index=keep, dtype="int64")
    zahler = cols.get("zahler", pd.Series(pd.NA, index=keep, dtype=object))
    empf = cols.get("empfaenger", pd.Series(pd.NA, index=keep, dtype=object))
    cols["zahler"], cols["empfaenger"] = zahler.where(~neg, empf), empf.where(~neg, zahler)
    cols["betrag_cent"] = amount.abs()
    art = cols.get("art", pd.Series(pd.NA, index=keep, dtype=object))
    interest = art.map(lambda v: isinstance(v, str) and fold(v) == "zinszahlung").to_numpy(dtype=bool)
    cols["art"] = art.where(~neg | interest, "Rückzahlung")
    found = []
    for z in keep[neg]:
        text = shown[z]
        found.append(finding(Code.BETRAG_UMGEKEHRT, ref(int(z), int(at[z])), severity=Severity.HINWEIS, value=text,
                             wert=text, grund="negativer Betrag" if why is None else why[z],
                             zahler=cols["zahler"][z], empfaenger=cols["empfaenger"][z],
                             betrag=_fmt(int(cols["betrag_cent"][z]), 100) + " €"))
    return found


_TOTAL_TYPES = ("cent", "e4", "h100")  # the columns a total row is checked in


def _check_total(
    spec: KindSpec,
    columns: dict[str, int],
    parsed: dict[str, pd.Series],
    keep: pd.Index,
    z: int,
    prev: int | None,
    nxt: int | None,
    ref: object,
) -> list[Finding]:
    """A total row must equal the rows above it (a subtotal: those since the previous total).

    A total placed above its rows (directly under the header) is checked against the rows below it.
    """
    out: list[Finding] = []
    rows = np.asarray(keep, dtype="int64")
    above = rows[rows < z]
    segments = [above] if prev is None else [above[above > prev]]
    if len(above) == 0:
        segments = [rows[(rows > z) & (rows < (nxt if nxt is not None else np.iinfo(np.int64).max))]]
    for name, c in columns.items():
        cspec = spec.all_columns[name]
        if cspec.type not in _TOTAL_TYPES or name not in parsed:
            continue
        series = parsed[name]
        total = series.get(z)
        if total is None or pd.isna(total):
            continue
        sums = _sums(series, segments)
        if int(total) not in sums:
            scale = _SCALES[cspec.type]
            where = ref(z, c)  # type: ignore[operator]
            out.append(
                finding(
                    Code.SUMME_ABWEICHUNG,
                    where,
                    value=_fmt(int(total), scale),
                    summe=_fmt(int(total), scale),
                    berechnet=_fmt(sums[0], scale),
                    spalte=cspec.header,
                )
            )
    return out


def _sums(series: pd.Series, segments: list[np.ndarray]) -> list[int]:
    """``int(series.loc[seg].dropna().sum())`` of each segment of Excel rows; whole numbers summed by position."""
    if isinstance(series.array, pd.arrays.IntegerArray):
        values = series.to_numpy(dtype="int64", na_value=0)  # NA adds nothing, as dropped
        rows = series.index.to_numpy()  # the Excel rows, ascending: positions by binary search
        found = [np.searchsorted(rows, seg) for seg in segments]
        if all((pos < len(rows)).all() and (rows[pos] == seg).all() for seg, pos in zip(segments, found, strict=True)):
            return [int(values[pos].sum()) for pos in found]
    return [int(series.loc[seg].dropna().sum()) for seg in segments]


def _fmt(n: int, scale: int) -> str:
    d = Decimal(n) / scale
    if scale == 100:
        s = f"{d:,.2f}"
    else:
        s = f"{d.normalize():,f}"
    return s.replace(",", "_").replace(".", ",").replace("_", ".")


_DTYPES = {"str": object, "date": "datetime64[s]", "Int64": "Int64", "boolean": "boolean"}


def _canonical(kind: Kind, frame: pd.DataFrame) -> pd.DataFrame:
    """Put the canonical columns in order with their dtypes; absent optional columns are NA."""
    cols = {}
    for name, note in COLUMNS[kind].items():
        dtype = _DTYPES[note.rstrip("!")]
        if name in frame.columns:
            s = frame[name]
            cols[name] = s.astype(dtype) if dtype is not object else s.astype(object)
        else:
            cols[name] = pd.Series(pd.NaT if dtype == "datetime64[s]" else pd.NA, index=frame.index, dtype=dtype)
    return pd.DataFrame(cols, index=frame.index)


def empty_frame(kind: Kind) -> pd.DataFrame:
    """A canonical frame of this kind without rows."""
    frame = _canonical(kind, pd.DataFrame(index=pd.Index([], name="_zeile")))
    frame["_sheet"] = pd.Series([], dtype="int64")
    frame["_zeile"] = pd.Series([], dtype="int64")
    return frame.reset_index(drop=True)
