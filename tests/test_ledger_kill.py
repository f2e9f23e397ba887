"""Ledger crash safety: a run SIGKILLed in the middle of recording leaves ledger and output folder as they were."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from pathlib import Path

import pytest
from ledger_support import BACKENDS, all_rows, child_record, kill, ledger_db, make_result, table_counts

from kimrecon.ledger import open_ledger

CTX = multiprocessing.get_context("fork")


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from ledger_db(request.param, tmp_path)


def test_sigkill_inside_publish_leaves_no_partial_run(url: str, tmp_path: Path) -> None:
    out = tmp_path / "ausgabe"
    stage = tmp_path / "stage"
    out.mkdir()
    stage.mkdir()
    (out / "abgleich_2023-03.xlsx").write_bytes(b"workbook of L0")
    with open_ledger(url, None) as ledger:
        ledger.record(make_result("L0", "2023-03", "A"))
    before = table_counts(url)
    before_rows = {t: all_rows(url, t, "L0") for t in ("kante", "monatswert")}

    staged = stage / "abgleich_2023-04.xlsx"
    staged.write_bytes(b"workbook of K1")
    target = out / "abgleich_2023-04.xlsx"
    start, inside, release = CTX.Event(), CTX.Event(), CTX.Event()
    child = CTX.Process(
        target=child_record,
        args=(url, "K1", "2023-04", "B", start, inside, release, 0.0, str(staged), str(target)),
    )
    child.start()
    start.set()
    # every row of K1 is inserted and publish is running when the process dies
    assert inside.wait(60), "the child never reached publish"
    kill(child.pid)
    child.join(30)
    assert child.exitcode == -9

    assert sorted(p.name for p in out.iterdir()) == ["abgleich_2023-03.xlsx"]
    assert (out / "abgleich_2023-03.xlsx").read_bytes() == b"workbook of L0"
    assert staged.read_bytes() == b"workbook of K1"  # staged, never published

    with open_ledger(url, None) as ledger:
        assert [r.lauf_id for r in ledger.runs()] == ["L0"]
        assert ledger.run("K1") is None
        assert table_counts(url) == before
        assert {t: all_rows(url, t, "L0") for t in ("kante", "monatswert")} == before_rows
        # the ledger is not left locked: the same run can be recorded afterwards
        ledger.record(make_result("K2", "2023-04", "B"))
        assert [r.lauf_id for r in ledger.runs()] == ["L0", "K2"]
