"""The console entry point (issue 18): tuned collector, exit without teardown, nothing lost on the way out."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "workbooks" / "beispiel-kreis-unna-2023"


def test_reconcile_json_through_the_entry_point_is_complete(tmp_path: Path) -> None:
    """The whole JSON (many times the stream buffer) reaches stdout although the process skips teardown."""
    case = tmp_path / "fall"
    shutil.copytree(EXAMPLE, case)
    out = tmp_path / "out.json"
    with out.open("wb") as fh:
        proc = subprocess.run([sys.executable, "-m", "kimrecon.cli", "reconcile", str(case), "--month", "2023-12",
                               "--json", "--ohne-laufbuch", "--out", str(tmp_path / "aus")],
                              stdout=fh, stderr=subprocess.PIPE, timeout=180, check=False)
    data = json.loads(out.read_bytes())  # a truncated stream would not parse
    assert out.stat().st_size > 4 * 8192  # several buffer flushes, the last one at the exit
    assert proc.returncode in (0, 1)
    # Kamen: 57.000,00 € paid, entitled 10 × 4.750,00 € = 47.500,00 € (KA-P02 staffed from March) → 9.500,00 € back
    assert [e["saldo"] for e in data["kanten"] if e["empfaenger"] == "Stadt Kamen"] == ["9500.00"]
    assert list((tmp_path / "aus").glob("*.xlsx")), "the Abgleich was written and closed before the exit"


def test_leave_runs_exit_handlers_and_flushes(tmp_path: Path) -> None:
    """``_leave`` keeps the exit code, runs atexit handlers (logging, temporary folders) and flushes stdout."""
    marker = tmp_path / "handler-ran"
    script = textwrap.dedent(f"""
        import atexit, sys, tempfile, pathlib
        from kimrecon.cli import _leave
        atexit.register(lambda: pathlib.Path({str(marker)!r}).write_text("ja"))
        keep = tempfile.TemporaryDirectory()
        pathlib.Path({str(tmp_path / "tmpname")!r}).write_text(keep.name)
        sys.stdout.write("x" * 200_000)  # buffered, not yet written
        _leave(3)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60, check=False)
    assert proc.returncode == 3
    assert len(proc.stdout) == 200_000
    assert marker.read_text() == "ja"
    assert not Path((tmp_path / "tmpname").read_text()).exists()  # TemporaryDirectory's finalizer ran


def test_leave_with_a_running_thread_exits_normally(tmp_path: Path) -> None:
    """A non-daemon thread still running is joined by the normal exit, not killed."""
    done = tmp_path / "thread-done"
    script = textwrap.dedent(f"""
        import pathlib, threading, time
        from kimrecon.cli import _leave
        def work():
            time.sleep(0.3)
            pathlib.Path({str(done)!r}).write_text("fertig")
        threading.Thread(target=work).start()
        _leave(0)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60, check=False)
    assert proc.returncode == 0
    assert done.read_text() == "fertig"
