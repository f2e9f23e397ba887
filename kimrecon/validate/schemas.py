"""Build pandera schemas from the declarative ``schemas/<kind>.yaml`` and map their failures to findings."""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

import pandas as pd

from kimrecon.findings import Code, Finding, finding
from kimrecon.inputs import CaseInputs, Kind
from kimrecon.spec import ColumnSpec, kind_spec
from kimrecon.validate.format import format_value

if TYPE_CHECKING:
    import pandera.pandas as pa


@cache
def _pandera() -> Any:
    """Import pandera (≈ 0.5 s) only when a check fails and its failure cases are needed."""
    import pandera.pandas as pa_mod

    return pa_mod


def _check(name: str, arg: Any) -> pa.Check:
    pa_mod = _pandera()
    builtin: dict[str, Any] = {"ge": pa_mod.Check.ge, "gt": pa_mod.Check.gt, "le": pa_mod.Check.le,
                               "lt": pa_mod.Check.lt}
    if name in builtin:
        return builtin[name](arg)
    method = getattr(pa_mod.Check, name)
    return method(**arg) if isinstance(arg, dict) else method(arg)


_FAST: dict[str, Any] = {  # on a Series or a numpy array alike
    "ge": lambda s, a: s >= a, "gt": lambda s, a: s > a, "le": lambda s, a: s <= a, "lt": lambda s, a: s < a,
}


def _passes(frame: pd.DataFrame, kind: Kind) -> bool:
    """True only if every check of the kind's schema surely passes (vectorised, without pandera).

    Conservative: anything unknown or any error means "run pandera" for the exact failure cases.
    Integer columns are checked on their numpy values (pandas' fixed cost per call would dominate a
    Kreis case's small sheets), every other column as a Series.
    """
    try:
        for cspec in kind_spec(kind).columns.values():
            for target in cspec.canonical:
                if target not in frame.columns:
                    continue
                col = frame[target]
                missing = col.isna().to_numpy(dtype=bool)
                if cspec.required and missing.any():
                    return False
                if cspec.unique and bool(col.duplicated().any()):
                    return False
                if missing.all():
                    continue
                if cspec.checks:
                    if pd.api.types.is_integer_dtype(col.dtype):
                        values = col.to_numpy(dtype="int64", na_value=0)[~missing]
                    else:
                        values = col.dropna()
                    for name, arg in cspec.checks.items():
                        check = _FAST.get(name)
                        if check is None or not bool(check(values, arg).all()):
                            return False
                if cspec.choices and cspec.type == "text" and not set(pd.unique(col[~missing])) <= set(cspec.choices):
                    return False
    except Exception:  # noqa: BLE001 - mixed types and the like: let pandera report them
        return False
    return True


@cache
def schema(kind: Kind) -> pa.DataFrameSchema:
    """The pandera schema of a sheet kind, built from ``schemas/<kind>.yaml``."""
    pam = _pandera()
    spec = kind_spec(kind)
    columns: dict[str, pa.Column] = {}
    for cspec in spec.columns.values():
        for target in cspec.canonical:
            checks = [_check(n, a) for n, a in cspec.checks.items()]
            if cspec.choices and cspec.type == "text":  # a yes/no column is boolean once read
                checks.append(pam.Check.isin(list(cspec.choices)))
            columns[target] = pam.Column(
                None,
                checks=checks,
                nullable=not cspec.required,
                unique=cspec.unique,
                required=False,
                name=target,
            )
    return pam.DataFrameSchema(columns, strict=False, name=spec.label)


def _column_spec(kind: Kind, column: str) -> ColumnSpec | None:
    for cspec in kind_spec(kind).columns.values():
        if column in cspec.canonical:
            return cspec
    return None


def _bounds_hint(check: str, cspec: ColumnSpec) -> str:
    m = re.match(r"(\w+)\((.*)\)", check)
    bounds = {"greater_than_or_equal_to": "mindestens", "greater_than": "größer als",
              "less_than_or_equal_to": "höchstens", "less_than": "kleiner als"}
    if m and m.group(1) in bounds:
        limit = m.group(2)
        try:
            limit = format_value(cspec.type, int(float(limit)))
        except ValueError:
            pass
        return f"Der Wert muss {bounds[m.group(1)]} {limit} sein."
    if check.startswith("isin"):
        return "Zulässig sind: " + ", ".join(cspec.choices) + "."
    if check == "field_uniqueness":
        return "Der Wert muss eindeutig sein, kommt aber mehrfach vor."
    return "Bitte den Wert prüfen."


CellKey = tuple[str, str | None, int | None, str | None]


def schema_findings(inputs: CaseInputs, kind: Kind, skip: set[CellKey]) -> list[Finding]:
    """Run the kind's schema lazily and turn every failure into a finding with its cell."""
    frame = inputs.frames.get(kind)
    if frame is None or frame.empty:
        return []
    if _passes(frame, kind):
        return []
    pa = _pandera()
    try:
        schema(kind).validate(frame, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    out: list[Finding] = []
    for rec in cases.to_dict("records"):
        column, check, index = rec.get("column"), str(rec.get("check")), rec.get("index")
        if column is None or index is None or pd.isna(index) or column not in frame.columns:
            continue
        cspec = _column_spec(kind, str(column))
        if cspec is None:
            continue
        sheet = int(frame.at[index, "_sheet"])
        info = inputs.sheets[sheet]
        if column not in info.columns:
            continue  # the column is missing from the sheet: SPALTE_FEHLT was reported on reading
        ref = inputs.ref(sheet, int(frame.at[index, "_zeile"]), str(column))
        if (ref.datei, ref.blatt, ref.zeile, ref.spalte) in skip:
            continue  # the cell already has a finding from reading (unparseable value)
        raw = frame.at[index, column]
        shown = format_value(cspec.type, raw, column=str(column))
        if check == "not_nullable":
            out.append(finding(Code.WERT_FEHLT, ref, spalte=cspec.header))
        elif check.startswith("greater_than_or_equal_to(0)") and raw is not None and not pd.isna(raw) and raw < 0:
            out.append(finding(Code.WERT_NEGATIV, ref, value=shown, wert=shown, spalte=cspec.header))
        else:
            out.append(
                finding(Code.WERT_UNGUELTIG, ref, value=shown, wert=shown, spalte=cspec.header,
                        hinweis=_bounds_hint(check, cspec))
            )
    return out
