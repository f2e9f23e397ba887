"""The Abgleich workbook of one run: overview, parameters, allocation tree, month matrix, edges and protocol."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from kimrecon.findings import Finding, Severity
from kimrecon.inputs import COLUMNS, Kind
from kimrecon.money import div_round, format_cents_de, round_half_up
from kimrecon.result import Allotment, ConservationCheck, Edge, Result
from kimrecon.write import xlsx
from kimrecon.write.atomic import atomic_path
from kimrecon.write.xlsx import Col, F, Formats

# Above this many detail rows the workbook is streamed (constant_memory: no Excel tables then)
STREAM_THRESHOLD = 50_000
MAX_CHART_RECIPIENTS = 40

S_DECK = "Deckblatt"
S_PARAM = "Parameter"
S_ZUT = "Zuteilung"
S_MAT = "Monatsmatrix"
S_KANT = "Kanten"
S_ZINS = "Zinsen"
S_ZAHL = "Zahlungen"
S_BES = "Besetzung"
S_BEF = "Befunde"
S_PROT = "Prüfprotokoll"
S_KORR = "Korrekturen"
S_DIA = "Diagramme"

SHEET_DESCRIPTIONS: tuple[tuple[str, str], ...] = (
    (S_DECK, "Lauf, Status, Summen und Eingabedateien mit SHA-256"),
    (S_PARAM, "Rechengrößen mit Quelle und Gültigkeit; Formeln beziehen sich über Namen darauf; Nachweisfristen"),
    (S_ZUT, "Weiterleitungsbaum: Zuteilung (VzÄ) und Weiterleitungsbetrag je Empfänger (R3)"),
    (S_MAT, "Je Empfänger und Monat: VzÄ zugeteilt/besetzt, förderfähig, ausgezahlt, Saldo (R4, R5)"),
    (S_KANT, "Abrechnung je Weiterleitungskante: ausgezahlt, förderfähig, Saldo (R5)"),
    (S_ZINS, "Erstattungszinsen je Forderung und Zinsperiode (R7), potenzielle Zwischenzinsen (R6)"),
    (S_ZAHL, "Normalisierte Zahlungen mit Quelldatei, Blatt und Zeile"),
    (S_BES, "Normalisierte Besetzung, nur pseudonyme Personal-ID"),
    (S_BEF, "Alle Befunde der Prüfung, ungekürzt"),
    (S_PROT, "Eingaben, verworfene personenbezogene Spalten, Prüfergebnisse, Mittelerhaltung"),
    (S_KORR, "Rückwirkende Korrekturen gegenüber früheren Läufen"),
    (S_DIA, "Diagramme: VzÄ zugeteilt/besetzt und förderfähig/ausgezahlt je Empfänger"),
)

MONEY_KINDS = {"money"}


def write_abgleich(result: Result, path: Path) -> Path:
    """Write the Abgleich workbook of ``result`` to ``path`` atomically and return the path."""
    path = Path(path)
    detail_rows = len(result.zahlungen) + len(result.besetzung) + len(result.befunde) + len(result.monate)
    with atomic_path(path) as tmp:
        wb = xlsx.open_workbook(tmp, constant_memory=detail_rows > STREAM_THRESHOLD)
        try:
            _Abgleich(result, wb).write()
        finally:
            wb.close()
        xlsx.usual_permissions(tmp)
    return path


@dataclass
class _Layout:
    """Row positions other sheets refer to (computed before anything is written)."""

    zut_row: dict[tuple[str, int], int] = field(default_factory=dict)  # (empfaenger, jahr) -> 1-based row
    mat_row: dict[tuple[str, int, int], int] = field(default_factory=dict)  # (empfaenger, jahr, monat) -> row
    mat_split: bool = False
    kant_range: tuple[int, int] | None = None  # first/last 1-based rows of the Kanten data
    bef_ranges: list[tuple[str, int, int]] = field(default_factory=list)  # (sheet, first, last) per part


def _payments_frame(result: Result) -> Any:
    """The payment records as the table the Zahlungen sheet lists (one row per record, in record order)."""
    import pandas as pd

    cols = ["datum", "zahler", "empfaenger", "betrag_cent", "art", "jahr", "kassenzeichen", "verwendungszweck",
            "_datei", "_blatt", "_zeile"]
    return pd.DataFrame(
        [(pd.Timestamp(z.datum), z.zahler, z.empfaenger, z.betrag_cent, z.art, z.jahr, z.kassenzeichen,
          z.verwendungszweck, z.quelle.datei, z.quelle.blatt, z.quelle.zeile) for z in result.zahlungen],
        columns=cols)


class _Abgleich:
    """Builds the sheets of one Abgleich workbook."""

    def __init__(self, result: Result, wb: Workbook) -> None:
        self.r = result
        self.wb = wb
        self.fm = Formats(wb)
        self.footer = f"Lauf-ID {result.lauf_id} · {result.fall} · {result.monat}"
        self.table = not wb.constant_memory
        self.layout = _Layout()
        self._pay: dict[tuple[str, str, int, bool], int] | None = None  # payment sums, built on first use
        self.unmatched: list[tuple[str, str, str]] = []  # (sheet, what, why) where a value replaced a formula
        self.pauschale_names: dict[int, tuple[str, int]] = {}  # jahr -> (defined name, cents)
        self.named_params: list[tuple[str, date | None, Decimal, str]] = []  # (name, valid from, value, defined)
        self.alloc = _tree_order(result.zuteilungen)
        self.zahl = _payments_frame(result)
        self.geber_of = {(a.empfaenger, a.jahr): a.geber for a in result.zuteilungen}
        self.children: dict[tuple[str, int], list[str]] = defaultdict(list)
        for a in self.alloc:
            self.children[(a.geber, a.jahr)].append(a.empfaenger)

    # ------------------------------------------------------------------ orchestration
    def write(self) -> None:
        r = self.r
        xlsx.set_properties(
            self.wb,
            title=f"KIM-Abgleich {r.fall} {r.monat}",
            subject="Abgleich weitergeleiteter KIM-Mittel (Baustein II)",
            created=r.zeitpunkt,
            lauf_id=r.lauf_id,
            version=r.version,
            dateien=r.dateien,
            extra=(("Monat", str(r.monat)), ("Fall", r.fall), ("Status", xlsx.STATUS_DE.get(r.status, r.status))),
        )
        self._plan()
        self._deckblatt()
        self._parameter()
        self._zuteilung()
        self._monatsmatrix()
        self._kanten()
        self._zinsen()
        self._zahlungen()
        self._besetzung()
        self._befunde()
        self._pruefprotokoll()
        self._korrekturen()
        self._diagramme()

    def _plan(self) -> None:
        """Fix the row of every referenced cell before writing (cross-sheet formulas need them)."""
        first = xlsx.HEADER_ROW + 2  # 1-based row of the first data row
        if len(self.alloc) <= xlsx.detail_capacity(True):  # a split sheet gets no cross-sheet references
            for i, a in enumerate(self.alloc):
                self.layout.zut_row[(a.empfaenger, a.jahr)] = first + i
        self.mat = self._sorted_matrix()
        n = len(self.mat)
        self.layout.mat_split = n > xlsx.detail_capacity(False)
        if not self.layout.mat_split:
            keys = zip(self.mat["empfaenger"].tolist(), self.mat["jahr"].tolist(), self.mat["monat"].tolist(),
                       strict=True)
            self.layout.mat_row = {(e, int(j), int(m)): first + i for i, (e, j, m) in enumerate(keys)}
        if self.r.kanten and len(self.r.kanten) <= xlsx.detail_capacity(False):
            self.layout.kant_range = (first, first + len(self.r.kanten) - 1)
        for k, (lo, hi) in enumerate(xlsx.detail_parts(len(self.r.befunde), False)):
            if hi > lo:
                name = S_BEF if k == 0 else xlsx.safe_sheet_name(f"{S_BEF} ({k + 1})")
                self.layout.bef_ranges.append((name, first, first + (hi - lo) - 1))
        for jahr in sorted({a.jahr for a in self.r.zuteilungen} | {e.jahr for e in self.r.kanten}):
            rates = Counter(a.pauschale_cent for a in self.r.zuteilungen if a.jahr == jahr)
            if rates:
                self.pauschale_names[jahr] = (f"Pauschale_{jahr}", rates.most_common(1)[0][0])

    def _detail(self, *args: Any, **kwargs: Any) -> list[xlsx.Part]:
        """``xlsx.write_detail`` on this workbook, with the run id in the footer."""
        return xlsx.write_detail(self.wb, self.fm, *args, footer=self.footer, **kwargs)

    def _formula_or_value(self, sheet: str, what: str, formula: str, expected: Any, actual: Any, *,
                          money: bool = True) -> Any:
        """A formula when it reproduces kimrecon's figure, else the figure (recorded in the protocol)."""
        if expected == actual:
            return F(formula, actual)
        shown = (format_cents_de(expected), format_cents_de(actual)) if money else (expected, actual)
        self.unmatched.append((sheet, what, f"Formel ergäbe {shown[0]}, kimrecon: {shown[1]}"))
        return actual

    # ------------------------------------------------------------------ Deckblatt
    def _deckblatt(self) -> None:
        r, fm = self.r, self.fm
        ws = self.wb.add_worksheet(S_DECK)
        ws.set_column(0, 0, 34)
        ws.set_column(1, 1, 70)
        ws.set_column(2, 3, 18)
        ws.write_string(0, 0, f"KIM-Abgleich – {r.fall}", fm.title)
        ws.write_string(1, 0, "Kommunales Integrationsmanagement Baustein II: Abgleich der weitergeleiteten Mittel",
                        fm.note)
        row = 3
        fehler = sum(1 for f in r.befunde if f.severity is Severity.FEHLER)
        hinweise = len(r.befunde) - fehler
        rueck = sum(e.saldo_cent for e in r.kanten if e.saldo_cent > 0)
        nach = -sum(e.saldo_cent for e in r.kanten if e.saldo_cent < 0)
        kr = self.layout.kant_range
        saldo_rng = f"{xlsx.quote_sheet(S_KANT)}!$K${kr[0]}:$K${kr[1]}" if kr else None
        items: list[tuple[str, object, str]] = [
            ("Lauf-ID", r.lauf_id, "text"),
            ("Zeitpunkt des Laufs", r.zeitpunkt, "datetime"),
            ("kimrecon-Version", r.version, "text"),
            ("Fall", r.fall, "text"),
            ("Abrechnungsmonat", str(r.monat), "text"),
            ("Stichtag", r.stichtag, "date"),
            ("Abrechnungsmodus", r.modus, "text"),
            ("Gesamtstatus", xlsx.STATUS_DE.get(r.status, r.status), "text"),
            ("Befunde: Fehler", self._count_formula("Fehler", fehler), "int"),
            ("Befunde: Hinweise", self._count_formula("Hinweis", hinweise), "int"),
            ("Saldo gegenüber der Bewilligungsbehörde", self._root_saldo(), "money"),
            ("Rückforderungen, alle Kanten addiert",
             F(f'ROUND(SUMIF({saldo_rng},">0"),2)', xlsx.euro(rueck)) if saldo_rng else 0, "money"),
            ("Nachzahlungen, alle Kanten addiert",
             F(f'ROUND(-SUMIF({saldo_rng},"<0"),2)', xlsx.euro(nach)) if saldo_rng else 0, "money"),
        ]
        for label, value, kind in items:
            ws.write_string(row, 0, label, fm.label)
            fmt = fm.status_bad if label == "Gesamtstatus" and r.status != "ok" else None
            xlsx.write_value(ws, row, 1, value, kind, fm, fmt)
            if label == "Stichtag":
                self.wb.define_name("Stichtag", f"={xlsx.sheet_ref(S_DECK, row, 1)}")
            row += 1
        row += 1
        ws.write_string(row, 0, "Eingabedateien", fm.subtitle)
        row = self._input_files(ws, row + 1)
        row += 1
        ws.write_string(row, 0, "Inhalt dieser Arbeitsmappe", fm.subtitle)
        xlsx.write_rows(ws, fm, row + 1, [Col("Blatt"), Col("Inhalt")], SHEET_DESCRIPTIONS)
        xlsx.print_setup(ws, self.footer, [34, 70, 18, 18])
        xlsx.protect_sheet(ws)

    def _root_saldo(self) -> object:
        """Sum of the balances of the top edges (Bewilligungsbehörde → Kreis): > 0 the Kreis owes a refund."""
        kr = self.layout.kant_range
        receivers = {(e.empfaenger, e.jahr) for e in self.r.kanten}
        rows = [(i, e) for i, e in enumerate(self.r.kanten) if (e.geber, e.jahr) not in receivers]
        total = sum(e.saldo_cent for _, e in rows)
        if not kr or not rows:
            return total
        cells = "+".join(f"{xlsx.quote_sheet(S_KANT)}!$K${kr[0] + i}" for i, _ in rows)
        return F(f"ROUND({cells},2)", xlsx.euro(total))

    def _count_formula(self, severity: str, value: int) -> object:
        if not self.layout.bef_ranges:
            return value
        parts = [f'COUNTIF({xlsx.quote_sheet(s)}!$B${a}:$B${b},"{severity}")' for s, a, b in self.layout.bef_ranges]
        return F("+".join(parts), value)

    def _input_files(self, ws: Worksheet, top: int) -> int:
        cols = [Col("Datei"), Col("Größe (Bytes)", "number"), Col("SHA-256"), Col("Blätter")]
        rows = [(f.name, f.size, f.sha256, ", ".join(f.sheets)) for f in self.r.dateien]
        if not rows:
            ws.write_string(top, 0, "Keine Eingabedateien.", self.fm.note)
            return top + 1
        return xlsx.write_rows(ws, self.fm, top, cols, rows)

    # ------------------------------------------------------------------ Parameter
    def _parameter(self) -> None:
        r, fm = self.r, self.fm
        ws = self.wb.add_worksheet(S_PARAM)
        ws.write_string(0, 0, "Parameter dieses Laufs", fm.title)
        ws.write_string(1, 0, "Formeln der anderen Blätter beziehen sich über die Namen in Spalte A auf die Werte "
                              "in Spalte C.", fm.note)
        cols = [Col("Name (in Formeln)", width=26), Col("Parameter", width=34), Col("Wert", width=18),
                Col("Gültig ab", "date", 12), Col("Quelle", width=60)]
        top = xlsx.HEADER_ROW
        for j, c in enumerate(cols):
            ws.write_string(top, j, c.header, fm.header)
            ws.set_column(j, j, c.width)
        row = top + 1
        quellen = {p.gueltig_ab.year: p.quelle for p in r.parameter
                   if "pauschale" in p.name.casefold() and p.gueltig_ab is not None}
        for jahr, (pname, cents) in self.pauschale_names.items():
            xlsx.write_text(ws, row, 0, pname)
            ws.write_string(row, 1, f"Pauschale je VzÄ und Jahr {jahr}")
            ws.write_number(row, 2, xlsx.euro(cents), fm.money)
            ws.write_datetime(row, 3, _dt(date(jahr, 1, 1)), fm.date)
            xlsx.write_text(ws, row, 4, quellen.get(jahr, "Bescheid bzw. Weiterleitungsvertrag (siehe Zuteilung)"))
            self.wb.define_name(pname, f"={xlsx.sheet_ref(S_PARAM, row, 2)}")
            row += 1
        ws.write_string(row, 1, "Abrechnungsmodus (R4)")
        xlsx.write_text(ws, row, 2, r.modus)
        ws.write_string(row, 4, "Lauf")
        row += 1
        used = {n.casefold() for n, _ in self.pauschale_names.values()} | {"stichtag"}  # names ignore case
        names = Counter(xlsx.defined_name(p.name) for p in r.parameter)
        for p in r.parameter:
            number = _number(p.wert)
            name: str | None = xlsx.defined_name(p.name)
            if name and names[name] > 1 and p.gueltig_ab is not None:
                name = f"{name}_{p.gueltig_ab:%Y%m%d}"
            if number is not None and name and name.casefold() not in used:
                used.add(name.casefold())
                xlsx.write_text(ws, row, 0, name)
                ws.write_number(row, 2, float(number), fm.decimal)
                self.wb.define_name(name, f"={xlsx.sheet_ref(S_PARAM, row, 2)}")
                self.named_params.append((p.name.casefold(), p.gueltig_ab, number, name))
            else:
                xlsx.write_text(ws, row, 2, p.wert)
            xlsx.write_text(ws, row, 1, p.name)
            if p.gueltig_ab is not None:
                ws.write_datetime(row, 3, _dt(p.gueltig_ab), fm.date)
            xlsx.write_text(ws, row, 4, p.quelle)
            row += 1
        ws.autofilter(top, 0, row - 1, len(cols) - 1)
        ws.freeze_panes(top + 1, 0)
        row += 1
        ws.write_string(row, 0, "Nachweisfristen (R9)", fm.subtitle)
        row += 1
        fcols = [Col("Geber"), Col("Empfänger"), Col("Jahr", "int"), Col("Nachweisfrist", "date"),
                 Col("Tage ab Stichtag", "int"), Col("Status"), Col("Quelle")]
        frows = []
        for d in self.r.fristen:
            tage = self._formula_or_value(S_PARAM, f"Frist {d.empfaenger}", "{d}-Stichtag",
                                          (d.frist - self.r.stichtag).days, d.tage_bis, money=False)
            frows.append((d.geber, d.empfaenger, d.jahr, d.frist, tage, d.status, d.quelle))
        if not frows:
            ws.write_string(row, 0, "Keine Fristen.", fm.note)
        else:
            for j, c in enumerate(fcols):
                ws.write_string(row, j, c.header, fm.header)
            for i, fr in enumerate(frows):
                rr = row + 1 + i
                for j, c in enumerate(fcols):
                    v = fr[j]
                    if isinstance(v, F):
                        v = F(v.formula.replace("{d}", xlsx.cell(rr, 3)), v.value)
                    xlsx.write_value(ws, rr, j, v, c.kind, fm)
        xlsx.print_setup(ws, self.footer, [c.width or 10 for c in cols])
        xlsx.protect_sheet(ws)

    # ------------------------------------------------------------------ Zuteilung
    def _zuteilung(self) -> None:
        cols = [Col("Jahr", "int"), Col("Ebene", "int"), Col("Geber"), Col("Empfänger"), Col("Schlüsselgröße"),
                Col("Schlüsselwert", "decimal"), Col("Verzicht VzÄ", "vzae"), Col("VzÄ eigene Stellen", "vzae"),
                Col("VzÄ einschl. Weiterleitung", "vzae"), Col("Pauschale je VzÄ", "money"),
                Col("Weiterleitungsbetrag", "money"), Col("davon eigene Stellen", "money")]
        data: list[list[object]] = [[] for _ in cols]
        for a in self.alloc:
            pname = self.pauschale_names.get(a.jahr)
            rate: object = F(pname[0], xlsx.euro(a.pauschale_cent)) if pname and pname[1] == a.pauschale_cent \
                else a.pauschale_cent
            weiter = self._formula_or_value(
                S_ZUT, f"Weiterleitung {a.empfaenger} {a.jahr}", "ROUND(I{r}*J{r},2)",
                div_round(a.vzae_teilbaum_e4 * a.pauschale_cent, 10_000), a.weiterleitung_cent)
            own = div_round(a.vzae_eigen_e4 * a.pauschale_cent, 10_000)
            vals = [a.jahr, a.ebene, a.geber, a.empfaenger, a.schluessel_groesse, a.schluessel_wert,
                    a.verzicht_vzae_e4 or None, a.vzae_eigen_e4, a.vzae_teilbaum_e4, rate,
                    _money_f(weiter), F("ROUND(H{r}*J{r},2)", xlsx.euro(own))]
            for j, v in enumerate(vals):
                data[j].append(v)
        years = sorted({a.jahr for a in self.alloc})
        self._detail(
            S_ZUT, "Zuteilung und Weiterleitung (Weiterleitungsbaum, R3)", cols, data,
            len(self.alloc), table=self.table, totals=(7, 11) if len(years) == 1 else (), freeze_cols=4,
            sheet_note="Weiterleitungsbetrag = VzÄ einschließlich weitergeleiteter Anteile × Pauschale; die Summe "
                       "der eigenen Stellen aller Ebenen entspricht der Bewilligung.",
            empty_note="Keine Zuteilungen.",
            on_part=(lambda part: self._year_totals(part, years, data)) if len(years) > 1 else None,
        )

    def _year_totals(self, part: xlsx.Part, years: list[int], data: Sequence[Sequence[object]]) -> None:
        """Several years: one total per year of own posts and their amount (a single SUM would mix years)."""
        ws, fm = part.ws, self.fm
        if part.last == part.first:
            return
        a, b = part.excel_row(part.first) + 1, part.excel_row(part.last - 1) + 1
        row = b + 1
        for jahr in years:
            idx = [i for i in range(part.first, part.last) if data[0][i] == jahr]
            vz = sum(int(str(data[7][i])) for i in idx)
            own = sum(div_round(self.alloc[i].vzae_eigen_e4 * self.alloc[i].pauschale_cent, 10_000) for i in idx)
            ws.write_string(row, 0, f"Summe {jahr}", fm.total_label)
            xlsx.write_formula(ws, row, 7, F(f"SUMIFS(H{a}:H{b},A{a}:A{b},{jahr})", xlsx.vzae(vz)), fm.total_vzae)
            xlsx.write_formula(ws, row, 11, F(f"ROUND(SUMIFS(L{a}:L{b},A{a}:A{b},{jahr}),2)", xlsx.euro(own)),
                               fm.total_money)
            row += 1

    # ------------------------------------------------------------------ Monatsmatrix
    def _sorted_matrix(self) -> Any:
        import pandas as pd

        m = self.r.monate
        if m is None or len(m) == 0:
            return pd.DataFrame(columns=["empfaenger", "jahr", "monat"])
        rank = {(a.empfaenger, a.jahr): i for i, a in enumerate(self.alloc)}
        keyed = m.assign(
            _rank=[rank.get((e, int(j)), len(rank)) for e, j in zip(m["empfaenger"], m["jahr"], strict=True)]
        )
        return keyed.sort_values(["jahr", "_rank", "empfaenger", "monat"], kind="stable").reset_index(drop=True)

    def _monatsmatrix(self) -> None:
        m = self.mat
        n = len(m)
        cols = [Col("Empfänger"), Col("Geber"), Col("Jahr", "int"), Col("Monat", "int"),
                Col("VzÄ zugeteilt", "vzae"), Col("VzÄ besetzt", "vzae"), Col("Förderfähig im Monat", "money"),
                Col("Förderfähig kumuliert", "money"), Col("Förderfähig Teilbaum kumuliert", "money"),
                Col("Ausgezahlt im Monat", "money"), Col("Ausgezahlt kumuliert", "money"),
                Col("Saldo kumuliert", "money"), Col("Art")]
        if n == 0:
            self._detail(S_MAT, "Monatsmatrix", cols, [[] for _ in cols], 0, table=self.table,
                         empty_note="Keine Monatswerte.")
            return
        emp = m["empfaenger"].astype(str).tolist()
        jahr, mon, f_m, f_k, a_m, a_k, saldo = (
            _ints(m, c) for c in ("jahr", "monat", "foerderfaehig_cent", "foerderfaehig_kumuliert_cent",
                                  "ausgezahlt_cent", "ausgezahlt_kumuliert_cent", "saldo_kumuliert_cent"))
        teil = [a - s for a, s in zip(a_k, saldo, strict=True)]  # Förderfähig_Teilbaum kumuliert (R5)
        teil_of = {(e, j, mm): t for e, j, mm, t in zip(emp, jahr, mon, teil, strict=True)}
        split = self.layout.mat_split
        first_of_group = [i == 0 or emp[i - 1] != emp[i] or jahr[i - 1] != jahr[i] for i in range(n)]
        col_fk: list[object] = []
        col_ak: list[object] = []
        col_teil: list[object] = []
        for i in range(n):
            prev_ok = not first_of_group[i] and not split
            # cumulative = previous cumulative + this month (the month is a difference of cumulative figures)
            if first_of_group[i]:
                col_fk.append(self._cum(f"{emp[i]} {jahr[i]}-{mon[i]:02d}", "G{r}", f_m[i], f_k[i]))
                col_ak.append(self._cum(f"{emp[i]} {jahr[i]}-{mon[i]:02d}", "J{r}", a_m[i], a_k[i]))
            elif prev_ok:
                col_fk.append(self._cum(f"{emp[i]} {jahr[i]}-{mon[i]:02d}", "ROUND(H{p}+G{r},2)",
                                        f_k[i - 1] + f_m[i], f_k[i]))
                col_ak.append(self._cum(f"{emp[i]} {jahr[i]}-{mon[i]:02d}", "ROUND(K{p}+J{r},2)",
                                        a_k[i - 1] + a_m[i], a_k[i]))
            else:
                col_fk.append(f_k[i])
                col_ak.append(a_k[i])
            kids = self.children.get((emp[i], jahr[i]), [])
            kid_rows = [self.layout.mat_row.get((k, jahr[i], mon[i])) for k in kids]
            if split or any(x is None for x in kid_rows):
                col_teil.append(teil[i])
            else:
                expected = f_k[i] + sum(teil_of[(k, jahr[i], mon[i])] for k in kids)
                formula = "ROUND(" + "+".join(["H{r}"] + [f"I{x}" for x in kid_rows]) + ",2)" if kids else "H{r}"
                col_teil.append(_money_f(self._formula_or_value(
                    S_MAT, f"Teilbaum {emp[i]} {jahr[i]}-{mon[i]:02d}", formula, expected, teil[i])))
            # {p} is the previous row; resolved here because write_detail only knows {r}
        first_row = xlsx.HEADER_ROW + 2
        for col in (col_fk, col_ak):
            for i, v in enumerate(col):
                if isinstance(v, F):
                    col[i] = F(v.formula.replace("{p}", str(first_row + i - 1)), v.value)
        saldo_col = [F("ROUND(K{r}-I{r},2)", xlsx.euro(s)) for s in saldo]
        art = [F('IF(L{r}>0,"Rückforderung",IF(L{r}<0,"Nachzahlung","ausgeglichen"))', _art(s)) for s in saldo]
        data: list[Sequence[object]] = [
            emp, [self.geber_of.get((e, j)) for e, j in zip(emp, jahr, strict=True)], jahr, mon,
            m["vzae_zugeteilt_e4"].tolist(), m["vzae_besetzt_e4"].tolist(), f_m, col_fk, col_teil, a_m, col_ak,
            saldo_col, art,
        ]
        self._detail(
            S_MAT, "Monatsmatrix je Empfänger (kumuliert ab 1. Januar)", cols, data, n,
            table=self.table, freeze_cols=1,
            sheet_note="Saldo = ausgezahlt kumuliert − förderfähig Teilbaum kumuliert; > 0 Rückforderung, "
                       "< 0 Nachzahlung (R5).",
        )

    def _cum(self, what: str, formula: str, expected: int, actual: int) -> object:
        return _money_f(self._formula_or_value(S_MAT, f"kumuliert {what}", formula, expected, actual))

    # ------------------------------------------------------------------ Kanten
    def _kanten(self) -> None:
        cols = [Col("Geber"), Col("Empfänger"), Col("Jahr", "int"), Col("VzÄ zugeteilt (Teilbaum)", "vzae"),
                Col("Weiterleitungsbetrag", "money"), Col("Förderfähig eigen kumuliert", "money"),
                Col("Förderfähig Teilbaum kumuliert", "money"), Col("Gezahlt (brutto)", "money"),
                Col("Zurückgezahlt", "money"), Col("Ausgezahlt kumuliert", "money"), Col("Saldo", "money"),
                Col("Art"), Col("Nachzahlung gekappt", "bool"), Col("Nachweisfrist", "date")]
        data: list[list[object]] = [[] for _ in cols]
        alloc = {(a.empfaenger, a.jahr): a for a in self.r.zuteilungen}
        last_month = self._last_months()
        for e in self.r.kanten:
            what = f"{e.geber} → {e.empfaenger} {e.jahr}"
            a = alloc.get((e.empfaenger, e.jahr))
            zr = self.layout.zut_row.get((e.empfaenger, e.jahr))
            vz: object = e.vzae_zugeteilt_e4
            wl: object = e.weiterleitung_cent
            if a is not None and zr is not None:
                ref = xlsx.quote_sheet(S_ZUT)
                if a.vzae_teilbaum_e4 == e.vzae_zugeteilt_e4:
                    vz = F(f"{ref}!I{zr}", xlsx.vzae(e.vzae_zugeteilt_e4))
                if a.weiterleitung_cent == e.weiterleitung_cent:
                    wl = F(f"{ref}!K{zr}", xlsx.euro(e.weiterleitung_cent))
            eigen: object = e.foerderfaehig_eigen_kumuliert_cent
            teil: object = e.foerderfaehig_kumuliert_cent
            lm = last_month.get((e.empfaenger, e.jahr))
            mr = self.layout.mat_row.get((e.empfaenger, e.jahr, lm[0])) if lm else None
            if lm and mr:
                ref = xlsx.quote_sheet(S_MAT)
                eigen = _money_f(self._formula_or_value(S_KANT, f"Förderfähig eigen {what}", f"{ref}!H{mr}",
                                                        lm[1], e.foerderfaehig_eigen_kumuliert_cent))
                teil = _money_f(self._formula_or_value(S_KANT, f"Förderfähig Teilbaum {what}", f"{ref}!I{mr}",
                                                       lm[2], e.foerderfaehig_kumuliert_cent))
            gezahlt = self._payments_ref(e.geber, e.empfaenger, e.jahr, False, e.gezahlt_brutto_cent)
            zurueck = self._payments_ref(e.empfaenger, e.geber, e.jahr, True, e.zurueckgezahlt_cent)
            aus = _money_f(self._formula_or_value(S_KANT, f"Ausgezahlt {what}", "ROUND(H{r}-I{r},2)",
                                                  e.gezahlt_brutto_cent - e.zurueckgezahlt_cent,
                                                  e.ausgezahlt_kumuliert_cent))
            raw = e.ausgezahlt_kumuliert_cent - e.foerderfaehig_kumuliert_cent
            if e.nachzahlung_gekappt:
                saldo = self._formula_or_value(S_KANT, f"Saldo {what}", "ROUND(MAX(J{r}-G{r},-E{r}),2)",
                                               max(raw, -e.weiterleitung_cent), e.saldo_cent)
            else:
                saldo = self._formula_or_value(S_KANT, f"Saldo {what}", "ROUND(J{r}-G{r},2)", raw, e.saldo_cent)
            art = F('IF(K{r}>0,"Rückforderung",IF(K{r}<0,"Nachzahlung","ausgeglichen"))', e.art.value)
            vals = [e.geber, e.empfaenger, e.jahr, vz, wl, eigen, teil, gezahlt, zurueck, aus,
                    _money_f(saldo), art, e.nachzahlung_gekappt, e.nachweisfrist]
            for j, v in enumerate(vals):
                data[j].append(v)
        self._detail(
            S_KANT, f"Abrechnung je Weiterleitungskante (R5), Stand {self.r.stichtag:%d.%m.%Y}",
            cols, data, len(self.r.kanten), table=self.table, freeze_cols=2,
            sheet_note="Saldo = ausgezahlt − förderfähig (Teilbaum); > 0 Rückforderung an den Geber, "
                       "< 0 Nachzahlung des Gebers (höchstens bis zum Weiterleitungsbetrag).",
            empty_note="Keine Kanten.",
        )

    def _payment_sums(self) -> dict[tuple[str, str, int, bool], int]:
        """Payments up to the reference date summed by (payer, payee, year, is repayment), names casefolded.

        Exactly what the SUMIFS formula of the Kanten sheet adds up (Excel compares text ignoring case).
        """
        z = self.zahl
        need = {"datum", "zahler", "empfaenger", "betrag_cent", "jahr"}
        if z is None or len(z) == 0 or not need <= set(z.columns):
            return {}
        import pandas as pd

        art = z["art"].astype("string").str.casefold() if "art" in z.columns else pd.Series(pd.NA, index=z.index)
        frame = pd.DataFrame({
            "zahler": z["zahler"].astype("string").str.casefold(),
            "empfaenger": z["empfaenger"].astype("string").str.casefold(),
            "jahr": pd.to_numeric(z["jahr"], errors="coerce"),
            "rueck": (art == "rückzahlung").fillna(False).astype(bool),
            "betrag": pd.to_numeric(z["betrag_cent"], errors="coerce").fillna(0).astype("int64"),
        })
        frame = frame[(pd.to_datetime(z["datum"]) <= pd.Timestamp(self.r.stichtag)).fillna(False).to_numpy()]
        frame = frame.dropna(subset=["zahler", "empfaenger", "jahr"])
        sums = frame.groupby(["zahler", "empfaenger", "jahr", "rueck"])["betrag"].sum()
        return {(str(a), str(b), int(j), bool(rk)): int(v) for (a, b, j, rk), v in sums.items()}

    def _payments_ref(self, zahler: str, empfaenger: str, jahr: int, rueck: bool, actual: int) -> object:
        """SUMIFS over the Zahlungen sheet when it adds up to the edge's figure, else the figure."""
        if self._pay is None:
            self._pay = self._payment_sums()
        n = len(self.zahl)
        plain = all(not set(t) & set('*?~"<>=') for t in (zahler, empfaenger))
        if not self._pay or not plain or n > xlsx.detail_capacity(True):
            return actual
        if self._pay.get((zahler.casefold(), empfaenger.casefold(), jahr, rueck), 0) != actual:
            return actual
        a, b = xlsx.HEADER_ROW + 2, xlsx.HEADER_ROW + 1 + n
        z = xlsx.quote_sheet(S_ZAHL)

        def rng(col: str) -> str:
            return f"{z}!${col}${a}:${col}${b}"

        art = '"Rückzahlung"' if rueck else '"<>Rückzahlung"'
        formula = (f'ROUND(SUMIFS({rng("D")},{rng("B")},"{zahler}",{rng("C")},"{empfaenger}",{rng("F")},{jahr},'
                   f'{rng("E")},{art},{rng("A")},"<="&Stichtag),2)')
        return F(formula, xlsx.euro(actual))

    def _last_months(self) -> dict[tuple[str, int], tuple[int, int, int]]:
        """(empfaenger, jahr) -> (last month, own cumulative, subtree cumulative) of the month matrix."""
        m = self.mat
        if len(m) == 0:
            return {}
        last = m.sort_values(["empfaenger", "jahr", "monat"]).groupby(["empfaenger", "jahr"], sort=False).tail(1)
        teil = last["ausgezahlt_kumuliert_cent"] - last["saldo_kumuliert_cent"]
        return {
            (e, int(j)): (int(mm), int(fk), int(t))
            for e, j, mm, fk, t in zip(last["empfaenger"], last["jahr"], last["monat"],
                                       last["foerderfaehig_kumuliert_cent"], teil, strict=True)
        }

    # ------------------------------------------------------------------ Zinsen
    def _zinsen(self) -> None:
        fm, r = self.fm, self.r
        ws = self.wb.add_worksheet(S_ZINS)
        ws.write_string(0, 0, "Erstattungszinsen (R7) und potenzielle Zwischenzinsen (R6)", fm.title)
        ws.write_string(1, 0, "Zinstage: der Zinsbeginn zählt nicht mit (§ 187 Abs. 1 BGB); Tagesbasis act/365; "
                              "Zinsen je Zinsperiode auf den Cent gerundet, dann summiert.", fm.note)
        widths = [22, 26, 26, 14, 16, 14, 14, 10, 16, 10]
        for j, w in enumerate(widths):
            ws.set_column(j, j, w)
        row = 3
        ws.write_string(row, 0, "Forderungen", fm.subtitle)
        row += 1
        ccols = [Col("Forderung-ID"), Col("Gläubiger"), Col("Schuldner"), Col("Jahr", "int"), Col("Betrag", "money"),
                 Col("Zinsbeginn", "date"), Col("Zinsende", "date"), Col("Zinstage", "int"), Col("Zinsen", "money"),
                 Col("offen", "bool")]
        claims = r.zinsen
        n_periods = sum(len(c.perioden) for c in claims)
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
                tage = self._formula_or_value(S_ZINS, f"Zinstage {c.forderung_id}",
                                              f"SUM(D{a + 1}:D{b + 1})",
                                              sum(p.tage for p in c.perioden), c.tage, money=False)
                zins = _money_f(self._formula_or_value(S_ZINS, f"Zinsen {c.forderung_id}",
                                                       f"ROUND(SUM(I{a + 1}:I{b + 1}),2)",
                                                       sum(p.betrag_cent for p in c.perioden), c.zinsbetrag_cent))
            else:
                tage, zins = c.tage, c.zinsbetrag_cent
            rows.append((c.forderung_id, c.glaeubiger, c.schuldner, c.jahr, c.betrag_cent, c.von, c.bis, tage,
                         zins, c.offen))
        if rows:
            end = xlsx.write_rows(ws, fm, row, ccols, rows)
            ws.write_string(end, 0, "Summe", fm.total_label)
            total = sum(c.zinsbetrag_cent for c in claims)
            xlsx.write_formula(ws, end, 8, F(f"ROUND(SUM(I{claim_top + 1}:I{end}),2)", xlsx.euro(total)),
                               fm.total_money)
        else:
            ws.write_string(row, 0, "Keine Zinsforderungen.", fm.note)
        row = period_header - 1
        ws.write_string(row, 0, "Zinsperioden", fm.subtitle)
        pcols = [Col("Forderung-ID"), Col("von", "date"), Col("bis", "date"), Col("Tage", "int"),
                 Col("Basiszinssatz", "pct"), Col("Aufschlag (Prozentpunkte)", "pct"), Col("Zinssatz", "pct"),
                 Col("Betrag", "money"), Col("Zinsen", "money")]
        prows: list[tuple[object, ...]] = []
        for i, c in enumerate(claims):
            for p in c.perioden:
                rr = len(prows) + period_header + 2  # 1-based row of this period
                tage = self._formula_or_value(S_ZINS, f"Tage {c.forderung_id} {p.von}", f"C{rr}-B{rr}+1",
                                              (p.bis - p.von).days + 1, p.tage, money=False)
                rate = p.basiszins + p.aufschlag
                expected = round_half_up(Fraction(c.betrag_cent) * Fraction(rate) / 100 * p.tage / 365)
                zins = _money_f(self._formula_or_value(S_ZINS, f"Zinsen {c.forderung_id} {p.von}",
                                                       f"ROUND(H{rr}*G{rr}/100*D{rr}/365,2)", expected, p.betrag_cent))
                prows.append((c.forderung_id, p.von, p.bis, tage, self._rate_ref("basiszins", p.von, p.basiszins),
                              self._rate_ref("aufschlag", p.von, p.aufschlag),
                              F(f"E{rr}+F{rr}", float(rate)), F(f"E{claim_top + i + 1}", xlsx.euro(c.betrag_cent)),
                              zins))
        if prows:
            xlsx.write_rows(ws, fm, period_header, pcols, prows)
            row = period_header + 1 + n_periods + 1
        else:
            ws.write_string(period_header, 0, "Keine Zinsperioden.", fm.note)
            row = period_header + 2
        ws.write_string(row, 0, "Potenzielle Zwischenzinsen (R6): Risikozahl, keine Forderung "
                                "(Ermessen nach § 49a Abs. 4 VwVfG NRW)", fm.subtitle)
        row += 1
        zcols = [Col("Geber"), Col("Empfänger"), Col("Jahr", "int"), Col("Zahlung am", "date"), Col("Betrag", "money"),
                 Col("Nicht binnen 2 Monaten verwendet", "money"), Col("Tage", "int"), Col("Zinsen (Risiko)", "money")]
        zrows = [(z.geber, z.empfaenger, z.jahr, z.zahlung_datum, z.betrag_cent, z.ungenutzt_cent, z.tage,
                  z.zinsbetrag_cent) for z in r.zwischenzinsen]
        if zrows:
            end = xlsx.write_rows(ws, fm, row, zcols, zrows)
            ws.write_string(end, 0, "Summe", fm.total_label)
            total = sum(z.zinsbetrag_cent for z in r.zwischenzinsen)
            xlsx.write_formula(ws, end, 7, F(f"ROUND(SUM(H{row + 2}:H{end}),2)", xlsx.euro(total)), fm.total_money)
        else:
            ws.write_string(row, 0, "Keine potenziellen Zwischenzinsen.", fm.note)
        xlsx.print_setup(ws, self.footer, widths)
        xlsx.protect_sheet(ws)

    def _rate_ref(self, key: str, on: date, value: Decimal) -> object:
        """The named Parameter cell of a dated rate valid on ``on`` with this value, else the value."""
        valid = [(ab or date.min, name) for pname, ab, v, name in self.named_params
                 if key in pname and (ab is None or ab <= on)]
        if valid:
            ab, name = max(valid)
            current = next(v for pn, a, v, n in self.named_params if n == name)
            if current == value:
                return F(name, float(value))
        return value

    # ------------------------------------------------------------------ detail tables
    def _source_columns(self, frame: Any) -> tuple[Sequence[object], Sequence[object], Sequence[object]]:
        n = len(frame)
        if "_datei" in frame.columns:
            return (xlsx.frame_column(frame, "_datei"), xlsx.frame_column(frame, "_blatt"),
                    xlsx.frame_column(frame, "_zeile"))
        if "_sheet" in frame.columns:
            idx = xlsx.frame_column(frame, "_sheet")
            sheets = self.r.blaetter
            pos = [int(str(i)) if i is not None else len(sheets) for i in idx]
            datei = [sheets[i].datei if i < len(sheets) else None for i in pos]
            blatt = [sheets[i].blatt if i < len(sheets) else None for i in pos]
            return datei, blatt, xlsx.frame_column(frame, "_zeile")
        return [None] * n, [None] * n, [None] * n

    def _canonical_sheet(self, sheet: str, title: str, kind: Kind, spec: Sequence[tuple[str, Col]],
                         frame: Any, totals: Sequence[int] = ()) -> None:
        frame = frame if frame is not None else _empty()
        n = len(frame)
        known = set(COLUMNS[kind])
        spec = [(c, col) for c, col in spec if c in known]
        cols = [col for _, col in spec] + [Col("Quelldatei"), Col("Quellblatt"), Col("Quellzeile", "int")]
        data: list[Sequence[object]] = [xlsx.frame_column(frame, c) for c, _ in spec]
        data += list(self._source_columns(frame))
        self._detail(sheet, title, cols, data, n, table=self.table, totals=totals, empty_note="Keine Einträge.")

    def _zahlungen(self) -> None:
        spec = [("datum", Col("Datum", "date")), ("zahler", Col("Zahler")), ("empfaenger", Col("Empfänger")),
                ("betrag_cent", Col("Betrag", "money")), ("art", Col("Art")), ("jahr", Col("Bezugsjahr", "int")),
                ("kassenzeichen", Col("Kassenzeichen")), ("verwendungszweck", Col("Verwendungszweck"))]
        self._canonical_sheet(S_ZAHL, "Zahlungen (normalisiert, mit Herkunft)", Kind.ZAHLUNGEN, spec,
                              self.zahl, totals=(3,))

    def _besetzung(self) -> None:
        # Only canonical (pseudonymous) columns are written: no name can reach the output (spec §8)
        spec = [("kommune", Col("Kommune")), ("ags", Col("AGS")), ("stelle_id", Col("Stellen-ID")),
                ("personal_id", Col("Personal-ID (Pseudonym)")), ("beginn", Col("Beginn", "date")),
                ("ende", Col("Ende", "date")), ("wochenstunden_h100", Col("Wochenstunden", "hours")),
                ("stellenanteil_e4", Col("Stellenanteil (VzÄ)", "vzae")),
                ("tarifstunden_h100", Col("Tarifstunden", "hours")),
                ("unterbrechung_von", Col("Unterbrechung von", "date")),
                ("unterbrechung_bis", Col("Unterbrechung bis", "date")),
                ("unterbrechung_grund", Col("Unterbrechungsgrund")),
                ("entgeltanspruch", Col("Entgeltanspruch in Unterbrechung", "bool")),
                ("personalkosten_cent", Col("Personalkosten", "money"))]
        self._canonical_sheet(S_BES, "Besetzung (normalisiert, pseudonym)", Kind.BESETZUNG, spec, self.r.besetzung)

    def _befunde(self) -> None:
        cols = [Col("Nr.", "int"), Col("Schwere"), Col("Code"), Col("Datei"), Col("Blatt"), Col("Zelle"),
                Col("Meldung", width=80), Col("Wert (unverändert, als Text)", width=40)]
        data = finding_columns(self.r.befunde)
        self._detail(S_BEF, "Befunde der Prüfung (vollständig)", cols, data, len(self.r.befunde),
                     table=self.table, freeze_cols=1, empty_note="Keine Befunde.")

    def _korrekturen(self) -> None:
        cols = [Col("Geber"), Col("Empfänger"), Col("Jahr", "int"), Col("Monat"), Col("Kennzahl"),
                Col("Bisher", "money"), Col("Neu", "money"), Col("Differenz", "money"), Col("Früherer Lauf")]
        ks = self.r.korrekturen
        data: list[list[object]] = [
            [k.geber for k in ks], [k.empfaenger for k in ks], [k.jahr for k in ks], [k.monat for k in ks],
            [k.kennzahl for k in ks], [k.alt_cent for k in ks], [k.neu_cent for k in ks],
            [F("ROUND(G{r}-F{r},2)", xlsx.euro(k.differenz_cent)) for k in ks], [k.frueherer_lauf for k in ks],
        ]
        self._detail(S_KORR, "Rückwirkende Korrekturen (§ 7)", cols, data, len(ks), table=self.table,
                     empty_note="Keine rückwirkenden Korrekturen.")

    # ------------------------------------------------------------------ Prüfprotokoll
    def _pruefprotokoll(self) -> None:
        r, fm = self.r, self.fm
        ws = self.wb.add_worksheet(S_PROT)
        for j, w in enumerate([30, 26, 18, 18, 18, 22, 30, 30]):
            ws.set_column(j, j, w)
        ws.write_string(0, 0, "Prüfprotokoll", fm.title)
        row = 2
        ws.write_string(row, 0, "Lauf", fm.subtitle)
        row += 1
        for label, value, kind in [("Lauf-ID", r.lauf_id, "text"), ("Zeitpunkt", r.zeitpunkt, "datetime"),
                                   ("kimrecon-Version", r.version, "text"), ("Fall", r.fall, "text"),
                                   ("Monat", str(r.monat), "text"), ("Stichtag", r.stichtag, "date"),
                                   ("Modus", r.modus, "text")]:
            ws.write_string(row, 0, label, fm.label)
            xlsx.write_value(ws, row, 1, value, kind, fm)
            row += 1
        row += 1
        ws.write_string(row, 0, "Eingabedateien", fm.subtitle)
        row = self._input_files(ws, row + 1) + 1
        ws.write_string(row, 0, "Eingelesene Blätter", fm.subtitle)
        row += 1
        scols = [Col("Datei"), Col("Blatt"), Col("Art"), Col("Kopfzeile", "int"), Col("Datenzeilen", "number"),
                 Col("Spaltenzuordnung"), Col("Verworfene Spalten (personenbezogen)"), Col("Unbekannte Spalten")]
        srows = [(s.datei, s.blatt, s.kind.label, s.header_row, s.rows,
                  ", ".join(f"{k}={v}" for k, v in s.columns.items()), ", ".join(s.dropped) or "–",
                  ", ".join(s.unknown) or "–") for s in r.blaetter]
        if srows:
            row = xlsx.write_rows(ws, fm, row, scols, srows) + 1
        else:
            ws.write_string(row, 0, "Keine Blätter.", fm.note)
            row += 2
        ws.write_string(row, 0, "Prüfergebnisse (Befunde je Code)", fm.subtitle)
        row += 1
        counts = Counter((f.severity.value, f.code.value) for f in r.befunde)
        if counts:
            ws.write_string(row, 0, "Schwere", fm.header)
            ws.write_string(row, 1, "Code", fm.header)
            ws.write_string(row, 2, "Anzahl", fm.header)
            top = row + 1
            for (sev, code), cnt in sorted(counts.items()):
                row += 1
                ws.write_string(row, 0, sev)
                ws.write_string(row, 1, code)
                parts = [f'COUNTIFS({xlsx.quote_sheet(s)}!$B${a}:$B${b},A{row + 1},{xlsx.quote_sheet(s)}!$C${a}:$C${b},'
                         f'B{row + 1})' for s, a, b in self.layout.bef_ranges]
                xlsx.write_formula(ws, row, 2, F("+".join(parts), cnt), fm.int)
            row += 1
            ws.write_string(row, 0, "Befunde insgesamt", fm.total_label)
            xlsx.write_formula(ws, row, 2, F(f"SUM(C{top + 1}:C{row})", len(r.befunde)), fm.total_int)
            row += 2
        else:
            ws.write_string(row, 0, "Keine Befunde.", fm.note)
            row += 2
        ws.write_string(row, 0, "Mittelerhaltung je Knoten und Jahr (R3b)", fm.subtitle)
        row += 1
        ecols = [Col("Knoten"), Col("Jahr", "int"), Col("Erhalten", "money"), Col("Weitergeleitet", "money"),
                 Col("Eigenanteil", "money"), Col("Weitergeleitet + Eigenanteil", "money"),
                 Col("Erhalten − (Weitergeleitet + Eigenanteil)", "money"), Col("Ergebnis")]
        erows = []
        for i, c in enumerate(r.erhaltung):
            rr = row + 2 + i
            summe = c.weitergeleitet_cent + c.eigenanteil_cent
            erhalten, weiter, eigen = self._conservation_refs(c)
            erows.append((c.knoten, c.jahr, erhalten, weiter, eigen,
                          F(f"ROUND(D{rr}+E{rr},2)", xlsx.euro(summe)),
                          F(f"ROUND(C{rr}-F{rr},2)", xlsx.euro(c.erhalten_cent - summe)),
                          F(f'IF(F{rr}<=C{rr},"eingehalten","VERLETZT")', "eingehalten" if c.ok else "VERLETZT")))
        if erows:
            row = xlsx.write_rows(ws, fm, row, ecols, erows) + 1
        else:
            ws.write_string(row, 0, "Keine Erhaltungsprüfungen.", fm.note)
            row += 2
        ws.write_string(row, 0, "Werte ohne Formel (kimrecon-Wert weicht von der Nachrechnung ab)", fm.subtitle)
        row += 1
        if self.unmatched:
            xlsx.write_rows(ws, fm, row, [Col("Blatt"), Col("Wert"), Col("Grund")], self.unmatched)
        else:
            ws.write_string(row, 0, "Keine: jede Summe und jeder abgeleitete Wert ist als Formel nachrechenbar.",
                            fm.note)
        xlsx.print_setup(ws, self.footer, [30, 26, 18, 18, 18, 22, 30, 30])
        xlsx.protect_sheet(ws)

    def _conservation_refs(self, c: ConservationCheck) -> tuple[object, object, object]:
        """Received, forwarded and own share of a node as references to the Zuteilung sheet, where they agree."""
        alloc = {(a.empfaenger, a.jahr): a for a in self.r.zuteilungen}
        a = alloc.get((c.knoten, c.jahr))
        row = self.layout.zut_row.get((c.knoten, c.jahr))
        if a is None or row is None:
            return c.erhalten_cent, c.weitergeleitet_cent, c.eigenanteil_cent
        zut = xlsx.quote_sheet(S_ZUT)
        what = f"{c.knoten} {c.jahr}"
        erhalten = _money_f(self._formula_or_value(S_PROT, f"Erhalten {what}", f"{zut}!K{row}",
                                                   a.weiterleitung_cent, c.erhalten_cent))
        eigen = _money_f(self._formula_or_value(S_PROT, f"Eigenanteil {what}", f"{zut}!L{row}",
                                                div_round(a.vzae_eigen_e4 * a.pauschale_cent, 10_000),
                                                c.eigenanteil_cent))
        kids = self.children.get((c.knoten, c.jahr), [])
        kid_rows = [self.layout.zut_row.get((k, c.jahr)) for k in kids]
        weiter: object = c.weitergeleitet_cent
        if kids and all(x is not None for x in kid_rows):
            expected = sum(alloc[(k, c.jahr)].weiterleitung_cent for k in kids)
            formula = "ROUND(" + "+".join(f"{zut}!K{x}" for x in kid_rows) + ",2)"
            weiter = _money_f(self._formula_or_value(S_PROT, f"Weitergeleitet {what}", formula, expected,
                                                     c.weitergeleitet_cent))
        return erhalten, weiter, eigen

    # ------------------------------------------------------------------ Diagramme
    def _diagramme(self) -> None:
        fm = self.fm
        ws = self.wb.add_worksheet(S_DIA)
        ws.write_string(0, 0, "Diagramme (live aus dem Blatt Monatsmatrix)", fm.title)
        m = self.mat
        if len(m) == 0 or self.layout.mat_split:
            ws.write_string(1, 0, "Keine Diagramme: keine Monatswerte." if len(m) == 0 else
                            "Keine Diagramme: die Monatsmatrix ist auf mehrere Blätter verteilt.", fm.note)
            xlsx.protect_sheet(ws)
            return
        jahr = self.r.jahr
        if jahr not in set(int(x) for x in m["jahr"].tolist()):
            jahr = int(m["jahr"].max())
        groups: list[tuple[str, int, int]] = []  # (empfaenger, first row, last row) 0-based
        first_row = xlsx.HEADER_ROW + 1
        emp = m["empfaenger"].tolist()
        jahre = [int(x) for x in m["jahr"].tolist()]
        for i, (e, j) in enumerate(zip(emp, jahre, strict=True)):
            if j != jahr:
                continue
            if groups and groups[-1][0] == e and groups[-1][2] == first_row + i - 1:
                groups[-1] = (e, groups[-1][1], first_row + i)
            else:
                groups.append((e, first_row + i, first_row + i))
        shown = groups[:MAX_CHART_RECIPIENTS]
        note = f"Jahr {jahr}: je Empfänger links VzÄ zugeteilt und besetzt, rechts förderfähig (Teilbaum) und " \
               "ausgezahlt, kumuliert."
        if len(groups) > len(shown):
            note += f" Gezeigt werden die ersten {len(shown)} von {len(groups)} Empfängern (Reihenfolge wie in der " \
                    "Monatsmatrix); die übrigen Werte stehen im Blatt Monatsmatrix."
        ws.write_string(1, 0, note, fm.note)
        mat = S_MAT
        for k, (e, a, b) in enumerate(shown):
            top = 3 + k * 16
            geber = self.geber_of.get((e, jahr), "")
            vzae = (((4, "VzÄ zugeteilt", "#1F4E79"), (5, "VzÄ besetzt", "#C55A11")),
                    f"{e} {jahr}: VzÄ zugeteilt und besetzt", "VzÄ", "0.0#", 480)
            money = (((8, "Förderfähig kumuliert", "#548235"), (10, "Ausgezahlt kumuliert", "#7030A0")),
                     f"{geber} → {e} {jahr}: förderfähig und ausgezahlt", "Euro", '#,##0 "€"', 560)
            for first_col, (series, title, y_name, y_format, width) in ((0, vzae), (8, money)):
                chart = self.wb.add_chart({"type": "line"})
                for col, label, color in series:
                    chart.add_series({"name": label, "categories": [mat, a, 3, b, 3], "values": [mat, a, col, b, col],
                                      "line": {"color": color, "width": 2.25}, "marker": {"type": "circle", "size": 4}})
                chart.set_title({"name": title, "name_font": {"size": 10}})
                chart.set_x_axis({"name": "Monat"})
                chart.set_y_axis({"name": y_name, "num_format": y_format, "min": 0})
                chart.set_legend({"position": "bottom"})
                chart.set_size({"width": width, "height": 300})
                ws.insert_chart(top, first_col, chart)
        xlsx.print_setup(ws, self.footer, [145.0])  # two charts side by side, about 1 060 pixels
        xlsx.protect_sheet(ws)


# ---------------------------------------------------------------------- helpers
def finding_columns(findings: Sequence[Finding]) -> list[list[object]]:
    """Column lists (Nr, Schwere, Code, Datei, Blatt, Zelle, Meldung, Wert) of findings."""
    src = [f.source for f in findings]
    return [
        list(range(1, len(findings) + 1)),
        [f.severity.value for f in findings],
        [f.code.value for f in findings],
        [s.datei if s else None for s in src],
        [s.blatt if s else None for s in src],
        [s.zelle if s else None for s in src],
        [f.meldung for f in findings],
        [f.value for f in findings],
    ]


def _tree_order(allotments: Sequence[Allotment]) -> list[Allotment]:
    """Allotments per year in depth-first tree order (root first, children in input order)."""
    out: list[Allotment] = []
    for jahr in sorted({a.jahr for a in allotments}):
        year = [a for a in allotments if a.jahr == jahr]
        names = {a.empfaenger for a in year}
        kids: dict[str, list[Allotment]] = defaultdict(list)
        for a in year:
            kids[a.geber].append(a)
        roots = [a for a in year if a.geber not in names]
        seen: set[str] = set()
        stack = list(reversed(sorted(roots, key=lambda a: a.ebene)))
        while stack:
            a = stack.pop()
            if a.empfaenger in seen:
                continue
            seen.add(a.empfaenger)
            out.append(a)
            stack.extend(reversed(kids.get(a.empfaenger, [])))
        out.extend(a for a in year if a.empfaenger not in seen)  # a cycle: keep every row anyway
    return out


def _ints(frame: Any, column: str) -> list[int]:
    """An integer column as Python ints (missing values count as 0), vectorised."""
    import pandas as pd

    if column not in frame.columns:
        return [0] * len(frame)
    return pd.to_numeric(frame[column], errors="coerce").fillna(0).astype("int64").tolist()  # type: ignore[no-any-return]


def _money_f(v: object) -> object:
    """Convert the cached value of a money formula from cents to euros (plain cents stay cents)."""
    if isinstance(v, F):
        return F(v.formula, xlsx.euro(int(v.value)))
    return v


def _art(saldo: int) -> str:
    return "Rückforderung" if saldo > 0 else "Nachzahlung" if saldo < 0 else "ausgeglichen"


def _number(text: str) -> Decimal | None:
    """A parameter value as a number when it is one ("39", "1.62", "1,62", "-0,88")."""
    t = str(text).strip()
    if not re.fullmatch(r"-?\d+([.,]\d+)?", t):
        return None
    try:
        return Decimal(t.replace(",", "."))
    except InvalidOperation:  # pragma: no cover
        return None


def _dt(d: date) -> Any:
    from datetime import datetime

    return datetime(d.year, d.month, d.day)


def _empty() -> Any:
    import pandas as pd

    return pd.DataFrame()


__all__ = ["write_abgleich", "finding_columns", "Edge"]
