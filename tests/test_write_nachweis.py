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
    assert lab["Zuwendungsgeber"] == "Stadt Bergkamen"
    assert lab["Pauschale je VzÄ und Jahr"] == 57000.0
    assert lab["Zuwendung (Weiterleitungsbetrag)"] == 57000.0
    assert lab["Förderfähig, eigene Stellen"] == 47500.0
    assert lab["Förderfähig insgesamt"] == 47500.0
    assert lab["Ausgezahlt (netto)"] == 57000.0
    assert lab["Saldo (ausgezahlt − förderfähig)"] == 9500.0
    assert lab["Rückforderung an den Geber"] == 9500.0
    assert lab["Nachzahlung durch den Geber"] == 0
    assert lab["Ergebnis"] == "Rückforderung"
    assert lab["Personalkosten (Besetzungsliste)"] == 52300.0
    assert lab["Eigenanteil (Kosten über Förderung)"] == 4800.0
    assert lab["Summe (VzÄ-Monate, förderfähig)"] is None
    s = row_of(ws, "Summe (VzÄ-Monate, förderfähig)")
    assert ws[f"C{s}"].value == 10.0 and ws[f"D{s}"].value == 47500.0  # 10 staffed VzÄ-months
    assert lab["Summe Zinsen"] is None
    z = row_of(ws, "Summe Zinsen")
    assert ws[f"F{z}"].value == 128.58
    fw = f["Verwendungsnachweis"]
    r = row_of(fw, "Saldo (ausgezahlt − förderfähig)")
    assert fw[f"B{r}"].value == f"=ROUND(B{row_of(fw, 'Ausgezahlt (netto)')}-B{row_of(fw, 'Förderfähig insgesamt')},2)"
    zr = row_of(fw, "Zuwendung (Weiterleitungsbetrag)")
    assert fw[f"B{zr}"].value == f"=ROUND(B{zr - 2}*Pauschale,2)"
    assert fw[f"B{row_of(fw, 'Förderfähig, eigene Stellen')}"].value == f"=D{s}"
    assert fw[f"B{r}"].number_format == '#,##0.00 "€"'


def test_print_setup_and_signature(kamen) -> None:
    f, _ = kamen
    ws = f["Verwendungsnachweis"]
    assert ws.page_setup.paperSize == 9 or ws.page_setup.paperSize == "9"
    assert ws.page_setup.orientation == "portrait"
    assert ws.print_title_rows == "$1:$2"
    assert "Lauf-ID 2023-12-20240105T080000-abc123" in ws.oddFooter.left.text
    assert ws.oddFooter.right.text == "Seite &P von &N"
    assert ws.protection.sheet
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Sachlich und rechnerisch richtig:" in texts
    assert "Unterschrift (sachlich richtig)" in texts and "Unterschrift (rechnerisch richtig)" in texts
    box = next(r for r in ws.merged_cells.ranges if r.max_row - r.min_row == 7)
    assert ws.cell(box.min_row, 1).protection.locked is False  # the Sachbericht stays editable
    assert f.properties.created.year == 2024


def test_hub_checks_children(tmp_path: Path) -> None:
    path = write_nachweis(build_result(), 2023, "bergkamen", tmp_path / "b.xlsx")  # name matching (spec §5)
    f = openpyxl.load_workbook(path)
    v = openpyxl.load_workbook(path, data_only=True)["Verwendungsnachweis"]
    lab = labels(v)
    assert lab["Zuwendungsempfänger"] == "Stadt Bergkamen"
    assert lab["davon an nachgeordnete Stellen"] == 85500.0
    assert lab["davon für eigene Stellen"] == 57000.0
    assert lab["Förderfähig, nachgeordnete Stellen"] == 76000.0
    assert lab["Förderfähig insgesamt"] == 133000.0
    assert lab["Saldo (ausgezahlt − förderfähig)"] == 9500.0
    k = row_of(v, "Stadt Kamen")
    assert (v[f"C{k}"].value, v[f"D{k}"].value, v[f"E{k}"].value, v[f"F{k}"].value, v[f"G{k}"].value) == (
        57000.0, 57000.0, 47500.0, 9500.0, "Rückforderung")
    b = row_of(v, "Gemeinde Bönen")
    assert v[f"F{b}"].value == 0 and v[f"G{b}"].value == "ausgeglichen"
    fw = f["Verwendungsnachweis"]
    assert fw[f"B{row_of(fw, 'davon an nachgeordnete Stellen')}"].value == f"=ROUND(SUM(C{k}:C{b}),2)"


def test_unknown_recipient_raises(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no settlement"):
        write_nachweis(build_result(), 2023, "Stadt Dortmund", tmp_path / "x.xlsx")
    assert not list(tmp_path.iterdir())


def test_deterministic_and_empty(tmp_path: Path) -> None:
    a = write_nachweis(build_result(), 2023, "Kreis Unna", tmp_path / "a.xlsx")
    b = write_nachweis(build_result(), 2023, "Kreis Unna", tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()
    e = write_nachweis(empty_result(), 2023, "Stadt Kamen", tmp_path / "e.xlsx")
    lab = labels(openpyxl.load_workbook(e, data_only=True)["Verwendungsnachweis"])
    assert lab["Keine Erstattungszinsen."] is None
    assert lab["Personalkosten"] == "nicht angegeben"


def test_capped_nachzahlung(tmp_path: Path) -> None:
    from write_support import capped_result

    path = write_nachweis(capped_result(), 2023, "Stadt Kamen", tmp_path / "k.xlsx")
    f = openpyxl.load_workbook(path)["Verwendungsnachweis"]
    v = openpyxl.load_workbook(path, data_only=True)["Verwendungsnachweis"]
    lab = labels(v)
    assert lab["Saldo (ausgezahlt − förderfähig)"] == -57000.0
    assert lab["Nachzahlung durch den Geber"] == 57000.0 and lab["Ergebnis"] == "Nachzahlung"
    r = row_of(f, "Saldo (ausgezahlt − förderfähig)")
    assert f[f"B{r}"].value.startswith(f"=ROUND(MAX(B{row_of(f, 'Ausgezahlt (netto)')}-")
    assert f[f"B{row_of(f, 'Förderfähig, eigene Stellen')}"].value == 70000.0  # not the month sum: a value


def test_file_permissions_and_provisional_note(tmp_path: Path) -> None:
    import os
    from dataclasses import replace
    from datetime import date

    mask = os.umask(0o022)
    try:
        path = write_nachweis(replace(build_result(), stichtag=date(2023, 6, 30), monat="2023-06"), 2023,
                              "Stadt Kamen", tmp_path / "k.xlsx")
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644
    ws = openpyxl.load_workbook(path)["Verwendungsnachweis"]
    assert ws["A3"].value.startswith("Vorläufig: Zahlen kumuliert bis 30.06.2023")
