"""Property: the reader's shortcuts of branch readcpu say what the earlier whole-array steps said."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kimrecon.read.sheet import _any_filled, _blank_cells, _Block
from tests.read_reference import any_filled, blank_cells

CELL = st.one_of(
    st.none(), st.just(math.nan), st.just(pd.NA), st.just(pd.NaT), st.just(np.nan), st.just(""),
    st.text(max_size=2), st.floats(), st.integers(), st.booleans(), st.dates(), st.datetimes(), st.times(),
    st.timedeltas(), st.just(np.float64("nan")), st.just(np.int64(3)), st.just(pd.Timestamp("2023-02-15")),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(CELL, max_size=8), st.integers(min_value=1, max_value=4))
def test_any_filled_as_before(cells: list[object], width: int) -> None:
    values = np.empty(len(cells), dtype=object)
    values[:] = cells
    block = values if len(cells) % width else values.reshape(-1, width)
    assert _any_filled(block) == any_filled(block)


def test_any_filled_of_blanks_and_values() -> None:
    blanks = np.array([[None, math.nan], [None, None]], dtype=object)
    assert not _any_filled(blanks)
    for value in ("", 0, 0.0, False, dt.date(2023, 2, 15)):  # an empty text is a value, as pandas says
        assert _any_filled(np.array([[None, math.nan], [None, value]], dtype=object))


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=6), st.integers(min_value=1, max_value=5), st.data())
def test_blank_cells_as_before(n_rows: int, width: int, data: st.DataObject) -> None:
    cells = np.array(data.draw(st.lists(st.lists(st.sampled_from([None, "x", 1.5]), min_size=width, max_size=width),
                                        min_size=n_rows, max_size=n_rows)), dtype=object)
    isna = pd.isna(cells)
    pos = np.array(sorted(data.draw(st.sets(st.integers(min_value=0, max_value=n_rows - 1)))), dtype=np.intp)
    cols = data.draw(st.lists(st.integers(min_value=0, max_value=width - 1), unique=True))
    index = pd.RangeIndex(3, 3 + n_rows, name="_zeile")  # Excel rows under a header in row 2
    block = _Block(cells, index, pd.RangeIndex(width), isna)
    frame = pd.DataFrame(cells, index=index, dtype=object)
    assert _blank_cells(block, isna, pos, cols) == blank_cells(frame, isna, pos, cols)


def test_blank_cells_name_excel_rows() -> None:
    # rows 3 and 4 (Excel), column 1 blank in row 4 only: one cell, (4, 1)
    cells = np.array([["a", "b"], ["c", None]], dtype=object)
    block = _Block(cells, pd.RangeIndex(3, 5, name="_zeile"), pd.RangeIndex(2), pd.isna(cells))
    assert _blank_cells(block, pd.isna(cells), np.array([0, 1]), [0, 1]) == {(4, 1)}
