"""Acceptance: independent case folders through the real CLI, checked against figures computed by hand.

Every expected euro below is worked out from the spec (domain.md R1–R7, §4) in the comment next to
it, not taken from a kimrecon run. The case folders are written by ``tests/acceptance_cases.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import acceptance_cases as ac  # noqa: E402

CLI = [sys.executable, "-m", "kimrecon.cli"]


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("faelle")
    return {name: make(root) for name, make in ac.ALL_CASES.items()}


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="200", SOURCE_DATE_EPOCH="1704067200")
    return subprocess.run([*CLI, *map(str, args)], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


@cache
def _reconcile(case: Path, month: str) -> tuple[int, dict[str, Any], Path]:
    out = case.parent / "out" / f"{case.name}-{month}"
    proc = cli("reconcile", case, "--month", month, "--json", "--ohne-laufbuch", "--out", out, cwd=case.parent)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1, 2), proc.stderr + proc.stdout  # 2: a Fehler stopped the run
    return proc.returncode, json.loads(proc.stdout), out


def reconcile(cases: dict[str, Path], name: str, month: str) -> dict[str, Any]:
    return _reconcile(cases[name], month)[1]


def edges(result: dict[str, Any]) -> dict[tuple[str, str, int], dict[str, Any]]:
    return {(e["geber"], e["empfaenger"], e["jahr"]): e for e in result["kanten"]}


def check(edge: dict[str, Any], vzae: str, weiter: str, eligible: str, paid: str, saldo: str) -> None:
    got = (edge["vzae_zugeteilt"], edge["weiterleitung"], edge["foerderfaehig_kumuliert"],
           edge["ausgezahlt_kumuliert"], edge["saldo"])
    assert got == (vzae, weiter, eligible, paid, saldo), edge


def codes(result: dict[str, Any], severity: str | None = None) -> list[str]:
    return sorted(f["code"] for f in result["befunde"] if severity is None or f["schwere"] == severity)


# ------------------------------------------------------------------------------------------------
# Case 1: Kreis Coesfeld 2023 – Einwohner key with Verzicht, 0,5 steps; 30 of 39 h; hub subtree
# ------------------------------------------------------------------------------------------------


def test_coesfeld_key_part_time_and_hub_subtree(cases: dict[str, Path]) -> None:
    r = reconcile(cases, "coesfeld", "2023-12")
    e = edges(r)
    # Key of hub Coesfeld (R3a, docs/decisions "Key computation"): pool = subtree 1,5+0,5+1,0+0 = 3,0 VzÄ
    # + Verzicht 0,5 = 3,5 VzÄ = 7 steps of 0,5. Σ Einwohner = 36.000+12.000+19.500+11.500 = 79.000.
    # Quotas in steps: Coesfeld 7×36/79 = 3,190; Havixbeck 7×12/79 = 1,063; Nottuln 7×19,5/79 = 1,728;
    # Billerbeck 7×11,5/79 = 1,019. Floors 3+1+1+1 = 6, the 7th step to the largest remainder
    # (Nottuln ,728) → 1,5 / 0,5 / 1,0 / 0,5 − Verzicht 0,5 = 0 — exactly the Zuweisung: no
    # schluessel_widerspruch.
    assert "schluessel_widerspruch" not in codes(r)
    assert codes(r, "Fehler") == []
    # Nottuln: 30 of 39 h all year on 1,0 VzÄ → 57.000 × 30/39 = 43.846,15 (43.846,1538…);
    # paid 4 × 14.250 = 57.000 → Saldo 57.000 − 43.846,15 = 13.153,85 Rückforderung.
    check(e[("Stadt Coesfeld", "Gemeinde Nottuln", 2023)], "1", "57000.00", "43846.15", "57000.00", "13153.85")
    assert e[("Stadt Coesfeld", "Gemeinde Nottuln", 2023)]["art"] == "Rückforderung"
    # Havixbeck: one person 39 h on an 0,5 allotment → capped at 0,5 (R4b): 0,5 × 57.000 = 28.500,00.
    check(e[("Stadt Coesfeld", "Gemeinde Havixbeck", 2023)], "0.5", "28500.00", "28500.00", "28500.00", "0.00")
    # Billerbeck waived: 0 VzÄ, nothing forwarded, nothing paid.
    check(e[("Stadt Coesfeld", "Stadt Billerbeck", 2023)], "0", "0.00", "0.00", "0.00", "0.00")
    # Kreis → hub carries the subtree: 1,5 + 0,5 + 1,0 = 3,0 VzÄ × 57.000 = 171.000,00.
    # Eligible: Coesfeld own 39 h + 19,5 h = 1,5 VzÄ all year = 85.500 + 28.500 + 43.846,15 = 157.846,15;
    # Saldo 171.000 − 157.846,15 = 13.153,85.
    check(e[("Kreis Coesfeld", "Stadt Coesfeld", 2023)], "3", "171000.00", "157846.15", "171000.00", "13153.85")
    check(e[("Kreis Coesfeld", "Stadt Dülmen", 2023)], "3", "171000.00", "171000.00", "171000.00", "0.00")
    # Bescheid 10 × 57.000 = 570.000. Eligible: Kreis 2,0 → 114.000 + Dülmen 171.000 + Lüdinghausen
    # 114.000 + hub subtree 157.846,15 = 556.846,15; Saldo 570.000 − 556.846,15 = 13.153,85.
    check(e[("Bezirksregierung Münster", "Kreis Coesfeld", 2023)], "10", "570000.00", "556846.15", "570000.00",
          "13153.85")
    assert r["status"] == "abweichungen"
    # the Zuweisung's "Bemerkung" column is a Hinweis with its header cell (title row 1, blank row 2, header row 3)
    notes = [(f["datei"], f["zelle"]) for f in r["befunde"] if f["code"] == "spalte_unbekannt"]
    assert notes == [("Zuweisung_2023.xlsx", "E3")]


def test_coesfeld_key_contradiction_is_reported(cases: dict[str, Path], tmp_path: Path) -> None:
    """Swap Havixbeck and Nottuln in the Zuweisung (1,0 / 0,5): the Einwohner key says 0,5 / 1,0."""
    case = ac.case_coesfeld(tmp_path)
    wb = openpyxl.load_workbook(case / "Zuweisung_2023.xlsx")
    ws = wb["Zuweisung"]
    assert ws["B8"].value == "Gemeinde Havixbeck" and ws["B9"].value == "Gemeinde Nottuln"
    ws["D8"], ws["D9"] = 1.0, 0.5
    wb.save(case / "Zuweisung_2023.xlsx")
    proc = cli("reconcile", case, "--month", "2023-12", "--json", "--ohne-laufbuch", "--out", tmp_path / "o",
               cwd=tmp_path)
    r = json.loads(proc.stdout)
    assert proc.returncode == 2  # a Fehler stopped the reconcile
    assert r["status"] == "fehler"
    assert "schluessel_widerspruch" in codes(r, "Fehler")


def test_coesfeld_verwendungsnachweis_nottuln(cases: dict[str, Path]) -> None:
    case = cases["coesfeld"]
    out = case.parent / "out" / "nachweis-coesfeld"
    proc = cli("report", case, "--year", "2023", "--recipient", "Nottuln", "--out", out, cwd=case.parent)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    files = sorted(p.name for p in out.glob("*.xlsx"))
    assert files == ["Verwendungsnachweis_2023_Gemeinde_Nottuln.xlsx"]
    ws = openpyxl.load_workbook(out / files[0], data_only=True).active
    assert ws is not None
    label = {str(ws.cell(r, 1).value): r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}
    value = {k: ws.cell(r, 2).value for k, r in label.items()}
    assert value["An (Zuwendungsgeber)"] == "Stadt Coesfeld"
    assert value["Bewilligte Zuwendung"] == 57000
    assert value["Zuwendungsfähige Ausgaben"] == pytest.approx(43846.15, abs=0.001)
    assert value["Saldo"] == pytest.approx(13153.85, abs=0.001) and value["Ergebnis"] == "Rückforderung"
    # Month rows: 57.000 × 30/39 / 12 = 3.653,846… per month; cumulative rounding (§4) gives
    # Jan 3.653,85 (cum 3.653,85), Feb 7.307,69 − 3.653,85 = 3.653,84, …, Dec cum 43.846,15.
    jan, feb, dec = label["Januar 2023"], label["Februar 2023"], label["Dezember 2023"]
    assert ws.cell(jan, 4).value == pytest.approx(3653.85, abs=0.001)
    assert ws.cell(feb, 4).value == pytest.approx(3653.84, abs=0.001)
    assert ws.cell(feb, 5).value == pytest.approx(7307.69, abs=0.001)
    assert ws.cell(dec, 5).value == pytest.approx(43846.15, abs=0.001)
    months = [ws.cell(r, 4).value for r in range(jan, dec + 1)]
    assert sum(round(m * 100) for m in months) == 4_384_615


# ------------------------------------------------------------------------------------------------
# Case 2: Kreis Steinfurt 2022 at 55.000 € – Stellenanteil, Elternzeit, over-staffed post, mid-month start
# ------------------------------------------------------------------------------------------------


def test_steinfurt_2022_rate_shares_elternzeit_and_cap(cases: dict[str, Path]) -> None:
    r = reconcile(cases, "steinfurt", "2022-12")
    e = edges(r)
    assert codes(r, "Fehler") == []
    # Rheine 2,0 VzÄ: RH-P1 100 % all year; RH-P2 100 % with Elternzeit 01.04.–30.06. without pay →
    # Apr, May, Jun staffed 1,0, the other 9 months 2,0: Σ v_m = 9×2 + 3×1 = 21 VzÄ-months →
    # 55.000 × 21/12 = 96.250,00; paid 110.000 → Saldo 13.750,00.
    check(e[("Kreis Steinfurt", "Stadt Rheine", 2022)], "2", "110000.00", "96250.00", "110000.00", "13750.00")
    # Greven 1,5 VzÄ: two people on post GR-1, 1,0 + 0,75 = 1,75 > 1,5 → capped: 55.000 × 1,5 = 82.500,00
    # (not 55.000 × 1,75 = 96.250).
    check(e[("Kreis Steinfurt", "Stadt Greven", 2022)], "1.5", "82500.00", "82500.00", "82500.00", "0.00")
    # Emsdetten 1,5 VzÄ: 0,5 all year, + 1,0 from 16.07. (monatsprinzip: July counts with its highest
    # day, 1,5): Jan–Jun 6 × 0,5 = 3, Jul–Dec 6 × 1,5 = 9 → Σ 12 → 55.000 × 12/12 = 55.000,00;
    # paid 82.500 → Saldo 27.500,00.
    check(e[("Kreis Steinfurt", "Stadt Emsdetten", 2022)], "1.5", "82500.00", "55000.00", "82500.00", "27500.00")
    # Bescheid 6 × 55.000 = 330.000 (R2: 55.000 € in 2022). Eligible: Kreis 1,0 → 55.000 + 96.250
    # + 82.500 + 55.000 = 288.750,00 → Saldo 330.000 − 288.750 = 41.250,00.
    check(e[("Bezirksregierung Münster", "Kreis Steinfurt", 2022)], "6", "330000.00", "288750.00", "330000.00",
          "41250.00")


def test_steinfurt_june_cumulative(cases: dict[str, Path]) -> None:
    r = reconcile(cases, "steinfurt", "2022-06")
    e = edges(r)
    # Rheine to 30.06.: Jan–Mar 3 × 2 + Apr–Jun 3 × 1 = 9 → 55.000 × 9/12 = 41.250,00; paid by 30.06.:
    # 28.01. and 28.04. = 2 × 27.500 = 55.000 → Saldo 13.750,00.
    check(e[("Kreis Steinfurt", "Stadt Rheine", 2022)], "2", "110000.00", "41250.00", "55000.00", "13750.00")
    # Emsdetten to 30.06.: 6 × 0,5 = 3 → 55.000 × 3/12 = 13.750,00; paid 2 × 20.625 = 41.250 → 27.500,00.
    check(e[("Kreis Steinfurt", "Stadt Emsdetten", 2022)], "1.5", "82500.00", "13750.00", "41250.00", "27500.00")


# ------------------------------------------------------------------------------------------------
# Case 3: Kreis Soest 2023 in the tagesprinzip (kimrecon.toml)
# ------------------------------------------------------------------------------------------------


def test_soest_tagesprinzip_year(cases: dict[str, Path]) -> None:
    r = reconcile(cases, "soest", "2023-12")
    assert r["modus"] == "tagesprinzip"
    e = edges(r)
    # Lippstadt from 15.03.2023: 365 − (31 + 28 + 14) = 292 days → 57.000 × 292/365 = 45.600,00;
    # paid 57.000 → 11.400,00.
    check(e[("Kreis Soest", "Stadt Lippstadt", 2023)], "1", "57000.00", "45600.00", "57000.00", "11400.00")
    # Warstein: Elternzeit 10.05.–19.08. without pay = 22 + 30 + 31 + 19 = 102 days → 263 days staffed
    # → 57.000 × 263/365 = 41.071,2328… = 41.071,23; Saldo 57.000 − 41.071,23 = 15.928,77.
    check(e[("Kreis Soest", "Stadt Warstein", 2023)], "1", "57000.00", "41071.23", "57000.00", "15928.77")
    # Kreis: own 57.000 + 45.600 + 41.071,23 = 143.671,23; 171.000 − 143.671,23 = 27.328,77.
    check(e[("Bezirksregierung Arnsberg", "Kreis Soest", 2023)], "3", "171000.00", "143671.23", "171000.00",
          "27328.77")


def test_soest_tagesprinzip_june(cases: dict[str, Path]) -> None:
    r = reconcile(cases, "soest", "2023-06")
    e = edges(r)
    # Lippstadt 15.03.–30.06. = 17 + 30 + 31 + 30 = 108 days → 57.000 × 108/365 = 16.865,7534 = 16.865,75;
    # paid 02.01. + 03.04. = 28.500 → 11.634,25.
    check(e[("Kreis Soest", "Stadt Lippstadt", 2023)], "1", "57000.00", "16865.75", "28500.00", "11634.25")
    # Warstein 01.01.–30.06. = 181 days − (22 + 30) = 129 → 57.000 × 129/365 = 20.145,2055 = 20.145,21.
    check(e[("Kreis Soest", "Stadt Warstein", 2023)], "1", "57000.00", "20145.21", "28500.00", "8354.79")
    # Kreis own 57.000 × 181/365 = 28.265,7534 = 28.265,75; + 16.865,75 + 20.145,21 = 65.276,71;
    # paid 2 × 42.750 = 85.500 → 20.223,29.
    check(e[("Bezirksregierung Arnsberg", "Kreis Soest", 2023)], "3", "171000.00", "65276.71", "85500.00",
          "20223.29")


# ------------------------------------------------------------------------------------------------
# Case 4: Kreis Borken 2023 – CSV Zuweisung (BOM, German decimals), finance-system CSV, Rückzahlung
# ------------------------------------------------------------------------------------------------


def test_borken_csv_inputs_and_refund_upward(cases: dict[str, Path]) -> None:
    r = reconcile(cases, "borken", "2023-12")
    e = edges(r)
    # both CSV exports read cleanly; the finance system's "Haushaltsjahr" is the booking year, not the
    # Bezugsjahr, so it is only reported as an unknown column (the Bezugsjahr falls back to the value date)
    assert [(f["zelle"], f["code"], f["schwere"]) for f in r["befunde"]] == [("F1", "spalte_unbekannt", "Hinweis")]
    # Bocholt 2,0: one 1,0 all year, one 1,0 from 01.04. → 12 + 9 = 21 VzÄ-months → 57.000 × 21/12
    # = 99.750,00. Paid 4 × 28.500 = 114.000, repaid 14.250 (Rückzahlung Bocholt → Kreis, R5) →
    # ausgezahlt 99.750,00 → Saldo 0.
    check(e[("Kreis Borken", "Stadt Bocholt", 2023)], "2", "114000.00", "99750.00", "99750.00", "0.00")
    check(e[("Kreis Borken", "Stadt Ahaus", 2023)], "1", "57000.00", "57000.00", "57000.00", "0.00")
    # Kreis: 57.000 + 99.750 + 57.000 = 213.750; the Kreis has not passed the refund up:
    # 228.000 − 213.750 = 14.250,00 Rückforderung of the Land.
    check(e[("Bezirksregierung Münster", "Kreis Borken", 2023)], "4", "228000.00", "213750.00", "228000.00",
          "14250.00")


def test_borken_refund_not_yet_made_in_october(cases: dict[str, Path]) -> None:
    r = reconcile(cases, "borken", "2023-10")
    e = edges(r)
    # to 31.10.: Bocholt 10 + 7 = 17 → 57.000 × 17/12 = 80.750,00; paid 4 × 28.500 = 114.000 (the
    # 20.10. Abschlag is in, the refund of 15.11. is not) → 33.250,00.
    check(e[("Kreis Borken", "Stadt Bocholt", 2023)], "2", "114000.00", "80750.00", "114000.00", "33250.00")


# ------------------------------------------------------------------------------------------------
# Case 5: Kreis Lippe – Erstattungszinsen (R7) across rate changes
# ------------------------------------------------------------------------------------------------


def test_lippe_interest_by_hand(cases: dict[str, Path]) -> None:
    r = reconcile(cases, "lippe", "2023-12")
    assert r["status"] == "ok"
    assert r["befunde"] == []
    # the Zinszahlung of 148,46 is no principal (R5): Detmold → Kreis stays 57.000 paid
    check(edges(r)[("Kreis Lippe", "Stadt Detmold", 2023)], "1", "57000.00", "57000.00", "57000.00", "0.00")
    z = {c["forderung_id"]: c for c in r["zinsen"]}

    def periods(c: dict[str, Any]) -> list[tuple[str, str, int, str, str, str]]:
        return [(p["von"], p["bis"], p["tage"], p["basiszins"], p["aufschlag"], p["betrag"]) for p in c["perioden"]]

    # RF-2022-03: 20.000 €, Zinsbeginn 30.11.2022 (not counted), paid 31.01.2023.
    # 01.–31.12.2022: 31 days at −0,88 % + 5 = 4,12 %: 20.000 × 0,0412 × 31/365 = 824 × 31/365 = 69,984 → 69,98
    # 01.–31.01.2023: 31 days at 1,62 % + 3 = 4,62 %: 20.000 × 0,0462 × 31/365 = 924 × 31/365 = 78,477 → 78,48
    # total 148,46.
    c = z["RF-2022-03"]
    assert (c["von"], c["bis"], c["tage"], c["zinsbetrag"]) == ("2022-11-30", "2023-01-31", 62, "148.46")
    assert periods(c) == [("2022-12-01", "2022-12-31", 31, "-0.88", "5", "69.98"),
                          ("2023-01-01", "2023-01-31", 31, "1.62", "3", "78.48")]
    # RF-2023-01: 9.500 €, 31.03.2023 → 15.09.2023.
    # 01.04.–30.06.: 30 + 31 + 30 = 91 days at 4,62 %: 9.500 × 0,0462 = 438,90; × 91/365 = 109,4243 → 109,42
    # 01.07.–15.09.: 31 + 31 + 15 = 77 days at 3,12 + 3 = 6,12 %: 9.500 × 0,0612 = 581,40; × 77/365
    # = 122,6515 → 122,65; total 232,07 (168 days).
    c = z["RF-2023-01"]
    assert (c["tage"], c["zinsbetrag"]) == (168, "232.07")
    assert periods(c) == [("2023-04-01", "2023-06-30", 91, "1.62", "3", "109.42"),
                          ("2023-07-01", "2023-09-15", 77, "3.12", "3", "122.65")]
    # RF-2023-02: 5.000 €, open: runs to the Stichtag 31.12.2023: 01.07.–31.12. = 184 days at 6,12 %:
    # 5.000 × 0,0612 = 306; × 184/365 = 154,2575 → 154,26.
    c = z["RF-2023-02"]
    assert (c["bis"], c["tage"], c["zinsbetrag"]) == ("2023-12-31", 184, "154.26")
    assert (c["glaeubiger"], c["schuldner"]) == ("Bezirksregierung Detmold", "Kreis Lippe")


def test_lippe_open_claim_runs_to_an_earlier_stichtag(cases: dict[str, Path]) -> None:
    r = reconcile(cases, "lippe", "2023-09")
    c = {z["forderung_id"]: z for z in r["zinsen"]}
    # RF-2023-02 to 30.09.2023: 31 + 31 + 30 = 92 days × 306/365 = 77,1287 → 77,13
    assert (c["RF-2023-02"]["bis"], c["RF-2023-02"]["tage"], c["RF-2023-02"]["zinsbetrag"]) == (
        "2023-09-30", 92, "77.13")
    # the closed claim is final, whatever the Stichtag: still 232,07
    assert c["RF-2023-01"]["zinsbetrag"] == "232.07"


# ------------------------------------------------------------------------------------------------
# Case 6: Kreis Wesel 2023 – messy hand-made layout
# ------------------------------------------------------------------------------------------------


def test_wesel_messy_layout_reads_to_hand_figures(cases: dict[str, Path]) -> None:
    r = reconcile(cases, "wesel", "2023-12")
    e = edges(r)
    # only Hinweise: the unknown "Lfd. Nr." and "Bemerkung" columns; the Summe rows (Zuweisung 4,0 /
    # 228.000,00 €, Zahlungen 399.000,00 € = 4 × 57.000 + 4 × (28.500 + 14.250)) agree.
    assert codes(r, "Fehler") == []
    assert codes(r) == ["spalte_personenbezug"] * 2 + ["spalte_unbekannt"] * 3
    unknown = {(f["datei"], f["zelle"][0]) for f in r["befunde"] if f["code"] == "spalte_unbekannt"}
    assert unknown == {("Zuweisung KIM 2023 (final).xlsx", "A"), ("Zuweisung KIM 2023 (final).xlsx", "F"),
                       ("Besetzungsmeldung_2023.xlsx", "L")}
    # the name and birth-date columns (C, D of the staffing sheet) are dropped on import (spec §8)
    dropped = {f["zelle"][0] for f in r["befunde"] if f["code"] == "spalte_personenbezug"}
    assert dropped == {"C", "D"}
    # Moers 2,0: 39 h all year + "19,5 Std." all year + 19,5 h from 01.06. → Jan–May 1,5 × 5 = 7,5,
    # Jun–Dec 2,0 × 7 = 14 → 21,5 → 57.000 × 21,5/12 = 102.125,00; paid 114.000 → 11.875,00.
    check(e[("Kreis Wesel", "Stadt Moers", 2023)], "2", "114000.00", "102125.00", "114000.00", "11875.00")
    # Dinslaken from "01.03.2023", Ende "-" (empty): 10/12 × 57.000 = 47.500,00 → Rückforderung 9.500,00.
    check(e[("Kreis Wesel", "Stadt Dinslaken", 2023)], "1", "57000.00", "47500.00", "57000.00", "9500.00")
    # Kreis: 57.000 + 102.125 + 47.500 = 206.625,00; 228.000 − 206.625 = 21.375,00.
    check(e[("Bezirksregierung Düsseldorf", "Kreis Wesel", 2023)], "4", "228000.00", "206625.00", "228000.00",
          "21375.00")


def test_wesel_may(cases: dict[str, Path]) -> None:
    e = edges(reconcile(cases, "wesel", "2023-05"))
    # to 31.05.: Moers 5 × 1,5 = 7,5 → 35.625,00, paid 01.02. + 02.05. = 57.000 → 21.375,00;
    # Dinslaken Mar–May 3 → 14.250,00, paid 28.500 → 14.250,00; Kreis own 5/12 → 23.750;
    # total 23.750 + 35.625 + 14.250 = 73.625,00, Land paid 16.01. + 14.04. = 114.000 → 40.375,00.
    check(e[("Kreis Wesel", "Stadt Moers", 2023)], "2", "114000.00", "35625.00", "57000.00", "21375.00")
    check(e[("Kreis Wesel", "Stadt Dinslaken", 2023)], "1", "57000.00", "14250.00", "28500.00", "14250.00")
    check(e[("Bezirksregierung Düsseldorf", "Kreis Wesel", 2023)], "4", "228000.00", "73625.00", "114000.00",
          "40375.00")


def test_wesel_abgleich_recalculates_in_libreoffice(cases: dict[str, Path], tmp_path: Path) -> None:
    from libreoffice import formula_mismatches, recalculate

    _, _, out = _reconcile(cases["wesel"], "2023-12")
    [book] = out.glob("Abgleich_*_2023-12.xlsx")  # named after the Kreis of the Bescheid
    assert book.name == "Abgleich_Kreis_Wesel_2023-12.xlsx"
    [recomputed] = recalculate([book], tmp_path)
    count, bad = formula_mismatches(book, recomputed)
    assert count > 0 and bad == []
    # DSGVO (spec §8): no name or birth date of the staffing sheet reaches the Abgleich
    texts = {str(v) for ws in openpyxl.load_workbook(book, data_only=True).worksheets
             for row in ws.iter_rows(values_only=True) for v in row if v is not None}
    leaked = [t for t in texts if any(n in t for n in ("Schmitz", "Özdemir", "Wagner", "Haddad", "Kowalski",
                                                      "12.04.1979", "1979-04-12"))]
    assert leaked == []
    assert {"MO-0001", "DI-0001"} <= texts  # the pseudonymous Personal-ID does
    # the recomputed Kanten sheet still shows the hand figures
    ws = openpyxl.load_workbook(recomputed, data_only=True)["Kanten"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    head = next(r for r in rows if "Geber" in r)
    col = {str(v): i for i, v in enumerate(head) if v}
    saldo = next(i for n, i in col.items() if n.startswith("Saldo"))
    moers = next(r for r in rows if r[col["Geber"]] == "Kreis Wesel" and "Stadt Moers" in r)
    assert moers[saldo] == pytest.approx(11875.00, abs=0.001)


# ------------------------------------------------------------------------------------------------
# Case 7: Hochsauerlandkreis 2023 – faulty input, each finding with its cell
# ------------------------------------------------------------------------------------------------

HSK_FINDINGS = {
    # Zuweisung: title row 1, blank row 2, header row 3, data rows 4–6, Summe row 7 (3,5 ≠ 1+1+0,38 = 2,38)
    ("Zuweisung.xlsx", "Zuweisung", "C7", "summe_abweichung"),
    # Sundern's 0,38 VzÄ in row 6: neither 0 nor ≥ 0,5 (R3a)
    ("Zuweisung.xlsx", "Zuweisung", "C6", "zuteilung_unter_minimum"),
    # payments: header row 1, "Stadt Arnsbrg" in row 3, column C (Empfänger)
    ("Zahlungen.xlsx", "Zahlungen", "C3", "name_unbekannt"),
}


def test_hochsauerland_findings_with_cells(cases: dict[str, Path]) -> None:
    code, r, out = _reconcile(cases["hochsauerland"], "2023-12")
    assert code == 2 and r["status"] == "fehler" and r["kanten"] == []
    got = {(f["datei"], f["blatt"], f["zelle"], f["code"]) for f in r["befunde"] if f["schwere"] == "Fehler"}
    assert got == HSK_FINDINGS
    # only the Fehlerbericht is written for a rejected run (spec §6)
    assert sorted(p.name for p in out.iterdir()) == [f"Fehlerbericht_{cases['hochsauerland'].name}_2023-12.xlsx"]


def test_hochsauerland_validate_report(cases: dict[str, Path], tmp_path: Path) -> None:
    report = tmp_path / "pruefung.xlsx"
    proc = cli("validate", cases["hochsauerland"], "--report", report, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr + proc.stdout
    assert "3 Fehler" in proc.stdout
    ws = openpyxl.load_workbook(report, data_only=True)["Fehlerbericht"]
    rows = [r for r in ws.iter_rows(values_only=True) if isinstance(r[0], int)]
    assert {(r[1], r[2], r[3], r[4]) for r in rows} == HSK_FINDINGS
    # the offending values are shown unchanged, as text
    assert {r[3]: r[7] for r in rows} == {"C7": "3,5", "C6": "0,38", "C3": "Stadt Arnsbrg"}


def test_validate_clean_case_exits_zero(cases: dict[str, Path], tmp_path: Path) -> None:
    proc = cli("validate", cases["borken"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr + proc.stdout


# ------------------------------------------------------------------------------------------------
# Case 8: Kreis Gütersloh 2024 – three levels, leaver and successor, Nachzahlung, deadlines
# ------------------------------------------------------------------------------------------------


def test_guetersloh_three_levels_and_nachzahlung(cases: dict[str, Path]) -> None:
    r = reconcile(cases, "guetersloh", "2024-12")
    e = edges(r)
    assert codes(r, "Fehler") == []
    # Rheda-Wiedenbrück 1,0: RW-01 to 15.08.2024 (August still counts, monatsprinzip), RW-02 from
    # 01.10. → Jan–Aug 8 + Oct–Dec 3 = 11 months (September vacant) → 57.000 × 11/12 = 52.250,00.
    # Its subtree adds Herzebrock 19,5/39 = 0,5 all year = 28.500 → 80.750,00.
    # Edge Gütersloh → Rheda carries 1,0 + 0,5 = 1,5 VzÄ = 85.500; paid 4 × 21.375 = 85.500 → 4.750,00.
    check(e[("Stadt Gütersloh", "Stadt Rheda-Wiedenbrück", 2024)], "1.5", "85500.00", "80750.00", "85500.00",
          "4750.00")
    # Rheda → Herzebrock: 0,5 × 57.000 = 28.500, paid half-yearly 2 × 14.250 → 0.
    check(e[("Stadt Rheda-Wiedenbrück", "Gemeinde Herzebrock-Clarholz", 2024)], "0.5", "28500.00", "28500.00",
          "28500.00", "0.00")
    # Kreis → Gütersloh: subtree 1,0 + 1,0 + 0,5 = 2,5 VzÄ = 142.500; eligible 57.000 + 80.750 = 137.750;
    # paid only 3 × 35.625 = 106.875 → Saldo 106.875 − 137.750 = −30.875,00 Nachzahlung.
    edge = e[("Kreis Gütersloh", "Stadt Gütersloh", 2024)]
    check(edge, "2.5", "142500.00", "137750.00", "106875.00", "-30875.00")
    assert edge["art"] == "Nachzahlung"
    # Land → Kreis: 5 × 57.000 = 285.000; eligible 57.000 + 137.750 + Verl 1,5 → 85.500 = 280.250;
    # paid 285.000 → 4.750,00.
    check(e[("Bezirksregierung Detmold", "Kreis Gütersloh", 2024)], "5", "285000.00", "280250.00", "285000.00",
          "4750.00")
    # deadlines (R9): contract 15.03. for Herzebrock; default 31.03. for a town under a hub,
    # 30.04. under the Kreis; the Bescheid's 30.06.2025 for the Kreis.
    fr = {(k[1]): v["nachweisfrist"] for k, v in e.items()}
    assert fr == {"Kreis Gütersloh": "2025-06-30", "Stadt Gütersloh": "2025-04-30", "Stadt Verl": "2025-04-30",
                  "Stadt Rheda-Wiedenbrück": "2025-03-31", "Gemeinde Herzebrock-Clarholz": "2025-03-15"}


def test_guetersloh_deadlines_on_a_day(cases: dict[str, Path], tmp_path: Path) -> None:
    proc = cli("deadlines", cases["guetersloh"], "--on", "20.03.2025", cwd=tmp_path)
    # on 20.03.2025: 15.03. passed 5 days ago (versäumt); 31.03. in 11 days ≤ 30 (nahe); 30.04. in 41 days
    # and 30.06. in 102 days (offen) → exit 1 (something late or near)
    assert proc.returncode == 1, proc.stderr
    lines = {ln.split("│")[1].strip(): [c.strip() for c in ln.split("│")[2:-1]]
             for ln in proc.stdout.splitlines() if ln.count("│") >= 7}
    assert lines["Gemeinde Herzebrock-Clarholz"] == ["Stadt Rheda-Wiedenbrück", "2024", "15.03.2025", "versäumt",
                                                     "-5"]
    assert lines["Stadt Rheda-Wiedenbrück"][3:] == ["nahe", "11"]
    assert lines["Stadt Verl"][2:] == ["30.04.2025", "offen", "41"]
    assert lines["Kreis Gütersloh"][2:] == ["30.06.2025", "offen", "102"]


# ------------------------------------------------------------------------------------------------
# Case 9: Kreis Recklinghausen – Anschlussbescheid 2023 carries the 2022 Zuweisung at 57.000 €
# ------------------------------------------------------------------------------------------------


def test_recklinghausen_anschlussbescheid_and_schlusszahlung(cases: dict[str, Path]) -> None:
    r = reconcile(cases, "recklinghausen", "2023-12")
    e = edges(r)
    assert codes(r, "Fehler") == []
    # Marl's Elternzeit 01.11.2022–28.02.2023 without pay: each year loses two full months.
    # 2022: 55.000 × 10/12 = 45.833,33; paid 3 × 13.750 in 2022 + Schlusszahlung 13.750 on 16.01.2023 for
    # Bezugsjahr 2022 → 55.000 → Saldo 9.166,67.
    check(e[("Kreis Recklinghausen", "Stadt Marl", 2022)], "1", "55000.00", "45833.33", "55000.00", "9166.67")
    # 2023: no Zuweisung 2023; the Anschlussbescheid carries the 2022 allotment at 57.000 €:
    # 57.000 × 10/12 = 47.500,00; paid 57.000 → 9.500,00.
    check(e[("Kreis Recklinghausen", "Stadt Marl", 2023)], "1", "57000.00", "47500.00", "57000.00", "9500.00")
    # Kreis: 2023 own 57.000 + 47.500 = 104.500 of 2 × 57.000 = 114.000 → 9.500,00;
    # 2022 own 55.000 + 45.833,33 = 100.833,33 of 110.000 → 9.166,67.
    check(e[("Bezirksregierung Münster", "Kreis Recklinghausen", 2023)], "2", "114000.00", "104500.00",
          "114000.00", "9500.00")
    check(e[("Bezirksregierung Münster", "Kreis Recklinghausen", 2022)], "2", "110000.00", "100833.33",
          "110000.00", "9166.67")


def test_recklinghausen_december_2022_before_the_schlusszahlung(cases: dict[str, Path]) -> None:
    r = reconcile(cases, "recklinghausen", "2022-12")
    # at 31.12.2022 only 3 × 13.750 = 41.250 are paid → 41.250 − 45.833,33 = −4.583,33 Nachzahlung
    check(edges(r)[("Kreis Recklinghausen", "Stadt Marl", 2022)], "1", "55000.00", "45833.33", "41250.00",
          "-4583.33")


# ------------------------------------------------------------------------------------------------
# Case 5b: Kreis Lippe with spitzabrechnung (R4, Kreis Heinsberg): F = min(flat rate, Personalkosten)
# ------------------------------------------------------------------------------------------------


def test_lippe_spitzabrechnung_yearly_costs(cases: dict[str, Path]) -> None:
    r = reconcile(cases, "lippe_spitz", "2023-12")
    e = edges(r)
    assert codes(r) == []  # every recipient gave its Personalkosten
    # Detmold: employed since 2021 (open-ended), 2023 sheet says 52.345,67 € → min(57.000, 52.345,67)
    # = 52.345,67; Saldo 57.000 − 52.345,67 = 4.654,33.
    check(e[("Kreis Lippe", "Stadt Detmold", 2023)], "1", "57000.00", "52345.67", "57000.00", "4654.33")
    # Lemgo: employed 01.01.2022–31.08.2023, 2023 cost 30.000 → flat 57.000 × 8/12 = 38.000, min = 30.000;
    # Saldo 27.000,00.
    check(e[("Kreis Lippe", "Stadt Lemgo", 2023)], "1", "57000.00", "30000.00", "57000.00", "27000.00")
    # Kreis own: cost 61.000 > 57.000 → 57.000; total 57.000 + 52.345,67 + 30.000 = 139.345,67;
    # 171.000 − 139.345,67 = 31.654,33.
    check(e[("Bezirksregierung Detmold", "Kreis Lippe", 2023)], "3", "171000.00", "139345.67", "171000.00",
          "31654.33")


def test_lippe_spitzabrechnung_june(cases: dict[str, Path]) -> None:
    e = edges(reconcile(cases, "lippe_spitz", "2023-06"))
    # to 30.06.: Detmold cost 52.345,67 × 181/365 = 25.957,716 → 25.957,72 < flat 28.500;
    # Lemgo cost 30.000 × 181/243 (01.01.–31.08. = 243 days) = 22.345,679 → 22.345,68 < flat 28.500.
    check(e[("Kreis Lippe", "Stadt Detmold", 2023)], "1", "57000.00", "25957.72", "28500.00", "2542.28")
    check(e[("Kreis Lippe", "Stadt Lemgo", 2023)], "1", "57000.00", "22345.68", "28500.00", "6154.32")


def test_borken_csv_findings_name_their_cells(cases: dict[str, Path], tmp_path: Path) -> None:
    """A typo in each CSV export: the finding names file, sheet (the file's stem) and the CSV cell."""
    case = ac.case_borken(tmp_path)
    pay = case / "Export_Finanzverfahren_Zahlungen.csv"
    # rows: 1 header, 2–5 Land → Kreis, 6 Kreis → Bocholt Q1, 7 Kreis → Ahaus Q1 (column C: Empfänger)
    pay.write_bytes(pay.read_bytes().decode("cp1252").replace("Stadt Ahaus", "Stadt Ahauss", 1).encode("cp1252"))
    zuw = case / "zuweisung_2023.csv"
    # rows: 1 header, 2 Kreis, 3 Bocholt; column D: Weiterleitungsbetrag, a letter O for a zero
    zuw.write_bytes(zuw.read_bytes().decode("utf-8-sig").replace("114.000,00", "114.000,0O").encode("utf-8-sig"))
    proc = cli("reconcile", case, "--month", "2023-12", "--json", "--ohne-laufbuch", "--out", tmp_path / "o",
               cwd=tmp_path)
    r = json.loads(proc.stdout)
    assert proc.returncode == 2 and r["status"] == "fehler"
    got = {(f["datei"], f["blatt"], f["zelle"], f["code"]) for f in r["befunde"]}
    assert got == {("zuweisung_2023.csv", "zuweisung_2023", "D3", "zahl_ungueltig"),
                   ("Export_Finanzverfahren_Zahlungen.csv", "Export_Finanzverfahren_Zahlungen", "C7",
                    "name_unbekannt"),
                   ("Export_Finanzverfahren_Zahlungen.csv", "Export_Finanzverfahren_Zahlungen", "F1",
                    "spalte_unbekannt")}


def test_coesfeld_hub_nachweis_checks_the_level_below(cases: dict[str, Path]) -> None:
    case = cases["coesfeld"]
    out = case.parent / "out" / "nachweis-hub"
    proc = cli("report", case, "--year", "2023", "--recipient", "Stadt Coesfeld", "--out", out, cwd=case.parent)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    ws = openpyxl.load_workbook(out / "Verwendungsnachweis_2023_Stadt_Coesfeld.xlsx", data_only=True).active
    assert ws is not None
    rows = {str(r[0]): r[1:] for r in ws.iter_rows(values_only=True) if r[0] is not None}
    # own posts 1,5 VzÄ × 57.000 = 85.500 zuwendungsfähig; forwarded 0,5 + 1,0 + 0 = 1,5 VzÄ: 85.500 paid out
    assert rows["Personalausgaben"][1] == pytest.approx(85500, abs=0.001)
    assert rows["Weiterleitung (siehe III.)"][0] == pytest.approx(85500, abs=0.001)
    # eligible below: 28.500 + 43.846,15 + 0 = 72.346,15; with own 85.500 → 157.846,15
    assert rows["Weiterleitung (siehe III.)"][1] == pytest.approx(72346.15, abs=0.001)
    assert rows["Zuwendungsfähige Ausgaben"][0] == pytest.approx(157846.15, abs=0.001)
    # check of the level below: (VzÄ, Weiterleitung, Ausgezahlt, Zuwendungsfähig, Saldo, Ergebnis)
    assert tuple(rows["Gemeinde Nottuln (VN Gemeinde Nottuln)"][:6]) == pytest.approx(
        (1, 57000, 57000, 43846.15, 13153.85, "Rückforderung"))
    assert tuple(rows["Gemeinde Havixbeck (VN Gemeinde Havixbeck)"][:6]) == pytest.approx(
        (0.5, 28500, 28500, 28500, 0, "ausgeglichen"))
    assert tuple(rows["Summe"][:5]) == pytest.approx((1.5, 85500, 85500, 72346.15, 13153.85))  # table III


def test_steinfurt_retroactive_correction_in_the_ledger(tmp_path: Path) -> None:
    """June is run; Emsdetten then reports that EM-P2 started on 16.05., not 16.07.; the July run shows it."""
    case = ac.case_steinfurt(tmp_path)
    first = cli("reconcile", case, "--month", "2022-06", "--json", "--out", tmp_path / "o", cwd=tmp_path)
    assert first.returncode == 1, first.stderr
    book = case / "03_Besetzung_alle_Kommunen_2022.xlsx"
    wb = openpyxl.load_workbook(book)
    ws = wb["Emsdetten"]
    [cell] = [row[3] for row in ws.iter_rows() if row[2].value == "EM-P2"]
    cell.value = ac.D(2022, 5, 16)
    wb.save(book)
    second = cli("reconcile", case, "--month", "2022-07", "--json", "--out", tmp_path / "o", cwd=tmp_path)
    r = json.loads(second.stdout)
    fix = {(c["monat"], c["kennzahl"]): (c["alt"], c["neu"], c["differenz"]) for c in r["korrekturen"]
           if c["empfaenger"] == "Stadt Emsdetten"}
    # May cumulative: before 5 × 0,5 = 2,5 → 55.000 × 2,5/12 = 11.458,33; now 4 × 0,5 + 1,5 = 3,5 →
    # 16.041,67 (+4.583,34). June: before 3 → 13.750,00; now 2 + 3 = 5 → 22.916,67 (+9.166,67).
    assert fix[("2022-05", "foerderfaehig_kumuliert")] == ("11458.33", "16041.67", "4583.34")
    assert fix[("2022-06", "foerderfaehig_kumuliert")] == ("13750.00", "22916.67", "9166.67")
    assert all(c["frueherer_lauf"] == json.loads(first.stdout)["lauf_id"] for c in r["korrekturen"])
    # July itself: 2 + 3 × 1,5 = 6,5 → 55.000 × 6,5/12 = 29.791,67; paid 3 × 20.625 = 61.875 → 32.083,33
    check(edges(r)[("Kreis Steinfurt", "Stadt Emsdetten", 2022)], "1.5", "82500.00", "29791.67", "61875.00",
          "32083.33")


# ------------------------------------------------------------------------------------------------
# Case 10: Kreis Olpe 2023 – one yearly advance, potenzielle Zwischenzinsen (R6) in the Nachweis
# ------------------------------------------------------------------------------------------------


def test_olpe_zwischenzinsen_by_hand(cases: dict[str, Path]) -> None:
    case = cases["olpe"]
    out = case.parent / "out" / "nachweis-olpe"
    proc = cli("report", case, "--year", "2023", "--recipient", "Attendorn", "--out", out, cwd=case.parent)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    ws = openpyxl.load_workbook(out / "Verwendungsnachweis_2023_Stadt_Attendorn.xlsx", data_only=True).active
    assert ws is not None
    rows = {str(r[0]): r[1:] for r in ws.iter_rows(values_only=True) if r[0] is not None}
    # 57.000 paid 02.01.; Attendorn spends 4.750 at each month end (1,0 VzÄ all year). Two months
    # after the value date: 02.03. Each month's 4.750 used after that bears interest from 02.03. to its
    # use (days 03.03.… counted): Mar 29, Apr 59, May 90, Jun 120 days at 1,62 + 3 = 4,62 %; Jul–Dec
    # 120 days each at 4,62 % plus 31, 62, 92, 123, 153, 184 days at 3,12 + 3 = 6,12 %.
    # Σ days at 4,62 %: 29 + 59 + 90 + 120 + 6 × 120 = 1.018; at 6,12 %: 645.
    # 4.750 × (0,0462 × 1.018 + 0,0612 × 645) / 365 = 4.750 × 86,5056 / 365 = 1.125,7578 → 1.125,76
    # (rounded once per tranche).
    assert rows["Potenzielle Zwischenzinsen"][0] == pytest.approx(1125.76, abs=0.001)
    assert rows["Saldo"][0] == pytest.approx(0, abs=0.001)


# ------------------------------------------------------------------------------------------------
# Case 5c: Kreis Lippe – 41-h Beamter, Mutterschutz with pay, two interruptions as two rows
# ------------------------------------------------------------------------------------------------


def test_lippe_interruptions_and_tariff_hours(cases: dict[str, Path]) -> None:
    r = reconcile(cases, "lippe_pauses", "2023-12")
    e = edges(r)
    # two rows of one employment (LE-1/LE-P1, same Beginn, no Ende, 39 h) are no overlap
    assert codes(r) == []
    # Detmold: Mutterschutz 01.03.–30.06. with Entgeltanspruch "ja" counts as staffed → 57.000,00.
    check(e[("Kreis Lippe", "Stadt Detmold", 2023)], "1", "57000.00", "57000.00", "57000.00", "0.00")
    # Lemgo: Krankengeld 01.03.–30.06. (Entgeltanspruch empty = no pay) → Mar–Jun unstaffed; Sonderurlaub
    # ohne Bezüge from 15.09. (open: to the end of the employment) → Sep still counts (1.–14.), Oct–Dec not.
    # Staffed months Jan, Feb, Jul, Aug, Sep = 5 → 57.000 × 5/12 = 23.750,00; Saldo 33.250,00.
    check(e[("Kreis Lippe", "Stadt Lemgo", 2023)], "1", "57000.00", "23750.00", "57000.00", "33250.00")
    # Kreis: 39 of 41 h (Regelarbeitszeit of the row) → 57.000 × 39/41 = 54.219,512 → 54.219,51;
    # total 54.219,51 + 57.000 + 23.750 = 134.969,51; 171.000 − 134.969,51 = 36.030,49.
    check(e[("Bezirksregierung Detmold", "Kreis Lippe", 2023)], "3", "171000.00", "134969.51", "171000.00",
          "36030.49")


def test_coesfeld_payment_booked_by_both_sides_is_not_counted_twice(tmp_path: Path) -> None:
    """Stadt Coesfeld's own list also books the four Abschläge it received from the Kreis (no Kassenzeichen).

    Counted twice, Kreis → Coesfeld would show 342.000 paid and a Rückforderung of 184.153,85; the
    run must stop with ``zahlung_doppelt`` naming both places instead.
    """
    case = ac.case_coesfeld(tmp_path)
    received = [[r[0], r[1], r[2], r[3], "Abschlag", 2023, None, "Eingang vom Kreis"]
                for r in ac.quarterly(ac.COE_KREIS, ac.COE_HUB, 2023, 17_100_000, ac.QDATES_2023, "x")]
    hub_pay = received[:]
    for town, vzae in (("Gemeinde Havixbeck", 0.5), ("Gemeinde Nottuln", 1.0)):
        hub_pay += ac.quarterly(ac.COE_HUB, town, 2023, int(vzae * 5_700_000),
                                [ac.D(2023, 1, 20), ac.D(2023, 4, 20), ac.D(2023, 7, 20), ac.D(2023, 10, 20)], "CO")
    ac.write_xlsx(case / "Coesfeld" / "Weiterleitung_Coesfeld_2023.xlsx",
                  [ac.Sheet("Weiterleitung", ac.PAY_HEADER, hub_pay, formats=ac.PAY_FORMATS)])
    proc = cli("reconcile", case, "--month", "2023-12", "--json", "--ohne-laufbuch", "--out", tmp_path / "o",
               cwd=tmp_path)
    r = json.loads(proc.stdout)
    assert proc.returncode == 2 and r["status"] == "fehler"
    dup = sorted((f["datei"], f["zelle"], f["schwere"]) for f in r["befunde"] if f["code"] == "zahlung_doppelt")
    # Kreis list: header row 3; rows 4–7 Land → Kreis, 8–11 Dülmen, 12–15 Lüdinghausen, 16–19 Coesfeld
    assert dup == [("Zahlungen_Kreis_2023.xlsx", f"D{row}", "Fehler") for row in (16, 17, 18, 19)]
