"""Deadlines: the Nachweisfrist of every edge and year and whether it is open, near or missed (R9)."""

from __future__ import annotations

from datetime import date

from kimrecon.allocate import Allocation, _present
from kimrecon.parameters import Params
from kimrecon.result import Deadline


def edge_deadlines(alloc: Allocation, params: Params, on: date) -> tuple[Deadline, ...]:
    """R9: the § 8 Nachweisfrist per edge and year from the contract version, else the default by level."""
    out: list[Deadline] = []
    n = alloc.nodes
    for jahr, name, geber, ebene, monate, frist_given, fassung in zip(
            n["jahr"], n["name"], n["geber_name"], n["ebene"], n["monate"], n["frist"], n["version_fassung"],
            strict=True):  # one row per recipient-year (small)
        j, level = int(jahr), int(ebene)
        if int(monate) == 0:
            continue  # §2: a year without a Bescheid has no Nachweis to give
        if _present(frist_given):
            frist = frist_given
            kind = "Bescheid" if level == 0 else "Weiterleitungsvertrag"
            quelle = f"{kind} {fassung}".strip()
        else:
            rule = params.deadline_rule(level)
            frist = date(j + 1, rule.monat, rule.tag)
            quelle = rule.quelle
        tage = (frist - on).days
        status = "versäumt" if tage < 0 else ("nahe" if tage <= params.nahe_tage else "offen")
        out.append(Deadline(geber=str(geber), empfaenger=str(name), jahr=j, frist=frist, status=status,
                            tage_bis=tage, quelle=quelle))
    out.sort(key=lambda d: (d.frist, d.jahr, d.geber, d.empfaenger))
    return tuple(out)
