"""The reader's data path as it was before the speed work of issue 18, kept as a reference for the equality test.

Each function here is the earlier body of a function the speed work replaced (same signature);
``old_reader()`` puts them back into the reader's modules for the duration of a ``with`` block,
so ``tests/test_read_reference.py`` can read the same files once with the current reader and once
with the earlier data path and compare everything that comes out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from kimrecon.inputs import Kind
from kimrecon.names import normalize_name
from kimrecon.read import files, guard, sheet, values, versions
from kimrecon.read.files import RawSheet
from kimrecon.spec import KindSpec, all_specs, fold


def grid(rows: Sequence[Sequence[object]]) -> pd.DataFrame:
    """``files.grid`` before: a frame of the rows, then "" masked and every NA made None frame-wide."""
    width = max((len(r) for r in rows), default=0)
    frame = pd.DataFrame([list(r) + [None] * (width - len(r)) for r in rows], dtype=object)
    if frame.empty:
        return frame
    frame.columns = range(frame.shape[1])
    frame = frame.mask(frame.eq(""))
    return frame.where(frame.notna(), None)


def grid_and_blanks(rows: Sequence[Sequence[object]]) -> tuple[pd.DataFrame, None]:
    """``files.grid_and_blanks`` before (in ``_load_calamine``): the earlier grid, its blanks asked of pandas later."""
    return files.grid(rows), None


def part(series: pd.Series, start: int, stop: int, index: pd.Index, values: object = None,
         negative: object = None) -> pd.Series:
    """``sheet._part`` before: a slice of the parsed column given the sheet's index (a copy)."""
    return series.iloc[start:stop].set_axis(index)


def hits(text: str, specs: dict[Kind, KindSpec]) -> tuple[tuple[Kind, str], ...]:
    """``sheet._hits`` before: every kind asked for every text (no pre-check against all known aliases)."""
    standard = type(text) is str and specs is all_specs()
    if standard:
        hit = sheet._HITS.get(text)
        if hit is not None:
            return hit
    found = tuple((kind, name) for kind, spec in specs.items() if (name := spec.match(text)) is not None)
    if standard:
        if len(sheet._HITS) >= 50_000:
            sheet._HITS.clear()
        sheet._HITS[text] = found
    return found


def feed(self: guard._SheetCount, buf: bytes) -> None:
    """``guard._SheetCount.feed`` before: the empty-element pattern always applied twice."""
    if self.prefix is None:
        m = guard._ROOT.search(buf)
        self.prefix = (m.group(1) or b"") if m else b""
        self.empty = guard._empty_elements(self.prefix)
    assert self.empty is not None
    buf = self.empty.sub(b"", self.empty.sub(b"", buf))
    tag = b"<" + self.prefix + b"c"
    cells = guard._tags(buf, tag)
    self.cells += cells
    row_tag = b"<" + self.prefix + b"row"
    rows = guard._ROW_REF.findall(buf)
    if rows:
        self.max_row = max(self.max_row, guard._max_number(rows))
    larger = guard._larger_row_refs(self.max_row).findall(buf)
    if larger:
        self.max_row = max(self.max_row, guard._max_number(larger))
    self.rows_unnumbered += guard._tags(buf, row_tag) - buf.count(row_tag + b' r="')
    self.max_col = guard._max_column(buf, self.max_col)
    if buf.count(tag + b' r="') < cells:
        self.widest = max(self.widest, max(guard._tags(seg, tag) for seg in buf.split(row_tag)))
    if self.max_row > guard.EXCEL_ROWS or self.max_col > guard.EXCEL_COLS:
        raise guard._Refused(guard.Code.DATEI_UNLESBAR, f"Zelle außerhalb des Excel-Rasters in {self.part}")


def row_masks(data: pd.DataFrame, mapped_cols: list[int], required: list[int],
              arrays: object = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``sheet._row_masks`` before (the start of ``row_kinds``): a frame of masks, total words per column."""
    filled = data.notna()
    any_cell = filled.to_numpy().any(axis=1)
    complete = filled[required].to_numpy().all(axis=1) if required else filled[mapped_cols].to_numpy().any(axis=1)
    total_hint = np.zeros(len(data), dtype=bool)
    grid = data.to_numpy(dtype=object) if all(map(pd.api.types.is_object_dtype, data.dtypes)) else None
    for j, c in enumerate(data.columns):
        if grid is not None:
            uniq = pd.unique(grid[:, j])
            hits = {u for u in uniq if isinstance(u, str) and len(u) <= 40 and sheet._TOTAL_START.match(u)}
            if hits:
                total_hint |= data[c].isin(hits).to_numpy()
            continue
        col = data[c]
        if pd.api.types.is_float_dtype(col.dtype) or pd.api.types.is_datetime64_any_dtype(col.dtype):
            continue
        arr = values.arrow_strings(col)
        if arr is not None:
            hit = pc.and_(
                pc.match_substring_regex(arr, pattern=sheet._TOTAL_START.pattern, ignore_case=True),
                pc.less_equal(pc.utf8_length(arr), 40),
            )
            total_hint |= hit.fill_null(False).to_numpy(zero_copy_only=False)
            continue
        uniq = pd.unique(col.to_numpy(dtype=object))
        hits = {u for u in uniq if isinstance(u, str) and len(u) <= 40 and sheet._TOTAL_START.match(u)}
        if hits:
            total_hint |= col.isin(hits).to_numpy()
    return any_cell, complete, total_hint


def blank_cells(data: pd.DataFrame, isna: np.ndarray, pos: np.ndarray, cols: list[int]) -> set[tuple[int, int]]:
    """``sheet._blank_cells`` before (inside ``_formulas_without_value``): ``data.loc[keep, needed].isna()``."""
    rows = data.loc[data.index[pos], cols]
    blank = rows[cols].isna().to_numpy()
    return {(int(rows.index[i]), cols[j]) for i, j in zip(*np.nonzero(blank), strict=True)}


def concat(cols: list[pd.Series]) -> pd.Series:
    """``sheet._concat`` before: ``pd.concat`` for every dtype."""
    return pd.concat(cols, ignore_index=True)


def name_hint(spec: KindSpec, name: str) -> bool:
    """``sheet._name_hint`` before: every name folded on every call."""
    f = fold(name)
    return any(fold(n) and fold(n) in f for n in (spec.label, *spec.sheet_names))


def month_of_label(value: object) -> tuple[int | None, int] | None:
    """``values.month_of_label`` before: the regexes on every call, no cache."""
    if isinstance(value, dt.datetime):
        return value.year, value.month
    if isinstance(value, dt.date):
        return value.year, value.month
    if not isinstance(value, str):
        return None
    return values._month_of_text(value)


def find_header(head: pd.DataFrame, raw: RawSheet, specs: dict[Kind, KindSpec], rows: object = None) -> object:
    """``sheet.find_header`` before: every row and every pair of rows matched, none skipped by its cell count."""
    rows = sheet._head_rows(head)
    best = None
    best_score = 1
    limit = min(len(rows), sheet.HEADER_SCAN_ROWS)
    row_labels = [sheet._row_labels(rows, r) for r in range(min(len(rows), limit + 1))]
    for r in range(limit):
        own = row_labels[r]
        labels = sheet._merged_fill(raw.merged, rows, r, own, horizontal=False)
        if not labels:
            continue
        m = sheet._match_all(labels, specs)
        sc = sheet._score(m)
        if sc > best_score:
            best, best_score = sheet._Header(r, r, labels, m), sc
        if r + 1 < len(rows):
            lower = sheet._merged_fill(raw.merged, rows, r + 1, row_labels[r + 1], horizontal=False)
            if lower:
                spread = sheet._merged_fill(raw.merged, rows, r, own, horizontal=True)
                joined = sheet._two_line(labels, spread, lower, specs)
                m2 = sheet._match_all(joined, specs)
                sc2 = sheet._score(m2)
                if sc2 > best_score:
                    best, best_score = sheet._Header(r + 1, r, joined, m2), sc2
    if best is not None and best.row + 1 < len(rows) and sheet.is_units_row(rows[best.row + 1]):
        best = sheet._Header(best.row + 1, best.first, best.labels, best.matches, label_row=best.row)
    return best


def find_header_given(head: pd.DataFrame, raw: RawSheet, specs: dict[Kind, KindSpec], rows: object = None,
                      present: object = None) -> object:
    """``find_header`` before, called as ``read_sheet`` calls it now (``present`` was not asked)."""
    return find_header(head, raw, specs, rows)


def any_value(head: pd.DataFrame) -> bool:
    """``sheet._any_value`` before (in ``read_sheet``): a frame of masks."""
    return bool(head.notna().to_numpy().any())


def head_rows(head: pd.DataFrame) -> list[list[object]]:
    """``sheet._head_rows`` before: every head reindexed to columns 0…n-1."""
    if head.empty:
        return []
    width = int(max(head.columns)) + 1
    return head.reindex(columns=range(width)).to_numpy(dtype=object).tolist()


def days(objs: np.ndarray) -> np.ndarray:
    """``values._days`` before (inside ``parse_date``): numpy converts every date object."""
    return objs.astype("datetime64[D]")


def parse_texts(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``values._parse_texts`` before: a column of strings parsed like any other (``_Cells``, then ``text_of``)."""
    return values._parse_any_text(s)


def raw_columns(data: pd.DataFrame, grid: object, wanted_pos: np.ndarray, columns: dict[str, int],
                index: object = None) -> dict:
    """``sheet._raw_columns`` before (in ``_read_kind``): a Series per mapped column of the wanted rows' frame."""
    wanted = data.iloc[wanted_pos]
    return {name: wanted[c] for name, c in columns.items()}


def sums(series: pd.Series, segments: list[np.ndarray]) -> list[int]:
    """``sheet._sums`` before (inside ``_check_total``): each segment looked up by label."""
    return [int(series.loc[seg].dropna().sum()) for seg in segments]


def several_lists(b: pd.DataFrame, town: pd.Series, year: pd.Series) -> np.ndarray:
    """``versions._several_lists`` before: every town and year visited (all rows)."""
    return np.ones(len(b), dtype=bool)


def names(values: pd.Series, other: object) -> pd.Series:
    """``versions._names`` before: ``normalize_name`` called for every row."""
    return values.map(lambda v: normalize_name(v) if isinstance(v, str) else other)


def block_of(raw: RawSheet, header: object, columns: dict[str, int], spec: KindSpec) -> None:
    """``sheet._block_of`` before (in ``_read_kind``): every sheet's data rows as a frame (``region``, index, fill)."""
    return None


def head_block(raw: RawSheet) -> None:
    """``sheet._head_block`` before (in ``read_sheet``): every sheet's first rows as a frame (``head``)."""
    return None


def owners(z: pd.DataFrame, zahler: pd.Series, empf: pd.Series, lists: list[int]) -> (
        tuple[dict[int, set[str]], dict[str, str]]):
    """``versions._owners`` before (inside ``_payment_versions``): a mask and four Series per list."""
    owned: dict[int, set[str]] = {}
    names: dict[str, str] = {}
    for s in lists:
        rows = z["_sheet"] == s
        common: set[str] | None = None
        for a, b, a_shown, b_shown in zip(zahler[rows], empf[rows], z["zahler"][rows], z["empfaenger"][rows],
                                          strict=True):
            common = {a, b} if common is None else common & {a, b}
            names.setdefault(a, str(a_shown))
            names.setdefault(b, str(b_shown))
        owned[s] = (common or set()) - {""}
    return owned, names


def any_filled(values: np.ndarray) -> bool:
    """``sheet._any_filled`` before (in ``read_sheet``): ``pd.notna`` of every cell of the first rows."""
    return bool(pd.notna(values).any())


def resolved(root: Path, folder: Path, rel: Path) -> Path:
    """``files._resolved`` before (in ``discover``): every file of a case folder resolved as a whole."""
    return (folder / rel).resolve()


# ``_rows`` and ``_raw_columns``: parsed parts and raw columns as Series at once, as before
_SWAPS = ((sheet, "_row_masks", row_masks), (sheet, "_blank_cells", blank_cells), (sheet, "_concat", concat),
          (sheet, "_name_hint", name_hint), (values, "month_of_label", month_of_label),
          (sheet, "find_header", find_header_given), (sheet, "_head_rows", head_rows), (versions, "_names", names),
          (values, "_days", days), (sheet, "_rows", part), (values, "_parse_texts", parse_texts),
          (sheet, "_sums", sums), (sheet, "_raw_columns", raw_columns), (sheet, "_any_value", any_value),
          (versions, "_several_lists", several_lists), (sheet, "_block_of", block_of),
          (sheet, "_head_block", head_block), (versions, "_owners", owners),
          (sheet, "_any_filled", any_filled), (files, "grid_and_blanks", grid_and_blanks),
          (files, "_resolved", resolved))


def clear_caches() -> None:
    """Forget the header texts, sheet names and month labels matched so far (both readers fill the same caches)."""
    sheet._HITS.clear()
    sheet._names_hint.cache_clear()
    values._MONTH_LABELS.clear()
    for spec in all_specs().values():
        spec._matched.clear()


@contextmanager
def old_reader() -> Iterator[None]:
    """Within this block the reader runs its earlier data path."""
    saved = (files.grid, sheet._part, sheet._hits, guard._SheetCount.feed)
    swapped = [(module, name, getattr(module, name)) for module, name, _ in _SWAPS]
    files.grid, sheet._part, sheet._hits = grid, part, hits  # type: ignore[assignment]
    guard._SheetCount.feed = feed  # type: ignore[method-assign]
    for module, name, old in _SWAPS:
        setattr(module, name, old)
    clear_caches()
    try:
        yield
    finally:
        files.grid, sheet._part, sheet._hits = saved[:3]  # type: ignore[assignment]
        guard._SheetCount.feed = saved[3]  # type: ignore[method-assign]
        for module, name, current in swapped:
            setattr(module, name, current)
        clear_caches()
