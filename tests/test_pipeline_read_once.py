"""A long-running process reads a case once: a run on the kept inputs equals a run that reads the files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from kimrecon.pipeline import reconcile_case
from kimrecon.read import read_case
from kimrecon.resources import example_case
from kimrecon.write.json_out import result_json


def test_a_run_on_kept_inputs_gives_the_same_result_and_leaves_them_unchanged(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1704067200")  # one run id for both runs
    case = tmp_path / "kreis-unna"
    shutil.copytree(example_case(), case, ignore=shutil.ignore_patterns("*.sqlite", "*.md"))
    read = read_case([case])
    before = {k: f.copy(deep=True) for k, f in read.frames.items()}
    fresh = reconcile_case(case, "2023-12", out_dir=tmp_path / "a", use_ledger=False)
    kept = reconcile_case(case, "2023-12", out_dir=tmp_path / "b", use_ledger=False, read=read)
    again = reconcile_case(case, "2023-11", out_dir=tmp_path / "c", use_ledger=False, read=read)
    assert fresh.result is not None and kept.result is not None and again.result is not None
    assert result_json(kept.result) == result_json(fresh.result)
    assert kept.lauf_id == fresh.lauf_id
    # the kept frames are what the reader produced, untouched by two runs
    for kind, frame in read.frames.items():
        pd.testing.assert_frame_equal(frame, before[kind])
    # both workbooks are the same bytes
    assert [p.read_bytes() for p in kept.written] == [p.read_bytes() for p in fresh.written]
    kamen = next(k for k in again.result.kanten if k.empfaenger == "Stadt Kamen")
    assert kamen.foerderfaehig_kumuliert_cent == 4_275_000  # March to November: 9 × 4.750,00
