"""Entitlement stage: staffing → capped staffed VzÄ per recipient and month → eligible amount (R4, R4b).

Vectorised over all recipients at once from employment intervals and their change points:
never a row per person and day. VzÄ are exact integers over a common denominator ``D``
(hours ÷ tariff hours and Stellenanteile share it), money is rounded once per recipient and
year on the cumulative figure, and the monthly figures are differences of rounded cumulative
figures (spec §4).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kimrecon.engine.allocate import Allocation
from kimrecon.engine.arrays import codes, first_rows, group_cummax, group_cumsum
from kimrecon.findings import Code, Finding, Severity, finding
from kimrecon.inputs import CaseInputs, Kind
from kimrecon.money import VZAE_SCALE, format_vzae_de
from kimrecon.parameters import Params

_EPOCH = np.datetime64("1970-01-01", "D")
_SAFE = 2**61  # int64 products below this are safe for (2·num + den) // (2·den)

ENTITLEMENT_COLUMNS = (
    "jahr", "key", "monat", "vzae_besetzt_e4", "foerderfaehig_cent", "foerderfaehig_kumuliert_cent",
    "pauschal_kumuliert_cent", "kosten_kumuliert_cent", "vzae_besetzt_zaehler", "vzae_besetzt_nenner",
)


@dataclass
class Entitlement:
    """Own eligible amount of every recipient, year and month (not yet summed over subtrees)."""

    months: pd.DataFrame  # ENTITLEMENT_COLUMNS, all 12 months of every node year, sorted by (jahr, key, monat)
    denominator: int  # common denominator of staffed VzÄ
    findings: list[Finding] = field(default_factory=list)
    ohne_besetzung: frozenset[tuple[int, str]] = frozenset()  # (jahr, key) with own posts and no staffing row
    staff_keys: pd.Series | None = None  # the recipient key of every staffing row (None: unknown name)


def _days(values: pd.Series) -> np.ndarray:
    """Dates → int days since 1970 (NaT → INT64 min)."""
    arr = pd.to_datetime(values).to_numpy(dtype="datetime64[D]")
    return arr.astype("int64")


def _nat_days() -> int:
    return int(np.datetime64("NaT", "D").astype("int64"))


def _date_days(values: list[object]) -> np.ndarray:
    """Dates (``datetime.date``, None) as a list → int days since 1970 (None → INT64 min), without pandas."""
    return np.array(values, dtype="datetime64[D]").astype("int64")


def step_pieces(rid: np.ndarray, day: np.ndarray, delta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                                               np.ndarray]:
    """A step function per recipient from change-point events: (rid, day, level, length) of every step.

    Events of one recipient and day add up; the level is the running sum of the deltas of the
    recipient in day order; a step lasts until the recipient's next change point (its last change
    point starts no step). Integer arithmetic throughout.
    """
    order = np.lexsort((day, rid))
    r, d, x = rid[order], day[order], delta[order]
    if len(r) == 0:
        return r, d, x, x
    new = np.ones(len(r), dtype=bool)
    new[1:] = (r[1:] != r[:-1]) | (d[1:] != d[:-1])
    starts = np.flatnonzero(new)
    r, d, x = r[starts], d[starts], np.add.reduceat(x, starts)
    first = np.ones(len(r), dtype=bool)
    first[1:] = r[1:] != r[:-1]
    level = group_cumsum(x, first)
    has_next = np.zeros(len(r), dtype=bool)
    has_next[:-1] = ~first[1:]
    length = np.zeros(len(r), dtype="int64")
    length[:-1] = d[1:] - d[:-1]
    return r[has_next], d[has_next], level[has_next], length[has_next]


def group_agg(frame: pd.DataFrame, by: object, **named: tuple[str, str]) -> pd.DataFrame:
    """``frame.groupby(by).agg(name=(column, function), …)``, one aggregation per column.

    The same frame (sorted group keys as the index), without the fixed cost of pandas' named
    aggregation (≈ 10 ms a call, most of it for frames of a few hundred rows).
    """
    grouped = frame.groupby(by)  # type: ignore[call-overload]
    return pd.DataFrame({name: getattr(grouped[column], how)() for name, (column, how) in named.items()})


def div_round_vec(num: np.ndarray, den: np.ndarray | int) -> np.ndarray:
    """Vectorised half-up division for non-negative int64 numerators (Python ints beyond int64 range)."""
    num = np.asarray(num)
    den_arr = np.broadcast_to(np.asarray(den), num.shape)
    if num.dtype != object and (num.size == 0 or (np.abs(num).max() < _SAFE and den_arr.max() < _SAFE)):
        n = num.astype("int64")
        d = den_arr.astype("int64")
        q = (2 * np.abs(n) + d) // (2 * d)
        return np.where(n < 0, -q, q)
    out = np.empty(num.shape, dtype=object)
    for i, (n_, d_) in enumerate(zip(num.tolist(), den_arr.tolist(), strict=True)):  # overflow guard path
        n_i, d_i = int(n_), int(d_)
        q = (2 * abs(n_i) + d_i) // (2 * d_i)
        out[i] = -q if n_i < 0 else q
    return out


def _mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Exact product of two int64 arrays; object (Python int) arrays when int64 could overflow."""
    a = np.asarray(a)
    b = np.asarray(b)
    if a.size == 0:
        return a.astype("int64")
    if a.dtype != object and b.dtype != object:
        amax = float(np.abs(a).max())
        bmax = float(np.abs(b).max())
        if amax * bmax < _SAFE:
            return a.astype("int64") * b.astype("int64")
    return np.array([int(x) * int(y) for x, y in zip(a.tolist(), b.tolist(), strict=True)], dtype=object)


def entitle(inputs: CaseInputs, alloc: Allocation, params: Params) -> Entitlement:
    """R4/R4b: staffed VzÄ per recipient and month (capped at the allotment) and the eligible amount."""
    findings: list[Finding] = []
    nodes = alloc.nodes
    if len(nodes) == 0:
        return Entitlement(pd.DataFrame(columns=list(ENTITLEMENT_COLUMNS)), VZAE_SCALE, findings)
    keys = sorted(set(nodes["key"].tolist()))
    rid_of = {k: i for i, k in enumerate(keys)}
    y0, y1 = int(nodes["jahr"].min()), int(nodes["jahr"].max())
    start = int((np.datetime64(f"{y0}-01-01", "D") - _EPOCH).astype("int64"))
    end_excl = int((np.datetime64(f"{y1 + 1}-01-01", "D") - _EPOCH).astype("int64"))

    staff = inputs.frames.get(Kind.BESETZUNG)
    staff_keys = staff_keys_of(staff, alloc)
    events_rid: list[np.ndarray] = []
    events_day: list[np.ndarray] = []
    events_delta: list[np.ndarray] = []
    denominator = VZAE_SCALE
    costs = None
    if staff is not None and staff_keys is not None:
        denominator, costs = _staff_events(inputs, staff, staff_keys, alloc, rid_of, params, start, end_excl,
                                           findings, events_rid, events_day, events_delta)

    # change points: every month start of every recipient, the Bewilligungszeitraum borders, the range end
    month_starts = np.arange(np.datetime64(f"{y0}-01", "M"), np.datetime64(f"{y1 + 1}-01", "M") + 1)
    ms_days = (month_starts.astype("datetime64[D]") - _EPOCH).astype("int64")
    n_r = len(keys)
    events_rid.append(np.repeat(np.arange(n_r), len(ms_days)))
    events_day.append(np.tile(ms_days, n_r))
    events_delta.append(np.zeros(n_r * len(ms_days), dtype="int64"))
    node_rid = np.array([rid_of[k] for k in nodes["key"].tolist()], dtype="int64")
    node_jahr = nodes["jahr"].to_numpy(dtype="int64")
    von = _date_days(nodes["von"].tolist())
    bis = _date_days(nodes["bis"].tolist()) + 1
    events_rid += [node_rid, node_rid]
    events_day += [von, bis]
    events_delta += [np.zeros(len(von), dtype="int64"), np.zeros(len(bis), dtype="int64")]

    rid_all = np.concatenate(events_rid).astype("int64")
    day_all = np.concatenate(events_day).astype("int64")
    delta_all = np.concatenate(events_delta).astype("int64")
    keep = (day_all >= start) & (day_all <= end_excl)
    p_rid, p_day, level, length = step_pieces(rid_all[keep], day_all[keep], delta_all[keep])
    months = p_day.astype("datetime64[D]").astype("datetime64[M]").astype("int64")
    jahr = months // 12 + 1970
    monat = months % 12 + 1
    # R4b: the cap is per recipient (its own allotment), only inside the Bewilligungszeitraum
    n_nodes = len(nodes)
    node_at = np.full((n_r, y1 - y0 + 1), -1, dtype="int64")  # (rid, year) → node position
    node_at[node_rid, node_jahr - y0] = np.arange(n_nodes)
    in_years = (jahr >= y0) & (jahr <= y1)
    pos = np.full(len(p_rid), -1, dtype="int64")
    pos[in_years] = node_at[p_rid[in_years], jahr[in_years] - y0]
    mine = pos >= 0
    pos, p_day, level, length, monat = pos[mine], p_day[mine], level[mine], length[mine], monat[mine]
    cap = nodes["vzae_eigen_e4"].to_numpy(dtype="int64") * (denominator // VZAE_SCALE)
    inside = (p_day >= von[pos]) & (p_day < bis[pos])
    capped = np.minimum(np.maximum(level, 0), np.where(inside, cap[pos], 0))
    # per node and month (row-major, 12 months a node): the highest capped staffing and its VzÄ-days
    cell = pos * 12 + (monat - 1)
    vmax_n = np.full(n_nodes * 12, np.iinfo("int64").min, dtype="int64")
    np.maximum.at(vmax_n, cell, capped)
    vmax_n[vmax_n == np.iinfo("int64").min] = 0  # a month without a piece counts 0
    vdays_n = np.zeros(n_nodes * 12, dtype="int64")
    np.add.at(vdays_n, cell, capped * length)

    # the grid: every node (sorted by year and key; rid is the key's rank) with its 12 months
    order = np.lexsort((node_rid, node_jahr))
    rows = (order[:, None] * 12 + np.arange(12)).ravel()
    g_jahr = np.repeat(node_jahr[order], 12)
    grid = pd.DataFrame({
        "jahr": g_jahr, "key": np.repeat(nodes["key"].to_numpy(dtype=object)[order], 12),
        "monat": np.tile(np.arange(1, 13, dtype="int64"), n_nodes),
    })
    vmax = vmax_n[rows]
    vdays = vdays_n[rows]
    month_no = (g_jahr - 1970) * 12 + grid["monat"].to_numpy() - 1
    dim = (month_no.astype("datetime64[M]") + 1).astype("datetime64[D]").astype("int64") - \
        month_no.astype("datetime64[M]").astype("datetime64[D]").astype("int64")
    diy = np.where(((g_jahr % 4 == 0) & (g_jahr % 100 != 0)) | (g_jahr % 400 == 0), 366, 365)
    rate = np.repeat(nodes["pauschale_cent"].to_numpy(dtype="int64")[order], 12)
    eigen = np.repeat(nodes["eigen_cent"].to_numpy(dtype="int64")[order], 12)
    if params.modus == "tagesprinzip":
        # R4 tagesprinzip: F = Pauschale × Σ_days v_d / days_in_year
        cum = vdays.reshape(-1, 12).cumsum(axis=1).ravel()
        den = diy.astype("int64") * denominator
        besetzt = div_round_vec(_mul(vdays, np.full(len(grid), VZAE_SCALE)),
                                _mul(dim.astype("int64"), np.full(len(grid), denominator)))
        exact_num = vdays
        exact_den = _mul(dim.astype("int64"), np.full(len(grid), denominator))
    else:
        # R4 monatsprinzip: a month counts with the highest capped staffing on any of its days
        cum = vmax.reshape(-1, 12).cumsum(axis=1).ravel()
        den = np.full(len(grid), 12 * denominator, dtype="int64")
        besetzt = div_round_vec(_mul(vmax, np.full(len(grid), VZAE_SCALE)), denominator)
        exact_num = vmax
        exact_den = np.full(len(grid), denominator, dtype="int64")
    flat = div_round_vec(_mul(rate, cum), den)  # §4: one rounding per recipient and year, on the cumulative figure
    # R4b: never above the recipient's own share of the money (its largest-remainder part, R3a)
    flat = np.minimum(np.asarray(flat, dtype="int64"), eigen)
    grid["vzae_besetzt_e4"] = np.asarray(besetzt, dtype="int64")
    # the exact staffed VzÄ of the month as a reduced fraction, so that workbooks can show 30/39
    # instead of a rounded 0,7692 and an auditor's Σ VzÄ-Monate × Pauschale / 12 hits the cent
    exact_den = np.asarray(exact_den, dtype="int64")
    common = np.gcd(exact_num, exact_den)
    grid["vzae_besetzt_zaehler"] = exact_num // np.where(common == 0, 1, common)
    grid["vzae_besetzt_nenner"] = exact_den // np.where(common == 0, 1, common)
    grid["pauschal_kumuliert_cent"] = np.asarray(flat, dtype="int64")
    grid["kosten_kumuliert_cent"] = pd.array([pd.NA] * len(grid), dtype="Int64")
    total = grid["pauschal_kumuliert_cent"].to_numpy(dtype="int64")
    if params.spitzabrechnung:
        total = _spitz(grid, costs, rid_of, keys, alloc, inputs, findings)
    total = np.asarray(total, dtype="int64")
    grid["foerderfaehig_kumuliert_cent"] = total
    prev = np.zeros_like(total)  # the month before within the node's year (0 before January)
    prev.reshape(-1, 12)[:, 1:] = total.reshape(-1, 12)[:, :-1]
    grid["foerderfaehig_cent"] = total - prev
    missing = _missing_staffing(inputs, alloc, staff_keys, findings)
    return Entitlement(grid[list(ENTITLEMENT_COLUMNS)].copy(), denominator, findings, missing, staff_keys)


def staff_keys_of(staff: pd.DataFrame | None, alloc: Allocation) -> pd.Series | None:
    """The recipient key of every staffing row, by AGS or name (None where unknown); None without staffing rows."""
    if staff is None or len(staff) == 0:
        return None
    return alloc.names.keys_of(staff["kommune"], staff["ags"] if "ags" in staff else None)


def _years(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Dates → their calendar years (int64) and a mask of the empty cells."""
    arr = pd.to_datetime(values).to_numpy(dtype="datetime64[Y]")
    return arr.astype("int64") + 1970, np.isnat(arr)


def _missing_staffing(inputs: CaseInputs, alloc: Allocation, keys: pd.Series | None,
                      findings: list[Finding]) -> frozenset[tuple[int, str]]:
    """Missing data is never zero staff: a recipient with own posts in a year and no staffing row touching it.

    Each such (year, recipient) gets a Warnung naming the town and the year (at its Zuweisung row).
    """
    nodes = alloc.nodes[(alloc.nodes["vzae_eigen_e4"] > 0) & (alloc.nodes["monate"] > 0) & (alloc.nodes["ebene"] > 0)]
    if len(nodes) == 0:
        return frozenset()
    staff = inputs.frames.get(Kind.BESETZUNG)
    covered: set[tuple[int, str]] = set()
    if staff is not None and keys is not None:
        code, uniq = pd.factorize(keys)  # an unknown name → -1
        begin, no_begin = _years(staff["beginn"])
        end, no_end = _years(staff["ende"]) if "ende" in staff else (begin, np.ones(len(staff), dtype=bool))
        for y in sorted(set(nodes["jahr"].astype(int).tolist())):  # a few years
            touch = (code >= 0) & (no_begin | (begin <= y)) & (no_end | (end >= y))
            covered |= {(y, str(uniq[c])) for c in np.unique(code[touch]).tolist()}
    zuw = inputs.frames.get(Kind.ZUWEISUNG)
    zuw_keys = alloc.names.keys_of(zuw["empfaenger"], zuw["ags"] if "ags" in zuw else None) if zuw is not None \
        else pd.Series(dtype=object)
    missing = set()
    for j, key, name, vzae in zip(nodes["jahr"], nodes["key"], nodes["name"], nodes["vzae_eigen_e4"], strict=True):
        if (int(j), str(key)) in covered:
            continue
        missing.add((int(j), str(key)))
        ref = None
        if zuw is not None:
            rows = zuw.index[(zuw_keys == key).to_numpy(dtype=bool) & (zuw["jahr"] == j).fillna(False).to_numpy(
                dtype=bool)]
            ref = inputs.row_ref(Kind.ZUWEISUNG, rows[0], "empfaenger") if len(rows) else None
        findings.append(finding(Code.BESETZUNG_FEHLT, ref, severity=Severity.WARNUNG, empfaenger=name, jahr=int(j),
                                vzae=format_vzae_de(int(vzae))))
    return frozenset(missing)


def _ints(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """An integer column as int64 values (0 where empty) and a mask of the filled cells; all empty if absent."""
    if column not in frame:
        return np.zeros(len(frame), dtype="int64"), np.zeros(len(frame), dtype=bool)
    col = frame[column].astype("Int64")
    return col.to_numpy(dtype="int64", na_value=0), col.notna().to_numpy(dtype=bool)


def _staff_events(inputs: CaseInputs, staff: pd.DataFrame, keys: pd.Series, alloc: Allocation, rid_of: dict[str, int],
                  params: Params, start: int, end_excl: int, findings: list[Finding],
                  events_rid: list[np.ndarray], events_day: list[np.ndarray],
                  events_delta: list[np.ndarray]) -> tuple[int, pd.DataFrame | None]:
    """Employment intervals (+v … −v) and unpaid interruptions (−v … +v) as change-point events.

    On the columns as numpy arrays (the staffing sheet is the largest input; pandas' fixed cost per
    call would dominate a Kreis case).
    """
    unknown = staff[keys.isna().to_numpy(dtype=bool) & staff["kommune"].notna().to_numpy(dtype=bool)]
    if len(unknown):
        first = unknown.groupby(unknown["kommune"].astype("string").fillna(""), sort=False).head(1)
        for idx in first.index:
            name = first.at[idx, "kommune"]
            findings.append(finding(Code.NAME_UNBEKANNT, inputs.source(first, idx, "kommune"),
                                    value=name, name=name, **alloc.names.advice(name)))
    key_code, uniq = pd.factorize(keys, use_na_sentinel=True)
    rid_u = np.array([rid_of.get(k, -1) for k in uniq] + [-1], dtype="int64")
    rid = rid_u[np.where(key_code < 0, len(uniq), key_code)]
    sel = np.flatnonzero(rid >= 0)
    rid = rid[sel]
    tarif, has_t = _ints(staff, "tarifstunden_h100")
    tarif = tarif[sel]
    tarif = np.where(has_t[sel] & (tarif > 0), tarif, params.tarifstunden_h100).astype("int64")
    hours, has_h = _ints(staff, "wochenstunden_h100")
    share, has_s = _ints(staff, "stellenanteil_e4")
    hours, has_h, share, has_s = hours[sel], has_h[sel], share[sel], has_s[sel]
    # R4: part time counts as agreed weekly hours ÷ tariff hours, exact over a common denominator
    denominator = VZAE_SCALE
    for t in sorted(set(tarif[has_h].tolist())):
        denominator = math.lcm(denominator, int(t))
    if denominator > 10**12:  # overflow guard for int64 sums of many people over many days
        findings.append(finding(Code.PARAMETER_UNGUELTIG, None, parameter="tarifstunden",
                                grund="zu viele verschiedene Tarifstunden für exakte Rechnung"))
        denominator = VZAE_SCALE
        has_h = np.zeros(len(sel), dtype=bool)
    has_s = ~has_h & has_s
    v = np.zeros(len(sel), dtype="int64")
    v[has_h] = hours[has_h] * (denominator // tarif[has_h])
    v[has_s] = share[has_s] * (denominator // VZAE_SCALE)
    # a row without hours and share is reported by the cross-sheet rules (UMFANG_FEHLT) and not counted
    nat = _nat_days()
    b = _days(staff["beginn"])[sel]
    ende = _days(staff["ende"])[sel] if "ende" in staff else np.full(len(sel), nat)
    open_end = ende == nat
    e = np.where(open_end, np.maximum(end_excl, b), ende + 1)
    ok = (has_h | has_s) & (b != nat)
    ok &= ~((e <= b) & ~open_end)  # reported by the cross-sheet rules (ENDE_VOR_BEGINN), not counted
    rows = sel[ok]
    rid, v, b, e = rid[ok], v[ok], b[ok], e[ok]
    # equal texts as pandas' string dtype shows them (an empty cell as "") are one person or post
    pid = codes(staff["personal_id"].astype("string").fillna(""))[rows]
    sid = codes(staff["stelle_id"].astype("string").fillna(""))[rows] if "stelle_id" in staff \
        else np.zeros(len(rows), dtype="int64")
    # several rows of one employment (e.g. one per interruption or a monthly sheet sent again) count once
    emp, emp_first = first_rows(rid, sid, pid, b, e, v)
    events_rid += [rid[emp_first], rid[emp_first]]
    events_day += [np.clip(b[emp_first], start, end_excl), np.clip(e[emp_first], start, end_excl)]
    events_delta += [v[emp_first], -v[emp_first]]
    # R4: an interruption without pay claim (Elternzeit, Sonderurlaub ohne Bezüge, …) is not staffed
    if "unterbrechung_von" in staff:
        uv = _days(staff["unterbrechung_von"])[rows]
        ub = _days(staff["unterbrechung_bis"])[rows] if "unterbrechung_bis" in staff else np.full(len(rows), nat)
        paid = staff["entgeltanspruch"].astype("boolean").fillna(False).to_numpy(dtype=bool)[rows] \
            if "entgeltanspruch" in staff else np.zeros(len(rows), dtype=bool)
        to = np.where(ub == nat, e, ub + 1)
        cand = np.flatnonzero((uv != nat) & ~paid)
        _, once = first_rows(emp[cand], uv[cand], to[cand])
        i = cand[once]
        lo, hi = np.maximum(uv[i], b[i]), np.minimum(to[i], e[i])
        real = hi > lo
        i, lo, hi = i[real], lo[real], hi[real]
        order = np.lexsort((lo, emp[i]))  # stable: by employment, then start
        i, lo, hi = i[order], lo[order], hi[order]
        # overlapping interruptions of one employment are merged, so no day is taken off twice
        first = np.ones(len(i), dtype=bool)
        first[1:] = emp[i][1:] != emp[i][:-1]
        new = first.copy()  # a block starts with an employment's first interruption or after the running end
        new[1:] |= lo[1:] > group_cummax(hi, first)[:-1]
        starts = np.flatnonzero(new)
        if len(starts):
            r_m, v_m = rid[i][starts], v[i][starts]
            events_rid += [r_m, r_m]
            events_day += [np.clip(np.minimum.reduceat(lo, starts), start, end_excl),
                           np.clip(np.maximum.reduceat(hi, starts), start, end_excl)]
            events_delta += [-v_m, v_m]
    costs = None
    if "personalkosten_cent" in staff:
        kosten, has_k = _ints(staff, "personalkosten_cent")
        with_cost = np.flatnonzero(has_k[rows])
        if len(with_cost):
            _, once = first_rows(emp[with_cost])
            costs = _cost_years(rid, b, e, open_end[ok], kosten[rows], with_cost[once], start, end_excl)
    return denominator, costs


def _cost_years(rid: np.ndarray, b: np.ndarray, e: np.ndarray, open_end: np.ndarray, kosten: np.ndarray,
                rows: np.ndarray, start: int, end_excl: int) -> pd.DataFrame:
    """Each employment's Personalkosten per calendar year of the case, with the days of the row in that year.

    [D] a row's Personalkosten is the employer's cost per calendar year (the sheets are yearly): it is
    spread over the row's days in each year of the case (a 2023 sheet of a person employed since 2021,
    or leaving on 31.08.2023, caps 2023 at that figure).
    """
    open_end, b, e, kosten = open_end[rows], b[rows], e[rows], kosten[rows]
    y_start = int(np.datetime64(start, "D").astype("datetime64[Y]").astype("int64")) + 1970
    y_last = int(np.datetime64(end_excl - 1, "D").astype("datetime64[Y]").astype("int64")) + 1970
    first_y = np.maximum(b.astype("datetime64[D]").astype("datetime64[Y]").astype("int64") + 1970, y_start)
    last_e = (e - 1).astype("datetime64[D]").astype("datetime64[Y]").astype("int64") + 1970
    last_y = np.where(open_end, y_last, np.minimum(last_e, y_last))
    n = np.maximum(last_y - first_y + 1, 1)
    rep = np.repeat(np.arange(len(rows)), n)
    year = first_y[rep] + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
    jan1 = ((year - 1970).astype("datetime64[Y]").astype("datetime64[D]") - _EPOCH).astype("int64")
    next_jan1 = ((year - 1969).astype("datetime64[Y]").astype("datetime64[D]") - _EPOCH).astype("int64")
    return pd.DataFrame({"rid": rid[rows][rep],
                         "b": np.maximum(b[rep], jan1),
                         "e": np.where(open_end[rep], next_jan1, np.minimum(e[rep], next_jan1)),
                         "kosten": kosten[rep]})


def _spitz(grid: pd.DataFrame, costs: pd.DataFrame | None, rid_of: dict[str, int], keys: list[str],
           alloc: Allocation, inputs: CaseInputs, findings: list[Finding]) -> np.ndarray:
    """R4 spitzabrechnung: F = min(flat-rate F, actual personnel cost), both cumulative to each month."""
    flat = grid["pauschal_kumuliert_cent"].to_numpy(dtype="int64")
    grid_rids = grid["key"].map(rid_of).to_numpy()
    with_cost = set() if costs is None else set(costs["rid"].tolist())
    peak = grid.groupby(grid_rids)["pauschal_kumuliert_cent"].max()
    for rid in sorted(set(peak.index[peak > 0].tolist()) - with_cost):  # one Hinweis per recipient
        findings.append(finding(Code.PERSONALKOSTEN_FEHLEN, None, severity=Severity.HINWEIS,
                                empfaenger=alloc.names.show(keys[rid])))
    if costs is None or len(costs) == 0:
        return flat
    # cost spread by days over the row's period: rounded cumulative per row at every month end
    first_m = costs["b"].to_numpy().astype("datetime64[D]").astype("datetime64[M]")
    last_m = (costs["e"].to_numpy() - 1).astype("datetime64[D]").astype("datetime64[M]")
    n = (last_m - first_m).astype("int64") + 1
    n = np.maximum(n, 1)
    rep = np.repeat(np.arange(len(costs)), n)
    offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    month = first_m[rep] + offset
    month_end = ((month + 1).astype("datetime64[D]") - _EPOCH).astype("int64")
    b = costs["b"].to_numpy()[rep]
    e = costs["e"].to_numpy()[rep]
    total_days = np.maximum(e - b, 1)
    done = np.clip(np.minimum(month_end, e) - b, 0, None)
    cum = np.asarray(div_round_vec(_mul(costs["kosten"].to_numpy()[rep], done), total_days), dtype="int64")
    prev = np.where(offset > 0, np.concatenate([[0], cum[:-1]]), 0)
    per = pd.DataFrame({"rid": costs["rid"].to_numpy()[rep], "jahr": month.astype("int64") // 12 + 1970,
                        "monat": month.astype("int64") % 12 + 1, "k": cum - prev})
    per = per.groupby(["rid", "jahr", "monat"], as_index=False)["k"].sum()
    g = pd.DataFrame({"rid": grid_rids, "jahr": grid["jahr"].to_numpy(), "monat": grid["monat"].to_numpy()})
    g = g.merge(per, on=["rid", "jahr", "monat"], how="left")
    g["k"] = g["k"].fillna(0).astype("int64")
    kum = g.groupby(["rid", "jahr"], sort=False)["k"].cumsum().to_numpy(dtype="int64")
    grid["kosten_kumuliert_cent"] = pd.array(np.where(np.isin(grid_rids, list(with_cost)), kum, 0), dtype="Int64")
    grid.loc[~np.isin(grid_rids, list(with_cost)), "kosten_kumuliert_cent"] = pd.NA
    return np.where(np.isin(grid_rids, list(with_cost)), np.minimum(flat, kum), flat)




