"""Matching of authority and town names (spec §5): AGS first, then normalised names."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from typing import TypedDict

_PREFIX = re.compile(r"^(stadt|gemeinde)\s+")
_SPACE = re.compile(r"\s+")


def normalize_name(name: str) -> str:
    """Fold a town name for matching: drop a leading "Stadt"/"Gemeinde", fold case and spaces.

    "Stadt Kamen" and " kamen " match; "Kreis Unna" and "Stadt Unna" do not.
    """
    text = unicodedata.normalize("NFC", str(name)).strip()
    text = _SPACE.sub(" ", text).casefold()
    text = _PREFIX.sub("", text)
    return text.strip()


def nearest_names(name: str, known: Iterable[str], *, limit: int = 2) -> list[str]:
    """Known names (as written) close to an unknown one ("Bergkammen" → "Stadt Bergkamen"), best first."""
    by_norm: dict[str, str] = {}
    for k in known:
        by_norm.setdefault(normalize_name(k), k)
    close = difflib.get_close_matches(normalize_name(name), list(by_norm), n=limit, cutoff=0.8)
    return [by_norm[c] for c in close]


class NameAdvice(TypedDict, total=False):
    """Details of a NAME_UNBEKANNT finding when a known name is close."""

    vorschlag: str
    rat: str


def name_advice(name: str, known: Iterable[str]) -> NameAdvice:
    """Details of a NAME_UNBEKANNT finding: the nearest known names, and never "add it" when there is one."""
    near = nearest_names(name, known)
    if not near:
        return NameAdvice()
    shown = " oder ".join(f"„{n}“" for n in near)
    return NameAdvice(vorschlag=shown, rat=f"Meinten Sie {shown}? Bitte die Schreibweise korrigieren.")
