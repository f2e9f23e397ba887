"""The reader's data path as it was before the speed work of issue 18, kept as a reference for the equality test.

Each function here is the earlier body of a function the speed work replaced (same signature);
``old_reader()`` puts them back into the reader's modules for the duration of a ``with`` block,
so ``tests/test_read_reference.py`` can read the same files once with the current reader and once
with the earlier data path and compare everything that comes out.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pandas as pd

from kimrecon.inputs import Kind
from kimrecon.read import files, guard, sheet
from kimrecon.spec import KindSpec, all_specs


def grid(rows: Sequence[Sequence[object]]) -> pd.DataFrame:
    """``files.grid`` before: a frame of the rows, then "" masked and every NA made None frame-wide."""
    width = max((len(r) for r in rows), default=0)
    frame = pd.DataFrame([list(r) + [None] * (width - len(r)) for r in rows], dtype=object)
    if frame.empty:
        return frame
    frame.columns = range(frame.shape[1])
    frame = frame.mask(frame.eq(""))
    return frame.where(frame.notna(), None)


def part(series: pd.Series, start: int, stop: int, index: pd.Index) -> pd.Series:
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


def clear_caches() -> None:
    """Forget the header texts matched so far (both readers fill the same caches)."""
    sheet._HITS.clear()
    for spec in all_specs().values():
        spec._matched.clear()


@contextmanager
def old_reader() -> Iterator[None]:
    """Within this block the reader runs its earlier data path."""
    saved = (files.grid, sheet._part, sheet._hits, guard._SheetCount.feed)
    files.grid, sheet._part, sheet._hits = grid, part, hits  # type: ignore[assignment]
    guard._SheetCount.feed = feed  # type: ignore[method-assign]
    clear_caches()
    try:
        yield
    finally:
        files.grid, sheet._part, sheet._hits = saved[:3]  # type: ignore[assignment]
        guard._SheetCount.feed = saved[3]  # type: ignore[method-assign]
        clear_caches()
