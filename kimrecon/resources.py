"""Locate the data shipped with kimrecon (schemas/, workbooks/) in a source checkout or an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder ``schemas`` or ``workbooks``, wherever this installation keeps it.

    A wheel carries them as ``kimrecon/_data/<name>``; a source checkout (editable install)
    has them at the repository's top level.
    """
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"kimrecon data folder '{name}' not found")


def example_case() -> Path:
    """The bundled worked example "Kreis Unna 2023"."""
    return data_dir("workbooks") / "beispiel-kreis-unna-2023"
