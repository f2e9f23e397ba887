"""The Abgleich workbook of one run, one module per sheet; every sheet only lays out the Result.

``book`` holds what the sheets share (the Result, formats, the rows other sheets refer to and the
one helper that writes a derived figure as a formula with the Result's value cached, or records
why it could not). The sheet modules are written in the order below; the Prüfprotokoll comes
after every sheet that may record a value without formula.
"""

from __future__ import annotations

from pathlib import Path

from kimrecon.result import Result
from kimrecon.write import xlsx
from kimrecon.write.abgleich import (
    befunde,
    besetzung,
    deckblatt,
    diagramme,
    fristen,
    kanten,
    korrekturen,
    monatsmatrix,
    parameter,
    pruefprotokoll,
    zahlungen,
    zahlungsplan,
    zinsen,
    zuteilung,
)
from kimrecon.write.abgleich.book import Book
from kimrecon.write.atomic import atomic_path

# Above this many detail rows the workbook is streamed (constant_memory: no Excel tables then)
STREAM_THRESHOLD = 50_000

SHEETS = (deckblatt, parameter, zuteilung, monatsmatrix, kanten, zahlungsplan, fristen, zinsen, zahlungen, besetzung,
          befunde, pruefprotokoll, korrekturen, diagramme)


def write_abgleich(result: Result, path: Path) -> Path:
    """Write the Abgleich workbook of ``result`` to ``path`` atomically and return the path."""
    path = Path(path)
    detail_rows = len(result.zahlungen) + len(result.besetzung) + len(result.befunde) + len(result.monate)
    with atomic_path(path) as tmp:
        wb = xlsx.open_workbook(tmp, constant_memory=detail_rows > STREAM_THRESHOLD)
        try:
            r = result
            xlsx.set_properties(
                wb, title=f"KIM-Abgleich {r.kreis} {r.monat}",
                subject="Abgleich weitergeleiteter KIM-Mittel (Baustein II)",
                created=r.zeitpunkt, lauf_id=r.lauf_id, version=r.version, dateien=r.dateien,
                extra=(("Monat", str(r.monat)), ("Kreis", r.kreis), ("Fallordner", r.fall),
                       ("Status", xlsx.STATUS_DE.get(r.status.value, r.status.value))),
            )
            book = Book(result, wb)
            for sheet in SHEETS:
                sheet.write(book)
        finally:
            wb.close()
        xlsx.usual_permissions(tmp)
    return path
