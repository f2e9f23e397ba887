"""Property: ``files.grid`` (blanks found by type) gives the frame the earlier grid gave, cell and type alike."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kimrecon.read.files import grid, grid_and_blanks
from tests.read_reference import grid as earlier_grid

CELL = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "x", "Summe", "0", "nan"]),
    st.text(max_size=3),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, -0.0, math.inf]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(),
)


def _same(rows: list[list[object]]) -> None:
    new, old = grid(rows), earlier_grid(rows)
    frame, blank = grid_and_blanks(rows)
    pd.testing.assert_frame_equal(frame, new, check_exact=True)
    if blank is not None:  # the blanks the grid kept are what pandas says of its values
        assert np.array_equal(blank, pd.isna(frame.to_numpy(dtype=object)))
    pd.testing.assert_frame_equal(new, old, check_exact=True)
    # None for every blank, and every other cell the very value the reader gave (same type)
    assert [type(v) for v in new.to_numpy().ravel()] == [type(v) for v in old.to_numpy().ravel()]


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=5).flatmap(
    lambda w: st.lists(st.lists(CELL, min_size=w, max_size=w), max_size=6)))
def test_grid_of_a_rectangle_is_the_earlier_grid(rows: list[list[object]]) -> None:
    _same(rows)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(CELL, max_size=4), max_size=5))
def test_grid_of_ragged_rows_is_the_earlier_grid(rows: list[list[object]]) -> None:
    _same(rows)


def test_blanks_by_type() -> None:
    # "" and None and NaN are blank; " ", 0, False, inf and a date are values
    rows = [["", None, math.nan, " "], [0, False, math.inf, dt.date(2023, 2, 15)]]
    cells = grid(rows).to_numpy().tolist()
    assert cells == [[None, None, None, " "], [0, False, math.inf, dt.date(2023, 2, 15)]]
    _same(rows)
