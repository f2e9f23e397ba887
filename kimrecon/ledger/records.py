"""Read models of the run ledger: what `history` lists and shows, as frozen records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from kimrecon.result import Balance, Correction, Parameter

# Figures of the month matrix compared between runs (spec §7); the Correction.kennzahl names.
KENNZAHLEN: tuple[str, ...] = ("foerderfaehig_kumuliert", "ausgezahlt_kumuliert", "saldo_kumuliert")

KENNZAHL_LABELS: dict[str, str] = {
    "foerderfaehig_kumuliert": "Förderfähig kumuliert",
    "ausgezahlt_kumuliert": "Ausgezahlt kumuliert",
    "saldo_kumuliert": "Saldo kumuliert",
}


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One run as `kimrecon history` lists it."""

    lauf_id: str
    zeitpunkt: datetime  # aware, UTC
    monat: str
    version: str
    fall: str
    modus: str
    status: str
    wiederholung_von: str | None  # the original run this one repeats, or None
    dateien: int = 0
    fehler: int = 0
    hinweise: int = 0
    korrekturen: int = 0

    @property
    def ist_wiederholung(self) -> bool:
        """True when the run repeated an earlier run with identical inputs and parameters."""
        return self.wiederholung_von is not None


@dataclass(frozen=True, slots=True)
class StoredFile:
    """An input file as the ledger recorded it."""

    name: str
    groesse: int
    sha256: str
    blaetter: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoredFinding:
    """A finding as the ledger recorded it (the message as the user saw it)."""

    code: str
    schwere: str  # Fehler | Hinweis
    datei: str | None
    blatt: str | None
    zelle: str | None
    meldung: str

    @property
    def ort(self) -> str:
        """Where the finding points: ``datei › blatt › zelle`` (may be empty)."""
        return " › ".join(p for p in (self.datei, self.blatt, self.zelle) if p)


@dataclass(frozen=True, slots=True)
class MonthFigure:
    """One recorded row of the month matrix, with the recipient's giver."""

    geber: str
    empfaenger: str
    jahr: int
    monat: int
    vzae_zugeteilt_e4: int | None
    vzae_besetzt_e4: int | None
    foerderfaehig_cent: int | None
    foerderfaehig_kumuliert_cent: int | None
    ausgezahlt_cent: int | None
    ausgezahlt_kumuliert_cent: int | None
    saldo_kumuliert_cent: int | None


@dataclass(frozen=True, slots=True)
class StoredEdge:
    """The figures of one settled edge as the ledger keeps them (the Result's Edge without its period)."""

    geber: str
    empfaenger: str
    jahr: int
    vzae_zugeteilt_e4: int
    weiterleitung_cent: int
    foerderfaehig_kumuliert_cent: int
    ausgezahlt_kumuliert_cent: int
    saldo_cent: int
    gezahlt_brutto_cent: int
    zurueckgezahlt_cent: int
    foerderfaehig_eigen_kumuliert_cent: int
    nachzahlung_gekappt: bool
    nachweisfrist: date | None

    @property
    def art(self) -> Balance:
        """What the Saldo means."""
        return Balance.of(self.saldo_cent)


@dataclass(frozen=True, slots=True)
class RunDetail:
    """One run with everything recorded for it (`kimrecon history --run ID`)."""

    lauf: RunSummary
    dateien: tuple[StoredFile, ...]
    parameter: tuple[Parameter, ...]
    befunde: tuple[StoredFinding, ...]
    kanten: tuple[StoredEdge, ...]
    monate: tuple[MonthFigure, ...]
    korrekturen: tuple[Correction, ...]
