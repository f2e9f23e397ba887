from __future__ import annotations

from pathlib import Path

import pandas as pd
from messy import d, write_sheet

from kimrecon.findings import Code, Severity
from kimrecon.inputs import Kind
from kimrecon.pipeline import check_inputs
from kimrecon.read import read_case


def validate_case(case):
    """Shape and domain findings of the inputs (what `kimrecon validate` adds to the reading findings)."""
    return check_inputs(case)[0].findings[len(case.findings):]


BESCHEID = ["Bescheid-ID", "Bescheiddatum", "Bewilligungsbehörde", "Zuwendungsempfänger", "Art",
            "Zeitraum von", "Zeitraum bis", "VzÄ", "Pauschale je VzÄ", "Bewilligungssumme"]
ZUWEISUNG = ["Jahr", "Empfänger", "über", "VzÄ", "Betrag", "AGS"]
ZAHLUNGEN = ["Datum", "Zahler", "Empfänger", "Betrag", "Art", "Jahr", "Kassenzeichen"]
VERTRAG = ["Geber", "Empfänger", "Fassung", "Vertragsdatum", "gültig ab", "Pauschale je VzÄ", "Nachweisfrist",
           "Zahlungsplan"]


def _base(tmp: Path, *, bescheide: list[list[object]] | None = None) -> None:
    write_sheet(tmp / "bescheid.xlsx", BESCHEID, bescheide or [
        ["ZB-1", d("15.02.2023"), "Bezirksregierung Arnsberg", "Kreis Unna", "Erstbescheid", d("01.01.2023"),
         d("31.12.2023"), 3, 57000, 171000],
    ], title="Bescheide")
    write_sheet(tmp / "zuweisung.xlsx", ZUWEISUNG, [
        [2023, "Stadt Bergkamen", None, 1, 57000, "05978004"],
        [2023, "Stadt Kamen", "Stadt Bergkamen", 1, 57000, "05978016"],
        [2023, "Stadt Lünen", None, 1, 57000, 5978024],
    ])


def _found(tmp: Path) -> list[tuple[Code, str, str | None, Severity]]:
    case = read_case([tmp])
    # these cases carry no staffing lists: the Warnung besetzung_fehlt has its own golden case
    return [(f.code, f.source.datei, f.source.zelle, f.severity)
            for f in (*case.findings, *validate_case(case)) if f.source and f.code is not Code.BESETZUNG_FEHLT]


def test_duplicates_without_kassenzeichen_are_a_hint_and_late_abschlag(tmp_path: Path) -> None:
    _base(tmp_path)
    write_sheet(tmp_path / "zahlungen.xlsx", ZAHLUNGEN, [
        [d("01.03.2023"), "Kreis Unna", "Stadt Lünen", 14250, "Abschlag", 2023, None],
        [d("01.03.2023"), "Kreis Unna", "Stadt Lünen", 14250, "Abschlag", 2023, None],
        [d("15.01.2024"), "Kreis Unna", "Stadt Lünen", 14250, "Abschlag", 2023, "K-9"],
        [d("15.01.2024"), "Kreis Unna", "Stadt Lünen", 500, "Schlusszahlung", 2023, "K-10"],
        [d("15.01.2024"), "Stadt Kamen", "Stadt Bergkamen", 500, "Rückzahlung", 2023, "K-11"],
    ])
    assert _found(tmp_path) == [
        (Code.ZAHLUNG_DOPPELT, "zahlungen.xlsx", "D6", Severity.HINWEIS),
        (Code.DATUM_AUSSERHALB, "zahlungen.xlsx", "A7", Severity.HINWEIS),
    ]


def test_names_match_by_ags_first_then_by_folded_name(tmp_path: Path) -> None:
    _base(tmp_path)
    write_sheet(tmp_path / "besetzung.xlsx", ["Kommune", "AGS", "Personal-ID", "Beginn", "Wochenstunden"], [
        ["Kamen, Stadt", "05978016", "P1", d("01.01.2023"), 39],  # unusual name, known AGS
        ["  stadt   LÜNEN ", None, "P2", d("01.01.2023"), 39],
        ["Bergkamen", None, "P3", d("01.01.2023"), 39],
        ["Stadt Unna", None, "P4", d("01.01.2023"), 39],
        ["Stadt Unna", "05978036", "P5", d("01.01.2023"), 39],
    ], title="Besetzung")
    assert _found(tmp_path) == [
        (Code.NAME_UNBEKANNT, "besetzung.xlsx", "A8", Severity.FEHLER),
        (Code.NAME_UNBEKANNT, "besetzung.xlsx", "A9", Severity.FEHLER),
    ]


def test_aenderungsbescheid_replaces_the_first_one(tmp_path: Path) -> None:
    _base(tmp_path, bescheide=[
        ["ZB-1", d("15.02.2023"), "Bezirksregierung Arnsberg", "Kreis Unna", "Erstbescheid", d("01.01.2023"),
         d("31.12.2023"), 2, 57000, 114000],
        ["ZB-2", d("01.06.2023"), "Bezirksregierung Arnsberg", "Kreis Unna", "Änderungsbescheid", d("01.01.2023"),
         d("31.12.2023"), 3, 57000, 171000],
    ])
    assert _found(tmp_path) == []
    _base(tmp_path, bescheide=[
        ["ZB-1", d("15.02.2023"), "Bezirksregierung Arnsberg", "Kreis Unna", "Erstbescheid", d("01.01.2023"),
         d("31.12.2023"), 3, 57000, 171000],
        ["ZB-1", d("01.06.2023"), "Bezirksregierung Arnsberg", "Kreis Unna", "Neubescheid", d("01.01.2023"),
         d("31.12.2023"), 2, 57000, 114000],
    ])
    got = _found(tmp_path)
    assert (Code.ZUTEILUNG_UEBER_BESCHEID, "zuweisung.xlsx", "D7", Severity.FEHLER) in got
    assert (Code.WERT_UNGUELTIG, "bescheid.xlsx", "E6", Severity.FEHLER) in got  # not a known Art
    assert (Code.WERT_UNGUELTIG, "bescheid.xlsx", "A5", Severity.FEHLER) in got  # Bescheid-ID twice
    assert (Code.WERT_UNGUELTIG, "bescheid.xlsx", "A6", Severity.FEHLER) in got


def test_contract_sheet_adds_edges_and_reads_the_deadline(tmp_path: Path) -> None:
    _base(tmp_path)
    write_sheet(tmp_path / "vertrag.xlsx", VERTRAG, [
        ["Stadt Bergkamen", "Stadt Kamen", "2. Änderung", d("10.01.2023"), d("01.01.2023"), 57000, "31.03.",
         "quartalsweise"],
        ["Stadt Lünen", "Stadt Kamen", "Ursprungsvertrag", None, "01.01.2023", "57.000,00 €", d("30.04.2024"), None],
    ], title="Weiterleitungsverträge")
    write_sheet(tmp_path / "zahlungen.xlsx", ZAHLUNGEN, [
        [d("01.03.2023"), "Stadt Lünen", "Stadt Kamen", 100, "Abschlag", 2023, "V-1"],
        [d("01.03.2023"), "Stadt Lünen", "Stadt Bergkamen", 100, "Abschlag", 2023, "V-2"],
    ])
    case = read_case([tmp_path])
    v = case.frames[Kind.VERTRAG]
    assert v["frist_tag"].tolist() == [31, 30] and v["frist_monat"].tolist() == [3, 4]
    assert v["pauschale_cent"].tolist() == [5700000, 5700000]
    assert v["gueltig_ab"].tolist() == [pd.Timestamp("2023-01-01")] * 2
    info = next(s for s in case.sheets if s.kind is Kind.VERTRAG)
    assert info.columns["frist_tag"] == info.columns["frist_monat"] == "G"
    got = [(f.code, f.source.zelle) for f in validate_case(case) if f.source]
    assert got == [(Code.ZAHLUNG_OHNE_VERTRAG, "B6")]


def test_claims_and_duplicate_payments_across_files(tmp_path: Path) -> None:
    _base(tmp_path)
    row = [d("01.03.2023"), "Kreis Unna", "Stadt Lünen", 14250, "Abschlag", 2023, "K-1"]
    write_sheet(tmp_path / "a.xlsx", ZAHLUNGEN, [row])
    write_sheet(tmp_path / "b.xlsx", ZAHLUNGEN, [row], title="Zahlungen (Kopie)")  # not byte-identical
    write_sheet(tmp_path / "rf.xlsx", ["Forderung-ID", "Gläubiger", "Schuldner", "Betrag", "Zinsbeginn",
                                       "Zahlungseingang"], [
        ["RF-1", "Stadt Bergkamen", "Stadt Kamen", "9.500,00", d("01.01.2024"), d("01.12.2023")],
    ], title="Rückforderungen")
    case = read_case([tmp_path])
    found = validate_case(case)
    assert [(f.code, f.source.datei, f.source.zelle) for f in found if f.source] == [
        (Code.ENDE_VOR_BEGINN, "rf.xlsx", "F5"),
        (Code.ZAHLUNG_DOPPELT, "b.xlsx", "D5"),
    ]
    assert found[1].meldung.startswith("Die Zahlung ist doppelt erfasst (gleich mit Zeile 5 in a.xlsx › Tabelle1)")


def test_validate_on_nothing_readable(tmp_path: Path) -> None:
    (tmp_path / "x.xlsx").write_bytes(b"nope")
    case = read_case([tmp_path])
    assert validate_case(case) == ()


def test_recipient_twice_in_one_year(tmp_path: Path) -> None:
    write_sheet(tmp_path / "zuweisung.xlsx", ZUWEISUNG, [
        [2023, "Stadt Kamen", None, 1, 57000, None],
        [2023, "Kamen", None, 0.5, 28500, None],
        [2024, "Stadt Kamen", None, 1, 57000, None],
    ])
    case = read_case([tmp_path / "zuweisung.xlsx"])
    found = validate_case(case)
    assert [(f.code, f.source.zelle if f.source else None) for f in found] == [(Code.EMPFAENGER_DOPPELT, "B6")]
    # the other row is named with its file and sheet (it may be in another workbook)
    assert found[0].meldung == ("„Kamen“ steht für 2023 schon in Zeile 5 (zuweisung.xlsx › Tabelle1). "
                                "Bitte die Zeilen zusammenfassen.")


def test_yes_no_and_interruptions_validate_clean(tmp_path: Path) -> None:
    _base(tmp_path)
    write_sheet(tmp_path / "besetzung.xlsx", ["Kommune", "Personal-ID", "Beginn", "Wochenstunden", "Unterbrechung von",
                                              "Unterbrechung bis", "Grund", "Entgeltanspruch"], [
        ["Stadt Kamen", "P1", d("01.01.2023"), 39, d("01.03.2023"), d("30.06.2023"), "elternzeit", "nein"],
        ["Stadt Kamen", "P2", d("01.01.2023"), 39, d("01.03.2023"), d("14.03.2023"), "Krankengeld", "ja"],
    ], title="Besetzung")
    assert _found(tmp_path) == []
    f = read_case([tmp_path]).frames[Kind.BESETZUNG]
    assert f["entgeltanspruch"].tolist() == [False, True]
    assert f["unterbrechung_grund"].tolist() == ["Elternzeit", "Krankengeld"]


SAMPLE = {"text": "Stadt Kamen", "ags": "05978016", "date": "01.03.2023", "int": 2023, "cent": "57.000,00 €",
          "e4": "1,0", "h100": "39,0", "bool": "ja", "tagmonat": "31.03."}


def test_every_column_of_every_kind_filled_validates_clean(tmp_path: Path) -> None:
    from kimrecon.read.spec import kind_spec

    for kind in Kind:
        spec = kind_spec(kind)
        header = [c.header for c in spec.columns.values()]
        row = [c.choices[0] if c.choices and c.type == "text" else SAMPLE[c.type] for c in spec.columns.values()]
        path = write_sheet(tmp_path / f"{kind.value}.xlsx", header, [row], title=spec.label)
        case = read_case([path])
        assert case.findings == (), kind
        assert validate_case(case) == (), kind
        assert len(case.frames[kind]) == 1


def test_betrag_half_year_subtree_and_contract_rate(tmp_path: Path) -> None:
    write_sheet(tmp_path / "bescheid.xlsx", BESCHEID, [
        ["ZB-2020", d("01.07.2020"), "Bezirksregierung Arnsberg", "Kreis Unna", "Erstbescheid", d("01.07.2020"),
         d("31.12.2020"), 4, 55000, 110000],
    ], title="Bescheid")
    write_sheet(tmp_path / "zuweisung.xlsx", ZUWEISUNG, [
        [2020, "Stadt Bergkamen", None, 1, 68750, None],  # subtree 2,5 VzÄ × 55.000 × 6/12
        [2020, "Stadt Kamen", "Stadt Bergkamen", 1, 27500, None],  # own, half a year
        [2020, "Gemeinde Bönen", "Stadt Bergkamen", 0.5, 14250, None],  # contract rate 57.000 × 6/12
        [2020, "Stadt Lünen", None, 1, 55000, None],  # a whole year's amount: wrong for 2020
    ])
    write_sheet(tmp_path / "vertrag.xlsx", VERTRAG, [
        ["Stadt Bergkamen", "Gemeinde Bönen", "Ursprungsvertrag", None, d("01.07.2020"), 57000, "31.03.", None],
    ], title="Verträge")
    got = [(f.code, f.source.zelle, f.meldung) for f in validate_case(read_case([tmp_path])) if f.source]
    assert got == [(Code.BETRAG_ABWEICHUNG, "E8",
                    "Der Betrag 55.000,00 € passt nicht zu 1 VzÄ × 55.000,00 € = 27.500,00 €. "
                    "Bitte Betrag oder VzÄ prüfen.")]


def test_two_kreise_in_one_case_are_summed_apart(tmp_path: Path) -> None:
    write_sheet(tmp_path / "bescheid.xlsx", BESCHEID, [
        ["B1", d("15.02.2023"), "Bezirksregierung Arnsberg", "Kreis Unna", "Erstbescheid", d("01.01.2023"),
         d("31.12.2023"), 2, 57000, 114000],
        ["B2", d("15.02.2023"), "Bezirksregierung Münster", "Kreis Coesfeld", "Erstbescheid", d("01.01.2023"),
         d("31.12.2023"), 1, 57000, 57000],
    ], title="Bescheide")
    write_sheet(tmp_path / "zuweisung_unna.xlsx", ZUWEISUNG, [
        [2023, "Kreis Unna", None, 1, 57000, None], [2023, "Stadt Kamen", None, 1, 57000, None]])
    write_sheet(tmp_path / "zuweisung_coesfeld.xlsx", ZUWEISUNG, [
        [2023, "Stadt Dülmen", "Kreis Coesfeld", 1, 57000, None],
        [2023, "Nottuln", "Kreis Coesfeld", 0.5, 28500, None]])
    got = [(f.code, f.source.datei, f.source.zelle) for f in validate_case(read_case([tmp_path])) if f.source]
    assert got == [(Code.ZUTEILUNG_UEBER_BESCHEID, "zuweisung_coesfeld.xlsx", "D6")]
