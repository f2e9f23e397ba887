"""The Prüfprotokoll: run, inputs and sheets, findings per code, conservation per node, values without formula."""

from __future__ import annotations

from collections import Counter

from xlsxwriter.worksheet import Worksheet

from kimrecon.result import ConservationCheck
from kimrecon.write import xlsx
from kimrecon.write.abgleich.book import S_PROT, S_ZUT, Book, input_files_table, label_rows
from kimrecon.write.abgleich.zuteilung import COLUMNS as ZUT
from kimrecon.write.xlsx import Col, Columns, F

WIDTHS = [28, 60, 10, 15, 15, 15, 16, 16]
CONSERVATION = Columns([Col("Knoten", "longtext"), Col("Ergebnis"), Col("Jahr", "int"), Col("Erhalten", "money"),
                        Col("Weitergeleitet", "money"), Col("Anteil eigene Stellen", "money"),
                        Col("Weitergeleitet + eigene Stellen", "money"),
                        Col("Erhalten − (Weitergeleitet + eigene Stellen)", "money")])


def write(book: Book) -> None:
    """Write the Prüfprotokoll (after every sheet that may record a value without formula)."""
    r, fm = book.r, book.fm
    ws = book.wb.add_worksheet(S_PROT)
    for j, w in enumerate(WIDTHS):
        ws.set_column(j, j, w)
    ws.write_string(0, 0, "Prüfprotokoll", fm.title)
    ws.write_string(2, 0, "Lauf", fm.subtitle)
    row = label_rows(book, ws, 3, [
        ("Lauf-ID", r.lauf_id, "text"), ("Zeitpunkt", r.zeitpunkt, "datetime"), ("kimrecon-Version", r.version, "text"),
        ("Kreis", r.kreis, "text"), ("Fallordner", r.fall, "text"), ("Monat", str(r.monat), "text"),
        ("Stichtag", r.stichtag, "date"), ("Abrechnungsmodus", r.modus, "text")])
    ws.write_string(row + 1, 0, "Eingabedateien", fm.subtitle)
    row = input_files_table(book, ws, row + 2, WIDTHS) + 1
    ws.write_string(row, 0, "Eingelesene Blätter", fm.subtitle)
    row += 1
    scols = [Col("Datei", "longtext"), Col("Spaltenzuordnung", "longtext"), Col("Kopfzeile", "int"),
             Col("Datenzeilen", "number"), Col("Blatt", "longtext"), Col("Art", "longtext"),
             Col("Verworfene Spalten (personenbezogen)", "longtext"), Col("Unbekannte Spalten", "longtext")]
    srows = [(s.datei, ", ".join(f"{k}={v}" for k, v in s.columns.items()), s.header_row, s.rows, s.blatt,
              s.kind.label, ", ".join(s.dropped) or "–", ", ".join(s.unknown) or "–") for s in r.blaetter]
    if srows:
        row = xlsx.write_rows(ws, fm, row, scols, srows, widths=WIDTHS) + 1
    else:
        ws.write_string(row, 0, "Keine Blätter.", fm.note)
        row += 2
    row = _counts(book, ws, row)
    row = _conservation(book, ws, row)
    ws.write_string(row, 0, "Werte ohne Formel (mit Grund)", fm.subtitle)
    row += 1
    if book.derived.unmatched:
        row = xlsx.write_rows(ws, fm, row, [Col("Blatt", "longtext"), Col("Wert: Grund", "longtext")],
                              [(sheet, f"{what}: {why}") for sheet, what, why in book.derived.unmatched],
                              widths=WIDTHS)
    else:
        ws.write_string(row, 0, "Keine: jede Summe und jeder abgeleitete Wert ist als Formel nachrechenbar.", fm.note)
        row += 1
    xlsx.print_setup(ws, book.footer, WIDTHS)
    ws.print_area(0, 0, row, len(WIDTHS) - 1)
    xlsx.protect_sheet(ws)


def _counts(book: Book, ws: Worksheet, row: int) -> int:
    fm, r = book.fm, book.r
    ws.write_string(row, 0, "Prüfergebnisse (Befunde je Code)", fm.subtitle)
    row += 1
    counts = Counter((f.severity.value, f.code.value) for f in r.befunde)
    if not counts:
        ws.write_string(row, 0, "Keine Befunde.", fm.note)
        return row + 2
    ws.write_string(row, 0, "Schwere", fm.header)
    ws.write_string(row, 1, "Code", fm.header)
    ws.write_string(row, 2, "Anzahl", fm.header)
    top = row + 1
    for (sev, code), cnt in sorted(counts.items()):
        row += 1
        ws.write_string(row, 0, sev)
        ws.write_string(row, 1, code)
        parts = [f'COUNTIFS({xlsx.quote_sheet(s)}!$B${a}:$B${b},A{row + 1},{xlsx.quote_sheet(s)}!$C${a}:$C${b},'
                 f'B{row + 1})' for s, a, b in book.layout.bef_ranges]
        xlsx.write_formula(ws, row, 2, F("+".join(parts), cnt), fm.int)
    row += 1
    ws.write_string(row, 0, "Befunde insgesamt", fm.total_label)
    xlsx.write_formula(ws, row, 2, F(f"SUM(C{top + 1}:C{row})", len(r.befunde)), fm.total_int)
    return row + 2


def _conservation(book: Book, ws: Worksheet, row: int) -> int:
    fm, r, c = book.fm, book.r, CONSERVATION
    ws.write_string(row, 0, "Mittelerhaltung je Knoten und Jahr (was ein Knoten erhält, deckt Weiterleitung und "
                            "eigene Stellen)", fm.subtitle)
    row += 1
    erows = []
    for i, chk in enumerate(r.erhaltung):
        rr = row + 2 + i
        erhalten, weiter, eigen = _refs(book, chk)
        summe = chk.weitergeleitet_cent + chk.eigenanteil_cent
        what = f"{chk.knoten} {chk.jahr}"
        erows.append((chk.knoten, F(c.row_formula('IF([Weitergeleitet + eigene Stellen]<=[Erhalten],"eingehalten",'
                                                  '"VERLETZT")').replace("{r}", str(rr)),
                                    "eingehalten" if chk.ok else "VERLETZT"),
                      chk.jahr, erhalten, weiter, eigen,
                      book.derived(S_PROT, f"Summe {what}", c.row_formula(
                          "ROUND([Weitergeleitet]+[Anteil eigene Stellen],2)").replace("{r}", str(rr)), summe,
                          check=summe),
                      book.derived(S_PROT, f"Differenz {what}", c.row_formula(
                          "ROUND([Erhalten]-[Weitergeleitet + eigene Stellen],2)").replace("{r}", str(rr)),
                          chk.erhalten_cent - summe, check=chk.erhalten_cent - summe)))
    if erows:
        return xlsx.write_rows(ws, fm, row, c.cols, erows, widths=WIDTHS) + 1
    ws.write_string(row, 0, "Keine Erhaltungsprüfungen.", fm.note)
    return row + 2


def _refs(book: Book, chk: ConservationCheck) -> tuple[object, object, object]:
    """Received, forwarded and own share of a node as references to the Zuteilung sheet, where they agree."""
    a = book.allotment.get((chk.knoten, chk.jahr))
    row = book.layout.zut_row.get((chk.knoten, chk.jahr))
    if a is None or row is None:
        return chk.erhalten_cent, chk.weitergeleitet_cent, chk.eigenanteil_cent
    zut = xlsx.quote_sheet(S_ZUT)
    what = f"{chk.knoten} {chk.jahr}"
    wl, own = ZUT.letter("Weiterleitungsbetrag"), ZUT.letter("Anteil eigene Stellen")
    erhalten = book.derived(S_PROT, f"Erhalten {what}", f"{zut}!{wl}{row}", chk.erhalten_cent,
                            check=a.weiterleitung_cent)
    eigen = book.derived(S_PROT, f"Anteil eigene Stellen {what}", f"{zut}!{own}{row}", chk.eigenanteil_cent,
                         check=a.eigen_cent)
    kids = book.children.get((chk.knoten, chk.jahr), [])
    kid_rows = [book.layout.zut_row.get((k, chk.jahr)) for k in kids]
    if not kids or any(x is None for x in kid_rows):
        return erhalten, chk.weitergeleitet_cent, eigen
    formula = "ROUND(" + "+".join(f"{zut}!{wl}{x}" for x in kid_rows) + ",2)"
    weiter = book.derived(S_PROT, f"Weitergeleitet {what}", formula, chk.weitergeleitet_cent,
                          check=sum(book.allotment[(k, chk.jahr)].weiterleitung_cent for k in kids))
    return erhalten, weiter, eigen
