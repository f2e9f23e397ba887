"""The Kanten sheet: the settlement of every contract edge, its figures traced to the other sheets."""

from __future__ import annotations

from kimrecon.result import Edge, PaymentKind
from kimrecon.write import xlsx
from kimrecon.write.abgleich import zahlungen
from kimrecon.write.abgleich.book import S_KANT, S_MAT, S_ZUT, Book, edge_fields, plain_criterion
from kimrecon.write.abgleich.monatsmatrix import COLUMNS as MAT
from kimrecon.write.abgleich.zuteilung import COLUMNS as ZUT
from kimrecon.write.xlsx import Col, Columns

# Fields a later engine adds to Edge (issue 12); rendered as soon as the Result carries them
OPTIONAL: tuple[tuple[str, Col], ...] = (
    ("zahlungsplan_kumuliert_cent", Col("Zahlungsplan bis Stichtag", "money")),
    ("zahlungsabweichung_cent", Col("Abweichung vom Zahlungsplan", "money")),
    ("prognose_foerderfaehig_cent", Col("Prognose förderfähig (Jahr)", "money")),
    ("prognose_saldo_cent", Col("Prognose Saldo (Jahr)", "money")),
    ("jahr_abgeschlossen", Col("Jahr abgeschlossen", "bool")),
    ("besetzung_fehlt", Col("Besetzung fehlt", "bool")),
)


def columns() -> Columns:
    """The Kanten columns of this version of the Result."""
    present = edge_fields()
    return Columns([
        Col("Geber"), Col("Empfänger"), Col("Jahr", "int"), Col("Ebene", "int"), Col("Vertragsfassung"),
        Col("Bewilligungszeitraum von", "date"), Col("Bewilligungszeitraum bis", "date"),
        Col("VzÄ zugeteilt (Teilbaum)", "vzae"), Col("Weiterleitungsbetrag", "money"),
        Col("Förderfähig eigen kumuliert", "money"), Col("Förderfähig Teilbaum kumuliert", "money"),
        Col("Gezahlt (brutto)", "money"), Col("Zurückgezahlt", "money"), Col("Ausgezahlt kumuliert", "money"),
        Col("Saldo", "money"), Col("Ergebnis"), Col("Nachzahlung gekappt", "bool"), Col("Nachweisfrist", "date"),
        *(col for name, col in OPTIONAL if name in present),
    ])


def write(book: Book) -> None:
    """Write the Kanten sheet."""
    cols = columns()
    data: list[list[object]] = [[] for _ in range(len(cols))]
    last_month = _last_months(book)
    paid = _paid(book)
    present = edge_fields()
    for e in book.r.kanten:
        a = book.allotment.get((e.empfaenger, e.jahr))
        row: dict[str, object] = {
            "Geber": e.geber, "Empfänger": e.empfaenger, "Jahr": e.jahr, "Ebene": a.ebene if a else None,
            "Vertragsfassung": e.vertrag, "Bewilligungszeitraum von": e.von, "Bewilligungszeitraum bis": e.bis,
            "Ergebnis": e.art.value, "Nachzahlung gekappt": e.nachzahlung_gekappt, "Nachweisfrist": e.nachweisfrist,
        }
        row.update(_traced(book, e, cols, last_month, paid))
        for name, col in OPTIONAL:
            if name in present:
                row[col.header] = getattr(e, name)
        if "zahlungsabweichung_cent" in present and "zahlungsplan_kumuliert_cent" in present:
            row["Abweichung vom Zahlungsplan"] = book.derived(
                S_KANT, f"Abweichung vom Zahlungsplan {_what(e)}",
                cols.row_formula("ROUND([Ausgezahlt kumuliert]-[Zahlungsplan bis Stichtag],2)"),
                e.zahlungsabweichung_cent,
                check=e.ausgezahlt_kumuliert_cent - e.zahlungsplan_kumuliert_cent)
        for j, c in enumerate(cols.cols):
            data[j].append(row.get(c.header))
    book.detail(
        S_KANT, f"Abrechnung je Weiterleitungskante, Stand {book.r.stichtag:%d.%m.%Y}", cols, data,
        len(book.r.kanten), freeze_cols=2,
        sheet_note="Saldo = ausgezahlt − förderfähig (Teilbaum); > 0: der Empfänger hat mehr erhalten als "
                   "förderfähig, < 0: weniger (eine Nachzahlung höchstens bis zum Weiterleitungsbetrag). Die Spalte "
                   "Ergebnis sagt, was der Saldo zum Stichtag bedeutet.",
        empty_note="Keine Kanten.",
    )


def _what(e: Edge) -> str:
    return f"{e.geber} → {e.empfaenger} {e.jahr}"


def _traced(book: Book, e: Edge, cols: Columns, last_month: dict[tuple[str, int], tuple[int, int, int]],
            paid: dict[tuple[PaymentKind, int, str, str], int]) -> dict[str, object]:
    """The money and VzÄ columns: references and formulas wherever they reproduce the Result's figure."""
    what = _what(e)
    a = book.allotment.get((e.empfaenger, e.jahr))
    zr = book.layout.zut_row.get((e.empfaenger, e.jahr))
    out: dict[str, object] = {}
    zut = xlsx.quote_sheet(S_ZUT)
    if a is not None and zr is not None:
        out["VzÄ zugeteilt (Teilbaum)"] = book.derived(
            S_KANT, f"VzÄ {what}", f"{zut}!{ZUT.letter('VzÄ einschl. Weiterleitung')}{zr}", e.vzae_zugeteilt_e4,
            check=a.vzae_teilbaum_e4, kind="vzae")
        out["Weiterleitungsbetrag"] = book.derived(
            S_KANT, f"Weiterleitungsbetrag {what}", f"{zut}!{ZUT.letter('Weiterleitungsbetrag')}{zr}",
            e.weiterleitung_cent, check=a.weiterleitung_cent)
    else:
        out["VzÄ zugeteilt (Teilbaum)"] = e.vzae_zugeteilt_e4
        out["Weiterleitungsbetrag"] = e.weiterleitung_cent
    lm = last_month.get((e.empfaenger, e.jahr))
    mr = book.layout.mat_row.get((e.empfaenger, e.jahr, lm[0])) if lm else None
    if lm and mr:
        mat = xlsx.quote_sheet(S_MAT)
        out["Förderfähig eigen kumuliert"] = book.derived(
            S_KANT, f"Förderfähig eigen {what}", f"{mat}!{MAT.letter('Förderfähig kumuliert')}{mr}",
            e.foerderfaehig_eigen_kumuliert_cent, check=lm[1])
        out["Förderfähig Teilbaum kumuliert"] = book.derived(
            S_KANT, f"Förderfähig Teilbaum {what}", f"{mat}!{MAT.letter('Förderfähig Teilbaum kumuliert')}{mr}",
            e.foerderfaehig_kumuliert_cent, check=lm[2])
    else:
        out["Förderfähig eigen kumuliert"] = e.foerderfaehig_eigen_kumuliert_cent
        out["Förderfähig Teilbaum kumuliert"] = e.foerderfaehig_kumuliert_cent
    out["Gezahlt (brutto)"] = _payments(book, e, PaymentKind.ZAHLUNG, e.gezahlt_brutto_cent, paid)
    out["Zurückgezahlt"] = _payments(book, e, PaymentKind.RUECKZAHLUNG, e.zurueckgezahlt_cent, paid)
    out["Ausgezahlt kumuliert"] = book.derived(
        S_KANT, f"Ausgezahlt {what}", cols.row_formula("ROUND([Gezahlt (brutto)]-[Zurückgezahlt],2)"),
        e.ausgezahlt_kumuliert_cent, check=e.gezahlt_brutto_cent - e.zurueckgezahlt_cent)
    raw = e.ausgezahlt_kumuliert_cent - e.foerderfaehig_kumuliert_cent
    if e.nachzahlung_gekappt:
        formula = "ROUND(MAX([Ausgezahlt kumuliert]-[Förderfähig Teilbaum kumuliert],-[Weiterleitungsbetrag]),2)"
        check = max(raw, -e.weiterleitung_cent)
    else:
        formula, check = "ROUND([Ausgezahlt kumuliert]-[Förderfähig Teilbaum kumuliert],2)", raw
    out["Saldo"] = book.derived(S_KANT, f"Saldo {what}", cols.row_formula(formula), e.saldo_cent, check=check)
    return out


def _paid(book: Book) -> dict[tuple[PaymentKind, int, str, str], int]:
    """Payments counted up to the Stichtag, summed per (kind, year, giver, recipient), names casefolded."""
    out: dict[tuple[PaymentKind, int, str, str], int] = {}
    for p in book.r.zahlungen:
        if not p.nach_stichtag:
            key = (p.kind, p.jahr, (p.geber or "").casefold(), (p.kante_empfaenger or "").casefold())
            out[key] = out.get(key, 0) + p.betrag_cent
    return out


def _payments(book: Book, e: Edge, kind: PaymentKind, value: int,
              paid: dict[tuple[PaymentKind, int, str, str], int]) -> object:
    """SUMIFS over the Zahlungen rows of this edge counted up to the Stichtag, when it adds up to the figure."""
    rng = book.layout.zahl_range
    what = f"{'Gezahlt' if kind is PaymentKind.ZAHLUNG else 'Zurückgezahlt'} {_what(e)}"
    if rng is None:
        return value  # no payment rows (or a split sheet): the figure itself, nothing to trace
    if not plain_criterion(e.geber, e.empfaenger):
        return book.derived(S_KANT, what, None, value, reason="Name mit Platzhalterzeichen, keine SUMIFS-Formel")
    z = zahlungen.COLUMNS
    a, b = rng
    check = paid.get((kind, e.jahr, e.geber.casefold(), e.empfaenger.casefold()), 0)
    formula = (f'ROUND(SUMIFS({z.rng(zahlungen.SHEET, "Betrag", a, b)},'
               f'{z.rng(zahlungen.SHEET, "Kante: Geber", a, b)},"{e.geber}",'
               f'{z.rng(zahlungen.SHEET, "Kante: Empfänger", a, b)},"{e.empfaenger}",'
               f'{z.rng(zahlungen.SHEET, "Bezugsjahr", a, b)},{e.jahr},'
               f'{z.rng(zahlungen.SHEET, "Zählweise", a, b)},"{kind.value}",'
               f'{z.rng(zahlungen.SHEET, "Nach Stichtag", a, b)},"Nein"),2)')
    return book.derived(S_KANT, what, formula, value, check=check)


def _last_months(book: Book) -> dict[tuple[str, int], tuple[int, int, int]]:
    """(empfaenger, jahr) -> (last month, own cumulative, subtree cumulative) as the Monatsmatrix shows them.

    One pass over the rows; of equal months the later row counts (a stable sort's last row).
    """
    m = book.mat
    if len(m) == 0:
        return {}
    out: dict[tuple[str, int], tuple[int, int, int]] = {}
    for e, j, mm, fk, t in zip(m["empfaenger"].tolist(), m["jahr"].tolist(), m["monat"].tolist(),
                               m["foerderfaehig_kumuliert_cent"].tolist(),
                               m["foerderfaehig_teilbaum_kumuliert_cent"].tolist(), strict=True):
        key = (e, int(j))
        best = out.get(key)
        if best is None or int(mm) >= best[0]:
            out[key] = (int(mm), int(fk), int(t))
    return out
