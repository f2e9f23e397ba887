"""Check that a change did not move a figure: the JSON of ``kimrecon reconcile`` on two code versions, byte for byte.

Usage (from the repository root)::

    python -m benchmarks.same_figures --base main [--cases DIR] [--only example,acceptance,golden,layouts,kreis,nrw]

Builds the case folders once (the bundled example, the example layouts, the acceptance cases of
``tests/acceptance_cases.py``, every golden case of ``tests/golden/*.yaml`` as workbooks, the
benchmark's Kreis case; ``nrw``, not in the default set, the NRW year with 53 Bescheide), then runs
``kimrecon reconcile CASE --month M --json --ohne-laufbuch`` for each (case, month) with the code of
``--base`` (its ``kimrecon/``, ``schemas/`` and ``workbooks/`` exported by ``git archive`` and put
first on ``PYTHONPATH``) and with the working tree, with the same ``SOURCE_DATE_EPOCH``, and compares
stdout, the exit code and the bytes of every file the run wrote (Abgleich, Fehlerbericht) byte for
byte. Prints one line per difference and exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
EPOCH = "1700000000"
ACCEPTANCE_MONTHS = {  # the months tests/test_acceptance_cases.py reconciles each case at
    "coesfeld": ("2023-12",), "steinfurt": ("2022-12", "2022-06"), "soest": ("2023-12", "2023-06"),
    "borken": ("2023-12", "2023-10"), "lippe": ("2023-12", "2023-09"), "lippe_spitz": ("2023-12", "2023-06"),
    "lippe_pauses": ("2023-12",), "wesel": ("2023-12", "2023-05"), "hochsauerland": ("2023-12",),
    "guetersloh": ("2024-12",), "recklinghausen": ("2023-12", "2022-12"), "olpe": ("2023-12",),
}


def build_cases(root: Path, only: set[str]) -> list[tuple[str, Path, str]]:
    """Write the case folders under ``root``; return (label, folder, month) per run to compare."""
    sys.path.insert(0, str(ROOT / "tests"))
    runs: list[tuple[str, Path, str]] = []
    if "example" in only:
        for month in ("2023-12", "2023-06"):
            runs.append(("example", ROOT / "workbooks" / "beispiel-kreis-unna-2023", month))
    if "layouts" in only:
        for folder in sorted((ROOT / "workbooks" / "beispiele-layouts").iterdir()):
            if folder.is_dir():
                runs.append((f"layout {folder.name}", folder, "2023-12"))
    if "acceptance" in only:
        from acceptance_cases import ALL_CASES

        for name, make in ALL_CASES.items():
            folder = root / "acceptance" / name
            if not folder.exists():
                folder.mkdir(parents=True)
                make(folder)
            runs.extend((f"acceptance {name}", folder, m) for m in ACCEPTANCE_MONTHS.get(name, ("2023-12",)))
    if "golden" in only:
        from golden_support import write_case

        for path in sorted((ROOT / "tests" / "golden").glob("*.yaml")):
            case = yaml.safe_load(path.read_text(encoding="utf-8"))
            folder = root / "golden" / path.stem
            if not folder.exists():
                write_case(case["eingaben"], case.get("config"), folder)
            runs.extend((f"golden {path.stem}", folder, str(lauf["monat"])) for lauf in case["laeufe"])
    if "kreis" in only:
        folder = root / "kreis"
        if not folder.exists():
            subprocess.run([PY, "-m", "benchmarks.generate", "--size", "kreis", "--layout", "per-kreis", "--out",
                            str(root)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        runs.append(("benchmark kreis", folder, "2023-12"))
    if "nrw" in only:  # slow (about a minute per run): the NRW year in its real layout, 53 Bescheide
        folder = root / "nrw-year-per-kreis"
        if not folder.exists():
            subprocess.run([PY, "-m", "benchmarks.generate", "--size", "nrw-year", "--layout", "per-kreis", "--out",
                            str(root), "--name", folder.name], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        runs.append(("benchmark nrw-year-per-kreis", folder, "2023-12"))
    return runs


def export(ref: str, target: Path) -> Path:
    """``kimrecon/``, ``schemas/`` and ``workbooks/`` of a git ref, unpacked into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    archive = target / "code.tar"
    subprocess.run(["git", "archive", "-o", str(archive), ref, "kimrecon", "schemas", "workbooks"], cwd=ROOT,
                   check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    archive.unlink()
    return target


def run(code: Path | None, case: Path, month: str, out: Path) -> tuple[int, bytes, dict[str, bytes]]:
    """The JSON of one reconcile (stdout), its exit code and the files it wrote, with the code at ``code``.

    ``code`` None: the working tree.
    """
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    if code is not None:
        env["PYTHONPATH"] = str(code) + os.pathsep + env.get("PYTHONPATH", "")
    shutil.rmtree(out, ignore_errors=True)
    proc = subprocess.run([PY, "-m", "kimrecon.cli", "reconcile", str(case), "--month", month, "--json",
                           "--ohne-laufbuch", "--out", str(out)], cwd=out.parent, env=env, capture_output=True)
    written = {p.name: p.read_bytes() for p in sorted(out.iterdir())} if out.is_dir() else {}
    return proc.returncode, proc.stdout, written


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="main", help="git ref to compare the working tree with")
    ap.add_argument("--cases", type=Path, default=None, help="folder for the case folders (kept between runs)")
    ap.add_argument("--only", default="example,layouts,acceptance,golden,kreis")
    args = ap.parse_args(argv)
    cases = args.cases or Path(tempfile.mkdtemp(prefix="kimrecon-same-"))
    runs = build_cases(cases, set(args.only.split(",")))
    with tempfile.TemporaryDirectory(prefix="kimrecon-base-") as tmp:
        base = export(args.base, Path(tmp) / "code")
        out = Path(tmp) / "out"
        differ = 0
        for label, folder, month in runs:
            a = run(base, folder, month, out)
            b = run(None, folder, month, out)
            same = a == b
            differ += not same
            files = sorted(set(a[2]) | set(b[2]))
            moved = [name for name in files if a[2].get(name) != b[2].get(name)]
            print(f"{'same   ' if same else 'DIFFERS'} {label} {month} (exit {a[0]}/{b[0]}, {len(b[1])} bytes of JSON, "
                  f"{len(files)} files{', differ: ' + ', '.join(moved) if moved else ''})", flush=True)
            if not same:
                (cases / f"diff-{label.replace(' ', '_')}-{month}.base.json").write_bytes(a[1])
                (cases / f"diff-{label.replace(' ', '_')}-{month}.new.json").write_bytes(b[1])
    print(f"{len(runs)} runs compared, {differ} differ (cases in {cases})")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
