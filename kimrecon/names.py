"""Matching of authority and town names (spec §5): AGS first, then normalised names."""

from __future__ import annotations

import re
import unicodedata

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
