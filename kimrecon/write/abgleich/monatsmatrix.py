"""The Monatsmatrix sheet: per recipient and month the allotted and staffed VzÄ, eligible and paid, cumulative."""

from __future__ import annotations

from collections.abc import Sequence

from kimrecon.write.abgleich.book import S_MAT, Book, ints
from kimrecon.write.xlsx import Col, Columns

COLUMNS = Columns([
    Col("Empfänger"), Col("Geber"), Col("Jahr", "int"), Col("Monat", "int"), Col("VzÄ zugeteilt", "vzae"),
    Col("VzÄ besetzt", "vzae"), Col("Förderfähig im Monat", "money"), Col("Förderfähig kumuliert", "money"),
    Col("Förderfähig Teilbaum kumuliert", "money"), Col("Ausgezahlt im Monat", "money"),
    Col("Ausgezahlt kumuliert", "money"), Col("Saldo kumuliert", "money"),
])


def write(book: Book) -> None:
    """Write the Monatsmatrix (on several sheets when it exceeds Excel's row limit)."""
    m, c = book.mat, COLUMNS
    n = len(m)
    if n == 0:
        book.detail(S_MAT, "Monatsmatrix", c, [[] for _ in range(len(c))], 0, empty_note="Keine Monatswerte.")
        return
    emp = m["empfaenger"].astype(str).tolist()
    jahr, mon, f_m, f_k, a_m, a_k, saldo = (
        ints(m, col) for col in ("jahr", "monat", "foerderfaehig_cent", "foerderfaehig_kumuliert_cent",
                                 "ausgezahlt_cent", "ausgezahlt_kumuliert_cent", "saldo_kumuliert_cent"))
    teil = [a - s for a, s in zip(a_k, saldo, strict=True)]  # Förderfähig Teilbaum kumuliert, as the Saldo implies
    teil_of = {(e, j, mm): t for e, j, mm, t in zip(emp, jahr, mon, teil, strict=True)}
    split = book.layout.mat_split
    if split:
        book.derived.unmatched.append((S_MAT, "kumulierte Werte und Teilbaum",
                               "Monatsmatrix auf mehrere Blätter verteilt: Werte statt Formeln"))
    first_of_group = [i == 0 or emp[i - 1] != emp[i] or jahr[i - 1] != jahr[i] for i in range(n)]
    cum_f = c.row_formula("ROUND({p}+[Förderfähig im Monat],2)").replace(
        "{p}", c.letter("Förderfähig kumuliert") + "{p}")
    cum_a = c.row_formula("ROUND({p}+[Ausgezahlt im Monat],2)").replace(
        "{p}", c.letter("Ausgezahlt kumuliert") + "{p}")
    col_fk: list[object] = []
    col_ak: list[object] = []
    col_teil: list[object] = []
    own_letter, teil_letter = c.letter("Förderfähig kumuliert"), c.letter("Förderfähig Teilbaum kumuliert")
    for i in range(n):
        what = f"{emp[i]} {jahr[i]}-{mon[i]:02d}"
        if split:
            col_fk.append(f_k[i])
            col_ak.append(a_k[i])
            col_teil.append(teil[i])
            continue
        # cumulative = previous cumulative + this month (the month is a difference of cumulative figures)
        if first_of_group[i]:
            col_fk.append(book.derived(S_MAT, f"kumuliert {what}", c.row_formula("[Förderfähig im Monat]"), f_k[i],
                                       check=f_m[i]))
            col_ak.append(book.derived(S_MAT, f"kumuliert {what}", c.row_formula("[Ausgezahlt im Monat]"), a_k[i],
                                       check=a_m[i]))
        else:
            col_fk.append(book.derived(S_MAT, f"kumuliert {what}", cum_f, f_k[i], check=f_k[i - 1] + f_m[i]))
            col_ak.append(book.derived(S_MAT, f"kumuliert {what}", cum_a, a_k[i], check=a_k[i - 1] + a_m[i]))
        kids = book.children.get((emp[i], jahr[i]), [])
        kid_rows = [book.layout.mat_row.get((k, jahr[i], mon[i])) for k in kids]
        if any(x is None for x in kid_rows):
            col_teil.append(book.derived(S_MAT, f"Teilbaum {what}", None, teil[i],
                                         reason="Monatswerte einer nachgeordneten Stelle fehlen"))
            continue
        expected = f_k[i] + sum(teil_of[(k, jahr[i], mon[i])] for k in kids)
        formula = ("ROUND(" + "+".join([own_letter + "{r}"] + [f"{teil_letter}{x}" for x in kid_rows]) + ",2)"
                   if kids else own_letter + "{r}")
        col_teil.append(book.derived(S_MAT, f"Teilbaum {what}", formula, teil[i], check=expected))
    _resolve_previous(col_fk)
    _resolve_previous(col_ak)
    saldo_col = [book.derived(S_MAT, f"Saldo {e} {j}-{mm:02d}",
                              c.row_formula("ROUND([Ausgezahlt kumuliert]-[Förderfähig Teilbaum kumuliert],2)"), s,
                              check=a - t)
                 for e, j, mm, s, a, t in zip(emp, jahr, mon, saldo, a_k, teil, strict=True)]
    data: list[Sequence[object]] = [
        emp, [book.geber_of.get((e, j)) for e, j in zip(emp, jahr, strict=True)], jahr, mon,
        m["vzae_zugeteilt_e4"].tolist(), m["vzae_besetzt_e4"].tolist(), f_m, col_fk, col_teil, a_m, col_ak,
        saldo_col,
    ]
    book.detail(
        S_MAT, "Monatsmatrix je Empfänger (kumuliert ab Beginn des Bewilligungszeitraums)", c, data, n,
        freeze_cols=1,
        sheet_note="Saldo kumuliert = ausgezahlt kumuliert − förderfähig Teilbaum kumuliert; > 0: mehr ausgezahlt "
                   "als bis dahin förderfähig. Was der Saldo bedeutet, steht je Kante im Blatt Kanten.",
    )


def _resolve_previous(col: list[object]) -> None:
    """``{p}`` is the previous row; resolved here because the detail writer only knows ``{r}``."""
    from kimrecon.write.abgleich.book import FIRST_DATA_ROW
    from kimrecon.write.xlsx import F

    for i, v in enumerate(col):
        if isinstance(v, F) and "{p}" in v.formula:
            col[i] = F(v.formula.replace("{p}", str(FIRST_DATA_ROW + i - 1)), v.value)
