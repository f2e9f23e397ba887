"""Golden cases as real workbooks: write each table of a case as an .xlsx a clerk could have made, read it back.

The golden runner checks every case twice: once with frames built directly from the rows
(``engine_support.make_inputs``) and once through the real reader from the workbooks written here,
so that a golden figure is also a figure the product computes from files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from engine_support import canonical

from kimrecon.inputs import COLUMNS, Kind
from kimrecon.spec import kind_spec

_SCALE = {"_cent": 100, "_e4": 10_000, "_h100": 100}


def _header(kind: Kind, column: str) -> str:
    if column in kind_spec(kind).columns:
        return kind_spec(kind).columns[column].header
    for cspec in kind_spec(kind).columns.values():
        if column in cspec.canonical and not cspec.targets:
            return cspec.header
    raise KeyError(f"{kind.value}: no sheet column writes {column}")


def _cell(column: str, value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    for suffix, scale in _SCALE.items():
        if column.endswith(suffix):
            return float(Decimal(int(value)) / scale)  # exact for cents and e4 as binary doubles round-trip
    if isinstance(value, (bool,)) or str(type(value)).endswith("BooleanDtype'>"):
        return "ja" if value else "nein"
    if column in {"jahr", "frist_tag", "frist_monat"}:
        return int(value)
    if column == "entgeltanspruch":
        return "ja" if bool(value) else "nein"
    return str(value)


def write_table(path: Path, kind: Kind, rows: Sequence[Mapping[str, Any]]) -> None:
    """One table as a workbook with a title row, the German headers of the template and one row per entry."""
    frame = canonical(kind, rows)
    used = [c for c in COLUMNS[kind] if frame[c].notna().any() and c not in ("frist_tag", "frist_monat")]
    if kind is Kind.VERTRAG and frame["frist_tag"].notna().any():  # one sheet column "Nachweisfrist" (TT.MM.)
        frame["nachweisfrist"] = [f"{int(t):02d}.{int(m):02d}." if t is not pd.NA and m is not pd.NA else None
                                  for t, m in zip(frame["frist_tag"], frame["frist_monat"], strict=True)]
        used.append("nachweisfrist")
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = kind.label[:31]
    ws.append([f"{kind.label} (Goldfall)"])
    ws.append([])
    ws.append([_header(kind, c) for c in used])
    for _, row in frame.iterrows():
        ws.append([_cell(c, row[c]) for c in used])
    wb.save(path)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[ " + ", ".join(_toml_value(v) for v in value) + " ]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_toml(path: Path, config: Mapping[str, Any]) -> None:
    """A kimrecon.toml with the case's sections (scalars, dates and lists of inline tables)."""
    lines = []
    for section, values in config.items():
        lines.append(f"[{section}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in values.items()]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def write_case(tables: Mapping[Any, Sequence[Mapping[str, Any]]], config: Mapping[str, Any] | None,
               folder: Path) -> Path:
    """Write a golden case's tables as workbooks (one file per table) and its config as kimrecon.toml."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        text = name.value if isinstance(name, Kind) else str(name)
        kind = Kind(text.split("#")[0])
        write_table(folder / f"{text.replace('#', '_')}.xlsx", kind, rows)
    if config:
        write_toml(folder / "kimrecon.toml", config)
    return folder
