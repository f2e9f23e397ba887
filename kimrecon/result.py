"""The frozen reconciliation result: the one object every renderer (xlsx, JSON, terminal, ledger) reads.

Amounts are integer cents, VzÄ integer ten-thousandths, dates ``datetime.date``. Figures are
cumulative from 1 January of the edge's year up to the run's month (``Result.monat``), or for a
year before the run's year, the whole year.

The month matrix and the normalised payment and staffing tables are DataFrames (they grow with
the case); the columns are fixed and documented here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from kimrecon.findings import Finding, Severity
from kimrecon.inputs import InputFile, SheetInfo

if TYPE_CHECKING:
    import pandas as pd

# Columns of Result.monate (one row per recipient × year × month up to the run month)
MONTH_COLUMNS: tuple[str, ...] = (
    "empfaenger",  # recipient, as written in the Zuweisung
    "jahr",
    "monat",  # 1..12
    "vzae_zugeteilt_e4",  # the recipient's own allotment (without its children)
    "vzae_besetzt_e4",  # capped staffed VzÄ of the month (monatsprinzip: v_m; tagesprinzip: mean v_d), rounded
    "foerderfaehig_cent",  # own eligible amount of the month (difference of rounded cumulative figures)
    "foerderfaehig_kumuliert_cent",
    "ausgezahlt_cent",  # net paid to the recipient in the month by its giver (payments − repayments)
    "ausgezahlt_kumuliert_cent",
    "saldo_kumuliert_cent",  # ausgezahlt_kumuliert − Förderfähig_Teilbaum kumuliert (R5)
)

# Optional extra columns of Result.monate (not stored in the ledger): the exact staffed VzÄ of the
# month as a reduced fraction (monatsprinzip: v_m; tagesprinzip: Σ v_d / days in month).
EXACT_VZAE_COLUMNS: tuple[str, ...] = ("vzae_besetzt_zaehler", "vzae_besetzt_nenner")


@dataclass(frozen=True, slots=True)
class Allotment:
    """One node of the forwarding tree in one year (spec R3, R3a)."""

    jahr: int
    empfaenger: str
    geber: str  # who forwards to it (the Kreis, a hub, or the Bewilligungsbehörde)
    ebene: int  # 0 = Kreis, 1 = towns/hubs below it, 2 = below a hub …
    vzae_eigen_e4: int  # own posts
    vzae_teilbaum_e4: int  # own + all descendants
    pauschale_cent: int  # rate per VzÄ and year applied
    weiterleitung_cent: int  # forwarded amount for the subtree (R3)
    schluessel_groesse: str | None = None  # fest | einwohner | fluechtlinge (R3a)
    schluessel_wert: Decimal | None = None
    verzicht_vzae_e4: int = 0


@dataclass(frozen=True, slots=True)
class Edge:
    """Settlement of one contract edge giver → recipient for one year (spec R5, §6a ``kanten``)."""

    geber: str
    empfaenger: str
    jahr: int
    vzae_zugeteilt_e4: int  # subtree allotment
    weiterleitung_cent: int  # subtree forwarded amount (for Land → Kreis: the Bescheid)
    foerderfaehig_kumuliert_cent: int  # Förderfähig_Teilbaum(r), cumulative up to the month
    ausgezahlt_kumuliert_cent: int  # payments g→r − repayments r→g, cumulative
    saldo_cent: int  # ausgezahlt − förderfähig; > 0 Rückforderung, < 0 Nachzahlung
    gezahlt_brutto_cent: int = 0  # gross payments g→r
    zurueckgezahlt_cent: int = 0  # gross repayments r→g
    foerderfaehig_eigen_kumuliert_cent: int = 0  # r's own part of the eligible amount
    nachzahlung_gekappt: bool = False  # Nachzahlung capped at the forwarded amount (R5)
    nachweisfrist: date | None = None  # R9

    @property
    def art(self) -> str:
        """German label of the balance: Rückforderung, Nachzahlung or ausgeglichen."""
        if self.saldo_cent > 0:
            return "Rückforderung"
        if self.saldo_cent < 0:
            return "Nachzahlung"
        return "ausgeglichen"


@dataclass(frozen=True, slots=True)
class InterestPeriod:
    """One rate period of an interest claim (R7)."""

    von: date  # first interest day (exclusive start day + 1)
    bis: date  # last interest day (inclusive)
    tage: int
    basiszins: Decimal  # percent p.a.
    aufschlag: Decimal  # percentage points
    betrag_cent: int  # rounded per period


@dataclass(frozen=True, slots=True)
class InterestClaim:
    """Erstattungszinsen on one claim of the Rückforderungen sheet (R7, §6a ``zinsen``)."""

    forderung_id: str
    glaeubiger: str
    schuldner: str
    jahr: int | None
    betrag_cent: int
    von: date  # Zinsbeginn (the day itself does not bear interest)
    bis: date  # Zahlungseingang or the run's reference date
    tage: int
    zinsbetrag_cent: int
    perioden: tuple[InterestPeriod, ...] = ()
    offen: bool = False  # still unpaid at the reference date


@dataclass(frozen=True, slots=True)
class InterimInterestRisk:
    """Potenzielle Zwischenzinsen (R6): a payment tranche not used within two months."""

    geber: str
    empfaenger: str
    jahr: int
    zahlung_datum: date
    betrag_cent: int
    ungenutzt_cent: int  # not matched (FIFO) to eligible spending within two months
    tage: int
    zinsbetrag_cent: int  # a risk figure, not a claim


@dataclass(frozen=True, slots=True)
class Deadline:
    """The Nachweisfrist of one edge and year (R9)."""

    geber: str
    empfaenger: str
    jahr: int
    frist: date
    status: str  # "offen" | "nahe" | "versäumt"
    tage_bis: int  # days from the reference date to the deadline (negative: missed)
    quelle: str = ""


@dataclass(frozen=True, slots=True)
class ConservationCheck:
    """R3b at one node and year: what it received vs. forwarded plus own share."""

    knoten: str
    jahr: int
    erhalten_cent: int
    weitergeleitet_cent: int
    eigenanteil_cent: int

    @property
    def ok(self) -> bool:
        """True when forwarded + own share does not exceed what was received."""
        return self.weitergeleitet_cent + self.eigenanteil_cent <= self.erhalten_cent


@dataclass(frozen=True, slots=True)
class Parameter:
    """One parameter value used in the run, with where it came from."""

    name: str
    wert: str
    gueltig_ab: date | None = None
    quelle: str = ""


@dataclass(frozen=True, slots=True)
class Correction:
    """A retroactive change of an earlier month's figure (spec §7)."""

    geber: str
    empfaenger: str
    jahr: int
    monat: str  # "YYYY-MM" the figure belongs to
    kennzahl: str  # e.g. "foerderfaehig_kumuliert"
    alt_cent: int
    neu_cent: int
    frueherer_lauf: str

    @property
    def differenz_cent(self) -> int:
        """New minus old."""
        return self.neu_cent - self.alt_cent


@dataclass(frozen=True)
class Result:
    """Everything a reconciliation run produced."""

    lauf_id: str
    zeitpunkt: datetime
    monat: str  # "YYYY-MM"
    stichtag: date  # last day of the month
    version: str
    fall: str  # case folder name
    modus: str  # monatsprinzip | tagesprinzip
    dateien: tuple[InputFile, ...]
    blaetter: tuple[SheetInfo, ...]
    parameter: tuple[Parameter, ...]
    zuteilungen: tuple[Allotment, ...]
    kanten: tuple[Edge, ...]
    monate: pd.DataFrame  # MONTH_COLUMNS
    zahlungen: pd.DataFrame  # canonical Zahlungen frame + _datei, _blatt, _zeile
    besetzung: pd.DataFrame  # canonical Besetzung frame (pseudonymous) + _datei, _blatt, _zeile
    zinsen: tuple[InterestClaim, ...] = ()
    zwischenzinsen: tuple[InterimInterestRisk, ...] = ()
    fristen: tuple[Deadline, ...] = ()
    erhaltung: tuple[ConservationCheck, ...] = ()
    befunde: tuple[Finding, ...] = ()
    korrekturen: tuple[Correction, ...] = ()
    extras: dict[str, object] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """ok | abweichungen | fehler (spec §6a)."""
        if any(f.severity is Severity.FEHLER for f in self.befunde):
            return "fehler"
        # Hinweise (e.g. an extra "Bemerkung" column) do not change the status (docs/decisions.md)
        if any(e.saldo_cent != 0 for e in self.kanten):
            return "abweichungen"
        return "ok"

    @property
    def exit_code(self) -> int:
        """0 when everything reconciles, 1 for findings or differences (CLI contract)."""
        return 0 if self.status == "ok" else 1
