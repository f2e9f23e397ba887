"""The Fehlerbericht (or Prüfbericht, when nothing is a Fehler): one row per finding with its place and what to do."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from kimrecon.findings import Finding, Severity, severity_rank
from kimrecon.inputs import InputFile
from kimrecon.write import xlsx
from kimrecon.write.atomic import atomic_path
from kimrecon.write.xlsx import Col, Formats

STREAM_THRESHOLD = 50_000

COLUMNS: tuple[Col, ...] = (
    Col("Nr.", "int", 6),
    Col("Datei", "longtext", 24),
    Col("Blatt", "longtext", 14),
    Col("Zelle", width=7),
    Col("Code", "longtext", 22),
    Col("Schwere", width=9),
    Col("Meldung (was ist zu tun)", "longtext", 58),
    Col("Wert (unverändert, als Text)", "longtext", 24),
)
PLURAL = {Severity.FEHLER: "Fehler", Severity.WARNUNG: "Warnungen", Severity.HINWEIS: "Hinweise"}


def write_fehlerbericht(
    findings: Sequence[Finding],
    path: Path,
    *,
    dateien: Sequence[InputFile] = (),
    zeitpunkt: datetime | None = None,
    lauf_id: str = "",
) -> Path:
    """Write the Fehlerbericht of rejected input to ``path`` atomically and return the path.

    Findings are sorted by severity (Fehler, Warnung, Hinweis), then file, sheet and cell (row, then
    column). The title is "Fehlerbericht" when a finding is a Fehler, else "Prüfbericht". Without
    ``zeitpunkt`` the document dates are a fixed value, so the same findings always give the same bytes.
    """
    path = Path(path)
    ordered = sorted(findings, key=_order)
    with atomic_path(path) as tmp:
        wb = xlsx.open_workbook(tmp, constant_memory=len(ordered) > STREAM_THRESHOLD)
        try:
            fm = Formats(wb)
            title = "Fehlerbericht" if any(f.severity is Severity.FEHLER for f in ordered) else "Prüfbericht"
            xlsx.set_properties(
                wb,
                title=f"{title} kimrecon",
                subject="Zurückgewiesene Eingaben: Befunde mit Datei, Blatt und Zelle",
                created=zeitpunkt or xlsx.FIXED_TIME,
                lauf_id=lauf_id,
                dateien=dateien,
            )
            note = summary(ordered)
            if title == "Fehlerbericht":
                note += (" Bitte die genannten Zellen korrigieren und die Dateien erneut einreichen; für diesen "
                         "Lauf wurde nichts anderes geschrieben.")
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
            heading = "Fehlerbericht: zurückgewiesene Eingaben" if title == "Fehlerbericht" else \
                "Prüfbericht: Befunde der Prüfung"
            footer = f"Lauf-ID {lauf_id}" if lauf_id else title
            xlsx.write_detail(wb, fm, title, heading, COLUMNS, data, len(ordered),
                              table=not wb.constant_memory, freeze_cols=1, sheet_note=note,
                              empty_note="Keine Befunde.", footer=footer)
            if dateien:
                ws = wb.add_worksheet("Dateien")
                ws.write_string(0, 0, "Geprüfte Dateien", fm.title)
                cols = [Col("Datei", "longtext", 34), Col("SHA-256", "hash", xlsx.HASH_WIDTH),
                        Col("Größe (Bytes)", "number", 14),
                        Col("Blätter", "longtext", 30)]
                for j, c in enumerate(cols):
                    ws.set_column(j, j, c.width)
                end = xlsx.write_rows(ws, fm, 2, cols, [(f.name, f.sha256, f.size, ", ".join(f.sheets))
                                                        for f in dateien], widths=[c.width or 10 for c in cols])
                xlsx.print_setup(ws, footer, [c.width or 10 for c in cols], repeat_row=2)
                ws.print_area(0, 0, end, len(cols) - 1)
                xlsx.protect_sheet(ws)
        finally:
            wb.close()
        xlsx.usual_permissions(tmp)
    return path


def summary(findings: Sequence[Finding]) -> str:
    """Count line such as "1 Befund (1 Fehler)." or "3 Befunde (1 Fehler, 2 Hinweise)." (severities that occur)."""
    n = len(findings)
    parts = []
    for sev in sorted(Severity, key=severity_rank):
        k = sum(1 for f in findings if f.severity is sev)
        if k:
            parts.append(f"{k} {sev.value if k == 1 else PLURAL[sev]}")
    return f"{n} {'Befund' if n == 1 else 'Befunde'}" + (f" ({', '.join(parts)})." if parts else ".")


def _order(f: Finding) -> tuple[int, str, str, int, int]:
    rank = severity_rank(f.severity)
    s = f.source
    if s is None:
        return (rank, "\uffff", "", 0, 0)  # findings without a place come last within their severity
    return (rank, s.datei, s.blatt or "", s.zeile or 0, _col_number(s.spalte))


def _col_number(letters: str | None) -> int:
    n = 0
    for ch in (letters or "").upper():
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
    return n
