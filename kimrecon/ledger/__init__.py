"""The run ledger: every reconcile run recorded with its inputs, parameters, findings and figures.

Entry points for the pipeline and the CLI::

    ledger = open_ledger(url, case_dir)          # url → KIMRECON_DB → <case_dir>/kimrecon.sqlite
    repeat = ledger.find_repeat(result)          # lauf_id of the run this one repeats, or None
    result = replace(result, korrekturen=ledger.corrections(result))
    ledger.record(result, publish=move_workbooks_into_place)   # one transaction
    print(render_history(ledger.runs(month)))   # kimrecon history
    print(render_run(ledger.run(lauf_id)))      # kimrecon history --run ID
"""

from kimrecon.ledger.records import KENNZAHLEN, MonthFigure, RunDetail, RunSummary, StoredFile, StoredFinding
from kimrecon.ledger.render import render_history, render_run
from kimrecon.ledger.store import DEFAULT_FILE, ENV_DB, Ledger, LedgerError, fingerprint, open_ledger, resolve_url

__all__ = [
    "DEFAULT_FILE",
    "ENV_DB",
    "KENNZAHLEN",
    "Ledger",
    "LedgerError",
    "MonthFigure",
    "RunDetail",
    "RunSummary",
    "StoredFile",
    "StoredFinding",
    "fingerprint",
    "open_ledger",
    "render_history",
    "render_run",
    "resolve_url",
]
