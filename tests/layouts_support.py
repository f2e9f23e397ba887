"""Shared pieces of the layout tests: the committed example cases and a case folder to add one list to."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "workbooks" / "beispiele-layouts"
MONTHS = ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"]


def base_case(folder: Path) -> Path:
    """Bescheid 2,0 VzÄ, Zuweisung Kamen 1,0 / Bergkamen 1,0, quarterly Abschläge (from an example case)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("Bescheid_2023.xlsx", "Zuweisung_2023.xlsx", "Zahlungen_2023.xlsx"):
        shutil.copy(EXAMPLES / "zwei-staende" / name, folder / name)
    return folder
