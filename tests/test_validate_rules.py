from __future__ import annotations

from pathlib import Path

import pytest
from messy import d, write_sheet

from kimrecon.findings import Code, Severity
from kimrecon.pipeline import check_inputs
from kimrecon.read import read_case
from kimrecon.resources import example_case


def validate_case(case):
    """Shape and domain findings of the inputs (what `kimrecon validate` adds to the reading findings)."""
    return check_inputs(case)[0].findings[len(case.findings):]


BESCHEID = ["Bescheid-ID", "Bescheiddatum", "Aktenzeichen", "Bewilligungsbehörde", "Zuwendungsempfänger", "Art",
            "Zeitraum von", "Zeitraum bis", "VzÄ", "Pauschale je VzÄ", "Bewilligungssumme"]
ZUWEISUNG = ["Jahr", "Empfänger", "über", "VzÄ", "Betrag"]
BESETZUNG = ["Kommune", "Stellen-ID", "Personal-ID", "Beginn", "Ende", "Wochenstunden"]
ZAHLUNGEN = ["Datum", "Zahler", "Empfänger", "Betrag", "Art", "Jahr", "Kassenzeichen"]


def _case(tmp_path: Path) -> Path:
    write_sheet(tmp_path / "bescheid.xlsx", BESCHEID, [
        ["ZB-1", d("15.02.2023"), "Az 1", "Bezirksregierung Arnsberg", "Kreis Unna", "Erstbescheid",
         d("01.01.2023"), d("31.12.2023"), 4, 57000, 230000],
    ], title="Zuwendungsbescheid")
    write_sheet(tmp_path / "zuweisung.xlsx", ZUWEISUNG, [
        [2023, "Stadt Bergkamen", None, 1, 57000],
        [2023, "Stadt Kamen", "Stadt Bergkamen", 1, 57000],
        [2023, "Gemeinde Bönen", "Stadt Bergkamen", "0,38", 21660],
        [2023, "Stadt Lünen", None, 2, 100000],
    ])
    write_sheet(tmp_path / "besetzung.xlsx", BESETZUNG, [
        ["Stadt Kamen", "KA-1", "P1", d("01.01.2023"), d("30.06.2023"), 39],
        ["Stadt Kamen", "KA-1", "P1", d("01.06.2023"), None, 39],
        ["Stadt Lünen", "LÜ-1", "P2", d("01.05.2023"), d("01.04.2023"), 39],
        ["Stadt Lünen", "LÜ-2", "P3", "31.02.2023", None, 39],
        ["Stadt Kamnen", "KA-2", "P4", d("01.01.2023"), None, 39],
        ["Stadt Kamen", "KA-3", None, d("01.01.2023"), None, 39],
    ], title="Besetzung")
    write_sheet(tmp_path / "zahlungen.xlsx", ZAHLUNGEN, [
        [d("01.03.2023"), "Kreis Unna", "Stadt Lünen", 25000, "Abschlag", 2023, "K-1"],
        [d("01.03.2023"), "Kreis Unna", "Stadt Lünen", 25000, "Abschlag", 2023, "K-1"],
        [d("01.03.2023"), "Kreis Unna", "Stadt Kamen", 14250, "Abschlag", 2023, "K-2"],
        [d("01.04.2023"), "Stadt Bergkamen", "Stadt Kamen", 14250, "Vorschuss", 2023, "K-3"],
        [d("01.04.2023"), "Stadt Bergkamen", "Gemeinde Bönen", -500, "Abschlag", 2023, "K-4"],
    ], title="Zahlungen")
    return tmp_path


def test_every_error_is_reported_with_its_cell(tmp_path: Path) -> None:
    case = read_case([_case(tmp_path)])
    found = [*case.findings, *validate_case(case)]
    got = sorted((f.code.value, f.source.datei, f.source.zelle) for f in found if f.source)
    assert got == sorted([
        (Code.BEWILLIGUNG_ABWEICHUNG.value, "bescheid.xlsx", "K5"),
        (Code.ZUTEILUNG_UNTER_MINIMUM.value, "zuweisung.xlsx", "D7"),
        (Code.BETRAG_ABWEICHUNG.value, "zuweisung.xlsx", "E8"),
        (Code.ZUTEILUNG_UEBER_BESCHEID.value, "zuweisung.xlsx", "D8"),
        (Code.BESCHAEFTIGUNG_UEBERLAPPT.value, "besetzung.xlsx", "D6"),
        (Code.ENDE_VOR_BEGINN.value, "besetzung.xlsx", "E7"),
        (Code.DATUM_UNGUELTIG.value, "besetzung.xlsx", "D8"),
        (Code.NAME_UNBEKANNT.value, "besetzung.xlsx", "A9"),
        (Code.WERT_FEHLT.value, "besetzung.xlsx", "C10"),
        (Code.ZAHLUNG_DOPPELT.value, "zahlungen.xlsx", "D6"),
        (Code.ZAHLUNG_OHNE_VERTRAG.value, "zahlungen.xlsx", "B7"),
        (Code.WERT_UNGUELTIG.value, "zahlungen.xlsx", "E8"),
        (Code.BETRAG_UMGEKEHRT.value, "zahlungen.xlsx", "D9"),  # -500 Bergkamen → Bönen: a repayment
    ])
    assert all(f.severity is Severity.FEHLER for f in found if f.code is not Code.BETRAG_UMGEKEHRT)
    by_code = {f.code: f for f in found}
    assert by_code[Code.BEWILLIGUNG_ABWEICHUNG].meldung == (
        "Die Bewilligungssumme 230.000,00 € passt nicht zu 4 VzÄ × 57.000,00 € = 228.000,00 €."
    )
    assert by_code[Code.ZUTEILUNG_UNTER_MINIMUM].value == "0,38"
    assert by_code[Code.ZUTEILUNG_UEBER_BESCHEID].meldung.startswith("Die Zuteilungen für 2023 ergeben 4,38 VzÄ")
    overlap = by_code[Code.BESCHAEFTIGUNG_UEBERLAPPT].meldung
    assert overlap.endswith("überschneidet sich mit Zeile 5. Bitte Zeiträume prüfen.")
    assert by_code[Code.DATUM_UNGUELTIG].value == "31.02.2023"


def test_example_case_validates_clean() -> None:
    case = read_case([example_case()])
    assert validate_case(case) == ()


def test_staffing_row_needs_hours_or_share(tmp_path: Path) -> None:
    write_sheet(tmp_path / "besetzung.xlsx", BESETZUNG, [
        ["Stadt Kamen", "KA-1", "P1", d("01.01.2023"), None, None],
        ["Stadt Kamen", "KA-2", "P2", d("01.01.2023"), None, "19,5"],
    ], title="Besetzung")
    case = read_case([tmp_path / "besetzung.xlsx"])
    got = [(f.code, f.source.zelle if f.source else None, f.meldung) for f in validate_case(case)]
    assert got == [(Code.UMFANG_FEHLT, "F5", "Für diese Beschäftigung fehlen Wochenstunden und Stellenanteil. Bitte "
                    "eines von beiden eintragen (z. B. 19,5 Wochenstunden oder 0,5 Stellenanteil).")]


def test_ten_errors_on_one_sheet_ten_findings_with_cells(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kimrecon.cli import run

    write_sheet(tmp_path / "zuweisung.xlsx", ["Jahr", "Empfänger", "VzÄ"], [[2023, "Stadt Kamen", 1]])
    header = ["Kommune", "Stellen-ID", "Personal-ID", "Beginn", "Ende", "Wochenstunden", "Tarifstunden",
              "Unterbrechung von", "Unterbrechung bis", "Grund", "Entgeltanspruch", "Personalkosten"]
    write_sheet(tmp_path / "besetzung.xlsx", header, [
        ["Stadt Kamen", "KA-1", "P1", d("01.01.2023"), d("30.06.2023"), "viel", 39, None, None, None, None, None],
        ["Stadt Kamen", "KA-1", "P1", d("01.06.2023"), None, 39, 39, None, None, None, None, None],
        ["Stadt Kamen", "KA-2", "P2", "31.02.2023", None, 39, 39, None, None, None, None, None],
        ["Stadt Kamen", "KA-3", None, d("01.01.2023"), None, 39, 39, None, None, None, None, None],
        ["Stadt Kamen", "KA-4", "P4", d("01.05.2023"), d("01.04.2023"), 39, 39, None, None, None, None, None],
        ["Stadt Kamn", "KA-5", "P5", d("01.01.2023"), None, 39, 39, None, None, None, None, None],
        ["Stadt Kamen", "KA-6", "P6", d("01.01.2023"), None, 39, 39, d("01.03.2023"), d("31.05.2023"), "Urlaub",
         None, None],
        ["Stadt Kamen", "KA-7", "P7", d("01.01.2023"), None, 39, 39, d("01.03.2023"), d("31.05.2023"),
         "Elternzeit", "vielleicht", None],
        ["Stadt Kamen", "KA-8", "P8", d("01.01.2023"), None, 39, 390, None, None, None, None, None],
        ["Stadt Kamen", "KA-9", "P9", d("01.01.2023"), None, 39, 39, None, None, None, None, "-5,00"],
    ], title="Stadt Kamen – Besetzung")
    case = read_case([tmp_path])
    found = [f for f in (*case.findings, *validate_case(case)) if f.source and f.source.datei == "besetzung.xlsx"]
    assert sorted((f.code.value, f.source.zelle) for f in found if f.source) == sorted([
        ("zahl_ungueltig", "F5"),
        ("beschaeftigung_ueberlappt", "D6"),
        ("datum_ungueltig", "D7"),
        ("wert_fehlt", "C8"),
        ("ende_vor_beginn", "E9"),
        ("name_unbekannt", "A10"),
        ("wert_ungueltig", "J11"),
        ("wert_ungueltig", "K12"),
        ("wert_ungueltig", "G13"),
        ("wert_negativ", "L14"),
    ])
    messages = {f.source.zelle: f.meldung for f in found if f.source}
    assert messages["J11"] == ("„Urlaub“ ist für „Grund“ nicht zulässig. Zulässig sind: Elternzeit, Mutterschutz, "
                               "Sonderurlaub ohne Bezüge, Krankengeld, Krankheit, Sonstiges.")
    assert messages["G13"] == "„390“ ist für „Tarifstunden“ nicht zulässig. Der Wert muss höchstens 60 sein."
    assert messages["L14"] == "„-5,00“ ist negativ; „Personalkosten“ darf nicht negativ sein."

    assert run(["validate", str(tmp_path)]) == 1
    output = capsys.readouterr().out
    for cell in ("F5", "D6", "D7", "C8", "E9", "A10", "J11", "K12", "G13", "L14"):
        assert cell in output
