"""Deadlines: the Nachweisfrist of every edge and year and whether it is open, near or missed (R9)."""

from __future__ import annotations

from datetime import date

from kimrecon.engine.allocate import Allocation
from kimrecon.inputs import present
from kimrecon.parameters import Params
from kimrecon.result import Deadline, DeadlineStatus


def nachweisfristen(alloc: Allocation, params: Params) -> dict[tuple[int, str], tuple[date, str]]:
    """R9: the § 8 Nachweisfrist per edge (jahr, recipient key) with its source.

    From the contract version in force (for the Kreis: the Bescheid), else the default of the
    recipient's level. A year without a Bescheid has no Nachweis to give (§2).
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
            rule = params.deadline_rule(level)
            out[(j, str(key))] = (date(j + 1, rule.monat, rule.tag), rule.quelle)
    return out


def edge_deadlines(alloc: Allocation, params: Params, on: date) -> tuple[Deadline, ...]:
    """R9: every Nachweisfrist with its status on a date: versäumt, nahe (≤ nahe_tage days) or offen."""
    fristen = nachweisfristen(alloc, params)
    out: list[Deadline] = []
    n = alloc.nodes
    for jahr, key, name, geber in zip(n["jahr"], n["key"], n["name"], n["geber_name"], strict=True):
        item = fristen.get((int(jahr), str(key)))
        if item is None:
            continue
        frist, quelle = item
        tage = (frist - on).days
        status = (DeadlineStatus.VERSAEUMT if tage < 0 else DeadlineStatus.NAHE if tage <= params.nahe_tage
                  else DeadlineStatus.OFFEN)
        out.append(Deadline(geber=str(geber), empfaenger=str(name), jahr=int(jahr), frist=frist, status=status,
                            tage_bis=tage, quelle=quelle))
    out.sort(key=lambda d: (d.frist, d.jahr, d.geber, d.empfaenger))
    return tuple(out)
