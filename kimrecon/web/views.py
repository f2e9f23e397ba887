"""Presentation only: German formatting of the Result's values, generic tables, findings groups, SVG charts.

Nothing here computes a figure. Tables of records (edges, interest, deadlines, corrections …)
are built from the records' own attributes: a known attribute gets its German label and place,
an attribute the Result gains later is appended with a label derived from its name, so a richer
Result shows up on the pages without a change here. Amounts are formatted by
``money.format_cents_de`` (attributes ending in ``_cent``), VzÄ by ``format_vzae_de`` (``_e4``).
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from kimrecon.findings import Finding, SourceRef, count_text, severity_rank
from kimrecon.money import format_cents_de, format_vzae_de

# German column labels of record attributes; an unknown attribute is labelled from its name
LABELS: dict[str, str] = {
    "geber": "Geber",
    "empfaenger": "Empfänger",
    "jahr": "Jahr",
    "monat": "Monat",
    "vzae_zugeteilt_e4": "VzÄ zugeteilt",
    "vzae_besetzt_e4": "VzÄ besetzt",
    "weiterleitung_cent": "Weiterleitung",
    "foerderfaehig_cent": "Förderfähig im Monat",
    "foerderfaehig_kumuliert_cent": "Förderfähig kumuliert",
    "foerderfaehig_eigen_kumuliert_cent": "davon eigener Anteil",
    "ausgezahlt_cent": "Ausgezahlt im Monat",
    "ausgezahlt_kumuliert_cent": "Ausgezahlt kumuliert",
    "saldo_cent": "Saldo",
    "saldo_kumuliert_cent": "Saldo kumuliert",
    "art": "Art",
    "nachweisfrist": "Nachweisfrist",
    "gezahlt_brutto_cent": "Gezahlt (brutto)",
    "zurueckgezahlt_cent": "Zurückgezahlt",
    "nachzahlung_gekappt": "Nachzahlung gekappt",
    "forderung_id": "Forderung",
    "glaeubiger": "Gläubiger",
    "schuldner": "Schuldner",
    "betrag_cent": "Betrag",
    "von": "von",
    "bis": "bis",
    "tage": "Tage",
    "zinsbetrag_cent": "Zinsbetrag",
    "offen": "offen",
    "zahlung_datum": "Zahlung am",
    "ungenutzt_cent": "nicht genutzt",
    "frist": "Frist",
    "status": "Status",
    "tage_bis": "Tage bis zur Frist",
    "knoten": "Stelle",
    "erhalten_cent": "Erhalten",
    "weitergeleitet_cent": "Weitergeleitet",
    "eigenanteil_cent": "Eigener Anteil",
    "ok": "eingehalten",
    "kennzahl": "Kennzahl",
    "alt_cent": "bisher",
    "neu_cent": "neu",
    "differenz_cent": "Differenz",
    "frueherer_lauf": "Früherer Lauf",
    "name": "Name",
    "wert": "Wert",
    "gueltig_ab": "gültig ab",
    "ebene": "Ebene",
    "vzae_eigen_e4": "VzÄ eigen",
    "vzae_teilbaum_e4": "VzÄ mit Untergliederung",
    "pauschale_cent": "Pauschale je VzÄ",
    "schluessel_groesse": "Schlüsselgröße",
    "schluessel_wert": "Schlüsselwert",
    "verzicht_vzae_e4": "Verzicht VzÄ",
    "lauf_id": "Lauf",
    "zeitpunkt": "Zeitpunkt",
    "wiederholung_von": "Wiederholung von",
    "dateien": "Dateien",
    "fehler": "Fehler",
    "hinweise": "Hinweise",
    "korrekturen": "Korrekturen",
    "groesse": "Größe (Byte)",
    "sha256": "SHA-256",
    "blaetter": "Blätter",
    "vertrag": "Vertrag",
    "eingegangen": "eingegangen am",
    "geprueft": "geprüft am",
    "zahlungsplan": "Zahlungsplan",
    "zahlungsplan_kumuliert_cent": "Plan bis Stichtag",
    "zahlungsabweichung_cent": "Abweichung vom Plan",
    "prognose_foerderfaehig_cent": "Prognose förderfähig (Jahr)",
    "prognose_saldo_cent": "Prognose Saldo",
    "jahr_abgeschlossen": "Jahr abgeschlossen",
    "besetzung_fehlt": "Besetzung fehlt",
    "abweichung": "Abweichung",
    "bescheid_id": "Bescheid",
    "datum": "Datum",
    "aktenzeichen": "Aktenzeichen",
    "behoerde": "Behörde",
    "vzae_e4": "VzÄ",
    "summe_cent": "Summe",
    "fassung": "Fassung",
    "vertragsdatum": "Vertragsdatum",
    "frist_tag": "Frist (Tag)",
    "frist_monat": "Frist (Monat)",
    "zinsart": "Zinsart",
    "zahler": "Zahler",
    "kind": "Wirkung",
    "gezaehlt_cent": "gezählt",
    "kante_empfaenger": "Empfänger der Weiterleitung",
    "nach_stichtag": "nach dem Stichtag",
    "kassenzeichen": "Kassenzeichen",
    "verwendungszweck": "Verwendungszweck",
    "quelle": "Fundstelle",
    "saldo_brutto_cent": "Saldo brutto",
    "forderungen_unten_cent": "Forderungen an Untergliederungen",
    "saldo_netto_cent": "Saldo netto",
    "basiszins": "Basiszins (%)",
    "aufschlag": "Aufschlag (Prozentpunkte)",
}

# Attributes never shown as a column (nested records, run facts shown elsewhere); a ``quelle`` is
# shown only when it is a cell reference (a text source names internal rule references)
HIDDEN: frozenset[str] = frozenset({"perioden", "version", "fall", "modus"})

# The first columns of a record type, in this order (further attributes follow)
ORDER: dict[str, tuple[str, ...]] = {
    "Edge": (
        "geber", "empfaenger", "jahr", "vzae_zugeteilt_e4", "weiterleitung_cent", "foerderfaehig_kumuliert_cent",
        "ausgezahlt_kumuliert_cent", "saldo_cent", "art", "zahlungsplan_kumuliert_cent", "zahlungsabweichung_cent",
        "prognose_foerderfaehig_cent", "prognose_saldo_cent", "nachweisfrist",
    ),
    "Deadline": ("empfaenger", "geber", "jahr", "frist", "status", "tage_bis", "eingegangen", "geprueft"),
    "Payment": ("datum", "zahler", "empfaenger", "betrag_cent", "kind", "gezaehlt_cent", "jahr", "monat"),
    "Correction": ("geber", "empfaenger", "jahr", "monat", "kennzahl", "alt_cent", "neu_cent", "differenz_cent"),
    "ConservationCheck": ("knoten", "jahr", "erhalten_cent", "weitergeleitet_cent", "eigenanteil_cent", "ok"),
}

# The edge table's columns on the result page (every attribute follows in "Alle Angaben")
EDGE_CORE: tuple[str, ...] = (
    "geber", "empfaenger", "jahr", "vzae_zugeteilt_e4", "weiterleitung_cent", "foerderfaehig_kumuliert_cent",
    "ausgezahlt_kumuliert_cent", "saldo_cent", "art", "zahlungsabweichung_cent", "prognose_saldo_cent",
)


@dataclass(frozen=True, slots=True)
class Section:
    """A list of records of the Result shown as a table on the result page."""

    attr: str  # attribute of the Result
    titel: str
    beschriftung: str  # table caption
    zugeklappt: bool = False  # long lists start collapsed


# The Result's record lists on the result page, in this order; a list the Result lacks is skipped
RESULT_SECTIONS: tuple[Section, ...] = (
    Section("bescheide", "Bescheide", "Bescheide mit Bewilligungszeitraum"),
    Section("kanten", "Alle Angaben je Weiterleitung", "Alle Angaben je Weiterleitung", True),
    Section("rueckforderungsvorschlaege", "Vorgeschlagene Rückforderungen", "Vorgeschlagene Rückforderungen"),
    Section("verrechnung", "Verrechnung", "Verrechnung von Rückforderungen mit Forderungen an Untergliederungen"),
    Section("zinsen", "Erstattungszinsen", "Erstattungszinsen je Forderung"),
    Section("zwischenzinsen", "Mögliche Zwischenzinsen",
            "Zahlungen, die nicht innerhalb von zwei Monaten verwendet wurden (ein Risiko, keine Forderung)"),
    Section("korrekturen", "Rückwirkende Änderungen", "Rückwirkende Änderungen gegenüber früheren Läufen"),
    Section("fristen", "Nachweisfristen", "Nachweisfristen je Weiterleitung"),
    Section("zahlungen", "Zahlungen", "Zahlungen mit ihrer Wirkung auf die Weiterleitung", True),
    Section("vertraege", "Weiterleitungsverträge", "Fassungen der Weiterleitungsverträge", True),
    Section("zuteilungen", "Zuteilungen", "Zuteilungen je Stelle und Jahr", True),
    Section("erhaltung", "Mittelerhaltung", "Erhalten, weitergeleitet und eigener Anteil je Stelle", True),
)

def result_lists(result: Any) -> dict[str, Any]:
    """The record lists of the Result named in ``RESULT_SECTIONS`` that it has (by attribute)."""
    return {s.attr: getattr(result, s.attr) for s in RESULT_SECTIONS if hasattr(result, s.attr)}


STATUS_LABELS: dict[str, str] = {
    "ok": "abgeglichen, keine Abweichungen",
    "abweichungen": "abgeglichen, mit Abweichungen",
    "fehler": "nicht abgeglichen: Fehler in den Eingaben",
}

SEVERITY_PLURAL: dict[str, str] = {"Fehler": "Fehler", "Warnung": "Warnungen", "Hinweis": "Hinweise"}

MONTHS_DE = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
             "November", "Dezember")


@dataclass(frozen=True, slots=True)
class Cell:
    """One formatted table cell; ``zahl`` aligns it right."""

    text: str
    zahl: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    """A formatted table: header labels and rows of cells."""

    kopf: tuple[Cell, ...]
    zeilen: tuple[tuple[Cell, ...], ...]


def label(name: str) -> str:
    """German label of an attribute (derived from the name for attributes not in ``LABELS``)."""
    if name in LABELS:
        return LABELS[name]
    stem = name.removesuffix("_cent").removesuffix("_e4")
    return stem.replace("_", " ").capitalize()


def cell(name: str, value: Any) -> Cell:
    """Format one value for a page by its attribute name and type."""
    if value is None or value is _MISSING or _is_na(value):
        return Cell("–")
    if isinstance(value, bool):
        return Cell("ja" if value else "nein")
    if isinstance(value, SourceRef):
        return Cell(str(value))
    if isinstance(value, Enum):
        return Cell(str(getattr(value, "label", value.value)))
    if isinstance(value, numbers.Integral):
        if name.endswith("_cent"):
            return Cell(format_cents_de(int(value)), True)
        if name.endswith("_e4"):
            return Cell(format_vzae_de(int(value)), True)
        return Cell(str(int(value)), True)
    if isinstance(value, datetime):
        return Cell(f"{value:%d.%m.%Y %H:%M}")
    if isinstance(value, date):
        return Cell(f"{value:%d.%m.%Y}")
    if isinstance(value, Decimal):
        return Cell(format(value, "f").replace(".", ","), True)
    if isinstance(value, tuple | list):
        return Cell(", ".join(str(v) for v in value))
    return Cell(str(value))


_MISSING = object()


def _is_na(value: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(value)) if not isinstance(value, tuple | list) else False
    except (TypeError, ValueError):
        return False


def columns(records: Sequence[Any]) -> list[str]:
    """The attributes shown for a list of records of one type: the known order, then every further field."""
    if not records:
        return []
    first = records[0]
    order = list(ORDER.get(type(first).__name__, ()))
    if dataclasses.is_dataclass(first):
        for f in dataclasses.fields(first):
            value = getattr(first, f.name)
            nested = isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0])
            hidden = f.name in HIDDEN or (f.name == "quelle" and not isinstance(value, SourceRef))
            if f.name not in order and not hidden and not nested and not _is_frame(value):
                order.append(f.name)
    return order


def _is_frame(value: Any) -> bool:
    return type(value).__name__ in ("DataFrame", "Series") or isinstance(value, dict)


def record_table(records: Sequence[Any], only: Sequence[str] | None = None) -> Table:
    """A table of frozen records (every attribute, formatted), or of the attributes in ``only``."""
    names = list(only) if only is not None else columns(records)
    kopf = tuple(Cell(label(n), n.endswith(("_cent", "_e4"))) for n in names)
    zeilen = tuple(tuple(cell(n, getattr(r, n, _MISSING)) for n in names) for r in records)
    return Table(kopf, zeilen)


def findings_groups(findings: Iterable[Finding]) -> list[tuple[str, list[Finding]]]:
    """Findings grouped by severity: Fehler, Warnung, Hinweis (groups that exist, in this order)."""
    ordered = sorted(findings, key=lambda f: severity_rank(f.severity))
    groups: dict[str, list[Finding]] = {}
    for f in ordered:
        groups.setdefault(f.severity.value, []).append(f)
    return list(groups.items())


def findings_counts(findings: Iterable[Finding]) -> str:
    """"0 Fehler, 0 Warnungen, 3 Hinweise": every severity with its count (the wording of the CLI)."""
    return count_text(findings)


def zeitpunkt(iso: str) -> str:
    """A stored ISO time stamp (UTC) as the server's local "29.11.2026 14:05"."""
    return cell("", datetime.fromisoformat(iso).astimezone()).text


def place(f: Finding) -> str:
    """Where a finding points: ``datei › blatt › zelle``."""
    return str(f.source) if f.source else ""


@dataclass(frozen=True, slots=True)
class RecipientYear:
    """The month matrix of one recipient and year, and its chart."""

    empfaenger: str
    jahr: int
    tabelle: Table
    diagramm: Chart | None


@dataclass(frozen=True, slots=True)
class Series:
    """One line of a chart: SVG points and its legend."""

    name: str
    punkte: str
    klasse: str


@dataclass(frozen=True, slots=True)
class Chart:
    """A line chart in SVG coordinates (layout only; the figures are the matrix's own)."""

    breite: int
    hoehe: int
    reihen: tuple[Series, ...]
    x_marken: tuple[tuple[float, str], ...]
    y_marken: tuple[tuple[float, str], ...]
    titel: str


MATRIX_COLUMNS: tuple[str, ...] = (
    "monat", "vzae_zugeteilt_e4", "vzae_besetzt_e4", "foerderfaehig_cent", "foerderfaehig_kumuliert_cent",
    "ausgezahlt_cent", "ausgezahlt_kumuliert_cent", "saldo_kumuliert_cent",
)
_MATRIX_SKIP = frozenset({"empfaenger", "jahr", "vzae_besetzt_zaehler", "vzae_besetzt_nenner"})
CHART_SERIES: tuple[tuple[str, str, str], ...] = (
    ("foerderfaehig_kumuliert_cent", "Förderfähig kumuliert", "reihe-a"),
    ("ausgezahlt_kumuliert_cent", "Ausgezahlt kumuliert", "reihe-b"),
)


def month_matrices(frame: Any) -> list[RecipientYear]:
    """Per recipient and year: the rows of ``Result.monate`` as a table, and the cumulative chart."""
    if frame is None or len(frame) == 0:
        return []
    names = [c for c in MATRIX_COLUMNS if c in frame.columns]
    names += [c for c in frame.columns if c not in names and c not in _MATRIX_SKIP]
    out = []
    for (empf, jahr), part in frame.groupby(["empfaenger", "jahr"], sort=False):
        rows = part.sort_values("monat").to_dict("records")
        zeilen = tuple(
            tuple(Cell(MONTHS_DE[int(r["monat"]) - 1]) if n == "monat" else cell(n, r.get(n)) for n in names)
            for r in rows
        )
        kopf = tuple(Cell(label(n), n.endswith(("_cent", "_e4"))) for n in names)
        out.append(RecipientYear(str(empf), int(jahr), Table(kopf, zeilen), _chart(str(empf), int(jahr), rows)))
    return out


def _chart(empf: str, jahr: int, rows: list[dict[str, Any]]) -> Chart | None:
    """Cumulative eligible vs. paid per month as polylines; the axis marks name the largest figure."""
    series = [(key, name, klasse) for key, name, klasse in CHART_SERIES if rows and key in rows[0]]
    if not series:
        return None
    width, height, left, right, top, bottom = 640, 260, 120, 16, 16, 40
    top_value = max([int(r[k]) for r in rows for k, _, _ in series if not _is_na(r[k])] + [0])
    low_value = min([int(r[k]) for r in rows for k, _, _ in series if not _is_na(r[k])] + [0])
    span = max(top_value - low_value, 1)

    def x(month: int) -> float:
        return round(left + (month - 1) * (width - left - right) / 11, 1)

    def y(value: int) -> float:
        return round(top + (top_value - value) * (height - top - bottom) / span, 1)

    reihen = tuple(
        Series(name, " ".join(f"{x(int(r['monat']))},{y(int(r[key]))}" for r in rows if not _is_na(r[key])), klasse)
        for key, name, klasse in series
    )
    x_marken = tuple((x(m), MONTHS_DE[m - 1][:3]) for m in range(1, 13))
    y_werte = sorted({top_value, low_value, 0})
    y_marken = tuple((y(v), format_cents_de(v)) for v in y_werte)
    return Chart(width, height, reihen, x_marken, y_marken, f"{empf} {jahr}: Förderfähig und ausgezahlt, kumuliert")
