"""German text renderers of the run history: the run list and one run's details."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from kimrecon.ledger.records import KENNZAHL_LABELS, RunDetail, RunSummary
from kimrecon.money import format_cents_de, format_vzae_de


def _zeit(moment: datetime) -> str:
    """Local wall-clock time, German style."""
    return moment.astimezone().strftime("%d.%m.%Y %H:%M:%S")


def _datum(day: date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else "–"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], right: frozenset[int] = frozenset()) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "  ".join(parts).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def render_history(runs: Sequence[RunSummary]) -> str:
    """The run list for `kimrecon history`: one line per run, oldest first."""
    if not runs:
        return "Das Laufbuch enthält keine Läufe."
    header = [
        "Lauf-ID",
        "Zeitpunkt",
        "Monat",
        "Fall",
        "Status",
        "Dateien",
        "Fehler",
        "Hinweise",
        "Korrekturen",
        "Wiederholung von",
    ]
    rows = [
        [
            r.lauf_id,
            _zeit(r.zeitpunkt),
            r.monat,
            r.fall,
            r.status,
            str(r.dateien),
            str(r.fehler),
            str(r.hinweise),
            str(r.korrekturen),
            r.wiederholung_von or "–",
        ]
        for r in runs
    ]
    n = len(runs)
    footer = f"{n} Lauf" if n == 1 else f"{n} Läufe"
    return "\n".join([*_table(header, rows, right=frozenset({5, 6, 7, 8})), "", footer])


def render_run(detail: RunDetail) -> str:
    """One run with its parameters, inputs, findings, edge figures and corrections (`history --run ID`)."""
    lauf = detail.lauf
    out: list[str] = [
        f"Lauf {lauf.lauf_id}",
        "",
        f"  Fall:              {lauf.fall}",
        f"  Monat:             {lauf.monat}",
        f"  Zeitpunkt:         {_zeit(lauf.zeitpunkt)}",
        f"  kimrecon-Version:  {lauf.version}",
        f"  Modus:             {lauf.modus}",
        f"  Status:            {lauf.status}",
        f"  Wiederholung von:  {lauf.wiederholung_von or '– (kein Wiederholungslauf)'}",
        "",
        f"Parameter ({len(detail.parameter)})",
    ]
    if detail.parameter:
        out += [
            "  " + s
            for s in _table(
                ["Name", "Wert", "gültig ab", "Quelle"],
                [[p.name, p.wert, _datum(p.gueltig_ab), p.quelle or "–"] for p in detail.parameter],
            )
        ]
    else:
        out.append("  keine")
    out += ["", f"Eingabedateien ({len(detail.dateien)})"]
    if detail.dateien:
        out += [
            "  " + s
            for s in _table(
                ["Datei", "Größe (Bytes)", "SHA-256", "Blätter"],
                [[f.name, f"{f.groesse:,}".replace(",", "."), f.sha256, ", ".join(f.blaetter)] for f in detail.dateien],
                right=frozenset({1}),
            )
        ]
    else:
        out.append("  keine")
    out += ["", f"Befunde ({len(detail.befunde)})"]
    if detail.befunde:
        out += [
            "  " + s
            for s in _table(
                ["Art", "Ort", "Code", "Meldung"],
                [[b.schwere, b.ort or "–", b.code, b.meldung] for b in detail.befunde],
            )
        ]
    else:
        out.append("  keine")
    out += ["", f"Ergebnis je Kante (kumuliert bis {lauf.monat})"]
    if detail.kanten:
        out += [
            "  " + s
            for s in _table(
                ["Kante", "Jahr", "VzÄ", "Weiterleitung", "Förderfähig", "Ausgezahlt", "Saldo", "Art"],
                [
                    [
                        f"{e.geber} → {e.empfaenger}",
                        str(e.jahr),
                        format_vzae_de(e.vzae_zugeteilt_e4),
                        format_cents_de(e.weiterleitung_cent),
                        format_cents_de(e.foerderfaehig_kumuliert_cent),
                        format_cents_de(e.ausgezahlt_kumuliert_cent),
                        format_cents_de(e.saldo_cent),
                        e.art,
                    ]
                    for e in detail.kanten
                ],
                right=frozenset({2, 3, 4, 5, 6}),
            )
        ]
    else:
        out.append("  keine")
    out += ["", f"Rückwirkende Korrekturen ({len(detail.korrekturen)})"]
    if detail.korrekturen:
        out += [
            "  " + s
            for s in _table(
                ["Kante", "Monat", "Kennzahl", "bisher", "neu", "Differenz", "früherer Lauf"],
                [
                    [
                        f"{c.geber} → {c.empfaenger}",
                        c.monat,
                        KENNZAHL_LABELS.get(c.kennzahl, c.kennzahl),
                        format_cents_de(c.alt_cent),
                        format_cents_de(c.neu_cent),
                        ("+" if c.differenz_cent > 0 else "") + format_cents_de(c.differenz_cent),
                        c.frueherer_lauf,
                    ]
                    for c in detail.korrekturen
                ],
                right=frozenset({3, 4, 5}),
            )
        ]
    else:
        out.append("  keine")
    return "\n".join(out)
