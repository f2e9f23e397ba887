"""The month-grid layout of staffing: one row per person or post, a column per month → canonical Besetzung rows.

A month counts at its value for the whole month; each run of equal values in consecutive months
becomes one employment row (Beginn = first day of its first month, Ende = last day of its last).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kimrecon.findings import Code, Finding, SourceRef, finding
from kimrecon.inputs import Kind, SheetInfo
from kimrecon.read import values as V
from kimrecon.read.files import RawSheet, col_letter
from kimrecon.read.versions import TitleBlock, list_year
from kimrecon.spec import KindSpec, common_spec, fold, kind_spec

MIN_MONTHS = 3  # a row naming at least this many months in calendar order is a month-grid header
_ID_COLUMNS = ("kommune", "ags", "stelle_id", "personal_id", "tarifstunden_h100")
_MAX = {"stellenanteil_e4": 10_000, "wochenstunden_h100": 6_000}


@dataclass(frozen=True)
class GridHeader:
    """Where a month grid's header is and which month (and year, if the header says) each column holds."""

    row: int  # 0-based row of the month headers
    months: dict[int, tuple[int | None, int]]  # column -> (year or None, month)


def find_grid(rows: list[list[object]], merged: tuple[tuple[int, int, int, int], ...]) -> GridHeader | None:
    """The row among the first rows whose cells name the most months, in calendar order left to right."""
    best: GridHeader | None = None
    for r, cells in enumerate(rows):
        months = {c: m for c, v in enumerate(cells)  # a blank or a number names no month: not asked
                  if v is not None and type(v) is not float and (m := V.month_of_label(v)) is not None}
        if len(months) < MIN_MONTHS:
            continue
        above = _years_above(rows, merged, r, list(months))
        months = {c: (y if y is not None else above.get(c), m) for c, (y, m) in months.items()}
        order = [(y or 0) * 12 + m for _, (y, m) in sorted(months.items())]
        if any(b <= a for a, b in zip(order, order[1:], strict=False)):
            continue  # not left-to-right calendar order: dates in a data row, not month headers
        if best is None or len(months) > len(best.months):
            best = GridHeader(r, months)
    return best


def _years_above(
    rows: list[list[object]], merged: tuple[tuple[int, int, int, int], ...], r: int, cols: list[int]
) -> dict[int, int]:
    """A year written (or merged) over the month columns in the row above: "2023" over Jan … Dez."""
    if r == 0:
        return {}
    out: dict[int, int] = {}
    above = rows[r - 1]
    for c in cols:
        value = above[c] if c < len(above) else None
        for r1, c1, r2, c2 in merged:
            if r1 <= r - 1 <= r2 and c1 <= c <= c2 and value is None:
                value = rows[r1][c1] if c1 < len(rows[r1]) else None
        years = V.years_in_text(str(value)) if value is not None else set()
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 2000 <= value <= 2099:
            years = {int(value)}
        if len(years) == 1:
            out[c] = years.pop()
    return out


def grid_unit(spec: KindSpec, texts: list[str]) -> str | None:
    """"stellenanteil_e4" or "wochenstunden_h100" when the title, sheet name or header says which, else None.

    "Tarifstunden" and the like name the full-time hours, not the unit of the month values.
    """
    words = spec.month_grid
    folded = [_strip_words(t, words.get("nicht_einheit", ())) for t in texts]
    hours = any(fold(w) in t for w in words.get("stunden", ()) for t in folded)
    share = any(fold(w) in t for w in words.get("anteil", ()) for t in folded)
    if hours != share:
        return "wochenstunden_h100" if hours else "stellenanteil_e4"
    return None


def _strip_words(text: str, words: tuple[str, ...]) -> str:
    out = fold(text)
    for w in sorted(words, key=len, reverse=True):
        out = out.replace(fold(w), "|")
    return out


@dataclass
class GridRead:
    """A month grid converted: employment rows (``_zeile`` = the grid row), facts, findings."""

    frame: pd.DataFrame
    info: SheetInfo
    findings: list[Finding]
    open_town: bool  # no Kommune or AGS column: the town comes from the title or the file name
    free_cell: str  # right of the header: where a missing column would go


def read_grid(sheet: RawSheet, datei: str, grid: GridHeader, title: TitleBlock) -> GridRead:
    """Convert a month grid to canonical Besetzung rows with their findings.

    Rows without a town (no Kommune or AGS column) keep an empty Kommune: ``read_case`` names it from
    the title or file name once it knows the case's recipients.
    """
    from kimrecon.read.sheet import extra_column, row_kinds  # the same column and row rules as every sheet

    spec = kind_spec(Kind.BESETZUNG)
    common = common_spec()
    found: list[Finding] = []
    hrow = grid.row + 1

    def ref(row: int | None, col: int | None) -> SourceRef:
        return SourceRef(datei, sheet.name, row, None if col is None else col_letter(col))

    head = sheet.head(grid.row + 1).to_numpy(dtype=object).tolist()
    header = head[grid.row] if grid.row < len(head) else []
    above = head[grid.row - 1] if grid.row >= 1 else []
    columns: dict[str, int] = {}
    jahr_col: int | None = None
    dropped: list[str] = []
    unknown: list[str] = []
    labels: list[str] = []
    last_label = max(grid.months)
    for c in range(max(len(header), len(above))):
        if c in grid.months:
            continue
        own = header[c] if c < len(header) else None
        text = V.text_of(own) if own is not None else None
        if not text and c < len(above) and above[c] is not None and c < min(grid.months):
            text = V.text_of(above[c])  # a label merged over two header rows
        if not text:
            continue
        last_label = max(last_label, c)
        labels.append(text)
        name = spec.match(text)
        if fold(text) in {fold(w) for w in spec.month_grid.get("jahr", ())}:
            jahr_col = c
        elif name in _ID_COLUMNS and name not in columns:
            columns[name] = c
        else:
            found.append(extra_column(text, ref(hrow, c), dropped, unknown))
    month_cols = sorted(grid.months)
    exact = set(month_cols) | {c for n, c in columns.items() if n == "tarifstunden_h100"}
    if jahr_col is not None:
        exact.add(jahr_col)
    data = sheet.region(grid.row + 1, exact)
    for c in (*month_cols, *columns.values(), *([jahr_col] if jahr_col is not None else [])):
        if c not in data.columns:
            data[c] = None
    data.index = pd.RangeIndex(grid.row + 2, grid.row + 2 + len(data), name="_zeile")
    if len(data) and _units_row(data.iloc[0]):
        data = data.iloc[1:]

    mapped = sorted({*month_cols, *columns.values()})
    kinds = row_kinds(data, mapped, [], common)
    data = data[kinds == "data"]
    rows = data.index.to_numpy(dtype="int64")

    # the unit of the month values: the title, sheet name or header says so, else the values do
    texts = [t for _, t in title.cells] + [title.sheet_name] + labels
    unit = grid_unit(spec, texts)
    e4 = {c: V.parse_scaled(data[c], 10_000, percent_ok=True) for c in month_cols}
    if unit is None:
        unit, unclear = _unit_from_values(e4)
        if unclear is not None:
            z, c = unclear
            shown = V.text_of(data.at[z, c])
            found.append(finding(Code.MONATSTABELLE_EINHEIT_UNKLAR, ref(z, c), value=shown, wert=shown))
    parsed = e4 if unit == "stellenanteil_e4" else {c: V.parse_scaled(data[c], 100) for c in month_cols}
    values = np.zeros((len(data), len(month_cols)), dtype="int64")
    for j, c in enumerate(month_cols):
        out, bad = parsed[c]
        label = V.text_of(header[c]) if c < len(header) else col_letter(c)
        for q in np.flatnonzero(bad.to_numpy(dtype=bool)):
            shown = V.text_of(data[c].iat[q])
            found.append(finding(Code.ZAHL_UNGUELTIG, ref(int(rows[q]), c), value=shown, wert=shown, spalte=label))
        v = out.fillna(0).to_numpy(dtype="int64")
        for q in np.flatnonzero((v < 0) | (v > _MAX[unit])):
            shown = V.text_of(data[c].iat[q])
            code = Code.WERT_NEGATIV if v[q] < 0 else Code.WERT_UNGUELTIG
            hinweis = "Ein Stellenanteil ist höchstens 1." if unit == "stellenanteil_e4" else (
                "Wochenstunden sind höchstens 60.")
            found.append(finding(code, ref(int(rows[q]), c), value=shown, wert=shown, spalte=label, hinweis=hinweis))
            v[q] = 0
        values[:, j] = v

    # the year of every month cell: the header, else a Jahr column, else the title, sheet or file name
    header_years = [grid.months[c][0] for c in month_cols]
    row_year = pd.Series(pd.NA, index=data.index, dtype="Int64")
    if jahr_col is not None:
        row_year, _ = V.parse_int(data[jahr_col])
    sheet_year = list_year(title)
    row_year = row_year.fillna(sheet_year) if sheet_year is not None else row_year
    free = last_label + 1
    if any(y is None for y in header_years) and bool(row_year.isna().any()):
        found.append(finding(Code.MONATSTABELLE_JAHR_FEHLT, ref(hrow, jahr_col if jahr_col is not None else free),
                             zelle=f"{col_letter(free)}{hrow}", titel=title.first_cell))
        values[:] = 0  # no figure from a grid whose year is unknown

    text_cols = {n: V.parse_ags(data[c])[0] if n == "ags" else V.parse_text(data[c])[0]
                 for n, c in columns.items() if n != "tarifstunden_h100"}
    tarif = V.parse_scaled(data[columns["tarifstunden_h100"]], 100)[0] if "tarifstunden_h100" in columns else None
    pid = text_cols.get("personal_id", pd.Series(pd.NA, index=data.index, dtype=object))
    if "stelle_id" in text_cols:
        pid = pid.fillna(text_cols["stelle_id"])
    pid = pid.fillna(pd.Series([f"Zeile {z}" for z in rows], index=data.index, dtype=object))
    out_rows: dict[str, list[object]] = {k: [] for k in (*_ID_COLUMNS, "beginn", "ende", unit, "_zeile")}
    for pos, excel_row in enumerate(rows.tolist()):
        years = [y if y is not None else row_year.iat[pos] for y in header_years]
        if any(pd.isna(y) for y in years):
            continue
        index = [int(y) * 12 + m - 1 for y, (_, m) in zip(years, (grid.months[c] for c in month_cols), strict=True)]
        for first, last, v in _runs(index, values[pos]):
            out_rows["kommune"].append(text_cols["kommune"].iat[pos] if "kommune" in text_cols else pd.NA)
            out_rows["ags"].append(text_cols["ags"].iat[pos] if "ags" in text_cols else pd.NA)
            out_rows["stelle_id"].append(text_cols["stelle_id"].iat[pos] if "stelle_id" in text_cols else pd.NA)
            out_rows["personal_id"].append(pid.iat[pos])
            out_rows["tarifstunden_h100"].append(tarif.iat[pos] if tarif is not None else pd.NA)
            out_rows["beginn"].append(dt.date(first // 12, first % 12 + 1, 1))
            y, m = last // 12, last % 12 + 1
            out_rows["ende"].append(dt.date(y, m, calendar.monthrange(y, m)[1]))
            out_rows[unit].append(v)
            out_rows["_zeile"].append(int(excel_row))
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in out_rows.items()})
    letters = {n: col_letter(c) for n, c in columns.items()}
    first_month = col_letter(month_cols[0])
    letters.update({"beginn": first_month, "ende": col_letter(month_cols[-1]), unit: first_month})
    info = SheetInfo(datei=datei, blatt=sheet.name, kind=Kind.BESETZUNG, header_row=hrow, columns=letters,
                     dropped=tuple(dropped), unknown=tuple(unknown), rows=len(rows))
    open_town = "kommune" not in columns and "ags" not in columns
    return GridRead(frame, info, found, open_town, f"{col_letter(free)}{hrow}")


def _units_row(row: pd.Series) -> bool:
    from kimrecon.read.sheet import is_units_row

    return is_units_row(row.tolist())


def _unit_from_values(e4: dict[int, V.Parsed]) -> tuple[str, tuple[int, int] | None]:
    """Values up to 1 are Stellenanteile, all above 1 are hours; a mix is unclear (first cell above 1)."""
    small = big = False
    first_big: tuple[int, int] | None = None
    for c, (out, _) in e4.items():
        v = out.dropna()
        v = v[v > 0]
        small |= bool((v <= 10_000).any())
        if bool((v > 10_000).any()):
            big = True
            z = int(v.index[(v > 10_000).to_numpy()][0])
            first_big = first_big if first_big is not None and first_big[0] <= z else (z, c)
    if big and not small:
        return "wochenstunden_h100", None
    return "stellenanteil_e4", first_big if big else None


def _runs(index: list[int], values: np.ndarray) -> list[tuple[int, int, int]]:
    """(first month, last month, value) of each run of equal non-zero values in consecutive months."""
    order = sorted(range(len(index)), key=lambda j: index[j])
    out: list[tuple[int, int, int]] = []
    for j in order:
        v = int(values[j])
        if v <= 0:
            continue
        if out and out[-1][2] == v and out[-1][1] + 1 == index[j]:
            out[-1] = (out[-1][0], index[j], v)
        else:
            out.append((index[j], index[j], v))
    return out
