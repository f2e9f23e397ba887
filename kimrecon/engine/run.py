"""Reconciliation engine: the pipeline allocate → entitle → settle → interest → deadlines as one call."""

from __future__ import annotations

import calendar
import dataclasses
import re
from datetime import date, datetime

import numpy as np
import pandas as pd

from kimrecon import __version__
from kimrecon.engine.allocate import Allocation, allocate
from kimrecon.engine.deadlines import edge_deadlines
from kimrecon.engine.entitle import entitle
from kimrecon.engine.interest import erstattungszinsen
from kimrecon.engine.settle import settle
from kimrecon.findings import Code, Finding, Severity, finding
from kimrecon.inputs import COLUMNS, CaseInputs, Kind
from kimrecon.money import format_cents
from kimrecon.parameters import load_parameters
from kimrecon.result import Deadline, Parameter, Result

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _parse_month(month: str) -> tuple[int, int]:
    m = _MONTH.match(month.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"month must be YYYY-MM, got {month!r}")
    return int(m.group(1)), int(m.group(2))


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


def reconcile(inputs: CaseInputs, month: str, *, lauf_id: str, zeitpunkt: datetime, fall: str = "") -> Result:
    """Reconcile a case up to the last day of ``month`` ("YYYY-MM"): figures cumulative to that day.

    Data problems never raise: they come back as findings in ``Result.befunde`` (a Fehler makes
    the status "fehler"). Only a malformed ``month`` argument raises ValueError.
    """
    year, mon = _parse_month(month)
    stichtag = date(year, mon, calendar.monthrange(year, mon)[1])
    inputs = _unique_index(inputs)
    findings: list[Finding] = list(inputs.findings)
    params, pfind = load_parameters(inputs.config)
    findings += pfind
    alloc = allocate(inputs, params)
    findings += alloc.findings
    ent = entitle(inputs, alloc, params)
    findings += ent.findings
    st = settle(inputs, alloc, ent, params, year, mon)
    findings += st.findings
    claims, ifind = erstattungszinsen(inputs, alloc.names, params, stichtag)
    findings += ifind
    fristen = tuple(d for d in edge_deadlines(alloc, params, stichtag) if d.jahr <= year)
    allotments = tuple(a for a in alloc.allotments if a.jahr <= year)
    checks = tuple(c for c in alloc.checks if c.jahr <= year)
    extras: dict[str, object] = {"vzae_nenner": ent.denominator, "zahlungsplan": st.schedule}
    if params.verrechnung:
        extras["verrechnung"] = st.netting
    # §5: kimrecon proposes claims from the settlement (R5) but never invents the Zinsbeginn
    extras["rueckforderungsvorschlaege"] = [
        {"glaeubiger": e.geber, "schuldner": e.empfaenger, "jahr": e.jahr, "betrag_cent": e.saldo_cent}
        for e in st.edges if e.saldo_cent > 0 and (e.jahr < year or mon == 12)  # only for a whole year
    ]
    return Result(
        lauf_id=lauf_id, zeitpunkt=zeitpunkt, monat=f"{year:04d}-{mon:02d}", stichtag=stichtag,
        version=__version__, fall=fall, modus=params.modus, dateien=inputs.files, blaetter=inputs.sheets,
        parameter=params.report() + _data_parameters(alloc, year), zuteilungen=allotments, kanten=st.edges,
        monate=st.months,
        zahlungen=_with_source(inputs, Kind.ZAHLUNGEN), besetzung=_with_source(inputs, Kind.BESETZUNG),
        zinsen=claims, zwischenzinsen=st.interim, fristen=fristen, erhaltung=checks,
        befunde=tuple(_dedupe(findings)), extras=extras,
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


def deadlines(inputs: CaseInputs, on: date) -> tuple[Deadline, ...]:
    """R9: every Nachweisfrist of the case with its status on a date (offen | nahe | versäumt)."""
    params, _ = load_parameters(inputs.config)
    alloc = allocate(_unique_index(inputs), params)
    return edge_deadlines(alloc, params, on)


def deadline_findings(items: tuple[Deadline, ...]) -> tuple[Finding, ...]:
    """Findings (Hinweise) for near and missed deadlines, for the CLI's ``deadlines`` listing."""
    out = []
    for d in items:
        if d.status == "versäumt":
            out.append(finding(Code.FRIST_VERSAEUMT, None, severity=Severity.HINWEIS,
                               frist=d.frist.strftime("%d.%m.%Y"), empfaenger=d.empfaenger, geber=d.geber,
                               jahr=d.jahr))
        elif d.status == "nahe":
            out.append(finding(Code.FRIST_NAHE, None, severity=Severity.HINWEIS,
                               frist=d.frist.strftime("%d.%m.%Y"), empfaenger=d.empfaenger, geber=d.geber,
                               jahr=d.jahr, tage=d.tage_bis))
    return tuple(out)
