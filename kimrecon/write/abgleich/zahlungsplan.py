"""The Zahlungsplan sheet: expected vs paid per edge, netting of refunds (when used) and proposed refunds."""

from __future__ import annotations

from collections.abc import Sequence

from xlsxwriter.worksheet import Worksheet

from kimrecon.write import xlsx
from kimrecon.write.abgleich.book import S_PLAN, Book
from kimrecon.write.xlsx import Col, Columns

PLAN = Columns([Col("Geber"), Col("Empfänger"), Col("Jahr", "int"), Col("Zahlungsplan"),
                Col("Erwartet bis Stichtag", "money"), Col("Ausgezahlt bis Stichtag", "money"),
                Col("Abweichung (ausgezahlt − erwartet)", "money")])
NETTING = Columns([Col("Empfänger"), Col("Jahr", "int"), Col("Saldo brutto", "money"),
                   Col("Offene Forderungen gegenüber der unteren Ebene", "money"), Col("Saldo netto", "money")])
CLAIMS = Columns([Col("Gläubiger"), Col("Schuldner"), Col("Jahr", "int"), Col("Betrag", "money")])
WIDTHS = [30, 30, 10, 16, 18, 18, 20]


def write(book: Book) -> None:
    """Write the Zahlungsplan sheet."""
    r, fm = book.r, book.fm
    ws = book.wb.add_worksheet(S_PLAN)
    for j, w in enumerate(WIDTHS):
        ws.set_column(j, j, w)
    ws.write_string(0, 0, f"Zahlungsplan, Verrechnung und vorgeschlagene Rückforderungen, Stand "
                          f"{r.stichtag:%d.%m.%Y}", fm.title)
    row = 2
    ws.write_string(row, 0, "Zahlungsplan je Kante", fm.subtitle)
    ws.write_string(row + 1, 0, "Abweichung < 0: Zahlungsrückstand; > 0: vor dem Plan gezahlt.", fm.note)
    rows = []
    for k, e in enumerate(r.kanten):
        rr = row + 4 + k  # 1-based row of this plan line (header two rows below)
        diff = PLAN.row_formula("ROUND([Ausgezahlt bis Stichtag]-[Erwartet bis Stichtag],2)").replace("{r}", str(rr))
        rows.append((e.geber, e.empfaenger, e.jahr, e.zahlungsplan, e.zahlungsplan_kumuliert_cent,
                     e.ausgezahlt_kumuliert_cent,
                     book.derived(S_PLAN, f"Abweichung {e.geber} → {e.empfaenger} {e.jahr}", diff,
                                  e.zahlungsabweichung_cent,
                                  check=e.ausgezahlt_kumuliert_cent - e.zahlungsplan_kumuliert_cent)))
    row = _block(book, ws, row + 2, PLAN, rows, "Kein Zahlungsplan.")
    if r.verrechnung:
        ws.write_string(row + 1, 0, "Verrechnung von Rückforderungen (brutto und netto)", fm.subtitle)
        nets: list[tuple[object, ...]] = []
        for k, n in enumerate(r.verrechnung):
            rr = row + 4 + k
            net = NETTING.row_formula(
                "ROUND([Saldo brutto]-[Offene Forderungen gegenüber der unteren Ebene],2)").replace("{r}", str(rr))
            nets.append((n.empfaenger, n.jahr, n.saldo_brutto_cent, n.forderungen_unten_cent,
                         book.derived(S_PLAN, f"Saldo netto {n.empfaenger} {n.jahr}", net, n.saldo_netto_cent,
                                      check=n.saldo_brutto_cent - n.forderungen_unten_cent)))
        row = _block(book, ws, row + 2, NETTING, nets, "")
    ws.write_string(row + 1, 0, "Vorgeschlagene Rückforderungen (abgeschlossene Jahre)", fm.subtitle)
    ws.write_string(row + 2, 0, "Erstattung nach § 49a Abs. 1 VwVfG NRW; Zinsen erst ab dem Zinsbeginn, den der "
                                "Rückforderungsbescheid bestimmt (§ 49a Abs. 3 VwVfG NRW).", fm.note)
    claims = [(c.glaeubiger, c.schuldner, c.jahr, c.betrag_cent) for c in r.rueckforderungsvorschlaege]
    row = _block(book, ws, row + 3, CLAIMS, claims, "Keine vorgeschlagenen Rückforderungen.")
    xlsx.print_setup(ws, book.footer, WIDTHS)
    ws.print_area(0, 0, row, len(WIDTHS) - 1)
    xlsx.protect_sheet(ws)


def _block(book: Book, ws: Worksheet, top: int, cols: Columns, rows: Sequence[Sequence[object]], empty: str) -> int:
    if not rows:
        ws.write_string(top, 0, empty, book.fm.note)
        return top + 1
    return xlsx.write_rows(ws, book.fm, top, cols.cols, rows, widths=WIDTHS)
