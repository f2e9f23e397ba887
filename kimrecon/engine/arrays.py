"""Group operations on numpy arrays for the engine's small frames (pandas' fixed cost per call would dominate).

Rows of a group lie together where a function takes ``first`` (True at each group's first row);
all integer arithmetic is exact in int64.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def codes(values: pd.Series) -> np.ndarray:
    """Equal values → equal int64 codes, every empty cell (None, NaN, NA, NaT) the same code (-1).

    As pandas' ``groupby(dropna=False)`` and ``duplicated`` tell values apart (its own factorisation).
    """
    return pd.factorize(values)[0].astype("int64")


def first_rows(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group rows by equal values in all columns (int64 arrays of one length).

    Returns each row's group number, numbered in order of first appearance (as pandas'
    ``groupby(sort=False).ngroup()``), and the positions of each group's first row in row order
    (the rows ``drop_duplicates`` keeps), so that ``first[number]`` is the first row of each row's group.
    The columns are folded into one code (each column's codes below the row count, the product of
    the widths kept below 2**62) and factorised by hashing, never sorted.
    """
    n = len(columns[0]) if columns else 0
    if n == 0:
        return np.zeros(0, dtype="int64"), np.zeros(0, dtype="int64")
    number, size = _small_codes(columns[0], n)
    for column in columns[1:]:
        code, width = _small_codes(column, n)
        if size * width >= 2**62:  # fold the codes so far into the row count first
            number, size = _small_codes(pd.factorize(number)[0].astype("int64"), n)
        number, size = number * width + code, size * width
    number = pd.factorize(number)[0].astype("int64")
    new = np.ones(n, dtype=bool)  # numbered by first appearance: a group's first row has a number never seen before
    new[1:] = number[1:] > np.maximum.accumulate(number)[:-1]
    return number, np.flatnonzero(new)


def _small_codes(column: np.ndarray, n: int) -> tuple[np.ndarray, int]:
    """Codes 0 ≤ c < width of an int64 column with equal codes for equal values, and the width (a Python int).

    A column that already holds codes (-1 … n − 1, as ``codes`` gives them) is shifted, any other factorised.
    """
    lo, hi = int(column.min()), int(column.max())
    if lo >= -1 and hi < n:
        return column.astype("int64") + 1, hi + 2
    code = pd.factorize(column)[0].astype("int64")
    return code, int(code.max()) + 1


def group_cumsum(values: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Running sums (int64) of ``values`` that start again at every row where ``first`` is True.

    ``first[0]`` must be True (the first row starts a group).
    """
    cum = np.cumsum(values)
    if len(cum) == 0:
        return cum
    before = (cum - values)[np.flatnonzero(first)]  # the running sum before each group's first row
    return cum - before[np.cumsum(first) - 1]


def group_cummax(values: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Running maxima of ``values`` that start again at every row where ``first`` is True.

    On the values' ranks lifted by the group number, so one running maximum over all rows never
    carries a value into the next group (and no sum can overflow).
    """
    if len(values) == 0:
        return values
    uniq, rank = np.unique(values, return_inverse=True)
    rank = rank.reshape(-1).astype("int64")
    lift = (np.cumsum(first) - 1) * len(uniq)
    return uniq[np.maximum.accumulate(rank + lift) - lift]
