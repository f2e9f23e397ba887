"""Render pages of the example's Verwendungsnachweise as PNG images for docs/arbeitsmappen.md.

Runs the bundled example (December 2023, every Nachweis), converts the workbooks to PDF with
LibreOffice and renders the chosen pages with poppler's pdftoppm. Usage: python tools/nachweis_bilder.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from kimrecon.pipeline import reconcile_case
from kimrecon.resources import example_case
from kimrecon.write.pdf import to_pdf

DOCS = Path(__file__).resolve().parent.parent / "docs" / "bilder"
# (workbook name, text that marks the page, image name)
PAGES = (
    ("Verwendungsnachweis_2023_Kreis_Unna", "Rechtsgrundlage", "verwendungsnachweis_kreis_unna_1"),
    ("Verwendungsnachweis_2023_Stadt_Kamen", "Rechtsgrundlage", "verwendungsnachweis_stadt_kamen_1"),
    ("Verwendungsnachweis_2023_Stadt_Bergkamen", "III. Prüfung der Verwendungsnachweise",
     "verwendungsnachweis_stadt_bergkamen_pruefung"),
    ("Verwendungsnachweis_2023_Kreis_Unna", "Bestätigungen", "verwendungsnachweis_kreis_unna_bestaetigung"),
)
DPI = 60


def _page_with(pdf: Path, marker: str) -> int:
    """The first page of ``pdf`` whose text holds ``marker``."""
    n = 1
    while True:
        out = subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
                             capture_output=True, text=True, check=True).stdout
        if marker in out:
            return n
        if not out and n > 1:
            raise SystemExit(f"„{marker}“ steht in {pdf.name} auf keiner Seite")
        n += 1


def main() -> int:
    """Write the images; 1 when LibreOffice or poppler-utils is missing."""
    if not shutil.which("pdftoppm") or not shutil.which("pdftotext"):
        print("pdftoppm und pdftotext (poppler-utils) werden benötigt.", file=sys.stderr)
        return 1
    DOCS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        reconcile_case(example_case(), "2023-12", out_dir=out, use_ledger=False, nachweis_for=[(2023, None)])
        names = {name for name, _, _ in PAGES}
        pdfs = {p.stem: p for p in to_pdf([out / f"{n}.xlsx" for n in sorted(names)])}
        for name, marker, image in PAGES:
            page = _page_with(pdfs[name], marker)
            subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-f", str(page), "-l", str(page), "-singlefile",
                            str(pdfs[name]), str(DOCS / image)], check=True)
            print(DOCS / f"{image}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
