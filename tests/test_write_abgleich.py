"""Abgleich workbook: sheets, key figures (cached values and live formulas), inert text, determinism, atomicity."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from write_support import INJECT_DDE, INJECT_LINK, build_result, empty_result

from kimrecon.write import abgleich, xlsx
from kimrecon.write.abgleich import write_abgleich

SHEETS = ["Deckblatt", "Parameter", "Zuteilung", "Monatsmatrix", "Kanten", "Zahlungsplan", "Fristen", "Zinsen",
          "Zahlungen", "Besetzung", "Befunde", "Prüfprotokoll", "Korrekturen", "Diagramme"]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[openpyxl.Workbook, openpyxl.Workbook, Path]:
    path = tmp_path_factory.mktemp("abgleich") / "Abgleich_2023-12.xlsx"
    assert write_abgleich(build_result(), path) == path
    return openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True), path


def col(ws, header: str) -> str:
    """Letter of the column with this header in the header row (row 4) of a detail sheet."""
    for c in ws[4]:
        if c.value == header:
            return c.column_letter
    raise AssertionError(f"no column {header!r} in {ws.title}")


def find_row(ws, **cols: object) -> int:
    """1-based row whose cells in the given columns (letters) hold the given values."""
    for row in range(1, ws.max_row + 1):
        if all(ws[f"{c}{row}"].value == v for c, v in cols.items()):
            return row
    raise AssertionError(f"no row with {cols} in {ws.title}")


def test_sheet_names_and_headers(written) -> None:
    f, _, _ = written
    assert f.sheetnames == SHEETS
    heads = [c.value for c in f["Kanten"][4]]
    assert heads[:3] == ["Geber", "Empfänger", "Jahr"]
    for h in ("Bewilligungszeitraum von", "Bewilligungszeitraum bis", "Vertragsfassung", "Saldo", "Ergebnis"):
        assert h in heads
    assert [c.value for c in f["Monatsmatrix"][4]][:4] == ["Empfänger", "Geber", "Jahr", "Monat"]
    assert "Art" not in [c.value for c in f["Monatsmatrix"][4]]  # the meaning of a Saldo is the edge's, not a sign
    assert [c.value for c in f["Befunde"][4]] == ["Nr.", "Schwere", "Code", "Datei", "Blatt", "Zelle", "Meldung",
                                                   "Wert (unverändert, als Text)"]


def test_edge_settlement_kamen(written) -> None:
    f, v, _ = written
    ws, wv = f["Kanten"], v["Kanten"]
    c = {h: col(ws, h) for h in ("Förderfähig Teilbaum kumuliert", "Ausgezahlt kumuliert", "Saldo", "Ergebnis",
                                 "Nachweisfrist", "Gezahlt (brutto)", "Zurückgezahlt", "VzÄ zugeteilt (Teilbaum)",
                                 "Weiterleitungsbetrag", "Bewilligungszeitraum von", "Vertragsfassung")}
    r = find_row(ws, A="Stadt Bergkamen", B="Stadt Kamen")
    g, a, k = c["Förderfähig Teilbaum kumuliert"], c["Ausgezahlt kumuliert"], c["Saldo"]
    assert wv[f"{g}{r}"].value == 47500.0  # Förderfähig Teilbaum (10/12 of 57.000)
    assert wv[f"{a}{r}"].value == 57000.0
    assert wv[f"{k}{r}"].value == 9500.0
    assert wv[f"{c['Ergebnis']}{r}"].value == "Rückforderung"
    assert ws[f"{k}{r}"].value == f"=ROUND({a}{r}-{g}{r},2)"
    assert ws[f"{a}{r}"].value == f"=ROUND({c['Gezahlt (brutto)']}{r}-{c['Zurückgezahlt']}{r},2)"
    assert ws[f"{g}{r}"].value.startswith("='Monatsmatrix'!I")
    assert ws[f"{k}{r}"].number_format == '#,##0.00 "€"'
    assert wv[f"{c['Nachweisfrist']}{r}"].value == datetime(2024, 3, 31)
    assert wv[f"{c['Bewilligungszeitraum von']}{r}"].value == datetime(2023, 1, 1)
    assert wv[f"{c['Vertragsfassung']}{r}"].value == "Ursprungsvertrag"
    hub = find_row(ws, A="Kreis Unna", B="Stadt Bergkamen")
    assert (wv[f"{c['VzÄ zugeteilt (Teilbaum)']}{hub}"].value, wv[f"{c['Weiterleitungsbetrag']}{hub}"].value,
            wv[f"{g}{hub}"].value, wv[f"{k}{hub}"].value) == (2.5, 142500.0, 133000.0, 9500.0)
    land = find_row(ws, A="Bezirksregierung Arnsberg")
    assert (wv[f"{c['VzÄ zugeteilt (Teilbaum)']}{land}"].value, wv[f"{c['Weiterleitungsbetrag']}{land}"].value) == (
        18.0, 1026000.0)


def test_allocation_formulas_use_named_parameters(written) -> None:
    f, v, _ = written
    ws, wv = f["Zuteilung"], v["Zuteilung"]
    r = find_row(ws, D="Stadt Bergkamen")
    rate, weiter = col(ws, "Pauschale je VzÄ"), col(ws, "Weiterleitungsbetrag")
    teil = col(ws, "VzÄ einschl. Weiterleitung")
    assert ws[f"{rate}{r}"].value == "=Pauschale_2023"
    assert ws[f"{weiter}{r}"].value == f"=ROUND({teil}{r}*{rate}{r},2)"
    assert (wv[f"{teil}{r}"].value, wv[f"{rate}{r}"].value, wv[f"{weiter}{r}"].value) == (2.5, 57000.0, 142500.0)
    assert f.defined_names["Pauschale_2023"].attr_text == "'Parameter'!$C$5"
    assert v["Parameter"]["C5"].value == 57000.0
    assert f.defined_names["Stichtag"].attr_text.startswith("'Deckblatt'!$B$")
    total = find_row(ws, A="Summe")
    assert wv[f"{col(ws, 'VzÄ eigene Stellen')}{total}"].value == 18.0  # own posts of all levels = the Bescheid
    assert wv[f"{col(ws, 'Anteil eigene Stellen')}{total}"].value == 1026000.0


def test_month_matrix_kamen(written) -> None:
    f, v, _ = written
    ws, wv = f["Monatsmatrix"], v["Monatsmatrix"]
    feb = find_row(ws, A="Stadt Kamen", D=2)
    dec = find_row(ws, A="Stadt Kamen", D=12)
    assert wv[f"F{feb}"].value == 0 and wv[f"H{feb}"].value == 0
    assert wv[f"H{dec}"].value == 47500.0
    assert wv[f"K{dec}"].value == 57000.0 and wv[f"L{dec}"].value == 9500.0
    assert ws[f"H{dec}"].value == f"=ROUND(H{dec - 1}+G{dec},2)"
    hub_dec = find_row(ws, A="Stadt Bergkamen", D=12)
    assert wv[f"I{hub_dec}"].value == 133000.0
    assert ws[f"I{hub_dec}"].value == f"=ROUND(H{hub_dec}+I{dec}+I{find_row(ws, A='Gemeinde Bönen', D=12)},2)"


def test_cover_sheet_and_protocol(written) -> None:
    f, v, _ = written
    wv = v["Deckblatt"]
    assert wv["A1"].value == "KIM-Abgleich – Kreis Unna"  # the Kreis, not the folder
    labels = {wv[f"A{r}"].value: wv[f"B{r}"].value for r in range(1, 40)}
    assert labels["Lauf-ID"] == "2023-12-20240105T080000-abc123"
    assert labels["Gesamtstatus"] == "Abweichungen"
    assert labels["Befunde: Hinweise"] == 4
    assert labels["Zeitpunkt des Laufs"] == datetime(2024, 1, 5, 8, 0)
    assert "Rückforderungen, alle Kanten addiert" not in labels  # one refund passing three levels is no 28.500 €
    p = v["Prüfprotokoll"]
    texts = [c.value for row in p.iter_rows() for c in row if c.value is not None]
    assert "Name, Geburtsdatum" in texts  # dropped personal-data columns are listed
    assert "a" * 64 in texts
    r = find_row(f["Prüfprotokoll"], A="Stadt Bergkamen")
    # Knoten, Ergebnis, Jahr, Erhalten, Weitergeleitet, Anteil eigene Stellen, Summe, Differenz
    assert (p[f"D{r}"].value, p[f"G{r}"].value, p[f"H{r}"].value, p[f"B{r}"].value) == (
        142500.0, 142500.0, 0.0, "eingehalten")
    assert f["Prüfprotokoll"][f"B{r}"].value == f'=IF(G{r}<=D{r},"eingehalten","VERLETZT")'
    zut = f["Zuteilung"]
    hub, kamen, boenen = (find_row(zut, D=n) for n in ("Stadt Bergkamen", "Stadt Kamen", "Gemeinde Bönen"))
    wl, own = col(zut, "Weiterleitungsbetrag"), col(zut, "Anteil eigene Stellen")
    assert f["Prüfprotokoll"][f"D{r}"].value == f"='Zuteilung'!{wl}{hub}"
    assert f["Prüfprotokoll"][f"E{r}"].value == f"=ROUND('Zuteilung'!{wl}{kamen}+'Zuteilung'!{wl}{boenen},2)"
    assert f["Prüfprotokoll"][f"F{r}"].value == f"='Zuteilung'!{own}{hub}"
    assert p[f"E{r}"].value == 85500.0 and p[f"F{r}"].value == 57000.0


def test_cover_sheet_totals_never_count_a_euro_twice(written) -> None:
    """The Kreis's position is the Land → Kreis edge; each level sums only its own edges."""
    f, v, _ = written
    ws, wv = f["Deckblatt"], v["Deckblatt"]
    kreis = find_row(wv, A="2023: Bezirksregierung Arnsberg → Kreis Unna")
    assert (wv[f"B{kreis}"].value, wv[f"C{kreis}"].value, wv[f"F{kreis}"].value) == ("Rückforderung", 1026000.0,
                                                                                      9500.0)
    land = find_row(f["Kanten"], A="Bezirksregierung Arnsberg")
    assert ws[f"F{kreis}"].value == f"='Kanten'!${col(f['Kanten'], 'Saldo')}${land}"
    lv0 = find_row(wv, A="2023, Ebene 0 (an den Kreis): 1 Kante")
    lv1 = find_row(wv, A="2023, Ebene 1 (an die Empfänger des Kreises): 9 Kanten")  # 8 towns and Bergkamen
    lv2 = find_row(wv, A="2023, Ebene 2 (an die Empfänger der Ebene 1): 2 Kanten")
    # level 1 forwarded: 18 VzÄ − 2,5 Kreis own = 15,5 VzÄ × 57.000 = 883.500
    assert wv[f"B{lv1}"].value == 883500.0
    # level 2 forwarded: Kamen 57.000 + Bönen 28.500
    assert wv[f"B{lv2}"].value == 85500.0
    # the refund of 9.500 appears once per level, never summed to 28.500
    assert (wv[f"E{lv0}"].value, wv[f"E{lv1}"].value, wv[f"E{lv2}"].value) == (9500.0, 9500.0, 9500.0)
    assert wv[f"F{lv1}"].value == 0
    assert ws[f"E{lv1}"].value.startswith("=ROUND(SUMIFS('Kanten'!")


def test_interest_sheet(written) -> None:
    f, v, _ = written
    ws, wv = f["Zinsen"], v["Zinsen"]
    r = find_row(ws, A="RF-2023-01", B="Stadt Bergkamen")
    assert (wv[f"H{r}"].value, wv[f"I{r}"].value) == (92, 128.58)
    p1 = find_row(wv, A="RF-2023-01", D=46)
    assert wv[f"I{p1}"].value == 55.31 and wv[f"G{p1}"].value == pytest.approx(4.62)
    assert ws[f"I{p1}"].value == f"=ROUND(H{p1}*G{p1}/100*D{p1}/365,2)"
    assert wv[f"I{p1 + 1}"].value == 73.27


def test_input_text_is_inert(written) -> None:
    f, _, _ = written
    seen = []
    for sheet in ("Zahlungen", "Besetzung", "Befunde", "Parameter"):
        for row in f[sheet].iter_rows():
            for c in row:
                if c.value in (INJECT_LINK, INJECT_DDE, "-5", "@SUM(1)"):
                    assert c.data_type == "s", (sheet, c.coordinate)
                    seen.append((sheet, c.value))
    assert ("Zahlungen", INJECT_LINK) in seen and ("Zahlungen", INJECT_DDE) in seen
    assert ("Zahlungen", "-5") in seen and ("Zahlungen", "@SUM(1)") in seen
    assert ("Besetzung", INJECT_LINK) in seen and ("Befunde", INJECT_LINK) in seen
    assert ("Parameter", INJECT_LINK) in seen and ("Parameter", INJECT_DDE) in seen
    assert not any(c.hyperlink for row in f["Zahlungen"].iter_rows() for c in row)


def test_detail_sheets_have_sources_tables_and_protection(written) -> None:
    f, v, _ = written
    ws = f["Zahlungen"]
    assert [c.value for c in ws[4]][-3:] == ["Quelldatei", "Quellblatt", "Quellzeile"]
    r = find_row(ws, B="Stadt Bergkamen", C="Stadt Kamen", O=6)
    assert ws[f"{col(ws, 'Quelldatei')}{r}"].value == "zahlungen_bergkamen.xlsx"
    late = find_row(ws, B="Stadt Kamen", C="Stadt Bergkamen")
    assert v["Zahlungen"][f"{col(ws, 'Nach Stichtag')}{late}"].value == "Ja"  # listed, not counted
    assert v["Zahlungen"][f"{col(ws, 'Zählweise')}{late}"].value == "Rückzahlung"  # by its direction
    assert v["Zahlungen"][f"{col(ws, 'Kante: Geber')}{late}"].value == "Stadt Bergkamen"
    assert all(ws[f"A{x}"].value != "Summe" for x in range(1, ws.max_row + 1))  # no sum across levels
    assert ws.freeze_panes == "B5"
    assert "Tabelle_Zahlungen" in ws.tables
    for name in ("Zuteilung", "Monatsmatrix", "Kanten", "Befunde", "Prüfprotokoll", "Deckblatt"):
        assert f[name].protection.sheet, name
    # no personal-data column reaches the output (only canonical, pseudonymous columns)
    heads = [c.value for c in f["Besetzung"][4]]
    assert "Name" not in heads and "Personal-ID (Pseudonym)" in heads


def test_charts_present(written) -> None:
    _, _, path = written
    import zipfile

    names = zipfile.ZipFile(path).namelist()
    charts = [n for n in names if n.startswith("xl/charts/chart")]
    assert len(charts) == 2 * 12  # per recipient: VzÄ chart and money chart
    xml = zipfile.ZipFile(path).read("xl/charts/chart1.xml").decode()
    assert "Monatsmatrix" in xml and "<c:lineChart>" in xml


def test_document_properties(written) -> None:
    f, _, _ = written
    assert f.properties.created == datetime(2024, 1, 5, 8, 0)
    assert f.properties.modified == datetime(2024, 1, 5, 8, 0)
    props = {p.name: p.value for p in f.custom_doc_props.props}
    assert props["Lauf-ID"] == "2023-12-20240105T080000-abc123"
    assert props["Eingabe 001"] == "bescheid_2023.xlsx SHA-256 " + "a" * 64


def test_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_abgleich(build_result(), a)
    write_abgleich(build_result(), b)
    assert a.read_bytes() == b.read_bytes()


def test_streamed_mode_same_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(abgleich, "STREAM_THRESHOLD", 0)
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_abgleich(build_result(), a)
    write_abgleich(build_result(), b)
    assert a.read_bytes() == b.read_bytes()
    v = openpyxl.load_workbook(a, data_only=True)
    ws = v["Kanten"]
    r = find_row(ws, A="Stadt Bergkamen", B="Stadt Kamen")
    assert ws[f"{col(ws, 'Saldo')}{r}"].value == 9500.0
    assert not v["Zahlungen"].tables  # constant_memory: autofilter instead of tables
    assert v["Zahlungen"].auto_filter.ref == "A4:O10"


def test_atomic_write_keeps_old_file_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "Abgleich.xlsx"
    target.write_bytes(b"old")

    def boom(self: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(abgleich.zinsen, "write", boom)
    with pytest.raises(RuntimeError):
        write_abgleich(build_result(), target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["Abgleich.xlsx"]


def test_empty_tables(tmp_path: Path) -> None:
    path = write_abgleich(empty_result(), tmp_path / "leer.xlsx")
    v = openpyxl.load_workbook(path, data_only=True)
    assert v.sheetnames == SHEETS
    assert v["Zahlungen"]["A5"].value == "Keine Zahlungen."
    assert v["Befunde"]["A5"].value == "Keine Befunde."
    assert v["Korrekturen"]["A5"].value == "Keine rückwirkenden Korrekturen."
    assert v["Zinsen"]["A5"].value == "Keine Zinsforderungen."
    assert find_row(v["Deckblatt"], A="Befunde: Hinweise", B=0)  # no findings


def test_split_over_row_limit_never_truncates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "EXCEL_MAX_ROWS", 9)  # 3 data rows per sheet with a totals row, 5 without
    path = write_abgleich(build_result(), tmp_path / "split.xlsx")
    f = openpyxl.load_workbook(path, data_only=True)
    assert "Zahlungen (2)" in f.sheetnames and "Zahlungen (3)" not in f.sheetnames
    assert f["Zahlungen"]["A2"].value.startswith("Teil 1 von 2: Zeilen 1–5 von 6.")
    rows = [f[s].cell(r, 2).value for s in ("Zahlungen", "Zahlungen (2)") for r in range(5, 10)]
    assert rows.count("Stadt Bergkamen") == 4 and rows.count("Kreis Unna") == 1
    month_sheets = [s for s in f.sheetnames if s.startswith("Monatsmatrix")]
    assert sum(f[s].max_row - 4 for s in month_sheets) == len(build_result().monate)
    assert find_row(f["Deckblatt"], A="Befunde: Hinweise", B=4)  # COUNTIF over both parts of Befunde


def test_interest_rates_refer_to_named_parameters(written) -> None:
    f, v, _ = written
    ws = f["Zinsen"]
    p1 = find_row(v["Zinsen"], A="RF-2023-01", D=46)
    assert ws[f"E{p1}"].value == "=basiszins_20230101" and ws[f"E{p1 + 1}"].value == "=basiszins_20230701"
    assert ws[f"F{p1}"].value == "=zinsaufschlag"
    assert f.defined_names["basiszins_20230701"].attr_text == "'Parameter'!$C$11"
    assert v["Parameter"]["C11"].value == 3.12


def test_dates_and_amounts_of_detail_rows(tmp_path: Path) -> None:
    import pandas as pd

    r = build_result()
    extra = r.besetzung.iloc[[0]].assign(beginn=pd.Timestamp("1899-06-01"), personal_id="P-0009",
                                        personalkosten_cent=pd.array([123_456_789], dtype="Int64"))
    from dataclasses import replace

    frame = pd.concat([r.besetzung, extra], ignore_index=True)
    path = write_abgleich(replace(r, besetzung=frame), tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(path)["Besetzung"]
    row = find_row(ws, D="P-0009")
    assert ws[f"E{row}"].value == "01.06.1899"  # Excel has no dates before 1900: kept as text
    assert ws[f"N{row}"].value == 1234567.89 and ws[f"N{row}"].number_format == '#,##0.00 "€"'
    first = find_row(ws, D="P-0001")
    assert ws[f"E{first}"].value == datetime(2023, 3, 1) and ws[f"E{first}"].number_format == "DD.MM.YYYY"
    assert ws[f"G{first}"].value == 39.0 and ws[f"F{first}"].value is None


def test_capped_nachzahlung_formula(tmp_path: Path) -> None:
    from write_support import capped_result

    path = write_abgleich(capped_result(), tmp_path / "k.xlsx")
    f, v = openpyxl.load_workbook(path)["Kanten"], openpyxl.load_workbook(path, data_only=True)["Kanten"]
    r = find_row(f, A="Stadt Bergkamen", B="Stadt Kamen")
    k, a, g, e = (col(f, h) for h in ("Saldo", "Ausgezahlt kumuliert", "Förderfähig Teilbaum kumuliert",
                                     "Weiterleitungsbetrag"))
    assert f[f"{k}{r}"].value == f"=ROUND(MAX({a}{r}-{g}{r},-{e}{r}),2)"
    assert v[f"{k}{r}"].value == -57000.0 and v[f"{col(f, 'Ergebnis')}{r}"].value == "Nachzahlung"
    assert v[f"{col(f, 'Nachzahlung gekappt')}{r}"].value == "Ja"
    assert f[f"{g}{r}"].value == 70000.0  # differs from the month matrix: written as a value, not a formula


def test_value_that_no_formula_reproduces_is_listed(tmp_path: Path) -> None:
    from dataclasses import replace

    r = build_result()
    odd = tuple(replace(e, saldo_cent=e.saldo_cent + 1) if e.empfaenger == "Stadt Kamen" else e for e in r.kanten)
    path = write_abgleich(replace(r, kanten=odd), tmp_path / "odd.xlsx")
    f = openpyxl.load_workbook(path)
    row = find_row(f["Kanten"], A="Stadt Bergkamen", B="Stadt Kamen")
    cell = f["Kanten"][f"{col(f['Kanten'], 'Saldo')}{row}"]
    assert cell.value == 9500.01 and cell.data_type == "n"
    p = f["Prüfprotokoll"]
    hit = find_row(p, B="Saldo Stadt Bergkamen → Stadt Kamen 2023: Formel ergäbe 9.500,00 €, kimrecon: 9.500,01 €")
    assert p[f"A{hit}"].value == "Kanten"


def test_deterministic_across_processes(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    code = ("import sys; sys.path.insert(0, 'tests'); from pathlib import Path; "
            "from write_support import build_result; from kimrecon.write.abgleich import write_abgleich; "
            "write_abgleich(build_result(), Path(sys.argv[1]))")
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", code, str(tmp_path / f"{seed}.xlsx")], check=True, env=env,
                       cwd=Path(__file__).resolve().parent.parent)
    assert (tmp_path / "1.xlsx").read_bytes() == (tmp_path / "2.xlsx").read_bytes()


def test_allocation_totals_per_year(tmp_path: Path) -> None:
    from write_support import two_year_result

    path = write_abgleich(two_year_result(), tmp_path / "zwei.xlsx")
    f, v = openpyxl.load_workbook(path)["Zuteilung"], openpyxl.load_workbook(path, data_only=True)["Zuteilung"]
    r22, r23 = find_row(v, A="Summe 2022"), find_row(v, A="Summe 2023")
    h, own = col(f, "VzÄ eigene Stellen"), col(f, "Anteil eigene Stellen")
    assert (v[f"{h}{r22}"].value, v[f"{own}{r22}"].value) == (18.0, 990000.0)
    assert (v[f"{h}{r23}"].value, v[f"{own}{r23}"].value) == (18.0, 1026000.0)
    assert f[f"{h}{r22}"].value.startswith(f"=SUMIFS({h}5:{h}")
    assert find_row(f, D="Stadt Kamen") < find_row(f, A=2023, D="Kreis Unna")  # 2022 tree first
    assert openpyxl.load_workbook(path, data_only=True)["Parameter"]["A5"].value == "Pauschale_2022"


def test_print_setup_of_computed_sheets(written) -> None:
    f, _, _ = written
    ws = f["Kanten"]
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.print_title_rows == "$4:$4"
    assert ws.oddFooter.left.text.startswith("Lauf-ID 2023-12-20240105T080000-abc123")
    assert ws.oddFooter.right.text == "Seite &P von &N"
    assert 70 <= int(ws.page_setup.scale) <= 100  # readable; a wide table is split into column bands
    assert ws.print_title_cols == "$A:$B"  # each band repeats Geber and Empfänger
    assert not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage


def test_edge_payments_trace_to_the_payment_rows(written) -> None:
    f, v, _ = written
    ws = f["Kanten"]
    r = find_row(ws, A="Stadt Bergkamen", B="Stadt Kamen")
    z = "'Zahlungen'!"
    assert ws[f"{col(ws, 'Gezahlt (brutto)')}{r}"].value == (
        f"=ROUND(SUMIFS({z}$D$5:$D$10,{z}$H$5:$H$10,\"Stadt Bergkamen\",{z}$I$5:$I$10,\"Stadt Kamen\","
        f"{z}$F$5:$F$10,2023,{z}$G$5:$G$10,\"Zahlung\",{z}$J$5:$J$10,\"Nein\"),2)")
    assert v["Kanten"][f"{col(ws, 'Gezahlt (brutto)')}{r}"].value == 57000.0
    assert v["Kanten"][f"{col(ws, 'Zurückgezahlt')}{r}"].value == 0  # the repayment lies after the Stichtag
    lunen = find_row(ws, B="Stadt Lünen")  # the fixture holds no payment rows to Lünen: a value, listed
    assert ws[f"{col(ws, 'Gezahlt (brutto)')}{lunen}"].value == 171000
    p = f["Prüfprotokoll"]
    assert find_row(p, B="Gezahlt Kreis Unna → Stadt Lünen 2023: Formel ergäbe 0,00 €, kimrecon: 171.000,00 €")


def test_half_year_bescheid_period_on_the_edge(tmp_path: Path) -> None:
    from dataclasses import replace
    from datetime import date

    r = build_result()
    half = replace(r, kanten=tuple(replace(e, von=date(2023, 7, 1)) for e in r.kanten))
    path = write_abgleich(half, tmp_path / "h.xlsx")
    ws = openpyxl.load_workbook(path, data_only=True)["Kanten"]
    row = find_row(ws, A="Bezirksregierung Arnsberg")
    assert ws[f"{col(ws, 'Bewilligungszeitraum von')}{row}"].value == datetime(2023, 7, 1)
    assert ws[f"{col(ws, 'Bewilligungszeitraum bis')}{row}"].value == datetime(2023, 12, 31)
