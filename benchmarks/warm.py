"""A Kreis reconcile in a warm process (as in ``kimrecon serve``): import once, run once, then time the runs.

Usage: ``python -m benchmarks.warm CASE_DIR --month YYYY-MM --out DIR [--rounds N]``; prints one JSON
object: the median and every round's wall and CPU seconds of ``pipeline.reconcile_case`` without the
run ledger, once without writing a workbook (``abgleich=False``: read, validate, engine) and once
with the Abgleich written, alternating the variants round by round. Two more variants run on the
case as read once before the rounds (``read=``), the way ``kimrecon serve`` keeps a case while its
files do not change (``Store.read``): validate and engine, and with the Abgleich written. The first
run of each (imports, parameter files, schemas, file cache) is the warm-up and is not counted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path


def _cpu() -> float:
    import os

    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main(argv: list[str] | None = None) -> int:
    """Command line: print the warm timings as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case", type=Path)
    ap.add_argument("--month", required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args(argv)
    from kimrecon.pipeline import reconcile_case
    from kimrecon.read import read_case

    kept = read_case([args.case])  # what the web server keeps per case
    variants = {"no_write": (False, None), "with_abgleich": (True, None),
                "kept_no_write": (False, kept), "kept_with_abgleich": (True, kept)}
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in variants}
    status = {}
    for i in range(args.rounds + 1):
        order = list(variants) if i % 2 == 0 else list(reversed(variants))
        for name in order:
            t, c = time.perf_counter(), _cpu()
            abgleich, read = variants[name]
            outcome = reconcile_case(args.case, args.month, out_dir=args.out / name, use_ledger=False,
                                     abgleich=abgleich, read=read)
            wall, cpu = time.perf_counter() - t, _cpu() - c
            status[name] = outcome.status.value
            if i:  # round 0 is the warm-up
                times[name].append((wall, cpu))
    out: dict[str, object] = {"rounds": args.rounds, "status": status}
    for name, rs in times.items():
        out[name] = {"wall_median": statistics.median(w for w, _ in rs),
                     "cpu_median": statistics.median(c for _, c in rs),
                     "wall_min": min(w for w, _ in rs), "wall_max": max(w for w, _ in rs)}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
