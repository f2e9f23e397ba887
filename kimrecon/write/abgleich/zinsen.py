"""The Zinsen sheet: Erstattungszinsen per claim and rate period, and potential Zwischenzinsen as a risk figure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from kimrecon.money import round_half_up
from kimrecon.write import xlsx
from kimrecon.write.abgleich.book import S_ZINS, Book
from kimrecon.write.xlsx import Col, Columns, F

CLAIMS = Columns([Col("Forderung-ID"), Col("Gläubiger"), Col("Schuldner"), Col("Jahr", "int"), Col("Betrag", "money"),
                  Col("Zinsbeginn", "date"), Col("Zinsende", "date"), Col("Zinstage", "int"), Col("Zinsen", "money"),
                  Col("offen", "bool")])
PERIODS = Columns([Col("Forderung-ID"), Col("von", "date"), Col("bis", "date"), Col("Tage", "int"),
                   Col("Basiszinssatz", "pct"), Col("Aufschlag (Prozentpunkte)", "pct"), Col("Zinssatz", "pct"),
                   Col("Betrag", "money"), Col("Zinsen", "money")])
INTERIM = Columns([Col("Geber"), Col("Empfänger"), Col("Jahr", "int"), Col("Zahlung am", "date"),
                   Col("Betrag", "money"), Col("Nicht binnen 2 Monaten verwendet", "money"), Col("Tage", "int"),
                   Col("Zinsen (Risiko)", "money")])
WIDTHS = [22, 26, 26, 14, 16, 14, 14, 10, 16, 10]


def write(book: Book) -> None:
    """Write the Zinsen sheet."""
    fm, r = book.fm, book.r
    ws = book.wb.add_worksheet(S_ZINS)
    ws.write_string(0, 0, "Erstattungszinsen und potenzielle Zwischenzinsen", fm.title)
    ws.write_string(1, 0, "Zinstage: der Zinsbeginn zählt nicht mit (§ 187 Abs. 1 BGB); Tagesbasis act/365; "
                          "Zinsen je Zinsperiode auf den Cent gerundet, dann summiert (§ 49a Abs. 3 VwVfG NRW, "
                          "Nr. 8.5 VV zu § 44 LHO).", fm.note)
    for j, w in enumerate(WIDTHS):
        ws.set_column(j, j, w)
    row = 3
    ws.write_string(row, 0, "Forderungen", fm.subtitle)
    row += 1
    claims = r.zinsen
    claim_top = row + 1  # zero-based first claim row
    period_header = claim_top + len(claims) + (2 if claims else 1) + 1
    prow = period_header + 1  # zero-based first period row
    period_rows: list[tuple[int, int]] = []
    for c in claims:
        period_rows.append((prow, prow + len(c.perioden) - 1))
        prow += len(c.perioden)
    rows = []
    for i, c in enumerate(claims):
        a, b = period_rows[i]
        if c.perioden:
            tage = book.derived(S_ZINS, f"Zinstage {c.forderung_id}",
                                f"SUM({PERIODS.letter('Tage')}{a + 1}:{PERIODS.letter('Tage')}{b + 1})", c.tage,
                                check=sum(p.tage for p in c.perioden), kind="int")
            zl = PERIODS.letter("Zinsen")
            zins = book.derived(S_ZINS, f"Zinsen {c.forderung_id}", f"ROUND(SUM({zl}{a + 1}:{zl}{b + 1}),2)",
                                c.zinsbetrag_cent, check=sum(p.betrag_cent for p in c.perioden))
        else:
            tage, zins = c.tage, c.zinsbetrag_cent
        rows.append((c.forderung_id, c.glaeubiger, c.schuldner, c.jahr, c.betrag_cent, c.von, c.bis, tage, zins,
                     c.offen))
    if rows:
        end = xlsx.write_rows(ws, fm, row, CLAIMS.cols, rows, widths=WIDTHS)
        _sum_row(ws, fm, end, CLAIMS, "Zinsen", claim_top, sum(c.zinsbetrag_cent for c in claims))
    else:
        ws.write_string(row, 0, "Keine Zinsforderungen.", fm.note)
    ws.write_string(period_header - 1, 0, "Zinsperioden", fm.subtitle)
    prows: list[tuple[object, ...]] = []
    for i, c in enumerate(claims):
        for p in c.perioden:
            rr = len(prows) + period_header + 2  # 1-based row of this period
            f = PERIODS.row_formula
            tage = book.derived(S_ZINS, f"Tage {c.forderung_id} {p.von}", f("[bis]-[von]+1").replace("{r}", str(rr)),
                                p.tage, check=(p.bis - p.von).days + 1, kind="int")
            rate = p.basiszins + p.aufschlag
            expected = round_half_up(Fraction(c.betrag_cent) * Fraction(rate) / 100 * p.tage / 365)
            zins = book.derived(S_ZINS, f"Zinsen {c.forderung_id} {p.von}",
                                f("ROUND([Betrag]*[Zinssatz]/100*[Tage]/365,2)").replace("{r}", str(rr)),
                                p.betrag_cent, check=expected)
            prows.append((c.forderung_id, p.von, p.bis, tage, _rate_ref(book, "basiszins", p.von, p.basiszins),
                          _rate_ref(book, "aufschlag", p.von, p.aufschlag),
                          F(f("[Basiszinssatz]+[Aufschlag (Prozentpunkte)]").replace("{r}", str(rr)), float(rate)),
                          F(f"{CLAIMS.letter('Betrag')}{claim_top + i + 1}", xlsx.euro(c.betrag_cent)), zins))
    if prows:
        xlsx.write_rows(ws, fm, period_header, PERIODS.cols, prows, widths=WIDTHS)
        row = period_header + 1 + len(prows) + 1
    else:
        ws.write_string(period_header, 0, "Keine Zinsperioden.", fm.note)
        row = period_header + 2
    ws.write_string(row, 0, "Potenzielle Zwischenzinsen: Risikozahl, keine Forderung "
                            "(Ermessen nach § 49a Abs. 4 VwVfG NRW)", fm.subtitle)
    row += 1
    zrows = [(z.geber, z.empfaenger, z.jahr, z.zahlung_datum, z.betrag_cent, z.ungenutzt_cent, z.tage,
              z.zinsbetrag_cent) for z in r.zwischenzinsen]
    if zrows:
        end = xlsx.write_rows(ws, fm, row, INTERIM.cols, zrows, widths=WIDTHS)
        _sum_row(ws, fm, end, INTERIM, "Zinsen (Risiko)", row + 1, sum(z.zinsbetrag_cent for z in r.zwischenzinsen))
        row = end
    else:
        ws.write_string(row, 0, "Keine potenziellen Zwischenzinsen.", fm.note)
    xlsx.print_setup(ws, book.footer, WIDTHS)
    ws.print_area(0, 0, row + 1, len(WIDTHS) - 1)
    xlsx.protect_sheet(ws)


def _rate_ref(book: Book, key: str, on: date, value: Decimal) -> object:
    """The named Parameter cell of a dated rate valid on ``on`` with this value, else the value."""
    valid = [(ab or date.min, name) for pname, ab, v, name in book.named_params
             if key in pname and (ab is None or ab <= on)]
    if valid:
        _, name = max(valid)
        current = next(v for _, _, v, n in book.named_params if n == name)
        if current == value:
            return F(name, float(value))
    return value


def _sum_row(ws: Any, fm: Any, end: int, table: Columns, column: str, first: int, cents: int) -> None:
    """The "Summe" row under a table: a live SUM over its data rows (0-based ``first``..``end``-1), cached."""
    ws.write_string(end, 0, "Summe", fm.total_label)
    col = table.letter(column)
    xlsx.write_formula(ws, end, table.index(column), F(f"ROUND(SUM({col}{first + 1}:{col}{end}),2)", xlsx.euro(cents)),
                       fm.total_money)
