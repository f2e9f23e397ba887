"""Ledger concurrency: two recording processes at once both complete, or one fails cleanly in German."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from pathlib import Path

import pytest
from ledger_support import BACKENDS, child_record, ledger_db, make_result, table_counts

from kimrecon.ledger import LedgerError, open_ledger

CTX = multiprocessing.get_context("fork")


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from ledger_db(request.param, tmp_path)


def test_two_concurrent_runs_both_complete(url: str) -> None:
    # both processes start on an empty database: they also race to create the schema
    start = CTX.Event()
    inside = [CTX.Event(), CTX.Event()]
    procs = [
        CTX.Process(target=child_record, args=(url, f"P{i}", "2023-12", "A", start, inside[i], None, 0.3))
        for i in range(2)
    ]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]

    with open_ledger(url, None) as ledger:
        runs = ledger.runs()
        assert sorted(r.lauf_id for r in runs) == ["P0", "P1"]
        # one writer at a time: whoever came second saw the first and is its repeat
        first, second = runs
        assert first.wiederholung_von is None
        assert second.wiederholung_von == first.lauf_id
        for r in runs:
            detail = ledger.run(r.lauf_id)
            assert detail is not None
            assert (len(detail.dateien), len(detail.parameter), len(detail.befunde)) == (3, 3, 1)
            assert (len(detail.kanten), len(detail.monate), len(detail.korrekturen)) == (4, 36, 0)
            assert all(m.empfaenger for m in detail.monate)
    assert table_counts(url)["monatswert"] == 72


def test_second_writer_fails_cleanly_while_the_first_holds_the_ledger(url: str) -> None:
    open_ledger(url, None).close()
    start, inside, release = CTX.Event(), CTX.Event(), CTX.Event()
    holder = CTX.Process(target=child_record, args=(url, "H1", "2023-11", "A", start, inside, release))
    holder.start()
    start.set()
    try:
        assert inside.wait(60), "the holder never reached publish"
        with open_ledger(url, None, lock_timeout=0.3) as ledger:
            # reading works while another run is being recorded, and does not see it yet
            assert ledger.runs() == []
            with pytest.raises(LedgerError, match="durch einen anderen Lauf gesperrt") as err:
                ledger.record(make_result("W1", "2023-12", "B"))
            assert "es wurde nichts gespeichert" in str(err.value)
    finally:
        release.set()
        holder.join(60)
    assert holder.exitcode == 0
    with open_ledger(url, None) as ledger:
        assert [r.lauf_id for r in ledger.runs()] == ["H1"]
        ledger.record(make_result("W1", "2023-12", "B"))  # once free, the retry succeeds
        assert [r.lauf_id for r in ledger.runs()] == ["H1", "W1"]
