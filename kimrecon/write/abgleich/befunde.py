"""The Befunde sheet: every finding of the check, in full."""

from __future__ import annotations

from collections.abc import Sequence

from kimrecon.findings import Finding
from kimrecon.write.abgleich.book import S_BEF, Book
from kimrecon.write.xlsx import Col

COLS = [Col("Nr.", "int"), Col("Schwere"), Col("Code"), Col("Datei", "longtext"), Col("Blatt"), Col("Zelle"),
        Col("Meldung", "longtext", 56), Col("Wert (unverändert, als Text)", "longtext", 30)]


def write(book: Book) -> None:
    """Write the Befunde sheet."""
    book.detail(S_BEF, "Befunde der Prüfung (vollständig)", COLS, finding_columns(book.r.befunde),
                len(book.r.befunde), freeze_cols=1, empty_note="Keine Befunde.")


def finding_columns(findings: Sequence[Finding]) -> list[list[object]]:
    """Column lists (Nr, Schwere, Code, Datei, Blatt, Zelle, Meldung, Wert) of findings."""
    src = [f.source for f in findings]
    return [
        list(range(1, len(findings) + 1)),
        [f.severity.value for f in findings],
        [f.code.value for f in findings],
        [s.datei if s else None for s in src],
        [s.blatt if s else None for s in src],
        [s.zelle if s else None for s in src],
        [f.meldung for f in findings],
        [f.value for f in findings],
    ]
