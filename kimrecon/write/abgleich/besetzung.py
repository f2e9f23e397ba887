"""The Besetzung sheet: the staffing rows as read, pseudonymous columns only, with their source."""

from __future__ import annotations

from typing import Any

from kimrecon.inputs import COLUMNS as INPUT_COLUMNS
from kimrecon.inputs import Kind
from kimrecon.write import xlsx
from kimrecon.write.abgleich.book import S_BES, Book
from kimrecon.write.xlsx import Col

# Only canonical (pseudonymous) columns are written: no name can reach the output
SPEC: tuple[tuple[str, Col], ...] = (
    ("kommune", Col("Kommune")), ("ags", Col("AGS")), ("stelle_id", Col("Stellen-ID")),
    ("personal_id", Col("Personal-ID (Pseudonym)")), ("beginn", Col("Beginn", "date")),
    ("ende", Col("Ende", "date")), ("wochenstunden_h100", Col("Wochenstunden", "hours")),
    ("stellenanteil_e4", Col("Stellenanteil (VzÄ)", "vzae")), ("tarifstunden_h100", Col("Tarifstunden", "hours")),
    ("unterbrechung_von", Col("Unterbrechung von", "date")), ("unterbrechung_bis", Col("Unterbrechung bis", "date")),
    ("unterbrechung_grund", Col("Unterbrechungsgrund")),
    ("entgeltanspruch", Col("Entgeltanspruch in Unterbrechung", "bool")),
    ("personalkosten_cent", Col("Personalkosten", "money")),
)


def write(book: Book) -> None:
    """Write the Besetzung sheet."""
    frame: Any = book.r.besetzung
    if frame is None:
        import pandas as pd

        frame = pd.DataFrame()
    known = set(INPUT_COLUMNS[Kind.BESETZUNG])
    spec = [(c, col) for c, col in SPEC if c in known]
    cols = [col for _, col in spec] + [Col("Quelldatei"), Col("Quellblatt"), Col("Quellzeile", "int")]
    data: list[list[object]] = [xlsx.frame_column(frame, c) for c, _ in spec]
    data += [xlsx.frame_column(frame, "_datei"), xlsx.frame_column(frame, "_blatt"),
             xlsx.frame_column(frame, "_zeile")]
    book.detail(S_BES, "Besetzung (pseudonym, mit Herkunft)", cols, data, len(frame), freeze_cols=4,
                empty_note="Keine Einträge.")
