"""The engine's array helpers (issue 18, engine fixed costs): group numbers, running sums and maxima, steps."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kimrecon.engine.arrays import codes, first_rows, group_cummax, group_cumsum
from kimrecon.engine.checks import _cells, _norm, _texts
from kimrecon.engine.entitle import step_pieces
from kimrecon.engine.settle import _paid_by_month


def _ints(values: list[int]) -> np.ndarray:
    return np.array(values, dtype="int64")


def test_codes_give_every_empty_cell_one_code() -> None:
    # "a" first → 0, "b" → 1; None and NaN are both empty → -1
    assert codes(pd.Series(["a", None, "b", "a", np.nan], dtype=object)).tolist() == [0, -1, 1, 0, -1]
    # nullable integers: 7 → 0, NA → -1, 3 → 1
    assert codes(pd.Series([7, None, 3, 7], dtype="Int64")).tolist() == [0, -1, 1, 0]


def test_first_rows_numbers_groups_in_order_of_appearance() -> None:
    # rows (1,5) (2,5) (1,5) (1,6) (2,5): (1,5) → group 0 (row 0), (2,5) → 1 (row 1), (1,6) → 2 (row 3)
    number, first = first_rows(_ints([1, 2, 1, 1, 2]), _ints([5, 5, 5, 6, 5]))
    assert number.tolist() == [0, 1, 0, 2, 1]
    assert first.tolist() == [0, 1, 3]
    assert first[number].tolist() == [0, 1, 0, 3, 1]  # each row's group's first row


def test_first_rows_with_day_numbers_and_empty_codes() -> None:
    # day numbers far above the row count and -1 (an empty cell's code) as values:
    # (19358, -1) (19358, 0) (19358, -1) (-1, -1) → groups 0, 1, 0, 2
    number, first = first_rows(_ints([19358, 19358, 19358, -1]), _ints([-1, 0, -1, -1]))
    assert number.tolist() == [0, 1, 0, 2]
    assert first.tolist() == [0, 1, 3]


def test_first_rows_folds_many_columns_without_overflow() -> None:
    # 45 columns of codes 0/1 over 3 rows: each is 3 wide after the shift (codes 1, 2, width max + 2 = 3);
    # 3**40 ≈ 1.2e19 ≥ 2**62 ≈ 4.6e18, so the codes are folded on the way; rows 0 and 2 are equal everywhere
    same = [_ints([0, 1, 0])] * 45
    number, first = first_rows(*same)
    assert number.tolist() == [0, 1, 0]
    assert first.tolist() == [0, 1]
    # the last column alone tells row 2 from row 0
    number, first = first_rows(*same[:-1], _ints([0, 1, 1]))
    assert number.tolist() == [0, 1, 2]
    assert first.tolist() == [0, 1, 2]


def test_first_rows_of_nothing() -> None:
    number, first = first_rows(_ints([]))
    assert number.tolist() == [] and first.tolist() == []


def test_group_cumsum_starts_again_at_each_group() -> None:
    # groups [1, 2] and [3, 4, 5]: 1, 1+2=3 | 3, 3+4=7, 7+5=12
    first = np.array([True, False, True, False, False])
    assert group_cumsum(_ints([1, 2, 3, 4, 5]), first).tolist() == [1, 3, 3, 7, 12]
    # cents far beyond float precision stay exact: 2**60 + 1 + 1
    assert group_cumsum(_ints([2**60 + 1, 1]), np.array([True, False])).tolist() == [2**60 + 1, 2**60 + 2]


def test_group_cummax_starts_again_at_each_group() -> None:
    # groups [5, 3, 7] and [2, 1, 4]: 5, 5, 7 | 2, 2, 4 (the 7 is not carried into the second group)
    first = np.array([True, False, False, True, False, False])
    assert group_cummax(_ints([5, 3, 7, 2, 1, 4]), first).tolist() == [5, 5, 7, 2, 2, 4]
    # negative values and a one-row group: -3 | -5, max(-5, -1) = -1
    assert group_cummax(_ints([-3, -5, -1]), np.array([True, True, False])).tolist() == [-3, -5, -1]


def test_step_pieces_levels_and_lengths() -> None:
    # recipient 0: day 10 +2 and +1 (level 3), day 20 −1 (level 2), day 30 ±0 (its last change point)
    # recipient 1: day 5 +4 (level 4), day 8 −4 (last)
    # steps: r0 from day 10 at 3 for 20−10 = 10 days, r0 from day 20 at 2 for 30−20 = 10 days,
    #        r1 from day 5 at 4 for 8−5 = 3 days
    rid, day, level, length = step_pieces(_ints([0, 0, 0, 1, 1, 0]), _ints([10, 20, 10, 5, 8, 30]),
                                          _ints([2, -1, 1, 4, -4, 0]))
    assert rid.tolist() == [0, 0, 1]
    assert day.tolist() == [10, 20, 5]
    assert level.tolist() == [3, 2, 4]
    assert length.tolist() == [10, 10, 3]


def test_paid_by_month_nets_repayments_and_leaves_out_the_rest() -> None:
    payments = pd.DataFrame({
        "_edge_jahr": pd.array([2023, 2023, 2023, 2024], dtype="Int64"),
        "_empfaenger": ["a", "a", "b", "a"],
        "_monat": [3, 3, 1, 3],
        "betrag_cent": pd.array([1000, 300, 500, 700], dtype="Int64"),
        "_sign": [1, -1, 1, 1],
        "_counted": [True, True, False, True],  # b's payment is after the Stichtag; 2024 has no month row
    })
    netto, brutto, zurueck = _paid_by_month(payments, [2023, 2023, 2023], ["a", "a", "b"], [2, 3, 1])
    assert netto.tolist() == [0, 700, 0]  # 1000 − 300
    assert brutto.tolist() == [0, 1000, 0]
    assert zurueck.tolist() == [0, 300, 0]


def test_cells_norm_and_texts() -> None:
    assert _cells(pd.Series([1, None], dtype="Int64")) == [1, None]
    assert _cells(pd.Series(["x", None], dtype=object), "") == ["x", ""]
    norm = _norm(pd.Series(["Stadt Kamen", None, " kamen ", "Kreis Unna"], dtype=object))
    assert norm.tolist()[0] == "kamen" and norm.tolist()[2] == "kamen" and norm.tolist()[3] == "kreis unna"
    assert norm.isna().tolist() == [False, True, False, False]
    texts = pd.Series(["P1", "P2"], dtype=object)
    assert _texts(texts) is texts  # already texts: no copy
    assert _texts(pd.Series([1, "a"], dtype=object)).tolist() == ["1", "a"]
