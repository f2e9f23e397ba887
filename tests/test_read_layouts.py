"""Accepted sheet layouts reconcile to hand-computed euros; refused ones give a German Fehler with cell and advice."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kimrecon.findings import Code, Finding, Severity
from kimrecon.inputs import Kind
from kimrecon.pipeline import read_and_validate, reconcile_case
from kimrecon.read import read_case
from kimrecon.read.values import month_of_label
from tests.layouts_support import EXAMPLES, MONTHS, base_case
from tests.messy import d, write_sheet

BESETZUNG = ["Kommune", "Stellen-ID", "Personal-ID", "Beginn", "Ende", "Wochenstunden"]
KREIS, LAND, KAMEN, BERGKAMEN = "Kreis Unna", "Bezirksregierung Arnsberg", "Stadt Kamen", "Stadt Bergkamen"


def _edges(case: Path, tmp_path: Path) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(geber, empfänger) → (förderfähig, ausgezahlt, Saldo) in cents for December 2023."""
    outcome = reconcile_case(case, "2023-12", out_dir=tmp_path / "aus", use_ledger=False, abgleich=False)
    assert outcome.result is not None, [str(f) for f in outcome.findings]
    assert not [f for f in outcome.findings if f.severity is Severity.FEHLER]
    return {(e.geber, e.empfaenger): (e.foerderfaehig_kumuliert_cent, e.ausgezahlt_kumuliert_cent, e.saldo_cent)
            for e in outcome.result.kanten}


def _only(findings: tuple[Finding, ...] | list[Finding], code: Code) -> Finding:
    hits = [f for f in findings if f.code is code]
    assert len(hits) == 1, [str(f) for f in findings]
    return hits[0]


# ------------------------------------------------------------------------------------------------
# the committed examples, reconciled to hand-computed euros


def test_example_grid_with_town_column(tmp_path: Path) -> None:
    edges = _edges(EXAMPLES / "monatstabelle-mit-kommune", tmp_path)
    # Kamen 1,0 Jan–Jun + 0,5 Jul–Dez = 9 VzÄ-Monate: 57.000 × 9/12 = 42.750,00 €; paid 4 × 14.250 = 57.000
    assert edges[(KREIS, KAMEN)] == (4_275_000, 5_700_000, 1_425_000)
    # Bergkamen 0,5 × 12 + 0,5 × 9 (Apr–Dez) = 10,5 VzÄ-Monate: 57.000 × 10,5/12 = 49.875,00 €
    assert edges[(KREIS, BERGKAMEN)] == (4_987_500, 5_700_000, 712_500)
    # the Kreis's subtree: 42.750 + 49.875 = 92.625,00 €; the Land paid 4 × 28.500 = 114.000
    assert edges[(LAND, KREIS)] == (9_262_500, 11_400_000, 2_137_500)


def test_example_grid_without_town_column(tmp_path: Path) -> None:
    edges = _edges(EXAMPLES / "monatstabelle-ohne-kommune", tmp_path)
    # the title names "Stadt Kamen" and 2023; Jan–Mar and Jul–Dez staffed: 57.000 × 9/12 = 42.750,00 €
    assert edges[(KREIS, KAMEN)] == (4_275_000, 5_700_000, 1_425_000)
    # Bergkamen (one row per employment): 39 of 39 hours all year = 57.000,00 €
    assert edges[(KREIS, BERGKAMEN)] == (5_700_000, 5_700_000, 0)
    case = read_case([EXAMPLES / "monatstabelle-ohne-kommune"])
    grid = next(s for s in case.sheets if s.datei == "Besetzung_Kamen.xlsx")
    assert grid.dropped == ("Stelleninhaber/in",)  # the names never reach a frame


def test_example_grid_of_hours(tmp_path: Path) -> None:
    edges = _edges(EXAMPLES / "monatstabelle-stunden", tmp_path)
    # Kamen 30 of 39 hours all year: 5.700.000 ct × 30/39 = 4.384.615,38 → 4.384.615 ct = 43.846,15 €
    assert edges[(KREIS, KAMEN)] == (4_384_615, 5_700_000, 1_315_385)
    # Bergkamen 19,5 h all year + 19,5 h Jul–Dez, capped at its 1,0 VzÄ: 0,5 × 6 + 1,0 × 6 = 9 months → 42.750,00 €
    assert edges[(KREIS, BERGKAMEN)] == (4_275_000, 5_700_000, 1_425_000)
    # year from the sheet name "Stunden 2023"


def test_example_finance_system_csv(tmp_path: Path) -> None:
    edges = _edges(EXAMPLES / "finanzverfahren-csv", tmp_path)
    # Kamen staffed Mar–Dez: 57.000 × 10/12 = 47.500,00 €; Soll 4 × 14.250 − Haben 9.500 = 47.500,00 €
    assert edges[(KREIS, KAMEN)] == (4_750_000, 4_750_000, 0)
    # Bergkamen 57.000,00 €; paid 57.000 − 1.000 ("-1.000,00") − 500 ("500,00-") − 250 ("(250,00)") = 55.250,00 €
    assert edges[(KREIS, BERGKAMEN)] == (5_700_000, 5_525_000, -175_000)
    # the Land's Soll rows: 4 × 28.500 = 114.000; eligible 47.500 + 57.000 = 104.500 → 9.500,00 € back
    assert edges[(LAND, KREIS)] == (10_450_000, 11_400_000, 950_000)
    case = read_case([EXAMPLES / "finanzverfahren-csv"])
    turned = sorted((f.source.zelle, f.value) for f in case.findings if f.code is Code.BETRAG_UMGEKEHRT and f.source)
    # every finding quotes the cell exactly as written
    assert turned == [("D6", "-1.000,00"), ("D7", "500,00-"), ("D8", "(250,00)"), ("E10", "9.500,00")]
    haben = next(f for f in case.findings if f.code is Code.BETRAG_UMGEKEHRT and f.value == "9.500,00")
    assert haben.meldung == ("„9.500,00“ (Spalte „Haben“) ist eine Zahlung in Gegenrichtung: gelesen als "
                             "Rückzahlung von Stadt Kamen an Kreis Unna über 9.500,00 €.")


def test_example_two_versions_of_one_list(tmp_path: Path) -> None:
    edges = _edges(EXAMPLES / "zwei-staende", tmp_path)
    # the newer list (Stand 15.12.2023) ends the Elternzeit on 30.06.: Jan–Mar + Jul–Dez = 9 months → 42.750,00 €
    # (the older list, Stand 30.06.2023, leaves it open: merged, Kamen would get only 3 months = 14.250,00 €)
    assert edges[(KREIS, KAMEN)] == (4_275_000, 5_700_000, 1_425_000)
    case = read_case([EXAMPLES / "zwei-staende"])
    old = _only(case.findings, Code.LISTE_ERSETZT)
    assert (old.severity, old.source.datei, old.source.zelle) == (Severity.HINWEIS, "Besetzung_Kamen_alt.xlsx", "A2")
    assert "„Besetzung_Kamen.xlsx › Tabelle1“ (Stand 15.12.2023, Zelle A2)" in old.meldung


def test_every_example_has_a_readme_line() -> None:
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for case in sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()):
        assert f"`{case}/`" in readme, case


# ------------------------------------------------------------------------------------------------
# month grids: header forms and the conversion to employment rows


def test_month_header_forms() -> None:
    assert month_of_label("Jan") == (None, 1)
    assert month_of_label("Januar 2023") == (2023, 1)
    assert month_of_label("01/2023") == (2023, 1)
    assert month_of_label("2023-03") == (2023, 3)
    assert month_of_label("Mär.") == (None, 3)
    assert month_of_label(dt.datetime(2023, 5, 1)) == (2023, 5)
    assert month_of_label("Summe") is None and month_of_label("Name") is None


def _grid(path: Path, header: list[object], rows: list[list[object]], *, title: str | None,
          sheet: str = "Tabelle1", stand: str | None = "Stand: 01.12.2023") -> Path:
    return write_sheet(path, header, rows, title=title, stand=stand, sheet=sheet)


def test_grid_with_dates_as_headers_becomes_runs_of_equal_months(tmp_path: Path) -> None:
    heads = [dt.datetime(2023, m, 1) for m in range(1, 13)]
    _grid(tmp_path / "b.xlsx", ["Kommune", "Personalnummer", *heads],
          [[KAMEN, "P1", None, 1, 1, 0.5, 0.5, 0.5, 1, 1, 1, None, None, None]], title="Stellenanteile")
    case = read_case([tmp_path / "b.xlsx"])
    b = case.frames[Kind.BESETZUNG]
    # Feb–Mar 1,0; Apr–Jun 0,5; Jul–Sep 1,0: three rows, each month for the whole month
    assert b["beginn"].tolist() == [pd.Timestamp(2023, 2, 1), pd.Timestamp(2023, 4, 1), pd.Timestamp(2023, 7, 1)]
    assert b["ende"].tolist() == [pd.Timestamp(2023, 3, 31), pd.Timestamp(2023, 6, 30), pd.Timestamp(2023, 9, 30)]
    assert b["stellenanteil_e4"].tolist() == [10_000, 5_000, 10_000]
    assert b["_zeile"].tolist() == [5, 5, 5] and b["personal_id"].tolist() == ["P1"] * 3
    assert not [f for f in case.findings if f.severity is Severity.FEHLER]


def test_grid_year_from_a_jahr_column(tmp_path: Path) -> None:
    _grid(tmp_path / "b.xlsx", ["Jahr", "Kommune", "Stelle", *MONTHS],
          [[2024, KAMEN, "S1", *([1] * 12)]], title="Stellenanteile je Monat", stand=None)
    b = read_case([tmp_path / "b.xlsx"]).frames[Kind.BESETZUNG]
    assert (b["beginn"].tolist(), b["ende"].tolist()) == ([pd.Timestamp(2024, 1, 1)], [pd.Timestamp(2024, 12, 31)])
    assert b["personal_id"].tolist() == ["S1"]  # the post stands in for a missing Personal-ID


def test_grid_in_tagesprinzip_says_it_gives_whole_months(tmp_path: Path) -> None:
    _grid(tmp_path / "b.xlsx", ["Kommune", "Personal-ID", *MONTHS], [[KAMEN, "P1", *([1] * 12)]],
          title="Stellenanteile 2023")
    (tmp_path / "kimrecon.toml").write_text('[abrechnung]\nmodus = "tagesprinzip"\n', encoding="utf-8")
    hint = _only(read_case([tmp_path]).findings, Code.MONATSTABELLE_GANZE_MONATE)
    assert (hint.severity, hint.source.zelle) == (Severity.HINWEIS, "C4")
    assert hint.meldung.startswith("Die Monatstabelle gibt nur ganze Monate an; im Tagesprinzip")


# ------------------------------------------------------------------------------------------------
# refused layouts: the German finding, its cell and its advice


def test_grid_without_year_is_a_fehler_naming_where_to_add_it(tmp_path: Path) -> None:
    # the only year is inside the Stand date, which is no year of the staffing
    _grid(tmp_path / "b.xlsx", ["Kommune", "Personal-ID", *MONTHS], [[KAMEN, "P1", *([1] * 12)]],
          title="Stadt Kamen – Stellenanteile")
    case = read_case([tmp_path / "b.xlsx"])
    f = _only(case.findings, Code.MONATSTABELLE_JAHR_FEHLT)
    assert (f.severity, f.source.datei, f.source.zelle) == (Severity.FEHLER, "b.xlsx", "O4")
    assert f.meldung == ("Die Monatstabelle nennt kein Jahr. Bitte eine Spalte „Jahr“ ergänzen (Zelle O4) oder "
                         "das Jahr in den Titel schreiben (Zelle A1, z. B. „Besetzung 2023“).")
    assert case.frames[Kind.BESETZUNG].empty  # no figure from a grid of unknown year


def test_grid_without_town_is_a_fehler_and_no_zero_staff(tmp_path: Path) -> None:
    case_dir = base_case(tmp_path / "fall")
    _grid(case_dir / "liste.xlsx", ["Personal-Nr.", *MONTHS], [["P1", *([1] * 12)]],
          title="Stellenbesetzung KIM 2023")
    inputs = read_and_validate([case_dir])
    f = _only(inputs.findings, Code.MONATSTABELLE_KOMMUNE_FEHLT)
    assert (f.severity, f.source.datei, f.source.zelle) == (Severity.FEHLER, "liste.xlsx", "N4")
    assert f.meldung == ("Die Monatstabelle nennt keine Kommune des Falls. Bitte eine Spalte „Kommune“ ergänzen "
                         "(Zelle N4) oder die Kommune in den Titel schreiben (Zelle A1, z. B. „Stadt Kamen – "
                         "Besetzung 2023“).")
    outcome = reconcile_case(case_dir, "2023-12", out_dir=tmp_path / "aus", use_ledger=False, abgleich=False)
    assert outcome.result is None and outcome.exit_code == 2  # a Fehler stopped it: never a Rückforderung


def test_grid_whose_title_names_two_towns(tmp_path: Path) -> None:
    case_dir = base_case(tmp_path / "fall")
    _grid(case_dir / "liste.xlsx", ["Personal-Nr.", *MONTHS], [["P1", *([1] * 12)]],
          title="Kamen und Bergkamen – Stellenbesetzung 2023")
    f = _only(read_case([case_dir]).findings, Code.MONATSTABELLE_KOMMUNE_FEHLT)
    assert "nennt keine Kommune des Falls eindeutig (genannt sind „Stadt Bergkamen“ und „Stadt Kamen“)" in f.meldung


def test_grid_mixing_shares_and_hours_is_a_fehler(tmp_path: Path) -> None:
    _grid(tmp_path / "b.xlsx", ["Kommune", "Personal-ID", *MONTHS],
          [[KAMEN, "P1", *([0.5] * 12)], [KAMEN, "P2", *([19.5] * 12)]], title="Besetzung 2023")
    f = _only(read_case([tmp_path / "b.xlsx"]).findings, Code.MONATSTABELLE_EINHEIT_UNKLAR)
    assert (f.severity, f.source.zelle, f.value) == (Severity.FEHLER, "C6", "19.5")
    assert f.meldung.endswith("Bitte über die Monatsspalten „Stellenanteil“ oder „Wochenstunden“ schreiben.")


def test_sheet_that_looks_like_staffing_but_lacks_columns_is_a_fehler(tmp_path: Path) -> None:
    write_sheet(tmp_path / "b.xlsx", ["Name", "Stellenanteil", "ab"], [["Muster, Anna", 1, d("01.01.2023")]],
                sheet="Besetzung", title="Stadt Kamen", stand=None)
    case = read_case([tmp_path / "b.xlsx"])
    f = _only(case.findings, Code.BLATT_UNVOLLSTAENDIG)
    assert (f.severity, f.source.blatt, f.source.zelle) == (Severity.FEHLER, "Besetzung", "D3")
    assert f.meldung.startswith("Das Blatt sieht nach einer Tabelle der Art „Besetzung“ aus, es fehlt aber die "
                                "Spalten „Kommune“, „Personal-ID“. Gelesen werden: eine Zeile je Eintrag")
    assert "oder eine Monatstabelle: eine Zeile je Person oder Stelle" in f.meldung
    assert f.meldung.endswith("Bitte die fehlenden Spalten ergänzen (z. B. ab Zelle D3).")
    assert not [g for g in case.findings if g.code is Code.BLATT_UNBEKANNT]


def test_soll_and_haben_in_one_row_is_a_fehler(tmp_path: Path) -> None:
    write_sheet(tmp_path / "z.xlsx", ["Buchungsdatum", "Zahler", "Empfänger", "Soll", "Haben"],
                [[d("02.01.2023"), KREIS, KAMEN, "14.250,00", "100,00"]], title="Sachkonto")
    f = _only(read_case([tmp_path / "z.xlsx"]).findings, Code.SOLL_UND_HABEN)
    assert (f.severity, f.source.zelle) == (Severity.FEHLER, "D5")
    assert f.meldung == ("Die Zeile hat Soll „14.250,00“ und Haben „100,00“ zugleich. "
                         "Bitte nur eine der beiden Spalten füllen.")


def test_soll_haben_mark_column(tmp_path: Path) -> None:
    write_sheet(tmp_path / "z.xlsx", ["Datum", "Zahler", "Empfänger", "Betrag", "S/H"],
                [[d("02.01.2023"), KREIS, KAMEN, "14.250,00", "S"], [d("02.02.2023"), KREIS, KAMEN, "250,00", "H"],
                 [d("02.03.2023"), KREIS, KAMEN, "5,00", "X"]], title="Export")
    case = read_case([tmp_path / "z.xlsx"])
    z = case.frames[Kind.ZAHLUNGEN]
    # "H": 250,00 € back from Kamen to the Kreis
    assert z["betrag_cent"].tolist()[:2] == [1_425_000, 25_000]
    assert z["zahler"].tolist()[:2] == [KREIS, KAMEN]
    bad = _only(case.findings, Code.WERT_UNGUELTIG)
    assert (bad.source.zelle, bad.meldung) == ("E7", "„X“ ist für „S/H“ nicht zulässig. Bitte „S“ (Soll) oder „H“ "
                                                      "(Haben) eintragen.")


def test_negative_allotment_amount_is_quoted_as_written(tmp_path: Path) -> None:
    write_sheet(tmp_path / "z.xlsx", ["Jahr", "Empfänger", "VzÄ", "Betrag"],
                [[2023, KAMEN, 1, "57.000,00-"]])
    f = _only(read_case([tmp_path / "z.xlsx"]).findings, Code.WERT_NEGATIV)
    assert (f.source.zelle, f.value) == ("D5", "57.000,00-")
    assert f.meldung == "„57.000,00-“ ist negativ; „Betrag“ darf nicht negativ sein."


def test_two_lists_without_stand_that_disagree_are_a_fehler(tmp_path: Path) -> None:
    case_dir = base_case(tmp_path / "fall")
    write_sheet(case_dir / "kamen_a.xlsx", BESETZUNG, [[KAMEN, "KA-1", "P1", d("01.01.2023"), None, 39]],
                title="Stadt Kamen – Besetzung", stand=None)
    write_sheet(case_dir / "kamen_b.xlsx", BESETZUNG, [[KAMEN, "KA-1", "P1", d("01.01.2023"), d("30.06.2023"), 39]],
                title="Stadt Kamen – Besetzung (neu)", stand=None)
    f = _only(read_case([case_dir]).findings, Code.LISTE_WIDERSPRUCH)
    assert (f.severity, f.source.datei, f.source.zelle) == (Severity.FEHLER, "kamen_b.xlsx", "E4")
    assert f.meldung == ("Zwei Listen für „Stadt Kamen“ widersprechen sich und kein Stand sagt, welche gilt: P1 ab "
                         "01.01.2023 hat hier Ende 30.06.2023, keine Unterbrechung, in kamen_a.xlsx › Tabelle1 › E4 "
                         "aber Ende offen, keine Unterbrechung. Bitte die veraltete Liste entfernen oder jede Liste "
                         "mit einer Zeile „Stand: TT.MM.JJJJ“ über der Tabelle versehen.")


def test_byte_identical_copy_is_read_once(tmp_path: Path) -> None:
    case_dir = base_case(tmp_path / "fall")
    write_sheet(case_dir / "kamen.xlsx", BESETZUNG, [[KAMEN, "KA-1", "P1", d("01.01.2023"), None, 39]])
    shutil.copy(case_dir / "kamen.xlsx", case_dir / "kamen - Kopie.xlsx")
    case = read_case([case_dir])
    f = _only(case.findings, Code.DATEI_DOPPELT)
    assert (f.severity, f.source.datei) == (Severity.HINWEIS, "kamen.xlsx")
    assert f.meldung.startswith("Die Datei ist byte-gleich mit „kamen - Kopie.xlsx“ und wird nur einmal gelesen.")
    assert len(case.frames[Kind.BESETZUNG]) == 1


# ------------------------------------------------------------------------------------------------
# findings a clerk can act on


def _checked(case_dir: Path) -> tuple[Finding, ...]:
    """Every finding of a run (the cross-sheet rules run in the engine)."""
    return reconcile_case(case_dir, "2023-12", out_dir=case_dir.parent / "aus", use_ledger=False,
                          abgleich=False).findings


def test_unknown_name_gets_the_nearest_known_name(tmp_path: Path) -> None:
    case_dir = base_case(tmp_path / "fall")
    write_sheet(case_dir / "b.xlsx", BESETZUNG, [["Bergkammen", "BK-1", "P1", d("01.01.2023"), None, 39],
                                                 ["Dortmund", "DO-1", "P2", d("01.01.2023"), None, 39]])
    names = [f for f in _checked(case_dir) if f.code is Code.NAME_UNBEKANNT]
    by_cell: dict[str | None, set[str]] = {}
    for f in names:
        by_cell.setdefault(f.source.zelle if f.source else None, set()).add(f.meldung)
    assert by_cell["A5"] >= {("„Bergkammen“ ist keine bekannte Stelle dieses Falls. Meinten Sie „Stadt Bergkamen“? "
                             "Bitte die Schreibweise korrigieren.")}
    assert by_cell["A6"] == {("„Dortmund“ ist keine bekannte Stelle dieses Falls. Bitte Schreibweise prüfen oder den "
                             "Empfänger in die Zuweisung aufnehmen.")}


def test_overlap_with_a_row_of_another_file_names_that_file(tmp_path: Path) -> None:
    case_dir = base_case(tmp_path / "fall")
    write_sheet(case_dir / "a.xlsx", BESETZUNG, [[KAMEN, "KA-1", "P1", d("01.01.2023"), None, 39]])
    write_sheet(case_dir / "b.xlsx", BESETZUNG, [[KAMEN, "KA-1", "P1", d("01.06.2023"), None, 39]],
                title="Stadt Kamen – Besetzung")
    f = _only(_checked(case_dir), Code.BESCHAEFTIGUNG_UEBERLAPPT)
    assert (f.source.datei, f.source.zelle) == ("b.xlsx", "D5")
    assert "überschneidet sich mit Zeile 5 in a.xlsx › Tabelle1." in f.meldung


@pytest.mark.parametrize("header", ["Nachname, Vorname", "Stelleninhaber/in", "Name", "Geburtsdatum", "Geb.-Datum",
                                    "Anschrift", "Straße", "Steuer-ID", "Sozialversicherungsnummer", "SV-Nr."])
def test_personal_data_columns_are_dropped_not_unknown(tmp_path: Path, header: str) -> None:
    write_sheet(tmp_path / "b.xlsx", [*BESETZUNG, header], [[KAMEN, "KA-1", "P1", d("01.01.2023"), None, 39, "x"]])
    case = read_case([tmp_path / "b.xlsx"])
    f = _only(case.findings, Code.SPALTE_PERSONENBEZUG)
    assert (f.source.zelle, case.sheets[0].dropped) == ("G4", (header,))
    assert not [g for g in case.findings if g.code is Code.SPALTE_UNBEKANNT]


def test_stand_next_to_its_label(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"], ws["A2"], ws["B2"] = "Stadt Kamen – Besetzung 2023", "Stand:", dt.datetime(2023, 12, 1)
    for c, h in enumerate(BESETZUNG, start=1):
        ws.cell(4, c, h)
    for c, v in enumerate([KAMEN, "KA-1", "P1", dt.datetime(2023, 1, 1), None, 39], start=1):
        ws.cell(5, c, v)
    wb.save(tmp_path / "neu.xlsx")
    write_sheet(tmp_path / "alt.xlsx", BESETZUNG, [[KAMEN, "KA-1", "P1", d("01.01.2023"), d("31.03.2023"), 39]],
                title="Stadt Kamen – Besetzung 2023", stand="Stand: 01.04.2023")
    case = read_case([tmp_path])
    f = _only(case.findings, Code.LISTE_ERSETZT)
    assert f.source.datei == "alt.xlsx" and "(Stand 01.12.2023, Zelle B2)" in f.meldung
    assert case.frames[Kind.BESETZUNG]["ende"].isna().all()  # the newer list's open end counts


def test_newer_payment_export_replaces_the_older(tmp_path: Path) -> None:
    header = ["Buchungsdatum", "Zahler", "Empfänger", "Betrag"]
    q1 = [d("02.01.2023"), KREIS, KAMEN, "14.250,00"]
    write_sheet(tmp_path / "Export_Kamen_20230630.xlsx", header, [q1], title="Sachkonto KIM", stand=None)
    write_sheet(tmp_path / "Export_Kamen_20231215.xlsx", header, [q1, [d("03.04.2023"), KREIS, KAMEN, "14.250,00"]],
                title="Sachkonto KIM", stand=None)
    case = read_case([tmp_path])
    f = _only(case.findings, Code.LISTE_ERSETZT)
    assert (f.source.datei, f.source.zelle) == ("Export_Kamen_20230630.xlsx", "D3")  # no Stand cell: the header
    assert "(Stand 15.12.2023, Dateiname)" in f.meldung
    # only the newer export counts: 2 × 14.250,00 €, not 3
    assert case.frames[Kind.ZAHLUNGEN]["betrag_cent"].tolist() == [1_425_000, 1_425_000]


def test_formula_without_stored_value_says_what_to_do(tmp_path: Path) -> None:
    # openpyxl stores formulas without their results, as a program that never opened the file in Excel
    write_sheet(tmp_path / "b.xlsx", BESETZUNG, [[KAMEN, "KA-1", "P1", "=DATE(2023,1,1)", None, "=39"]])
    found = read_and_validate([tmp_path / "b.xlsx"]).findings
    cells = sorted((f.code, f.source.zelle, f.value) for f in found if f.source and f.severity is Severity.FEHLER)
    assert cells == [(Code.FORMEL_OHNE_WERT, "D5", "=DATE(2023,1,1)"), (Code.FORMEL_OHNE_WERT, "F5", "=39")]
    formula = next(f for f in found if f.code is Code.FORMEL_OHNE_WERT)
    assert formula.meldung == ("Die Zelle enthält eine Formel ohne gespeichertes Ergebnis. Bitte die Datei in "
                               "Excel oder LibreOffice öffnen und speichern, damit das Ergebnis mitgespeichert wird.")


def test_yearly_lists_of_one_town_are_no_versions(tmp_path: Path) -> None:
    # each year's list keeps the interruptions of its year: the 2023 list must not replace the 2022 one
    row = [KAMEN, "KA-1", "P1", d("01.01.2022"), None, 39]
    write_sheet(tmp_path / "b2022.xlsx", [*BESETZUNG, "Unterbrechung von", "Unterbrechung bis"],
                [[*row, d("01.03.2022"), d("31.05.2022")]], title="Stadt Kamen – Besetzung 2022",
                stand="Stand: 31.12.2022")
    write_sheet(tmp_path / "b2023.xlsx", BESETZUNG, [row], title="Stadt Kamen – Besetzung 2023",
                stand="Stand: 31.12.2023")
    case = read_case([tmp_path])
    assert not [f for f in case.findings if f.code in (Code.LISTE_ERSETZT, Code.LISTE_WIDERSPRUCH)]
    assert len(case.frames[Kind.BESETZUNG]) == 2
