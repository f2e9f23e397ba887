"""The Parameter sheet: every figure the run used, with its legal basis or origin and its validity; named cells."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from decimal import Decimal, InvalidOperation

from kimrecon.write import xlsx
from kimrecon.write.abgleich.book import S_PARAM, Book
from kimrecon.write.xlsx import Col

COLS = [Col("Name (in Formeln)", width=30), Col("Parameter", width=30), Col("Wert", width=16),
        Col("Gültig ab", "date", 12), Col("Quelle", "longtext", 60)]
WIDTHS = [c.width or 10 for c in COLS]


def write(book: Book) -> None:
    """Write the Parameter sheet and define a name for every numeric parameter."""
    r, fm, wb = book.r, book.fm, book.wb
    ws = wb.add_worksheet(S_PARAM)
    ws.write_string(0, 0, "Parameter dieses Laufs", fm.title)
    ws.write_string(1, 0, "Formeln der anderen Blätter beziehen sich über die Namen in Spalte A auf die Werte "
                          "in Spalte C.", fm.note)
    top = xlsx.HEADER_ROW
    for j, c in enumerate(COLS):
        ws.write_string(top, j, c.header, fm.header)
        ws.set_column(j, j, c.width)
    row = top + 1
    quellen = {p.gueltig_ab.year: p.quelle for p in r.parameter
               if "pauschale" in p.name.casefold() and p.gueltig_ab is not None}
    for jahr, (pname, cents) in book.pauschale_names.items():
        xlsx.write_text(ws, row, 0, pname)
        ws.write_string(row, 1, f"Pauschale je VzÄ und Jahr {jahr}")
        ws.write_number(row, 2, xlsx.euro(cents), fm.money)
        xlsx.write_value(ws, row, 3, date(jahr, 1, 1), "date", fm)
        quelle = quellen.get(jahr, "Bescheid bzw. Weiterleitungsvertrag (siehe Zuteilung)")
        xlsx.write_text(ws, row, 4, quelle, fm.wrap)
        xlsx.fit_row(ws, row, [None, None, None, None, quelle], WIDTHS)
        wb.define_name(pname, f"={xlsx.sheet_ref(S_PARAM, row, 2)}")
        row += 1
    ws.write_string(row, 1, "Abrechnungsmodus")
    xlsx.write_text(ws, row, 2, r.modus, fm.text)
    ws.write_string(row, 4, "dieser Lauf")
    row += 1
    used = {n.casefold() for n, _ in book.pauschale_names.values()} | {"stichtag"}  # names ignore case
    names = Counter(xlsx.defined_name(p.name) for p in r.parameter)
    for p in r.parameter:
        number = _number(p.wert)
        name: str | None = xlsx.defined_name(p.name)
        if name and names[name] > 1 and p.gueltig_ab is not None:
            name = f"{name}_{p.gueltig_ab:%Y%m%d}"
        if number is not None and name and name.casefold() not in used:
            used.add(name.casefold())
            xlsx.write_text(ws, row, 0, name, fm.wrap)
            ws.write_number(row, 2, float(number), fm.decimal)
            wb.define_name(name, f"={xlsx.sheet_ref(S_PARAM, row, 2)}")
            book.named_params.append((p.name.casefold(), p.gueltig_ab, number, name))
        else:
            xlsx.write_text(ws, row, 2, p.wert, fm.text)
        xlsx.write_text(ws, row, 1, p.name, fm.wrap)
        if p.gueltig_ab is not None:
            xlsx.write_value(ws, row, 3, p.gueltig_ab, "date", fm)
        xlsx.write_text(ws, row, 4, p.quelle, fm.wrap)
        xlsx.fit_row(ws, row, [name, p.name, None, None, p.quelle], WIDTHS)
        row += 1
    ws.autofilter(top, 0, row - 1, len(COLS) - 1)
    ws.freeze_panes(top + 1, 0)
    xlsx.print_setup(ws, book.footer, WIDTHS, repeat_row=top)
    ws.print_area(0, 0, row - 1, len(COLS) - 1)
    xlsx.protect_sheet(ws)


def _number(text: str) -> Decimal | None:
    """A parameter value as a number when it is one ("39", "1.62", "1,62", "-0,88")."""
    t = str(text).strip()
    if not re.fullmatch(r"-?\d+([.,]\d+)?", t):
        return None
    try:
        return Decimal(t.replace(",", "."))
    except InvalidOperation:  # pragma: no cover
        return None
