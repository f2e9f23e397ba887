from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from messy import d, write_csv, write_ods, write_sheet, write_two_line_header, write_xls

from kimrecon.findings import Code, Severity
from kimrecon.inputs import Kind
from kimrecon.read import read_case
from kimrecon.read.spec import fold, kind_spec
from kimrecon.read.values import decimal_from_text

ZUWEISUNG = ["Jahr", "Empfänger", "über", "VzÄ", "Betrag"]


@pytest.fixture(autouse=True, params=["eager", "lazy"])
def reader_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run every test with small workbooks read whole and with the lazy bulk path of large ones."""
    if request.param == "lazy":
        monkeypatch.setattr("kimrecon.read.files.EAGER_MAX_BYTES", -1)
    return str(request.param)
ZAHLUNGEN = ["Datum (Wertstellung)", "Zahler", "Empfänger", "Betrag", "Art", "Jahr", "Kassenzeichen"]


def codes(case) -> list[tuple[str, str | None]]:
    return sorted((f.code.value, f.source.zelle if f.source else None) for f in case.findings)


def test_merged_two_line_header_hidden_column_footnote(tmp_path: Path) -> None:
    p = write_two_line_header(tmp_path / "b.xlsx", hidden=["L"])
    case = read_case([p])
    info = case.sheets[0]
    assert info.kind is Kind.BESETZUNG and info.header_row == 5
    assert dict(info.columns) == {
        "kommune": "A", "stelle_id": "B", "personal_id": "C", "beginn": "D", "ende": "E",
        "wochenstunden_h100": "F", "unterbrechung_von": "G", "unterbrechung_bis": "H",
        "unterbrechung_grund": "I", "entgeltanspruch": "J", "stellenanteil_e4": "L",
    }
    assert info.unknown == ("Bemerkung",)
    f = case.frames[Kind.BESETZUNG]
    assert f["_zeile"].tolist() == [6, 7]  # the footnote in row 9 is not data
    assert f["beginn"].tolist() == [pd.Timestamp("2023-03-01"), pd.Timestamp("2023-01-01")]
    assert f["wochenstunden_h100"].tolist() == [3900, 1950]
    assert f["unterbrechung_bis"].tolist()[0] == pd.Timestamp("2023-08-31")
    assert f["unterbrechung_grund"].tolist()[0] == "Elternzeit"
    assert f["entgeltanspruch"].tolist()[0] is False or not f["entgeltanspruch"].tolist()[0]
    assert f["stellenanteil_e4"].tolist()[0] == 3000
    assert codes(case) == [("spalte_ausgeblendet", "L5"), ("spalte_unbekannt", "K5")]


def test_two_line_header_without_merged_cells(tmp_path: Path) -> None:
    p = write_two_line_header(tmp_path / "b.xlsx", merge_group=False)
    case = read_case([p])
    info = case.sheets[0]
    assert info.columns["unterbrechung_von"] == "G" and info.columns["unterbrechung_grund"] == "I"
    assert info.columns["beginn"] == "D" and info.columns["ende"] == "E"


def test_personal_data_columns_are_dropped(tmp_path: Path) -> None:
    header = ["Kommune", "Personal-ID", "Name, Vorname", "Geburtsdatum", "Beginn", "Wochenstunden"]
    p = write_sheet(tmp_path / "b.xlsx", header, [["Stadt Kamen", "P1", "Müller, Anna", d("01.01.1980"),
                                                  d("01.03.2023"), 39]], title="Besetzung")
    case = read_case([p])
    assert case.sheets[0].dropped == ("Name, Vorname", "Geburtsdatum")
    assert codes(case) == [("spalte_personenbezug", "C4"), ("spalte_personenbezug", "D4")]
    assert all(f.severity is Severity.HINWEIS for f in case.findings)
    frame = case.frames[Kind.BESETZUNG]
    assert "Müller, Anna" not in frame.astype(str).to_numpy().ravel().tolist()


@pytest.mark.parametrize(
    "header",
    [
        ["JAHR", "empfaenger", "Weitergeleitet über:", "VZÄ", "Betrag in €"],
        ["Bezugsjahr", "Kommune", "weitergeleitet  über", "Stellenanteil", "Jahresbetrag (EUR)"],
        [" jahr ", "Empfaenger", "ueber", "V z Ä", "Weiterleitungsbetrag¹"],
    ],
)
def test_alias_folding(tmp_path: Path, header: list[str]) -> None:
    p = write_sheet(tmp_path / "z.xlsx", header, [[2023, "Stadt Kamen", "Stadt Bergkamen", "1,0", "57.000,00"]])
    case = read_case([p])
    assert codes(case) == []
    f = case.frames[Kind.ZUWEISUNG]
    assert (f.at[0, "vzae_e4"], f.at[0, "betrag_cent"], f.at[0, "ueber"]) == (10000, 5700000, "Stadt Bergkamen")


def test_every_alias_of_every_kind_folds_to_its_column() -> None:
    for kind in Kind:
        spec = kind_spec(kind)
        for name, col in spec.columns.items():
            for alias in (col.header, *col.aliases):
                assert spec.match(alias) == name or fold(alias) in {fold(c.header) for c in spec.columns.values()}, (
                    kind, alias)


def test_sheet_of_no_kind_and_of_two_kinds(tmp_path: Path) -> None:
    p = tmp_path / "mix.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Notizen"
    ws.append(["Telefonliste"])
    ws.append(["Ansprechpartner", "Durchwahl"])
    ws2 = wb.create_sheet("Liste")
    ws2.append(["Jahr", "Empfänger", "VzÄ", "Kommune", "Schlüsselwert"])  # Zuweisung and Schlüssel alike
    ws2.append([2023, "Stadt Kamen", 1, "Stadt Kamen", 1])
    ws3 = wb.create_sheet("Tabelle3")  # empty: ignored
    del ws3
    wb.save(p)
    case = read_case([p])
    got = [(f.code, f.source.blatt if f.source else None) for f in case.findings]
    assert (Code.BLATT_UNBEKANNT, "Notizen") in got
    assert got == [(Code.BLATT_UNBEKANNT, "Notizen"), (Code.BLATT_MEHRDEUTIG, "Liste")]
    assert case.findings[1].meldung.startswith("Das Blatt passt zu mehreren Tabellenarten (Zuweisung, Verteilungss")
    assert case.findings[0].severity is Severity.HINWEIS and case.findings[1].severity is Severity.FEHLER
    assert case.sheets == ()


def test_several_sheets_and_kinds_in_one_workbook(tmp_path: Path) -> None:
    p = tmp_path / "kreis.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Zuweisung"
    ws.append(ZUWEISUNG)
    ws.append([2023, "Stadt Kamen", None, 1, 57000])
    ws2 = wb.create_sheet("Zahlungen")
    ws2.append(["Auszahlungen 2023"])
    ws2.append(ZAHLUNGEN)
    ws2.append([d("15.03.2023"), "Kreis Unna", "Stadt Kamen", "14.250,00", "abschlag", 2023, 4711])
    wb.save(p)
    case = read_case([p])
    assert codes(case) == []
    assert [(s.blatt, s.kind, s.header_row) for s in case.sheets] == [
        ("Zuweisung", Kind.ZUWEISUNG, 1), ("Zahlungen", Kind.ZAHLUNGEN, 2)]
    z = case.frames[Kind.ZAHLUNGEN]
    assert z.at[0, "betrag_cent"] == 1425000 and z.at[0, "art"] == "Abschlag" and z.at[0, "kassenzeichen"] == "4711"
    assert case.files[0].sheets == ("Zuweisung", "Zahlungen")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252", "utf-8"])
def test_csv_export(tmp_path: Path, encoding: str) -> None:
    p = write_csv(tmp_path / "zahlungen.csv", ZAHLUNGEN, [
        ["15.03.2023", "Kreis Unna", "Gemeinde Bönen", "1.234,56", "Abschlag", "2023", "000123"],
        ["2023-06-15", "Kreis Unna", "Gemeinde Bönen", "-7,5", "Rückzahlung", "", ""],
    ], encoding=encoding)
    case = read_case([p])
    z = case.frames[Kind.ZAHLUNGEN]
    # "-7,5" Kreis → Bönen is a repayment Bönen → Kreis of 7,50 € (docs/decisions.md)
    assert z["betrag_cent"].tolist() == [123456, 750]
    assert z["empfaenger"].tolist() == ["Gemeinde Bönen", "Kreis Unna"]
    assert z["zahler"].tolist() == ["Kreis Unna", "Gemeinde Bönen"]
    assert z["datum"].tolist() == [pd.Timestamp("2023-03-15"), pd.Timestamp("2023-06-15")]
    assert z["kassenzeichen"].tolist()[0] == "000123"
    assert z["_zeile"].tolist() == [4, 5]
    assert case.sheets[0].blatt == "zahlungen"


def test_xls_workbook(tmp_path: Path) -> None:
    p = write_xls(tmp_path / "alt.xls", ["Jahr", "Empfänger", "VzÄ", "Betrag", "Stand"],
                  [[2023, "Stadt Kamen", 1.0, 57000.0, d("01.02.2023")],
                   [2023, "Gemeinde Bönen", "0,5", "28.500,00", None]])
    case = read_case([p])
    z = case.frames[Kind.ZUWEISUNG]
    assert z["vzae_e4"].tolist() == [10000, 5000] and z["betrag_cent"].tolist() == [5700000, 2850000]
    assert z["_zeile"].tolist() == [4, 5]


def test_ods_workbook(tmp_path: Path) -> None:
    p = write_ods(tmp_path / "zahlungen.ods", ZAHLUNGEN, [
        [dt.datetime(2023, 3, 20), "Stadt Bergkamen", "Stadt Kamen", 14250.5, "Abschlag", 2023, "BK-1"],
    ])
    case = read_case([p])
    z = case.frames[Kind.ZAHLUNGEN]
    assert z["betrag_cent"].tolist() == [1425050]
    assert z["datum"].tolist() == [pd.Timestamp("2023-03-20")]
    assert z["_zeile"].tolist() == [4]


def test_unusable_files(tmp_path: Path) -> None:
    (tmp_path / "kaputt.xlsx").write_bytes(b"this is not a workbook")
    (tmp_path / "makro.xlsm").write_bytes(b"PK\x03\x04")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le")
    (tmp_path / "geheim.xlsx").write_bytes(ole)
    (tmp_path / "leer.xls").write_bytes(b"")
    case = read_case([tmp_path])
    got = sorted((f.code.value, f.source.datei) for f in case.findings if f.code is not Code.BLATT_FEHLT)
    assert got == [
        ("datei_makro", "makro.xlsm"),
        ("datei_unlesbar", "kaputt.xlsx"),
        ("datei_unlesbar", "leer.xls"),
        ("datei_verschluesselt", "geheim.xlsx"),
    ]
    assert {f.name for f in case.files} == {"kaputt.xlsx", "makro.xlsm", "geheim.xlsx", "leer.xls"}


def test_inputs_are_not_modified(tmp_path: Path) -> None:
    p = write_two_line_header(tmp_path / "b.xlsx")
    before = (p.read_bytes(), p.stat().st_mtime_ns)
    read_case([tmp_path])
    assert (p.read_bytes(), p.stat().st_mtime_ns) == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["b.xlsx"]


def test_config_is_read_from_the_case_folder(tmp_path: Path) -> None:
    (tmp_path / "kimrecon.toml").write_text('[abrechnung]\nmodus = "tagesprinzip"\n', encoding="utf-8")
    case = read_case([tmp_path])
    assert case.config == {"abrechnung": {"modus": "tagesprinzip"}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("57.000,00 €", "57000.00"), ("0,5", "0.5"), ("19,5 Std.", "19.5"), ("1.234.567,89", "1234567.89"),
     ("57000.5", "57000.5"), ("57.000", "57000"), ("0.375", "0.375"), ("- 12,00 €", "-12.00"), ("12,00-", "-12.00"),
     ("EUR 1 234,56", "1234.56"), ("€ 5", "5"), ("1,234,567", "1234567")],
)
def test_german_number_text(text: str, expected: str) -> None:
    assert decimal_from_text(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["abc", "1,2,3,4x", "12.34.56", "", "5 %", "1.2.3"])
def test_not_numbers(text: str) -> None:
    assert decimal_from_text(text) is None


def test_percent_for_vzae(tmp_path: Path) -> None:
    header = ["Kommune", "Personal-ID", "Beginn", "Stellenanteil"]
    p = write_sheet(tmp_path / "b.xlsx", header, [["Stadt Kamen", "P1", d("01.01.2023"), "50 %"],
                                                  ["Stadt Kamen", "P2", d("01.01.2023"), "75%"]], title="Besetzung")
    f = read_case([p]).frames[Kind.BESETZUNG]
    assert f["stellenanteil_e4"].tolist() == [5000, 7500]


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    write_sheet(tmp_path / "z.xlsx", ZUWEISUNG, [[2023, "Stadt Kamen", None, 1, 57000]])
    (tmp_path / "kimrecon.toml").write_text("[eingabe]\nmax_dateigroesse_mb = 0.001\n", encoding="utf-8")
    case = read_case([tmp_path])
    assert [f.code for f in case.findings if f.code is not Code.BLATT_FEHLT] == [Code.DATEI_ZU_GROSS]


def test_float_cells_go_through_their_shortest_repr() -> None:
    from kimrecon.read.values import parse_scaled

    cells = pd.Series([1.005, 0.125, 2.675, 57000.1, 0.1 + 0.2, 1e-3], dtype=object)
    cents, bad = parse_scaled(cells, 100)
    # float arithmetic would give 100, 12, 267: the written decimals round half up instead
    assert cents.tolist() == [101, 13, 268, 5700010, 30, 0]
    assert not bad.any()
    e4, _ = parse_scaled(pd.Series([0.76923, 1 / 3], dtype="float64"), 10_000)
    assert e4.tolist() == [7692, 3333]


def test_excel_error_values_are_reported(tmp_path: Path) -> None:
    p = write_sheet(tmp_path / "z.xlsx", ZUWEISUNG, [
        [2023, "Stadt Kamen", None, 1, 57000],
        [2023, "#REF!", None, "#N/A", "#DIV/0!"],
    ])
    case = read_case([p])
    assert [(f.code.value, f.source.zelle, f.value) for f in case.findings if f.source] == [
        ("wert_ungueltig", "B6", "#BEZUG!"), ("zahl_ungueltig", "D6", "#NV"), ("zahl_ungueltig", "E6", "#DIV/0!")]


def test_subtotals_and_a_total_above_the_rows(tmp_path: Path) -> None:
    p = tmp_path / "z.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(ZUWEISUNG)
    ws.append([2023, "Stadt Kamen", "Stadt Bergkamen", 1, 57000])
    ws.append([2023, "Gemeinde Bönen", "Stadt Bergkamen", 0.5, 28500])
    ws.append([None, "Zwischensumme Mitte", None, 1.5, 85500])
    ws.append([2023, "Stadt Lünen", None, 4, 228000])
    ws.append([None, "Zwischensumme Nord", None, 4, 228000])
    ws.append([None, "Gesamtsumme", None, 5.5, 313000])  # wrong: 313.500,00
    ws2 = wb.create_sheet("Zuweisung 2024")
    ws2.append(ZUWEISUNG)
    ws2.append(["Summe", None, None, 2, 114000])
    ws2.append([2024, "Stadt Kamen", None, 1, 57000])
    ws2.append([2024, "Stadt Unna", None, 1, 57000])
    wb.save(p)
    case = read_case([p])
    assert [(f.code.value, f.source.blatt, f.source.zelle, f.meldung) for f in case.findings if f.source] == [
        ("summe_abweichung", "Sheet", "E7",
         "Die Summenzeile weist 313.000,00 aus, die Zeilen darüber ergeben 313.500,00. Bitte Summe oder Einzelwerte "
         "prüfen."),
    ]
    assert case.frames[Kind.ZUWEISUNG]["_zeile"].tolist() == [2, 3, 5, 3, 4]


def test_hidden_sheet_is_not_read(tmp_path: Path) -> None:
    p = tmp_path / "z.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Zuweisung"
    ws.append(ZUWEISUNG)
    ws.append([2023, "Stadt Kamen", None, 1, 57000])
    old = wb.create_sheet("Zuweisung 2022 alt")
    old.append(ZUWEISUNG)
    old.append([2022, "Stadt Kamen", None, 1, 55000])
    old.sheet_state = "hidden"
    wb.save(p)
    case = read_case([p])
    assert [(f.code.value, f.source.blatt) for f in case.findings if f.source] == [
        ("blatt_ausgeblendet", "Zuweisung 2022 alt")]
    assert case.frames[Kind.ZUWEISUNG]["jahr"].tolist() == [2023]


def test_merged_header_cell_over_two_columns_and_merged_data_cells(tmp_path: Path) -> None:
    p = tmp_path / "b.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Besetzung"
    ws.append(["Stadt Kamen – Besetzung"])
    ws.append([])
    ws.append(["Kommune", "Personal-ID", None, "Beginn", "Wochenstunden"])
    ws.merge_cells("B3:C3")  # one header cell over two columns
    ws.append(["Stadt Kamen", "P1", None, d("01.01.2023"), 39])
    ws.append([None, "P2", None, d("01.02.2023"), 19.5])
    ws.append([None, "P3", None, d("01.03.2023"), 19.5])
    ws.merge_cells("A4:A6")  # the town once for its three people
    wb.save(p)
    case = read_case([p])
    assert case.findings == ()
    f = case.frames[Kind.BESETZUNG]
    assert dict(case.sheets[0].columns)["personal_id"] == "B"
    assert f["kommune"].tolist() == ["Stadt Kamen"] * 3
    assert f["wochenstunden_h100"].tolist() == [3900, 1950, 1950]


def test_blank_rows_inside_the_data_and_empty_markers(tmp_path: Path) -> None:
    header = ["Kommune", "Personal-ID", "Beginn", "Ende", "Wochenstunden", "Personalkosten"]
    p = write_sheet(tmp_path / "b.xlsx", header, [
        ["Stadt Kamen", "P1", d("01.01.2023"), "—", 39, "k. A."],
        [None, None, None, None, None, None],
        [None, None, None, None, None, None],
        ["Stadt Kamen", "P2", "01.02.2023", "-", "19,5", " – "],
        ["Stadt Kamen", "P3", "01.03.2023", "31.12.2023", "19,5", "12.345,67 €"],
    ], title="Besetzung", footnotes=["Stand: 05.01.2024", "Quelle: Personalamt"])
    case = read_case([p])
    assert case.findings == ()
    f = case.frames[Kind.BESETZUNG]
    assert f["_zeile"].tolist() == [5, 8, 9]
    assert f["ende"].isna().tolist() == [True, True, False]
    assert f["personalkosten_cent"].isna().tolist() == [True, True, False]
    assert int(f["personalkosten_cent"].iloc[2]) == 1234567


def test_header_only_late_header_and_title_only(tmp_path: Path) -> None:
    p = tmp_path / "w.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Zuweisung"
    ws.append(ZUWEISUNG)
    late = wb.create_sheet("Zahlungen")
    late.cell(30, 2, "Datum")
    for j, h in enumerate(ZAHLUNGEN[1:], start=3):
        late.cell(30, j, h)
    late.append([None, d("01.03.2023"), "Kreis Unna", "Stadt Kamen", 100, "Abschlag", 2023, "K-1"])
    title = wb.create_sheet("Deckblatt")
    title["A1"] = "Kreis Unna – KIM 2023"
    too_late = wb.create_sheet("Rest")
    too_late.cell(40, 1, "Jahr")
    too_late.cell(40, 2, "Empfänger")
    wb.save(p)
    case = read_case([p])
    assert [(s.blatt, s.kind, s.rows, s.header_row) for s in case.sheets] == [
        ("Zuweisung", Kind.ZUWEISUNG, 0, 1), ("Zahlungen", Kind.ZAHLUNGEN, 1, 30)]
    assert case.frames[Kind.ZAHLUNGEN]["_zeile"].tolist() == [31]
    assert case.sheets[1].columns["betrag_cent"] == "E"
    assert [(f.code.value, f.source.blatt) for f in case.findings if f.source] == [
        ("blatt_unbekannt", "Deckblatt"), ("blatt_unbekannt", "Rest")]


def test_missing_required_column_points_right_of_the_header(tmp_path: Path) -> None:
    p = write_sheet(tmp_path / "z.xlsx", ["Jahr", "Empfänger", "Betrag"], [[2023, "Stadt Kamen", 57000]],
                    title=None, stand=None, blank_rows_above=0, sheet="Zuweisung")
    case = read_case([p])
    assert [(f.code.value, f.source.zelle, f.meldung) for f in case.findings if f.source] == [
        ("spalte_fehlt", "D1", "Die Pflichtspalte „VzÄ“ fehlt. Bitte die Spalte ergänzen.")]
    assert case.sheets[0].kind is Kind.ZUWEISUNG


@pytest.mark.parametrize(
    ("text", "expected"),
    [("15.02.2023", "2023-02-15"), ("15.2.23", "2023-02-15"), ("2023-02-15", "2023-02-15"),
     ("15.02.2023 00:00:00", "2023-02-15"), ("15. Februar 2023", "2023-02-15"), ("1. Mär. 2023", "2023-03-01"),
     ("Mo, 20.03.2023", "2023-03-20"), ("Montag, 20. März 2023", "2023-03-20"), ("31.02.2023", None),
     ("31. April 2023", None), ("15. Foo 2023", None), ("2023", None), ("15.02.", None)],
)
def test_date_texts(text: str, expected: str | None) -> None:
    from kimrecon.read.values import date_from_text

    got = date_from_text(text)
    assert (got.isoformat() if got else None) == expected


def test_numbers_and_dates_in_text_columns_read_alike_on_both_paths(tmp_path: Path) -> None:
    p = write_sheet(tmp_path / "z.xlsx", ZAHLUNGEN, [
        [d("01.03.2023"), "Kreis Unna", "Stadt Kamen", 100, "Abschlag", 2023, 4711],
        [d("02.03.2023"), "Kreis Unna", "Stadt Kamen", 100, "Abschlag", 2023, d("01.02.2023")],
        [d("03.03.2023"), "Kreis Unna", "Stadt Kamen", 100, "Abschlag", 2023, 0.5],
        [d("04.03.2023"), "Kreis Unna", "Stadt Kamen", 100, "Abschlag", 2023, "K-1"],
    ])
    z = read_case([p]).frames[Kind.ZAHLUNGEN]
    assert z["kassenzeichen"].tolist() == ["4711", "01.02.2023", "0.5", "K-1"]


def test_units_row_under_the_header(tmp_path: Path) -> None:
    p = write_sheet(tmp_path / "z.xlsx", ZUWEISUNG, [
        [None, None, None, "(VzÄ)", "(€)"],
        [2023, "Stadt Kamen", None, "1,0", "57.000,00"],
    ])
    case = read_case([p])
    assert case.findings == ()
    assert case.sheets[0].header_row == 4
    assert case.frames[Kind.ZUWEISUNG]["_zeile"].tolist() == [6]


def test_example_sheets_are_skipped_and_a_table_in_one_is_reported(tmp_path: Path) -> None:
    p = tmp_path / "z.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Zuweisung"
    ws.append(ZUWEISUNG)
    ws.append([2023, "Stadt Kamen", None, 1, 57000])
    how = wb.create_sheet("Anleitung")
    how.append(["So füllen Sie die Tabelle aus: eine Zeile je Empfänger und Jahr."])
    example = wb.create_sheet("Beispiel 2022")
    example.append(ZUWEISUNG)
    example.append([2022, "Stadt Kamen", None, 1, 55000])
    wb.save(p)
    case = read_case([p])
    assert [(f.code.value, f.source.blatt) for f in case.findings if f.source] == [
        ("blatt_uebersprungen", "Beispiel 2022")]
    assert case.frames[Kind.ZUWEISUNG]["jahr"].tolist() == [2023]
