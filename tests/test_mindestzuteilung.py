"""One rule, one place: the 0-or-minimum allotment rule (R3a) follows [abrechnung] mindestzuteilung everywhere."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from messy import d, write_sheet

BESCHEID = ["Bescheid-ID", "Bescheiddatum", "Aktenzeichen", "Bewilligungsbehörde", "Zuwendungsempfänger", "Art",
            "Zeitraum von", "Zeitraum bis", "VzÄ", "Pauschale je VzÄ", "Bewilligungssumme"]
ZUWEISUNG = ["Jahr", "Empfänger", "über", "VzÄ"]
BESETZUNG = ["Kommune", "Stellen-ID", "Personal-ID", "Beginn", "Wochenstunden"]
ZAHLUNGEN = ["Datum", "Zahler", "Empfänger", "Betrag", "Jahr"]


def _case(folder: Path, toml: str | None) -> Path:
    folder.mkdir()
    write_sheet(folder / "bescheid.xlsx", BESCHEID, [
        ["ZB-1", d("15.02.2023"), "Az 1", "Bezirksregierung Arnsberg", "Kreis Unna", "Erstbescheid",
         d("01.01.2023"), d("31.12.2023"), 1.38, 57000, 78660],
    ], title="Zuwendungsbescheid")
    write_sheet(folder / "zuweisung.xlsx", ZUWEISUNG, [
        [2023, "Stadt Kamen", None, 1], [2023, "Gemeinde Bönen", None, 0.38],
    ], title="Zuweisung 2023")
    write_sheet(folder / "besetzung.xlsx", BESETZUNG, [
        ["Stadt Kamen", "K-1", "P-1", d("01.01.2023"), 39], ["Gemeinde Bönen", "B-1", "P-2", d("01.01.2023"), 14.82],
    ], title="Besetzung")
    write_sheet(folder / "zahlungen.xlsx", ZAHLUNGEN, [
        [d("02.01.2023"), "Bezirksregierung Arnsberg", "Kreis Unna", 78660, 2023],
        [d("05.01.2023"), "Kreis Unna", "Stadt Kamen", 57000, 2023],
        [d("05.01.2023"), "Kreis Unna", "Gemeinde Bönen", 21660, 2023],
    ], title="Zahlungen")
    if toml is not None:
        (folder / "kimrecon.toml").write_text(toml, encoding="utf-8")
    return folder


def _kimrecon(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kimrecon.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, check=False)


MINIMUM_TEXT = "„0,38“ VzÄ: eine Zuteilung muss 0 oder mindestens 0,5 VzÄ sein."


def test_default_minimum_rejects_038_in_validate_and_reconcile_with_one_message(tmp_path: Path) -> None:
    case = _case(tmp_path / "fall", None)
    val = _kimrecon("validate", case, cwd=tmp_path)
    assert val.returncode == 1, val.stdout + val.stderr
    assert "Fehler D6: " + MINIMUM_TEXT in val.stdout  # title, Stand, blank row, header row 4: Bönen is row 6
    rec = _kimrecon("reconcile", case, "--month", "2023-12", "--json", "--ohne-laufbuch", "--out", tmp_path / "o",
                    cwd=tmp_path)
    assert rec.returncode == 2, rec.stderr  # a Fehler stopped the reconcile
    found = [f for f in json.loads(rec.stdout)["befunde"] if f["code"] == "zuteilung_unter_minimum"]
    assert [(f["datei"], f["zelle"]) for f in found] == [("zuweisung.xlsx", "D6")]
    assert MINIMUM_TEXT in found[0]["meldung"]


def test_configured_minimum_025_allows_038_in_validate_and_reconcile(tmp_path: Path) -> None:
    case = _case(tmp_path / "fall", "[abrechnung]\nmindestzuteilung = 0.25\n")
    val = _kimrecon("validate", case, cwd=tmp_path)
    assert "Keine Befunde." in val.stdout
    assert val.returncode == 0, val.stdout + val.stderr
    rec = _kimrecon("reconcile", case, "--month", "2023-12", "--json", "--ohne-laufbuch", "--out", tmp_path / "o",
                    cwd=tmp_path)
    out = json.loads(rec.stdout)
    assert rec.returncode == 0, out["befunde"]
    boenen = next(e for e in out["kanten"] if e["empfaenger"] == "Gemeinde Bönen")
    # 0,38 × 57.000 = 21.660,00 €; 14,82 of 39 hours = 0,38 VzÄ all year: eligible 21.660,00 €
    assert (boenen["vzae_zugeteilt"], boenen["weiterleitung"], boenen["foerderfaehig_kumuliert"]) == (
        "0.38", "21660.00", "21660.00")
