"""Result pages after a restart: the month's latest recorded run is computed again, never a stale figure."""

from __future__ import annotations

import shutil
from pathlib import Path

from roles_support import new_list
from web_support import call, running_server

from kimrecon.pipeline import reconcile_case, restore_outcome
from kimrecon.resources import example_case
from kimrecon.write.json_out import result_json

FALL = "beispiel-kreis-unna-2023"


def _case(tmp_path: Path) -> Path:
    case = tmp_path / "kreis-unna"
    shutil.copytree(example_case(), case, ignore=shutil.ignore_patterns("*.sqlite", "*.md"))
    return case


def test_restore_gives_the_recorded_run_again_and_nothing_once_the_inputs_changed(tmp_path: Path) -> None:
    case = _case(tmp_path)
    out, admin = tmp_path / "aus", tmp_path / "verwaltung"
    assert restore_outcome(case, "2023-12", out_dir=out, ledger_dir=admin) is None  # never run: no ledger
    ran = reconcile_case(case, "2023-12", out_dir=out, ledger_dir=admin)
    assert ran.result is not None
    assert restore_outcome(case, "2023-11", out_dir=out, ledger_dir=admin) is None  # that month never ran
    back = restore_outcome(case, "2023-12", out_dir=out, ledger_dir=admin)
    assert back is not None and back.result is not None
    assert back.lauf_id == ran.lauf_id
    assert back.written == ran.written  # the Abgleich the run published
    # the same Result: the JSON of both is identical, run id and time included
    assert result_json(back.result) == result_json(ran.result)
    kamen = next(k for k in back.result.kanten if k.empfaenger == "Stadt Kamen")
    assert kamen.saldo_cent == 950_000  # 57.000,00 paid − 10 staffed months × 4.750,00
    # Kamen's list changes (KA-P02 from 01.02.2023): the recorded figures no longer hold
    (case / "Besetzung_Kamen_2023.xlsx").write_bytes(
        new_list("Besetzung_Kamen_2023.xlsx", "31.12.2023", {"E6": "01.02.2023"}))
    assert restore_outcome(case, "2023-12", out_dir=out, ledger_dir=admin) is None


def test_a_restarted_server_still_shows_the_result_of_a_month(tmp_path: Path) -> None:
    daten = tmp_path / "daten"
    with running_server(daten, beispiel=True) as base:
        run = call(base, "POST", f"/api/faelle/{FALL}/abgleich", json_body={"monat": "2023-12"})
        assert run.status == 200, run.text
        lauf_id = run.json()["lauf_id"]
    with running_server(daten, beispiel=True) as base:  # a new process: nothing in memory
        again = call(base, "GET", f"/api/faelle/{FALL}/abgleich/2023-12")
        assert again.status == 200, again.text
        body = again.json()
        assert body["lauf_id"] == lauf_id
        kamen = next(k for k in body["kanten"] if k["empfaenger"] == "Stadt Kamen")
        assert kamen["saldo"] == "9500.00"
        assert [d["name"] for d in body["dateien"]] == ["Abgleich_Kreis_Unna_2023-12.xlsx"]
        page = call(base, "GET", f"/faelle/{FALL}/abgleich/2023-12")
        assert "9.500,00" in page.text
        assert "Abgeglichene Monate:" in call(base, "GET", f"/faelle/{FALL}").text
        assert call(base, "GET", f"/api/faelle/{FALL}/abgleich/2023-11").status == 404  # never run
