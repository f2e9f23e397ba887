"""The Verwendungsnachweis workbook of one recipient and year: zahlenmäßiger Nachweis, Sachbericht, signatures."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from kimrecon.money import div_round
from kimrecon.names import normalize_name
from kimrecon.result import Allotment, Edge, InterestClaim, Result
from kimrecon.write import xlsx
from kimrecon.write.atomic import atomic_path
from kimrecon.write.xlsx import F, Formats

SHEET = "Verwendungsnachweis"
LAST_COL = 7  # A..H

WIDTHS = (36, 12, 12, 12, 12, 12, 12, 14)
MARGIN_LEFT, MARGIN_RIGHT = 0.6, 0.4  # inches
MONTHS_DE = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
             "November", "Dezember")

CONFIRMATION = (
    "Es wird bestätigt, dass die Zuwendung zweckentsprechend und nach den Bestimmungen des Zuwendungsbescheids "
    "bzw. des Weiterleitungsvertrags verwendet wurde, dass wirtschaftlich und sparsam verfahren worden ist und "
    "dass die Angaben mit den Büchern und Belegen übereinstimmen. Die Belege werden fünf Jahre aufbewahrt."
)


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

    Raises ``ValueError`` when the result holds no settlement (edge) for that recipient and year.
    """
    path = Path(path)
    data = _collect(result, jahr, empfaenger)
    with atomic_path(path) as tmp:
        wb = xlsx.open_workbook(tmp)
        try:
            _Nachweis(result, data, wb).write()
        finally:
            wb.close()
        xlsx.usual_permissions(tmp)
    return path


@dataclass(frozen=True)
class _Data:
    jahr: int
    name: str
    edge: Edge
    allotment: Allotment | None
    children: tuple[Edge, ...]
    months: Any  # DataFrame rows of the month matrix
    claims: tuple[InterestClaim, ...]
    zwischenzinsen_cent: int
    personalkosten_cent: int | None
    frist: date | None


def _collect(result: Result, jahr: int, empfaenger: str) -> _Data:
    edges = [e for e in result.kanten if e.jahr == jahr]
    edge = next((e for e in edges if e.empfaenger == empfaenger), None)
    if edge is None:
        key = normalize_name(empfaenger)
        edge = next((e for e in edges if normalize_name(e.empfaenger) == key), None)
    if edge is None:
        raise ValueError(f"no settlement for {empfaenger!r} in {jahr}")
    name = edge.empfaenger
    key = normalize_name(name)
    allotment = next((a for a in result.zuteilungen if a.jahr == jahr and a.empfaenger == name), None)
    children = tuple(e for e in edges if e.geber == name)
    m = result.monate
    months = m[(m["empfaenger"] == name) & (m["jahr"] == jahr)].sort_values("monat") if m is not None and len(m) \
        else None
    claims = tuple(c for c in result.zinsen
                   if normalize_name(c.schuldner) == key and (c.jahr is None or c.jahr == jahr))
    zz = sum(z.zinsbetrag_cent for z in result.zwischenzinsen if z.empfaenger == name and z.jahr == jahr)
    frist = edge.nachweisfrist or next(
        (d.frist for d in result.fristen if d.empfaenger == name and d.jahr == jahr), None)
    return _Data(jahr, name, edge, allotment, children, months, claims, zz,
                 _personnel_cost(result, name, jahr), frist)


def _personnel_cost(result: Result, name: str, jahr: int) -> int | None:
    """Sum of the stated personnel costs of the recipient's staffing rows that overlap the year, if any."""
    b = result.besetzung
    if b is None or len(b) == 0 or "personalkosten_cent" not in b.columns or "kommune" not in b.columns:
        return None
    import pandas as pd

    mine = b["kommune"].astype(str).map(normalize_name) == normalize_name(name)
    start, end = pd.Timestamp(jahr, 1, 1), pd.Timestamp(jahr, 12, 31)
    beginn = pd.to_datetime(b["beginn"]) if "beginn" in b.columns else pd.Series(pd.NaT, index=b.index)
    ende = pd.to_datetime(b["ende"]) if "ende" in b.columns else pd.Series(pd.NaT, index=b.index)
    overlap = (beginn.isna() | (beginn <= end)) & (ende.isna() | (ende >= start))
    costs = b.loc[mine & overlap, "personalkosten_cent"].dropna()
    if costs.empty:
        return None
    return int(costs.astype("int64").sum())


class _Nachweis:
    def __init__(self, result: Result, data: _Data, wb: Workbook) -> None:
        self.r = result
        self.d = data
        self.wb = wb
        self.fm = Formats(wb)
        self.ws: Worksheet = wb.add_worksheet(SHEET)
        self.row = 0
        fm = self.fm
        self.box = wb.add_format({"font_name": "Arial", "font_size": 10, "text_wrap": True, "valign": "top",
                                  "border": 1, "locked": False})
        self.para = wb.add_format({"font_name": "Arial", "font_size": 10, "text_wrap": True, "valign": "top"})
        self.line = fm.input_line

    # ------------------------------------------------------------------ helpers
    def label(self, text: str, value: object = None, kind: str = "text", fmt: Any = None) -> int:
        row = self.row
        self.ws.write_string(row, 0, text, self.fm.text)
        xlsx.write_value(self.ws, row, 1, value, kind, self.fm, fmt)
        self.row += 1
        return row

    def subtitle(self, text: str) -> None:
        self.row += 1
        self.ws.write_string(self.row, 0, text, self.fm.subtitle)
        self.row += 1

    def _f(self, formula: str, expected: int, actual: int) -> object:
        """Money formula when it reproduces kimrecon's figure, else the figure itself."""
        return F(formula, xlsx.euro(actual)) if expected == actual else actual

    # ------------------------------------------------------------------ sheet
    def write(self) -> None:
        r, d, ws, fm = self.r, self.d, self.ws, self.fm
        xlsx.set_properties(
            self.wb,
            title=f"Verwendungsnachweis {d.jahr} {d.name}",
            subject="KIM Baustein II: zahlenmäßiger Nachweis",
            created=r.zeitpunkt,
            lauf_id=r.lauf_id,
            version=r.version,
            dateien=r.dateien,
            extra=(("Empfänger", d.name), ("Jahr", str(d.jahr)), ("Monat", str(r.monat))),
        )
        widths = WIDTHS
        for j, w in enumerate(widths):
            ws.set_column(j, j, w)
        ws.write_string(0, 0, f"Verwendungsnachweis {d.jahr}", fm.title)
        ws.write_string(1, 0, "Kommunales Integrationsmanagement (KIM) Baustein II – zahlenmäßiger Nachweis",
                        fm.subtitle)
        if r.stichtag < date(d.jahr, 12, 31):
            ws.write_string(2, 0, f"Vorläufig: Zahlen kumuliert bis {r.stichtag:%d.%m.%Y}; der Nachweis des "
                                  f"ganzen Jahres folgt nach Ablauf des Jahres.", fm.status_bad)
        self.row = 3
        e = d.edge
        stand = min(r.stichtag, date(d.jahr, 12, 31))
        self.label("Zuwendungsempfänger", d.name)
        self.label("Zuwendungsgeber", e.geber)
        self.label("Bewilligungszeitraum", f"01.01.{d.jahr} – 31.12.{d.jahr}")
        self.label("Stand der Abrechnung", stand, "date")
        self.label("Abrechnungsmodus", r.modus)
        self.label("Nachweisfrist", d.frist if d.frist else "nicht hinterlegt", "date" if d.frist else "text")
        self.label("Lauf-ID", r.lauf_id)

        # 1. allotment and forwarding
        self.subtitle("1. Zuwendung und Weiterleitung")
        a = d.allotment
        own_e4 = a.vzae_eigen_e4 if a else None
        rate = a.pauschale_cent if a else (div_round(e.weiterleitung_cent * 10_000, e.vzae_zugeteilt_e4)
                                           if e.vzae_zugeteilt_e4 else 0)
        self.label("VzÄ zugeteilt, eigene Stellen", own_e4, "vzae")
        r_teil = self.label("VzÄ zugeteilt einschl. Weiterleitung", e.vzae_zugeteilt_e4, "vzae")
        r_rate = self.label("Pauschale je VzÄ und Jahr", rate, "money")
        self.wb.define_name("Pauschale", f"={xlsx.sheet_ref(SHEET, r_rate, 1)}")
        zuw = self._f(f"ROUND(B{r_teil + 1}*Pauschale,2)", div_round(e.vzae_zugeteilt_e4 * rate, 10_000),
                      e.weiterleitung_cent)
        r_zuw = self.label("Zuwendung (Weiterleitungsbetrag)", zuw, "money", fm.bold_money)
        weiter_total = sum(c.weiterleitung_cent for c in d.children)
        r_weiter = self.row  # filled after section 5 (references the children's rows)
        self.label("davon an nachgeordnete Stellen", weiter_total, "money")
        self.label("davon für eigene Stellen",
                   F(f"ROUND(B{r_zuw + 1}-B{r_weiter + 1},2)", xlsx.euro(e.weiterleitung_cent - weiter_total)),
                   "money")

        # 2. months
        self.subtitle("2. Besetzung und förderfähiger Betrag je Monat (eigene Stellen)")
        own_sum_row, own_sum = self._months()

        # 3. settlement
        self.subtitle("3. Abrechnung")
        eigen = e.foerderfaehig_eigen_kumuliert_cent
        if own_sum_row is not None:
            eigen_v = self._f(f"D{own_sum_row + 1}", own_sum, eigen)
        else:
            eigen_v = eigen
        r_eigen = self.label("Förderfähig, eigene Stellen", eigen_v, "money")
        kids_f = e.foerderfaehig_kumuliert_cent - eigen
        r_kids = self.row  # filled after section 5
        self.label("Förderfähig, nachgeordnete Stellen", kids_f, "money")
        r_total = self.label("Förderfähig insgesamt",
                             F(f"ROUND(B{r_eigen + 1}+B{r_kids + 1},2)", xlsx.euro(e.foerderfaehig_kumuliert_cent)),
                             "money", fm.bold_money)
        r_paid = self.label("Ausgezahlt (Zahlungen)", e.gezahlt_brutto_cent, "money")
        r_back = self.label("abzüglich Rückzahlungen", e.zurueckgezahlt_cent, "money")
        aus = self._f(f"ROUND(B{r_paid + 1}-B{r_back + 1},2)", e.gezahlt_brutto_cent - e.zurueckgezahlt_cent,
                      e.ausgezahlt_kumuliert_cent)
        r_aus = self.label("Ausgezahlt (netto)", aus, "money", fm.bold_money)
        raw = e.ausgezahlt_kumuliert_cent - e.foerderfaehig_kumuliert_cent
        if e.nachzahlung_gekappt:
            saldo = self._f(f"ROUND(MAX(B{r_aus + 1}-B{r_total + 1},-B{r_zuw + 1}),2)",
                            max(raw, -e.weiterleitung_cent), e.saldo_cent)
        else:
            saldo = self._f(f"ROUND(B{r_aus + 1}-B{r_total + 1},2)", raw, e.saldo_cent)
        r_saldo = self.label("Saldo (ausgezahlt − förderfähig)", saldo, "money", fm.bold_money)
        s = f"B{r_saldo + 1}"
        self.label("Rückforderung an den Geber", F(f"MAX(0,{s})", xlsx.euro(max(0, e.saldo_cent))),
                   "money")
        self.label("Nachzahlung durch den Geber", F(f"MAX(0,-{s})", xlsx.euro(max(0, -e.saldo_cent))),
                   "money")
        self.label("Ergebnis", F(f'IF({s}>0,"Rückforderung",IF({s}<0,"Nachzahlung","ausgeglichen"))', e.art.value))
        if d.personalkosten_cent is not None:
            r_pk = self.label("Personalkosten (Besetzungsliste)", d.personalkosten_cent, "money")
            own = max(0, d.personalkosten_cent - eigen)
            self.label("Eigenanteil (Kosten über Förderung)",
                       F(f"ROUND(MAX(0,B{r_pk + 1}-B{r_eigen + 1}),2)", xlsx.euro(own)), "money")
        else:
            self.label("Personalkosten", "nicht angegeben")
            self.label("Eigenanteil", "nicht ermittelbar")

        # 4. interest
        self.subtitle("4. Zinsen")
        self._claims()
        r_zz = self.label("Potenzielle Zwischenzinsen (R6)", d.zwischenzinsen_cent, "money")
        ws.write_string(r_zz, 2, "Risikozahl, keine Forderung (Ermessen, § 49a Abs. 4 VwVfG NRW)", fm.note)

        # 5. children
        if d.children:
            self.subtitle("5. Prüfung der Nachweise der nachgeordneten Stellen")
            rows = self._children()
            first, last = rows
            ws.write_formula(r_weiter, 1, f"=ROUND(SUM(C{first + 1}:C{last + 1}),2)", fm.money,
                             xlsx.euro(weiter_total))
            kids_sum = sum(c.foerderfaehig_kumuliert_cent for c in d.children)
            kv = self._f(f"ROUND(SUM(E{first + 1}:E{last + 1}),2)", kids_sum, kids_f)
            xlsx.write_value(ws, r_kids, 1, kv, "money", fm)
        next_no = 6 if d.children else 5

        # Sachbericht
        self.subtitle(f"{next_no}. Sachbericht")
        ws.write_string(self.row, 0, "Kurze Darstellung der Verwendung der Zuwendung, der erreichten Ziele und "
                                     "der Besetzung der Stellen:", fm.note)
        self.row += 1
        top = self.row
        ws.merge_range(top, 0, top + 7, LAST_COL, "", self.box)
        self.row = top + 8

        # confirmation and signatures
        self.subtitle(f"{next_no + 1}. Bestätigung")
        ws.merge_range(self.row, 0, self.row + 2, LAST_COL, CONFIRMATION, self.para)
        self.row += 4
        ws.write_string(self.row, 0, "Sachlich und rechnerisch richtig:", fm.label)
        self.row += 2
        for caption in ("Ort, Datum", "Unterschrift", "Name, Amtsbezeichnung"):
            ws.write_blank(self.row, 0, None, self.line)
            for j in (2, 3, 4):
                ws.write_blank(self.row, j, None, self.line)
            for j in (5, 6, 7):
                ws.write_blank(self.row, j, None, self.line)
            self.row += 1
            ws.write_string(self.row, 0, f"{caption} (sachlich richtig)", fm.note)
            ws.write_string(self.row, 5, f"{caption} (rechnerisch richtig)", fm.note)
            self.row += 2

        ws.set_paper(9)
        ws.set_portrait()
        # One page wide, at most two high (spec: 1–2 A4 pages per recipient). Not "0 = any height":
        # LibreOffice reads fitToHeight="0" as one page and shrinks everything onto it.
        ws.fit_to_pages(1, 2)
        ws.repeat_rows(0, 1)
        ws.set_margins(left=MARGIN_LEFT, right=MARGIN_RIGHT, top=0.75, bottom=0.75)
        ws.set_header(f"&L&8{xlsx.hf_text(d.name)} – Verwendungsnachweis {d.jahr}&R&8Stand {stand:%d.%m.%Y}")
        ws.set_footer(f"&L&8Lauf-ID {xlsx.hf_text(r.lauf_id)}&R&8Seite &P von &N")
        ws.print_area(0, 0, self.row - 1, LAST_COL)
        ws.hide_gridlines(2)
        xlsx.protect_sheet(ws)

    def _months(self) -> tuple[int | None, int]:
        ws, fm, d = self.ws, self.fm, self.d
        m = d.months
        if m is None or len(m) == 0:
            ws.write_string(self.row, 0, "Keine Monatswerte.", fm.note)
            self.row += 1
            return None, 0
        heads = ["Monat", "VzÄ zugeteilt", "VzÄ besetzt", "Förderfähig im Monat", "Förderfähig kumuliert"]
        for j, h in enumerate(heads):
            ws.write_string(self.row, j, h, fm.header)
        ws.set_row(self.row, 27)
        self.row += 1
        first = self.row
        mon = [int(x) for x in m["monat"].tolist()]
        zug = [int(x) for x in m["vzae_zugeteilt_e4"].tolist()]
        bes = [int(x) for x in m["vzae_besetzt_e4"].tolist()]
        exact = (
            [Fraction(int(z), int(n)) for z, n in zip(m["vzae_besetzt_zaehler"], m["vzae_besetzt_nenner"], strict=True)]
            if "vzae_besetzt_nenner" in m.columns
            else [Fraction(b, 10_000) for b in bes]
        )
        fm_ = [int(x) for x in m["foerderfaehig_cent"].tolist()]
        fk = [int(x) for x in m["foerderfaehig_kumuliert_cent"].tolist()]
        for i in range(len(mon)):
            row = self.row
            ws.write_string(row, 0, f"{MONTHS_DE[mon[i] - 1]} {d.jahr}")
            ws.write_number(row, 1, xlsx.vzae(zug[i]), fm.vzae)
            if (exact[i] * 10_000).denominator == 1:
                ws.write_number(row, 2, float(exact[i]), fm.vzae)
            else:  # e.g. 30/39: the exact fraction as a formula, shown rounded, summed exactly
                ws.write_formula(row, 2, f"={exact[i].numerator}/{exact[i].denominator}", fm.vzae,
                                 float(exact[i]))
            ws.write_number(row, 3, xlsx.euro(fm_[i]), fm.money)
            if i == 0:
                v = self._f(f"D{row + 1}", fm_[i], fk[i])
            else:
                v = self._f(f"ROUND(E{row}+D{row + 1},2)", fk[i - 1] + fm_[i], fk[i])
            xlsx.write_value(ws, row, 4, v, "money", fm)
            self.row += 1
        last = self.row - 1
        ws.write_string(self.row, 0, "Summe (VzÄ-Monate, förderfähig)", fm.total_label)
        ws.write_blank(self.row, 1, None, fm.total_label)
        ws.write_formula(self.row, 2, f"=SUM(C{first + 1}:C{last + 1})", fm.total_vzae,
                         float(sum(exact, Fraction(0))))
        total = sum(fm_)
        ws.write_formula(self.row, 3, f"=ROUND(SUM(D{first + 1}:D{last + 1}),2)", fm.total_money, xlsx.euro(total))
        ws.write_blank(self.row, 4, None, fm.total_label)
        sum_row = self.row
        self.row += 1
        return sum_row, total

    def _claims(self) -> None:
        ws, fm, d = self.ws, self.fm, self.d
        if not d.claims:
            ws.write_string(self.row, 0, "Keine Erstattungszinsen.", fm.note)
            self.row += 1
            return
        heads = ["Forderung", "Zinsbeginn", "Zinsende", "Zinstage", "Betrag", "Zinsen", "Gläubiger"]
        for j, h in enumerate(heads):
            ws.write_string(self.row, j, h, fm.header)
        ws.set_row(self.row, 27)
        self.row += 1
        first = self.row
        for c in d.claims:
            row = self.row
            xlsx.write_text(ws, row, 0, c.forderung_id)
            ws.write_datetime(row, 1, datetime(c.von.year, c.von.month, c.von.day), fm.date)
            ws.write_datetime(row, 2, datetime(c.bis.year, c.bis.month, c.bis.day), fm.date)
            ws.write_number(row, 3, c.tage, fm.int)
            ws.write_number(row, 4, xlsx.euro(c.betrag_cent), fm.money)
            ws.write_number(row, 5, xlsx.euro(c.zinsbetrag_cent), fm.money)
            xlsx.write_text(ws, row, 6, c.glaeubiger)
            self.row += 1
        ws.write_string(self.row, 0, "Summe Zinsen", fm.total_label)
        total = sum(c.zinsbetrag_cent for c in d.claims)
        ws.write_formula(self.row, 5, f"=ROUND(SUM(F{first + 1}:F{self.row}),2)", fm.total_money, xlsx.euro(total))
        self.row += 1

    def _children(self) -> tuple[int, int]:
        ws, fm, d = self.ws, self.fm, self.d
        heads = ["Empfänger", "VzÄ", "Weiterleitung", "Ausgezahlt", "Förderfähig", "Saldo", "Ergebnis",
                 "Nachweis geprüft (Datum, Zeichen)"]
        for j, h in enumerate(heads):
            ws.write_string(self.row, j, h, fm.header)
        ws.set_row(self.row, 27)
        self.row += 1
        first = self.row
        for c in d.children:
            row = self.row
            xlsx.write_text(ws, row, 0, c.empfaenger)
            ws.write_number(row, 1, xlsx.vzae(c.vzae_zugeteilt_e4), fm.vzae)
            ws.write_number(row, 2, xlsx.euro(c.weiterleitung_cent), fm.money)
            ws.write_number(row, 3, xlsx.euro(c.ausgezahlt_kumuliert_cent), fm.money)
            ws.write_number(row, 4, xlsx.euro(c.foerderfaehig_kumuliert_cent), fm.money)
            raw = c.ausgezahlt_kumuliert_cent - c.foerderfaehig_kumuliert_cent
            if c.nachzahlung_gekappt:
                v = self._f(f"ROUND(MAX(D{row + 1}-E{row + 1},-C{row + 1}),2)", max(raw, -c.weiterleitung_cent),
                            c.saldo_cent)
            else:
                v = self._f(f"ROUND(D{row + 1}-E{row + 1},2)", raw, c.saldo_cent)
            xlsx.write_value(ws, row, 5, v, "money", fm)
            ws.write_formula(row, 6, f'=IF(F{row + 1}>0,"Rückforderung",IF(F{row + 1}<0,"Nachzahlung",'
                                     '"ausgeglichen"))', fm.text, c.art.value)
            ws.write_blank(row, 7, None, fm.input)
            self.row += 1
        last = self.row - 1
        ws.write_string(self.row, 0, "Summe", fm.total_label)
        ws.write_formula(self.row, 1, f"=SUM(B{first + 1}:B{last + 1})", fm.total_vzae,
                         xlsx.vzae(sum(c.vzae_zugeteilt_e4 for c in d.children)))
        for j, attr in ((2, "weiterleitung_cent"), (3, "ausgezahlt_kumuliert_cent"),
                        (4, "foerderfaehig_kumuliert_cent"), (5, "saldo_cent")):
            col = xlsx.col_letter(j)
            ws.write_formula(self.row, j, f"=ROUND(SUM({col}{first + 1}:{col}{last + 1}),2)", fm.total_money,
                             xlsx.euro(sum(getattr(c, attr) for c in d.children)))
        self.row += 1
        return first, last
