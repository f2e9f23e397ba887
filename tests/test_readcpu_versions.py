"""Property: ``versions._owners`` (rows by position) gives the parties and spellings the per-list Series gave."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kimrecon.read.versions import _names, _owners
from tests.read_reference import owners as earlier_owners

NAME = st.one_of(st.none(), st.just(pd.NA), st.sampled_from(["Kreis Unna", "kreis  unna", "Stadt Kamen", "Stadt Unna",
                                                             "Land NRW", ""]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(min_value=0, max_value=3), NAME, NAME), max_size=12),
       st.lists(st.integers(min_value=0, max_value=4), max_size=4, unique=True))
def test_owners_as_before(rows: list[tuple[int, object, object]], lists: list[int]) -> None:
    z = pd.DataFrame({"_sheet": pd.Series([r[0] for r in rows], dtype="int64"),
                      "zahler": pd.Series([r[1] for r in rows], dtype=object),
                      "empfaenger": pd.Series([r[2] for r in rows], dtype=object)})
    zahler, empf = _names(z["zahler"], ""), _names(z["empfaenger"], "")
    assert _owners(z, zahler, empf, lists) == earlier_owners(z, zahler, empf, lists)


def test_owners_of_a_list() -> None:
    # list 1: Kreis Unna pays Kamen, then Unna: only the Kreis is in every row; list 2: no rows, nobody
    z = pd.DataFrame({"_sheet": [1, 1, 3], "zahler": ["Kreis Unna", "Kreis  Unna", "Land NRW"],
                      "empfaenger": ["Stadt Kamen", "Stadt Unna", "Kreis Unna"]})
    owned, names = _owners(z, _names(z["zahler"], ""), _names(z["empfaenger"], ""), [1, 2])
    assert set(owned) == {1, 2} and owned[2] == set() and len(owned[1]) == 1
    assert names[next(iter(owned[1]))] == "Kreis Unna"  # the first spelling as written
