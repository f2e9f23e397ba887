"""Verwendungsnachweis workbook: figures of the Kreis Unna 2023 example, hub check, print setup, file names."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from write_support import build_result, empty_result

from kimrecon.write.nachweis import nachweis_empfaenger, nachweis_filename, write_nachweis


def labels(ws) -> dict[str, object]:
    return {ws[f"A{r}"].value: ws[f"B{r}"].value for r in range(1, ws.max_row + 1) if ws[f"A{r}"].value}


def row_of(ws, text: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws[f"A{r}"].value == text)


@pytest.fixture(scope="module")
def kamen(tmp_path_factory: pytest.TempPathFactory) -> tuple[openpyxl.Workbook, openpyxl.Workbook]:
    path = tmp_path_factory.mktemp("nw") / nachweis_filename(2023, "Stadt Kamen")
    write_nachweis(build_result(), 2023, "Stadt Kamen", path)
    return openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)


def test_filename() -> None:
    assert nachweis_filename(2023, "Stadt Kamen") == "Verwendungsnachweis_2023_Stadt_Kamen.xlsx"
    assert nachweis_filename(2023, "Gemeinde Bönen") == "Verwendungsnachweis_2023_Gemeinde_Boenen.xlsx"
    assert nachweis_filename(2024, "Stadt Fröndenberg/Ruhr") == "Verwendungsnachweis_2024_Stadt_Froendenberg_Ruhr.xlsx"
    assert nachweis_filename(2023, "../../etc") == "Verwendungsnachweis_2023_etc.xlsx"


def test_recipients_of_year() -> None:
    names = nachweis_empfaenger(build_result(), 2023)
    assert names[0] == "Kreis Unna" and "Stadt Kamen" in names and len(names) == 12
    assert nachweis_empfaenger(build_result(), 2022) == []


def test_kamen_figures(kamen) -> None:
    f, v = kamen
    ws = v["Verwendungsnachweis"]
    assert ws["A1"].value == "Verwendungsnachweis 2023"
    lab = labels(ws)
    assert lab["Zuwendungsempfänger"] == "Stadt Kamen"
    assert lab["An (Zuwendungsgeber)"] == "Stadt Bergkamen"
    assert lab["Rechtsgrundlage"] == ("Weiterleitungsvertrag mit Stadt Bergkamen: Ursprungsvertrag vom 01.03.2022, "
                                      "gültig ab 01.01.2022 (maßgeblich); Zuwendung 2023 über 57.000,00 EUR")
    assert lab["Bewilligungszeitraum"] == "01.01.2023 – 31.12.2023"
    assert lab["Pauschale je VzÄ und Jahr"] == 57000.0
    assert lab["Bewilligte Zuwendung"] == 57000.0
    assert lab["Personalausgaben"] == 52300.0  # from the Personalkosten column of the staffing list
    assert lab["Ausgezahlt (netto)"] == 57000.0  # 4 × 14.250,00; the repayment after the Stichtag counts 0
    assert lab["Zuwendungsfähige Ausgaben"] == 47500.0  # 10 staffed months × 57.000 / 12
    assert lab["Saldo"] == 9500.0
    assert lab["Ergebnis"] == "Rückforderung"
    assert lab["Eigenanteil (Eigenmittel)"] is None  # the amount stands in column D (lt. Abrechnung)
    e = row_of(ws, "Eigenanteil (Eigenmittel)")
    assert ws[f"D{e}"].value == 4800.0  # 52.300 − 47.500
    s = row_of(ws, "Summe (VzÄ-Monate, förderfähig)")
    assert ws[f"C{s}"].value == 10.0 and ws[f"D{s}"].value == 47500.0  # 10 staffed VzÄ-months
    z = row_of(ws, "Summe Zinsen")
    assert ws[f"F{z}"].value == 128.58
    fw = f["Verwendungsnachweis"]
    r = row_of(fw, "Saldo")
    assert fw[f"B{r}"].value.startswith("=ROUND(D") and "-C" in fw[f"B{r}"].value  # ausgezahlt − zuwendungsfähig
    dec = row_of(fw, "Dezember 2023")
    assert fw[f"E{dec}"].value.startswith("=ROUND($B$") and fw[f"D{dec}"].value == f"=ROUND(E{dec}-E{dec - 1},2)"
    assert fw[f"B{r}"].number_format == '#,##0.00 "€"'
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Hinweis: Werte ohne Formel" not in texts  # every derived figure is a live formula


def test_print_setup_and_signature(kamen) -> None:
    f, _ = kamen
    ws = f["Verwendungsnachweis"]
    assert ws.page_setup.paperSize == 9 or ws.page_setup.paperSize == "9"
    assert ws.page_setup.orientation == "portrait"
    assert int(ws.page_setup.scale) >= 70
    assert ws.print_title_rows == "$1:$2"
    assert "Lauf-ID 2023-12-20240105T080000-abc123" in ws.oddFooter.left.text
    assert ws.oddFooter.right.text == "Seite &P von &N"
    assert ws.protection.sheet
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Rechtsverbindliche Unterschrift" in texts and "Dienstsiegel" in texts and "Ort, Datum" in texts
    confirm = row_of(ws, "Bestätigungen")
    assert confirm - 1 in [b.id for b in ws.row_breaks.brk]  # the Bestätigungen start a new page
    box = next(r for r in ws.merged_cells.ranges if r.max_row - r.min_row == 5 and r.min_col == 1)
    assert ws.cell(box.min_row, 1).protection.locked is False  # the Sachbericht stays editable
    assert f.properties.created.year == 2024


def test_kreis_names_its_bescheid(tmp_path: Path) -> None:
    path = write_nachweis(build_result(), 2023, "Kreis Unna", tmp_path / "k.xlsx")
    lab = labels(openpyxl.load_workbook(path, data_only=True)["Verwendungsnachweis"])
    assert lab["An (Zuwendungsgeber)"] == "Bezirksregierung Arnsberg"
    assert lab["Rechtsgrundlage"] == ("Zuwendungsbescheid vom 15.02.2023, Az. 36.04.01-KIM-2023-UN "
                                      "(Nr. ZB-2023-KIM-017, Erstbescheid) über 1.026.000,00 EUR")


def test_hub_checks_children(tmp_path: Path) -> None:
    path = write_nachweis(build_result(), 2023, "bergkamen", tmp_path / "b.xlsx")  # name matching (spec §5)
    f = openpyxl.load_workbook(path)
    assert f.sheetnames == ["Verwendungsnachweis", "VN Stadt Kamen", "VN Gemeinde Bönen"]
    v = openpyxl.load_workbook(path, data_only=True)["Verwendungsnachweis"]
    lab = labels(v)
    assert lab["Zuwendungsempfänger"] == "Stadt Bergkamen"
    w = row_of(v, "Weiterleitung (siehe III.)")
    assert v[f"C{w}"].value == 76000.0  # Kamen 47.500 + Bönen 28.500 eligible
    assert lab["Zuwendungsfähige Ausgaben"] == 133000.0  # own 57.000 + 76.000
    assert lab["Saldo"] == 9500.0
    k = row_of(v, "Stadt Kamen (VN Stadt Kamen)")
    assert (v[f"C{k}"].value, v[f"D{k}"].value, v[f"E{k}"].value, v[f"F{k}"].value, v[f"G{k}"].value) == (
        57000.0, 57000.0, 47500.0, 9500.0, "Rückforderung")
    b = row_of(v, "Gemeinde Bönen (VN Gemeinde Bönen)")
    assert v[f"F{b}"].value == 0 and v[f"G{b}"].value == "ausgeglichen"
    fw = f["Verwendungsnachweis"]
    assert fw[f"F{k}"].value.startswith("='VN Stadt Kamen'!")  # the checked Nachweis is the source


def test_unknown_recipient_raises(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no settlement"):
        write_nachweis(build_result(), 2023, "Stadt Dortmund", tmp_path / "x.xlsx")
    assert not list(tmp_path.iterdir())


def test_deterministic_and_empty(tmp_path: Path) -> None:
    a = write_nachweis(build_result(), 2023, "Kreis Unna", tmp_path / "a.xlsx")
    b = write_nachweis(build_result(), 2023, "Kreis Unna", tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()
    e = write_nachweis(empty_result(), 2023, "Stadt Kamen", tmp_path / "e.xlsx")
    ws = openpyxl.load_workbook(e, data_only=True)["Verwendungsnachweis"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("Erstattungszinsen: keine Zinsforderung erfasst") for t in texts)
    assert "Keine Zahlungen erfasst." in texts
    r = row_of(ws, "Personalausgaben")
    assert ws[f"B{r}"].value is None  # a field to fill in, never a made-up figure
    assert openpyxl.load_workbook(e)["Verwendungsnachweis"][f"B{r}"].protection.locked is False


def test_capped_nachzahlung(tmp_path: Path) -> None:
    from write_support import capped_result

    path = write_nachweis(capped_result(), 2023, "Stadt Kamen", tmp_path / "k.xlsx")
    f = openpyxl.load_workbook(path)["Verwendungsnachweis"]
    v = openpyxl.load_workbook(path, data_only=True)["Verwendungsnachweis"]
    lab = labels(v)
    assert lab["Saldo"] == -57000.0 and lab["Ergebnis"] == "Nachzahlung"
    assert f[f"B{row_of(f, 'Saldo')}"].value.startswith("=ROUND(MAX(")
    # 70.000 eligible differs from the month sum: a value, listed on the sheet
    texts = [c.value for row in v.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Hinweis: Werte ohne Formel" in texts


def test_half_year_bescheid_prints_its_period(tmp_path: Path) -> None:
    from dataclasses import replace
    from datetime import date

    r = build_result()
    half = replace(r, kanten=tuple(replace(e, von=date(2023, 7, 1)) for e in r.kanten))
    path = write_nachweis(half, 2023, "Stadt Kamen", tmp_path / "h.xlsx")
    ws = openpyxl.load_workbook(path, data_only=True)["Verwendungsnachweis"]
    assert labels(ws)["Bewilligungszeitraum"] == "01.07.2023 – 31.12.2023"
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Juli 2023" in texts and "Juni 2023" not in texts  # only months of the period


def test_file_permissions_and_provisional_note(tmp_path: Path) -> None:
    import os
    from dataclasses import replace

    from kimrecon.month import Month

    mask = os.umask(0o022)
    try:
        r = build_result()
        june = replace(r, monat=Month(2023, 6), kanten=tuple(replace(e, jahr_abgeschlossen=False) for e in r.kanten))
        path = write_nachweis(june, 2023, "Stadt Kamen", tmp_path / "k.xlsx")
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644
    ws = openpyxl.load_workbook(path)["Verwendungsnachweis"]
    assert ws["A3"].value.startswith("Vorläufig: Zahlen bis zum Stichtag 30.06.2023")
