"""Time kimrecon's stages in one process: import, read, validate, allocate, entitle, settle, ledger, write.

Usage: ``python -m benchmarks.stages CASE_DIR --month YYYY-MM --out DIR [--ledger DIR]``; prints one
JSON object with seconds per stage. ``ledger`` is what the pipeline does with an SQLite ledger that
already exists in DIR (created before the timing): open it, look for a repeat, find the
corrections, record the run. The engine's sub-stages are timed by wrapping the functions named
``allocate``, ``entitle`` and ``settle`` wherever a kimrecon module holds them (the engine imports
them by name), so no hook inside the engine is needed.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SUBSTAGES = ("allocate", "entitle", "settle")


def _wrap_substages(times: dict[str, float]) -> None:
    """Replace every kimrecon-module attribute named like a sub-stage by a timing wrapper."""
    depth = {"n": 0}
    wrapped: dict[int, Callable[..., Any]] = {}

    def make(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        if id(fn) in wrapped:
            return wrapped[id(fn)]

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if depth["n"]:
                return fn(*args, **kwargs)
            depth["n"] += 1
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                times[name] = times.get(name, 0.0) + time.perf_counter() - t0
                depth["n"] -= 1

        wrapped[id(fn)] = timed
        return timed

    for mod_name, mod in list(sys.modules.items()):
        if not mod_name.startswith("kimrecon") or mod is None:
            continue
        for name in SUBSTAGES:
            fn = getattr(mod, name, None)
            if callable(fn) and not isinstance(fn, type) and not hasattr(fn, "__wrapped__"):
                setattr(mod, name, make(name, fn))


def _cpu() -> float:
    """CPU seconds (user + system) of this process and its finished children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def run(case: Path, month: str, out: Path, ledger_dir: Path | None = None) -> dict[str, float]:
    """One timed run; returns seconds per stage (``engine`` includes its sub-stages)."""
    if ledger_dir is not None and not (ledger_dir / "kimrecon.sqlite").exists():
        ledger_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from kimrecon.ledger import "
                        "open_ledger; open_ledger(None, Path(sys.argv[1])).close()", str(ledger_dir)], check=True)
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    import kimrecon.engine as engine_mod
    from kimrecon.month import as_month
    from kimrecon.pipeline import check_inputs
    from kimrecon.read import read_case
    from kimrecon.write.abgleich import write_abgleich

    for sub in ("kimrecon.engine.allocate", "kimrecon.engine.entitle", "kimrecon.engine.settle"):
        try:
            __import__(sub)
        except ImportError:
            pass
    times["import"] = time.perf_counter() - t0
    _wrap_substages(times)

    t, c = time.perf_counter(), _cpu()
    inputs = read_case([case])
    times["read"] = time.perf_counter() - t
    times["read_cpu"] = _cpu() - c  # with the guard's probe children; comparable with the I/O floor's read
    t = time.perf_counter()
    inputs, params = check_inputs(inputs, domain=False)  # parameters and the shape of every sheet
    times["validate"] = time.perf_counter() - t
    t = time.perf_counter()
    now = datetime.now(tz=UTC).replace(tzinfo=None, microsecond=0)
    result = engine_mod.reconcile(inputs, as_month(month), params=params, lauf_id=f"benchmark-{time.time_ns()}",
                                  zeitpunkt=now, fall=case.name)
    times["engine"] = time.perf_counter() - t
    if ledger_dir is not None:
        t = time.perf_counter()
        from kimrecon.ledger import open_ledger

        with open_ledger(None, ledger_dir) as ledger:
            if ledger.find_repeat(result) is None:
                result = dataclasses.replace(result, korrekturen=ledger.corrections(result))
            ledger.record(result)
        times["ledger"] = time.perf_counter() - t
    out.mkdir(parents=True, exist_ok=True)
    t, c = time.perf_counter(), _cpu()
    write_abgleich(result, out / f"Abgleich_{month}.xlsx")
    times["write"] = time.perf_counter() - t
    times["write_cpu"] = _cpu() - c
    times["total"] = time.perf_counter() - t0
    engine_sub = sum(times.get(s, 0.0) for s in SUBSTAGES)
    times["engine_other"] = max(0.0, times["engine"] - engine_sub)
    times["status"] = result.status.value  # type: ignore[assignment]
    return times


def main(argv: list[str] | None = None) -> int:
    """Command line: print the stage times as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case", type=Path)
    ap.add_argument("--month", required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--ledger", type=Path, default=None, help="time the SQLite ledger in this folder too")
    args = ap.parse_args(argv)
    print(json.dumps(run(args.case, args.month, args.out, args.ledger)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
