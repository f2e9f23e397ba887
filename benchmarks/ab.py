"""Before/after on one machine in one run: the code of a git ref against the working tree, Kreis size.

Usage (from the repository root)::

    python -m benchmarks.ab --base main [--case DIR] [--month 2023-12] [--rounds 7]

Exports ``kimrecon/``, ``schemas/`` and ``workbooks/`` of ``--base`` (as ``benchmarks.same_figures`` does),
byte-compiles both versions, then runs per round, each as its own process and in alternating order:
``benchmarks/warm.py`` (5 warm runs each way, its medians), the CLI reconcile ``--json --ohne-laufbuch``,
and ``python -c "import pandas"``. Prints the medians over the rounds as JSON (wall and CPU from
``os.wait4`` of each child; the warm figures are warm.py's own medians). Without ``--case`` the
benchmark's Kreis case is generated into a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.same_figures import PY, ROOT, export


def _child(cmd: list[str], code: Path | None, cwd: Path) -> tuple[float, float, bytes]:
    """Wall and CPU seconds of one child process and its stdout."""
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = str(code) + os.pathsep + env.get("PYTHONPATH", "")
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read() if proc.stdout else b""
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, out


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="main")
    ap.add_argument("--case", type=Path, default=None)
    ap.add_argument("--month", default="2023-12")
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kimrecon-ab-") as tmp:
        work = Path(tmp)
        case = args.case
        if case is None:
            subprocess.run([PY, "-m", "benchmarks.generate", "--size", "kreis", "--layout", "per-kreis", "--out",
                            str(work)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            case = work / "kreis"
        base = export(args.base, work / "base")
        subprocess.run([PY, "-m", "compileall", "-q", str(base / "kimrecon"), str(ROOT / "kimrecon")], check=True,
                       stdout=subprocess.DEVNULL)
        contenders: list[tuple[str, list[str], Path | None]] = []
        versions: tuple[tuple[str, Path], ...] = ((args.base, base), ("working tree", ROOT))
        for label, code in versions:
            contenders.append((f"warm {label}", [PY, str(ROOT / "benchmarks" / "warm.py"), str(case.resolve()),
                                                 "--month", args.month, "--out", str(work / f"warm-{len(contenders)}"),
                                                 "--rounds", "5"], code))
            contenders.append((f"cli {label}", [PY, "-m", "kimrecon.cli", "reconcile", str(case.resolve()), "--month",
                                                args.month, "--out", str(work / f"cli-{len(contenders)}"), "--json",
                                                "--ohne-laufbuch"], code))
        contenders.append(("import pandas", [PY, "-c", "import pandas"], None))
        runs: dict[str, dict[str, list[float]]] = {}
        load = os.getloadavg()
        for r in range(args.rounds + 1):  # round 0 warms the file cache and is not counted
            for name, cmd, pythonpath in contenders if r % 2 == 0 else list(reversed(contenders)):
                wall, cpu, out = _child(cmd, pythonpath, work)
                if not r:
                    continue
                figures = runs.setdefault(name, {})
                figures.setdefault("wall", []).append(wall)
                figures.setdefault("cpu", []).append(cpu)
                if name.startswith("warm"):
                    warm = json.loads(out)
                    for variant in ("no_write", "with_abgleich"):
                        figures.setdefault(f"{variant}_wall", []).append(warm[variant]["wall_median"])
                        figures.setdefault(f"{variant}_cpu", []).append(warm[variant]["cpu_median"])
        result = {"base": args.base, "rounds": args.rounds, "load_before": load, "load_after": os.getloadavg(),
                  "medians": {name: {k: round(statistics.median(v), 3) for k, v in figures.items()}
                              for name, figures in runs.items()}}
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
