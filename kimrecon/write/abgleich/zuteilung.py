"""The Zuteilung sheet: the forwarding tree with allotted VzÄ, forwarded amount and the share of own posts."""

from __future__ import annotations

from collections.abc import Sequence

from kimrecon.write import xlsx
from kimrecon.write.abgleich.book import S_ZUT, Book, product_cents
from kimrecon.write.xlsx import Col, Columns, F

COLUMNS = Columns([
    Col("Jahr", "int"), Col("Ebene", "int"), Col("Geber"), Col("Empfänger"), Col("Vertragsfassung"),
    Col("Bewilligungszeitraum von", "date"), Col("Bewilligungszeitraum bis", "date"), Col("Schlüsselgröße"),
    Col("Schlüsselwert", "decimal"), Col("Verzicht VzÄ", "vzae"), Col("VzÄ eigene Stellen", "vzae"),
    Col("VzÄ einschl. Weiterleitung", "vzae"), Col("Pauschale je VzÄ", "money"), Col("Weiterleitungsbetrag", "money"),
    Col("Anteil eigene Stellen", "money"),
])

# months of the Bewilligungszeitraum as a spreadsheet counts them from the two date columns
PERIOD_MONTHS = COLUMNS.row_formula("((YEAR([Bewilligungszeitraum bis])-YEAR([Bewilligungszeitraum von]))*12"
                                    "+MONTH([Bewilligungszeitraum bis])-MONTH([Bewilligungszeitraum von])+1)")


def write(book: Book) -> None:
    """Write the Zuteilung sheet (per-year totals when it holds several years)."""
    c = COLUMNS
    data: list[list[object]] = [[] for _ in range(len(c))]
    for a in book.alloc:
        what = f"{a.empfaenger} {a.jahr}"
        pname = book.pauschale_names.get(a.jahr)
        rate: object = F(pname[0], xlsx.euro(a.pauschale_cent)) if pname and pname[1] == a.pauschale_cent \
            else a.pauschale_cent
        # a Bewilligungszeitraum shorter than the year (R2) counts its months, read from the two date cells
        months = (a.bis.year - a.von.year) * 12 + a.bis.month - a.von.month + 1
        share = "" if months == 12 else f"*{PERIOD_MONTHS}/12"
        weiter = book.derived(S_ZUT, f"Weiterleitungsbetrag {what}",
                              c.row_formula(f"ROUND([VzÄ einschl. Weiterleitung]*[Pauschale je VzÄ]{share},2)"),
                              a.weiterleitung_cent, check=product_cents(a.vzae_teilbaum_e4, a.pauschale_cent, months))
        own = book.derived(S_ZUT, f"Anteil eigene Stellen {what}",
                           c.row_formula(f"ROUND([VzÄ eigene Stellen]*[Pauschale je VzÄ]{share},2)"),
                           a.eigen_cent, check=product_cents(a.vzae_eigen_e4, a.pauschale_cent, months))
        vals = [a.jahr, a.ebene, a.geber, a.empfaenger, a.vertrag, a.von, a.bis, a.schluessel_groesse,
                a.schluessel_wert, a.verzicht_vzae_e4 or None, a.vzae_eigen_e4, a.vzae_teilbaum_e4, rate, weiter, own]
        for j, v in enumerate(vals):
            data[j].append(v)
    years = sorted({a.jahr for a in book.alloc})
    totals = (c.index("VzÄ eigene Stellen"), c.index("Anteil eigene Stellen")) if len(years) == 1 else ()
    book.detail(
        S_ZUT, "Zuteilung und Weiterleitung (Weiterleitungsbaum)", c, data, len(book.alloc), totals=totals,
        freeze_cols=4,
        sheet_note="Weiterleitungsbetrag = VzÄ einschließlich weitergeleiteter Anteile × Pauschale; die Summe "
                   "der Anteile eigener Stellen aller Ebenen entspricht der Bewilligung.",
        empty_note="Keine Zuteilungen.",
        on_part=(lambda part: _year_totals(book, part, years)) if len(years) > 1 else None,
    )


def _year_totals(book: Book, part: xlsx.Part, years: Sequence[int]) -> None:
    """Several years: one total per year of own posts and their amount (a single SUM would mix years)."""
    ws, fm, c = part.ws, book.fm, COLUMNS
    if part.last == part.first:
        return
    a, b = part.excel_row(part.first) + 1, part.excel_row(part.last - 1) + 1
    row = b + 1
    jahr_col, vz_col, own_col = c.letter("Jahr"), c.letter("VzÄ eigene Stellen"), c.letter("Anteil eigene Stellen")
    rows = book.alloc[part.first:part.last]
    for jahr in years:
        mine = [x for x in rows if x.jahr == jahr]
        ws.write_string(row, 0, f"Summe {jahr}", fm.total_label)
        xlsx.write_formula(ws, row, c.index("VzÄ eigene Stellen"),
                           F(f"SUMIFS({vz_col}{a}:{vz_col}{b},{jahr_col}{a}:{jahr_col}{b},{jahr})",
                             xlsx.vzae(sum(x.vzae_eigen_e4 for x in mine))), fm.total_vzae)
        xlsx.write_formula(ws, row, c.index("Anteil eigene Stellen"),
                           F(f"ROUND(SUMIFS({own_col}{a}:{own_col}{b},{jahr_col}{a}:{jahr_col}{b},{jahr}),2)",
                             xlsx.euro(sum(x.eigen_cent for x in mine))), fm.total_money)
        row += 1
