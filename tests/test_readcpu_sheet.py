"""Property: the reader's shortcuts of branch readcpu say what the earlier whole-array steps said."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kimrecon.read.sheet import _any_filled
from tests.read_reference import any_filled

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
