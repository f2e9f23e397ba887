"""Generate the small cases of ``workbooks/beispiele-layouts/``: one per accepted sheet layout.

Run from the repository root: ``python tools/make_layout_examples.py``. The files are committed;
this script documents how they were made and regenerates them byte-for-byte (fixed document dates).
Every case: Bescheid 2,0 VzÄ × 57.000 € for the Kreis Unna 2023, Zuweisung 1,0 VzÄ each to the
Stadt Kamen and the Stadt Bergkamen, quarterly Abschläge; only the layout of one list differs.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_example import FIXED, _fix_zip_times  # noqa: E402 - the bundled example's fixed-date saving

OUT = Path(__file__).resolve().parent.parent / "workbooks" / "beispiele-layouts"
D = dt.date
KREIS, LAND = "Kreis Unna", "Bezirksregierung Arnsberg"
QUARTERS = (D(2023, 1, 2), D(2023, 4, 3), D(2023, 7, 3), D(2023, 10, 2))
MONTHS = ("Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez")


def sheet(folder: Path, name: str, title: Sequence[object], header: Sequence[object],
          rows: Sequence[Sequence[object]], *, sheet_name: str = "Tabelle1") -> None:
    """One workbook: title lines, a blank row, the header, the rows."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet_name
    r = 1
    for line in title:
        ws.cell(r, 1, line)  # type: ignore[arg-type]
        r += 1
    r += 1 if title else 0
    for rowvals in [header, *rows]:
        for c, v in enumerate(rowvals, start=1):
            if v is not None:
                cell = ws.cell(r, c, v)
                if isinstance(v, dt.date):
                    cell.number_format = "DD.MM.YYYY"
        r += 1
    wb.properties.creator = wb.properties.lastModifiedBy = "kimrecon Beispiel"
    wb.properties.created = wb.properties.modified = FIXED
    folder.mkdir(parents=True, exist_ok=True)
    wb.save(folder / name)
    _fix_zip_times(folder / name)


def base(folder: Path, *, payments: bool = True) -> None:
    """Bescheid, Zuweisung and (unless a case brings its own) the quarterly Abschläge."""
    sheet(folder, "Bescheid_2023.xlsx", ["Bescheid KIM 2023"],
          ["Bescheid-ID", "Bescheiddatum", "Bewilligungsbehörde", "Zuwendungsempfänger", "Zeitraum von",
           "Zeitraum bis", "VzÄ", "Pauschale je VzÄ", "Bewilligungssumme"],
          [["ZB-2023-1", D(2023, 2, 15), LAND, KREIS, D(2023, 1, 1), D(2023, 12, 31), 2, 57000, 114000]])
    sheet(folder, "Zuweisung_2023.xlsx", ["Kreis Unna – Zuweisung KIM 2023"], ["Jahr", "Empfänger", "VzÄ"],
          [[2023, "Stadt Kamen", 1], [2023, "Stadt Bergkamen", 1]])
    if payments:
        rows = [[q, LAND, KREIS, 28500, "Abschlag", 2023] for q in QUARTERS]
        rows += [[q, KREIS, town, 14250, "Abschlag", 2023] for town in ("Stadt Kamen", "Stadt Bergkamen")
                 for q in QUARTERS]
        sheet(folder, "Zahlungen_2023.xlsx", ["Kreis Unna – Zahlungen KIM 2023"],
              ["Datum", "Zahler", "Empfänger", "Betrag", "Art", "Jahr"], rows)


def staffing_rows(folder: Path, name: str, town: str, rows: Sequence[Sequence[object]]) -> None:
    """A staffing list in the one-row-per-employment layout."""
    sheet(folder, name, [f"{town} – Stellenbesetzung KIM 2023", "Stand: 15.12.2023"],
          ["Kommune", "Stellen-ID", "Personal-ID", "Beginn", "Ende", "Wochenstunden"], rows)


def grid_with_town() -> None:
    """Month grid with a Kommune column; Stellenanteile; the year in the headers (01/2023 …)."""
    folder = OUT / "monatstabelle-mit-kommune"
    base(folder)
    header = ["Kommune", "Personal-Nr.", "Nachname, Vorname", *[f"{m:02d}/2023" for m in range(1, 13)]]
    sheet(folder, "Personaluebersicht_2023.xlsx", ["Personalamt – Stellenanteile KIM-Fachkräfte", "Stand: 15.12.2023"],
          header, [
              ["Stadt Kamen", "KA-P01", "Muster, Anna", *([1] * 6), *([0.5] * 6)],
              ["Stadt Bergkamen", "BK-P01", "Beispiel, Ben", *([0.5] * 12)],
              ["Stadt Bergkamen", "BK-P02", "Probe, Cem", *([None] * 3), *(["0,5"] * 9)],
          ], sheet_name="Stellenanteile")


def grid_without_town() -> None:
    """Month grid without a Kommune column: the town and the year come from the title."""
    folder = OUT / "monatstabelle-ohne-kommune"
    base(folder)
    sheet(folder, "Besetzung_Kamen.xlsx", ["Stadt Kamen – Stellenbesetzung KIM 2023 (Stellenanteile)",
                                           "Stand: 15.12.2023"],
          ["Personal-Nr.", "Stelleninhaber/in", *MONTHS],
          [["KA-P01", "Muster, Anna", 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1]])
    staffing_rows(folder, "Besetzung_Bergkamen.xlsx", "Stadt Bergkamen",
                  [["Stadt Bergkamen", "BK-1", "BK-P01", D(2022, 1, 1), None, 39]])


def grid_hours() -> None:
    """Month grid of weekly hours with a Tarifstunden column; the year in the sheet name."""
    folder = OUT / "monatstabelle-stunden"
    base(folder)
    sheet(folder, "Wochenstunden.xlsx", ["KIM-Fachkräfte: Wochenstunden je Monat"],
          ["Kommune", "Stelle", "Tarifstunden", *MONTHS], [
              ["Stadt Kamen", "KA-1", 39, *([30] * 12)],
              ["Stadt Bergkamen", "BK-1", 39, *(["19,5"] * 12)],
              ["Stadt Bergkamen", "BK-2", "39,0", *([None] * 6), *(["19,5"] * 6)],
          ], sheet_name="Stunden 2023")


def finance_csv() -> None:
    """Payments as ;-separated finance-system exports: a Soll/Haben pair, and signed amounts."""
    folder = OUT / "finanzverfahren-csv"
    base(folder, payments=False)
    staffing_rows(folder, "Besetzung_Kamen.xlsx", "Stadt Kamen",
                  [["Stadt Kamen", "KA-1", "KA-P01", D(2023, 3, 1), None, 39]])
    staffing_rows(folder, "Besetzung_Bergkamen.xlsx", "Stadt Bergkamen",
                  [["Stadt Bergkamen", "BK-1", "BK-P01", D(2022, 1, 1), None, 39]])
    soll = ["Buchungsdatum;Zahler;Empfänger;Soll;Haben;Buchungstext"]
    soll += [f"{q:%d.%m.%Y};{LAND};{KREIS};28.500,00;;Abschlag KIM 2023" for q in QUARTERS]
    soll += [f"{q:%d.%m.%Y};{KREIS};Stadt Kamen;14.250,00;;Abschlag KIM 2023" for q in QUARTERS]
    soll += [f"15.11.2023;{KREIS};Stadt Kamen;;9.500,00;Rückzahlung Kamen KIM 2023"]
    signed = ["Buchungsdatum;Zahler;Empfänger;Betrag;Buchungstext"]
    signed += [f"{q:%d.%m.%Y};{KREIS};Stadt Bergkamen;14.250,00;Abschlag KIM 2023" for q in QUARTERS]
    signed += [f"20.11.2023;{KREIS};Stadt Bergkamen;-1.000,00;Storno Teilbetrag",
               f"21.11.2023;{KREIS};Stadt Bergkamen;500,00-;Storno Teilbetrag",
               f"22.11.2023;{KREIS};Stadt Bergkamen;(250,00);Storno Teilbetrag"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Export_Sachkonto_KIM_Kamen.csv").write_text("\n".join(soll) + "\n", encoding="utf-8")
    (folder / "Export_Sachkonto_KIM_Bergkamen.csv").write_text("\n".join(signed) + "\n", encoding="utf-8")


def two_versions() -> None:
    """Two versions of Kamen's list: the newer Stand ends the Elternzeit that the older leaves open."""
    folder = OUT / "zwei-staende"
    base(folder)
    header = ["Kommune", "Stellen-ID", "Personal-ID", "Beginn", "Ende", "Wochenstunden", "Unterbrechung von",
              "Unterbrechung bis", "Grund", "Entgeltanspruch"]
    sheet(folder, "Besetzung_Kamen_alt.xlsx", ["Stadt Kamen – Stellenbesetzung KIM 2023", "Stand: 30.06.2023"],
          header, [["Stadt Kamen", "KA-1", "KA-P01", D(2023, 1, 1), None, 39, D(2023, 4, 1), None, "Elternzeit",
                    "nein"]])
    sheet(folder, "Besetzung_Kamen.xlsx", ["Stadt Kamen – Stellenbesetzung KIM 2023", "Stand: 15.12.2023"],
          header, [["Stadt Kamen", "KA-1", "KA-P01", D(2023, 1, 1), None, 39, D(2023, 4, 1), D(2023, 6, 30),
                    "Elternzeit", "nein"]])
    staffing_rows(folder, "Besetzung_Bergkamen.xlsx", "Stadt Bergkamen",
                  [["Stadt Bergkamen", "BK-1", "BK-P01", D(2022, 1, 1), None, 39]])


CASES = (grid_with_town, grid_without_town, grid_hours, finance_csv, two_versions)

if __name__ == "__main__":
    for make in CASES:
        make()
