"""Acceptance case folders written the way Kreise and towns make their sheets (openpyxl and CSV exports).

Each ``case_*`` function writes one independent case folder under ``root`` and returns its path.
The expected figures are computed by hand in ``tests/test_acceptance_cases.py``; nothing here
knows kimrecon's internals, only the input formats of the spec (§5) and ``docs/eingabe.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

D = dt.date
BOLD = Font(bold=True)
FILL = PatternFill("solid", fgColor="FFF2CC")
EUR = '#,##0.00 "€"'
DATE = "DD.MM.YYYY"


@dataclass
class Sheet:
    """One hand-made sheet: title block, a one- or two-row header, data, optional total and footnotes."""

    name: str
    header: Sequence[Any]
    rows: Sequence[Sequence[Any]]
    title: Sequence[str] = ()
    header2: Sequence[Any] | None = None  # second header row (two-line headers)
    merges: Sequence[str] = ()  # A1 ranges to merge; "{h}" is the (first) header row, "{h2}" the second
    total: Sequence[Any] | None = None  # "Summe" row written right below the data
    footnotes: Sequence[str] = ()
    blank_between: Sequence[int] = ()  # data indices after which an empty row is inserted
    formats: dict[int, str] = field(default_factory=dict)  # 1-based column → number format
    merge_title: int = 0  # merge each title line across this many columns


def write_xlsx(path: Path, sheets: Sequence[Sheet]) -> Path:
    """Write ``sheets`` into one workbook; returns the path."""
    wb = Workbook()
    first = True
    for sh in sheets:
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        first = False
        ws.title = sh.name
        r = 1
        for line in sh.title:
            ws.cell(r, 1, line).font = Font(bold=r == 1, size=14 if r == 1 else 11)
            if sh.merge_title:
                ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=sh.merge_title)
            r += 1
        if sh.title:
            r += 1  # one empty row under the title block
        head = r
        for c, name in enumerate(sh.header, start=1):
            cell = ws.cell(r, c, name)
            cell.font = BOLD
            cell.fill = FILL
            cell.alignment = Alignment(wrap_text=True)
        if sh.header2 is not None:
            r += 1
            for c, name in enumerate(sh.header2, start=1):
                if name is not None:
                    ws.cell(r, c, name).font = BOLD
        for rng in sh.merges:
            ws.merge_cells(rng.format(h=head, h2=head + 1))
        r += 1
        for i, row in enumerate(sh.rows):
            for c, value in enumerate(row, start=1):
                cell = ws.cell(r, c, value)
                if c in sh.formats and value is not None:
                    cell.number_format = sh.formats[c]
            r += 1
            if i in sh.blank_between:
                r += 1
        if sh.total is not None:
            for c, value in enumerate(sh.total, start=1):
                cell = ws.cell(r, c, value)
                cell.font = BOLD
                if c in sh.formats and value is not None and not isinstance(value, str):
                    cell.number_format = sh.formats[c]
            r += 1
        if sh.footnotes:
            r += 1
            for note in sh.footnotes:
                ws.cell(r, 1, note).font = Font(italic=True, size=9)
                r += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]], *, encoding: str = "utf-8-sig",
              preamble: Sequence[str] = ()) -> Path:
    """A ``;``-separated export as finance systems write it (German decimals; BOM with utf-8-sig)."""
    lines = [*preamble, ";".join(header), *(";".join(r) for r in rows)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def bescheid_sheet(bid: str, datum: dt.date, behoerde: str, kreis: str, year: int, vzae: float, rate: int,
                   frist: dt.date | None = None, title: str = "Zuwendungsbescheid KIM Baustein II") -> Sheet:
    """The Bewilligungsbehörde's Bescheid as a one-row register kept by the Kreis."""
    return Sheet(
        "Bescheid",
        ["Bescheid-Nr.", "Bescheid vom", "Az.", "Bezirksregierung", "Zuwendungsempfänger", "Art",
         "Bewilligungszeitraum von", "Bewilligungszeitraum bis", "VzÄ", "Pauschale je VzÄ", "Zuwendung",
         "Frist VN"],
        [[bid, datum, f"31.2-KIM-{year}", behoerde, kreis, "Erstbescheid", D(year, 1, 1), D(year, 12, 31), vzae,
          rate, round(vzae * rate, 2), frist]],
        title=[title, f"{kreis} – Förderjahr {year}"],
        formats={2: DATE, 7: DATE, 8: DATE, 10: EUR, 11: EUR, 12: DATE},
    )


def quarterly(giver: str, recipient: str, year: int, amount_cent: int, dates: Sequence[dt.date],
              prefix: str) -> list[list[Any]]:
    """Four Abschläge of 25 % (R10) as payment rows: Datum, Zahler, Empfänger, Betrag, Art, Jahr, Kassenzeichen."""
    q = amount_cent // 4
    parts = [q, q, q, amount_cent - 3 * q]
    return [[d, giver, recipient, p / 100, "Abschlag", year, f"{prefix}-{i}", f"KIM {year} Abschlag Q{i}"]
            for i, (d, p) in enumerate(zip(dates, parts, strict=True), start=1)]


PAY_HEADER = ["Wertstellung", "Zahler", "Empfänger", "Betrag", "Zahlungsart", "Bezugsjahr", "Kassenzeichen",
              "Verwendungszweck"]
PAY_FORMATS = {1: DATE, 4: EUR}
QDATES_2023 = [D(2023, 1, 16), D(2023, 4, 14), D(2023, 7, 14), D(2023, 10, 16)]
QDATES_2022 = [D(2022, 1, 17), D(2022, 4, 19), D(2022, 7, 15), D(2022, 10, 14)]


def staffing_sheet(town: str, rows: Sequence[Sequence[Any]], *, share: bool = False, year: int = 2023) -> Sheet:
    """A town's Besetzung: Kommune, Stelle, Personal-ID, Beginn, Ende, hours (or share), interruption."""
    size = "Stellenanteil" if share else "Wochenstunden"
    return Sheet(
        "Besetzung",
        ["Kommune", "Stelle", "Personal-ID", "Beginn", "Ende", size, "Unterbrechung von", "Unterbrechung bis",
         "Grund", "Entgeltanspruch"],
        [[town, *r] for r in rows],
        title=[f"{town} – Stellenbesetzung KIM Case Management {year}", f"Stand: 31.12.{year}"],
        formats={4: DATE, 5: DATE, 7: DATE, 8: DATE},
    )


# ---------------------------------------------------------------------------------------------------
# Case 1: Kreis Coesfeld 2023 – hub Stadt Coesfeld splits by Einwohner with a Verzicht, 0,5 steps;
#         Nottuln staffs 30 of 39 h all year.
# ---------------------------------------------------------------------------------------------------

COE_KREIS = "Kreis Coesfeld"
COE_LAND = "Bezirksregierung Münster"
COE_HUB = "Stadt Coesfeld"


def case_coesfeld(root: Path) -> Path:
    case = root / "kreis-coesfeld-2023"
    write_xlsx(case / "Bescheid KIM 2023.xlsx",
               [bescheid_sheet("48-KIM-2023-07", D(2023, 2, 20), COE_LAND, COE_KREIS, 2023, 10, 57_000,
                               D(2024, 6, 30))])
    # Zuweisung without a Betrag column; the hub's members are listed "über" Coesfeld, Billerbeck with 0 (Verzicht)
    zuw = [
        [2023, COE_KREIS, None, 2.0, "eigene Stellen"],
        [2023, "Stadt Dülmen", None, 3.0, None],
        [2023, "Stadt Lüdinghausen", None, 2.0, None],
        [2023, COE_HUB, None, 1.5, "Verteiler Teilregion West"],
        [2023, "Gemeinde Havixbeck", COE_HUB, 0.5, None],
        [2023, "Gemeinde Nottuln", COE_HUB, 1.0, None],
        [2023, "Stadt Billerbeck", COE_HUB, 0, "Verzicht 0,5 VzÄ"],
    ]
    write_xlsx(case / "Zuweisung_2023.xlsx", [Sheet(
        "Zuweisung", ["Jahr", "Kommune", "weitergeleitet über", "Stellenanteil", "Bemerkung"], zuw,
        title=["Kreis Coesfeld – Zuweisung der KIM-Stellen 2023"],
        total=[None, "Summe", None, 10.0, None])])
    # the hub's key: Einwohner, computed VzÄ left empty (kimrecon computes them)
    key = [
        [2023, COE_HUB, "Stadt Coesfeld", "Einwohner", 36_000, None, None],
        [2023, COE_HUB, "Gemeinde Havixbeck", "Einwohner", 12_000, None, None],
        [2023, COE_HUB, "Gemeinde Nottuln", "Einwohner", 19_500, None, None],
        [2023, COE_HUB, "Stadt Billerbeck", "Einwohner", 11_500, 0.5, None],
    ]
    write_xlsx(case / "Coesfeld" / "Verteilungsschluessel_West_2023.xlsx", [Sheet(
        "Schlüssel", ["Jahr", "Verteiler", "Kommune", "Schlüsselgröße", "Schlüsselwert", "Verzicht VzÄ",
                      "VzÄ zugeteilt"], key,
        title=["Teilregion West – Verteilungsschlüssel nach Einwohnern (Stand 31.12.2022)"])])
    staff = {
        COE_KREIS: [["KC-1", "KC-01", D(2022, 1, 1), None, 39], ["KC-2", "KC-02", D(2021, 7, 1), None, 39]],
        "Stadt Dülmen": [[f"DÜ-{i}", f"DÜ-0{i}", D(2022, 1, 1), None, 39] for i in (1, 2, 3)],
        "Stadt Lüdinghausen": [["LH-1", "LH-01", D(2022, 1, 1), None, 39], ["LH-2", "LH-02", D(2022, 1, 1), None, 39]],
        COE_HUB: [["CO-1", "CO-01", D(2021, 7, 1), None, 39], ["CO-2", "CO-02", D(2022, 3, 1), None, 19.5]],
        # 39 h on a 0,5 allotment: capped at 0,5 (R4b)
        "Gemeinde Havixbeck": [["HX-1", "HX-01", D(2022, 1, 1), None, 39]],
        # 30 of 39 h all year on a 1,0 allotment
        "Gemeinde Nottuln": [["NO-1", "NO-07", D(2022, 9, 1), None, 30]],
    }
    for town, rows in staff.items():
        write_xlsx(case / "Besetzung" / f"Besetzung {town} 2023.xlsx",
                   [staffing_sheet(town, [[*r, None, None, None, None] for r in rows])])
    pay = []
    pay += quarterly(COE_LAND, COE_KREIS, 2023, 57_000_000, [D(2023, 1, 10), D(2023, 4, 3), D(2023, 7, 3),
                                                             D(2023, 10, 2)], "BR")
    for town, vzae in (("Stadt Dülmen", 3.0), ("Stadt Lüdinghausen", 2.0), (COE_HUB, 3.0)):
        pay += quarterly(COE_KREIS, town, 2023, int(vzae * 5_700_000), QDATES_2023, f"KC-{town[-4:]}")
    write_xlsx(case / "Zahlungen_Kreis_2023.xlsx", [Sheet("Auszahlungen", PAY_HEADER, pay,
                                                          title=["Kreis Coesfeld – Auszahlungen KIM 2023"],
                                                          formats=PAY_FORMATS)])
    hub_pay = []
    for town, vzae in (("Gemeinde Havixbeck", 0.5), ("Gemeinde Nottuln", 1.0)):
        hub_pay += quarterly(COE_HUB, town, 2023, int(vzae * 5_700_000),
                             [D(2023, 1, 20), D(2023, 4, 20), D(2023, 7, 20), D(2023, 10, 20)], f"CO-{town[-4:]}")
    write_xlsx(case / "Coesfeld" / "Weiterleitung_Coesfeld_2023.xlsx",
               [Sheet("Weiterleitung", PAY_HEADER, hub_pay, title=["Stadt Coesfeld – Weiterleitung KIM 2023"],
                      formats=PAY_FORMATS)])
    return case


# ---------------------------------------------------------------------------------------------------
# Case 2: Kreis Steinfurt 2022 at 55.000 € – Stellenanteil instead of hours, Elternzeit without pay,
#         two people on one post above the cap, a mid-month start in the monatsprinzip.
# ---------------------------------------------------------------------------------------------------

ST_KREIS = "Kreis Steinfurt"
ST_LAND = "Bezirksregierung Münster"


def case_steinfurt(root: Path) -> Path:
    case = root / "kreis-steinfurt-2022"
    write_xlsx(case / "01_Bescheid.xlsx",
               [bescheid_sheet("KIM-2022-ST", D(2022, 3, 2), ST_LAND, ST_KREIS, 2022, 6, 55_000)])
    zuw = [[2022, ST_KREIS, 1.0, 55_000], [2022, "Stadt Rheine", 2.0, 110_000],
           [2022, "Stadt Greven", 1.5, 82_500], [2022, "Stadt Emsdetten", 1.5, 82_500]]
    write_xlsx(case / "02_Zuweisung.xlsx", [Sheet(
        "Zuweisung 2022", ["Förderjahr", "Stadt", "VzÄ", "Jahresbetrag"], zuw,
        title=["Kreis Steinfurt", "Zuweisung KIM Baustein II – Förderjahr 2022"],
        formats={4: EUR}, total=["Gesamt", None, 6.0, 330_000])])
    # one staffing workbook for all, one sheet per town, Stellenanteil as the towns' HR systems export it
    sheets = [
        staffing_sheet(ST_KREIS, [["ST-1", "ST-P1", D(2020, 7, 1), None, 1.0, None, None, None, None]],
                       share=True, year=2022),
        staffing_sheet("Stadt Rheine", [
            ["RH-1", "RH-P1", D(2021, 1, 1), None, "100 %", None, None, None, None],
            # Elternzeit 01.04.–30.06.2022 without pay: three full months unstaffed for this person
            ["RH-2", "RH-P2", D(2021, 1, 1), None, "100 %", D(2022, 4, 1), D(2022, 6, 30), "Elternzeit", "nein"],
        ], share=True, year=2022),
        staffing_sheet("Stadt Greven", [
            # two people on one post, 1,0 + 0,75 = 1,75 VzÄ against 1,5 allotted
            ["GR-1", "GR-P1", D(2021, 1, 1), None, 1.0, None, None, None, None],
            ["GR-1", "GR-P2", D(2021, 5, 1), None, 0.75, None, None, None, None],
        ], share=True, year=2022),
        staffing_sheet("Stadt Emsdetten", [
            ["EM-1", "EM-P1", D(2021, 1, 1), None, 0.5, None, None, None, None],
            ["EM-2", "EM-P2", D(2022, 7, 16), None, 1.0, None, None, None, None],
        ], share=True, year=2022),
    ]
    for sh, town in zip(sheets, [ST_KREIS, "Rheine", "Greven", "Emsdetten"], strict=True):
        sh.name = town.replace("Kreis ", "")
    write_xlsx(case / "03_Besetzung_alle_Kommunen_2022.xlsx", sheets)
    pay = quarterly(ST_LAND, ST_KREIS, 2022, 33_000_000, QDATES_2022, "BR-ST")
    for town, vzae in (("Stadt Rheine", 2.0), ("Stadt Greven", 1.5), ("Stadt Emsdetten", 1.5)):
        pay += quarterly(ST_KREIS, town, 2022, int(vzae * 5_500_000),
                         [D(2022, 1, 28), D(2022, 4, 28), D(2022, 7, 28), D(2022, 10, 28)], f"ST-{town[-4:]}")
    write_xlsx(case / "04_Zahlungen.xlsx", [Sheet("Zahlungen", PAY_HEADER, pay, formats=PAY_FORMATS,
                                                  title=["Kreis Steinfurt – Zahlungen KIM 2022"])])
    return case


# ---------------------------------------------------------------------------------------------------
# Case 3: Kreis Soest 2023 in the tagesprinzip (kimrecon.toml): a start on 15.03. and an Elternzeit.
# ---------------------------------------------------------------------------------------------------

SO_KREIS = "Kreis Soest"
SO_LAND = "Bezirksregierung Arnsberg"


def case_soest(root: Path) -> Path:
    case = root / "kreis-soest-2023"
    case.mkdir(parents=True, exist_ok=True)
    (case / "kimrecon.toml").write_text('[abrechnung]\nmodus = "tagesprinzip"\n', encoding="utf-8")
    write_xlsx(case / "Bescheid.xlsx", [bescheid_sheet("SO-2023-1", D(2023, 2, 1), SO_LAND, SO_KREIS, 2023, 3,
                                                       57_000)])
    write_xlsx(case / "Zuweisung.xlsx", [Sheet(
        "Zuweisung", ["Jahr", "Empfänger", "über", "VzÄ", "Betrag"],
        [[2023, SO_KREIS, None, 1.0, 57_000], [2023, "Stadt Lippstadt", None, 1.0, 57_000],
         [2023, "Stadt Warstein", None, 1.0, 57_000]],
        title=["Kreis Soest – Zuweisung 2023"], formats={5: EUR})])
    write_xlsx(case / "Besetzung_Kreis.xlsx", [staffing_sheet(SO_KREIS, [
        ["SO-1", "SO-P1", D(2022, 1, 1), None, 39, None, None, None, None]])])
    write_xlsx(case / "Besetzung_Lippstadt.xlsx", [staffing_sheet("Stadt Lippstadt", [
        ["LI-1", "LI-P1", D(2023, 3, 15), None, 39, None, None, None, None]])])
    write_xlsx(case / "Besetzung_Warstein.xlsx", [staffing_sheet("Stadt Warstein", [
        ["WA-1", "WA-P1", D(2021, 1, 1), None, 39, D(2023, 5, 10), D(2023, 8, 19), "Elternzeit", "nein"]])])
    pay = quarterly(SO_LAND, SO_KREIS, 2023, 17_100_000, [D(2023, 1, 2), D(2023, 4, 3), D(2023, 7, 3),
                                                          D(2023, 10, 2)], "BR-SO")
    for town in ("Stadt Lippstadt", "Stadt Warstein"):
        pay += quarterly(SO_KREIS, town, 2023, 5_700_000, [D(2023, 1, 2), D(2023, 4, 3), D(2023, 7, 3),
                                                           D(2023, 10, 2)], f"SO-{town[-4:]}")
    write_xlsx(case / "Zahlungen.xlsx", [Sheet("Zahlungen", PAY_HEADER, pay, formats=PAY_FORMATS)])
    return case


# ---------------------------------------------------------------------------------------------------
# Case 4: Kreis Borken 2023 – Bescheid register as .xls, Zuweisung as a ;-CSV with BOM and German
#         decimals, payments exported from the finance system as Windows-1252 CSV, a Rückzahlung upward.
# ---------------------------------------------------------------------------------------------------

BO_KREIS = "Kreis Borken"
BO_LAND = "Bezirksregierung Münster"


def write_xls_bescheid(path: Path, row: Sequence[Any]) -> Path:
    """The Kreis's Bescheid register still kept as an old Excel 97–2003 ``.xls``."""
    import xlwt  # type: ignore[import-untyped]

    wb = xlwt.Workbook()
    ws = wb.add_sheet("Bescheid")
    date_style = xlwt.easyxf(num_format_str="DD.MM.YYYY")
    eur_style = xlwt.easyxf(num_format_str='#,##0.00 "€"')
    ws.write(0, 0, "Zuwendungsbescheide KIM – Register")
    header = ["Bescheid-Nr.", "Bescheid vom", "Bezirksregierung", "Zuwendungsempfänger", "Zeitraum von",
              "Zeitraum bis", "VzÄ", "Pauschale je VzÄ", "Zuwendung"]
    for i, h in enumerate(header):
        ws.write(2, i, h)
    for i, v in enumerate(row):
        style = date_style if isinstance(v, dt.datetime) else eur_style if i >= 7 else xlwt.Style.default_style
        ws.write(3, i, v, style)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(path))
    return path


def case_borken(root: Path) -> Path:
    case = root / "kreis-borken-2023"
    write_xls_bescheid(case / "Bescheid_2023.xls", ["BO-KIM-23", dt.datetime(2023, 2, 14), BO_LAND, BO_KREIS,
                                                    dt.datetime(2023, 1, 1), dt.datetime(2023, 12, 31), 4, 57_000,
                                                    228_000])
    write_csv(case / "zuweisung_2023.csv", ["Jahr", "Kommune", "VzÄ", "Weiterleitungsbetrag"], [
        ["2023", "Kreis Borken", "1,0", "57.000,00"],
        ["2023", "Stadt Bocholt", "2,0", "114.000,00"],
        ["2023", "Stadt Ahaus", "1,0", "57.000,00"],
    ])
    write_xlsx(case / "Besetzung_Kreis_Borken.xlsx", [staffing_sheet(BO_KREIS, [
        ["BO-1", "BO-P1", D(2022, 1, 1), None, 39, None, None, None, None]])])
    write_xlsx(case / "Besetzung_Bocholt.xlsx", [staffing_sheet("Stadt Bocholt", [
        ["BH-1", "BH-P1", D(2022, 1, 1), None, 39, None, None, None, None],
        ["BH-2", "BH-P2", D(2023, 4, 1), None, 39, None, None, None, None]])])
    write_xlsx(case / "Besetzung_Ahaus.xlsx", [staffing_sheet("Stadt Ahaus", [
        ["AH-1", "AH-P1", D(2022, 1, 1), None, 39, None, None, None, None]])])
    rows: list[list[str]] = []
    n = 0
    for i, day in enumerate(("16.01.2023", "14.04.2023", "14.07.2023", "16.10.2023"), start=1):
        rows.append([day, "Bezirksregierung Münster", "Kreis Borken", "57.000,00", "Abschlag", "2023",
                     f"0815.{i}", f"KIM 2023 Abschlag {i}. Quartal"])
    for i, day in enumerate(("20.01.2023", "20.04.2023", "20.07.2023", "20.10.2023"), start=1):
        for town, amount in (("Stadt Bocholt", "28.500,00"), ("Stadt Ahaus", "14.250,00")):
            n += 1
            rows.append([day, "Kreis Borken", town, amount, "Abschlag", "2023", f"4711.{n:03d}",
                         f"Weiterleitung KIM Abschlag {i}/2023 Zuständigkeitsbereich"])
    rows.append(["15.11.2023", "Stadt Bocholt", "Kreis Borken", "14.250,00", "Rückzahlung", "2023", "4711.900",
                 "Rückzahlung KIM 2023 (Stelle BH-2 erst ab 01.04. besetzt)"])
    write_csv(case / "Export_Finanzverfahren_Zahlungen.csv",
              ["Buchungsdatum", "Auszahlende Stelle", "Zahlungsempfänger", "Betrag EUR", "Buchungsart",
               "Haushaltsjahr", "Belegnummer", "Buchungstext"], rows, encoding="cp1252")
    return case


# ---------------------------------------------------------------------------------------------------
# Case 5: Kreis Lippe 2023 – Rückforderungen with Erstattungszinsen across Basiszins and surcharge changes.
# ---------------------------------------------------------------------------------------------------

LI_KREIS = "Kreis Lippe"
LI_LAND = "Bezirksregierung Detmold"


def case_lippe(root: Path) -> Path:
    case = root / "kreis-lippe-2023"
    write_xlsx(case / "Bescheid.xlsx", [bescheid_sheet("DT-KIM-2023", D(2023, 2, 10), LI_LAND, LI_KREIS, 2023, 3,
                                                       57_000)])
    write_xlsx(case / "Zuweisung.xlsx", [Sheet(
        "Zuweisung", ["Jahr", "Empfänger", "VzÄ"],
        [[2023, LI_KREIS, 1.0], [2023, "Stadt Detmold", 1.0], [2023, "Stadt Lemgo", 1.0]],
        title=["Kreis Lippe – Zuweisung 2023"])])
    write_xlsx(case / "Besetzung.xlsx", [
        staffing_sheet(LI_KREIS, [["LI-1", "LI-P1", D(2022, 1, 1), None, 39, None, None, None, None]]),
        staffing_sheet("Stadt Detmold", [["DT-1", "DT-P1", D(2022, 1, 1), None, 39, None, None, None, None]]),
        staffing_sheet("Stadt Lemgo", [["LE-1", "LE-P1", D(2022, 1, 1), None, 39, None, None, None, None]]),
    ])
    pay = quarterly(LI_LAND, LI_KREIS, 2023, 17_100_000, QDATES_2023, "BR-DT")
    for town in ("Stadt Detmold", "Stadt Lemgo"):
        pay += quarterly(LI_KREIS, town, 2023, 5_700_000, [D(2023, 1, 25), D(2023, 4, 25), D(2023, 7, 25),
                                                           D(2023, 10, 25)], f"LI-{town[-4:]}")
    # interest on an earlier claim paid by Detmold: a Zinszahlung never counts as principal
    pay.append([D(2023, 2, 6), "Stadt Detmold", LI_KREIS, 148.46, "Zinszahlung", 2023, "LI-Z-1",
                "Zinsen Rückforderung RF-2022-03"])
    write_xlsx(case / "Zahlungen.xlsx", [Sheet("Zahlungen", PAY_HEADER, pay, formats=PAY_FORMATS)])
    claims = [
        # across 31.12.2022: Basiszins −0,88 % + 5 points, then 1,62 % + 3 points
        ["RF-2022-03", LI_KREIS, "Stadt Detmold", 2022, 20_000, D(2022, 11, 30), D(2023, 1, 31), "Erstattungszins"],
        # across 01.07.2023: 1,62 % + 3, then 3,12 % + 3
        ["RF-2023-01", LI_KREIS, "Stadt Lemgo", 2023, 9_500, D(2023, 3, 31), D(2023, 9, 15), "Erstattungszins"],
        # still open: runs to the Stichtag 31.12.2023
        ["RF-2023-02", LI_LAND, LI_KREIS, 2023, 5_000, D(2023, 6, 30), None, "Erstattungszins"],
    ]
    write_xlsx(case / "Rueckforderungen.xlsx", [Sheet(
        "Rückforderungen", ["Forderung-ID", "Gläubiger", "Schuldner", "Bezugsjahr", "Rückforderungsbetrag",
                            "Verzinsung ab", "Zahlungseingang", "Zinsart"], claims,
        title=["Kreis Lippe – Rückforderungen und Erstattungszinsen"], formats={5: EUR, 6: DATE, 7: DATE})])
    return case


def case_lippe_spitz(root: Path) -> Path:
    """Case 5b: the Lippe case with ``spitzabrechnung``; Detmold's 2023 sheet gives the year's Personalkosten
    of a person employed since 2021 (open-ended row), Lemgo's a leaver with costs up to the Ende."""
    case = case_lippe(root / "spitz")
    (case / "kimrecon.toml").write_text("[abrechnung]\nspitzabrechnung = true\n", encoding="utf-8")
    sheets = [
        staffing_sheet(LI_KREIS, [["LI-1", "LI-P1", D(2022, 1, 1), None, 39, None, None, None, None, "61.000,00"]]),
        staffing_sheet("Stadt Detmold", [["DT-1", "DT-P1", D(2021, 1, 1), None, 39, None, None, None, None,
                                          "52.345,67 €"]]),
        staffing_sheet("Stadt Lemgo", [["LE-1", "LE-P1", D(2022, 1, 1), D(2023, 8, 31), 39, None, None, None, None,
                                        "30.000,00"]]),
    ]
    for sh in sheets:
        sh.header = [*sh.header, "Personalkosten (€)"]
    write_xlsx(case / "Besetzung.xlsx", sheets)
    return case


def case_lippe_pauses(root: Path) -> Path:
    """Case 5c: the Lippe case with a Beamter on 41 h, Mutterschutz with pay and one person with two
    interruptions written as two rows of one employment (the sheet has one set of interruption columns)."""
    case = case_lippe(root / "pausen")
    (case / "Rueckforderungen.xlsx").unlink()
    kreis = staffing_sheet(LI_KREIS, [["LI-1", "LI-P1", D(2022, 1, 1), None, 39, None, None, None, None, 41]])
    kreis.header = [*kreis.header, "Regelarbeitszeit"]
    write_xlsx(case / "Besetzung.xlsx", [
        kreis,
        staffing_sheet("Stadt Detmold", [["DT-1", "DT-P1", D(2022, 1, 1), None, 39, D(2023, 3, 1), D(2023, 6, 30),
                                          "Mutterschutz", "ja"]]),
        staffing_sheet("Stadt Lemgo", [
            ["LE-1", "LE-P1", D(2022, 1, 1), None, 39, D(2023, 3, 1), D(2023, 6, 30), "Krankengeld", None],
            ["LE-1", "LE-P1", D(2022, 1, 1), None, 39, D(2023, 9, 15), None, "Sonderurlaub ohne Bezüge", "nein"]]),
    ])
    return case


# ---------------------------------------------------------------------------------------------------
# Case 6: Kreis Wesel 2023 – a messy hand-made layout (merged title, two-line merged header, Summe row,
#         footnotes, blank rows, amounts and dates as text, a Bemerkung column).
# ---------------------------------------------------------------------------------------------------

WE_KREIS = "Kreis Wesel"
WE_LAND = "Bezirksregierung Düsseldorf"


def case_wesel(root: Path) -> Path:
    case = root / "kreis-wesel-2023"
    write_xlsx(case / "Bescheid.xlsx", [Sheet(
        "Tabelle1",
        ["Bescheid-ID", "Datum des Bescheids", "Behörde", "Kreis", "Zeitraum von", "Zeitraum bis", "Anzahl VzÄ",
         "Pauschale pro VzÄ", "Bewilligungssumme"],
        [["DÜ-KIM-23/4", "03.03.2023", WE_LAND, WE_KREIS, "01.01.2023", "31.12.2023", "4,0", "57.000,00 €",
          "228.000,00 €"]],
        title=["Bezirksregierung Düsseldorf", "Zuwendungsbescheid Kommunales Integrationsmanagement"],
        merge_title=6)])
    zuw = [
        [1, "2023", "Kreis Wesel", "1,0", "57.000,00 €", "Kreisverwaltung, FD Integration"],
        [2, "2023", "Stadt Moers", "2,0", "114.000,00 €", None],
        [3, "2023", "Stadt Dinslaken", "1,0", "57.000,- €", "Stelle ab März besetzt"],
    ]
    write_xlsx(case / "Zuweisung KIM 2023 (final).xlsx", [Sheet(
        "Zuweisung",
        ["Lfd. Nr.", "Haushalts-\njahr", "Empfänger", "VzÄ", "Weiterleitungs-\nbetrag", "Bemerkung"], zuw,
        title=["KREIS WESEL – Der Landrat", "Zuweisung KIM Baustein II 2023", "Stand: 15.03.2023"],
        merge_title=6, blank_between=(1,), total=[None, None, "Summe", "4,0", "228.000,00 €", None],
        footnotes=["¹ Beträge vorläufig, vorbehaltlich Änderungsbescheid"])])
    # two-line header: "Unterbrechung" merged over von | bis | Grund; others merged vertically
    header = ["Kommune", "Personal-ID", "Name, Vorname", "Geburtsdatum", "Beginn", "Ende", "Wochen-\nstunden",
              "Unterbrechung", None, None, "Entgelt-\nanspruch", "Bemerkung"]
    header2 = [None, None, None, None, None, None, None, "von", "bis", "Grund", None, None]
    merges = [f"{c}{{h}}:{c}{{h2}}" for c in "ABCDEFGKL"] + ["H{h}:J{h}"]
    staff = [
        [WE_KREIS, "WES-0001", "Schmitz, Petra", "12.04.1979", "01.01.2022", None, "39", None, None, None, None,
         None],
        ["Stadt Moers", "MO-0001", "Özdemir, Aylin", "03.11.1988", "01.01.2022", None, "39 h", None, None, None,
         None, None],
        ["Stadt Moers", "MO-0002", "Wagner, Jonas", "21.07.1992", "01.01.2022", None, "19,5 Std.", None, None, None,
         None, "Teilzeit"],
        ["Stadt Moers", "MO-0003", "Haddad, Rami", "30.01.1990", "01.06.2023", None, "19,5", None, None, None, None,
         "zweite Hälfte ab Juni"],
        ["Stadt Dinslaken", "DI-0001", "Kowalski, Marta", "08.08.1985", "01.03.2023", "-", "39", None, None, None,
         None, "Neueinstellung"],
    ]
    write_xlsx(case / "Besetzungsmeldung_2023.xlsx", [Sheet(
        "Besetzung", header, staff, header2=header2, merges=merges,
        title=["Stellenbesetzung KIM – Meldung an den Kreis Wesel", "Stand: 31.12.2023"], merge_title=8,
        blank_between=(0, 3), footnotes=["Hinweis: Tarifstunden 39 (TVöD-VKA)"])])
    pay = [["16.01.2023", WE_LAND, WE_KREIS, "57.000,00 €", "Abschlag", "2023", "W-1"],
           ["14.04.2023", WE_LAND, WE_KREIS, "57.000,00 €", "Abschlag", "2023", "W-2"],
           ["14.07.2023", WE_LAND, WE_KREIS, "57.000,00 €", "Abschlag", "2023", "W-3"],
           ["16.10.2023", WE_LAND, WE_KREIS, "57.000,00 €", "Abschlag", "2023", "W-4"]]
    for i, day in enumerate(("01.02.2023", "02.05.2023", "01.08.2023", "02.11.2023"), start=1):
        pay.append([day, WE_KREIS, "Stadt Moers", "28.500,00 €", "Abschlag", "2023", f"M-{i}"])
        pay.append([day, WE_KREIS, "Stadt Dinslaken", "14.250,–", "Abschlag", "2023", f"D-{i}"])  # ",–": 0 ct
    write_xlsx(case / "Zahlungen 2023.xlsx", [Sheet(
        "Buchungen", ["Valuta", "Zahler", "Empfänger", "Betrag in €", "Art", "Jahr", "Kassenzeichen"], pay,
        title=["Kreis Wesel – Kasse", "Buchungen KIM 2023"], blank_between=(3,),
        total=[None, None, "Summe", "399.000,00 €", None, None, None])])
    return case


# ---------------------------------------------------------------------------------------------------
# Case 7: Hochsauerlandkreis 2023 – faulty input: a wrong Summe row, a 0,38 VzÄ allotment, an unknown
#         town in the payments. Expected: status fehler, each finding with its cell.
# ---------------------------------------------------------------------------------------------------

HS_KREIS = "Hochsauerlandkreis"
HS_LAND = "Bezirksregierung Arnsberg"


def case_hochsauerland(root: Path) -> Path:
    case = root / "hochsauerlandkreis-2023"
    write_xlsx(case / "Bescheid.xlsx", [bescheid_sheet("HSK-23", D(2023, 2, 15), HS_LAND, HS_KREIS, 2023, 3,
                                                       57_000)])
    # header in row 3 (title, blank); data rows 4–6; Summe row 7 says 3,5 but the rows add to 2,38
    write_xlsx(case / "Zuweisung.xlsx", [Sheet(
        "Zuweisung", ["Jahr", "Empfänger", "VzÄ"],
        [[2023, HS_KREIS, 1.0], [2023, "Stadt Arnsberg", 1.0], [2023, "Stadt Sundern (Sauerland)", 0.38]],
        title=["Hochsauerlandkreis – Zuweisung 2023"], total=[None, "Summe", 3.5])])
    write_xlsx(case / "Besetzung.xlsx", [staffing_sheet("Stadt Arnsberg", [
        ["AR-1", "AR-P1", D(2022, 1, 1), None, 39, None, None, None, None]])])
    # header row 1 (no title); the typo "Stadt Arnsbrg" in row 3, column C
    write_xlsx(case / "Zahlungen.xlsx", [Sheet("Zahlungen", PAY_HEADER, [
        [D(2023, 1, 16), HS_KREIS, "Stadt Arnsberg", 14_250, "Abschlag", 2023, "H-1", None],
        [D(2023, 4, 14), HS_KREIS, "Stadt Arnsbrg", 14_250, "Abschlag", 2023, "H-2", None],
    ], formats=PAY_FORMATS)])
    return case


# ---------------------------------------------------------------------------------------------------
# Case 8: Kreis Gütersloh 2024 – a three-level chain (Kreis → Gütersloh → Rheda-Wiedenbrück →
#         Herzebrock-Clarholz), a leaver and a successor, a Nachzahlung, contract deadlines.
# ---------------------------------------------------------------------------------------------------

GT_KREIS = "Kreis Gütersloh"
GT_LAND = "Bezirksregierung Detmold"
GT_HUB = "Stadt Gütersloh"
GT_HUB2 = "Stadt Rheda-Wiedenbrück"
GT_LEAF = "Gemeinde Herzebrock-Clarholz"


def case_guetersloh(root: Path) -> Path:
    case = root / "kreis-guetersloh-2024"
    write_xlsx(case / "Bescheid 2024.xlsx", [bescheid_sheet("DT-51-KIM-2024", D(2024, 1, 30), GT_LAND, GT_KREIS,
                                                            2024, 5, 57_000, D(2025, 6, 30))])
    write_xlsx(case / "Zuweisung 2024.xlsx", [Sheet(
        "Zuweisung", ["Jahr", "Empfänger", "Weiterleitender", "VzÄ", "Betrag"],
        [[2024, GT_KREIS, None, 1.0, 57_000], [2024, GT_HUB, None, 1.0, 57_000],
         [2024, GT_HUB2, GT_HUB, 1.0, 57_000], [2024, GT_LEAF, GT_HUB2, 0.5, 28_500],
         [2024, "Stadt Verl", None, 1.5, 85_500]],
        title=["Kreis Gütersloh – Zuweisung KIM 2024"], formats={5: EUR})])
    write_xlsx(case / "Weiterleitungsvertraege.xlsx", [Sheet(
        "Verträge", ["Geber", "Empfänger", "Fassung", "Vertragsdatum", "gültig ab", "Nachweisfrist", "Zahlungsplan"],
        [[GT_KREIS, GT_HUB, "Ursprungsfassung", D(2022, 1, 10), D(2022, 1, 1), None, "quartalsweise"],
         [GT_HUB, GT_HUB2, "Ursprungsfassung", D(2022, 2, 1), D(2022, 1, 1), None, "quartalsweise"],
         [GT_HUB2, GT_LEAF, "1. Änderung", D(2023, 11, 20), D(2024, 1, 1), "15.03.", "halbjährlich"]],
        title=["Weiterleitungsverträge KIM"], formats={4: DATE, 5: DATE})])
    staff = [
        staffing_sheet(GT_KREIS, [["GT-K1", "GT-K01", D(2022, 1, 1), None, 39, None, None, None, None]], year=2024),
        staffing_sheet(GT_HUB, [["GT-1", "GT-01", D(2022, 1, 1), None, 39, None, None, None, None]], year=2024),
        staffing_sheet(GT_HUB2, [["RW-1", "RW-01", D(2023, 1, 1), D(2024, 8, 15), 39, None, None, None, None],
                                 ["RW-1", "RW-02", D(2024, 10, 1), None, 39, None, None, None, None]], year=2024),
        staffing_sheet(GT_LEAF, [["HC-1", "HC-01", D(2023, 1, 1), None, 19.5, None, None, None, None]], year=2024),
        staffing_sheet("Stadt Verl", [["VE-1", "VE-01", D(2022, 1, 1), None, 39, None, None, None, None],
                                      ["VE-2", "VE-02", D(2022, 1, 1), None, 19.5, None, None, None, None]],
                       year=2024),
    ]
    for sh, n in zip(staff, ["Kreis", "Guetersloh", "Rheda-Wiedenbrueck", "Herzebrock-Clarholz", "Verl"],
                     strict=True):
        write_xlsx(case / "Besetzung" / f"{n}.xlsx", [sh])
    qd = [D(2024, 1, 15), D(2024, 4, 15), D(2024, 7, 15), D(2024, 10, 15)]
    pay = quarterly(GT_LAND, GT_KREIS, 2024, 28_500_000, qd, "BR-GT")
    pay += quarterly(GT_KREIS, "Stadt Verl", 2024, 8_550_000, qd, "GT-VE")
    pay += quarterly(GT_KREIS, GT_HUB, 2024, 14_250_000, qd, "GT-HUB")[:3]  # the 4th Abschlag was not paid
    pay += quarterly(GT_HUB, GT_HUB2, 2024, 8_550_000, [D(2024, 1, 22), D(2024, 4, 22), D(2024, 7, 22),
                                                        D(2024, 10, 22)], "GT-RW")
    pay += [[D(2024, 2, 1), GT_HUB2, GT_LEAF, 14_250, "Abschlag", 2024, "RW-HC-1", "KIM 1. Halbjahr"],
            [D(2024, 8, 1), GT_HUB2, GT_LEAF, 14_250, "Abschlag", 2024, "RW-HC-2", "KIM 2. Halbjahr"]]
    write_xlsx(case / "Zahlungen 2024.xlsx", [Sheet("Zahlungen", PAY_HEADER, pay, formats=PAY_FORMATS)])
    return case


# ---------------------------------------------------------------------------------------------------
# Case 9: Kreis Recklinghausen 2022–2023 – an Anschlussbescheid for 2023 without a new Zuweisung,
#         a Schlusszahlung for 2022 paid in January 2023, an Elternzeit across the turn of the year.
# ---------------------------------------------------------------------------------------------------

RE_KREIS = "Kreis Recklinghausen"
RE_LAND = "Bezirksregierung Münster"


def case_recklinghausen(root: Path) -> Path:
    case = root / "kreis-recklinghausen"
    b22 = bescheid_sheet("RE-KIM-2022", D(2022, 2, 11), RE_LAND, RE_KREIS, 2022, 2, 55_000)
    b23 = bescheid_sheet("RE-KIM-2023", D(2023, 2, 15), RE_LAND, RE_KREIS, 2023, 2, 57_000)
    b22.rows = [*b22.rows, [*b23.rows[0][:5], "Anschlussbescheid", *b23.rows[0][6:]]]
    write_xlsx(case / "Bescheide.xlsx", [b22])
    write_xlsx(case / "Zuweisung_2022.xlsx", [Sheet(
        "Zuweisung", ["Jahr", "Empfänger", "VzÄ"], [[2022, RE_KREIS, 1.0], [2022, "Stadt Marl", 1.0]],
        title=["Kreis Recklinghausen – Zuweisung 2022 (gilt fort)"])])
    write_xlsx(case / "Besetzung.xlsx", [
        staffing_sheet(RE_KREIS, [["RE-1", "RE-P1", D(2021, 1, 1), None, 39, None, None, None, None]]),
        # Elternzeit without pay across the turn of the year: Nov, Dec 2022 and Jan, Feb 2023 unstaffed
        staffing_sheet("Stadt Marl", [["MA-1", "MA-P1", D(2021, 1, 1), None, 39, D(2022, 11, 1), D(2023, 2, 28),
                                       "Elternzeit", "nein"]]),
    ])
    pay = quarterly(RE_LAND, RE_KREIS, 2022, 11_000_000, QDATES_2022, "BR-RE22")
    pay += quarterly(RE_LAND, RE_KREIS, 2023, 11_400_000, QDATES_2023, "BR-RE23")
    marl22 = quarterly(RE_KREIS, "Stadt Marl", 2022, 5_500_000, QDATES_2022, "RE-MA22")
    marl22[3][0] = D(2023, 1, 16)  # the last 2022 instalment, paid in January 2023 as Schlusszahlung
    marl22[3][4] = "Schlusszahlung"
    pay += marl22
    pay += quarterly(RE_KREIS, "Stadt Marl", 2023, 5_700_000, QDATES_2023, "RE-MA23")
    write_xlsx(case / "Zahlungen.xlsx", [Sheet("Zahlungen", PAY_HEADER, pay, formats=PAY_FORMATS)])
    return case


# ---------------------------------------------------------------------------------------------------
# Case 10: Kreis Olpe 2023 – the whole year paid in advance on 02.01.: potenzielle Zwischenzinsen (R6).
# ---------------------------------------------------------------------------------------------------

OE_KREIS = "Kreis Olpe"


def case_olpe(root: Path) -> Path:
    case = root / "kreis-olpe-2023"
    write_xlsx(case / "Bescheid.xlsx", [bescheid_sheet("OE-2023", D(2023, 1, 2), "Bezirksregierung Arnsberg",
                                                       OE_KREIS, 2023, 1, 57_000)])
    write_xlsx(case / "Zuweisung.xlsx", [Sheet("Zuweisung", ["Jahr", "Empfänger", "VzÄ"],
                                               [[2023, "Stadt Attendorn", 1.0]])])
    write_xlsx(case / "Besetzung.xlsx", [staffing_sheet("Stadt Attendorn", [
        ["AT-1", "AT-P1", D(2022, 1, 1), None, 39, None, None, None, None]])])
    write_xlsx(case / "Zahlungen.xlsx", [Sheet("Zahlungen", PAY_HEADER, [
        [D(2023, 1, 2), "Bezirksregierung Arnsberg", OE_KREIS, 57_000, "Abschlag", 2023, "BR-1", "KIM 2023"],
        [D(2023, 1, 2), OE_KREIS, "Stadt Attendorn", 57_000, "Abschlag", 2023, "OE-1", "KIM 2023 jährlich"],
    ], formats=PAY_FORMATS)])
    # Attendorn requests its money (Mittelabruf): only requested money can bear Zwischenzinsen
    write_xlsx(case / "Weiterleitungsvertrag.xlsx", [Sheet("Vertrag", [
        "Geber", "Empfänger", "Fassung", "gültig ab", "Auszahlungsart"], [
        [OE_KREIS, "Stadt Attendorn", "Ursprungsvertrag", D(2023, 1, 1), "Mittelabruf"]])])
    return case


ALL_CASES = {
    "coesfeld": case_coesfeld,
    "steinfurt": case_steinfurt,
    "soest": case_soest,
    "borken": case_borken,
    "lippe": case_lippe,
    "lippe_spitz": case_lippe_spitz,
    "lippe_pauses": case_lippe_pauses,
    "wesel": case_wesel,
    "hochsauerland": case_hochsauerland,
    "guetersloh": case_guetersloh,
    "recklinghausen": case_recklinghausen,
    "olpe": case_olpe,
}
