"""The reconciliation engine: pure functions over canonical frames and parameters, no I/O.

Every domain rule lives here once: ``checks`` (cross-sheet rules of the inputs) and the stages
below; ``check`` runs them without settling a month (``kimrecon validate``).

Data flow: ``allocate`` (Bescheid, Zuweisung, key, contracts → forwarding tree, allotments,
conservation; R1–R3b) → ``entitle`` (staffing → staffed VzÄ per month, eligible amounts; R4) →
``settle`` (eligible vs. payments per edge, payment plan, netting, interim interest; R5, R6, R10)
→ ``interest`` (Erstattungszinsen; R7) and ``deadlines`` (Nachweisfristen; R9). ``run`` assembles
the frozen ``Result`` that every renderer reads. Parameters come in from the pipeline; the engine
reads no file.
"""

from kimrecon.engine.run import check, deadline_findings, deadlines, reconcile

__all__ = ["check", "deadline_findings", "deadlines", "reconcile"]
