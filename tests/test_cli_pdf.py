"""`report --pdf`: a PDF beside each Verwendungsnachweis through LibreOffice; without it a German note and the xlsx."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kimrecon.resources import example_case


def _report(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path / "nachweise"
    run = subprocess.run([sys.executable, "-m", "kimrecon.cli", "report", str(example_case()), "--year", "2023",
                          "--recipient", "Kamen", "--out", str(out), "--ohne-laufbuch", "--pdf"],
                         capture_output=True, text=True, check=False, env=env, cwd=tmp_path)
    return run, out


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) ist nicht installiert")
def test_report_pdf_is_written_beside_the_workbook(tmp_path: Path) -> None:
    run, out = _report(tmp_path, dict(os.environ))
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == ["Verwendungsnachweis_2023_Stadt_Kamen.pdf",
                                                     "Verwendungsnachweis_2023_Stadt_Kamen.xlsx"]
    assert (out / "Verwendungsnachweis_2023_Stadt_Kamen.pdf").read_bytes().startswith(b"%PDF")


def test_report_pdf_without_libreoffice_says_so_in_german_and_keeps_the_xlsx(tmp_path: Path) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()
    os.symlink(sys.executable, bare / "python")
    env = dict(os.environ, PATH=str(bare))  # no soffice on the PATH
    run, out = _report(tmp_path, env)
    assert run.returncode == 0, run.stderr
    assert "LibreOffice" in run.stderr and "Traceback" not in run.stderr
    assert sorted(p.name for p in out.iterdir()) == ["Verwendungsnachweis_2023_Stadt_Kamen.xlsx"]
