"""The Korrekturen sheet: figures of earlier months that changed since an earlier run."""

from __future__ import annotations

from kimrecon.write.abgleich.book import S_KORR, Book
from kimrecon.write.xlsx import Col, Columns

COLUMNS = Columns([Col("Geber"), Col("Empfänger"), Col("Jahr", "int"), Col("Monat"), Col("Kennzahl"),
                   Col("Bisher", "money"), Col("Neu", "money"), Col("Differenz", "money"), Col("Früherer Lauf")])


# The figures a correction concerns, named as the Monatsmatrix names them (the ledger package would pull in
# its database driver, so the three names stand here)
KENNZAHL_LABELS = {"foerderfaehig_kumuliert": "Förderfähig kumuliert", "ausgezahlt_kumuliert": "Ausgezahlt kumuliert",
                   "saldo_kumuliert": "Saldo kumuliert"}


def write(book: Book) -> None:
    """Write the Korrekturen sheet."""
    ks = book.r.korrekturen
    diff = COLUMNS.row_formula("ROUND([Neu]-[Bisher],2)")
    data: list[list[object]] = [
        [k.geber for k in ks], [k.empfaenger for k in ks], [k.jahr for k in ks], [k.monat for k in ks],
        [KENNZAHL_LABELS.get(k.kennzahl, k.kennzahl) for k in ks], [k.alt_cent for k in ks], [k.neu_cent for k in ks],
        [book.derived(S_KORR, f"Differenz {k.empfaenger} {k.monat}", diff, k.differenz_cent,
                      check=k.neu_cent - k.alt_cent) for k in ks],
        [k.frueherer_lauf for k in ks],
    ]
    book.detail(S_KORR, "Rückwirkende Korrekturen gegenüber früheren Läufen", COLUMNS, data, len(ks),
                empty_note="Keine rückwirkenden Korrekturen.")
