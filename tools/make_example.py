"""Generate the bundled worked example "Kreis Unna 2023" as the workbooks a Kreis and its towns exchange.

Run from the repository root: ``python tools/make_example.py``. The files are committed; this
script documents how they were made and regenerates them byte-for-byte (fixed document dates).
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

OUT = Path(__file__).resolve().parent.parent / "workbooks" / "beispiel-kreis-unna-2023"
FIXED = dt.datetime(2023, 12, 31, 12, 0, 0)
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
EUR = '#,##0.00 "€"'
DATE = "DD.MM.YYYY"
D = dt.date

KREIS = "Kreis Unna"
LAND = "Bezirksregierung Arnsberg"
HUB = "Stadt Bergkamen"

# (Empfänger, über, VzÄ) — Mittelkreis from the sources; the other towns' shares are invented.
ZUWEISUNG: list[tuple[str, str | None, float]] = [
    ("Kreis Unna", None, 2.0),
    ("Stadt Lünen", None, 4.0),
    ("Stadt Unna", None, 2.5),
    ("Stadt Schwerte", None, 2.0),
    ("Stadt Werne", None, 1.5),
    ("Stadt Selm", None, 1.5),
    ("Stadt Fröndenberg/Ruhr", None, 1.0),
    ("Gemeinde Holzwickede", None, 1.0),
    ("Stadt Bergkamen", None, 1.0),
    ("Stadt Kamen", HUB, 1.0),
    ("Gemeinde Bönen", HUB, 0.5),
]
RATE = 57_000

# Staffing per recipient: (Stellen-ID, Personal-ID, Beginn, Ende, Wochenstunden, Unterbrechung)
STAFF: dict[str, list[tuple[str, str, dt.date, dt.date | None, float]]] = {
    "Kreis Unna": [("KU-1", "KU-P01", D(2021, 1, 1), None, 39), ("KU-2", "KU-P02", D(2022, 4, 1), None, 39)],
    "Stadt Lünen": [
        ("LÜ-1", "LÜ-P01", D(2021, 1, 1), None, 39),
        ("LÜ-2", "LÜ-P02", D(2021, 1, 1), None, 39),
        ("LÜ-3", "LÜ-P03", D(2022, 1, 1), None, 39),
        ("LÜ-4", "LÜ-P04", D(2022, 7, 1), None, 39),
    ],
    "Stadt Unna": [
        ("UN-1", "UN-P01", D(2021, 1, 1), None, 39),
        ("UN-2", "UN-P02", D(2021, 1, 1), None, 39),
        ("UN-3", "UN-P03", D(2022, 1, 1), None, 19.5),
    ],
    "Stadt Schwerte": [("SW-1", "SW-P01", D(2021, 1, 1), None, 39), ("SW-2", "SW-P02", D(2021, 1, 1), None, 39)],
    "Stadt Werne": [("WE-1", "WE-P01", D(2021, 1, 1), None, 39), ("WE-2", "WE-P02", D(2022, 1, 1), None, 19.5)],
    "Stadt Selm": [("SE-1", "SE-P01", D(2021, 1, 1), None, 39), ("SE-2", "SE-P02", D(2021, 1, 1), None, 19.5)],
    "Stadt Fröndenberg/Ruhr": [("FR-1", "FR-P01", D(2021, 1, 1), None, 39)],
    "Gemeinde Holzwickede": [("HW-1", "HW-P01", D(2021, 1, 1), None, 39)],
    # Bergkamen fills its 1,0 VzÄ with two half posts (R4b: the cap is per recipient)
    "Stadt Bergkamen": [("BK-1", "BK-P01", D(2021, 1, 1), None, 19.5), ("BK-2", "BK-P02", D(2022, 1, 1), None, 19.5)],
    # Kamen: the post was vacant in January and February 2023 (spec §4 worked check)
    "Stadt Kamen": [
        ("KA-1", "KA-P01", D(2021, 1, 1), D(2022, 12, 31), 39),
        ("KA-1", "KA-P02", D(2023, 3, 1), None, 39),
    ],
    "Gemeinde Bönen": [("BÖ-1", "BÖ-P01", D(2022, 1, 1), None, 19.5)],
}
NAMES = {"KA-P01": "Müller, Anna", "KA-P02": "Yılmaz, Deniz"}  # Kamen's sheet carries names (dropped on import)


def _title(ws, lines: list[str]) -> int:
    for i, text in enumerate(lines, start=1):
        ws.cell(row=i, column=1, value=text).font = Font(bold=i == 1, size=14 if i == 1 else 11)
    return len(lines) + 2  # one blank row, then the header


def _header(ws, row: int, names: list[str], widths: list[int]) -> None:
    for col, (name, width) in enumerate(zip(names, widths, strict=True), start=1):
        cell = ws.cell(row=row, column=col, value=name)
        cell.font = BOLD
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[cell.column_letter].width = width
    ws.freeze_panes = ws.cell(row=row + 1, column=1)


def _put(ws, row: int, values: list[object], formats: dict[int, str]) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col, value=value)
        if col in formats:
            cell.number_format = formats[col]


def _save(wb: Workbook, name: str) -> None:
    wb.properties.creator = "kimrecon Beispiel"
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    wb.properties.lastModifiedBy = "kimrecon Beispiel"
    path = OUT / name
    wb.save(path)
    _fix_zip_times(path)


def _fix_zip_times(path: Path) -> None:
    """Rewrite the xlsx container with fixed member timestamps so that regeneration is byte-identical."""
    with zipfile.ZipFile(path) as src:
        members = [(info, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in members:
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2023-12-31T12:00:00Z", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2023, 12, 31, 12, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)


def bescheid() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Bescheid"
    r = _title(ws, ["Zuwendungsbescheid Kommunales Integrationsmanagement – Baustein II", "Stand: 15.02.2023"])
    _header(
        ws,
        r,
        ["Bescheid-ID", "Bescheiddatum", "Aktenzeichen", "Bewilligungsbehörde", "Zuwendungsempfänger", "Art",
         "Zeitraum von", "Zeitraum bis", "VzÄ", "Pauschale je VzÄ", "Bewilligungssumme", "Nachweisfrist"],
        [16, 14, 18, 26, 20, 16, 13, 13, 8, 16, 18, 14],
    )
    _put(
        ws,
        r + 1,
        ["ZB-2023-KIM-017", D(2023, 2, 15), "36.04.01-KIM-2023-UN", LAND, KREIS, "Erstbescheid",
         D(2023, 1, 1), D(2023, 12, 31), 18, RATE, 18 * RATE, D(2024, 6, 30)],
        {2: DATE, 7: DATE, 8: DATE, 10: EUR, 11: EUR, 12: DATE},
    )
    _save(wb, "Bescheid_KIM_2023.xlsx")


def zuweisung() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Zuweisung 2023"
    r = _title(ws, ["Kreis Unna – Zuweisung KIM Baustein II 2023", "Stand: 01.03.2023"])
    _header(ws, r, ["Lfd. Nr.", "Jahr", "Empfänger", "weitergeleitet über", "VzÄ", "Betrag", "Bemerkung"],
            [8, 8, 26, 22, 8, 16, 30])
    for i, (name, via, vzae) in enumerate(ZUWEISUNG, start=1):
        note = "eigene Stellen des Kreises" if name == KREIS else ("über Hub Bergkamen" if via else None)
        _put(ws, r + i, [i, 2023, name, via, vzae, vzae * RATE, note], {6: EUR})
    last = r + len(ZUWEISUNG)
    ws.cell(row=last + 1, column=3, value="Summe").font = BOLD
    total = sum(v for _, _, v in ZUWEISUNG)
    _put(ws, last + 1, [None, None, "Summe", None, total, total * RATE], {6: EUR})
    _save(wb, "Zuweisung_Kreis_Unna_2023.xlsx")


def schluessel() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Verteilungsschlüssel"
    r = _title(ws, ["Stadt Bergkamen – Verteilungsschlüssel Mittelkreis KIM 2023", "Stand: 20.02.2023"])
    _header(ws, r, ["Jahr", "Kommune", "Schlüsselgröße", "Schlüsselwert", "Verzicht VzÄ", "VzÄ zugeteilt"],
            [8, 20, 16, 14, 12, 14])
    rows = [("Stadt Kamen", 1.0), ("Stadt Bergkamen", 1.0), ("Gemeinde Bönen", 0.5)]
    for i, (name, vzae) in enumerate(rows, start=1):
        _put(ws, r + i, [2023, name, "fest", vzae, 0, vzae], {})
    _save(wb, "Bergkamen_Verteilungsschluessel_2023.xlsx")


def besetzung() -> None:
    for town, posts in STAFF.items():
        wb = Workbook()
        ws = wb.active
        ws.title = "Besetzung"
        short = town.replace("Stadt ", "").replace("Gemeinde ", "").replace("/", "-")
        r = _title(ws, [f"{town} – Stellenbesetzung KIM Case Management 2023", "Stand: 31.12.2023"])
        names = ["Kommune", "Stellen-ID", "Personal-ID"]
        with_names = town == "Stadt Kamen"
        if with_names:
            names.append("Name")
        names += ["Beginn", "Ende", "Wochenstunden", "Tarifstunden",
                  "Unterbrechung von", "Unterbrechung bis", "Grund", "Entgeltanspruch"]
        _header(ws, r, names, [20, 11, 12] + ([18] if with_names else []) + [12, 12, 14, 12, 16, 16, 14, 14])
        for i, (post, pid, start, end, hours) in enumerate(posts, start=1):
            values: list[object] = [town, post, pid]
            if with_names:
                values.append(NAMES[pid])
            values += [start, end, hours, 39, None, None, None, None]
            off = 1 if with_names else 0
            _put(ws, r + i, values, {4 + off: DATE, 5 + off: DATE})
        _save(wb, f"Besetzung_{short}_2023.xlsx")


def zahlungen() -> None:
    rows: list[list[object]] = []
    land_dates = [D(2023, 3, 1), D(2023, 4, 3), D(2023, 7, 3), D(2023, 10, 2)]
    for q, day in enumerate(land_dates, start=1):
        rows.append([day, LAND, KREIS, 18 * RATE // 4, "Abschlag", 2023, f"5.0123.{q:04d}", f"KIM 2023 Abschlag Q{q}"])
    kreis_dates = [D(2023, 3, 15), D(2023, 4, 14), D(2023, 7, 14), D(2023, 10, 13)]
    subtree = {name: vzae for name, via, vzae in ZUWEISUNG if via is None and name != KREIS}
    subtree[HUB] += sum(vzae for _, via, vzae in ZUWEISUNG if via == HUB)
    n = 0
    for q, day in enumerate(kreis_dates, start=1):
        for name, vzae in subtree.items():
            n += 1
            amount = vzae * RATE / 4
            rows.append([day, KREIS, name, amount, "Abschlag", 2023, f"4.7000.{n:04d}", f"KIM 2023 Q{q} {name}"])
    _write_payments(rows, "Zahlungen_Kreis_Unna_2023.xlsx", "Kreis Unna – Auszahlungen KIM 2023")
    rows = []
    hub_dates = [D(2023, 3, 20), D(2023, 4, 20), D(2023, 7, 20), D(2023, 10, 20)]
    for q, day in enumerate(hub_dates, start=1):
        for name, via, vzae in ZUWEISUNG:
            if via == HUB:
                rows.append([day, HUB, name, vzae * RATE / 4, "Abschlag", 2023, f"BK-2023-{q}-{name[-5:]}",
                             f"Weiterleitung KIM 2023 Q{q}"])
    _write_payments(rows, "Zahlungen_Bergkamen_2023.xlsx", "Stadt Bergkamen – Weiterleitung KIM 2023")


def _write_payments(rows: list[list[object]], name: str, title: str) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Zahlungen"
    r = _title(ws, [title, "Stand: 31.12.2023"])
    _header(ws, r, ["Datum (Wertstellung)", "Zahler", "Empfänger", "Betrag", "Art", "Jahr", "Kassenzeichen",
                    "Verwendungszweck"], [14, 26, 24, 14, 12, 8, 16, 34])
    for i, row in enumerate(rows, start=1):
        _put(ws, r + i, row, {1: DATE, 4: EUR})
    _save(wb, name)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.xlsx"):
        old.unlink()
    bescheid()
    zuweisung()
    schluessel()
    besetzung()
    zahlungen()
    print(f"geschrieben: {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
