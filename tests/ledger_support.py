"""Test support for the run ledger: hand-built Results of a small Mittelkreis case and database fixtures.

The case: Kreis Unna forwards 2,5 VzÄ to the hub Stadt Bergkamen (own 1,0), which forwards 1,0 to
Stadt Kamen and 0,5 to Gemeinde Bönen; 57.000 € per VzÄ, monatsprinzip, paid quarterly in
advance (25 %). Staffing "A": everyone staffed all year. Staffing "B" (the corrected sheet):
Kamen's post vacant in January and February (spec §4: F = 57.000 × 10/12 = 47.500,00 €).
"""

from __future__ import annotations

import hashlib
import os
import signal
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from kimrecon.findings import Code, Severity, SourceRef, finding
from kimrecon.inputs import InputFile
from kimrecon.ledger import open_ledger
from kimrecon.ledger.models import Base
from kimrecon.money import div_round
from kimrecon.month import Month
from kimrecon.result import MONTH_COLUMNS, Allotment, Edge, Parameter, Result

PG_ENV = "KIMRECON_TEST_PG_URL"
BACKENDS = ("sqlite", "postgresql")

LAND = "Bezirksregierung Arnsberg"
KREIS = "Kreis Unna"
HUB = "Stadt Bergkamen"
KAMEN = "Stadt Kamen"
BOENEN = "Gemeinde Bönen"
RATE_CENT = 5_700_000  # 57.000 € per VzÄ and year
FALL = "Kreis Unna 2023"

# recipient -> (giver, own VzÄ e4)
TREE: dict[str, tuple[str, int]] = {
    HUB: (KREIS, 10_000),
    KAMEN: (HUB, 10_000),
    BOENEN: (HUB, 5_000),
}
CHILDREN: dict[str, tuple[str, ...]] = {HUB: (KAMEN, BOENEN), KAMEN: (), BOENEN: ()}


# ---------------------------------------------------------------------------------------------
# Results built by hand


def staffed_months(staffing: str, recipient: str) -> list[int]:
    """Months (1..12) in which the recipient's allotment is fully staffed."""
    if staffing == "B" and recipient == KAMEN:
        return list(range(3, 13))
    return list(range(1, 13))


def eligible_cum(staffing: str, recipient: str, month: int) -> int:
    """Own eligible amount cumulative to ``month`` (monatsprinzip, rounded once)."""
    own = TREE[recipient][1]
    months = sum(1 for m in staffed_months(staffing, recipient) if m <= month)
    return div_round(RATE_CENT * own * months, 10_000 * 12)


def subtree_eligible_cum(staffing: str, recipient: str, month: int) -> int:
    """Förderfähig_Teilbaum cumulative to ``month`` (R5)."""
    return eligible_cum(staffing, recipient, month) + sum(
        subtree_eligible_cum(staffing, c, month) for c in CHILDREN[recipient]
    )


def subtree_vzae(recipient: str) -> int:
    """Own plus descendants' VzÄ (e4)."""
    return TREE[recipient][1] + sum(subtree_vzae(c) for c in CHILDREN[recipient])


def paid_cum(recipient: str, month: int, extra_cent: int = 0) -> int:
    """Quarterly in advance, 25 % of the subtree's forwarded amount on the 1st of Jan/Apr/Jul/Oct."""
    quarter = div_round(RATE_CENT * subtree_vzae(recipient), 10_000 * 4)
    return quarter * ((month + 2) // 3) + extra_cent


def make_result(
    lauf_id: str,
    monat: str,
    staffing: str = "A",
    *,
    zeitpunkt: datetime | None = None,
    fall: str = FALL,
    modus: str = "monatsprinzip",
    late_payment_cent: int = 0,
    tarifstunden: str = "39",
    parameter_note: str = "",
) -> Result:
    """A Result of the toy case for the run month ``monat`` ("2023-MM") and a staffing variant."""
    year, month = (int(x) for x in monat.split("-"))
    rows = []
    for r in TREE:
        for m in range(1, month + 1):
            prev = eligible_cum(staffing, r, m - 1) if m > 1 else 0
            paid_prev = paid_cum(r, m - 1, late_payment_cent if r == KAMEN else 0) if m > 1 else 0
            paid = paid_cum(r, m, late_payment_cent if r == KAMEN else 0)
            rows.append(
                {
                    "empfaenger": r,
                    "jahr": year,
                    "monat": m,
                    "vzae_zugeteilt_e4": TREE[r][1],
                    "vzae_besetzt_e4": TREE[r][1] if m in staffed_months(staffing, r) else 0,
                    "foerderfaehig_cent": eligible_cum(staffing, r, m) - prev,
                    "foerderfaehig_kumuliert_cent": eligible_cum(staffing, r, m),
                    "ausgezahlt_cent": paid - paid_prev,
                    "ausgezahlt_kumuliert_cent": paid,
                    "saldo_kumuliert_cent": paid - subtree_eligible_cum(staffing, r, m),
                }
            )
    monate = pd.DataFrame(rows, columns=list(MONTH_COLUMNS)).astype(
        {c: "Int64" for c in MONTH_COLUMNS if c != "empfaenger"}
    )
    kanten = [
        Edge(
            geber=LAND,
            empfaenger=KREIS,
            jahr=year,
            von=date(year, 1, 1),
            bis=date(year, 12, 31),
            vzae_zugeteilt_e4=180_000,
            weiterleitung_cent=102_600_000,
            foerderfaehig_kumuliert_cent=subtree_eligible_cum(staffing, HUB, month),
            ausgezahlt_kumuliert_cent=102_600_000,
            saldo_cent=102_600_000 - subtree_eligible_cum(staffing, HUB, month),
            gezahlt_brutto_cent=102_600_000,
            nachweisfrist=date(year + 1, 6, 30),
        )
    ]
    for r, (giver, _own) in TREE.items():
        paid = paid_cum(r, month, late_payment_cent if r == KAMEN else 0)
        sub = subtree_eligible_cum(staffing, r, month)
        kanten.append(
            Edge(
                geber=giver,
                empfaenger=r,
                jahr=year,
                von=date(year, 1, 1),
                bis=date(year, 12, 31),
                vzae_zugeteilt_e4=subtree_vzae(r),
                weiterleitung_cent=div_round(RATE_CENT * subtree_vzae(r), 10_000),
                foerderfaehig_kumuliert_cent=sub,
                ausgezahlt_kumuliert_cent=paid,
                saldo_cent=paid - sub,
                gezahlt_brutto_cent=paid,
                foerderfaehig_eigen_kumuliert_cent=eligible_cum(staffing, r, month),
                nachweisfrist=date(year + 1, 3, 31) if giver == HUB else date(year + 1, 4, 30),
            )
        )
    zuteilungen = [Allotment(year, KREIS, LAND, 0, 0, 180_000, RATE_CENT, 102_600_000, 0, date(year, 1, 1),
                             date(year, 12, 31))] + [
        Allotment(
            year,
            r,
            giver,
            1 if giver == KREIS else 2,
            own,
            subtree_vzae(r),
            RATE_CENT,
            div_round(RATE_CENT * subtree_vzae(r), 10_000),
            div_round(RATE_CENT * own, 10_000),
            date(year, 1, 1),
            date(year, 12, 31),
        )
        for r, (giver, own) in TREE.items()
    ]
    dateien = (
        input_file("zuweisung_2023.xlsx", b"zuweisung 2023", ("Zuweisung", "Bescheid")),
        input_file(f"besetzung_{staffing}.xlsx", f"besetzung {staffing}".encode(), ("Besetzung",)),
        input_file("zahlungen.xlsx", f"zahlungen {late_payment_cent}".encode(), ("Zahlungen",)),
    )
    befunde = (
        finding(
            Code.SPALTE_UNBEKANNT,
            SourceRef("besetzung.xlsx", "Besetzung", 3, "H"),
            severity=Severity.HINWEIS,
            spalte="Bemerkung",
        ),
    )
    parameter = (
        Parameter("modus", modus, None, "kimrecon.toml" if modus != "monatsprinzip" else "Voreinstellung"),
        Parameter("tarifstunden", tarifstunden, None, "Voreinstellung"),
        Parameter("pauschale_je_vzae", "57000.00", date(2023, 1, 1), "Bescheid 15.02.2023" + parameter_note),
    )
    return Result(
        lauf_id=lauf_id,
        zeitpunkt=zeitpunkt or datetime(2026, 11, 24, 3, 30, tzinfo=UTC),
        monat=Month(year, month),
        version="0.1.0",
        fall=fall,
        modus=modus,
        dateien=dateien,
        blaetter=(),
        parameter=parameter,
        zuteilungen=tuple(zuteilungen),
        kanten=tuple(kanten),
        monate=monate,
        bescheide=(),
        vertraege=(),
        zahlungen=(),
        besetzung=pd.DataFrame(),
        befunde=befunde,
    )


def input_file(name: str, content: bytes, sheets: tuple[str, ...]) -> InputFile:
    """An InputFile whose hash is that of ``content``."""
    return InputFile(
        name=name,
        path=Path(name),
        size=len(content) * 1000,
        sha256=hashlib.sha256(content).hexdigest(),
        sheets=sheets,
    )


def with_corrections(ledger: object, result: Result) -> Result:
    """What the pipeline does before recording: attach the ledger's corrections to the result."""
    return replace(result, korrekturen=ledger.corrections(result))  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------
# databases


def ledger_db(backend: str, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of an empty database: an SQLite file, or a fresh PostgreSQL database."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'kimrecon.sqlite'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} is not set in CI: source .ci/postgres.sh before the tests")
        pytest.skip(f"{PG_ENV} not set (run `source .ci/postgres.sh`)")
    name = f"kimrecon_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def table_counts(url: str) -> dict[str, int]:
    """Rows per ledger table (a snapshot to compare before and after)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return {
                name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for name, table in Base.metadata.tables.items()
            }
    finally:
        engine.dispose()


def all_rows(url: str, table: str, lauf_id: str) -> list[tuple[object, ...]]:
    """The rows of one run in one child table, without surrogate keys and run ids, in a stable order."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        t = Base.metadata.tables[table]
        cols = [c for c in t.c if c.name not in ("id", "lauf_id")]
        with engine.connect() as conn:
            rows = conn.execute(select(*cols).where(t.c.lauf_id == lauf_id)).all()
        return sorted((tuple(r) for r in rows), key=repr)
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------------
# child processes (fork) for the concurrency and kill tests


def child_record(
    url: str,
    lauf_id: str,
    monat: str,
    staffing: str,
    start: Any,
    inside: Any | None = None,
    release: Any | None = None,
    hold_s: float = 0.0,
    staged: str | None = None,
    target: str | None = None,
) -> None:
    """Record one run in a child process; ``publish`` signals ``inside``, then holds the transaction.

    It holds until ``release`` is set (or for ``hold_s`` seconds) and then renames staged → target,
    as the pipeline moves its staged workbooks into place.
    """
    start.wait(60)
    ledger = open_ledger(url, None)
    result = with_corrections(ledger, make_result(lauf_id, monat, staffing))

    def publish() -> None:
        if inside is not None:
            inside.set()
        if release is not None:
            release.wait(120)
        else:
            time.sleep(hold_s)
        if staged and target:
            os.replace(staged, target)

    ledger.record(result, publish)
    ledger.close()


def kill(pid: int) -> None:
    """SIGKILL a child process."""
    os.kill(pid, signal.SIGKILL)
