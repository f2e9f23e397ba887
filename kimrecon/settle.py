"""Settlement stage: per edge and year, forwarded vs. eligible (subtree) vs. paid, up to a month (R5, R6)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

import numpy as np
import pandas as pd

from kimrecon.allocate import Allocation, _present
from kimrecon.entitle import Entitlement
from kimrecon.findings import Code, Finding, Severity, finding
from kimrecon.inputs import CaseInputs, Kind
from kimrecon.interest import exact_interest
from kimrecon.money import round_half_up
from kimrecon.names import normalize_name
from kimrecon.parameters import Params
from kimrecon.result import MONTH_COLUMNS, Edge, InterimInterestRisk

REPAYMENT = "rückzahlung"
INTEREST_PAYMENT = "zinszahlung"


@dataclass
class Settlement:
    """Edges, the month matrix, the normalised payments and the risk figures of a run."""

    edges: tuple[Edge, ...]
    months: pd.DataFrame
    payments: pd.DataFrame  # Zahlungen + _edge_jahr, _geber, _empfaenger, _sign (matched edge)
    interim: tuple[InterimInterestRisk, ...]
    netting: list[dict[str, object]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _subtree_pairs(nodes: pd.DataFrame) -> pd.DataFrame:
    """(jahr, anc, desc) for every node and each of its ancestors including itself."""
    parent = {(int(j), str(k)): str(g) for j, k, g in zip(nodes["jahr"], nodes["key"], nodes["geber_key"],
                                                         strict=True)}
    rows = []
    for (j, k) in parent:  # per recipient-year: small
        cur: str | None = k
        seen = set()
        while cur is not None and (j, cur) in parent and cur not in seen:
            rows.append((j, cur, k))
            seen.add(cur)
            cur = parent[(j, cur)]
    return pd.DataFrame(rows, columns=["jahr", "anc", "key"])


def _payments(inputs: CaseInputs, alloc: Allocation, stichtag: date,
              findings: list[Finding]) -> pd.DataFrame:
    """Match every payment to a contract edge and a direction (R5: repayments flow up, r → g)."""
    frame = inputs.frames.get(Kind.ZAHLUNGEN)
    cols = ["_edge_jahr", "_geber", "_empfaenger", "_sign", "_monat"]
    if frame is None or len(frame) == 0:
        return pd.DataFrame(columns=cols)
    p = frame.copy()
    names = alloc.names
    p["_zk"] = names.keys_of(p["zahler"])
    p["_ek"] = names.keys_of(p["empfaenger"])
    for col, key in (("zahler", "_zk"), ("empfaenger", "_ek")):
        unknown = p[p[key].isna()]
        first = unknown.groupby(unknown[col].astype("string").fillna(""), sort=False).head(1)
        for idx in first.index:
            findings.append(finding(Code.NAME_UNBEKANNT, _ref(inputs, p, idx, col), value=first.at[idx, col],
                                    name=first.at[idx, col]))
    datum = pd.to_datetime(p["datum"])
    bezug = p["jahr"].astype("Int64") if "jahr" in p else pd.Series(pd.NA, index=p.index, dtype="Int64")
    p["_edge_jahr"] = bezug.fillna(pd.Series(datum.dt.year, index=p.index).astype("Int64"))
    art = p["art"].astype("string").fillna("").str.strip().str.lower() if "art" in p else pd.Series("", index=p.index)
    edges = alloc.nodes[["jahr", "geber_key", "key"]].reset_index(drop=True)
    edges = edges.astype({"jahr": "int64"})
    down = p[["_edge_jahr", "_zk", "_ek"]].reset_index().merge(
        edges, left_on=["_edge_jahr", "_zk", "_ek"], right_on=["jahr", "geber_key", "key"], how="inner")
    up = p[["_edge_jahr", "_zk", "_ek"]].reset_index().merge(
        edges, left_on=["_edge_jahr", "_ek", "_zk"], right_on=["jahr", "geber_key", "key"], how="inner")
    p["_sign"] = 0
    p.loc[down["index"].to_numpy(), "_sign"] = 1
    p.loc[up["index"].to_numpy(), "_sign"] = -1
    p["_geber"] = None
    p["_empfaenger"] = None
    p.loc[down["index"].to_numpy(), "_geber"] = down["geber_key"].to_numpy()
    p.loc[down["index"].to_numpy(), "_empfaenger"] = down["key"].to_numpy()
    p.loc[up["index"].to_numpy(), "_geber"] = up["geber_key"].to_numpy()
    p.loc[up["index"].to_numpy(), "_empfaenger"] = up["key"].to_numpy()
    # [D] interest payments are not principal; they never reduce a Saldo
    p.loc[art == INTEREST_PAYMENT, "_sign"] = 0
    orphan = (p["_sign"] == 0) & (art != INTEREST_PAYMENT) & p["_zk"].notna() & p["_ek"].notna()
    for idx in p.index[orphan][:200]:
        findings.append(finding(Code.ZAHLUNG_OHNE_VERTRAG, _ref(inputs, p, idx, "zahler"),
                                zahler=p.at[idx, "zahler"], empfaenger=p.at[idx, "empfaenger"]))
    # [D] the month a payment belongs to within its Bezugsjahr: its value date, clamped to Jan/Dec
    y = p["_edge_jahr"].astype("int64")
    p["_monat"] = np.where(datum.dt.year < y, 1, np.where(datum.dt.year > y, 12, datum.dt.month))
    p["_counted"] = (datum.dt.date <= stichtag) & (p["_sign"] != 0)
    return p


def _ref(inputs: CaseInputs, frame: pd.DataFrame, idx: object, column: str | None):  # type: ignore[no-untyped-def]
    try:
        return inputs.ref(int(frame.at[idx, "_sheet"]), int(frame.at[idx, "_zeile"]), column)
    except (KeyError, IndexError, ValueError, TypeError):
        return None


def settle(inputs: CaseInputs, alloc: Allocation, ent: Entitlement, params: Params, run_year: int,
           run_month: int) -> Settlement:
    """R5: settle every contract edge per year as cumulative figures up to the run month."""
    findings: list[Finding] = []
    stichtag = date(run_year, run_month, calendar.monthrange(run_year, run_month)[1])
    nodes = alloc.nodes[alloc.nodes["jahr"] <= run_year]
    payments = _payments(inputs, alloc, stichtag, findings)
    months = ent.months[ent.months["jahr"] <= run_year].copy()
    last = np.where(months["jahr"] == run_year, run_month, 12)
    months = months[months["monat"] <= last]
    if len(nodes) == 0:
        empty = pd.DataFrame(columns=list(MONTH_COLUMNS))
        return Settlement((), empty, payments, (), [], findings)

    # R5: Förderfähig_Teilbaum(r) = own F + Σ Förderfähig_Teilbaum of the children
    pairs = _subtree_pairs(nodes)
    own = months[["jahr", "key", "monat", "foerderfaehig_kumuliert_cent"]]
    sub = pairs.merge(own, on=["jahr", "key"], how="inner").groupby(
        ["jahr", "anc", "monat"], as_index=False)["foerderfaehig_kumuliert_cent"].sum()
    sub = sub.rename(columns={"anc": "key", "foerderfaehig_kumuliert_cent": "sub_kum"})

    # net payments per edge (recipient) and month: payments g→r minus repayments r→g (R5)
    counted = payments[payments.get("_counted", pd.Series(dtype=bool)).astype(bool)] if len(payments) else payments
    if len(counted):
        pay = pd.DataFrame({
            "jahr": counted["_edge_jahr"].astype("int64"), "key": counted["_empfaenger"].astype(str),
            "monat": counted["_monat"].astype("int64"),
            "netto": counted["betrag_cent"].astype("int64") * counted["_sign"].astype("int64"),
            "brutto": np.where(counted["_sign"] > 0, counted["betrag_cent"].astype("int64"), 0),
            "zurueck": np.where(counted["_sign"] < 0, counted["betrag_cent"].astype("int64"), 0),
        }).groupby(["jahr", "key", "monat"], as_index=False).sum()
    else:
        pay = pd.DataFrame({c: pd.Series(dtype="int64") for c in ("jahr", "monat", "netto", "brutto", "zurueck")})
        pay["key"] = pd.Series(dtype=str)
    m = months.merge(sub, on=["jahr", "key", "monat"], how="left").merge(pay, on=["jahr", "key", "monat"], how="left")
    for c in ("sub_kum", "netto", "brutto", "zurueck"):
        m[c] = m[c].fillna(0).astype("int64")
    m = m.sort_values(["jahr", "key", "monat"], kind="stable").reset_index(drop=True)
    grp = m.groupby(["jahr", "key"], sort=False)
    m["netto_kum"] = grp["netto"].cumsum()
    m["brutto_kum"] = grp["brutto"].cumsum()
    m["zurueck_kum"] = grp["zurueck"].cumsum()
    info = nodes.reset_index(drop=True)[["jahr", "key", "name", "vzae_eigen_e4"]]
    m = m.merge(info, on=["jahr", "key"], how="left")
    month_frame = pd.DataFrame({
        "empfaenger": m["name"], "jahr": m["jahr"].astype("int64"), "monat": m["monat"].astype("int64"),
        "vzae_zugeteilt_e4": m["vzae_eigen_e4"].astype("int64"), "vzae_besetzt_e4": m["vzae_besetzt_e4"],
        "foerderfaehig_cent": m["foerderfaehig_cent"],
        "foerderfaehig_kumuliert_cent": m["foerderfaehig_kumuliert_cent"],
        "ausgezahlt_cent": m["netto"], "ausgezahlt_kumuliert_cent": m["netto_kum"],
        "saldo_kumuliert_cent": m["netto_kum"] - m["sub_kum"],
    })[list(MONTH_COLUMNS)]

    end = m.groupby(["jahr", "key"], sort=False).tail(1).set_index(["jahr", "key"])
    edges: list[Edge] = []
    saldo_of: dict[tuple[int, str], int] = {}
    for (j, k), node in nodes.iterrows():  # one row per recipient-year (small)
        row = end.loc[(j, k)] if (j, k) in end.index else None
        f_sub = int(row["sub_kum"]) if row is not None else 0
        f_own = int(row["foerderfaehig_kumuliert_cent"]) if row is not None else 0
        paid = int(row["netto_kum"]) if row is not None else 0
        forwarded = int(node["weiterleitung_cent"])
        # R5: a Nachzahlung is never above r's forwarded amount
        capped = f_sub > forwarded
        eligible = min(f_sub, forwarded)
        saldo = paid - eligible
        saldo_of[(int(j), str(k))] = saldo
        geber = _giver_name(alloc, int(j), node)
        frist = node["frist"] if _present(node["frist"]) else None
        edges.append(Edge(
            geber=geber, empfaenger=str(node["name"]), jahr=int(j), vzae_zugeteilt_e4=int(node["vzae_teilbaum_e4"]),
            weiterleitung_cent=forwarded, foerderfaehig_kumuliert_cent=eligible, ausgezahlt_kumuliert_cent=paid,
            saldo_cent=saldo, gezahlt_brutto_cent=int(row["brutto_kum"]) if row is not None else 0,
            zurueckgezahlt_cent=int(row["zurueck_kum"]) if row is not None else 0,
            foerderfaehig_eigen_kumuliert_cent=f_own, nachzahlung_gekappt=capped, nachweisfrist=frist,
        ))
        if capped:
            findings.append(finding(Code.SONSTIGES, None, severity=Severity.HINWEIS,
                                    text=f"Nachzahlung an {node['name']} ({j}) auf den Weiterleitungsbetrag gekappt."))
    netting = _netting(nodes, saldo_of, params) if params.verrechnung else []
    interim = _interim(nodes, m, payments, alloc, params, stichtag, findings)
    return Settlement(tuple(edges), month_frame, payments, interim, netting, findings)


def _giver_name(alloc: Allocation, jahr: int, node: pd.Series) -> str:
    g = str(node["geber_key"])
    if node["ebene"] == 0:
        info = alloc.years.get(jahr)
        return info.behoerde if info else alloc.names.show(g)
    return alloc.names.show(g)


def _netting(nodes: pd.DataFrame, saldo_of: dict[tuple[int, str], int], params: Params) -> list[dict[str, object]]:
    """R5 [D] Verrechnung: a level may net its children's open refunds against its own liability.

    Both gross figures stay in the edges; this adds the net liability of each edge.
    """
    out = []
    for (j, k), node in nodes.iterrows():
        children = nodes[(nodes["jahr"] == j) & (nodes["geber_key"] == k)]
        child_refunds = sum(max(saldo_of.get((int(j), str(c)), 0), 0) for c in children["key"])
        gross = saldo_of.get((int(j), str(k)), 0)
        net = gross - child_refunds if gross > 0 else gross
        out.append({"jahr": int(j), "empfaenger": str(node["name"]), "saldo_brutto_cent": gross,
                    "forderungen_unten_cent": child_refunds, "saldo_netto_cent": net})
    return out


def _add_months(d: date, n: int) -> date:
    y, mth = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, mth + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _interim(nodes: pd.DataFrame, m: pd.DataFrame, payments: pd.DataFrame, alloc: Allocation, params: Params,
             stichtag: date, findings: list[Finding]) -> tuple[InterimInterestRisk, ...]:
    """R6: potenzielle Zwischenzinsen: FIFO match of eligible spending to tranches, two-month test.

    [D] the eligible amount of a month is spent on its last day; a repayment uses money on its value date.
    """
    if len(payments) == 0 or not payments["_counted"].any():
        return ()
    p = payments[payments["_counted"]]
    out: list[InterimInterestRisk] = []
    missing_reported = False
    spend = m[["jahr", "key", "monat", "sub_kum"]].copy()
    spend["use"] = spend.groupby(["jahr", "key"], sort=False)["sub_kum"].diff().fillna(spend["sub_kum"])
    spend_by = {k: g for k, g in spend.groupby(["jahr", "key"], sort=False)}
    for (j, k), grp in p.groupby(["_edge_jahr", "_empfaenger"], sort=True):  # per edge-year: small
        tranches = grp[grp["_sign"] > 0].sort_values("datum", kind="stable")
        if len(tranches) == 0:
            continue
        uses: list[tuple[date, int]] = []
        sp = spend_by.get((int(j), str(k)))
        if sp is not None:
            for mon, amount in zip(sp["monat"].tolist(), sp["use"].tolist(), strict=True):
                if amount > 0:
                    uses.append((date(int(j), int(mon), calendar.monthrange(int(j), int(mon))[1]), int(amount)))
        for d, amount in zip(grp.loc[grp["_sign"] < 0, "datum"], grp.loc[grp["_sign"] < 0, "betrag_cent"],
                             strict=True):
            uses.append((pd.Timestamp(d).date(), int(amount)))
        uses.sort()
        queue = [[pd.Timestamp(d).date(), int(a), int(a)] for d, a in zip(tranches["datum"], tranches["betrag_cent"],
                                                                          strict=True)]
        taken: list[list[tuple[date, int]]] = [[] for _ in queue]
        qi = 0
        for when, amount in uses:
            while amount > 0 and qi < len(queue):
                if queue[qi][0] > when:
                    break  # FIFO: spending before a tranche arrives cannot use it
                take = min(amount, queue[qi][2])
                queue[qi][2] -= take
                amount -= take
                taken[qi].append((when, take))
                if queue[qi][2] == 0:
                    qi += 1
        node = nodes.loc[(int(j), str(k))]
        for t, (paid_on, total, rest) in enumerate(queue):
            deadline = _add_months(paid_on, params.zwei_monate)
            if deadline >= stichtag:
                continue
            late = [(w, a) for w, a in taken[t] if w > deadline]
            if rest > 0:
                late.append((stichtag, rest))
            unused = sum(a for _, a in late)
            if unused <= 0:
                continue
            exact = Fraction(0)
            for when, amount in late:
                value, missing = exact_interest(params, amount, deadline, when)
                exact += value
                if missing is not None and not missing_reported:
                    missing_reported = True
                    findings.append(finding(Code.ZINSSATZ_FEHLT, None, severity=Severity.HINWEIS,
                                            ab=missing.strftime("%d.%m.%Y"), tabelle="Basiszinssatz"))
            out.append(InterimInterestRisk(
                geber=_giver_name(alloc, int(j), node), empfaenger=str(node["name"]), jahr=int(j),
                zahlung_datum=paid_on, betrag_cent=total, ungenutzt_cent=unused,
                tage=max((w - deadline).days for w, _ in late), zinsbetrag_cent=round_half_up(exact)))
    return tuple(out)


def normalized(name: str) -> str:
    """Matching key of a name (re-exported for callers of the settlement)."""
    return normalize_name(name)


__all__ = ["Settlement", "settle", "timedelta"]
