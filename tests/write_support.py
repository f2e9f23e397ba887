"""A hand-built Result for the writer tests: the Kreis Unna 2023 example (spec §1, §4), run month 2023-12."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd

from kimrecon.findings import Code, Finding, Severity, SourceRef, finding
from kimrecon.inputs import InputFile, Kind, SheetInfo
from kimrecon.money import div_round, round_half_up
from kimrecon.month import Month
from kimrecon.result import (
    MONTH_COLUMNS,
    SUBTREE_COLUMNS,
    Allotment,
    ConservationCheck,
    ContractTerms,
    Correction,
    Deadline,
    DeadlineStatus,
    Edge,
    Grant,
    InterestClaim,
    InterestPeriod,
    InterimInterestRisk,
    Parameter,
    Payment,
    PaymentKind,
    ProposedClaim,
    Result,
)

LAND = "Bezirksregierung Arnsberg"
KREIS = "Kreis Unna"
HUB = "Stadt Bergkamen"
KAMEN = "Stadt Kamen"
BOENEN = "Gemeinde Bönen"
RATE = 5_700_000  # 57.000,00 € in cents
YEAR = 2023
VON, BIS = date(2023, 1, 1), date(2023, 12, 31)
BESCHEID = Grant(YEAR, "ZB-2023-KIM-017", date(2023, 2, 15), "36.04.01-KIM-2023-UN", "Erstbescheid", LAND, KREIS,
                 VON, BIS, 180_000, RATE, 102_600_000, date(2024, 6, 30),
                 SourceRef("bescheid_2023.xlsx", "Bescheid", 5))
VERTRAEGE = (
    ContractTerms(KREIS, HUB, "Ursprungsvertrag", date(2021, 12, 1), date(2022, 1, 1), None, 30, 4, "quartalsweise",
                  None),
    ContractTerms(KREIS, HUB, "1. Änderung", date(2023, 1, 20), date(2023, 1, 1), RATE, 30, 4, "quartalsweise", None),
    ContractTerms(HUB, KAMEN, "Ursprungsvertrag", date(2022, 3, 1), date(2022, 1, 1), RATE, 31, 3, "quartalsweise",
                  None),
)

INJECT_LINK = '=HYPERLINK("http://x","y")'
INJECT_DDE = "+cmd|' /C calc'!A0"

# Direct recipients of the Kreis (VzÄ e4); the Kreis keeps 2,5 VzÄ for its own posts.
DIRECT: dict[str, int] = {
    "Stadt Lünen": 30_000,
    "Stadt Unna": 25_000,
    "Stadt Schwerte": 20_000,
    "Stadt Werne": 15_000,
    "Stadt Selm": 15_000,
    "Stadt Fröndenberg/Ruhr": 10_000,
    "Gemeinde Holzwickede": 10_000,
    "Gemeinde Kreisweit": 5_000,  # a fictitious eighth town, to match the example's shape
}
KREIS_OWN = 180_000 - sum(DIRECT.values()) - 25_000
CHILDREN = {KAMEN: 10_000, BOENEN: 5_000}
HUB_OWN = 10_000


def _monthly(own_e4: int, staffed: list[int]) -> list[int]:
    """Cumulative eligible cents per month (monatsprinzip): round(rate × Σ v_m / 12) per month."""
    out, acc = [], Fraction(0)
    for v in staffed:
        acc += Fraction(RATE * v, 10_000 * 12)
        out.append(round_half_up(acc))
    return out


def _matrix_rows(name: str, own_e4: int, staffed: list[int], paid: list[int], subtree_cum: list[int]) -> list[dict]:
    cum = _monthly(own_e4, staffed)
    rows, prev, paid_cum = [], 0, 0
    for m in range(12):
        paid_cum += paid[m]
        rows.append(
            {
                "empfaenger": name,
                "jahr": YEAR,
                "monat": m + 1,
                "vzae_zugeteilt_e4": own_e4,
                "vzae_besetzt_e4": staffed[m],
                "foerderfaehig_cent": cum[m] - prev,
                "foerderfaehig_kumuliert_cent": cum[m],
                "ausgezahlt_cent": paid[m],
                "ausgezahlt_kumuliert_cent": paid_cum,
                "saldo_kumuliert_cent": paid_cum - (cum[m] + subtree_cum[m]),
                "foerderfaehig_teilbaum_kumuliert_cent": cum[m] + subtree_cum[m],
            }
        )
        prev = cum[m]
    return rows


def _quarterly(total: int) -> list[int]:
    q = total // 4
    return [q if m in (0, 3, 6, 9) else 0 for m in range(12)] if q * 4 == total else [0] * 12


def build_result(**changes: object) -> Result:
    """The Kreis Unna 2023 example as the engine would produce it (December run)."""
    full = [10_000] * 12
    kamen_staffed = [0, 0] + [10_000] * 10
    zero = [0] * 12
    rows: list[dict] = []

    # leaves below the hub
    kamen_cum = _monthly(10_000, kamen_staffed)
    boenen_cum = _monthly(5_000, [5_000] * 12)
    rows += _matrix_rows(KAMEN, 10_000, kamen_staffed, _quarterly(5_700_000), zero)
    rows += _matrix_rows(BOENEN, 5_000, [5_000] * 12, _quarterly(2_850_000), zero)
    hub_sub = [a + b for a, b in zip(kamen_cum, boenen_cum, strict=True)]
    rows += _matrix_rows(HUB, HUB_OWN, full, _quarterly(14_250_000), hub_sub)
    hub_cum = [a + b for a, b in zip(_monthly(HUB_OWN, full), hub_sub, strict=True)]
    direct_cum = [0] * 12
    for name, e4 in DIRECT.items():
        staffed = [e4] * 12
        rows += _matrix_rows(name, e4, staffed, _quarterly(div_round(e4 * RATE, 10_000)), zero)
        direct_cum = [a + b for a, b in zip(direct_cum, _monthly(e4, staffed), strict=True)]
    kreis_sub = [a + b for a, b in zip(direct_cum, hub_cum, strict=True)]
    rows = _matrix_rows(KREIS, KREIS_OWN, [KREIS_OWN] * 12, _quarterly(102_600_000), kreis_sub) + rows
    monate = pd.DataFrame(rows, columns=list(MONTH_COLUMNS) + list(SUBTREE_COLUMNS))

    def own_total(name: str) -> int:
        last = monate[(monate.empfaenger == name) & (monate.monat == 12)]
        return int(last["foerderfaehig_kumuliert_cent"].iloc[0])

    def own(e4: int) -> int:
        return div_round(e4 * RATE, 10_000)  # R3: own posts × rate, rounded once

    allot = [Allotment(YEAR, KREIS, LAND, 0, KREIS_OWN, 180_000, RATE, 102_600_000, own(KREIS_OWN), VON, BIS)]
    for name, e4 in DIRECT.items():
        allot.append(Allotment(YEAR, name, KREIS, 1, e4, e4, RATE, own(e4), own(e4), VON, BIS, None, "fest",
                               Decimal(e4) / 10_000))
    # the staffing rows below (Result.besetzung positions): Kamen 0 (with Personalkosten), Bönen 1, Bergkamen 2
    allot.append(Allotment(YEAR, HUB, KREIS, 1, HUB_OWN, 25_000, RATE, 14_250_000, own(HUB_OWN), VON, BIS,
                           "1. Änderung", "fest", Decimal("2.5"), stellen=(2,)))
    allot.append(Allotment(YEAR, KAMEN, HUB, 2, 10_000, 10_000, RATE, 5_700_000, own(10_000), VON, BIS,
                           "Ursprungsvertrag", "fest", Decimal("0.85"), stellen=(0,), personalkosten_cent=5_230_000))
    allot.append(Allotment(YEAR, BOENEN, HUB, 2, 5_000, 5_000, RATE, 2_850_000, own(5_000), VON, BIS, None, "fest",
                           Decimal("0.38"), stellen=(1,)))

    def edge(geber: str, name: str, e4: int, weiter: int, eligible: int, own: int, frist: date,
             vertrag: str | None = None) -> Edge:
        return Edge(geber, name, YEAR, VON, BIS, e4, weiter, eligible, weiter, weiter - eligible,
                    gezahlt_brutto_cent=weiter, foerderfaehig_eigen_kumuliert_cent=own, nachweisfrist=frist,
                    vertrag=vertrag, zahlungsplan_kumuliert_cent=weiter, prognose_foerderfaehig_cent=eligible,
                    prognose_saldo_cent=weiter - eligible)

    kreis_total = own_total(KREIS) + kreis_sub[-1]
    kanten = [edge(LAND, KREIS, 180_000, 102_600_000, kreis_total, own_total(KREIS), date(2024, 6, 30))]
    for name, e4 in DIRECT.items():
        w = div_round(e4 * RATE, 10_000)
        kanten.append(edge(KREIS, name, e4, w, own_total(name), own_total(name), date(2024, 4, 30)))
    kanten.append(edge(KREIS, HUB, 25_000, 14_250_000, hub_cum[-1], own_total(HUB), date(2024, 4, 30), "1. Änderung"))
    kanten.append(edge(HUB, KAMEN, 10_000, 5_700_000, own_total(KAMEN), own_total(KAMEN), date(2024, 3, 31),
                       "Ursprungsvertrag"))
    kanten.append(edge(HUB, BOENEN, 5_000, 2_850_000, own_total(BOENEN), own_total(BOENEN), date(2024, 3, 31)))

    def pay(datum: date, zahler: str, empfaenger: str, betrag: int, kz: str | None, zweck: str, datei: str,
            zeile: int, kind: PaymentKind = PaymentKind.ZAHLUNG, art: str = "Abschlag") -> Payment:
        geber, kante = (zahler, empfaenger) if kind is PaymentKind.ZAHLUNG else (empfaenger, zahler)
        return Payment(datum, zahler, empfaenger, betrag, art, YEAR, kind, geber, kante, min(datum.month, 12)
                       if datum.year == YEAR else 12, datum > BIS, kz, zweck,
                       SourceRef(datei, "Zahlungen", zeile))

    zahlungen = (
        pay(date(2023, 1, 10), HUB, KAMEN, 1_425_000, "KZ-1", "KIM 2023 Q1", "zahlungen_bergkamen.xlsx", 5),
        pay(date(2023, 4, 10), HUB, KAMEN, 1_425_000, INJECT_DDE, INJECT_LINK, "zahlungen_bergkamen.xlsx", 6),
        pay(date(2023, 7, 10), HUB, KAMEN, 1_425_000, "-5", "KIM 2023 Q3", "zahlungen_bergkamen.xlsx", 7),
        pay(date(2023, 10, 10), HUB, KAMEN, 1_425_000, "@SUM(1)", "KIM 2023 Q4", "zahlungen_bergkamen.xlsx", 8),
        pay(date(2023, 1, 20), KREIS, HUB, 3_562_500, None, "KIM Mittelkreis Q1", "zahlungen_kreis.xlsx", 4),
        # after the Stichtag: listed, not counted
        pay(date(2024, 2, 15), KAMEN, HUB, 950_000, "KZ-R1", "Rückzahlung KIM 2023", "zahlungen_bergkamen.xlsx", 9,
            PaymentKind.RUECKZAHLUNG, "Rückzahlung"),
    )
    besetzung = pd.DataFrame(
        {
            "kommune": [KAMEN, BOENEN, HUB],
            "ags": ["05978020", "05978008", "05978004"],
            "stelle_id": ["KAM-1", "BOE-1", "BER-1"],
            "personal_id": ["P-0001", INJECT_LINK, "P-0003"],
            "beginn": pd.to_datetime(["2023-03-01", "2021-01-01", "2022-07-01"]),
            "ende": pd.to_datetime([None, None, None]),
            "wochenstunden_h100": pd.array([3900, 1950, 3900], dtype="Int64"),
            "stellenanteil_e4": pd.array([None, None, None], dtype="Int64"),
            "tarifstunden_h100": pd.array([3900, 3900, 3900], dtype="Int64"),
            "unterbrechung_von": pd.to_datetime([None, None, None]),
            "unterbrechung_bis": pd.to_datetime([None, None, None]),
            "unterbrechung_grund": [None, None, None],
            "entgeltanspruch": pd.array([None, None, None], dtype="boolean"),
            "personalkosten_cent": pd.array([5_230_000, None, None], dtype="Int64"),
            "_datei": ["besetzung_kamen.xlsx", "besetzung_boenen.xlsx", "besetzung_bergkamen.xlsx"],
            "_blatt": ["Besetzung"] * 3,
            "_zeile": pd.array([4, 4, 4], dtype="Int64"),
        }
    )
    p1 = InterestPeriod(date(2023, 5, 16), date(2023, 6, 30), 46, Decimal("1.62"), Decimal("3"), 5_531)
    p2 = InterestPeriod(date(2023, 7, 1), date(2023, 8, 15), 46, Decimal("3.12"), Decimal("3"), 7_327)
    zinsen = (
        InterestClaim("RF-2023-01", HUB, KAMEN, YEAR, 950_000, date(2023, 5, 15), date(2023, 8, 15), 92, 12_858,
                      (p1, p2)),
    )
    dateien = (
        InputFile("bescheid_2023.xlsx", Path("/fall/bescheid_2023.xlsx"), 6_144, "a" * 64, ("Bescheid",)),
        InputFile("zuweisung_2023.xlsx", Path("/fall/zuweisung_2023.xlsx"), 7_311, "b" * 64,
                  ("Zuweisung", "Schlüssel")),
        InputFile("besetzung_kamen.xlsx", Path("/fall/besetzung_kamen.xlsx"), 5_120, "c" * 64, ("Besetzung",)),
        InputFile("zahlungen_bergkamen.xlsx", Path("/fall/zahlungen_bergkamen.xlsx"), 5_500, "d" * 64, ("Zahlungen",)),
    )
    blaetter = (
        SheetInfo("bescheid_2023.xlsx", "Bescheid", Kind.BESCHEID, 3, {"bescheid_id": "A", "vzae_e4": "H"}, rows=1),
        SheetInfo("besetzung_kamen.xlsx", "Besetzung", Kind.BESETZUNG, 3, {"personal_id": "C", "beginn": "D"},
                  dropped=("Name", "Geburtsdatum"), unknown=("Bemerkung",), rows=1),
    )
    parameter = (
        Parameter("modus", "monatsprinzip", None, "Voreinstellung (R4)"),
        Parameter("tarifstunden", "39", None, "TVöD-VKA"),
        Parameter("pauschale", "57000", date(2023, 1, 1), "Zuwendungsbescheid vom 15.02.2023"),
        Parameter("basiszins", "1.62", date(2023, 1, 1), "§ 247 BGB, Deutsche Bundesbank"),
        Parameter("basiszins", "3.12", date(2023, 7, 1), "§ 247 BGB, Deutsche Bundesbank"),
        Parameter("zinsaufschlag", "3", date(2020, 1, 1), "§ 49a Abs. 3 VwVfG NRW"),
        Parameter("formel", INJECT_LINK, None, INJECT_DDE),
    )
    befunde: tuple[Finding, ...] = (
        finding(Code.SPALTE_UNBEKANNT, SourceRef("besetzung_kamen.xlsx", "Besetzung", 3, "F"),
                severity=Severity.HINWEIS, spalte="Bemerkung"),
        finding(Code.SPALTE_PERSONENBEZUG, SourceRef("besetzung_kamen.xlsx", "Besetzung", 3, "B"),
                severity=Severity.HINWEIS, spalte="Name"),
        finding(Code.WERT_UNGUELTIG, SourceRef("zahlungen_bergkamen.xlsx", "Zahlungen", 6, "H"),
                severity=Severity.HINWEIS, value=INJECT_LINK, wert=INJECT_LINK, spalte="Verwendungszweck",
                hinweis="Text wird unverändert übernommen."),
        finding(Code.FRIST_NAHE, None, severity=Severity.HINWEIS, frist="31.03.2024", empfaenger=KAMEN,
                geber=HUB, jahr=YEAR, tage=91),
    )
    result = Result(
        lauf_id="2023-12-20240105T080000-abc123",
        zeitpunkt=datetime(2024, 1, 5, 8, 0, 0),
        monat=Month(2023, 12),
        version="0.1.0",
        fall="beispiel-kreis-unna-2023",
        modus="monatsprinzip",
        dateien=dateien,
        blaetter=blaetter,
        parameter=parameter,
        bescheide=(BESCHEID,),
        vertraege=VERTRAEGE,
        zuteilungen=tuple(allot),
        kanten=tuple(kanten),
        monate=monate,
        zahlungen=zahlungen,
        besetzung=besetzung,
        rueckforderungsvorschlaege=(
            ProposedClaim(LAND, KREIS, YEAR, 950_000), ProposedClaim(KREIS, HUB, YEAR, 950_000),
            ProposedClaim(HUB, KAMEN, YEAR, 950_000),
        ),
        zinsen=zinsen,
        zwischenzinsen=(InterimInterestRisk(HUB, KAMEN, YEAR, date(2023, 1, 10), 1_425_000, 950_000, 59, 0),),
        fristen=(
            Deadline(HUB, KAMEN, YEAR, date(2024, 3, 31), DeadlineStatus.OFFEN, 91, "Weiterleitungsvertrag § 8"),
            Deadline(HUB, BOENEN, YEAR, date(2024, 3, 31), DeadlineStatus.OFFEN, 91, "Weiterleitungsvertrag § 8"),
            Deadline(KREIS, HUB, YEAR, date(2024, 4, 30), DeadlineStatus.OFFEN, 121, "Weiterleitungsvertrag § 8"),
            Deadline(LAND, KREIS, YEAR, date(2024, 6, 30), DeadlineStatus.OFFEN, 182, "Zuwendungsbescheid"),
        ),
        erhaltung=(
            ConservationCheck(KREIS, YEAR, 102_600_000, 102_600_000 - div_round(KREIS_OWN * RATE, 10_000),
                              div_round(KREIS_OWN * RATE, 10_000)),
            ConservationCheck(HUB, YEAR, 14_250_000, 8_550_000, 5_700_000),
        ),
        befunde=befunde,
        korrekturen=(Correction(HUB, KAMEN, YEAR, "2023-02", "foerderfaehig_kumuliert", 950_000, 0, "2023-02-lauf1"),),
    )
    return replace(result, **changes) if changes else result  # type: ignore[arg-type]


def empty_result() -> Result:
    """A result with no payments, staffing, interest, findings or corrections."""
    r = build_result()
    return replace(
        r,
        zahlungen=(),
        besetzung=r.besetzung.iloc[0:0],
        zinsen=(),
        zwischenzinsen=(),
        befunde=(),
        korrekturen=(),
        fristen=(),
        erhaltung=(),
        parameter=(),
    )


def capped_result() -> Result:
    """Kamen's edge with a Nachzahlung capped at the forwarded amount (R5), nothing paid yet."""
    r = build_result()
    kanten = tuple(
        replace(e, foerderfaehig_kumuliert_cent=7_000_000, foerderfaehig_eigen_kumuliert_cent=7_000_000,
                ausgezahlt_kumuliert_cent=0, gezahlt_brutto_cent=0, saldo_cent=-5_700_000, nachzahlung_gekappt=True)
        if e.empfaenger == KAMEN else e
        for e in r.kanten
    )
    return replace(r, kanten=kanten)


def two_year_result() -> Result:
    """The example plus the 2022 allotments (55.000 € per VzÄ) beside 2023: per-year totals."""
    r = build_result()
    earlier = tuple(
        replace(a, jahr=2022, pauschale_cent=5_500_000, von=date(2022, 1, 1), bis=date(2022, 12, 31),
                weiterleitung_cent=div_round(a.vzae_teilbaum_e4 * 5_500_000, 10_000),
                eigen_cent=div_round(a.vzae_eigen_e4 * 5_500_000, 10_000))
        for a in r.zuteilungen
    )
    return replace(r, zuteilungen=earlier + r.zuteilungen)
