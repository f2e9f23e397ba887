"""The validate stage: pandera schemas per sheet kind plus the cross-sheet rules, as findings with cells."""

from __future__ import annotations

from kimrecon.findings import Finding
from kimrecon.inputs import CaseInputs, Kind
from kimrecon.validate.rules import cross_sheet_findings
from kimrecon.validate.schemas import schema_findings

__all__ = ["validate_case"]


def validate_case(inputs: CaseInputs) -> tuple[Finding, ...]:
    """Validate what the read stage produced; return only the new findings (not ``inputs.findings``).

    Cells that already carry a reading finding (an unparseable value) are not reported again.
    Tree cycles, key/allocation agreement and conservation are checked by the engine.
    """
    skip = {
        (f.source.datei, f.source.blatt, f.source.zeile, f.source.spalte)
        for f in inputs.findings
        if f.source is not None
    }
    out: list[Finding] = []
    for kind in Kind:
        out.extend(schema_findings(inputs, kind, skip))
    out.extend(cross_sheet_findings(inputs))
    seen: set[tuple[object, ...]] = set()
    unique: list[Finding] = []
    for f in out:
        key = (f.code, f.source, f.details)
        cell = (f.source.datei, f.source.blatt, f.source.zeile, f.source.spalte) if f.source else None
        if cell in skip and f.source is not None and f.source.spalte is not None:
            continue  # the cell's value could not be read: one finding for it is enough
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return tuple(unique)
