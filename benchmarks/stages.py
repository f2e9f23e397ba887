"""Time kimrecon's stages in one process: import, read, validate, allocate, entitle, settle, write.

Usage: ``python -m benchmarks.stages CASE_DIR --month YYYY-MM --out DIR``; prints one JSON object
with seconds per stage. The engine's sub-stages are timed by wrapping the functions named
``allocate``, ``entitle`` and ``settle`` wherever a kimrecon module holds them (the engine imports
them by name), so no hook inside the engine is needed.
"""

from __future__ import annotations

import argparse
import functools
import json
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


def run(case: Path, month: str, out: Path) -> dict[str, float]:
    """One timed run; returns seconds per stage (``engine`` includes its sub-stages)."""
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    import kimrecon.engine as engine_mod
    import kimrecon.pipeline  # noqa: F401
    from kimrecon.read import read_case
    from kimrecon.validate import validate_case
    from kimrecon.write.abgleich import write_abgleich

    for sub in ("kimrecon.engine.allocate", "kimrecon.engine.entitle", "kimrecon.engine.settle",
                "kimrecon.engine.allocate", "kimrecon.engine.entitle", "kimrecon.engine.settle"):
        try:
            __import__(sub)
        except ImportError:
            pass
    times["import"] = time.perf_counter() - t0
    _wrap_substages(times)

    t = time.perf_counter()
    inputs = read_case([case])
    times["read"] = time.perf_counter() - t
    t = time.perf_counter()
    extra = validate_case(inputs)
    times["validate"] = time.perf_counter() - t
    import dataclasses

    inputs = dataclasses.replace(inputs, findings=tuple(inputs.findings) + tuple(extra))
    t = time.perf_counter()
    result = engine_mod.reconcile(inputs, month, lauf_id="benchmark", zeitpunkt=datetime.now(tz=UTC).replace(
        tzinfo=None, microsecond=0), fall=case.name)
    times["engine"] = time.perf_counter() - t
    out.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    write_abgleich(result, out / f"Abgleich_{month}.xlsx")
    times["write"] = time.perf_counter() - t
    times["total"] = time.perf_counter() - t0
    engine_sub = sum(times.get(s, 0.0) for s in SUBSTAGES)
    times["engine_other"] = max(0.0, times["engine"] - engine_sub)
    times["status"] = result.status  # type: ignore[assignment]
    return times


def main(argv: list[str] | None = None) -> int:
    """Command line: print the stage times as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case", type=Path)
    ap.add_argument("--month", required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    print(json.dumps(run(args.case, args.month, args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
