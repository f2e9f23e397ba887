"""The validate stage: the shape of each sheet (pandera schemas per kind), as findings with cells.

Domain rules (allotments, sums, dates across sheets, payments, names) live once, in the engine
(``kimrecon.engine.checks``); a rule that depends on a parameter gets the parameters there.
"""

from __future__ import annotations

from kimrecon.findings import Finding, read_cells, without_read_cells
from kimrecon.inputs import CaseInputs, Kind
from kimrecon.validate.schemas import schema_findings

__all__ = ["validate_case"]


def validate_case(inputs: CaseInputs) -> tuple[Finding, ...]:
    """Validate what the read stage produced; return only the new findings (not ``inputs.findings``).

    Cells that already carry a reading finding (an unparseable value) are not reported again.
    """
    skip = read_cells(inputs.findings)
    out: list[Finding] = []
    for kind in Kind:
        out.extend(schema_findings(inputs, kind, skip))
    return without_read_cells(out, skip)

