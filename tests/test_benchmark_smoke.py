"""Smoke run of the benchmark at the Kreis size: generate the case, run kimrecon once, check the result.

No timing assertions (issue 7: benchmarks must not slow CI); the generator's shape is checked exactly.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.generate import generate, split_months, with_mode

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def kreis_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    case = tmp_path_factory.mktemp("bench") / "kreis"
    facts = generate("kreis", case)
    return case, facts


def test_split_months_adds_up_to_the_cent() -> None:
    parts = split_months(170_999_99)
    assert len(parts) == 12
    assert sum(parts) == 170_999_99
    assert parts[0] == 1_424_999 and parts[-1] == 1_425_010


def test_generator_is_seeded_and_shaped(kreis_case: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    case, facts = kreis_case
    assert facts["recipients"] == 11  # 10 towns and the Kreis's own posts
    assert facts["kreise"] == 1 and facts["hubs"] == 1
    assert 30 <= int(facts["people"]) <= 60  # type: ignore[call-overload]
    names = sorted(p.name for p in case.glob("*.xlsx"))
    assert sum(n.startswith("Besetzung_") for n in names) == 11
    assert "Bescheid_KIM_2023.xlsx" in names
    again = generate("kreis", tmp_path / "again")
    assert again["person_month_rows"] == facts["person_month_rows"]
    assert sorted(p.name for p in (tmp_path / "again").glob("*.xlsx")) == names


def test_generated_sheets_are_messy_but_valid(kreis_case: tuple[Path, dict[str, object]]) -> None:
    from openpyxl import load_workbook

    case, _ = kreis_case
    zuw = next(case.glob("Zuweisung_*.xlsx"))
    rows = list(load_workbook(zuw, read_only=True).active.iter_rows(values_only=True))
    assert rows[3][:7] == ("Lfd. Nr.", "Jahr", "Empfänger", "weitergeleitet über", "VzÄ", "Betrag", "Bemerkung")
    data = [r for r in rows[4:] if r[1] == 2023]
    summe = rows[-1]
    assert summe[2] == "Summe"
    assert summe[4] == sum(r[4] for r in data)
    assert summe[5] == pytest.approx(sum(r[5] for r in data))


def test_kimrecon_reconciles_the_kreis_case(kreis_case: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    case, facts = kreis_case
    twin = with_mode(case, "tagesprinzip")
    assert (twin / "kimrecon.toml").read_text(encoding="utf-8").count("tagesprinzip") == 1
    proc = subprocess.run(
        [sys.executable, "-m", "kimrecon.cli", "reconcile", str(case), "--month", str(facts["month"]),
         "--out", str(tmp_path / "out"), "--json", "--ohne-laufbuch"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert result["status"] in ("ok", "abweichungen")
    assert result["monat"] == "2023-12"
    kanten = {(k["geber"], k["empfaenger"]) for k in result["kanten"]}
    assert len(kanten) == 11  # the Bescheid edge and one edge per recipient below the Kreis
    written = sorted(p.name for p in (tmp_path / "out").glob("Abgleich_*.xlsx"))
    # named after the Kreis (the Bescheid's recipient) as a portable file name: "Kreis Lüdmar" → "Kreis_Luedmar"
    assert result["kreis"] == "Kreis Lüdmar"
    assert written == ["Abgleich_Kreis_Luedmar_2023-12.xlsx"]
