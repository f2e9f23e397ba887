"""Monthly runs through the whole pipeline with the ledger: repeats and retroactive corrections (spec §7)."""

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "workbooks" / "beispiel-kreis-unna-2023"


def reconcile(case: Path, month: str, db: Path, out: Path, epoch: int) -> dict:
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(epoch))
    proc = subprocess.run(
        [sys.executable, "-m", "kimrecon.cli", "reconcile", str(case), "--month", month, "--json",
         "--out", str(out), "--db", f"sqlite:///{db}"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def test_repeat_then_corrected_staffing_sheet(tmp_path):
    case = tmp_path / "fall"
    shutil.copytree(EXAMPLE, case)
    db = tmp_path / "laufbuch.sqlite"
    first = reconcile(case, "2023-11", db, tmp_path / "o1", 1_701_388_800)
    again = reconcile(case, "2023-11", db, tmp_path / "o2", 1_701_392_400)
    assert again["wiederholung_von"] == first["lauf_id"]
    assert again["korrekturen"] == []
    assert again["kanten"] == first["kanten"]

    # Kamen reports late that its new case manager started on 01.04., not 01.03.
    path = case / "Besetzung_Kamen_2023.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    hits = [c for row in ws.iter_rows() for c in row if c.value == dt.datetime(2023, 3, 1)]
    assert len(hits) == 1
    hits[0].value = dt.datetime(2023, 4, 1)
    wb.save(path)

    dec = reconcile(case, "2023-12", db, tmp_path / "o3", 1_704_067_200)
    kamen = next(e for e in dec["kanten"] if e["empfaenger"] == "Stadt Kamen")
    assert kamen["foerderfaehig_kumuliert"] == "42750.00"  # 9/12 × 57.000
    assert kamen["saldo"] == "14250.00"
    corr = dec["korrekturen"]
    assert corr, "a changed staffing sheet must show retroactive corrections"
    kamen_corr = [c for c in corr if c["empfaenger"] == "Stadt Kamen" and c["kennzahl"].startswith("foerderfaehig")]
    # March … November of Kamen each lose one month's eligible amount (4.750,00 €)
    assert sorted(c["monat"] for c in kamen_corr) == [f"2023-{m:02d}" for m in range(3, 12)]
    assert all(c["differenz"] == "-4750.00" for c in kamen_corr)
    assert {c["frueherer_lauf"] for c in corr} == {again["lauf_id"]}  # the latest earlier run of those months
    # the subtree balance moves up the chain: Kamen, the hub Bergkamen and the Kreis, March … November
    expected = {("Stadt Kamen", "foerderfaehig_kumuliert", "-4750.00")} | {
        (name, "saldo_kumuliert", "4750.00") for name in ("Stadt Kamen", "Stadt Bergkamen", "Kreis Unna")
    }
    assert len(corr) == 36
    assert {(c["empfaenger"], c["kennzahl"], c["differenz"]) for c in corr} == expected
    assert {c["geber"] for c in kamen_corr} == {"Stadt Bergkamen"}
