"""Headless LibreOffice helper for the writer tests: recalculate xlsx on load, convert to PDF, count pages."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from kimrecon.write.pdf import convert_command, german_env, write_profile

TIMEOUT_S = 120  # one soffice call for several files; each conversion stays well under 30 s


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
    """A fresh user profile that recalculates every formula when an xlsx is loaded (German locale)."""
    return write_profile(base, recalc=True)


def convert(files: Sequence[Path], target: str, outdir: Path, base: Path) -> list[Path]:
    """Convert ``files`` with one headless soffice call; ``target`` e.g. ``xlsx:Calc MS Excel 2007 XML``."""
    exe = soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    prof = profile(base)
    cmd = convert_command(exe, prof, target, outdir, files)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False, env=german_env())
    ext = target.split(":")[0]
    out = [outdir / (Path(f).stem + "." + ext) for f in files]
    missing = [p for p in out if not p.exists()]
    assert not missing, f"soffice lieferte keine Ausgabe für {missing}: {proc.stdout} {proc.stderr}"
    return out


def recalculate(files: Sequence[Path], base: Path) -> list[Path]:
    """Load each xlsx in LibreOffice with recalculation forced and save it again as xlsx."""
    return convert(files, "xlsx:Calc MS Excel 2007 XML", base / "recalc", base)


def pdf_text(pdf: Path, page: int | None = None) -> str:
    """The text of a PDF (or one page) as poppler's ``pdftotext -layout`` lays it out; skip without poppler."""
    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.skip("pdftotext (poppler-utils) ist nicht installiert")
    pages = ["-f", str(page), "-l", str(page)] if page else []
    proc = subprocess.run([exe, "-layout", *pages, str(pdf), "-"], capture_output=True, text=True, check=True,
                          timeout=60)
    return proc.stdout


def page_ink(pdf: Path, base: Path) -> list[tuple[float, float]]:
    """Per page the share of body rows and columns with ink (header and footer bands left out).

    Renders the pages in grey at 30 dpi with poppler's ``pdftoppm`` and reads the PGM images.
    """
    exe = shutil.which("pdftoppm")
    if exe is None:
        pytest.skip("pdftoppm (poppler-utils) ist nicht installiert")
    out = base / pdf.stem
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([exe, "-gray", "-r", "30", str(pdf), str(out / "p")], check=True, timeout=120)
    shares = []
    for img in sorted(out.glob("p-*.pgm")):
        width, height, pixels = _pgm(img.read_bytes())
        top, bottom = int(height * 0.1), int(height * 0.9)  # header and footer bands
        rows = [pixels[y * width:(y + 1) * width] for y in range(top, bottom)]
        ink_rows = sum(1 for r in rows if min(r) < 200)
        ink_cols = sum(1 for x in range(width) if any(r[x] < 200 for r in rows))
        shares.append((ink_rows / max(1, bottom - top), ink_cols / width))
    return shares


def _pgm(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and grey bytes of a binary PGM (P5) image."""
    fields: list[bytes] = []
    pos = 2
    while len(fields) < 3:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        start = pos
        while not data[pos:pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    width, height = int(fields[0]), int(fields[1])
    return width, height, data[pos + 1:pos + 1 + width * height]


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
