"""The Fristen sheet: the Nachweisfrist of every edge and year and how far it lies from the Stichtag."""

from __future__ import annotations

from kimrecon.write.abgleich.book import S_FRIST, Book
from kimrecon.write.xlsx import Col, Columns

COLUMNS = Columns([Col("Geber"), Col("Empfänger"), Col("Jahr", "int"), Col("Nachweisfrist", "date"),
                   Col("Tage ab Stichtag", "int"), Col("Status"), Col("Quelle", "longtext")])


def write(book: Book) -> None:
    """Write the Fristen sheet."""
    fs = book.r.fristen
    tage = COLUMNS.row_formula("[Nachweisfrist]-Stichtag")
    data: list[list[object]] = [
        [d.geber for d in fs], [d.empfaenger for d in fs], [d.jahr for d in fs], [d.frist for d in fs],
        [book.derived(S_FRIST, f"Frist {d.geber} → {d.empfaenger} {d.jahr}", tage, d.tage_bis,
                      check=(d.frist - book.r.stichtag).days, kind="int") for d in fs],
        [d.status.value for d in fs], [d.quelle for d in fs],
    ]
    book.detail(S_FRIST, f"Nachweisfristen, Stand {book.r.stichtag:%d.%m.%Y}", COLUMNS, data, len(fs),
                freeze_cols=2, empty_note="Keine Fristen.",
                sheet_note="Tage ab Stichtag: negativ, wenn die Frist am Stichtag schon abgelaufen war.")
