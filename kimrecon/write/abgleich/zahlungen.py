"""The Zahlungen sheet: every payment with its edge, how it counts, whether it lies after the Stichtag, its source."""

from __future__ import annotations

from kimrecon.write.abgleich.book import S_ZAHL, Book
from kimrecon.write.xlsx import Col, Columns

SHEET = S_ZAHL
COLUMNS = Columns([
    Col("Wertstellung", "date"), Col("Zahler"), Col("Empfänger"), Col("Betrag", "money"), Col("Art (wie erfasst)"),
    Col("Bezugsjahr", "int"), Col("Zählweise"), Col("Kante: Geber"), Col("Kante: Empfänger"),
    Col("Nach Stichtag", "bool"), Col("Kassenzeichen"),
    Col("Verwendungszweck", "longtext", 24), Col("Quelldatei", "longtext", 22), Col("Quellblatt"),
    Col("Quellzeile", "int"),
])


def write(book: Book) -> None:
    """Write the Zahlungen sheet (no grand total: payments of different levels are different money)."""
    zs = book.r.zahlungen
    data: list[list[object]] = [
        [p.datum for p in zs], [p.zahler for p in zs], [p.empfaenger for p in zs], [p.betrag_cent for p in zs],
        [p.art for p in zs], [p.jahr for p in zs], [p.kind.value for p in zs], [p.geber for p in zs],
        [p.kante_empfaenger for p in zs], [p.nach_stichtag for p in zs],
        [p.kassenzeichen for p in zs], [p.verwendungszweck for p in zs], [p.quelle.datei for p in zs],
        [p.quelle.blatt for p in zs], [p.quelle.zeile for p in zs],
    ]
    book.detail(
        S_ZAHL, f"Zahlungen mit Kante und Herkunft, Stichtag {book.r.stichtag:%d.%m.%Y}", COLUMNS, data, len(zs),
        sheet_note="Eine Zahlung zählt auf ihrer Kante nach ihrer Richtung (Zählweise); Zahlungen nach dem Stichtag "
                   "sind aufgeführt, zählen aber nicht. Summen stehen je Kante im Blatt Kanten (Gezahlt, "
                   "Zurückgezahlt); eine Summe über alle Zeilen gibt es nicht, weil eine weitergeleitete Zahlung "
                   "sonst auf jeder Ebene erneut gezählt würde.",
        empty_note="Keine Zahlungen.", freeze_cols=1,
    )
