"""The read stage's contract: canonical input frames per sheet kind, with a source for every row.

Every frame a reader returns has the canonical columns listed in ``COLUMNS`` (dtypes as
documented there) plus two source columns:

- ``_sheet``: int index into ``CaseInputs.sheets`` (file, sheet and the column letter of each field)
- ``_zeile``: the 1-based Excel row number of the row in that sheet

Money is integer cents (``…_cent``), VzÄ integer ten-thousandths (``…_e4``), hours integer
hundredths (``…_h100``), dates ``datetime64`` (normalised to midnight), text ``object``/``str``.
Nullable integers use pandas' ``Int64``; missing text and dates are ``NA``/``NaT``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from kimrecon.findings import Finding, SourceRef

if TYPE_CHECKING:  # pandas is imported lazily to keep start-up light
    import pandas as pd


class Kind(str, Enum):
    """Kinds of input sheet (spec §5)."""

    BESCHEID = "bescheid"
    ZUWEISUNG = "zuweisung"
    SCHLUESSEL = "schluessel"
    BESETZUNG = "besetzung"
    ZAHLUNGEN = "zahlungen"
    RUECKFORDERUNGEN = "rueckforderungen"
    VERTRAG = "vertrag"
    NACHWEISE = "nachweise"

    @property
    def label(self) -> str:
        """German name of the kind, as users call it."""
        return KIND_LABELS[self]


KIND_LABELS: dict[Kind, str] = {
    Kind.BESCHEID: "Bescheid",
    Kind.ZUWEISUNG: "Zuweisung",
    Kind.SCHLUESSEL: "Verteilungsschlüssel",
    Kind.BESETZUNG: "Besetzung",
    Kind.ZAHLUNGEN: "Zahlungen",
    Kind.RUECKFORDERUNGEN: "Rückforderungen",
    Kind.VERTRAG: "Weiterleitungsvertrag",
    Kind.NACHWEISE: "Nachweise",
}

# Canonical columns per kind: name -> dtype note. ``!`` marks a required column.
COLUMNS: dict[Kind, dict[str, str]] = {
    Kind.BESCHEID: {
        "bescheid_id": "str!",
        "bescheiddatum": "date!",
        "aktenzeichen": "str",
        "behoerde": "str!",  # Bewilligungsbehörde (giver of the Land → Kreis edge)
        "empfaenger": "str!",  # Zuwendungsempfänger (the Kreis)
        "art": "str",  # Erstbescheid | Änderungsbescheid | Anschlussbescheid
        "von": "date!",
        "bis": "date!",
        "vzae_e4": "Int64!",
        "pauschale_cent": "Int64!",
        "summe_cent": "Int64",  # checked against vzae × pauschale
        "nachweisfrist": "date",
    },
    Kind.ZUWEISUNG: {
        "jahr": "Int64!",
        "empfaenger": "str!",
        "ueber": "str",  # the hub the money travels through; NA = directly from the Kreis
        "vzae_e4": "Int64!",
        "betrag_cent": "Int64",  # optional, checked against vzae × rate
        "ags": "str",
    },
    Kind.SCHLUESSEL: {
        "jahr": "Int64!",
        "verteiler": "str",  # the hub whose key this is; NA = the only hub of the case
        "kommune": "str!",
        "groesse": "str",  # fest | einwohner | fluechtlinge
        "wert_e4": "Int64",  # key weight × 10 000
        "verzicht_vzae_e4": "Int64",
        "vzae_zugeteilt_e4": "Int64",
        "ags": "str",
    },
    Kind.BESETZUNG: {
        "kommune": "str!",
        "ags": "str",
        "stelle_id": "str",
        "personal_id": "str!",
        "beginn": "date!",
        "ende": "date",
        "wochenstunden_h100": "Int64",
        "stellenanteil_e4": "Int64",
        "tarifstunden_h100": "Int64",  # default 3900 (39,0 h) when empty
        "unterbrechung_von": "date",
        "unterbrechung_bis": "date",
        "unterbrechung_grund": "str",
        "entgeltanspruch": "boolean",  # pay claim during the interruption (NA = no)
        "personalkosten_cent": "Int64",
    },
    Kind.ZAHLUNGEN: {
        "datum": "date!",
        "zahler": "str!",
        "empfaenger": "str!",
        "betrag_cent": "Int64!",
        "art": "str",  # Abschlag | Schlusszahlung | Rückzahlung | Zinszahlung
        "jahr": "Int64",  # Bezugsjahr; NA = year of datum
        "kassenzeichen": "str",
        "verwendungszweck": "str",
    },
    Kind.RUECKFORDERUNGEN: {
        "forderung_id": "str!",
        "glaeubiger": "str!",
        "schuldner": "str!",
        "jahr": "Int64",
        "betrag_cent": "Int64!",
        "zinsbeginn": "date!",
        "zahlungseingang": "date",
        "zinsart": "str",  # Erstattungszins | vertraglich
    },
    Kind.VERTRAG: {
        "geber": "str!",
        "empfaenger": "str!",
        "fassung": "str",  # Ursprungsvertrag | 1. Änderung | 2. Änderung …
        "vertragsdatum": "date",
        "gueltig_ab": "date!",
        "pauschale_cent": "Int64",
        "frist_tag": "Int64",  # Nachweisfrist: day …
        "frist_monat": "Int64",  # … and month of the year after the Bezugsjahr
        "zahlungsplan": "str",  # quartalsweise | halbjährlich | jährlich | monatlich
        "zinsart": "str",
        "auszahlung": "str",  # Mittelabruf | Zahlungsplan (R6: only requested money bears Zwischenzinsen)
    },
    Kind.NACHWEISE: {  # receipts of Verwendungsnachweise, kept by the receiving level (R8, R9)
        "geber": "str!",
        "empfaenger": "str!",
        "jahr": "Int64!",
        "eingegangen": "date",
        "geprueft": "date",
    },
}

REQUIRED_KINDS: tuple[Kind, ...] = (Kind.BESCHEID, Kind.ZUWEISUNG)


def present(value: object) -> bool:
    """Tell whether a cell value of a canonical frame is there (not None, NA, NaT, NaN or blank text)."""
    if value is None:
        return False
    try:
        if value != value:  # NaN, NaT
            return False
    except TypeError:  # pandas.NA refuses to be a bool
        return False
    return bool(str(value).strip())




@dataclass(frozen=True, slots=True)
class SheetInfo:
    """One sheet that was read: where it is, its kind, and the column letter of each field."""

    datei: str
    blatt: str
    kind: Kind
    header_row: int  # 1-based Excel row of the header
    columns: Mapping[str, str]  # canonical column -> column letter ("C")
    dropped: tuple[str, ...] = ()  # personal-data columns dropped on import (header text)
    unknown: tuple[str, ...] = ()  # extra columns kept only as a Hinweis (header text)
    rows: int = 0  # data rows read
    stand: date | None = None  # the list's "Stand" (title cell, sheet or file name), once every file is read


@dataclass(frozen=True, slots=True)
class InputFile:
    """One input file with the facts the Prüfprotokoll needs."""

    name: str  # file name relative to the case folder
    path: Path
    size: int
    sha256: str
    sheets: tuple[str, ...]


@dataclass(frozen=True)
class CaseInputs:
    """Everything the read stage produced for one case folder."""

    files: tuple[InputFile, ...]
    sheets: tuple[SheetInfo, ...]
    frames: Mapping[Kind, pd.DataFrame]
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    config: Mapping[str, object] = field(default_factory=dict)  # parsed kimrecon.toml, if any

    def ref(self, sheet: int, zeile: int | None, column: str | None = None) -> SourceRef:
        """Source reference of a row (and a canonical column) of a sheet, by the sheet's index in ``sheets``."""
        return sheet_ref(self.sheets, sheet, zeile, column)

    def source(self, frame: pd.DataFrame, index: object, column: str | None = None) -> SourceRef:
        """Source reference of a row of ``frame`` (a canonical frame or a slice of one) by its index label.

        The one way from a row to its file, sheet and A1 cell. A row without ``_sheet``/``_zeile``
        is a programmer error and raises ``KeyError``: a finding never silently loses its cell.
        """
        return self.ref(int(frame.at[index, "_sheet"]), int(frame.at[index, "_zeile"]), column)

    def row_ref(self, kind: Kind, index: object, column: str | None = None) -> SourceRef:
        """Source reference of the row with this index label in the canonical frame of ``kind``."""
        return self.source(self.frames[kind], index, column)


def sheet_ref(sheets: tuple[SheetInfo, ...], sheet: int, zeile: int | None, column: str | None = None) -> SourceRef:
    """Source reference of a cell: sheet by its index in ``sheets``, Excel row, canonical column → letter."""
    info = sheets[sheet]
    letter = info.columns.get(column) if column else None
    return SourceRef(info.datei, info.blatt, zeile, letter)
