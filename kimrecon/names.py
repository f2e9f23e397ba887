"""Matching of authority and town names (spec §5): AGS first, then normalised names."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from typing import TypedDict

import numpy as np
import pandas as pd

from kimrecon.inputs import present

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


class Names:
    """Known names of a case: normalised key → name as written first (Zuweisung first), plus AGS."""

    def __init__(self) -> None:
        """Start with no names."""
        self.display: dict[str, str] = {}
        self.by_ags: dict[str, str] = {}

    def add(self, name: object, ags: object = None) -> str | None:
        """Register a name (the first spelling wins) and return its key."""
        if name is None or name is pd.NA or (isinstance(name, float) and name != name):
            return None
        text = str(name).strip()
        if not text:
            return None
        key = normalize_name(text)
        self.display.setdefault(key, text)
        if present(ags):
            self.by_ags.setdefault(str(ags).strip(), key)
        return key

    def key(self, name: object, ags: object = None) -> str | None:
        """The key of a known name (AGS first), or None."""
        if present(ags) and str(ags).strip() in self.by_ags:
            return self.by_ags[str(ags).strip()]
        if not present(name):
            return None
        key = normalize_name(str(name))
        return key if key in self.display else None

    def advice(self, name: object) -> NameAdvice:
        """Details of a NAME_UNBEKANNT finding for ``name``: the nearest known names, if any."""
        return name_advice(str(name), self.display.values())

    def show(self, key: str) -> str:
        """The name as written."""
        return self.display.get(key, key)

    def keys_of(self, names: pd.Series, ags: pd.Series | None = None) -> pd.Series:
        """Vectorised lookup of keys for a column of names (None where unknown); AGS first."""
        codes, uniq = pd.factorize(names.astype("object"), use_na_sentinel=True)
        mapped = np.array([self.key(u) for u in uniq] + [None], dtype=object)
        out = mapped[np.where(codes < 0, len(uniq), codes)]
        if ags is not None and len(self.by_ags):
            a_codes, a_uniq = pd.factorize(ags.astype("object"), use_na_sentinel=True)
            a_map = np.array([self.by_ags.get(str(a).strip()) if present(a) else None for a in a_uniq] + [None],
                             dtype=object)
            by_ags = a_map[np.where(a_codes < 0, len(a_uniq), a_codes)]
            out = np.where(pd.notna(by_ags), by_ags, out)
        return pd.Series(out, index=names.index, dtype="object")
