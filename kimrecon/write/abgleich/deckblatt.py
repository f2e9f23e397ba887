"""The Deckblatt: the run, its status, the Kreis's position against the Bewilligungsbehörde and the sums per level."""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from kimrecon.findings import Severity, severity_rank
from kimrecon.result import Edge
from kimrecon.write import xlsx
from kimrecon.write.abgleich import kanten
from kimrecon.write.abgleich.book import (
    S_DECK,
    S_KANT,
    SHEET_DESCRIPTIONS,
    Book,
    input_files_table,
)
from kimrecon.write.xlsx import Col, F

WIDTHS = [32, 60, 19, 16, 17, 17]
SEVERITY_LABELS = {Severity.FEHLER: "Befunde: Fehler", Severity.WARNUNG: "Befunde: Warnungen",
                   Severity.HINWEIS: "Befunde: Hinweise"}


def write(book: Book) -> None:
    """Write the Deckblatt."""
    r, fm = book.r, book.fm
    ws = book.wb.add_worksheet(S_DECK)
    for j, w in enumerate(WIDTHS):
        ws.set_column(j, j, w)
    ws.write_string(0, 0, f"KIM-Abgleich – {r.kreis}", fm.title)
    ws.write_string(1, 0, "Kommunales Integrationsmanagement Baustein II: Abgleich der weitergeleiteten Mittel",
                    fm.note)
    items: list[tuple[str, object, str]] = [
        ("Lauf-ID", r.lauf_id, "text"),
        ("Zeitpunkt des Laufs", r.zeitpunkt, "datetime"),
        ("kimrecon-Version", r.version, "text"),
        ("Kreis (Zuwendungsempfänger)", r.kreis, "text"),
        ("Fallordner", r.fall, "text"),
        ("Abrechnungsmonat", str(r.monat), "text"),
        ("Stichtag", r.stichtag, "date"),
        ("Abrechnungsmodus", r.modus, "text"),
        ("Gesamtstatus", xlsx.STATUS_DE.get(r.status.value, r.status.value), "text"),
    ]
    for sev in sorted(Severity, key=severity_rank):  # Fehler, Warnung, Hinweis
        count = sum(1 for f in r.befunde if f.severity is sev)
        items.append((SEVERITY_LABELS[sev], _count(book, sev.value, count), "int"))
    row = 3
    for label, value, kind in items:
        ws.write_string(row, 0, label, fm.label)
        fmt = fm.status_bad if label == "Gesamtstatus" and r.status.value != "ok" else None
        xlsx.write_value(ws, row, 1, value, kind, fm, fmt)
        if label == "Stichtag":
            book.wb.define_name("Stichtag", f"={xlsx.sheet_ref(S_DECK, row, 1)}")
        row += 1
    row = _position(book, ws, row + 1)
    row = _levels(book, ws, row + 1)
    ws.write_string(row + 1, 0, "Eingabedateien", fm.subtitle)
    row = input_files_table(book, ws, row + 2, WIDTHS)
    ws.write_string(row + 1, 0, "Inhalt dieser Arbeitsmappe", fm.subtitle)
    end = xlsx.write_rows(ws, fm, row + 2, [Col("Blatt"), Col("Inhalt", "longtext")], SHEET_DESCRIPTIONS,
                          widths=WIDTHS)
    xlsx.print_setup(ws, book.footer, WIDTHS)
    ws.print_area(0, 0, end, len(WIDTHS) - 1)
    xlsx.protect_sheet(ws)


def _count(book: Book, severity: str, value: int) -> object:
    if not book.layout.bef_ranges:
        return value
    parts = [f'COUNTIF({xlsx.quote_sheet(s)}!$B${a}:$B${b},"{severity}")' for s, a, b in book.layout.bef_ranges]
    return F("+".join(parts), value)


def _kanten_ref(book: Book, i: int, header: str, value: int) -> object:
    """A reference to the Kanten cell of edge ``i`` (the same Result figure), when the sheet is not split."""
    kr = book.layout.kant_range
    if kr is None:
        return value
    ref = f"{xlsx.quote_sheet(S_KANT)}!${kanten.columns().letter(header)}${kr[0] + i}"
    return F(ref, xlsx.euro(value))


def _position(book: Book, ws: Worksheet, top: int) -> int:
    """The top edges (Bewilligungsbehörde → Kreis): what the Kreis got, what is eligible, the Saldo and its meaning."""
    fm, r = book.fm, book.r
    receivers = {(e.empfaenger, e.jahr) for e in r.kanten}
    roots = [(i, e) for i, e in enumerate(r.kanten) if (e.geber, e.jahr) not in receivers]
    ws.write_string(top, 0, "Stand des Kreises gegenüber der Bewilligungsbehörde", fm.subtitle)
    cols = [Col("Kante (Jahr)", "longtext"), Col("Ergebnis"), Col("Weiterleitungsbetrag", "money"),
            Col("Ausgezahlt", "money"), Col("Förderfähig", "money"), Col("Saldo", "money")]
    rows = [(f"{e.jahr}: {e.geber} → {e.empfaenger}", e.art.value,
             _kanten_ref(book, i, "Weiterleitungsbetrag", e.weiterleitung_cent),
             _kanten_ref(book, i, "Ausgezahlt kumuliert", e.ausgezahlt_kumuliert_cent),
             _kanten_ref(book, i, "Förderfähig Teilbaum kumuliert", e.foerderfaehig_kumuliert_cent),
             _kanten_ref(book, i, "Saldo", e.saldo_cent)) for i, e in roots]
    if not rows:
        ws.write_string(top + 1, 0, "Keine Kante zur Bewilligungsbehörde.", fm.note)
        return top + 2
    return xlsx.write_rows(ws, fm, top + 1, cols, rows, widths=WIDTHS)


def level_of(book: Book, e: Edge) -> int | None:
    """The level of an edge: the level of its recipient in the forwarding tree (0 = the Kreis)."""
    a = book.allotment.get((e.empfaenger, e.jahr))
    return a.ebene if a else None


LEVEL_TEXT = {0: "an den Kreis", 1: "an die Empfänger des Kreises"}


def _levels(book: Book, ws: Worksheet, top: int) -> int:
    """Per year and level the sums of the edges of that level only: one euro appears once per level it passes."""
    fm, r = book.fm, book.r
    ws.write_string(top, 0, "Weitergeleitete Mittel je Ebene", fm.subtitle)
    ws.write_string(top + 1, 0, "Jede Zeile summiert nur die Kanten ihrer Ebene. Summen verschiedener Ebenen "
                                "dürfen nicht addiert werden: derselbe Euro fließt durch jede Ebene.", fm.note)
    keys = sorted({(e.jahr, lv) for e in r.kanten if (lv := level_of(book, e)) is not None})
    cols = [Col("Jahr und Ebene", "longtext"), Col("Weiterleitungsbetrag", "money"), Col("Ausgezahlt", "money"),
            Col("Förderfähig", "money"), Col("Überzahlung (Saldo > 0)", "money"),
            Col("Unterzahlung (Saldo < 0)", "money")]
    kr, kc = book.layout.kant_range, kanten.columns()
    rows = []
    for jahr, lv in keys:
        edges = [e for e in r.kanten if e.jahr == jahr and level_of(book, e) == lv]
        label = (f"{jahr}, Ebene {lv} ({LEVEL_TEXT.get(lv, f'an die Empfänger der Ebene {lv - 1}')}): "
                 f"{len(edges)} {'Kante' if len(edges) == 1 else 'Kanten'}")
        pos = sum(e.saldo_cent for e in edges if e.saldo_cent > 0)
        neg = -sum(e.saldo_cent for e in edges if e.saldo_cent < 0)
        crit = (f'{kc.rng(S_KANT, "Jahr", *kr)},{jahr},{kc.rng(S_KANT, "Ebene", *kr)},{lv}' if kr else "")
        saldo = f',{kc.rng(S_KANT, "Saldo", *kr)}' if kr else ""
        rows.append((
            label,
            _level_sum(book, "Weiterleitungsbetrag", crit, sum(e.weiterleitung_cent for e in edges)),
            _level_sum(book, "Ausgezahlt kumuliert", crit, sum(e.ausgezahlt_kumuliert_cent for e in edges)),
            _level_sum(book, "Förderfähig Teilbaum kumuliert", crit,
                       sum(e.foerderfaehig_kumuliert_cent for e in edges)),
            _level_sum(book, "Saldo", crit + saldo + ',">0"', pos),
            _negated(_level_sum(book, "Saldo", crit + saldo + ',"<0"', -neg)),
        ))
    if not rows:
        ws.write_string(top + 2, 0, "Keine Kanten.", fm.note)
        return top + 3
    return xlsx.write_rows(ws, fm, top + 2, cols, rows, widths=WIDTHS)


def _level_sum(book: Book, header: str, criteria: str, value: int) -> object:
    """SUMIFS of one Kanten column over the edges of one year and level (a plain total without the Kanten rows)."""
    kr = book.layout.kant_range
    if kr is None:
        return value
    rng = kanten.columns().rng(S_KANT, header, *kr)
    return F(f"ROUND(SUMIFS({rng},{criteria}),2)", xlsx.euro(value))


def _negated(v: object) -> object:
    """The Unterzahlung as a positive amount."""
    if isinstance(v, F):
        return F(f"-{v.formula}", -v.value + 0.0)
    return -int(v)  # type: ignore[call-overload]
