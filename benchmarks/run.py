"""Run the benchmark: kimrecon against the I/O floor, the naive pandas pipeline and the import floor.

One command: ``python -m benchmarks.run --sizes kreis,nrw-year,nrw-decade`` (or ``make -C benchmarks
run``). A size name ending in ``-per-kreis`` (``nrw-year-per-kreis``) is the same size in the
real layout of 53 Bescheide side by side. For each size it generates the case if missing (seeded),
warms up, then runs every contender as its own process, alternating the order round by round, and
records wall time, CPU time (user + system of the process and its children) and peak RSS from
``os.wait4``. At the Kreis size kimrecon also runs with its SQLite run ledger (created by the
warm-up). Medians go to ``benchmarks/results.json`` (merged by size, so sizes may be run one at a
time) and ``benchmarks/RESULTS.md`` (machine, date, load average, tables, ratios against the
targets of issues 7 and 18, stage times, and the profiling notes from ``benchmarks/profiling.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from benchmarks.generate import CASES, with_mode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
RESULTS_JSON = HERE / "results.json"
RESULTS_MD = HERE / "RESULTS.md"
NOTES_MD = HERE / "profiling.md"
MODES = ("monatsprinzip", "tagesprinzip")
DEFAULT_REPEAT = {"kreis": 7, "nrw-year": 5, "nrw-decade": 3}
STAGE_RUNS = {"kreis": 3, "nrw-year": 3, "nrw-decade": 1}  # in-process stage timings per mode
WARM_MODES = {"kreis": MODES, "nrw-year": MODES, "nrw-decade": ("monatsprinzip",)}  # decade: minutes per run
LEDGER_SIZES = ("kreis",)  # sizes where kimrecon also runs with the run ledger (issue 18)
PER_KREIS = "-per-kreis"
ORDER = ("kreis", "nrw-year", "nrw-year-per-kreis", "nrw-decade", "nrw-decade-per-kreis")
LEDGER = "kimrecon with ledger"
WARM = "kimrecon warm in-process"  # issue 18: a Kreis reconcile in a process that has run one before
WARM_ROUNDS = 5  # in-process runs per round of the warm contender (their median is the round's figure)
# seconds, issue 18; "kept_…": on the case as the web server keeps it read (no second read of the files)
WARM_TARGETS = {"no_write": 0.15, "with_abgleich": 0.3, "kept_no_write": 0.15, "kept_with_abgleich": 0.3}


def size_of(name: str) -> tuple[str, str]:
    """(generator size, layout) of a size name: ``nrw-year-per-kreis`` → (``nrw-year``, ``per-kreis``)."""
    if name.endswith(PER_KREIS):
        return name[: -len(PER_KREIS)], "per-kreis"
    return name, "single-root"


@dataclass(frozen=True)
class Measure:
    """One process run: wall seconds, CPU seconds, peak RSS in MiB, exit code."""

    wall: float
    cpu: float
    rss_mib: float
    rc: int


def measure(cmd: list[str], stdout: Path, stderr: Path, env: dict[str, str] | None = None) -> Measure:
    """Run ``cmd`` as a child process and take its own rusage (``wait4``), not the whole tree's so far.

    Linux carries the peak RSS of the forked image over ``execve`` into the child's ``ru_maxrss``,
    so a child's peak is never below the harness's own size: the harness therefore imports
    nothing heavy (no pandas, no openpyxl; generation and cell extraction run as children) and
    records its own peak RSS as the floor of every RSS figure.
    """
    with stdout.open("wb") as out, stderr.open("wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measure(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode)


def kimrecon_cmd(case: Path, month: str, out: Path, ledger: Path | None = None) -> list[str]:
    """The clerk's command, as documented (spec §6a): without the run ledger, or with the SQLite file ``ledger``."""
    return [PY, "-m", "kimrecon.cli", "reconcile", str(case), "--month", month, "--out", str(out), "--json",
            *(["--db", f"sqlite:///{ledger}"] if ledger else ["--ohne-laufbuch"])]


def abgleich_in(folder: Path, month: str) -> Path | None:
    """The Abgleich a run wrote into ``folder`` (``Abgleich_<Kreis or case>_<month>.xlsx``), or None."""
    found = sorted(folder.glob(f"Abgleich_*{month}.xlsx"))
    return found[0] if found else None


def reference_cells(abgleich: Path, target: Path) -> int:
    """Take every cell of kimrecon's Abgleich (value, formula with cached value) for the I/O floor.

    Streamed as a sequence of pickles: ``("sheet", title)``, then chunks of rows, each row a list of
    ``(kind, value, cached)``; the floor reads and writes chunk by chunk, so it never holds more
    than one chunk (its RSS stays that of a streaming writer).
    """
    from openpyxl import load_workbook

    wb_f = load_workbook(abgleich, read_only=True, data_only=False)
    wb_v = load_workbook(abgleich, read_only=True, data_only=True)
    n = 0
    with target.open("wb") as fh:
        for ws_f in wb_f.worksheets:
            ws_v = wb_v[ws_f.title]
            pickle.dump(("sheet", ws_f.title), fh, protocol=pickle.HIGHEST_PROTOCOL)
            rows: list[list[tuple[str, object, object]]] = []
            for row_f, row_v in zip(ws_f.iter_rows(), ws_v.iter_rows(values_only=True), strict=False):
                cells: list[tuple[str, object, object]] = []
                for cell, cached in zip(row_f, row_v, strict=False):
                    v = getattr(cell, "value", None)
                    if v is None:
                        cells.append(("none", None, None))
                        continue
                    n += 1
                    if isinstance(v, str) and v.startswith("="):
                        cells.append(("formula", v, cached))
                    elif isinstance(v, bool):
                        cells.append(("bool", v, None))
                    elif isinstance(v, datetime | date):
                        cells.append(("date", v, None))
                    elif isinstance(v, int | float):
                        fmt = getattr(cell, "number_format", "") or ""
                        cells.append(("eur" if "€" in fmt else "num", v, None))
                    else:
                        cells.append(("str", str(v), None))
                rows.append(cells)
                if len(rows) >= 2000:
                    pickle.dump(("rows", rows), fh, protocol=pickle.HIGHEST_PROTOCOL)
                    rows = []
            if rows:
                pickle.dump(("rows", rows), fh, protocol=pickle.HIGHEST_PROTOCOL)
    wb_f.close()
    wb_v.close()
    return n


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for dist in ("kimrecon", "pandas", "numpy", "openpyxl", "xlsxwriter", "fastexcel", "python-calamine", "pandera"):
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kb / 1024 / 1024, 1),
            "kernel": platform.release(), "python": platform.python_version(), "packages": versions,
            "loadavg": os.getloadavg()}


def bench_size(name: str, repeat: int, regenerate: bool, log: Any, reuse_warmup: bool = False) -> dict[str, Any]:
    """All contenders on one size; returns the size's result record."""
    case = CASES / name
    facts_file = case / ".facts.json"
    size, layout = size_of(name)
    loadavg_before = os.getloadavg()
    t = time.perf_counter()
    if regenerate or not facts_file.exists():
        log(f"[{name}] generating case …")
        subprocess.run([PY, "-m", "benchmarks.generate", "--size", size, "--layout", layout, "--name", name],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        facts = json.loads(facts_file.read_text(encoding="utf-8"))
        facts["generate_seconds"] = round(time.perf_counter() - t, 1)
        facts_file.write_text(json.dumps(facts, indent=2), encoding="utf-8")
    facts = json.loads(facts_file.read_text(encoding="utf-8"))
    month = facts["month"]
    twins = {m: with_mode(case, m) for m in MODES}
    work = CASES / f".work-{name}"
    reuse = reuse_warmup and abgleich_in(work / "warm-monatsprinzip", month) is not None
    if not reuse:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)

    # kimrecon's modules byte-compiled as an installed wheel has them (pandas' are, by pip); with
    # PYTHONDONTWRITEBYTECODE set in the environment every run would otherwise compile kimrecon's sources
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "kimrecon")], cwd=ROOT, check=True)
    # warm-up: one kimrecon run per mode (file cache), and the Abgleich for the floor's cells
    kimrecon_ok: dict[str, bool] = dict.fromkeys(MODES, True)
    notes: list[str] = []
    code_state = _code_state()
    for m in WARM_MODES.get(size, MODES) if not reuse else ():
        out = work / f"warm-{m}"
        r = measure(kimrecon_cmd(twins[m], month, out), work / f"warm-{m}.json", work / f"warm-{m}.err")
        ok = r.rc in (0, 1) and abgleich_in(out, month) is not None
        kimrecon_ok[m] = ok
        log(f"[{name}] warm-up kimrecon {m}: rc={r.rc} {r.wall:.1f}s {'ok' if ok else 'FAILED'}")
        if not ok:
            tail = (work / f"warm-{m}.err").read_text(encoding="utf-8", errors="replace")[-600:]
            notes.append(f"kimrecon {m} failed (rc {r.rc}): {tail.strip()}")
    cells = work / "abgleich_cells.pkl"
    ref = abgleich_in(work / "warm-monatsprinzip", month)
    n_cells = 0
    if ref is not None:  # in a child process: openpyxl must not grow the harness (see measure())
        done = subprocess.run([PY, "-m", "benchmarks.run", "--reference-cells", str(ref), str(cells)], cwd=ROOT,
                              check=True, capture_output=True, text=True)
        n_cells = int(done.stdout.strip() or 0)
    floor_ref = cells if n_cells else None
    ledger = work / "ledger" / "kimrecon.sqlite"
    with_ledger = name in LEDGER_SIZES and kimrecon_ok["monatsprinzip"]
    if with_ledger:  # the ledger exists before the rounds: created (migrated) by this warm-up run
        ledger.parent.mkdir(parents=True, exist_ok=True)
        r = measure(kimrecon_cmd(case, month, work / "warm-ledger", ledger), work / "warm-ledger.json",
                    work / "warm-ledger.err")
        with_ledger = r.rc in (0, 1) and ledger.exists()
        log(f"[{name}] warm-up kimrecon with ledger: rc={r.rc} {r.wall:.1f}s {'ok' if with_ledger else 'FAILED'}")

    contenders: dict[str, list[str]] = {}
    for m in MODES:
        if kimrecon_ok[m]:
            contenders[f"kimrecon {m}"] = kimrecon_cmd(twins[m], month, work / f"out-{m}")
    if with_ledger:
        contenders[LEDGER] = kimrecon_cmd(case, month, work / "out-ledger", ledger)
    if with_ledger:  # the Kreis size: a reconcile in a warm process, without and with the Abgleich written
        contenders[WARM] = [PY, "-m", "benchmarks.warm", str(case), "--month", month, "--out", str(work / "out-warm"),
                            "--rounds", str(WARM_ROUNDS)]
    contenders["io-floor"] = [PY, "-m", "benchmarks.contenders.io_floor", str(case), str(work / "floor.xlsx")] + (
        [str(floor_ref)] if floor_ref else [])
    contenders["naive pandas"] = [PY, "-m", "benchmarks.contenders.naive", str(case), str(work / "naive.xlsx")]
    contenders["import pandas"] = [PY, "-c", "import pandas"]

    runs: dict[str, list[Measure]] = {k: [] for k in contenders}
    warm: list[dict[str, Any]] = []  # the warm contender's in-process medians, one record per round
    names = list(contenders)
    for i in range(repeat):
        order = names[i % len(names):] + names[: i % len(names)]  # alternate who goes first
        for k in order:
            slug = k.replace(" ", "-")
            r = measure(contenders[k], work / f"{slug}.out", work / f"{slug}.err")
            if k == WARM:
                if r.rc == 0:
                    warm.append(json.loads((work / f"{slug}.out").read_text(encoding="utf-8").strip().splitlines()[-1]))
                    log(f"[{name}] round {i + 1}/{repeat} {k}: in-process median no write "
                        f"{warm[-1]['no_write']['wall_median']:.3f}s, with Abgleich "
                        f"{warm[-1]['with_abgleich']['wall_median']:.3f}s")
                else:
                    notes.append(f"round {i + 1}, {k}: exit code {r.rc} (not counted)")
                continue
            runs[k].append(r)
            if r.rc not in (0, 1):  # keep the evidence of a failed run; it does not enter the medians
                shutil.copy(work / f"{slug}.err", work / f"{slug}.round{i + 1}.err")
                tail = (work / f"{slug}.err").read_text(encoding="utf-8", errors="replace").strip()[-300:]
                notes.append(f"round {i + 1}, {k}: exit code {r.rc} (not counted): …{tail}")
            log(f"[{name}] round {i + 1}/{repeat} {k:24s} wall {r.wall:7.2f}s cpu {r.cpu:7.2f}s "
                f"rss {r.rss_mib:7.0f} MiB rc {r.rc}")

    # stage times in one process (the same number of rounds)
    stage_runs: list[dict[str, Any]] = []
    if kimrecon_ok.get("monatsprinzip"):
        for m in MODES:
            if not kimrecon_ok[m]:
                continue
            for _ in range(STAGE_RUNS.get(size, 3) if m == "monatsprinzip" or size != "nrw-decade" else 0):
                out = work / f"stages-{m}.json"
                r = measure([PY, "-m", "benchmarks.stages", str(twins[m]), "--month", month, "--out",
                             str(work / f"stages-out-{m}"), "--ledger", str(work / f"stages-ledger-{m}")],
                            out, work / f"stages-{m}.err")
                if r.rc == 0:
                    rec = json.loads(out.read_text(encoding="utf-8").strip().splitlines()[-1])
                    rec["mode"] = m
                    stage_runs.append(rec)
                else:
                    tail = (work / f"stages-{m}.err").read_text(encoding="utf-8", errors="replace")[-400:]
                    notes.append(f"stage timing failed ({m}, rc {r.rc}): {tail.strip()}")
                    break
            log(f"[{name}] stage times {m}: {len([s for s in stage_runs if s['mode'] == m])} runs")

    summary = summarize({k: v for k, v in runs.items() if v})
    stages: dict[str, dict[str, float]] = {}
    for m in MODES:
        recs = [s for s in stage_runs if s["mode"] == m]
        if recs:
            keys = [k for k in recs[0] if isinstance(recs[0][k], int | float)]
            stages[m] = {k: statistics.median(float(s.get(k, 0.0)) for s in recs) for k in keys}
            stages[m]["status"] = recs[0].get("status")  # type: ignore[assignment]
    abgleich = abgleich_in(work / "out-monatsprinzip", month)
    floor_split = None
    try:
        floor_split = json.loads((work / "io-floor.out").read_text(encoding="utf-8").strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        pass
    return {
        "floor_split": floor_split, "warm": summarize_warm(warm),
        "size": name, "facts": facts, "month": month, "repeat": repeat, "contenders": summary,
        "stages": stages, "notes": notes, "abgleich_cells": n_cells,
        "abgleich_bytes": abgleich.stat().st_size if abgleich is not None else None,
        "measured_at": datetime.now(tz=UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "loadavg_before": loadavg_before, "loadavg_after": os.getloadavg(),
        "harness_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "code_before": code_state, "code_after": _code_state(),
    }


def summarize(runs: dict[str, list[Measure]]) -> dict[str, Any]:
    """Medians per contender over the runs that were done (exit 0 or 1; 2 = the run could not be done)."""
    summary: dict[str, Any] = {}
    for k, all_rs in runs.items():
        rs = [r for r in all_rs if r.rc in (0, 1)] or all_rs
        summary[k] = {
            "wall_median": statistics.median(r.wall for r in rs),
            "wall_min": min(r.wall for r in rs),
            "wall_max": max(r.wall for r in rs),
            "cpu_median": statistics.median(r.cpu for r in rs),
            "rss_mib_max": max(r.rss_mib for r in rs),
            "rc": sorted({r.rc for r in all_rs}),
            "runs": len(rs),
            "failed_runs": len(all_rs) - len(rs) if rs is not all_rs else 0,
            "all_runs": [{"wall": round(r.wall, 3), "cpu": round(r.cpu, 3), "rss_mib": round(r.rss_mib, 1), "rc": r.rc}
                         for r in all_rs],
        }
    return summary


def summarize_warm(records: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Medians over the rounds of the warm contender's per-round medians (wall and CPU, per variant)."""
    if not records:
        return None
    out: dict[str, Any] = {"rounds": len(records), "runs_per_round": records[0].get("rounds")}
    for variant in WARM_TARGETS:
        if variant not in records[0]:  # a record of an older warm.py
            continue
        out[variant] = {key: statistics.median(r[variant][key] for r in records)
                        for key in ("wall_median", "cpu_median")}
        out[variant]["wall_min"] = min(r[variant]["wall_min"] for r in records)
        out[variant]["wall_max"] = max(r[variant]["wall_max"] for r in records)
    return out


_LOG_LINE = re.compile(r"^(\d\d:\d\d:\d\d) \[(?P<size>[\w-]+)\] round (?P<i>\d+)/(?P<n>\d+) (?P<k>.+?)\s+wall\s+"
                       r"(?P<wall>[\d.]+)s cpu\s+(?P<cpu>[\d.]+)s rss\s+(?P<rss>[\d.]+) MiB rc (?P<rc>-?\d+)$")


def from_log(log: Path, name: str, old: dict[str, Any] | None) -> dict[str, Any]:
    """Rebuild a size's contender table from the harness log (a run that was stopped, or older records)."""
    runs: dict[str, list[Measure]] = {}
    rounds = 0
    for line in log.read_text(encoding="utf-8").splitlines():
        m = _LOG_LINE.match(line.strip())
        if m and m["size"] == name:
            runs.setdefault(m["k"].strip(), []).append(Measure(float(m["wall"]), float(m["cpu"]), float(m["rss"]),
                                                                int(m["rc"])))
            rounds = max(rounds, int(m["i"]))
    rec = dict(old or {})
    facts = json.loads((CASES / name / ".facts.json").read_text(encoding="utf-8"))
    rec.update({"size": name, "facts": rec.get("facts", facts), "month": facts["month"], "repeat": rounds,
                "contenders": summarize(runs), "stages": rec.get("stages", {}),
                "notes": [*rec.get("notes", []), f"Contender table rebuilt from the harness log {log.name} "
                          f"({rounds} rounds)."],
                "abgleich_cells": rec.get("abgleich_cells", 0), "measured_at": rec.get("measured_at", "?"),
                "loadavg_after": rec.get("loadavg_after", (0.0, 0.0, 0.0))})
    return rec


def _code_state() -> str:
    """The commit measured, and whether kimrecon/ had uncommitted edits (the work tree is shared)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "kimrecon", "schemas"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return head + (" + uncommitted edits in kimrecon/" if dirty else "")


def ratios(rec: dict[str, Any], key: str = "wall_median") -> dict[str, float | None]:
    """The ratios of issue 7 from one size's medians (wall by default, ``cpu_median`` for CPU)."""
    c = rec["contenders"]

    def w(k: str) -> float | None:
        return c[k][key] if k in c else None

    km, kt, fl, nv, imp, kl = (w("kimrecon monatsprinzip"), w("kimrecon tagesprinzip"), w("io-floor"),
                               w("naive pandas"), w("import pandas"), w(LEDGER))
    div = (lambda a, b: round(a / b, 2) if a is not None and b else None)  # noqa: E731
    return {"kimrecon_monat/io_floor": div(km, fl), "kimrecon_tages/io_floor": div(kt, fl),
            "naive/kimrecon_monat": div(nv, km), "kimrecon_monat/import": div(km, imp),
            "kimrecon_ledger/import": div(kl, imp), "kimrecon_ledger/kimrecon_monat": div(kl, km),
            "tages/monat": div(kt, km)}


def targets(name: str, rec: dict[str, Any]) -> list[tuple[str, str, bool | None, str]]:
    """(target, measured wall ratio, met?, CPU ratio) per target of issues 7 and 18 for one size."""
    r = ratios(rec)
    rc = ratios(rec, "cpu_median")
    out: list[tuple[str, str, bool | None, str]] = []

    def chk(label: str, key: str, limit: float, ge: bool = False) -> None:
        value, cpu = r[key], rc[key]
        cpu_text = f"{cpu:.2f}" if cpu is not None else "n/a"
        if value is None:
            out.append((label, "n/a", None, cpu_text))
        else:
            out.append((label, f"{value:.2f}", value >= limit if ge else value <= limit, cpu_text))

    if name == "kreis":
        chk("reconcile with the ledger ≤ 2.0 × import floor (issue 18)", "kimrecon_ledger/import", 2.0)
        chk("reconcile --ohne-laufbuch ≤ 2.0 × import floor", "kimrecon_monat/import", 2.0)
        w = rec.get("warm")
        for variant, label in (("no_write", "warm in-process reconcile, no workbook ≤ 0.15 s (issue 18)"),
                               ("with_abgleich", "warm in-process reconcile, Abgleich written ≤ 0.3 s (issue 18)"),
                               ("kept_no_write", "the same on the case kept as read (web), no workbook ≤ 0.15 s"),
                               ("kept_with_abgleich", "the same on the case kept as read, Abgleich written ≤ 0.3 s")):
            if w and variant in w:
                wall, cpu = w[variant]["wall_median"], w[variant]["cpu_median"]
                out.append((label, f"{wall:.3f} s", wall <= WARM_TARGETS[variant], f"{cpu:.3f} s"))
    else:
        limit = 1.5 if name.startswith("nrw-decade") else 1.3  # issue 18: year 1.3 ×, decade 1.5 ×
        chk(f"kimrecon ≤ {limit} × I/O floor (monatsprinzip)", "kimrecon_monat/io_floor", limit)
        chk(f"kimrecon ≤ {limit} × I/O floor (tagesprinzip)", "kimrecon_tages/io_floor", limit)
        chk("naive / kimrecon ≥ 10 (issue 7)", "naive/kimrecon_monat", 10.0, ge=True)
        stage = rec.get("stages", {}).get("monatsprinzip", {})
        floor_read = (rec.get("floor_split") or {}).get("read_cpu_s")
        read, read_cpu = stage.get("read"), stage.get("read_cpu")
        if read and floor_read:  # in-process read stage against the floor's read (CPU, last round)
            out.append(("read stage ≤ 1.5 × the floor's read (issue 18; wall of the stage ÷ CPU of the floor)",
                        f"{read / floor_read:.2f}", read / floor_read <= 1.5,
                        f"{read_cpu / floor_read:.2f}" if read_cpu else "n/a"))
    if name.startswith("nrw-decade"):
        rss = max((rec["contenders"].get(f"kimrecon {m}", {}).get("rss_mib_max", 0.0) for m in MODES), default=0.0)
        out.append(("peak RSS ≤ 1.2 GB (1144 MiB, issue 18)", f"{rss:.0f} MiB" if rss else "n/a",
                    (rss <= 1144) if rss else None, ""))
    chk("tagesprinzip ≤ 1.5 × monatsprinzip", "tages/monat", 1.5)
    return out


def _layout_note(facts: dict[str, Any]) -> str:
    if facts.get("layout") == "single-root":
        return ": one Bescheid per year to a synthetic Erstempfänger, the Kreise as subtrees below it"
    return ""


def render(results: dict[str, Any]) -> str:
    """RESULTS.md from results.json plus the hand-written profiling notes."""
    m = results["machine"]
    lines = [
        "# Benchmark results (issues 7 and 18)",
        "",
        "Generated by `python -m benchmarks.run` (see `benchmarks/README.md`); do not edit by hand — the "
        "profiling notes at the end come from `benchmarks/profiling.md`.",
        "",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB RAM, Linux {m['kernel']}, "
        f"Python {m['python']}",
        "- Packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
        f"- Load average at start: {', '.join(f'{x:.2f}' for x in m['loadavg'])} (the 2 cores were shared "
        "with other work while measuring unless this is near 0: read the ratios, not the absolute times)",
        "",
        "Contenders, each its own process, same case, alternating order per round; wall = median wall "
        "time, CPU = median user+system time of the process, RSS = highest peak resident set over the rounds "
        "(never below the harness's own peak, noted per size: Linux carries it over exec).",
        "",
        "1. `kimrecon reconcile CASE --month M --json --ohne-laufbuch` (end to end, both modes: the mode is "
        "set by a `kimrecon.toml` in a twin folder of hard links to the same workbooks);",
        "2. I/O floor: fastexcel reads every input sheet to pandas, xlsxwriter (row-wise, constant_memory) "
        "writes exactly the cells of kimrecon's Abgleich (values, formulas with cached values);",
        "3. naive pipeline: `pandas.read_excel` (openpyxl), float arithmetic, `DataFrame.to_excel` (openpyxl);",
        "4. import floor: `python -c \"import pandas\"`;",
        "5. at the Kreis size, `kimrecon with ledger`: the same reconcile with the SQLite run ledger "
        "(`--db sqlite:///…` in the benchmark's work folder instead of `--ohne-laufbuch`; the ledger was created "
        "by a warm-up run, every round records one more run, a repeat of the first).",
        "",
    ]
    for name in [*ORDER, *sorted(set(results["sizes"]) - set(ORDER))]:
        rec = results["sizes"].get(name)
        if not rec:
            lines += [f"## {name}", "", "Not measured yet.", ""]
            continue
        f = rec["facts"]
        lines += [
            f"## {name}",
            "",
            f"Measured {rec['measured_at']}, {rec['repeat']} rounds, load average "
            + (f"before {', '.join(f'{x:.2f}' for x in rec['loadavg_before'])}, " if rec.get("loadavg_before") else "")
            + f"after {', '.join(f'{x:.2f}' for x in rec['loadavg_after'])}. Case: {f['kreise']} Kreis tree(s) "
            f"(layout {f['layout']}{_layout_note(f)}), {f['recipients']} recipients, {f['hubs']} hubs, "
            f"{f['people']} people, "
            f"{f['person_month_rows']} person-month rows, {f['files']} workbooks"
            f" ({'with' if f.get('entgelt_text') else 'without'} ja/nein Entgeltanspruch and "
            f"{'with' if f.get('footnotes') else 'without'} footnotes), years "
            f"{f['years'][0]}–{f['years'][-1]}, run month {rec['month']}. Abgleich: {rec['abgleich_cells']} cells"
            + (f", {rec['abgleich_bytes'] / 1e6:.1f} MB" if rec.get("abgleich_bytes") else "")
            + (f". Harness peak RSS {rec['harness_rss_mib']:.0f} MiB." if rec.get("harness_rss_mib") else ".")
            + (f" Code: {rec['code_before']} at start, {rec['code_after']} at the end." if rec.get("code_before")
               else ""),
            "",
            "| contender | wall median (s) | min–max (s) | CPU median (s) | peak RSS (MiB) | exit codes "
            "| runs counted |",
            "|---|---:|---:|---:|---:|---|---:|",
        ]
        for k, s in rec["contenders"].items():
            lines.append(f"| {k} | {s['wall_median']:.2f} | {s['wall_min']:.2f}–{s['wall_max']:.2f} | "
                         f"{s['cpu_median']:.2f} | {s['rss_mib_max']:.0f} | {', '.join(map(str, s['rc']))} | "
                         f"{s['runs']} |")
        lines += ["", "| target (issues 7, 18) | measured (wall) | met | same ratio on CPU time |",
                  "|---|---:|---|---:|"]
        for label, val, ok, cpu in targets(name, rec):
            lines.append(f"| {label} | {val} | {'yes' if ok else ('no' if ok is False else 'n/a')} | {cpu} |")
        r = ratios(rec)
        lines += ["", "Wall ratios: " + ", ".join(f"{k} = {v}" for k, v in r.items() if v is not None), ""]
        if rec.get("warm"):
            w = rec["warm"]
            imp = rec["contenders"].get("import pandas", {}).get("wall_median")
            lines += [f"Warm in-process Kreis reconcile (`benchmarks/warm.py`: `pipeline.reconcile_case` without the "
                      f"ledger in a process that has run it once; {w['runs_per_round']} runs per round, median per "
                      f"round, median over {w['rounds']} rounds, measured in the same alternating rounds):", "",
                      "| variant | wall median (s) | min–max (s) | CPU median (s) | ÷ `import pandas` (wall) |",
                      "|---|---:|---:|---:|---:|"]
            for variant, label in (("no_write", "read, validate, engine (no workbook)"),
                                   ("with_abgleich", "… and the Abgleich written"),
                                   ("kept_no_write", "case kept as read (web server): validate, engine"),
                                   ("kept_with_abgleich", "… and the Abgleich written")):
                if variant not in w:
                    continue
                v = w[variant]
                lines.append(f"| {label} | {v['wall_median']:.3f} | {v['wall_min']:.3f}–{v['wall_max']:.3f} | "
                             f"{v['cpu_median']:.3f} | {v['wall_median'] / imp:.2f} |" if imp else "")
            lines.append("")
        if rec.get("floor_split"):
            fs = rec["floor_split"]
            lines += [f"I/O floor, last round: read {fs['rows_read']} input rows in {fs['read_cpu_s']:.2f} s CPU, "
                      f"wrote {fs['cells_written']} cells in {fs['write_cpu_s']:.2f} s CPU.", ""]
        if rec["stages"]:
            keys = ["import", "read", "validate", "allocate", "entitle", "settle", "engine_other", "ledger", "write",
                    "total"]
            lines += ["Stages in one process (median seconds; `engine_other` = engine time outside the three "
                      "named sub-stages; `ledger` = open an existing SQLite ledger, look for a repeat, find the "
                      "corrections, record the run):", "",
                      "| mode | " + " | ".join(keys) + " |", "|---|" + "---:|" * len(keys)]
            for mode, st in rec["stages"].items():
                lines.append(f"| {mode} | " + " | ".join(f"{st.get(k, 0.0):.2f}" for k in keys) + " |")
            lines.append("")
        for n in rec["notes"]:
            lines += [f"> {n}", ""]
    if NOTES_MD.exists():
        lines += ["", NOTES_MD.read_text(encoding="utf-8").strip(), ""]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="kreis,nrw-year,nrw-decade")
    ap.add_argument("--repeat", type=int, default=None, help="rounds per size (default 7 / 5 / 3)")
    ap.add_argument("--regenerate", action="store_true", help="write the cases anew even if present")
    ap.add_argument("--reuse-warmup", action="store_true",
                    help="keep an earlier warm-up's Abgleich (for a restarted long run); no warm-up runs then")
    ap.add_argument("--render-only", action="store_true", help="only rewrite RESULTS.md from results.json")
    ap.add_argument("--from-log", nargs=2, metavar=("LOG", "SIZE"),
                    help="rebuild one size's table from a harness log (e.g. after stopping a long run)")
    ap.add_argument("--reference-cells", nargs=2, metavar=("ABGLEICH", "PKL"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.reference_cells:
        print(reference_cells(Path(args.reference_cells[0]), Path(args.reference_cells[1])))
        return 0

    def log(msg: str) -> None:
        print(f"{datetime.now(tz=UTC):%H:%M:%S} {msg}", flush=True)

    results: dict[str, Any] = {"sizes": {}}
    if RESULTS_JSON.exists():
        results = json.loads(RESULTS_JSON.read_text(encoding="utf-8"))
    if args.from_log:
        size = args.from_log[1]
        results["sizes"][size] = from_log(Path(args.from_log[0]), size, results["sizes"].get(size))
        RESULTS_JSON.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    elif not args.render_only:
        results["machine"] = machine()
        for name in args.sizes.split(","):
            rec = bench_size(name, args.repeat or DEFAULT_REPEAT[size_of(name)[0]], args.regenerate, log,
                             args.reuse_warmup)
            results["sizes"][name] = rec
            RESULTS_JSON.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            RESULTS_MD.write_text(render(results), encoding="utf-8")
            for label, val, ok, cpu in targets(name, rec):
                log(f"[{name}] {label}: {val} (CPU {cpu}) {'met' if ok else ('NOT met' if ok is False else '')}")
    RESULTS_MD.write_text(render(results), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
