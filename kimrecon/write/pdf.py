"""PDF beside each workbook through LibreOffice headless (German locale, own temporary profile)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

TIMEOUT_S = 300

# LibreOffice user settings: German locale; recalculation on load as asked (cached values suffice for a PDF)
_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>{recalc}</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">
<value>{recalc}</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse">
<value>false</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse">
<value>de-DE</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooLocale" oor:op="fuse">
<value>de-DE</value></prop></item>
</oor:items>
"""


class PdfFehler(RuntimeError):
    """A PDF could not be written; the message is German and says what to do."""


class LibreOfficeFehlt(PdfFehler):
    """LibreOffice (soffice) is not installed."""

    def __init__(self) -> None:
        """The German message for a missing LibreOffice."""
        super().__init__("Für PDF-Dateien wird LibreOffice benötigt (Programm „soffice“), es ist hier nicht "
                         "installiert. Die Arbeitsmappen wurden geschrieben; bitte LibreOffice installieren "
                         "(z. B. „apt install libreoffice-calc“) oder die Arbeitsmappen in Excel als PDF speichern.")


def soffice() -> str | None:
    """Path of LibreOffice's soffice, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def write_profile(base: Path, *, recalc: bool = False) -> Path:
    """A fresh LibreOffice user profile under ``base`` (German locale; ``recalc``: recompute every formula on load)."""
    prof = base / "lo-profile"
    (prof / "user").mkdir(parents=True, exist_ok=True)
    (prof / "user" / "registrymodifications.xcu").write_text(_XCU.format(recalc=0 if recalc else 1),
                                                              encoding="utf-8")
    return prof


def convert_command(exe: str, profile: Path, target: str, outdir: Path, files: Sequence[Path]) -> list[str]:
    """The headless soffice call converting ``files`` to ``target`` into ``outdir``."""
    return [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nologo",
            "--convert-to", target, "--outdir", str(outdir), *map(str, files)]


def german_env() -> dict[str, str]:
    """The environment for soffice: German locale for number and date formats."""
    return {**os.environ, "LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8", "LANGUAGE": "de"}


def to_pdf(paths: Sequence[Path]) -> list[Path]:
    """Convert each xlsx to a PDF beside it (same name, ``.pdf``); return the PDF paths.

    Raises ``LibreOfficeFehlt`` when soffice is missing and ``PdfFehler`` when a conversion fails.
    Each PDF replaces an older one atomically (written in a temporary folder beside it, then renamed).
    """
    exe = soffice()
    if exe is None:
        raise LibreOfficeFehlt()
    out: list[Path] = []
    by_dir: dict[Path, list[Path]] = {}
    for p in map(Path, paths):
        by_dir.setdefault(p.resolve().parent, []).append(p.resolve())
    with tempfile.TemporaryDirectory(prefix="kimrecon-lo-") as base:
        prof = write_profile(Path(base))
        for folder, files in by_dir.items():
            with tempfile.TemporaryDirectory(prefix=".~kimrecon-pdf-", dir=folder) as tmp:
                cmd = convert_command(exe, prof, "pdf", Path(tmp), files)
                try:
                    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
                                          env=german_env())
                except subprocess.TimeoutExpired as exc:
                    raise PdfFehler(f"LibreOffice hat die PDF-Dateien nicht binnen {TIMEOUT_S} Sekunden "
                                    "geschrieben. Bitte erneut versuchen.") from exc
                for f in files:
                    made = Path(tmp) / (f.stem + ".pdf")
                    if not made.exists():
                        raise PdfFehler(f"LibreOffice konnte „{f.name}“ nicht als PDF speichern: "
                                        f"{(proc.stderr or proc.stdout).strip()[:300]}")
                    target = f.with_suffix(".pdf")
                    os.replace(made, target)
                    out.append(target)
    return out
