"""The vectorised pre-check may skip pandera only when pandera would find nothing (no lost finding)."""

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimrecon.inputs import Kind
from kimrecon.read import read_case
from kimrecon.validate.schemas import _pandera, _passes, schema

EXAMPLE = Path(__file__).resolve().parent.parent / "workbooks" / "beispiel-kreis-unna-2023"


@pytest.fixture(scope="module")
def frames() -> dict[Kind, pd.DataFrame]:
    return dict(read_case([EXAMPLE]).frames)


def _pandera_passes(frame: pd.DataFrame, kind: Kind) -> bool:
    pa = _pandera()
    try:
        schema(kind).validate(frame, lazy=True)
    except pa.errors.SchemaErrors:
        return False
    return True


VALUES = st.one_of(
    st.none(),
    st.integers(min_value=-10**7, max_value=10**9),
    st.sampled_from([0, 1, 4_999, 5_000, 10_000, 2019, 2020, 2100, 2101, -1]),
)


@pytest.mark.parametrize("kind", [Kind.BESCHEID, Kind.ZUWEISUNG, Kind.SCHLUESSEL, Kind.BESETZUNG, Kind.ZAHLUNGEN])
@settings(max_examples=60, deadline=None, derandomize=True)
@given(data=st.data())
def test_precheck_never_hides_a_pandera_failure(frames, kind, data):
    frame = frames[kind].copy()
    ints = [c for c in frame.columns if not c.startswith("_") and str(frame[c].dtype) == "Int64"]
    assert ints, f"{kind} has integer columns"
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        col = data.draw(st.sampled_from(ints))
        row = data.draw(st.integers(min_value=0, max_value=len(frame) - 1))
        value = data.draw(VALUES)
        frame.loc[frame.index[row], col] = pd.NA if value is None else value
    if _passes(frame, kind):
        assert _pandera_passes(frame, kind)


def test_example_passes_both(frames):
    for kind, frame in frames.items():
        if frame.empty:
            continue
        assert _passes(frame, kind) == _pandera_passes(frame, kind), kind


def test_allotment_below_minimum_is_no_shape_error(frames):
    # 0,38 VzÄ is a well-formed number: whether it is allowed depends on [abrechnung] mindestzuteilung,
    # so the engine decides (tests/test_mindestzuteilung.py), not the schema
    frame = frames[Kind.ZUWEISUNG].copy()
    frame.loc[frame.index[0], "vzae_e4"] = 3_800
    assert _passes(frame, Kind.ZUWEISUNG)
    assert _pandera_passes(frame, Kind.ZUWEISUNG)
    frame.loc[frame.index[0], "vzae_e4"] = -3_800  # negative VzÄ stay a shape error
    assert not _passes(frame, Kind.ZUWEISUNG)
    assert not _pandera_passes(frame, Kind.ZUWEISUNG)
