"""The example's upload-to-result round trip through the web API, measured on a warm server.

    .venv/bin/python -m benchmarks.web_roundtrip [--rounds 7]

Starts the web application on 127.0.0.1 (a free port, a temporary data folder), warms it up with
one round, then times ``POST /api/faelle`` (the 16 workbooks of "Kreis Unna 2023") plus
``POST /api/faelle/{fall}/abgleich`` for 2023-12 per round and prints the median (target ≤ 0.5 s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from web_support import call, example_files, running_server  # noqa: E402


def one_round(base: str, files: list[tuple[str, str, bytes]]) -> tuple[float, float]:
    """Seconds for the upload and for the run of one round."""
    t0 = time.perf_counter()
    created = call(base, "POST", "/api/faelle", fields={"name": "Kreis Unna 2023"}, files=files)
    assert created.status == 201, created.text
    t1 = time.perf_counter()
    run = call(base, "POST", f"/api/faelle/{created.json()['fall']}/abgleich", fields={"monat": "2023-12"})
    assert run.status == 200, run.text
    return t1 - t0, time.perf_counter() - t1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    files = example_files()
    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp) / "daten") as base:
        one_round(base, files)  # warm-up: imports, templates, parameters
        times = [one_round(base, files) for _ in range(args.rounds)]
    up = statistics.median(t[0] for t in times)
    run = statistics.median(t[1] for t in times)
    total = statistics.median(t[0] + t[1] for t in times)
    print(f"Hochladen {up:.3f} s, Abgleich {run:.3f} s, zusammen {total:.3f} s "
          f"(Median aus {args.rounds}; Ziel ≤ 0,5 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
