"""Interest: Erstattungszinsen on refund claims from dated Basiszinssatz and surcharge tables (R7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from kimrecon.findings import Code, Finding, finding
from kimrecon.inputs import CaseInputs, Kind, present
from kimrecon.money import round_half_up
from kimrecon.names import Names
from kimrecon.parameters import Dated, Params
from kimrecon.result import InterestClaim, InterestPeriod

DAY_COUNT = 365  # R7 [D]: actual/365


@dataclass(frozen=True, slots=True)
class RatePeriod:
    """Days with one Basiszinssatz and one surcharge (both inclusive)."""

    von: date
    bis: date
    basiszins: Decimal
    aufschlag: Decimal

    @property
    def tage(self) -> int:
        """Number of interest days."""
        return (self.bis - self.von).days + 1


def _half_year_end(d: date) -> date:
    return date(d.year, 6, 30) if d.month < 7 else date(d.year, 12, 31)


def rate_segments(table: tuple[Dated, ...], open_end: bool) -> list[tuple[date, date, Decimal]]:
    """Validity ranges of a dated table; the Basiszinssatz's last value ends with its half-year (§ 247 BGB)."""
    out = []
    for i, entry in enumerate(table):
        if i + 1 < len(table):
            end = table[i + 1].ab - timedelta(days=1)
        else:
            end = date.max if open_end else _half_year_end(entry.ab)
        out.append((entry.ab, end, entry.wert))
    return out


def rate_periods(params: Params, first_day: date, last_day: date) -> tuple[list[RatePeriod], date | None, str]:
    """Split interest days [first_day, last_day] at every rate change (R7).

    Returns the periods covered by the tables, the first day no table covers (or None) and
    the name of the table that is missing there.
    """
    if last_day < first_day:
        return [], None, ""
    cuts = {first_day, last_day + timedelta(days=1)}
    basis = rate_segments(params.basiszins, open_end=False)
    surcharge = rate_segments(params.aufschlag, open_end=True)
    for von, bis, _ in basis + surcharge:
        for d in (von, bis + timedelta(days=1) if bis < date.max else None):
            if d is not None and first_day < d <= last_day:
                cuts.add(d)
    points = sorted(cuts)
    periods: list[RatePeriod] = []
    for a, b in zip(points, points[1:], strict=False):
        end = b - timedelta(days=1)
        bz = next((w for v, e, w in basis if v <= a <= e), None)
        az = next((w for v, e, w in surcharge if v <= a <= e), None)
        if bz is None or az is None:
            return periods, a, "Basiszinssatz" if bz is None else "Zinsaufschlag"
        periods.append(RatePeriod(a, end, bz, az))
    return periods, None, ""


def period_interest(amount_cent: int, period: RatePeriod) -> Fraction:
    """Exact interest of one period: amount × (Basiszins + Aufschlag) % × days / 365 (not floored, R7)."""
    rate = Fraction(period.basiszins + period.aufschlag) / 100
    return Fraction(amount_cent) * rate * period.tage / DAY_COUNT


def interest_between(params: Params, amount_cent: int, start_excl: date, end_incl: date) -> tuple[int, list[
        InterestPeriod], date | None, str]:
    """R7: interest for the days d with start_excl < d ≤ end_incl (§ 187 Abs. 1 BGB), rounded per rate period."""
    periods, missing, table = rate_periods(params, start_excl + timedelta(days=1), end_incl)
    out = []
    for p in periods:
        cents = round_half_up(period_interest(amount_cent, p))  # [D] rounded per rate period, then summed
        out.append(InterestPeriod(p.von, p.bis, p.tage, p.basiszins, p.aufschlag, cents))
    return sum(p.betrag_cent for p in out), out, missing, table




def erstattungszinsen(inputs: CaseInputs, names: Names, params: Params,
                      stichtag: date) -> tuple[tuple[InterestClaim, ...], list[Finding]]:
    """R7: Erstattungszinsen on every claim of the Rückforderungen sheet up to payment or the Stichtag."""
    frame = inputs.frames.get(Kind.RUECKFORDERUNGEN)
    findings: list[Finding] = []
    if frame is None or len(frame) == 0:
        return (), findings
    claims = []
    for idx in frame.index:  # one row per legal claim: small, never grows with staffing
        row = frame.loc[idx]
        if not present(row.get("zinsbeginn")) or not present(row.get("betrag_cent")):
            continue
        for col in ("glaeubiger", "schuldner"):
            if names.key(row[col]) is None:
                findings.append(finding(Code.NAME_UNBEKANNT, inputs.row_ref(Kind.RUECKFORDERUNGEN, idx, col),
                                        value=row[col], name=row[col], **names.advice(row[col])))
        start = pd.Timestamp(row["zinsbeginn"]).date()
        paid = pd.Timestamp(row["zahlungseingang"]).date() if present(row.get("zahlungseingang")) else None
        # §5: an open claim runs to the Stichtag; a paid one to its Zahlungseingang, even after the Stichtag
        end = paid if paid is not None else stichtag
        amount = int(row["betrag_cent"])
        total, periods, missing, table = interest_between(params, amount, start, end)
        if missing is not None:
            findings.append(finding(Code.ZINSSATZ_FEHLT, inputs.row_ref(Kind.RUECKFORDERUNGEN, idx, "zinsbeginn"),
                                    ab=missing.strftime("%d.%m.%Y"), tabelle=table))
        g, s = names.key(row["glaeubiger"]), names.key(row["schuldner"])
        claims.append(InterestClaim(
            forderung_id=str(row["forderung_id"]),
            glaeubiger=names.show(g) if g else str(row["glaeubiger"]),
            schuldner=names.show(s) if s else str(row["schuldner"]),
            jahr=int(row["jahr"]) if present(row.get("jahr")) else None,
            betrag_cent=amount, von=start, bis=end, tage=max(0, (end - start).days), zinsbetrag_cent=total,
            perioden=tuple(periods), offen=paid is None or paid > stichtag,
        ))
    return tuple(claims), findings
