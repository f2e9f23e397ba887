from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from kimrecon.engine.entitle import _mul, div_round_vec
from kimrecon.money import round_half_up


@given(st.lists(st.tuples(st.integers(-(10**12), 10**12), st.integers(0, 10**9), st.integers(1, 10**12)),
                min_size=1, max_size=20))
def test_vectorised_rounding_matches_the_one_rounding_function(rows):
    a = np.array([r[0] for r in rows], dtype="int64")
    b = np.array([r[1] for r in rows], dtype="int64")
    d = np.array([r[2] for r in rows], dtype="int64")
    got = div_round_vec(_mul(a, b), d)
    assert [int(x) for x in got] == [round_half_up(Fraction(x * y, z)) for x, y, z in rows]


def test_overflow_guard_switches_to_python_integers():
    a = np.array([2**40, 3], dtype="int64")
    b = np.array([2**40, 5], dtype="int64")
    prod = _mul(a, b)
    assert prod.dtype == object and int(prod[0]) == 2**80
    assert [int(x) for x in div_round_vec(prod, 2**41)] == [2**39, 0]
