"""Reconciliation engine: the pipeline allocate → entitle → settle → interest → deadlines as one call."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import numpy as np
import pandas as pd

from kimrecon import __version__
from kimrecon.engine.allocate import Allocation, allocate
from kimrecon.engine.checks import cross_sheet_findings
from kimrecon.engine.deadlines import edge_deadlines, receipts
from kimrecon.engine.entitle import Entitlement, entitle
from kimrecon.engine.interest import erstattungszinsen
from kimrecon.engine.settle import payment_records, settle
from kimrecon.findings import Code, Finding, Severity, finding, has_errors, read_cells, without_read_cells
from kimrecon.inputs import COLUMNS, REQUIRED_KINDS, CaseInputs, Kind
from kimrecon.money import format_cents
from kimrecon.month import Month, as_month
from kimrecon.parameters import Params
from kimrecon.result import (
    Allotment,
    ContractTerms,
    Deadline,
    DeadlineStatus,
    Grant,
    Parameter,
    ProposedClaim,
    Result,
)


def _with_source(inputs: CaseInputs, kind: Kind) -> pd.DataFrame:
    """Canonical frame with _datei, _blatt, _zeile instead of _sheet (Result.zahlungen / .besetzung)."""
    frame = inputs.frames.get(kind)
    cols = list(COLUMNS[kind])
    if frame is None:
        return pd.DataFrame(columns=cols + ["_datei", "_blatt", "_zeile"])
    out = frame.copy()
    sheets = out["_sheet"].astype("int64") if "_sheet" in out else pd.Series(dtype="int64")
    datei = np.array([si.datei for si in inputs.sheets] + [""], dtype=object)
    blatt = np.array([si.blatt for si in inputs.sheets] + [""], dtype=object)
    pos = sheets.to_numpy(dtype="int64")
    out["_datei"] = datei[pos]
    out["_blatt"] = blatt[pos]
    return out.drop(columns=[c for c in ("_sheet",) if c in out.columns])


def _unique_index(inputs: CaseInputs) -> CaseInputs:
    """Give every frame a unique row index (the stages address rows by label)."""
    if all(f.index.is_unique for f in inputs.frames.values()):
        return inputs
    frames = {k: (f if f.index.is_unique else f.reset_index(drop=True)) for k, f in inputs.frames.items()}
    return dataclasses.replace(inputs, frames=frames)


def reconcile(inputs: CaseInputs, month: Month | str, *, params: Params, lauf_id: str, zeitpunkt: datetime,
              fall: str = "") -> Result:
    """Reconcile a case up to the last day of ``month``: figures cumulative to that day.

    ``params`` are loaded by the pipeline (the engine reads no file). Data problems never raise:
    they come back as findings in ``Result.befunde`` (a Fehler makes the status "fehler"). Only a
    malformed ``month`` raises ValueError.
    """
    monat = as_month(month)
    year, mon, stichtag = monat.year, monat.month, monat.stichtag
    inputs = _unique_index(inputs)
    alloc = allocate(inputs, params)
    ent = entitle(inputs, alloc, params)
    cross = cross_sheet_findings(inputs, params)
    findings: list[Finding] = [*inputs.findings, *_domain_findings(inputs, alloc, ent, cross)]
    st = settle(inputs, alloc, ent, params, year, mon)
    findings += st.findings
    claims, ifind = erstattungszinsen(inputs, alloc.names, params, stichtag)
    findings += ifind
    fristen = tuple(d for d in edge_deadlines(alloc, params, stichtag, receipts(inputs, alloc)) if d.jahr <= year)
    allotments = _with_posts(inputs, alloc, tuple(a for a in alloc.allotments if a.jahr <= year), ent.staff_keys)
    checks = tuple(c for c in alloc.checks if c.jahr <= year)
    # §5: kimrecon proposes claims from a closed year's settlement (R5) but never invents the Zinsbeginn
    proposals = tuple(ProposedClaim(glaeubiger=e.geber, schuldner=e.empfaenger, jahr=e.jahr, betrag_cent=e.saldo_cent)
                      for e in st.edges if e.saldo_cent > 0 and e.jahr_abgeschlossen and not e.besetzung_fehlt)
    return Result(
        lauf_id=lauf_id, zeitpunkt=zeitpunkt, monat=monat, version=__version__, fall=fall, modus=params.modus,
        dateien=inputs.files, blaetter=inputs.sheets, parameter=params.report() + _data_parameters(alloc, year),
        bescheide=_grants(alloc, year), vertraege=_contract_terms(alloc), zuteilungen=allotments, kanten=st.edges,
        monate=st.months, zahlungen=payment_records(inputs, st.payments, alloc.names, stichtag),
        besetzung=_with_source(inputs, Kind.BESETZUNG), verrechnung=st.netting,
        rueckforderungsvorschlaege=proposals, zinsen=claims, zwischenzinsen=st.interim, fristen=fristen,
        erhaltung=checks, befunde=tuple(_dedupe(findings)), vzae_nenner=ent.denominator,
    )


def check(inputs: CaseInputs, params: Params) -> tuple[Finding, ...]:
    """Every domain rule of a case without settling a month (``kimrecon validate``).

    The cross-sheet rules, the forwarding tree and allotments (with the parameters in force) and
    the staffing: the same rules, from the same code, as in ``reconcile``; only the new findings are returned.
    """
    inputs = _unique_index(inputs)
    cross = cross_sheet_findings(inputs, params)
    if has_errors([*inputs.findings, *cross]) or not all(len(inputs.frames.get(k, ())) for k in REQUIRED_KINDS):
        # the tree is only built from a case with its Bescheid and Zuweisung and without Fehler
        return without_read_cells(cross, read_cells(inputs.findings))
    alloc = allocate(inputs, params)
    return _domain_findings(inputs, alloc, entitle(inputs, alloc, params), cross)


def _domain_findings(inputs: CaseInputs, alloc: Allocation, ent: Entitlement,
                     cross: list[Finding]) -> tuple[Finding, ...]:
    """Cross-sheet rules, allocation and staffing findings, without cells whose value could not be read."""
    return without_read_cells([*cross, *alloc.findings, *ent.findings], read_cells(inputs.findings))


def _with_posts(inputs: CaseInputs, alloc: Allocation, allotments: tuple[Allotment, ...],
                staff_keys: pd.Series | None = None) -> tuple[Allotment, ...]:
    """Each recipient's staffing rows in its Bewilligungszeitraum, matched by AGS or name as entitle matches.

    Carried as row positions in ``Result.besetzung`` (no copy per year) plus the sum of their Personalkosten.
    """
    staff = inputs.frames.get(Kind.BESETZUNG)
    if staff is None or len(staff) == 0:
        return allotments
    if staff_keys is None:
        staff_keys = alloc.names.keys_of(staff["kommune"], staff["ags"] if "ags" in staff else None)
    keys = staff_keys.to_numpy()
    begin = pd.to_datetime(staff["beginn"]).to_numpy()
    end = pd.to_datetime(staff["ende"]).to_numpy()
    costs = staff["personalkosten_cent"].astype("Int64")
    has_cost = costs.notna().to_numpy(dtype=bool)
    cost = costs.to_numpy(dtype="int64", na_value=0)
    rows_of: dict[object, list[int]] = {}
    for i, key in enumerate(keys):  # group row positions by recipient (one pass)
        rows_of.setdefault(key, []).append(i)
    out = []
    for a in allotments:  # one per recipient and year (small)
        pos = np.asarray(rows_of.get(alloc.names.key(a.empfaenger), []), dtype="int64")
        b, e = begin[pos], end[pos]
        pos = pos[(np.isnat(b) | (b <= np.datetime64(a.bis))) & (np.isnat(e) | (e >= np.datetime64(a.von)))]
        known = cost[pos[has_cost[pos]]]  # numpy per allotment: 53 Bescheide make hundreds of allotments
        out.append(dataclasses.replace(a, stellen=tuple(int(x) for x in pos),
                                       personalkosten_cent=int(known.sum()) if len(known) else None))
    return tuple(out)


def _grants(alloc: Allocation, year: int) -> tuple[Grant, ...]:
    """The Bescheide of the case up to the run's year (R1, R2), in year order."""
    return tuple(
        Grant(jahr=j, bescheid_id=info.bescheid_id, datum=info.datum, aktenzeichen=info.aktenzeichen, art=info.art,
              behoerde=info.behoerde, empfaenger=alloc.names.show(info.kreis), von=info.von, bis=info.bis,
              vzae_e4=info.vzae_e4, pauschale_cent=info.pauschale_cent, summe_cent=info.summe_cent,
              nachweisfrist=info.nachweisfrist, quelle=info.source)
        for (j, _kreis), info in sorted(alloc.years.items()) if j <= year and info.bescheid_id is not None
    )


def _contract_terms(alloc: Allocation) -> tuple[ContractTerms, ...]:
    """Every version of every Weiterleitungsvertrag of the case, by edge and valid-from date."""
    return tuple(
        ContractTerms(geber=alloc.names.show(g), empfaenger=alloc.names.show(r), fassung=v.fassung,
                      vertragsdatum=v.vertragsdatum, gueltig_ab=v.gueltig_ab, pauschale_cent=v.pauschale_cent,
                      frist_tag=v.frist_tag, frist_monat=v.frist_monat, zahlungsplan=v.zahlungsplan,
                      zinsart=v.zinsart, quelle=v.ref, auszahlung=v.auszahlung)
        for (g, r), versions in sorted(alloc.versions.items()) for v in versions
    )


def _data_parameters(alloc: Allocation, year: int) -> tuple[Parameter, ...]:
    """Rates taken from the case's Bescheide and contract versions (R2), for the Prüfprotokoll."""
    out = []
    for (j, _kreis), info in sorted(alloc.years.items()):
        if j > year or info.bescheid_id is None:
            continue
        out.append(Parameter(f"pauschale_je_vzae {j} {alloc.names.show(info.kreis)}",
                             format_cents(info.pauschale_cent), info.von, f"Bescheid {info.bescheid_id}"))
    for (g, r), versions in sorted(alloc.versions.items()):
        for v in versions:
            if v.pauschale_cent is not None and v.gueltig_ab.year <= year:
                out.append(Parameter(f"pauschale_je_vzae {alloc.names.show(g)} → {alloc.names.show(r)}",
                                     format_cents(v.pauschale_cent), v.gueltig_ab,
                                     f"Weiterleitungsvertrag {v.fassung}".strip()))
    return tuple(out)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[Finding] = set()
    out = []
    for f in findings:
        if f not in seen:
            seen.add(f)
            out.append(f)
    return out


def deadlines(inputs: CaseInputs, on: date, *, params: Params) -> tuple[Deadline, ...]:
    """R9: every Nachweisfrist of the case with its status on a date (receipts sheet included)."""
    inputs = _unique_index(inputs)
    alloc = allocate(inputs, params)
    return edge_deadlines(alloc, params, on, receipts(inputs, alloc))


def deadline_findings(items: tuple[Deadline, ...]) -> tuple[Finding, ...]:
    """Findings (Hinweise) for near and missed deadlines, for the CLI's ``deadlines`` listing."""
    out = []
    for d in items:
        if d.status is DeadlineStatus.VERSAEUMT:
            out.append(finding(Code.FRIST_VERSAEUMT, None, severity=Severity.HINWEIS,
                               frist=d.frist.strftime("%d.%m.%Y"), empfaenger=d.empfaenger, geber=d.geber,
                               jahr=d.jahr))
        elif d.status is DeadlineStatus.NAHE:
            out.append(finding(Code.FRIST_NAHE, None, severity=Severity.HINWEIS,
                               frist=d.frist.strftime("%d.%m.%Y"), empfaenger=d.empfaenger, geber=d.geber,
                               jahr=d.jahr, tage=d.tage_bis))
    return tuple(out)
