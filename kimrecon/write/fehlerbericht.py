"""The Fehlerbericht workbook: one row per finding with file, sheet, cell, code, severity, message and value."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from kimrecon.findings import Finding, Severity
from kimrecon.inputs import InputFile
from kimrecon.write import xlsx
from kimrecon.write.atomic import atomic_path
from kimrecon.write.xlsx import Col, Formats

STREAM_THRESHOLD = 50_000
SHEET = "Fehlerbericht"

COLUMNS: tuple[Col, ...] = (
    Col("Nr.", "int", 6),
    Col("Datei", width=30),
    Col("Blatt", width=20),
    Col("Zelle", width=8),
    Col("Code", width=24),
    Col("Schwere", width=10),
    Col("Meldung (was ist zu tun)", width=90),
    Col("Wert (unverändert, als Text)", width=40),
)


def write_fehlerbericht(
    findings: Sequence[Finding],
    path: Path,
    *,
    dateien: Sequence[InputFile] = (),
    zeitpunkt: datetime | None = None,
    lauf_id: str = "",
) -> Path:
    """Write the Fehlerbericht of rejected input to ``path`` atomically and return the path.

    Findings are sorted by file, sheet and cell (row, then column). Without ``zeitpunkt`` the
    document dates are a fixed value, so the same findings always give the same bytes.
    """
    path = Path(path)
    ordered = sorted(findings, key=_order)
    with atomic_path(path) as tmp:
        wb = xlsx.open_workbook(tmp, constant_memory=len(ordered) > STREAM_THRESHOLD)
        try:
            fm = Formats(wb)
            xlsx.set_properties(
                wb,
                title="Fehlerbericht kimrecon",
                subject="Zurückgewiesene Eingaben: Befunde mit Datei, Blatt und Zelle",
                created=zeitpunkt or xlsx.FIXED_TIME,
                lauf_id=lauf_id,
                dateien=dateien,
            )
            fehler = sum(1 for f in ordered if f.severity is Severity.FEHLER)
            note = (f"{len(ordered)} Befunde ({fehler} Fehler, {len(ordered) - fehler} Hinweise). Bitte die genannten "
                    "Zellen korrigieren und die Dateien erneut einreichen; für diesen Lauf wurde nichts anderes "
                    "geschrieben.")
            src = [f.source for f in ordered]
            data: list[list[object]] = [
                list(range(1, len(ordered) + 1)),
                [s.datei if s else None for s in src],
                [s.blatt if s else None for s in src],
                [s.zelle if s else None for s in src],
                [f.code.value for f in ordered],
                [f.severity.value for f in ordered],
                [f.meldung for f in ordered],
                [f.value for f in ordered],
            ]
            xlsx.write_detail(wb, fm, SHEET, "Fehlerbericht: zurückgewiesene Eingaben", COLUMNS, data, len(ordered),
                              table=not wb.constant_memory, freeze_cols=1, sheet_note=note,
                              empty_note="Keine Befunde.", footer=f"Lauf-ID {lauf_id}" if lauf_id else "Fehlerbericht")
            if dateien:
                ws = wb.add_worksheet("Dateien")
                ws.write_string(0, 0, "Geprüfte Dateien", fm.title)
                cols = [Col("Datei", width=40), Col("Größe (Bytes)", "number", 14), Col("SHA-256", width=70),
                        Col("Blätter", width=40)]
                for j, c in enumerate(cols):
                    ws.set_column(j, j, c.width)
                xlsx.write_rows(ws, fm, 2, cols, [(f.name, f.size, f.sha256, ", ".join(f.sheets)) for f in dateien])
                xlsx.protect_sheet(ws)
        finally:
            wb.close()
        xlsx.usual_permissions(tmp)
    return path


def _order(f: Finding) -> tuple[str, str, int, int]:
    s = f.source
    if s is None:
        return ("\uffff", "", 0, 0)  # findings without a place come last
    return (s.datei, s.blatt or "", s.zeile or 0, _col_number(s.spalte))


def _col_number(letters: str | None) -> int:
    n = 0
    for ch in (letters or "").upper():
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
    return n
