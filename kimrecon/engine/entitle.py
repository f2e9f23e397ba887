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

    months: pd.DataFrame  # ENTITLEMENT_COLUMNS, all 12 months of every node year
    denominator: int  # common denominator of staffed VzÄ
    findings: list[Finding] = field(default_factory=list)
    ohne_besetzung: frozenset[tuple[int, str]] = frozenset()  # (jahr, key) with own posts and no staffing row


def _days(values: pd.Series) -> np.ndarray:
    """Dates → int days since 1970 (NaT → INT64 min)."""
    arr = pd.to_datetime(values).to_numpy(dtype="datetime64[D]")
    return arr.astype("int64")


def _nat_days() -> int:
    return int(np.datetime64("NaT", "D").astype("int64"))


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
    events_rid: list[np.ndarray] = []
    events_day: list[np.ndarray] = []
    events_delta: list[np.ndarray] = []
    denominator = VZAE_SCALE
    costs = None
    if staff is not None and len(staff) > 0:
        staff, denominator, costs = _staff_events(inputs, staff, alloc, rid_of, params, start, end_excl, findings,
                                                  events_rid, events_day, events_delta)

    # change points: every month start of every recipient, the Bewilligungszeitraum borders, the range end
    month_starts = np.arange(np.datetime64(f"{y0}-01", "M"), np.datetime64(f"{y1 + 1}-01", "M") + 1)
    ms_days = (month_starts.astype("datetime64[D]") - _EPOCH).astype("int64")
    n_r = len(keys)
    events_rid.append(np.repeat(np.arange(n_r), len(ms_days)))
    events_day.append(np.tile(ms_days, n_r))
    events_delta.append(np.zeros(n_r * len(ms_days), dtype="int64"))
    node_rid = nodes["key"].map(rid_of).to_numpy(dtype="int64")
    von = _days(pd.Series(pd.to_datetime(nodes["von"]).to_numpy()))
    bis = _days(pd.Series(pd.to_datetime(nodes["bis"]).to_numpy())) + 1
    events_rid += [node_rid, node_rid]
    events_day += [von, bis]
    events_delta += [np.zeros(len(von), dtype="int64"), np.zeros(len(bis), dtype="int64")]

    ev = pd.DataFrame({
        "rid": np.concatenate(events_rid),
        "day": np.concatenate(events_day),
        "delta": np.concatenate(events_delta).astype("int64"),
    })
    ev = ev[(ev["day"] >= start) & (ev["day"] <= end_excl)]
    ev = ev.groupby(["rid", "day"], sort=True, as_index=False)["delta"].sum()
    ev["level"] = ev.groupby("rid")["delta"].cumsum()
    ev["next"] = ev.groupby("rid")["day"].shift(-1)
    ev = ev[ev["next"].notna()]
    length = ev["next"].to_numpy(dtype="int64") - ev["day"].to_numpy(dtype="int64")
    dates = ev["day"].to_numpy(dtype="int64").astype("datetime64[D]")
    months = dates.astype("datetime64[M]").astype("int64")
    jahr = months // 12 + 1970
    monat = months % 12 + 1
    pieces = pd.DataFrame({
        "rid": ev["rid"].to_numpy(), "jahr": jahr, "monat": monat, "day": ev["day"].to_numpy(dtype="int64"),
        "level": ev["level"].to_numpy(dtype="int64"), "length": length,
    })
    # R4b: the cap is per recipient (its own allotment), only inside the Bewilligungszeitraum
    caps = pd.DataFrame({
        "rid": node_rid, "jahr": nodes["jahr"].to_numpy(dtype="int64"),
        "cap": nodes["vzae_eigen_e4"].to_numpy(dtype="int64") * (denominator // VZAE_SCALE),
        "von": von, "bis": bis,
    })
    pieces = pieces.merge(caps, on=["rid", "jahr"], how="inner")
    inside = (pieces["day"] >= pieces["von"]) & (pieces["day"] < pieces["bis"])
    capped = np.minimum(np.maximum(pieces["level"].to_numpy(), 0), np.where(inside, pieces["cap"].to_numpy(), 0))
    pieces["v"] = capped
    pieces["vd"] = capped * pieces["length"].to_numpy()
    per_month = group_agg(pieces, ["rid", "jahr", "monat"], vmax=("v", "max"), vdays=("vd", "sum")).reset_index()

    grid = nodes[["jahr", "key", "pauschale_cent", "eigen_cent"]].reset_index(drop=True)
    grid["rid"] = grid["key"].map(rid_of)
    grid = grid.loc[grid.index.repeat(12)].reset_index(drop=True)
    grid["monat"] = np.tile(np.arange(1, 13), len(nodes))
    grid = grid.merge(per_month, on=["rid", "jahr", "monat"], how="left")
    grid[["vmax", "vdays"]] = grid[["vmax", "vdays"]].fillna(0).astype("int64")
    grid = grid.sort_values(["jahr", "key", "monat"], kind="stable").reset_index(drop=True)
    dim = pd.to_datetime(dict(year=grid["jahr"], month=grid["monat"], day=1)).dt.days_in_month.to_numpy()
    diy = np.where(((grid["jahr"] % 4 == 0) & (grid["jahr"] % 100 != 0)) | (grid["jahr"] % 400 == 0), 366, 365)
    rate = grid["pauschale_cent"].to_numpy(dtype="int64")
    group = grid.groupby(["jahr", "key"], sort=False)
    if params.modus == "tagesprinzip":
        # R4 tagesprinzip: F = Pauschale × Σ_days v_d / days_in_year
        cum = group["vdays"].cumsum().to_numpy(dtype="int64")
        den = diy.astype("int64") * denominator
        besetzt = div_round_vec(_mul(grid["vdays"].to_numpy(), np.full(len(grid), VZAE_SCALE)),
                                _mul(dim.astype("int64"), np.full(len(grid), denominator)))
        exact_num = grid["vdays"].to_numpy(dtype="int64")
        exact_den = _mul(dim.astype("int64"), np.full(len(grid), denominator))
    else:
        # R4 monatsprinzip: a month counts with the highest capped staffing on any of its days
        cum = group["vmax"].cumsum().to_numpy(dtype="int64")
        den = np.full(len(grid), 12 * denominator, dtype="int64")
        besetzt = div_round_vec(_mul(grid["vmax"].to_numpy(), np.full(len(grid), VZAE_SCALE)), denominator)
        exact_num = grid["vmax"].to_numpy(dtype="int64")
        exact_den = np.full(len(grid), denominator, dtype="int64")
    flat = div_round_vec(_mul(rate, cum), den)  # §4: one rounding per recipient and year, on the cumulative figure
    # R4b: never above the recipient's own share of the money (its largest-remainder part, R3a)
    flat = np.minimum(np.asarray(flat, dtype="int64"), grid["eigen_cent"].to_numpy(dtype="int64"))
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
    grid["foerderfaehig_kumuliert_cent"] = total
    prev = grid.groupby(["jahr", "key"], sort=False)["foerderfaehig_kumuliert_cent"].shift(1).fillna(0)
    grid["foerderfaehig_cent"] = grid["foerderfaehig_kumuliert_cent"] - prev.astype("int64")
    missing = _missing_staffing(inputs, alloc, findings)
    return Entitlement(grid[list(ENTITLEMENT_COLUMNS)].copy(), denominator, findings, missing)


def _missing_staffing(inputs: CaseInputs, alloc: Allocation, findings: list[Finding]) -> frozenset[tuple[int, str]]:
    """Missing data is never zero staff: a recipient with own posts in a year and no staffing row touching it.

    Each such (year, recipient) gets a Warnung naming the town and the year (at its Zuweisung row).
    """
    nodes = alloc.nodes[(alloc.nodes["vzae_eigen_e4"] > 0) & (alloc.nodes["monate"] > 0) & (alloc.nodes["ebene"] > 0)]
    if len(nodes) == 0:
        return frozenset()
    staff = inputs.frames.get(Kind.BESETZUNG)
    covered: set[tuple[int, str]] = set()
    if staff is not None and len(staff) > 0:
        keys = alloc.names.keys_of(staff["kommune"], staff["ags"] if "ags" in staff else None)
        begin = pd.to_datetime(staff["beginn"]).dt.year
        end = pd.to_datetime(staff["ende"]).dt.year if "ende" in staff else pd.Series(pd.NA, index=staff.index)
        for y in sorted(set(nodes["jahr"].astype(int).tolist())):  # a few years
            touch = keys.notna() & (begin.isna() | (begin <= y)) & (end.isna() | (end >= y))
            covered |= {(y, str(k)) for k in keys[touch.to_numpy(dtype=bool)].unique()}
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


def _staff_events(inputs: CaseInputs, staff: pd.DataFrame, alloc: Allocation, rid_of: dict[str, int],
                  params: Params, start: int, end_excl: int, findings: list[Finding],
                  events_rid: list[np.ndarray], events_day: list[np.ndarray],
                  events_delta: list[np.ndarray]) -> tuple[pd.DataFrame, int, pd.DataFrame | None]:
    """Employment intervals (+v … −v) and unpaid interruptions (−v … +v) as change-point events."""
    s = staff.copy()
    s["_key"] = alloc.names.keys_of(s["kommune"], s["ags"] if "ags" in s else None)
    unknown = s[s["_key"].isna() & s["kommune"].notna()]
    if len(unknown):
        first = unknown.groupby(unknown["kommune"].astype("string").fillna(""), sort=False).head(1)
        for idx in first.index:
            name = first.at[idx, "kommune"]
            findings.append(finding(Code.NAME_UNBEKANNT, inputs.source(first, idx, "kommune"),
                                    value=name, name=name, **alloc.names.advice(name)))
    s = s[s["_key"].isin(list(rid_of))]
    tarif = s["tarifstunden_h100"].astype("Int64").fillna(params.tarifstunden_h100) if "tarifstunden_h100" in s \
        else pd.Series(params.tarifstunden_h100, index=s.index, dtype="Int64")
    tarif = tarif.where(tarif > 0, params.tarifstunden_h100).astype("int64")
    hours = s["wochenstunden_h100"].astype("Int64") if "wochenstunden_h100" in s else pd.Series(pd.NA, index=s.index,
                                                                                                     dtype="Int64")
    share = s["stellenanteil_e4"].astype("Int64") if "stellenanteil_e4" in s else pd.Series(pd.NA, index=s.index,
                                                                                                 dtype="Int64")
    # R4: part time counts as agreed weekly hours ÷ tariff hours, exact over a common denominator
    denominator = VZAE_SCALE
    for t in sorted(set(tarif[hours.notna()].tolist())):
        denominator = math.lcm(denominator, int(t))
    if denominator > 10**12:  # overflow guard for int64 sums of many people over many days
        findings.append(finding(Code.PARAMETER_UNGUELTIG, None, parameter="tarifstunden",
                                grund="zu viele verschiedene Tarifstunden für exakte Rechnung"))
        denominator = VZAE_SCALE
        hours = pd.Series(pd.NA, index=s.index, dtype="Int64")
    v = pd.Series(0, index=s.index, dtype="int64")
    has_h = hours.notna()
    v[has_h] = hours[has_h].astype("int64") * (denominator // tarif[has_h])
    has_s = ~has_h & share.notna()
    v[has_s] = share[has_s].astype("int64") * (denominator // VZAE_SCALE)
    missing = ~has_h & ~has_s
    # a row without hours and share is reported by the cross-sheet rules (UMFANG_FEHLT) and not counted
    s["_v"] = v
    s["_b"] = _days(s["beginn"])
    ende = _days(s["ende"]) if "ende" in s else np.full(len(s), _nat_days())
    open_end = ende == _nat_days()
    s["_e"] = np.where(open_end, np.maximum(end_excl, s["_b"].to_numpy()), ende + 1)
    s["_open"] = open_end
    s = s[(~missing) & (s["_b"] != _nat_days())]
    bad = (s["_e"] <= s["_b"]) & ~s["_open"]  # reported by the cross-sheet rules (ENDE_VOR_BEGINN), not counted
    s = s[~bad]
    s["_rid"] = s["_key"].map(rid_of).astype("int64")
    pid = s["personal_id"].astype("string").fillna("")
    sid = s["stelle_id"].astype("string").fillna("") if "stelle_id" in s else pd.Series("", index=s.index)
    emp_key = pd.DataFrame({"r": s["_rid"], "s": sid, "p": pid, "b": s["_b"], "e": s["_e"], "v": s["_v"]})
    s["_emp"] = emp_key.groupby(list(emp_key.columns), sort=False, dropna=False).ngroup() if len(s) else 0
    # several rows of one employment (e.g. one per interruption or a monthly sheet sent again) count once
    emp = s.drop_duplicates("_emp")
    events_rid += [emp["_rid"].to_numpy(), emp["_rid"].to_numpy()]
    events_day += [np.clip(emp["_b"].to_numpy(), start, end_excl), np.clip(emp["_e"].to_numpy(), start, end_excl)]
    events_delta += [emp["_v"].to_numpy(dtype="int64"), -emp["_v"].to_numpy(dtype="int64")]
    # R4: an interruption without pay claim (Elternzeit, Sonderurlaub ohne Bezüge, …) is not staffed
    if "unterbrechung_von" in s:
        uv = _days(s["unterbrechung_von"])
        ub = _days(s["unterbrechung_bis"]) if "unterbrechung_bis" in s else np.full(len(s), _nat_days())
        paid = s["entgeltanspruch"].astype("boolean").fillna(False).to_numpy(dtype=bool) \
            if "entgeltanspruch" in s else np.zeros(len(s), dtype=bool)
        intr = pd.DataFrame({"_emp": s["_emp"].to_numpy(), "_rid": s["_rid"].to_numpy(), "_v": s["_v"].to_numpy(),
                             "from": uv, "to": np.where(ub == _nat_days(), s["_e"].to_numpy(), ub + 1),
                             "_b": s["_b"].to_numpy(), "_e": s["_e"].to_numpy()})
        intr = intr[(uv != _nat_days()) & ~paid].drop_duplicates(["_emp", "from", "to"])
        intr = intr.assign(lo=np.maximum(intr["from"].to_numpy(), intr["_b"].to_numpy()),
                           hi=np.minimum(intr["to"].to_numpy(), intr["_e"].to_numpy()))
        intr = intr[intr["hi"] > intr["lo"]].sort_values(["_emp", "lo"], kind="stable")
        # overlapping interruptions of one employment are merged, so no day is taken off twice
        reach = intr.groupby("_emp")["hi"].cummax()
        prev = reach.groupby(intr["_emp"]).shift(1)
        block = (prev.isna() | (intr["lo"] > prev)).cumsum()
        merged = group_agg(intr, block.to_numpy(), rid=("_rid", "first"), v=("_v", "first"), lo=("lo", "min"),
                           hi=("hi", "max"))
        rid = merged["rid"].to_numpy()
        vv = merged["v"].to_numpy(dtype="int64")
        events_rid += [rid, rid]
        events_day += [np.clip(merged["lo"].to_numpy(), start, end_excl),
                       np.clip(merged["hi"].to_numpy(), start, end_excl)]
        events_delta += [-vv, vv]
    costs = None
    if "personalkosten_cent" in s and s["personalkosten_cent"].notna().any():
        c = s[s["personalkosten_cent"].notna()].drop_duplicates("_emp")
        # [D] a row's Personalkosten is the employer's cost per calendar year (the sheets are yearly): it is
        # spread over the row's days in each year of the case (a 2023 sheet of a person employed since 2021,
        # or leaving on 31.08.2023, caps 2023 at that figure)
        open_end = pd.to_datetime(c["ende"]).isna().to_numpy() if "ende" in c else np.ones(len(c), dtype=bool)
        b = c["_b"].to_numpy(dtype="int64")
        e = c["_e"].to_numpy(dtype="int64")
        y_start = int(np.datetime64(start, "D").astype("datetime64[Y]").astype("int64")) + 1970
        y_last = int(np.datetime64(end_excl - 1, "D").astype("datetime64[Y]").astype("int64")) + 1970
        first_y = np.maximum(b.astype("datetime64[D]").astype("datetime64[Y]").astype("int64") + 1970, y_start)
        last_e = (e - 1).astype("datetime64[D]").astype("datetime64[Y]").astype("int64") + 1970
        last_y = np.where(open_end, y_last, np.minimum(last_e, y_last))
        n = np.maximum(last_y - first_y + 1, 1)
        rep = np.repeat(np.arange(len(c)), n)
        year = first_y[rep] + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
        jan1 = ((year - 1970).astype("datetime64[Y]").astype("datetime64[D]") - _EPOCH).astype("int64")
        next_jan1 = ((year - 1969).astype("datetime64[Y]").astype("datetime64[D]") - _EPOCH).astype("int64")
        costs = pd.DataFrame({"rid": c["_rid"].to_numpy()[rep],
                              "b": np.maximum(b[rep], jan1),
                              "e": np.where(open_end[rep], next_jan1, np.minimum(e[rep], next_jan1)),
                              "kosten": c["personalkosten_cent"].astype("int64").to_numpy()[rep]})
    return s, denominator, costs


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




