"""German terminal rendering of results and findings (rich), for people at a console."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from kimrecon.findings import Finding, Severity, count_text, severity_rank
from kimrecon.money import format_cents_de, format_vzae_de
from kimrecon.result import Result

if TYPE_CHECKING:  # rich is imported only when something is printed (start-up time, --json)
    from rich.console import Console

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain_text(text: object) -> str:
    """Text for the terminal without markup: control characters (ESC …) shown as hex codes."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def safe_text(text: object) -> str:
    """Text from an input for the terminal: markup escaped, control characters (ESC …) shown as hex codes."""
    from rich.markup import escape

    return escape(plain_text(text))


STATUS_TEXT = {
    "ok": "[green]alles abgestimmt[/green]",
    "abweichungen": "[yellow]Abweichungen (siehe Spalte „Bewertung“)[/yellow]",
    "fehler": "[red]Fehler – Abgleich nicht möglich[/red]",
}


def print_summary(console: Console, result: Result) -> None:
    """Per contract edge: VzÄ, forwarded, eligible, paid, Saldo (issue 2)."""
    from rich.table import Table

    # every text from an input is escaped: "[/]" in a name must not break the markup, "[link=…]" not link
    table = Table(title=f"Abgleich {safe_text(result.kreis)} – Stand {result.stichtag:%d.%m.%Y} ({result.modus})")
    for name, justify in [
        ("Geber", "left"),
        ("Empfänger", "left"),
        ("Jahr", "right"),
        ("VzÄ", "right"),
        ("Weiterleitung", "right"),
        ("förderfähig", "right"),
        ("ausgezahlt", "right"),
        ("Saldo", "right"),
        ("Zahlungsplan", "right"),
        ("Prognose Saldo", "right"),
        ("Bewertung", "left"),
    ]:
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for e in result.kanten:
        table.add_row(
            safe_text(e.geber),
            safe_text(e.empfaenger),
            str(e.jahr),
            format_vzae_de(e.vzae_zugeteilt_e4),
            format_cents_de(e.weiterleitung_cent),
            format_cents_de(e.foerderfaehig_kumuliert_cent),
            format_cents_de(e.ausgezahlt_kumuliert_cent),
            format_cents_de(e.saldo_cent),
            "" if e.jahr_abgeschlossen else format_cents_de(e.zahlungsabweichung_cent),
            "" if e.jahr_abgeschlossen else format_cents_de(e.prognose_saldo_cent),
            e.art.value,
        )
    console.print(table)
    for z in result.zinsen:
        console.print(
            f"Zinsen {safe_text(z.forderung_id)} ({safe_text(z.schuldner)} → {safe_text(z.glaeubiger)}): "
            f"{format_cents_de(z.zinsbetrag_cent)} "
            f"auf {format_cents_de(z.betrag_cent)} für {z.tage} Tage"
        )
    if result.korrekturen:
        n = len(result.korrekturen)
        console.print(f"[yellow]{n} rückwirkende Korrektur(en) gegenüber früheren Läufen:[/yellow]")
        for c in result.korrekturen[:50]:
            console.print(
                f"  {c.monat} {safe_text(c.geber)} → {safe_text(c.empfaenger)} {safe_text(c.kennzahl)}: "
                f"{format_cents_de(c.alt_cent)} → "
                f"{format_cents_de(c.neu_cent)} ({format_cents_de(c.differenz_cent)}; Lauf {c.frueherer_lauf})"
            )
        if len(result.korrekturen) > 50:
            console.print(f"  … und {len(result.korrekturen) - 50} weitere (siehe Abgleich, Blatt Korrekturen)")
    if any(not e.jahr_abgeschlossen for e in result.kanten):
        console.print("Laufendes Jahr: „Zahlungsplan“ = gezahlt − laut Zahlungsplan fällig; „Prognose Saldo“ = "
                      "voraussichtliche Rückforderung (+) oder Nachzahlung (−) zum Jahresende bei gleichbleibender "
                      "Besetzung. Rückforderungen und Nachzahlungen stehen erst nach Ablauf des Jahres fest.")
    console.print(f"Status: {STATUS_TEXT.get(result.status.value, result.status.value)} · Lauf {result.lauf_id}")


def print_findings(console: Console, findings: Sequence[Finding], *, limit: int | None = 200) -> None:
    """Print findings grouped by file and sheet, Fehler first."""
    if not findings:
        console.print("[green]Keine Befunde.[/green]")
        return
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        key = (f.source.datei if f.source else "(Fall)", (f.source.blatt or "") if f.source else "")
        groups[key].append(f)
    shown = 0
    for (datei, blatt), items in sorted(groups.items()):
        console.print(f"[bold]{safe_text(datei)}[/bold]" + (f" › {safe_text(blatt)}" if blatt else ""), highlight=False)
        items.sort(key=lambda f: (severity_rank(f.severity), f.source.zeile or 0 if f.source else 0))
        for f in items:
            if limit is not None and shown >= limit:
                break
            style = {Severity.FEHLER: "red", Severity.HINWEIS: "cyan"}.get(f.severity, "yellow")
            cell = f.source.zelle if f.source and f.source.zelle else "–"
            console.print(
                f"  [{style}]{f.severity.value}[/{style}] {safe_text(cell)}: {safe_text(f.meldung)}", highlight=False
            )
            shown += 1
    if limit is not None and len(findings) > limit:
        console.print(f"… und {len(findings) - limit} weitere Befunde (vollständig im Fehlerbericht).")
    console.print(count_text(findings) + ".")
