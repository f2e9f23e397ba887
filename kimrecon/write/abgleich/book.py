"""Shared state of one Abgleich workbook: the Result, formats, cross-sheet row layout and the formula helper."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from xlsxwriter.workbook import Workbook

from kimrecon.result import Allotment, Result
from kimrecon.write import xlsx
from kimrecon.write.xlsx import Col, Columns, Formats

S_DECK = "Deckblatt"
S_PARAM = "Parameter"
S_ZUT = "Zuteilung"
S_MAT = "Monatsmatrix"
S_KANT = "Kanten"
S_PLAN = "Zahlungsplan"
S_FRIST = "Fristen"
S_ZINS = "Zinsen"
S_ZAHL = "Zahlungen"
S_BES = "Besetzung"
S_BEF = "Befunde"
S_PROT = "Prüfprotokoll"
S_KORR = "Korrekturen"
S_DIA = "Diagramme"

SHEET_DESCRIPTIONS: tuple[tuple[str, str], ...] = (
    (S_DECK, "Lauf, Status, Stand gegenüber der Bewilligungsbehörde, Summen je Ebene, Eingabedateien mit SHA-256"),
    (S_PARAM, "Rechengrößen mit Rechtsgrundlage bzw. Herkunft und Gültigkeit; Formeln beziehen sich über Namen darauf"),
    (S_ZUT, "Weiterleitungsbaum: Zuteilung (VzÄ) und Weiterleitungsbetrag je Empfänger"),
    (S_MAT, "Je Empfänger und Monat: VzÄ zugeteilt/besetzt, förderfähig, ausgezahlt, Saldo (kumuliert)"),
    (S_KANT, "Abrechnung je Weiterleitungskante: ausgezahlt, förderfähig, Saldo und seine Bedeutung"),
    (S_PLAN, "Zahlungsplan je Kante (erwartet bis zum Stichtag, gezahlt), Verrechnung, vorgeschlagene Rückforderungen"),
    (S_FRIST, "Nachweisfristen je Kante und Jahr"),
    (S_ZINS, "Erstattungszinsen je Forderung und Zinsperiode, potenzielle Zwischenzinsen"),
    (S_ZAHL, "Zahlungen mit Kante, Zählweise, Stichtagsbezug und Quelldatei, Blatt und Zeile"),
    (S_BES, "Besetzung, nur pseudonyme Personal-ID"),
    (S_BEF, "Alle Befunde der Prüfung, ungekürzt"),
    (S_PROT, "Eingaben, verworfene personenbezogene Spalten, Prüfergebnisse, Mittelerhaltung, Werte ohne Formel"),
    (S_KORR, "Rückwirkende Korrekturen gegenüber früheren Läufen"),
    (S_DIA, "Diagramme: VzÄ zugeteilt/besetzt und förderfähig/ausgezahlt je Empfänger"),
)

FIRST_DATA_ROW = xlsx.HEADER_ROW + 2  # 1-based Excel row of the first data row of a detail sheet


@dataclass
class Layout:
    """Row positions other sheets refer to (fixed before anything is written)."""

    zut_row: dict[tuple[str, int], int] = field(default_factory=dict)  # (empfaenger, jahr) -> 1-based row
    mat_row: dict[tuple[str, int, int], int] = field(default_factory=dict)  # (empfaenger, jahr, monat) -> row
    mat_split: bool = False
    kant_range: tuple[int, int] | None = None  # first/last 1-based rows of the Kanten data
    zahl_range: tuple[int, int] | None = None  # first/last 1-based rows of the Zahlungen data
    bef_ranges: list[tuple[str, int, int]] = field(default_factory=list)  # (sheet, first, last) per part


class Book:
    """One Abgleich workbook being written: what every sheet module needs."""

    def __init__(self, result: Result, wb: Workbook) -> None:
        """Prepare formats and the layout of ``result`` on ``wb``."""
        self.r = result
        self.wb = wb
        self.fm = Formats(wb)
        self.footer = f"Lauf-ID {result.lauf_id} · {result.kreis} · {result.monat}"
        self.table = not wb.constant_memory
        self.layout = Layout()
        self.derived = xlsx.Derived()  # the one helper for derived figures; lists values without formula
        self.pauschale_names: dict[int, tuple[str, int]] = {}  # jahr -> (defined name, cents)
        self.named_params: list[tuple[str, date | None, Decimal, str]] = []  # (name, valid from, value, defined)
        self.alloc = tree_order(result.zuteilungen)
        self.allotment = {(a.empfaenger, a.jahr): a for a in result.zuteilungen}
        self.geber_of = {(a.empfaenger, a.jahr): a.geber for a in result.zuteilungen}
        self.children: dict[tuple[str, int], list[str]] = defaultdict(list)
        for a in self.alloc:
            self.children[(a.geber, a.jahr)].append(a.empfaenger)
        self.mat = self._sorted_matrix()
        self._plan()

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

    def _plan(self) -> None:
        """Fix the row of every referenced cell before writing (cross-sheet formulas need them)."""
        first = FIRST_DATA_ROW
        if len(self.alloc) <= xlsx.detail_capacity(True):  # a split sheet gets no cross-sheet references
            for i, a in enumerate(self.alloc):
                self.layout.zut_row[(a.empfaenger, a.jahr)] = first + i
        n = len(self.mat)
        self.layout.mat_split = n > xlsx.detail_capacity(False)
        if not self.layout.mat_split:
            keys = zip(self.mat["empfaenger"].tolist(), self.mat["jahr"].tolist(), self.mat["monat"].tolist(),
                       strict=True)
            self.layout.mat_row = {(e, int(j), int(m)): first + i for i, (e, j, m) in enumerate(keys)}
        if self.r.kanten and len(self.r.kanten) <= xlsx.detail_capacity(False):
            self.layout.kant_range = (first, first + len(self.r.kanten) - 1)
        if self.r.zahlungen and len(self.r.zahlungen) <= xlsx.detail_capacity(False):
            self.layout.zahl_range = (first, first + len(self.r.zahlungen) - 1)
        for k, (lo, hi) in enumerate(xlsx.detail_parts(len(self.r.befunde), False)):
            if hi > lo:
                name = S_BEF if k == 0 else xlsx.safe_sheet_name(f"{S_BEF} ({k + 1})")
                self.layout.bef_ranges.append((name, first, first + (hi - lo) - 1))
        for jahr in sorted({a.jahr for a in self.r.zuteilungen} | {e.jahr for e in self.r.kanten}):
            rates = Counter(a.pauschale_cent for a in self.r.zuteilungen if a.jahr == jahr)
            if rates:
                self.pauschale_names[jahr] = (f"Pauschale_{jahr}", rates.most_common(1)[0][0])

    def detail(self, name: str, title: str, columns: Sequence[Col] | Columns, data: Sequence[Sequence[object]],
               n: int, **kwargs: Any) -> list[xlsx.Part]:
        """``xlsx.write_detail`` on this workbook, with the run id in the footer."""
        cols = columns.cols if isinstance(columns, Columns) else columns
        kwargs.setdefault("table", self.table)
        return xlsx.write_detail(self.wb, self.fm, name, title, cols, data, n, footer=self.footer, **kwargs)

def tree_order(allotments: Sequence[Allotment]) -> list[Allotment]:
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


def ints(frame: Any, column: str) -> list[int]:
    """An integer column as Python ints (missing values count as 0), vectorised."""
    import pandas as pd

    if column not in frame.columns:
        return [0] * len(frame)
    if frame[column].dtype == "int64":  # already integers without gaps: nothing to convert
        return frame[column].tolist()  # type: ignore[no-any-return]
    return pd.to_numeric(frame[column], errors="coerce").fillna(0).astype("int64").tolist()  # type: ignore[no-any-return]


def input_files_table(book: Book, ws: Any, top: int, widths: Sequence[float]) -> int:
    """The input files with their whole SHA-256 (wrapped, never cut); return the next free row."""
    fm = book.fm
    cols = [Col("Datei", "longtext"), Col("SHA-256", "hash"), Col("Größe (Bytes)", "number"),
            Col("Blätter", "longtext")]
    rows = [(f.name, f.sha256, f.size, ", ".join(f.sheets)) for f in book.r.dateien]
    if not rows:
        ws.write_string(top, 0, "Keine Eingabedateien.", fm.note)
        return top + 1
    return xlsx.write_rows(ws, fm, top, cols, rows, widths=widths)


def label_rows(book: Book, ws: Any, top: int, items: Sequence[tuple[str, object, str]]) -> int:
    """Label/value rows (label in A, value in B); return the next free row."""
    for i, (label, value, kind) in enumerate(items):
        ws.write_string(top + i, 0, label, book.fm.label)
        xlsx.write_value(ws, top + i, 1, value, kind, book.fm)
    return top + len(items)


def edge_fields() -> set[str]:
    """Names of the fields an Edge carries in this version (new ones are rendered when they appear)."""
    import dataclasses

    from kimrecon.result import Edge

    return {f.name for f in dataclasses.fields(Edge)}


def product_cents(vzae_e4: int, cents: int, months: int = 12) -> int:
    """What ``ROUND(VzÄ*Pauschale*Monate/12,2)`` gives in a spreadsheet (to check a formula, not to compute one)."""
    from kimrecon.money import div_round

    return div_round(vzae_e4 * cents * months, 10_000 * 12)


def plain_criterion(*texts: str) -> bool:
    """True when names can stand in a SUMIFS criterion as they are (no wildcard or comparison characters)."""
    return all(not set(t) & set('*?~"<>=') for t in texts)
