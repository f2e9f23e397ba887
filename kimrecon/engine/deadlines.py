"""Deadlines: the Nachweisfrist of every edge and year and where it stands on a date (R8, R9)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from kimrecon.engine.allocate import Allocation
from kimrecon.inputs import CaseInputs, Kind, present
from kimrecon.parameters import Params
from kimrecon.result import Deadline, DeadlineStatus

Receipts = dict[tuple[int, str, str], tuple[date | None, date | None]]  # (jahr, geber key, recipient key)


def nachweisfristen(alloc: Allocation, params: Params) -> dict[tuple[int, str], tuple[date, str]]:
    """R9: the § 8 Nachweisfrist per edge (jahr, recipient key) with its source.

    From the contract version in force (for the Kreis: the Bescheid), else the default of the
    recipient's level, staggered by depth. A year without a Bescheid has no Nachweis to give (§2).
    """
    out: dict[tuple[int, str], tuple[date, str]] = {}
    n = alloc.nodes
    for jahr, key, ebene, monate, frist_given, fassung in zip(
            n["jahr"], n["key"], n["ebene"], n["monate"], n["frist"], n["version_fassung"],
            strict=True):  # one row per recipient-year (small)
        j, level = int(jahr), int(ebene)
        if int(monate) == 0:
            continue
        if present(frist_given):
            kind = "Bescheid" if level == 0 else "Weiterleitungsvertrag"
            out[(j, str(key))] = (frist_given, f"{kind} {fassung}".strip())
        else:
            out[(j, str(key))] = params.deadline_for(level, j)
    return out


def receipts(inputs: CaseInputs, alloc: Allocation) -> Receipts:
    """R8: when each recipient's Nachweis arrived and was checked, from the receipts sheet (latest row wins)."""
    frame = inputs.frames.get(Kind.NACHWEISE)
    out: Receipts = {}
    if frame is None or len(frame) == 0:
        return out
    g_keys = alloc.names.keys_of(frame["geber"])
    r_keys = alloc.names.keys_of(frame["empfaenger"])
    for g, r, j, eing, gepr in zip(g_keys, r_keys, frame["jahr"], frame["eingegangen"], frame["geprueft"],
                                   strict=True):  # one row per Nachweis (small)
        if g is None or r is None or not present(j):
            continue  # unknown names are reported by the cross-sheet rules
        out[(int(j), str(g), str(r))] = (_day(eing), _day(gepr))
    return out


def _day(value: object) -> date | None:
    return pd.Timestamp(value).date() if present(value) else None  # type: ignore[arg-type]


def edge_deadlines(alloc: Allocation, params: Params, on: date, got: Receipts | None = None) -> tuple[Deadline, ...]:
    """R9: every Nachweisfrist with its status on a date.

    geprüft / eingegangen / verspätet eingegangen when the receipts sheet records it on or before
    the date; otherwise versäumt, nahe (≤ ``nahe_tage`` days) or offen.
    """
    fristen = nachweisfristen(alloc, params)
    got = got or {}
    out: list[Deadline] = []
    n = alloc.nodes
    for jahr, key, name, geber_key, geber in zip(n["jahr"], n["key"], n["name"], n["geber_key"], n["geber_name"],
                                                 strict=True):
        item = fristen.get((int(jahr), str(key)))
        if item is None:
            continue
        frist, quelle = item
        tage = (frist - on).days
        eingegangen, geprueft = got.get((int(jahr), str(geber_key), str(key)), (None, None))
        eingegangen = eingegangen if eingegangen is not None and eingegangen <= on else None
        geprueft = geprueft if geprueft is not None and geprueft <= on else None
        if geprueft is not None:
            status = DeadlineStatus.GEPRUEFT
            eingegangen = eingegangen or geprueft
        elif eingegangen is not None:
            status = DeadlineStatus.VERSPAETET if eingegangen > frist else DeadlineStatus.EINGEGANGEN
        elif tage < 0:
            status = DeadlineStatus.VERSAEUMT
        elif tage <= params.nahe_tage:
            status = DeadlineStatus.NAHE
        else:
            status = DeadlineStatus.OFFEN
        out.append(Deadline(geber=str(geber), empfaenger=str(name), jahr=int(jahr), frist=frist, status=status,
                            tage_bis=tage, quelle=quelle, eingegangen=eingegangen, geprueft=geprueft))
    out.sort(key=lambda d: (d.frist, d.jahr, d.geber, d.empfaenger))
    return tuple(out)
