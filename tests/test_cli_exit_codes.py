"""Exit codes and JSON of the command line on copies of the bundled example (issues 11, 12, 15).

0 reconciled without differences, 1 findings or differences, 2 the requested run could not be done.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import fuzz_support as fs
import openpyxl
import pytest

from kimrecon.cli import run

MONTH = "2023-12"


def _cli(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = run([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _json(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, Any, str]:
    code, out, err = _cli(capsys, *argv)
    return code, json.loads(out), err


def _reconcile(capsys: pytest.CaptureFixture[str], case: Path) -> tuple[int, dict[str, Any]]:
    code, obj, err = _json(capsys, "reconcile", case, "--month", MONTH, "--json", "--ohne-laufbuch",
                           "--out", case.parent / "aus")
    assert err == ""  # silent with --json: no spinner, no progress
    return code, obj


def _set_cell(path: Path, cell: str, value: object) -> None:
    wb = openpyxl.load_workbook(path)
    wb.worksheets[0][cell] = value
    wb.save(path)


def _edge(obj: dict[str, Any], geber: str, empfaenger: str) -> dict[str, Any]:
    return next(e for e in obj["kanten"] if (e["geber"], e["empfaenger"], e["jahr"]) == (geber, empfaenger, 2023))


@pytest.fixture
def fehler_case(tmp_path: Path) -> Path:
    """The example with a misspelt recipient in Bergkamen's payments (C5: „Stadt Kamn“): a Fehler."""
    case = fs.copy_case(tmp_path)
    _set_cell(case / "Zahlungen_Bergkamen_2023.xlsx", "C5", "Stadt Kamn")
    return case


KAMN = {"datei": "Zahlungen_Bergkamen_2023.xlsx", "blatt": "Zahlungen", "zelle": "C5", "code": "name_unbekannt",
        "schwere": "Fehler"}


def test_reconcile_without_differences_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = fs.copy_case(tmp_path)
    _set_cell(case / "Besetzung_Kamen_2023.xlsx", "E6", "01.01.2023")  # Kamen's post staffed all year
    code, obj = _reconcile(capsys, case)
    assert (code, obj["status"]) == (0, "ok")
    # Kamen: eligible 12 × 57.000 / 12 = 57.000,00; paid 4 × 14.250 = 57.000,00 → Saldo 0
    kamen = _edge(obj, "Stadt Bergkamen", "Stadt Kamen")
    assert (kamen["foerderfaehig_kumuliert"], kamen["ausgezahlt_kumuliert"], kamen["saldo"]) == (
        "57000.00", "57000.00", "0.00")
    assert all(e["saldo"] == "0.00" for e in obj["kanten"])


def test_reconcile_with_a_difference_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, obj = _reconcile(capsys, fs.copy_case(tmp_path))
    assert (code, obj["status"]) == (1, "abweichungen")
    # Kamen staffed from March: eligible 10 × 4.750 = 47.500,00; paid 57.000,00 → 9.500,00 to pay back
    assert _edge(obj, "Stadt Bergkamen", "Stadt Kamen")["saldo"] == "9500.00"


def test_reconcile_stopped_by_a_fehler_exits_2(fehler_case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Needs RunOutcome.exit_code == 2 for a Fehler (issue 11; before, such a run exited 1)."""
    code, obj = _reconcile(capsys, fehler_case)
    assert obj["status"] == "fehler" and obj["kanten"] == []
    assert any(KAMN.items() <= b.items() for b in obj["befunde"]), obj["befunde"]
    assert code == 2
    code, out, err = _cli(capsys, "reconcile", fehler_case, "--month", MONTH, "--ohne-laufbuch",
                          "--out", fehler_case.parent / "aus2")
    assert code == 2
    assert "Der Abgleich wurde nicht durchgeführt" in err and "„Stadt Kamn“" in out


def test_report_stopped_by_a_fehler_exits_2(fehler_case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(capsys, "report", fehler_case, "--year", "2023", "--out", fehler_case.parent / "rp")
    assert code == 2, out + err
    assert "Der Verwendungsnachweis wurde nicht erstellt" in err


def test_unusable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = fs.copy_case(tmp_path)
    (case / "kaputt.xlsx").write_bytes(b"kein Zip-Archiv")
    code, obj = _reconcile(capsys, case)
    assert (code, obj["status"]) == (2, "fehler")
    code, obj, _ = _json(capsys, "validate", case, "--json")
    assert (code, obj["status"]) == (2, "unbrauchbar")
    assert [b["code"] for b in obj["befunde"] if b["datei"] == "kaputt.xlsx"] == ["datei_unlesbar"]


# ------------------------------------------------------------------------------------------------
# validate --json: the same finding objects as reconcile --json


def test_validate_json_clean_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = fs.copy_case(tmp_path)
    code, obj, err = _json(capsys, "validate", case, "--json")
    assert (code, obj["status"], err) == (0, "ok", "")
    assert set(obj) == {"status", "befunde"}
    assert {b["schwere"] for b in obj["befunde"]} == {"Hinweis"}  # Hinweise alone do not make a finding
    assert {"datei": "Besetzung_Kamen_2023.xlsx", "blatt": "Besetzung", "zelle": "D4",
            "code": "spalte_personenbezug", "schwere": "Hinweis",
            "meldung": "Die Spalte „Name“ enthält personenbezogene Daten; sie wurde beim Einlesen verworfen."
            } in obj["befunde"]
    _, rec = _reconcile(capsys, case)
    assert all(b in rec["befunde"] for b in obj["befunde"])


def test_validate_json_with_a_fehler(fehler_case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = fehler_case.parent / "bericht.xlsx"
    code, obj, err = _json(capsys, "validate", fehler_case, "--json", "--report", report)
    assert (code, obj["status"]) == (1, "befunde")
    kamn = [b for b in obj["befunde"] if KAMN.items() <= b.items()]
    assert len(kamn) == 1 and "„Stadt Kamn“" in kamn[0]["meldung"]
    assert report.is_file() and f"geschrieben: {report}" in err  # stdout stays pure JSON
    _, rec = _reconcile(capsys, fehler_case)
    assert kamn[0] in rec["befunde"]


# ------------------------------------------------------------------------------------------------
# deadlines --json (R9)


def _deadlines(capsys: pytest.CaptureFixture[str], case: Path, on: str) -> tuple[int, dict[str, dict[str, Any]]]:
    code, items, err = _json(capsys, "deadlines", case, "--on", on, "--json")
    assert err == ""
    assert all(set(d) >= {"geber", "empfaenger", "jahr", "frist", "status", "tage", "eingegangen", "geprueft"}
               for d in items)
    return code, {d["empfaenger"]: d for d in items}


def test_deadlines_json_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = fs.copy_case(tmp_path)
    code, by = _deadlines(capsys, case, "15.04.2024")
    assert code == 1  # something missed or near
    assert len(by) == 11  # every edge of 2023
    # towns under the hub Bergkamen: 31.03.2024, passed 15 days before 15.04.2024
    assert by["Stadt Kamen"].items() >= {"geber": "Stadt Bergkamen", "empfaenger": "Stadt Kamen", "jahr": 2023,
                                         "frist": "2024-03-31", "status": "versäumt", "tage": -15,
                                         "eingegangen": None, "geprueft": None}.items()
    # direct recipients of the Kreis: 30.04.2024, 30 − 15 = 15 days ahead (≤ 30: nahe)
    assert (by["Stadt Lünen"]["frist"], by["Stadt Lünen"]["status"], by["Stadt Lünen"]["tage"]) == (
        "2024-04-30", "nahe", 15)
    # the Kreis to the Bezirksregierung: 30.06.2024, 15 (rest of April) + 31 (May) + 30 (June) = 76 days
    kreis = by["Kreis Unna"]
    assert (kreis["geber"], kreis["frist"], kreis["status"], kreis["tage"]) == (
        "Bezirksregierung Arnsberg", "2024-06-30", "offen", 76)


def test_deadlines_json_nothing_due(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, by = _deadlines(capsys, fs.copy_case(tmp_path), "2024-01-01")
    assert code == 0
    # 01.01.2024 → 31.03.2024: 30 (rest of January) + 29 (February, leap year) + 31 = 90 days
    assert (by["Stadt Kamen"]["status"], by["Stadt Kamen"]["tage"]) == ("offen", 90)
    assert by["Stadt Lünen"]["tage"] == 90 + 30
    assert by["Kreis Unna"]["tage"] == 90 + 30 + 31 + 30


def test_deadlines_with_a_fehler_exit_2(fehler_case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, obj, _ = _json(capsys, "deadlines", fehler_case, "--on", "15.04.2024", "--json")
    assert (code, obj["status"]) == (2, "fehler")
    assert any(KAMN.items() <= b.items() for b in obj["befunde"])
    code, out, err = _cli(capsys, "deadlines", fehler_case, "--on", "15.04.2024")
    assert code == 2 and "Die Fristen wurden nicht berechnet" in err and "„Stadt Kamn“" in out


# ------------------------------------------------------------------------------------------------
# history


def test_history_lists_and_shows_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = fs.copy_case(tmp_path)
    url = f"sqlite:///{tmp_path / 'laufbuch.sqlite'}"
    code, obj, _ = _json(capsys, "reconcile", case, "--month", MONTH, "--json", "--db", url, "--out", tmp_path / "o")
    assert code == 1
    lauf = obj["lauf_id"]
    code, out, err = _cli(capsys, "history", "--db", url, "--month", MONTH)
    assert (code, err) == (0, "") and lauf in out
    code, out, _ = _cli(capsys, "history", "--db", url, "--run", lauf)
    assert code == 0 and lauf in out
    code, _, err = _cli(capsys, "history", "--db", url, "--run", "20990101-000000-deadbeef")
    assert code == 2
    assert "Lauf „20990101-000000-deadbeef“ ist im Laufbuch nicht vorhanden." in err


def test_deadlines_thirty_days_ahead_is_near(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, by = _deadlines(capsys, fs.copy_case(tmp_path), "01.03.2024")
    # 01.03.2024 → 31.03.2024: 30 days, the edge of „nahe“ (≤ 30 days) → exit 1
    assert (by["Stadt Kamen"]["status"], by["Stadt Kamen"]["tage"], code) == ("nahe", 30, 1)
    assert (by["Stadt Lünen"]["status"], by["Stadt Lünen"]["tage"]) == ("offen", 30 + 30)


def test_deadlines_json_with_receipts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from messy import d, write_sheet

    case = fs.copy_case(tmp_path)
    write_sheet(case / "Nachweise_Bergkamen_2023.xlsx", ["Geber", "Empfänger", "Jahr", "Nachweis eingegangen am",
                                                          "geprüft am"], [
        ["Stadt Bergkamen", "Stadt Kamen", 2023, d("28.03.2024"), d("10.04.2024")],
        ["Stadt Bergkamen", "Gemeinde Bönen", 2023, d("05.04.2024"), None],
    ], title="Stadt Bergkamen – Eingang Verwendungsnachweise", stand="Stand: 15.04.2024", sheet="Nachweise")
    code, by = _deadlines(capsys, case, "15.04.2024")
    # Kamen handed in on 28.03. (before its deadline 31.03.2024) and was checked on 10.04.
    assert by["Stadt Kamen"].items() >= {"status": "geprüft", "eingegangen": "2024-03-28",
                                         "geprueft": "2024-04-10", "tage": -15}.items()
    # Bönen handed in on 05.04., five days after 31.03.2024
    assert by["Gemeinde Bönen"].items() >= {"status": "verspätet eingegangen", "eingegangen": "2024-04-05",
                                            "geprueft": None}.items()
    assert code == 1  # the Kreis's direct recipients are still due in 15 days (nahe)
