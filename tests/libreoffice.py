"""Headless LibreOffice helper for the writer tests: recalculate xlsx on load, convert to PDF, count pages."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

TIMEOUT_S = 120  # one soffice call for several files; each conversion stays well under 30 s

_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse">
<value>false</value></prop></item>
</oor:items>
"""


def soffice() -> str:
    """Path of soffice; skip the test when it is missing, unless env CI is set (then fail)."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe:
        return exe
    if os.environ.get("CI"):
        pytest.fail("LibreOffice (soffice) fehlt, in CI ist sie Pflicht (.ci/run installiert libreoffice-calc-nogui)")
    pytest.skip("LibreOffice (soffice) ist nicht installiert")
    raise AssertionError  # pragma: no cover


def profile(base: Path) -> Path:
    """A fresh user profile that recalculates every formula when an xlsx is loaded (OOXMLRecalcMode 0)."""
    prof = base / "lo-profile"
    (prof / "user").mkdir(parents=True, exist_ok=True)
    (prof / "user" / "registrymodifications.xcu").write_text(_XCU, encoding="utf-8")
    return prof


def convert(files: Sequence[Path], target: str, outdir: Path, base: Path) -> list[Path]:
    """Convert ``files`` with one headless soffice call; ``target`` e.g. ``xlsx:Calc MS Excel 2007 XML``."""
    exe = soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    prof = profile(base)
    cmd = [exe, f"-env:UserInstallation={prof.as_uri()}", "--headless", "--norestore", "--nologo",
           "--convert-to", target, "--outdir", str(outdir), *map(str, files)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    ext = target.split(":")[0]
    out = [outdir / (Path(f).stem + "." + ext) for f in files]
    missing = [p for p in out if not p.exists()]
    assert not missing, f"soffice lieferte keine Ausgabe für {missing}: {proc.stdout} {proc.stderr}"
    return out


def recalculate(files: Sequence[Path], base: Path) -> list[Path]:
    """Load each xlsx in LibreOffice with recalculation forced and save it again as xlsx."""
    return convert(files, "xlsx:Calc MS Excel 2007 XML", base / "recalc", base)


def pdf_pages(pdf: Path) -> int:
    """Number of pages of a PDF written by LibreOffice (counts the page objects)."""
    data = pdf.read_bytes()
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


def formula_mismatches(original: Path, recalculated: Path, tolerance: float = 5e-7) -> tuple[int, list[str]]:
    """Compare every formula cell's cached value in ``original`` with LibreOffice's recomputed value.

    Returns the number of formula cells and a list of mismatches ("Blatt!A1: =F cached → recomputed").
    """
    import openpyxl

    formulas = openpyxl.load_workbook(original)
    cached = openpyxl.load_workbook(original, data_only=True)
    recomputed = openpyxl.load_workbook(recalculated, data_only=True)
    count, bad = 0, []
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type != "f":
                    continue
                count += 1
                a = cached[ws.title][cell.coordinate].value
                b = recomputed[ws.title][cell.coordinate].value
                numbers = isinstance(a, int | float) and isinstance(b, int | float)
                if not (a == b or (numbers and abs(a - b) <= tolerance)):
                    bad.append(f"{ws.title}!{cell.coordinate}: {cell.value} {a!r} → {b!r}")
    return count, bad
