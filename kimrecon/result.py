"""The frozen reconciliation result: the one object every renderer (xlsx, JSON, terminal, web, ledger) reads.

Every figure a user sees is computed once, in the engine, and carried here; renderers only lay
it out. Amounts are integer cents, VzÄ integer ten-thousandths, dates ``datetime.date``. Figures
are cumulative from the start of the edge's Bewilligungszeitraum up to the run's Stichtag
(``Result.stichtag``), or for a year before the run's year, the whole year. Statuses and kinds
are enums whose values are the German words the outputs show.

The month matrix and the staffing table are DataFrames (they grow with the case); their columns
are fixed and documented here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING

from kimrecon.findings import Finding, Severity, SourceRef
from kimrecon.inputs import InputFile, SheetInfo
from kimrecon.month import Month

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

# Further columns of Result.monate for the renderers (not stored in the ledger): the eligible amount of
# the recipient's whole subtree, cumulative and capped at the forwarded amount (R5), which the Saldo uses.
SUBTREE_COLUMNS: tuple[str, ...] = ("foerderfaehig_teilbaum_kumuliert_cent",)


class Balance(str, Enum):
    """What an edge's figures mean to the Kämmerei (R5, R11).

    Only a closed year (Stichtag at or after the end of the Bewilligungszeitraum) has a
    Rückforderung or Nachzahlung; before that the words are "voraussichtlich" (from the forecast)
    or say how the payments stand against the payment plan.
    """

    RUECKFORDERUNG = "Rückforderung"
    NACHZAHLUNG = "Nachzahlung"
    AUSGEGLICHEN = "ausgeglichen"
    VORAUSSICHTLICHE_RUECKFORDERUNG = "voraussichtliche Rückforderung"
    VORAUSSICHTLICHE_NACHZAHLUNG = "voraussichtliche Nachzahlung"
    ZAHLUNGSRUECKSTAND = "Zahlungsrückstand"
    VOR_PLAN = "vor Plan gezahlt"
    PLANMAESSIG = "planmäßig"
    BESETZUNG_FEHLT = "Besetzung fehlt"

    @classmethod
    def of(cls, saldo_cent: int) -> Balance:
        """The meaning of a Saldo in cents."""
        if saldo_cent > 0:
            return cls.RUECKFORDERUNG
        if saldo_cent < 0:
            return cls.NACHZAHLUNG
        return cls.AUSGEGLICHEN


class PaymentKind(str, Enum):
    """How a payment counts on its edge, decided by its direction (R5), not by the text of its Art."""

    ZAHLUNG = "Zahlung"  # giver → recipient
    RUECKZAHLUNG = "Rückzahlung"  # recipient → giver
    ZINSZAHLUNG = "Zinszahlung"  # interest: never reduces a Saldo
    OHNE_VERTRAG = "ohne Weiterleitungsvertrag"  # between parties without an edge in its Bezugsjahr


class DeadlineStatus(str, Enum):
    """Status of a Nachweisfrist on a reference date (R9), from the deadline and the receipts sheet."""

    OFFEN = "offen"
    NAHE = "nahe"
    VERSAEUMT = "versäumt"
    EINGEGANGEN = "eingegangen"
    VERSPAETET = "verspätet eingegangen"
    GEPRUEFT = "geprüft"


class RunStatus(str, Enum):
    """The status of a run (spec §6a): ``ok`` | ``abweichungen`` | ``fehler``."""

    OK = "ok"
    ABWEICHUNGEN = "abweichungen"
    FEHLER = "fehler"


@dataclass(frozen=True, slots=True)
class Grant:
    """A Bescheid of the Bewilligungsbehörde to the Kreis for one year (§2, R1, R2)."""

    jahr: int
    bescheid_id: str | None
    datum: date | None  # Bescheiddatum
    aktenzeichen: str | None
    art: str | None  # Erstbescheid | Änderungsbescheid | Anschlussbescheid, as written
    behoerde: str
    empfaenger: str
    von: date  # Bewilligungszeitraum
    bis: date
    vzae_e4: int
    pauschale_cent: int
    summe_cent: int
    nachweisfrist: date | None
    quelle: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class ContractTerms:
    """One version of a Weiterleitungsvertrag (original or amendment), valid from a date (§2)."""

    geber: str
    empfaenger: str
    fassung: str  # Ursprungsvertrag | 1. Änderung …
    vertragsdatum: date | None
    gueltig_ab: date
    pauschale_cent: int | None
    frist_tag: int | None  # Nachweisfrist: day and month of the year after the Bezugsjahr
    frist_monat: int | None
    zahlungsplan: str | None
    zinsart: str | None
    quelle: SourceRef | None = None
    auszahlung: str | None = None  # Mittelabruf | Zahlungsplan (R6)


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
    eigen_cent: int  # own share: own posts × rate, rounded once (R3)
    von: date  # Bewilligungszeitraum of the year
    bis: date
    vertrag: str | None = None  # contract version in force for the edge into this node
    schluessel_groesse: str | None = None  # fest | einwohner | fluechtlinge (R3a)
    schluessel_wert: Decimal | None = None
    verzicht_vzae_e4: int = 0
    stellen: tuple[int, ...] = ()  # positions in Result.besetzung of the recipient's rows in the period
    personalkosten_cent: int | None = None  # Σ Personalkosten of those rows (None: the list gives none)


@dataclass(frozen=True, slots=True)
class Edge:
    """Settlement of one contract edge giver → recipient for one year (spec R5, §6a ``kanten``)."""

    geber: str
    empfaenger: str
    jahr: int
    von: date  # Bewilligungszeitraum of the year
    bis: date
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
    vertrag: str | None = None  # contract version in force at the end of the period (None: Bescheid edge)
    zahlungsplan: str = "quartalsweise"  # R10: the contract's payment schedule
    zahlungsplan_kumuliert_cent: int = 0  # what the schedule expected to be paid by the Stichtag
    zahlungsabweichung_cent: int = 0  # paid − plan (negative: Zahlungsrückstand, positive: paid ahead)
    prognose_foerderfaehig_cent: int = 0  # R11: whole-year eligible subtree figure if known staffing continues
    prognose_saldo_cent: int = 0  # (paid + planned payments still due) − prognose_foerderfaehig
    jahr_abgeschlossen: bool = True  # Stichtag at or after the end of the Bewilligungszeitraum
    besetzung_fehlt: bool = False  # a recipient in the subtree has an allotment and no staffing rows (Warnung)
    mittelabruf: bool = False  # R6: money on this edge was requested, so potenzielle Zwischenzinsen are computed

    @property
    def art(self) -> Balance:
        """What the figures mean: a closed year's Rückforderung/Nachzahlung, else the forecast or payment status."""
        if self.besetzung_fehlt:
            return Balance.BESETZUNG_FEHLT
        if self.jahr_abgeschlossen:
            return Balance.of(self.saldo_cent)
        if self.prognose_saldo_cent > 0:
            return Balance.VORAUSSICHTLICHE_RUECKFORDERUNG
        if self.prognose_saldo_cent < 0:
            return Balance.VORAUSSICHTLICHE_NACHZAHLUNG
        if self.zahlungsabweichung_cent < 0:
            return Balance.ZAHLUNGSRUECKSTAND
        if self.zahlungsabweichung_cent > 0:
            return Balance.VOR_PLAN
        return Balance.PLANMAESSIG

    @property
    def abweichung(self) -> bool:
        """Whether the edge shows a difference: a closed year's Saldo, an open year's forecast or payment deviation."""
        if self.besetzung_fehlt:
            return True
        if self.jahr_abgeschlossen:
            return self.saldo_cent != 0
        return self.prognose_saldo_cent != 0 or self.zahlungsabweichung_cent != 0


@dataclass(frozen=True, slots=True)
class Payment:
    """One row of the payments sheets, matched to its contract edge (R5, R10)."""

    datum: date  # Wertstellung
    zahler: str  # as written
    empfaenger: str
    betrag_cent: int  # always ≥ 0; the direction says how it counts
    art: str | None  # the Art column as written
    jahr: int  # Bezugsjahr (the edge year it is booked to)
    kind: PaymentKind
    geber: str | None  # the matched edge's giver (as written in the Zuweisung); None without an edge
    kante_empfaenger: str | None  # the matched edge's recipient
    monat: int  # month of the Bezugsjahr it counts in (value date clamped into the year)
    nach_stichtag: bool  # value date after the run's Stichtag: listed, not counted
    kassenzeichen: str | None
    verwendungszweck: str | None
    quelle: SourceRef


@dataclass(frozen=True, slots=True)
class Netting:
    """R5 Verrechnung: a level's refund net of its children's open refunds (both gross figures stay)."""

    empfaenger: str
    jahr: int
    saldo_brutto_cent: int
    forderungen_unten_cent: int
    saldo_netto_cent: int


@dataclass(frozen=True, slots=True)
class ProposedClaim:
    """A Rückforderung kimrecon proposes from a closed year's settlement; the Zinsbeginn is not invented (§5)."""

    glaeubiger: str
    schuldner: str
    jahr: int
    betrag_cent: int


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
    status: DeadlineStatus
    tage_bis: int  # days from the reference date to the deadline (negative: missed)
    quelle: str = ""
    eingegangen: date | None = None  # Nachweis received (receipts sheet), if on or before the reference date
    geprueft: date | None = None  # checked by the receiving level


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
    monat: Month
    version: str
    fall: str  # case folder name
    modus: str  # monatsprinzip | tagesprinzip
    dateien: tuple[InputFile, ...]
    blaetter: tuple[SheetInfo, ...]
    parameter: tuple[Parameter, ...]
    bescheide: tuple[Grant, ...]
    vertraege: tuple[ContractTerms, ...]
    zuteilungen: tuple[Allotment, ...]
    kanten: tuple[Edge, ...]
    monate: pd.DataFrame  # MONTH_COLUMNS + EXACT_VZAE_COLUMNS + SUBTREE_COLUMNS
    zahlungen: tuple[Payment, ...]
    besetzung: pd.DataFrame  # canonical Besetzung frame (pseudonymous) + _datei, _blatt, _zeile
    verrechnung: tuple[Netting, ...] = ()  # only when the case nets refunds (parameter ``verrechnung``)
    rueckforderungsvorschlaege: tuple[ProposedClaim, ...] = ()
    zinsen: tuple[InterestClaim, ...] = ()
    zwischenzinsen: tuple[InterimInterestRisk, ...] = ()
    fristen: tuple[Deadline, ...] = ()
    erhaltung: tuple[ConservationCheck, ...] = ()
    befunde: tuple[Finding, ...] = ()
    korrekturen: tuple[Correction, ...] = ()
    vzae_nenner: int = 1  # common denominator of the exact staffed VzÄ (EXACT_VZAE_COLUMNS)

    @property
    def stichtag(self) -> date:
        """The reference date: the last day of the run's month."""
        return self.monat.stichtag

    @property
    def jahr(self) -> int:
        """The run's year."""
        return self.monat.year

    @property
    def kreis(self) -> str:
        """Who the case is about: the Zuwendungsempfänger of the Bescheide (the case folder's name without one)."""
        names = list(dict.fromkeys(g.empfaenger for g in self.bescheide))
        return ", ".join(names) if names else self.fall

    @property
    def status(self) -> RunStatus:
        """ok | abweichungen | fehler (spec §6a)."""
        if any(f.severity is Severity.FEHLER for f in self.befunde):
            return RunStatus.FEHLER
        # Hinweise (e.g. an extra "Bemerkung" column) do not change the status (docs/decisions.md)
        if any(e.abweichung for e in self.kanten):
            return RunStatus.ABWEICHUNGEN
        return RunStatus.OK
