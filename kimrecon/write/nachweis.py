"""The Verwendungsnachweis workbook of one recipient and year in the structure of the NRW Muster (ANBest-G).

Addressee, purpose, the Bescheid or Weiterleitungsvertrag it rests on, the amounts paid out with
their value dates, I. Sachbericht with the funded posts, II. Zahlenmäßiger Nachweis (Einnahmen,
Ausgaben, the monthly calculation, the result, interest), for a forwarding level III. the check of
the Nachweise below it (Nr. 12 VV zu § 44 LHO), which follow as further sheets, and the
Bestätigungen with the signature block on a page of their own. Every figure comes from the
Result; derived figures are live formulas with the Result's value cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from kimrecon.money import format_cents_de, round_half_up
from kimrecon.names import normalize_name
from kimrecon.result import Allotment, Edge, PaymentKind, Result
from kimrecon.write import xlsx
from kimrecon.write.atomic import atomic_path
from kimrecon.write.xlsx import F, Formats

SHEET = "Verwendungsnachweis"
LAST_COL = 7  # A..H
WIDTHS = (28, 15, 15, 15, 15, 14, 13, 13)
MARGIN_LEFT, MARGIN_RIGHT = 0.5, 0.4  # inches
MONTHS_DE = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
             "November", "Dezember")
ZWECK = ("Personalausgaben für das Kommunale Integrationsmanagement (KIM), Baustein II (rechtskreisübergreifendes "
         "Case Management), gefördert als Pauschale je Vollzeitäquivalent (VzÄ)")
CONFIRMATIONS = (
    "die allgemeinen und besonderen Nebenbestimmungen (ANBest-G) des Zuwendungsbescheids bzw. die Bestimmungen des "
    "Weiterleitungsvertrags beachtet wurden,",
    "die Ausgaben notwendig waren und wirtschaftlich und sparsam verfahren worden ist,",
    "die Angaben mit den Büchern und Belegen übereinstimmen.",
)
CONFIRM_HUB = ("die Verwendungsnachweise der nachgeordneten Stellen geprüft wurden (Nr. 12 VV zu § 44 LHO); das "
               "Ergebnis steht in Abschnitt III.")


def nachweis_filename(jahr: int, empfaenger: str) -> str:
    """Safe file name for a recipient's Verwendungsnachweis, e.g. ``Verwendungsnachweis_2023_Stadt_Kamen.xlsx``."""
    safe = re.sub(r"[^A-Za-z0-9-]+", "_", xlsx.ascii_name(empfaenger)).strip("_") or "Empfaenger"
    return f"Verwendungsnachweis_{jahr}_{safe[:80]}.xlsx"


def nachweis_empfaenger(result: Result, jahr: int) -> list[str]:
    """Recipients that have a settled edge in ``jahr`` (those a Verwendungsnachweis can be written for)."""
    seen: list[str] = []
    for e in result.kanten:
        if e.jahr == jahr and e.empfaenger not in seen:
            seen.append(e.empfaenger)
    return seen


def write_nachweis(result: Result, jahr: int, empfaenger: str, path: Path) -> Path:
    """Write the Verwendungsnachweis of ``empfaenger`` for ``jahr`` to ``path`` atomically.

    A forwarding level's workbook holds the Nachweise of every level below it as further sheets.
    Raises ``ValueError`` when the result holds no settlement (edge) for that recipient and year.
    """
    path = Path(path)
    edge = _edge(result, jahr, empfaenger)
    with atomic_path(path) as tmp:
        wb = xlsx.open_workbook(tmp)
        try:
            xlsx.set_properties(
                wb, title=f"Verwendungsnachweis {jahr} {edge.empfaenger}",
                subject="KIM Baustein II: Verwendungsnachweis (Sachbericht und zahlenmäßiger Nachweis)",
                created=result.zeitpunkt, lauf_id=result.lauf_id, version=result.version, dateien=result.dateien,
                extra=(("Empfänger", edge.empfaenger), ("Jahr", str(jahr)), ("Monat", str(result.monat))),
            )
            fm = Formats(wb)
            order = _subtree(result, edge)
            names = _sheet_names([e.empfaenger for e in order])
            sheets = {e.empfaenger: wb.add_worksheet(n) for e, n in zip(order, names, strict=True)}
            anchors: dict[str, _Anchors] = {}
            for e in reversed(order):  # children first: a parent's table refers to their cells
                anchors[e.empfaenger] = _Sheet(result, e, wb, sheets[e.empfaenger], fm, anchors,
                                               dict(zip([x.empfaenger for x in order], names, strict=True)),
                                               main=e is edge).write()
        finally:
            wb.close()
        xlsx.usual_permissions(tmp)
    return path


def _edge(result: Result, jahr: int, empfaenger: str) -> Edge:
    edges = [e for e in result.kanten if e.jahr == jahr]
    edge = next((e for e in edges if e.empfaenger == empfaenger), None)
    if edge is None:
        key = normalize_name(empfaenger)
        edge = next((e for e in edges if normalize_name(e.empfaenger) == key), None)
    if edge is None:
        raise ValueError(f"no settlement for {empfaenger!r} in {jahr}")
    return edge


def _subtree(result: Result, edge: Edge) -> list[Edge]:
    """The edge and every edge below it in the same year, depth first."""
    out: list[Edge] = []
    stack = [edge]
    while stack:
        e = stack.pop()
        if any(x is e for x in out):
            continue
        out.append(e)
        stack.extend(reversed([c for c in result.kanten if c.jahr == e.jahr and c.geber == e.empfaenger
                               and all(c is not x for x in out)]))
    return out


def _sheet_names(recipients: list[str]) -> list[str]:
    names: list[str] = []
    for i, r in enumerate(recipients):
        base = SHEET if i == 0 else xlsx.safe_sheet_name(f"VN {r}")
        name, k = base, 2
        while name.casefold() in (n.casefold() for n in names):
            name = xlsx.safe_sheet_name(f"{base[:27]} ({k})")
            k += 1
        names.append(name)
    return names


@dataclass
class _Anchors:
    """1-based cells of a Nachweis sheet its parent's table refers to."""

    sheet: str
    cells: dict[str, str] = field(default_factory=dict)  # key -> "B12"

    def ref(self, key: str) -> str | None:
        c = self.cells.get(key)
        return f"{xlsx.quote_sheet(self.sheet)}!{c}" if c else None


def _eur(cents: int) -> str:
    return format_cents_de(cents).replace(" €", " EUR")


class _Sheet:
    """One Verwendungsnachweis sheet."""

    def __init__(self, result: Result, edge: Edge, wb: Workbook, ws: Worksheet, fm: Formats,
                 below: dict[str, _Anchors], sheet_names: dict[str, str], *, main: bool) -> None:
        self.r, self.e, self.wb, self.ws, self.fm = result, edge, wb, ws, fm
        self.below, self.sheet_names, self.main = below, sheet_names, main
        self.name = ws.get_name()
        self.row = 0
        self.breaks: list[int] = []
        self.derived = xlsx.Derived()
        self.anchors = _Anchors(self.name)
        self.children = [c for c in result.kanten if c.jahr == edge.jahr and c.geber == edge.empfaenger]
        add = wb.add_format
        base = {"font_name": "Arial", "font_size": 10, "valign": "top"}
        self.para = add({**base, "text_wrap": True})
        self.box = add({**base, "text_wrap": True, "border": 1, "locked": False})
        self.fill = add({**base, "locked": False, "border": 1, "bg_color": "#FFF2CC", "num_format": xlsx.MONEY_FMT})
        self.fill_text = add({**base, "locked": False, "border": 1, "bg_color": "#FFF2CC", "text_wrap": True})
        self.pct = add({**base, "num_format": "0.0 %"})
        self.seal = add({**base, "border": 1, "align": "center", "valign": "vcenter", "font_color": "#808080"})

    # ------------------------------------------------------------------ small writers
    def cell(self, key: str, row: int, col: int = 1) -> str:
        """Remember a cell under ``key`` and return its A1 address."""
        a1 = xlsx.cell(row, col)
        self.anchors.cells[key] = a1
        return a1

    def text_row(self, label: str, text: str) -> None:
        """A label in A and a wrapped text merged over B:H, the row as high as the text needs."""
        self.ws.write_string(self.row, 0, label, self.fm.label)
        self.ws.merge_range(self.row, 1, self.row, LAST_COL, text, self.para)
        self.ws.set_row(self.row, xlsx.LINE_HEIGHT * xlsx.lines_needed([text], [sum(WIDTHS[1:])]) + 3)
        self.row += 1

    def value_row(self, label: str, value: object, kind: str = "text", fmt: Any = None, key: str = "") -> int:
        row = self.row
        self.ws.write_string(row, 0, label, self.fm.text)
        xlsx.write_value(self.ws, row, 1, value, kind, self.fm, fmt)
        if key:
            self.cell(key, row)
        self.row += 1
        return row

    def heading(self, text: str, *, page_break: bool = False) -> None:
        self.row += 1
        if page_break:
            self.breaks.append(self.row)
        self.ws.write_string(self.row, 0, text, self.fm.subtitle)
        self.row += 1

    def paragraph(self, text: str, *, fmt: Any = None) -> None:
        """A text merged over the sheet's width, wrapped, the row as high as the text needs."""
        self.ws.merge_range(self.row, 0, self.row, LAST_COL, text, fmt or self.para)
        self.ws.set_row(self.row, xlsx.LINE_HEIGHT * xlsx.lines_needed([text], [sum(WIDTHS)]) + 3)
        self.row += 1

    def header(self, heads: list[str]) -> None:
        for j, h in enumerate(heads):
            self.ws.write_string(self.row, j, h, self.fm.header)
        self.ws.set_row(self.row, 27)
        self.row += 1

    # ------------------------------------------------------------------ the sheet
    def write(self) -> _Anchors:
        r, e, ws, fm = self.r, self.e, self.ws, self.fm
        for j, w in enumerate(WIDTHS):
            ws.set_column(j, j, w)
        title = (f"Verwendungsnachweis {e.jahr}" if self.main
                 else f"Anlage: Verwendungsnachweis {e.jahr} – {e.empfaenger}")
        ws.write_string(0, 0, title, fm.title)
        ws.write_string(1, 0, "Kommunales Integrationsmanagement (KIM) Baustein II – Zuwendung des Landes "
                              "Nordrhein-Westfalen", fm.subtitle)
        closed = getattr(e, "jahr_abgeschlossen", r.stichtag >= e.bis)
        if not closed:
            ws.write_string(2, 0, f"Vorläufig: Zahlen bis zum Stichtag {r.stichtag:%d.%m.%Y}; der Nachweis des "
                                  f"ganzen Bewilligungszeitraums folgt nach dessen Ende.", fm.status_bad)
        self.row = 3
        self._head()
        self._payments()
        self._sachbericht()
        self._numbers()
        if self.children:
            self._children()
        self._confirmation()
        if self.derived.unmatched:
            self.heading("Hinweis: Werte ohne Formel")
            for _, what, why in self.derived.unmatched:
                self.paragraph(f"{what}: {why}", fmt=fm.wrap_note)
        self._print_setup()
        return self.anchors

    def _head(self) -> None:
        r, e = self.r, self.e
        self.text_row("An (Zuwendungsgeber)", e.geber)
        self.text_row("Zuwendungsempfänger", e.empfaenger)
        self.text_row("Zweck", ZWECK)
        refs = self._references()
        self.text_row("Rechtsgrundlage", refs)
        self.text_row("Bewilligungszeitraum", f"{e.von:%d.%m.%Y} – {e.bis:%d.%m.%Y}")
        self.value_row("Bewilligte Zuwendung", e.weiterleitung_cent, "money", self.fm.bold_money, key="bewilligt")
        self.value_row("Stand der Abrechnung (Stichtag)", min(r.stichtag, e.bis), "date")
        self.value_row("Abrechnungsmodus", r.modus)
        frist = e.nachweisfrist or next((d.frist for d in r.fristen if d.empfaenger == e.empfaenger
                                         and d.geber == e.geber and d.jahr == e.jahr), None)
        self.value_row("Nachweisfrist", frist if frist else "nicht hinterlegt", "date" if frist else "text")
        self.value_row("Lauf-ID", r.lauf_id)

    def _references(self) -> str:
        """The Bescheid (for the Kreis) or the Weiterleitungsvertrag with its amendments (for a recipient below)."""
        e = self.e
        grants = [g for g in self.r.bescheide if g.jahr == e.jahr and g.empfaenger == e.empfaenger
                  and g.behoerde == e.geber]
        if grants:
            parts = []
            for g in grants:
                datum = f" vom {g.datum:%d.%m.%Y}" if g.datum else ""
                az = f", Az. {g.aktenzeichen}" if g.aktenzeichen else ""
                extra = ", ".join(x for x in (f"Nr. {g.bescheid_id}" if g.bescheid_id else "", g.art or "") if x)
                parts.append(f"{g.art if g.art and g.art != 'Erstbescheid' else 'Zuwendungsbescheid'}{datum}{az}"
                             f"{f' ({extra})' if extra else ''} über {_eur(g.summe_cent)}")
            return "; ".join(parts)
        versions = sorted((v for v in self.r.vertraege if v.geber == e.geber and v.empfaenger == e.empfaenger
                           and v.gueltig_ab <= e.bis), key=lambda v: v.gueltig_ab)
        if not versions:
            return f"Weiterleitungsvertrag mit {e.geber} über {_eur(e.weiterleitung_cent)} (Vertragsfassungen nicht " \
                   f"erfasst)"
        listed = "; ".join(
            f"{v.fassung}{f' vom {v.vertragsdatum:%d.%m.%Y}' if v.vertragsdatum else ''}, gültig ab "
            f"{v.gueltig_ab:%d.%m.%Y}{' (maßgeblich)' if v.fassung == e.vertrag else ''}" for v in versions)
        return f"Weiterleitungsvertrag mit {e.geber}: {listed}; Zuwendung {e.jahr} über {_eur(e.weiterleitung_cent)}"

    def _payments(self) -> None:
        e, ws, fm = self.e, self.ws, self.fm
        self.heading("Ausgezahlte Beträge (Wertstellung)")
        pays = [p for p in self.r.zahlungen if p.jahr == e.jahr and p.geber == e.geber
                and p.kante_empfaenger == e.empfaenger]
        if not pays:
            self.paragraph("Keine Zahlungen erfasst.", fmt=fm.note)
            self.value_row("Ausgezahlt (netto) bis zum Stichtag", e.ausgezahlt_kumuliert_cent, "money",
                           fm.bold_money, key="ausgezahlt")
            return
        self.header(["Verwendungszweck", "Wertstellung", "Zählweise", "Betrag", "Nach Stichtag", "Kassenzeichen"])
        first = self.row
        for p in pays:
            row = self.row
            xlsx.write_text(ws, row, 0, p.verwendungszweck or p.art or "", fm.wrap)
            xlsx.write_value(ws, row, 1, p.datum, "date", fm)
            ws.write_string(row, 2, p.kind.value, fm.wrap)
            ws.write_number(row, 3, xlsx.euro(p.betrag_cent), fm.money)
            xlsx.write_value(ws, row, 4, p.nach_stichtag, "bool", fm)
            xlsx.write_text(ws, row, 5, p.kassenzeichen)
            xlsx.fit_row(ws, row, [p.verwendungszweck or p.art, None, p.kind.value], WIDTHS)
            self.row += 1
        a, b = first + 1, self.row

        def counted(kind: str) -> str:
            return f'SUMIFS(D{a}:D{b},C{a}:C{b},"{kind}",E{a}:E{b},"Nein")'

        # what the SUMIFS adds up (a check of the formula; the figure shown is the Result's)
        check = sum(p.betrag_cent if p.kind is PaymentKind.ZAHLUNG else -p.betrag_cent for p in pays
                    if not p.nach_stichtag and p.kind in (PaymentKind.ZAHLUNG, PaymentKind.RUECKZAHLUNG))
        total = self.derived(self.name, "Ausgezahlt (netto)",
                             f"ROUND({counted('Zahlung')}-{counted('Rückzahlung')},2)",
                             e.ausgezahlt_kumuliert_cent, check=check)
        ws.write_string(self.row, 0, "Ausgezahlt (netto) bis zum Stichtag", fm.total_label)
        for j in (1, 2, 4, 5):
            ws.write_blank(self.row, j, None, fm.total_label)
        xlsx.write_value(ws, self.row, 3, total, "money", fm, fm.total_money)
        self.cell("ausgezahlt", self.row, 3)
        self.row += 1
        self.paragraph("Es zählen Zahlungen des Gebers abzüglich Rückzahlungen bis zum Stichtag; Zahlungen nach dem "
                       "Stichtag sind aufgeführt, zählen aber nicht.", fmt=fm.wrap_note)

    def _sachbericht(self) -> None:
        e, ws, fm = self.e, self.ws, self.fm
        self.heading("I. Sachbericht")
        ws.write_string(self.row, 0, "1. Geförderte Stellen (pseudonym)", fm.label)
        self.row += 1
        posts = self._posts()
        if posts is None or len(posts) == 0:
            self.paragraph("Keine Stellen in der Besetzungsliste für diesen Zeitraum.", fmt=fm.note)
        else:
            self.header(["Stelle", "Personal-ID", "von", "bis", "Wochenstunden", "Stellenanteil (VzÄ)",
                         "Personal-\nkosten"])
            cols = (("stelle_id", "text"), ("personal_id", "text"), ("beginn", "date"), ("ende", "date"),
                    ("wochenstunden_h100", "hours"), ("stellenanteil_e4", "vzae"), ("personalkosten_cent", "money"))
            values = {c: xlsx.frame_column(posts, c) for c, _ in cols}
            first = self.row
            for i in range(len(posts)):
                for j, (c, kind) in enumerate(cols):
                    v = values[c][i]
                    if c == "ende" and v is None:
                        v, kind = "offen", "text"
                    xlsx.write_value(ws, self.row, j, v, kind, fm)
                self.row += 1
            allot = self._allotment()
            if allot is not None and allot.personalkosten_cent is not None:
                self.pk_cents = allot.personalkosten_cent  # the engine's total of exactly these rows
                ws.write_string(self.row, 0, "Summe Personalkosten (Besetzungsliste)", fm.total_label)
                ws.write_formula(self.row, 6, f"=ROUND(SUM(G{first + 1}:G{self.row}),2)", fm.total_money,
                                 xlsx.euro(self.pk_cents))
                self.cell("personalkosten", self.row, 6)
                self.row += 1
        self.row += 1
        ws.write_string(self.row, 0, "2. Verwendung der Zuwendung und erreichte Ziele", fm.label)
        self.row += 1
        ws.merge_range(self.row, 0, self.row + 5, LAST_COL, "", self.box)
        self.row += 6
        del e

    def _allotment(self) -> Allotment | None:
        e = self.e
        return next((x for x in self.r.zuteilungen if x.jahr == e.jahr and x.empfaenger == e.empfaenger), None)

    def _posts(self) -> Any:
        """The recipient's staffing rows in the Bewilligungszeitraum, as the engine chose them (pseudonymous)."""
        b, a = self.r.besetzung, self._allotment()
        if b is None or len(b) == 0 or a is None:
            return None
        return b.iloc[list(a.stellen)]

    def _numbers(self) -> None:
        e, ws, fm = self.e, self.ws, self.fm
        self.heading("II. Zahlenmäßiger Nachweis", page_break=True)
        # 3. the monthly calculation comes first in the sheet's logic but prints after 1. and 2.; the cells
        # of 1. and 2. refer to it, so its rows are fixed here
        ein_top = self.row
        n_kids = 1 if self.children else 0
        aus_top = ein_top + 1 + 1 + 5 + 1  # heading, header, 4 rows + sum, gap
        calc_top = aus_top + 1 + 1 + 2 + n_kids + 1 + 1  # heading, header, rows, sum, gap
        month_sum = self._months(calc_top)
        end_calc = self.row
        # 2. Ausgaben
        self.row = aus_top
        ws.write_string(self.row, 0, "2. Ausgaben", fm.label)
        self.row += 1
        self.header(["Position", "insgesamt", "davon zuwendungs-\nfähig"])
        r_pers = self.row
        ws.write_string(r_pers, 0, "Personalausgaben", fm.text)
        pk = self.anchors.cells.get("personalkosten")
        if pk and self.pk_cents is not None:
            ws.write_formula(r_pers, 1, f"={pk}", fm.money, xlsx.euro(self.pk_cents))
        else:
            ws.write_blank(r_pers, 1, None, self.fill)
            ws.write_comment(r_pers, 1, "Bitte die tatsächlichen Personalausgaben eintragen (die Besetzungsliste "
                                        "enthält keine Personalkosten).")
        own = e.foerderfaehig_eigen_kumuliert_cent
        own_v = self.derived(self.name, "Zuwendungsfähig, eigene Stellen", f"D{month_sum + 1}" if month_sum else None,
                             own, check=self._month_total, reason="keine Monatswerte")
        xlsx.write_value(ws, r_pers, 2, own_v, "money", fm)
        self.row += 1
        r_kids = None
        kid_paid = sum(c.ausgezahlt_kumuliert_cent for c in self.children)
        kid_elig = e.foerderfaehig_kumuliert_cent - own
        if self.children:
            r_kids = self.row
            ws.write_string(r_kids, 0, "Weiterleitung (siehe III.)", fm.text)
            self.row += 1
        r_sum = self.row
        ws.write_string(r_sum, 0, "Summe", fm.total_label)
        zf = self.derived(self.name, "Zuwendungsfähige Ausgaben insgesamt",
                          f"ROUND(SUM(C{r_pers + 1}:C{r_sum}),2)", e.foerderfaehig_kumuliert_cent,
                          check=own + (kid_elig if self.children else 0))
        xlsx.write_value(ws, r_sum, 2, zf, "money", fm, fm.total_money)
        self.cell("zuwendungsfaehig", r_sum, 2)
        ins = f'IF(B{r_pers + 1}="","",ROUND(SUM(B{r_pers + 1}:B{r_sum}),2))'
        kids_out = kid_paid if self.children else 0
        ws.write_formula(r_sum, 1, f"={ins}", fm.total_money,
                         "" if self.pk_cents is None else xlsx.euro(self.pk_cents + kids_out))
        self.kid_rows = (r_kids, kid_paid, kid_elig)
        # 1. Einnahmen
        self.row = ein_top
        ws.write_string(self.row, 0, "1. Einnahmen", fm.label)
        self.row += 1
        self.header(["Position", "lt. Bescheid bzw. Vertrag", "%", "lt. Abrechnung", "%"])
        r_eig, r_dri, r_zuw, r_tot = self.row, self.row + 1, self.row + 2, self.row + 3
        ws.write_string(r_eig, 0, "Eigenanteil (Eigenmittel)", fm.wrap)
        ws.write_string(r_dri, 0, "Leistungen Dritter", fm.wrap)
        ws.write_string(r_zuw, 0, "Zuwendung", fm.wrap)
        ws.write_string(r_tot, 0, "Summe", fm.total_label)
        ws.write_blank(r_dri, 3, None, self.fill)
        ws.write_formula(r_zuw, 1, f"={self.anchors.cells['bewilligt']}", fm.money, xlsx.euro(e.weiterleitung_cent))
        ws.write_formula(r_zuw, 3, f"=C{r_sum + 1}", fm.money, xlsx.euro(e.foerderfaehig_kumuliert_cent))
        ws.write_formula(r_tot, 1, f"=ROUND(SUM(B{r_eig + 1}:B{r_zuw + 1}),2)", fm.total_money,
                         xlsx.euro(e.weiterleitung_cent))
        total_b = f"B{r_sum + 1}"
        ausgaben = None if self.pk_cents is None else self.pk_cents + kids_out
        eigen = None if ausgaben is None else max(0, ausgaben - e.foerderfaehig_kumuliert_cent)
        ws.write_formula(r_eig, 3, f'=IF({total_b}="","",ROUND(MAX(0,{total_b}-D{r_zuw + 1}-N(D{r_dri + 1})),2))',
                         fm.money, "" if eigen is None else xlsx.euro(eigen))
        tot_ab = None if eigen is None else eigen + e.foerderfaehig_kumuliert_cent
        ws.write_formula(r_tot, 3, f'=IF(D{r_eig + 1}="","",ROUND(D{r_eig + 1}+N(D{r_dri + 1})+D{r_zuw + 1},2))',
                         fm.total_money, "" if tot_ab is None else xlsx.euro(tot_ab))
        for rr, share_b, share_d in ((r_eig, None, eigen), (r_dri, None, 0 if tot_ab is not None else None),
                                     (r_zuw, 1.0, e.foerderfaehig_kumuliert_cent if tot_ab is not None else None),
                                     (r_tot, 1.0, tot_ab)):
            ws.write_formula(rr, 2, f'=IF(N(B{rr + 1})=0,"",B{rr + 1}/B{r_tot + 1})', self.pct,
                             share_b if share_b is not None else "")
            ws.write_formula(rr, 4, f'=IF(OR(D{r_tot + 1}="",N(D{r_tot + 1})=0),"",N(D{rr + 1})/D{r_tot + 1})',
                             self.pct, "" if share_d is None or not tot_ab else share_d / tot_ab)
        self.row = r_tot + 1
        self.paragraph("Zuwendungsfähig ist die Pauschale je VzÄ für die besetzten Monate (Berechnung unter 3.). "
                       "Gelb hinterlegte Felder bitte ausfüllen; der Eigenanteil ergibt sich dann aus den Ausgaben.",
                       fmt=fm.wrap_note)
        self.row = end_calc
        self._result()
        self._interest()

    _month_total: int | None = None
    pk_cents: int | None = None  # total of the listed Personalkosten (None: the list has none)

    def _months(self, top: int) -> int | None:
        """3. the monthly calculation of the eligible amount; return the 0-based row of its sum (None: no months)."""
        e, ws, fm, r = self.e, self.ws, self.fm, self.r
        self.row = top
        ws.write_string(self.row, 0, "3. Berechnung der zuwendungsfähigen Ausgaben (eigene Stellen)", fm.label)
        self.row += 1
        a = next((x for x in r.zuteilungen if x.jahr == e.jahr and x.empfaenger == e.empfaenger), None)
        m = r.monate
        months = None
        if m is not None and len(m):
            months = m[(m["empfaenger"] == e.empfaenger) & (m["jahr"] == e.jahr)].sort_values("monat")
            months = months[[e.von <= date(e.jahr, int(x), 1) <= e.bis for x in months["monat"]]]
        if a is None or months is None or len(months) == 0:
            self.paragraph("Keine Monatswerte.", fmt=fm.note)
            return None
        r_rate = self.value_row("Pauschale je VzÄ und Jahr", a.pauschale_cent, "money")
        self.value_row("VzÄ zugeteilt, eigene Stellen", a.vzae_eigen_e4, "vzae")
        self.header(["Monat", "VzÄ zugeteilt", "VzÄ besetzt", "Förderfähig im Monat", "Förderfähig kumuliert"])
        first = self.row
        mon = [int(x) for x in months["monat"].tolist()]
        zug = [int(x) for x in months["vzae_zugeteilt_e4"].tolist()]
        bes = [int(x) for x in months["vzae_besetzt_e4"].tolist()]
        exact = ([Fraction(int(z), int(n)) for z, n in zip(months["vzae_besetzt_zaehler"],
                                                           months["vzae_besetzt_nenner"], strict=True)]
                 if "vzae_besetzt_nenner" in months.columns else [Fraction(b, 10_000) for b in bes])
        f_m = [int(x) for x in months["foerderfaehig_cent"].tolist()]
        f_k = [int(x) for x in months["foerderfaehig_kumuliert_cent"].tolist()]
        acc = Fraction(0)
        for i in range(len(mon)):
            row = self.row
            ws.write_string(row, 0, f"{MONTHS_DE[mon[i] - 1]} {e.jahr}")
            ws.write_number(row, 1, xlsx.vzae(zug[i]), fm.vzae)
            if (exact[i] * 10_000).denominator == 1:
                ws.write_number(row, 2, float(exact[i]), fm.vzae)
            else:  # e.g. 30/39: the exact fraction as a formula, shown rounded, summed exactly
                ws.write_formula(row, 2, f"={exact[i].numerator}/{exact[i].denominator}", fm.vzae, float(exact[i]))
            acc += exact[i]
            # the check: what ROUND(Pauschale × Σ VzÄ besetzt / 12, 2) gives (R4 monatsprinzip)
            cum = self.derived(self.name, f"Förderfähig kumuliert {MONTHS_DE[mon[i] - 1]}",
                               f"ROUND($B${r_rate + 1}*SUM($C${first + 1}:C{row + 1})/12,2)", f_k[i],
                               check=round_half_up(Fraction(a.pauschale_cent) * acc / 12))
            xlsx.write_value(ws, row, 4, cum, "money", fm)
            month = self.derived(self.name, f"Förderfähig im Monat {MONTHS_DE[mon[i] - 1]}",
                                 f"E{row + 1}" if i == 0 else f"ROUND(E{row + 1}-E{row},2)", f_m[i],
                                 check=f_k[i] if i == 0 else f_k[i] - f_k[i - 1])
            xlsx.write_value(ws, row, 3, month, "money", fm)
            self.row += 1
        last = self.row - 1
        ws.write_string(self.row, 0, "Summe (VzÄ-Monate, förderfähig)", fm.total_label)
        ws.write_blank(self.row, 1, None, fm.total_label)
        ws.write_formula(self.row, 2, f"=SUM(C{first + 1}:C{last + 1})", fm.total_vzae, float(sum(exact, Fraction(0))))
        self._month_total = sum(f_m)
        ws.write_formula(self.row, 3, f"=ROUND(SUM(D{first + 1}:D{last + 1}),2)", fm.total_money,
                         xlsx.euro(self._month_total))
        ws.write_blank(self.row, 4, None, fm.total_label)
        sum_row = self.row
        self.row += 1
        return sum_row

    def _result(self) -> None:
        e, fm = self.e, self.fm
        self.row += 1
        self.ws.write_string(self.row, 0, "4. Ergebnis der Abrechnung", fm.label)
        self.row += 1
        aus = self.anchors.cells["ausgezahlt"]
        zf = self.anchors.cells["zuwendungsfaehig"]
        self.value_row("Ausgezahlt (netto)", F(aus, xlsx.euro(e.ausgezahlt_kumuliert_cent)), "money")
        self.value_row("Zuwendungsfähige Ausgaben", F(zf, xlsx.euro(e.foerderfaehig_kumuliert_cent)), "money")
        raw = e.ausgezahlt_kumuliert_cent - e.foerderfaehig_kumuliert_cent
        bew = self.anchors.cells["bewilligt"]
        if e.nachzahlung_gekappt:
            formula, check = f"ROUND(MAX({aus}-{zf},-{bew}),2)", max(raw, -e.weiterleitung_cent)
        else:
            formula, check = f"ROUND({aus}-{zf},2)", raw
        saldo = self.derived(self.name, "Saldo", formula, e.saldo_cent, check=check)
        self.value_row("Saldo", saldo, "money", fm.bold_money, key="saldo")
        self.ws.write_string(self.row - 1, 2, "ausgezahlt − zuwendungsfähig; > 0: mehr erhalten als zuwendungsfähig",
                             fm.note)
        self.value_row("Ergebnis", e.art.value, "text", fm.label)
        for attr, label in (("zahlungsplan_kumuliert_cent", "Zahlungsplan bis zum Stichtag"),
                            ("zahlungsabweichung_cent", "Abweichung vom Zahlungsplan"),
                            ("prognose_foerderfaehig_cent", "Prognose zuwendungsfähig (ganzes Jahr)"),
                            ("prognose_saldo_cent", "Prognose Saldo (ganzes Jahr)")):
            value = getattr(e, attr, None)
            if value is not None:
                self.value_row(label, value, "money")

    def _interest(self) -> None:
        e, ws, fm = self.e, self.ws, self.fm
        self.row += 1
        ws.write_string(self.row, 0, "5. Zinsen", fm.label)
        self.row += 1
        key = normalize_name(e.empfaenger)
        claims = [c for c in self.r.zinsen if normalize_name(c.schuldner) == key and (c.jahr in (None, e.jahr))]
        proposed = [c for c in self.r.rueckforderungsvorschlaege
                    if c.schuldner == e.empfaenger and c.glaeubiger == e.geber and c.jahr == e.jahr]
        if claims:
            self.header(["Forderung", "Zinsbeginn", "Zinsende", "Zinstage", "Betrag", "Zinsen",
                         "Gläubiger"])
            first = self.row
            for c in claims:
                for j, (v, kind) in enumerate(((c.forderung_id, "text"), (c.von, "date"), (c.bis, "date"),
                                               (c.tage, "int"), (c.betrag_cent, "money"), (c.zinsbetrag_cent, "money"),
                                               (c.glaeubiger, "text"))):
                    xlsx.write_value(ws, self.row, j, v, kind, fm)
                self.row += 1
            ws.write_string(self.row, 0, "Summe Zinsen", fm.total_label)
            ws.write_formula(self.row, 5, f"=ROUND(SUM(F{first + 1}:F{self.row}),2)", fm.total_money,
                             xlsx.euro(sum(c.zinsbetrag_cent for c in claims)))
            self.row += 1
        else:
            self.paragraph("Erstattungszinsen: keine Zinsforderung erfasst. Zinsen (§ 49a Abs. 3 VwVfG NRW, Nr. 8.5 "
                           "VV zu § 44 LHO) werden erst berechnet, wenn eine Rückforderung mit Zinsbeginn vorliegt.",
                           fmt=fm.wrap_note)
        for claim in proposed:
            self.value_row("Vorgeschlagene Rückforderung", claim.betrag_cent, "money")
            self.paragraph("Der Zinsbeginn ist im Rückforderungsbescheid festzusetzen (§ 49a Abs. 3 VwVfG NRW).",
                           fmt=fm.wrap_note)
        zz = sum(z.zinsbetrag_cent for z in self.r.zwischenzinsen if z.empfaenger == e.empfaenger
                 and z.geber == e.geber and z.jahr == e.jahr)
        r_zz = self.value_row("Potenzielle Zwischenzinsen", zz, "money")
        ws.write_string(r_zz, 2, "Risikozahl, keine Forderung (Ermessen, § 49a Abs. 4 VwVfG NRW)", fm.note)

    def _children(self) -> None:
        ws, fm = self.ws, self.fm
        self.heading("III. Prüfung der Verwendungsnachweise der nachgeordneten Stellen (Nr. 12 VV zu § 44 LHO)",
                     page_break=True)
        self.paragraph("Die Nachweise der nachgeordneten Stellen folgen als weitere Blätter dieser Arbeitsmappe "
                       "(Blattname in Klammern).", fmt=fm.wrap_note)
        self.header(["Empfänger (Blatt)", "VzÄ", "Weiterleitung", "Ausgezahlt", "Zuwendungs-\nfähig", "Saldo",
                     "Ergebnis", "Geprüft am"])
        first = self.row
        for c in self.children:
            row = self.row
            anchors = self.below.get(c.empfaenger)
            label = f"{c.empfaenger} ({self.sheet_names.get(c.empfaenger, '')})"
            xlsx.write_text(ws, row, 0, label, fm.wrap)
            xlsx.fit_row(ws, row, [label, None, None, None, None, None, c.art.value], WIDTHS)
            ws.write_number(row, 1, xlsx.vzae(c.vzae_zugeteilt_e4), fm.vzae)
            for col, key, cents in ((2, "bewilligt", c.weiterleitung_cent),
                                    (3, "ausgezahlt", c.ausgezahlt_kumuliert_cent),
                                    (4, "zuwendungsfaehig", c.foerderfaehig_kumuliert_cent),
                                    (5, "saldo", c.saldo_cent)):
                ref = anchors.ref(key) if anchors else None
                xlsx.write_value(ws, row, col, F(ref, xlsx.euro(cents)) if ref else cents, "money", fm)
            ws.write_string(row, 6, c.art.value, fm.wrap)
            ws.write_blank(row, 7, None, self.fill_text)
            self.row += 1
        last = self.row - 1
        ws.write_string(self.row, 0, "Summe", fm.total_label)
        ws.write_formula(self.row, 1, f"=SUM(B{first + 1}:B{last + 1})", fm.total_vzae,
                         xlsx.vzae(sum(c.vzae_zugeteilt_e4 for c in self.children)))
        for j, attr in ((2, "weiterleitung_cent"), (3, "ausgezahlt_kumuliert_cent"),
                        (4, "foerderfaehig_kumuliert_cent"), (5, "saldo_cent")):
            letter = xlsx.col_letter(j)
            ws.write_formula(self.row, j, f"=ROUND(SUM({letter}{first + 1}:{letter}{last + 1}),2)", fm.total_money,
                             xlsx.euro(sum(getattr(c, attr) for c in self.children)))
        # the Ausgaben table of II. refers to these sums
        r_kids, kid_paid, kid_elig = self.kid_rows
        if r_kids is not None:
            ws.write_formula(r_kids, 1, f"=D{self.row + 1}", fm.money, xlsx.euro(kid_paid))
            v = self.derived(self.name, "Zuwendungsfähig, nachgeordnete Stellen", f"E{self.row + 1}", kid_elig,
                             check=sum(c.foerderfaehig_kumuliert_cent for c in self.children))
            xlsx.write_value(ws, r_kids, 2, v, "money", fm)
        self.row += 1

    def _confirmation(self) -> None:
        ws, fm = self.ws, self.fm
        self.heading("Bestätigungen", page_break=True)
        self.paragraph("Es wird bestätigt, dass")
        items = list(CONFIRMATIONS) + ([CONFIRM_HUB] if self.children else [])
        for text in items:
            self.paragraph(f"– {text}")
        self.row += 1
        ws.write_string(self.row, 0, "Die Belege werden fünf Jahre aufbewahrt bei:", fm.text)
        ws.merge_range(self.row, 2, self.row, LAST_COL, "", self.fill_text)
        self.row += 3
        top = self.row
        for caption in ("Ort, Datum", "Rechtsverbindliche Unterschrift", "Name, Amtsbezeichnung"):
            for j in range(0, 4):
                ws.write_blank(self.row, j, None, fm.input_line)
            self.row += 1
            ws.write_string(self.row, 0, caption, fm.note)
            self.row += 2
        ws.merge_range(top - 1, 5, top + 5, LAST_COL, "Dienstsiegel", self.seal)

    def _print_setup(self) -> None:
        ws = self.ws
        ws.set_paper(9)
        ws.set_portrait()
        ws.set_margins(left=MARGIN_LEFT, right=MARGIN_RIGHT, top=0.75, bottom=0.75)
        printable = (xlsx.A4_INCHES[0] - MARGIN_LEFT - MARGIN_RIGHT) * 96
        needed = sum(7.5 * w + 5 for w in WIDTHS)
        ws.set_print_scale(max(xlsx.MIN_PRINT_SCALE, min(100, int(printable / needed * 100))))
        ws.set_h_pagebreaks(self.breaks)
        ws.repeat_rows(0, 1)
        e = self.e
        ws.set_header(f"&L&8{xlsx.hf_text(e.empfaenger)} – Verwendungsnachweis {e.jahr}"
                      f"&R&8Stand {min(self.r.stichtag, e.bis):%d.%m.%Y}")
        ws.set_footer(f"&L&8Lauf-ID {xlsx.hf_text(self.r.lauf_id)}&R&8Seite &P von &N")
        ws.print_area(0, 0, self.row - 1, LAST_COL)
        ws.hide_gridlines(2)
        xlsx.protect_sheet(ws)
