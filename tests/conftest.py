"""Test-session hooks: say in one line how to run the PostgreSQL tests when they were skipped."""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

PG_ENV = "KIMRECON_TEST_PG_URL"  # also in ledger_support (which imports SQLAlchemy; this file stays light)


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    return str(longrepr[2]) if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: the line comes after the short test summary
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> Generator[None, None, None]:
    """One German line when PostgreSQL tests were skipped for want of a database."""
    yield
    if os.environ.get(PG_ENV):
        return
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if PG_ENV in _skip_reason(r)]
    if skipped:
        terminalreporter.write_line(
            f"PostgreSQL-Tests übersprungen ({len(skipped)}): {PG_ENV} setzen oder "
            "„source .ci/postgres.sh“ ausführen, dann erneut „make test“."
        )
