"""A run killed between renaming its workbooks into place and the ledger COMMIT is settled by run id."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from kimrecon.ledger import open_ledger
from kimrecon.pipeline import JOURNAL_PREFIX, reconcile_case, recover_unrecorded
from kimrecon.resources import example_case


def _case(tmp_path: Path) -> Path:
    case = tmp_path / "fall"
    shutil.copytree(example_case(), case)
    return case


def test_unrecorded_outputs_are_rolled_back_and_recorded_ones_forward(tmp_path: Path, monkeypatch) -> None:
    case, out = _case(tmp_path), tmp_path / "aus"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1704067200")
    first = reconcile_case(case, "2023-11", out_dir=out, ledger_dir=tmp_path)
    assert first.result is not None and not list(out.glob(f"{JOURNAL_PREFIX}*"))  # recorded: no journal left
    [abgleich] = first.written
    # a killed run: its November workbook is in place, its journal says so, the ledger never heard of it
    orphan = out / "Abgleich_Kreis_Unna_2023-10.xlsx"
    orphan.write_bytes(abgleich.read_bytes())
    digest = hashlib.sha256(orphan.read_bytes()).hexdigest()
    (out / f"{JOURNAL_PREFIX}20240101-000000-deadbeef.json").write_text(json.dumps(
        {"lauf_id": "20240101-000000-deadbeef", "dateien": [{"name": orphan.name, "sha256": digest}]}))
    # a run that was recorded but killed before removing its journal: rolled forward, its file stays
    (out / f"{JOURNAL_PREFIX}{first.lauf_id}.json").write_text(json.dumps(
        {"lauf_id": first.lauf_id, "dateien": [{"name": abgleich.name, "sha256": "x"}]}))
    ledger = open_ledger(None, tmp_path)
    removed = recover_unrecorded(out, ledger)
    assert removed == [orphan]
    assert sorted(p.name for p in out.iterdir()) == [abgleich.name]


def test_a_changed_file_is_never_removed(tmp_path: Path) -> None:
    out = tmp_path / "aus"
    out.mkdir()
    kept = out / "Abgleich_Kreis_Unna_2023-10.xlsx"
    kept.write_bytes(b"edited by hand after the killed run")
    (out / f"{JOURNAL_PREFIX}L1.json").write_text(json.dumps(
        {"lauf_id": "L1", "dateien": [{"name": kept.name, "sha256": "0" * 64}]}))

    class NoRuns:
        def run(self, lauf_id: str) -> None:
            return None

    assert recover_unrecorded(out, NoRuns()) == []
    assert sorted(p.name for p in out.iterdir()) == [kept.name]


def test_report_is_recorded_so_its_lauf_id_is_found_by_history(tmp_path: Path) -> None:
    import subprocess
    import sys

    import openpyxl

    case, out = _case(tmp_path), tmp_path / "nachweise"
    run = subprocess.run([sys.executable, "-m", "kimrecon.cli", "report", str(case), "--year", "2023",
                          "--recipient", "Kamen", "--out", str(out)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    [book] = out.glob("Verwendungsnachweis_2023_*.xlsx")
    keywords = openpyxl.load_workbook(book).properties.keywords or ""
    lauf_id = keywords.split("Lauf ")[-1]
    assert lauf_id and lauf_id in keywords
    shown = subprocess.run([sys.executable, "-m", "kimrecon.cli", "history", "--fall", str(case), "--run", lauf_id],
                           capture_output=True, text=True, check=False)
    assert shown.returncode == 0, shown.stderr
    assert f"Lauf {lauf_id}" in shown.stdout


def test_the_very_same_run_again_is_published_not_recorded_twice(tmp_path: Path, monkeypatch) -> None:
    case, out = _case(tmp_path), tmp_path / "aus"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1704067200")  # same second: the same run id
    first = reconcile_case(case, "2023-12", out_dir=out, ledger_dir=tmp_path)
    again = reconcile_case(case, "2023-12", out_dir=out, ledger_dir=tmp_path)
    assert again.lauf_id == first.lauf_id
    assert again.exit_code == 1  # the example's Rückforderung 9.500,00 €, not a ledger error
    assert [r.lauf_id for r in open_ledger(None, tmp_path).runs()] == [first.lauf_id]
