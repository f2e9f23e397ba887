"""Settlement stage: per edge and year, forwarded vs. eligible (subtree) vs. paid, up to a month (R5, R6)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from kimrecon.engine.allocate import Allocation, split_amount
from kimrecon.engine.arrays import group_cumsum
from kimrecon.engine.deadlines import nachweisfristen
from kimrecon.engine.entitle import Entitlement, div_round_vec, group_agg
from kimrecon.engine.interest import rate_segments
from kimrecon.findings import Code, Finding, Severity, finding
from kimrecon.inputs import CaseInputs, Kind, present
from kimrecon.names import Names
from kimrecon.parameters import Params
from kimrecon.result import (
    EXACT_VZAE_COLUMNS,
    MONTH_COLUMNS,
    SUBTREE_COLUMNS,
    Edge,
    InterimInterestRisk,
    Netting,
    Payment,
    PaymentKind,
)

INTEREST_PAYMENT = "zinszahlung"


@dataclass
class Settlement:
    """Edges, the month matrix, the normalised payments and the risk figures of a run."""

    edges: tuple[Edge, ...]
    months: pd.DataFrame
    payments: pd.DataFrame  # Zahlungen + _edge_jahr, _geber, _empfaenger, _sign (matched edge)
    interim: tuple[InterimInterestRisk, ...]
    netting: tuple[Netting, ...] = ()
    findings: list[Finding] = field(default_factory=list)


def _subtree_pairs(nodes: pd.DataFrame) -> list[tuple[int, str, str]]:
    """(jahr, anc, desc) for every node and each of its ancestors including itself."""
    parent = {(int(j), str(k)): str(g) for j, k, g in zip(nodes["jahr"].tolist(), nodes["key"].tolist(),
                                                         nodes["geber_key"].tolist(), strict=True)}
    rows = []
    for (j, k) in parent:  # per recipient-year: small
        cur: str | None = k
        seen = set()
        while cur is not None and (j, cur) in parent and cur not in seen:
            rows.append((j, cur, k))
            seen.add(cur)
            cur = parent[(j, cur)]
    return rows


def _subtree_sums(pairs: list[tuple[int, str, str]], jahr: list[int], key: list[str], monat: list[int],
                  kum: list[int]) -> np.ndarray:
    """Σ of the cumulative eligible amount over each node's subtree, for every month row (jahr, key, monat).

    Two dicts in plain Python: a group-by over a join costs more than the sums on a Kreis case.
    """
    by_node: dict[tuple[int, str], list[tuple[int, int]]] = {}
    for j, k, mo, f in zip(jahr, key, monat, kum, strict=True):
        by_node.setdefault((j, k), []).append((mo, f))
    total: dict[tuple[int, str, int], int] = {}
    for j, anc, k in pairs:
        for mo, f in by_node.get((j, k), ()):
            total[(j, anc, mo)] = total.get((j, anc, mo), 0) + f
    return np.array([total.get(x, 0) for x in zip(jahr, key, monat, strict=True)], dtype="int64")


def _join_key(value: object) -> object:
    """A key as a join compares it: every empty value (None, NaN, NA) the same."""
    return None if value is None or value is pd.NA or (isinstance(value, float) and value != value) else value


def _payments(inputs: CaseInputs, alloc: Allocation, stichtag: date,
              findings: list[Finding]) -> pd.DataFrame:
    """Match every payment to a contract edge and a direction (R5: repayments flow up, r → g)."""
    frame = inputs.frames.get(Kind.ZAHLUNGEN)
    cols = ["_edge_jahr", "_geber", "_empfaenger", "_sign", "_monat"]
    if frame is None or len(frame) == 0:
        return pd.DataFrame(columns=cols)
    names = alloc.names
    # rows without value date or amount cannot be settled (the validator reports them)
    p = frame[frame["datum"].notna() & frame["betrag_cent"].notna()].copy()
    p["_zk"] = names.keys_of(p["zahler"])
    p["_ek"] = names.keys_of(p["empfaenger"])
    for col, key in (("zahler", "_zk"), ("empfaenger", "_ek")):
        unknown = p[p[key].isna() & p[col].notna()]
        if len(unknown) == 0:
            continue
        first = unknown.groupby(unknown[col].astype("string").fillna(""), sort=False).head(1)
        for idx in first.index:
            findings.append(finding(Code.NAME_UNBEKANNT, inputs.source(p, idx, col), value=first.at[idx, col],
                                    name=first.at[idx, col], **names.advice(first.at[idx, col])))
    day = pd.to_datetime(p["datum"]).to_numpy(dtype="datetime64[D]")  # every row has its value date
    value_year = day.astype("datetime64[Y]").astype("int64") + 1970
    bezug = p["jahr"].astype("Int64") if "jahr" in p else pd.Series(pd.NA, index=p.index, dtype="Int64")
    y = np.where(bezug.isna().to_numpy(dtype=bool), value_year, bezug.to_numpy(dtype="int64", na_value=0))
    p["_edge_jahr"] = pd.array(y, dtype="Int64")
    art = p["art"].astype("string").fillna("").str.strip().str.lower() if "art" in p else pd.Series("", index=p.index)
    # each payment's contract edge, g → r (a payment) or r → g (a repayment): the edges' keys as a dict,
    # an empty key matching an empty one as a join matches them, the edge's own keys recorded
    nodes = alloc.nodes
    edge_of = {(int(j), _join_key(g), _join_key(r)): (g, r) for j, g, r in zip(
        nodes["jahr"].tolist(), nodes["geber_key"].tolist(), nodes["key"].tolist(), strict=True)}
    n = len(p)
    sign = [0] * n
    geber: list[object] = [None] * n
    empfaenger: list[object] = [None] * n
    for i, (j, zk, ek) in enumerate(zip(y.tolist(), p["_zk"].tolist(), p["_ek"].tolist(), strict=True)):
        zk, ek = _join_key(zk), _join_key(ek)
        down, up = edge_of.get((j, zk, ek)), edge_of.get((j, ek, zk))
        if down is not None:
            sign[i], (geber[i], empfaenger[i]) = 1, down
        if up is not None:
            sign[i], (geber[i], empfaenger[i]) = -1, up
    signs = np.array(sign, dtype="int64")
    # [D] interest payments are not principal; they never reduce a Saldo
    signs[(art == INTEREST_PAYMENT).to_numpy(dtype=bool)] = 0
    p["_sign"] = signs
    p["_geber"] = pd.Series(geber, index=p.index, dtype=object)
    p["_empfaenger"] = pd.Series(empfaenger, index=p.index, dtype=object)
    p.index.name = None
    # a payment between known parties without an edge is a cross-sheet rule (engine.checks: ZAHLUNG_OHNE_VERTRAG)
    # [D] the month a payment belongs to within its Bezugsjahr: its value date, clamped to Jan/Dec
    value_month = day.astype("datetime64[M]").astype("int64") % 12 + 1
    p["_monat"] = np.where(value_year < y, 1, np.where(value_year > y, 12, value_month))
    p["_counted"] = (day <= np.datetime64(stichtag, "D")) & (signs != 0)
    return p


def _paid_by_month(payments: pd.DataFrame, jahr: list[int], key: list[str],
                   monat: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Net, gross and repaid amounts of the counted payments per month row (jahr, key, monat) of the settlement.

    Net = payments g→r − repayments r→g; a payment outside the rows (a later year or month) is left out.
    """
    n = len(jahr)
    netto, brutto, zurueck = (np.zeros(n, dtype="int64") for _ in range(3))
    if len(payments) == 0:
        return netto, brutto, zurueck
    counted = payments["_counted"].to_numpy(dtype=bool)
    if not counted.any():
        return netto, brutto, zurueck
    row_of = {jkm: i for i, jkm in enumerate(zip(jahr, key, monat, strict=True))}
    c = payments[counted]
    for j, k, mo, amount, sign in zip(c["_edge_jahr"].astype("int64").tolist(), c["_empfaenger"].astype(str).tolist(),
                                      c["_monat"].astype("int64").tolist(), c["betrag_cent"].astype("int64").tolist(),
                                      c["_sign"].astype("int64").tolist(), strict=True):
        i = row_of.get((j, k, mo))
        if i is None:
            continue
        netto[i] += amount * sign
        if sign > 0:
            brutto[i] += amount
        elif sign < 0:
            zurueck[i] += amount
    return netto, brutto, zurueck


def payment_records(inputs: CaseInputs, payments: pd.DataFrame, names: Names, stichtag: date) -> tuple[Payment, ...]:
    """Every readable payment row as a record with its edge and how it counts (R5: by direction, not by Art)."""
    if len(payments) == 0 or "_sign" not in payments:
        return ()
    art = payments["art"].astype("string").fillna("").str.strip().str.lower()
    # the columns as lists, once: a per-row ``.loc`` was most of the engine's time at NRW scale
    n = len(payments)
    col = {c: payments[c].tolist() if c in payments else [None] * n
           for c in ("zahler", "empfaenger", "betrag_cent", "art", "kassenzeichen", "verwendungszweck")}
    out = []
    for (datum, sign, interest, j, g, r, mon, zahler, empfaenger, betrag, art_text, kassenzeichen, zweck, sheet,
         zeile) in zip(
            pd.to_datetime(payments["datum"]).dt.date.tolist(), payments["_sign"].tolist(),
            (art == INTEREST_PAYMENT).tolist(), payments["_edge_jahr"].tolist(), payments["_geber"].tolist(),
            payments["_empfaenger"].tolist(), payments["_monat"].tolist(), col["zahler"],
            col["empfaenger"], col["betrag_cent"], col["art"], col["kassenzeichen"], col["verwendungszweck"],
            payments["_sheet"].tolist(), payments["_zeile"].tolist(), strict=True):
        kind = (PaymentKind.ZINSZAHLUNG if interest else PaymentKind.ZAHLUNG if sign > 0
                else PaymentKind.RUECKZAHLUNG if sign < 0 else PaymentKind.OHNE_VERTRAG)
        out.append(Payment(
            datum=datum, zahler=str(zahler), empfaenger=str(empfaenger),
            betrag_cent=int(betrag), art=str(art_text) if present(art_text) else None,
            jahr=int(j), kind=kind, geber=names.show(str(g)) if present(g) else None,
            kante_empfaenger=names.show(str(r)) if present(r) else None, monat=int(mon),
            nach_stichtag=datum > stichtag,
            kassenzeichen=str(kassenzeichen) if present(kassenzeichen) else None,
            verwendungszweck=str(zweck) if present(zweck) else None,
            quelle=inputs.ref(int(sheet), int(zeile))))
    out.sort(key=lambda x: (x.jahr, x.datum, x.quelle.datei, x.quelle.blatt or "", x.quelle.zeile or 0))
    return tuple(out)


def settle(inputs: CaseInputs, alloc: Allocation, ent: Entitlement, params: Params, run_year: int,
           run_month: int) -> Settlement:
    """R5: settle every contract edge per year as cumulative figures up to the run month."""
    findings: list[Finding] = []
    stichtag = date(run_year, run_month, calendar.monthrange(run_year, run_month)[1])
    nodes = alloc.nodes[alloc.nodes["jahr"] <= run_year]
    payments = _payments(inputs, alloc, stichtag, findings)
    if len(nodes) == 0:
        empty = pd.DataFrame(columns=list(MONTH_COLUMNS) + list(EXACT_VZAE_COLUMNS) + list(SUBTREE_COLUMNS))
        return Settlement((), empty, payments, (), (), findings)

    # the month rows up to the run month, on arrays: ent.months is sorted by (jahr, key, monat), each node-year
    # a block of consecutive months from January (group-bys and joins on them cost more than the sums)
    mo = ent.months
    mj, mm = mo["jahr"].to_numpy(dtype="int64"), mo["monat"].to_numpy(dtype="int64")
    keep = np.flatnonzero((mj <= run_year) & (mm <= np.where(mj == run_year, run_month, 12)))
    col = {c: mo[c].to_numpy()[keep] for c in ("key", "vzae_besetzt_e4", "foerderfaehig_cent",
                                                "foerderfaehig_kumuliert_cent", "vzae_besetzt_zaehler",
                                                "vzae_besetzt_nenner")}
    jahr, monat, key = mj[keep], mm[keep], col["key"]
    jahr_l, key_l, monat_l = jahr.tolist(), key.tolist(), monat.tolist()
    own_kum = col["foerderfaehig_kumuliert_cent"].astype("int64")
    first = np.ones(len(keep), dtype=bool)  # the first month row of each node-year
    first[1:] = (jahr[1:] != jahr[:-1]) | (key[1:] != key[:-1])
    group = np.cumsum(first) - 1
    starts = np.flatnonzero(first)

    # R5: Förderfähig_Teilbaum(r) = own F + Σ Förderfähig_Teilbaum of the children
    pairs = _subtree_pairs(nodes)
    sub_raw = _subtree_sums(pairs, jahr_l, key_l, monat_l, own_kum.tolist())

    # net payments per edge (recipient) and month: payments g→r minus repayments r→g (R5)
    netto, brutto, zurueck = _paid_by_month(payments, jahr_l, key_l, monat_l)
    nd = nodes.reset_index(drop=True)
    node_of = {jk: i for i, jk in enumerate(zip(nd["jahr"].tolist(), nd["key"].tolist(), strict=True))}
    at = np.array([node_of[(jahr_l[i], key_l[i])] for i in starts.tolist()], dtype="int64")[group]
    forwarded = nd["weiterleitung_cent"].to_numpy(dtype="int64")
    # R5: the eligible subtree figure never above the forwarded amount (the Nachzahlung cap)
    sub_kum = np.minimum(sub_raw, forwarded[at])
    netto_kum = group_cumsum(netto, first)
    month_frame = pd.DataFrame({
        "empfaenger": nd["name"].to_numpy(dtype=object)[at], "jahr": jahr, "monat": monat,
        "vzae_zugeteilt_e4": nd["vzae_eigen_e4"].to_numpy(dtype="int64")[at],
        "vzae_besetzt_e4": col["vzae_besetzt_e4"], "foerderfaehig_cent": col["foerderfaehig_cent"],
        "foerderfaehig_kumuliert_cent": col["foerderfaehig_kumuliert_cent"],
        "ausgezahlt_cent": netto, "ausgezahlt_kumuliert_cent": netto_kum, "saldo_kumuliert_cent": netto_kum - sub_kum,
        "vzae_besetzt_zaehler": col["vzae_besetzt_zaehler"], "vzae_besetzt_nenner": col["vzae_besetzt_nenner"],
        "foerderfaehig_teilbaum_kumuliert_cent": sub_kum,
    })[list(MONTH_COLUMNS) + list(EXACT_VZAE_COLUMNS) + list(SUBTREE_COLUMNS)]

    # each node-year's figures at its last month row (0 for a node without month rows)
    n_nodes = len(nd)
    ends = np.append(starts[1:], len(keep)) - 1
    at_end = at[starts]

    def last(values: np.ndarray) -> list[int]:
        out = np.zeros(n_nodes, dtype="int64")
        out[at_end] = values[ends]
        return out.tolist()

    e_sub, e_own, e_netto = last(sub_raw), last(own_kum), last(netto_kum)
    e_brutto, e_zurueck = last(group_cumsum(brutto, first)), last(group_cumsum(zurueck, first))
    fwd = forwarded.tolist()
    # R5: a Nachzahlung is never above r's forwarded amount: eligible is capped at the forwarded amount
    gekappt = [s_ > f_ for s_, f_ in zip(e_sub, fwd, strict=True)]
    eligible = [min(s_, f_) for s_, f_ in zip(e_sub, fwd, strict=True)]
    saldo = [n_ - el for n_, el in zip(e_netto, eligible, strict=True)]
    e_jahr, e_key, e_name = nd["jahr"].tolist(), nd["key"].tolist(), nd["name"].tolist()
    geber = [str(g) for g in nd["geber_name"].tolist()]
    # R10: what the payment schedule expected by the Stichtag; R11: the whole-year forecast
    plan, plan_kum = _schedule(nd, stichtag)
    abweichung = [n_ - p_ for n_, p_ in zip(e_netto, plan_kum, strict=True)]
    forecast = _forecast(ent, pairs, run_year)
    prognose = [min(forecast.get((j, k), 0), f_) for j, k, f_ in zip(e_jahr, e_key, fwd, strict=True)]
    # planned payments still due: the plan's total (the forwarded amount) less what was paid, never below 0
    prognose_saldo = [max(n_, f_) - p_ for n_, f_, p_ in zip(e_netto, fwd, prognose, strict=True)]
    closed = [pd.Timestamp(b).date() <= stichtag for b in nd["bis"].tolist()]
    # missing data is never zero staff: every edge whose subtree holds a recipient without staffing rows
    lacking = {(j, a) for j, a, k in pairs if (j, k) in ent.ohne_besetzung}
    fehlt = [(int(j), str(k)) in lacking for j, k in zip(e_jahr, e_key, strict=True)]
    fristen = nachweisfristen(alloc, params)  # R9: the effective deadline of each edge
    frist = [fristen.get((int(j), str(k)), (None, ""))[0] for j, k in zip(e_jahr, e_key, strict=True)]
    edges = [
        Edge(geber=g, empfaenger=str(n), jahr=int(j), von=_day(von), bis=_day(bis), vzae_zugeteilt_e4=int(v),
             weiterleitung_cent=int(w),
             foerderfaehig_kumuliert_cent=int(f), ausgezahlt_kumuliert_cent=int(a), saldo_cent=int(sa),
             gezahlt_brutto_cent=int(b), zurueckgezahlt_cent=int(z), foerderfaehig_eigen_kumuliert_cent=int(o),
             nachzahlung_gekappt=bool(c), nachweisfrist=fr if present(fr) else None,
             vertrag=str(fa) if int(eb) > 0 and present(fa) else None, zahlungsplan=str(pn),
             zahlungsplan_kumuliert_cent=int(pk), zahlungsabweichung_cent=int(ab), prognose_foerderfaehig_cent=int(pf),
             prognose_saldo_cent=int(ps), jahr_abgeschlossen=bool(cl), besetzung_fehlt=bool(fe),
             mittelabruf=bool(ma))
        for g, n, j, von, bis, v, w, f, a, sa, b, z, o, c, fr, fa, eb, pn, pk, ab, pf, ps, cl, fe, ma in zip(
            geber, e_name, e_jahr, nd["von"].tolist(), nd["bis"].tolist(), nd["vzae_teilbaum_e4"].tolist(), fwd,
            eligible, e_netto, saldo, e_brutto, e_zurueck, e_own, gekappt, frist,
            nd["version_fassung"].tolist(), nd["ebene"].tolist(), plan, plan_kum, abweichung, prognose,
            prognose_saldo, closed, fehlt, nd["mittelabruf"].tolist(), strict=True)
    ]
    for n, j, c in zip(e_name, e_jahr, gekappt, strict=True):
        if c:
            findings.append(finding(Code.SONSTIGES, None, severity=Severity.HINWEIS,
                                    text=f"Nachzahlung an {n} ({j}) auf den Weiterleitungsbetrag gekappt."))
    e = pd.DataFrame({"jahr": e_jahr, "key": e_key, "name": e_name, "geber_key": nd["geber_key"].tolist(),
                      "geber": geber, "saldo": saldo, "mittelabruf": nd["mittelabruf"].tolist()})
    m = pd.DataFrame({"jahr": jahr, "key": key, "monat": monat, "foerderfaehig_kumuliert_cent": own_kum})
    netting = _netting(e) if params.verrechnung else ()
    interim = _interim(e, m, payments, alloc, params, stichtag, findings)
    # R8: every edge g → r is the check the giver makes of the recipient's Verwendungsnachweis
    return Settlement(tuple(edges), month_frame, payments, interim, netting, findings)


# R10 [D]: months in which an instalment is due (in advance, on the 1st) per payment schedule
SCHEDULES: dict[str, tuple[int, ...]] = {
    "quartalsweise": (1, 4, 7, 10),
    "halbjährlich": (1, 7),
    "jährlich": (1,),
    "monatlich": tuple(range(1, 13)),
}
DEFAULT_SCHEDULE = "quartalsweise"


def _day(value: object) -> date:
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def _plan_name(text: object) -> str:
    t = str(text).strip().lower() if present(text) else ""
    t = t.replace("halbjaehrlich", "halbjährlich").replace("jaehrlich", "jährlich")
    for name in SCHEDULES:
        if t.startswith(name[:5]) and (name != "jährlich" or not t.startswith("halb")):
            return name
    return DEFAULT_SCHEDULE


def _schedule(e: pd.DataFrame, stichtag: date) -> tuple[list[str], list[int]]:
    """R10: the schedule of each edge and the amount it expected to be paid by the Stichtag.

    Any schedule in the payments sheet is accepted; this only gives the expected amounts: the
    forwarded amount in equal instalments (largest remainder) due on the 1st of the schedule's
    months within the Bewilligungszeitraum, in advance (the first on its first day).
    """
    names, expected = [], []
    for j, plan, fwd, von, bis in zip(e["jahr"], e["zahlungsplan"], e["weiterleitung_cent"], e["von"], e["bis"],
                                      strict=True):  # one row per edge-year (small)
        plan_name = _plan_name(plan)
        v, b = pd.Timestamp(von).date(), pd.Timestamp(bis).date()
        months = [mo for mo in SCHEDULES[plan_name] if v.month <= mo <= b.month]
        if v.month not in SCHEDULES[plan_name]:
            months = sorted({v.month} | set(months))
        due = [date(int(j), mo, 1) if mo != v.month else v for mo in months]
        parts = split_amount(int(fwd), [1] * len(due))
        names.append(plan_name)
        expected.append(int(sum(p for p, d in zip(parts, due, strict=True) if d <= stichtag)))
    return names, expected


def _forecast(ent: Entitlement, pairs: list[tuple[int, str, str]], run_year: int) -> dict[tuple[int, str], int]:
    """R11: each node's whole-year eligible subtree figure from the staffing known now, by (jahr, key).

    The entitlement already runs every documented employment to its documented end (open ends to
    the year's end) and respects documented interruptions and starts ahead, so the forecast is the
    subtree's eligible amount at the year's last month.
    """
    m = ent.months
    last: dict[tuple[int, str], tuple[int, int]] = {}  # (jahr, key) → (month, figure) of its last month
    for j, k, mo, f in zip(m["jahr"].tolist(), m["key"].tolist(), m["monat"].tolist(),
                           m["foerderfaehig_kumuliert_cent"].tolist(), strict=True):
        if j <= run_year and ((j, k) not in last or mo >= last[(j, k)][0]):
            last[(j, k)] = (mo, f)
    total: dict[tuple[int, str], int] = {}  # (jahr, ancestor) → Σ over its subtree, in plain Python (small)
    for j, anc, k in pairs:
        if (j, k) in last:
            total[(j, anc)] = total.get((j, anc), 0) + last[(j, k)][1]
    return total


def _netting(e: pd.DataFrame) -> tuple[Netting, ...]:
    """R5 [D] Verrechnung: a level may net its children's open refunds against its own liability.

    Both gross figures stay in the edges; this adds the net liability of each edge.
    """
    child = e[["jahr", "geber_key", "saldo"]].copy()
    child["offen"] = child["saldo"].clip(lower=0)
    below = child.groupby(["jahr", "geber_key"], as_index=False)["offen"].sum()
    x = e[["jahr", "key", "name", "saldo"]].merge(below, left_on=["jahr", "key"], right_on=["jahr", "geber_key"],
                                                  how="left")
    x["offen"] = x["offen"].fillna(0).astype("int64")
    x["netto"] = np.where(x["saldo"] > 0, x["saldo"] - x["offen"], x["saldo"])
    return tuple(Netting(empfaenger=str(n), jahr=int(j), saldo_brutto_cent=int(s), forderungen_unten_cent=int(o),
                         saldo_netto_cent=int(t))
                 for j, n, s, o, t in zip(x["jahr"], x["name"], x["saldo"], x["offen"], x["netto"], strict=True))


def _add_months(days: np.ndarray, n: int) -> np.ndarray:
    """Day numbers plus n calendar months (the day clipped to the month's length)."""
    d = days.astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    dom = (d - month.astype("datetime64[D]")).astype("int64")
    target = month + n
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype("int64")
    return (target.astype("datetime64[D]") - _EPOCH).astype("int64") + np.minimum(dom, length - 1)


_EPOCH = np.datetime64("1970-01-01", "D")


def _interim(e: pd.DataFrame, m: pd.DataFrame, payments: pd.DataFrame, alloc: Allocation, params: Params,
             stichtag: date, findings: list[Finding]) -> tuple[InterimInterestRisk, ...]:
    """R6: potenzielle Zwischenzinsen: FIFO match of eligible spending to tranches, two-month test.

    Vectorised over all edges: the cumulative tranche amounts and the cumulative uses of an edge
    are cut at each other's bounds, so each piece belongs to one tranche and one use (FIFO).
    [D] the recipient's own eligible amount of a month is spent on its last day; forwarding to its
    children and repayments use money on their value date; spending before a tranche arrives uses
    it on arrival. A piece used later than two
    months after its tranche bears potential interest at Basiszins + Aufschlag from that day on.
    """
    if len(payments) == 0 or not payments["_counted"].any():
        return ()
    p = payments[payments["_counted"]]
    edge_id = {(int(j), str(k)): i for i, (j, k) in enumerate(zip(e["jahr"], e["key"], strict=True))}
    pe = np.array([edge_id.get((int(j), str(k)), -1) for j, k in zip(p["_edge_jahr"], p["_empfaenger"], strict=True)])
    pdays = (pd.to_datetime(p["datum"]).to_numpy(dtype="datetime64[D]") - _EPOCH).astype("int64")
    amount = p["betrag_cent"].astype("int64").to_numpy()
    sign = p["_sign"].to_numpy()
    # R6: only money that was requested (Mittelabruf) can bear Zwischenzinsen
    requested = e["mittelabruf"].fillna(False).astype(bool).to_numpy()
    asked = np.where(pe >= 0, requested[np.maximum(pe, 0)], False)
    tr = pd.DataFrame({"edge": pe, "day": pdays, "amount": amount})[(sign > 0) & (pe >= 0) & asked]
    tr = tr.sort_values(["edge", "day"], kind="stable").reset_index(drop=True)
    if len(tr) == 0:
        return ()
    # uses of the money of edge g → r: r's own eligible spending at each month end, r's forwarding to its
    # children (payments r → child of the same year, on their value date) and r's repayments to g
    sp = m[["jahr", "key", "monat", "foerderfaehig_kumuliert_cent"]].copy()
    own_kum = sp["foerderfaehig_kumuliert_cent"]
    sp["use"] = own_kum - own_kum.groupby([sp["jahr"], sp["key"]], sort=False).shift(1).fillna(0).astype("int64")
    sp = sp[sp["use"] > 0]
    month_end = (pd.to_datetime(dict(year=sp["jahr"], month=sp["monat"], day=1)) + pd.offsets.MonthEnd(0))
    giver_edge = np.array([edge_id.get((int(j), str(g)), -1) if present(g) else -1
                           for j, g in zip(p["_edge_jahr"], p["_geber"], strict=True)])
    uses = pd.concat([
        pd.DataFrame({"edge": [edge_id.get((int(j), str(k)), -1) for j, k in zip(sp["jahr"], sp["key"], strict=True)],
                      "day": (month_end.to_numpy(dtype="datetime64[D]") - _EPOCH).astype("int64"),
                      "amount": sp["use"].to_numpy(dtype="int64")}),
        pd.DataFrame({"edge": giver_edge[sign > 0], "day": pdays[sign > 0], "amount": amount[sign > 0]}),
        pd.DataFrame({"edge": pe[sign < 0], "day": pdays[sign < 0], "amount": amount[sign < 0]}),
    ])
    uses = uses[uses["edge"] >= 0].sort_values(["edge", "day"], kind="stable").reset_index(drop=True)
    tr["hi"] = tr.groupby("edge")["amount"].cumsum()
    uses["hi"] = uses.groupby("edge")["amount"].cumsum()
    big = int(max(tr["hi"].max(), uses["hi"].max() if len(uses) else 0)) + 1
    t_lo = tr["edge"].to_numpy() * big + (tr["hi"] - tr["amount"]).to_numpy()
    t_hi = tr["edge"].to_numpy() * big + tr["hi"].to_numpy()
    u_lo = uses["edge"].to_numpy() * big + (uses["hi"] - uses["amount"]).to_numpy()
    u_hi = uses["edge"].to_numpy() * big + uses["hi"].to_numpy()
    pts = np.unique(np.concatenate([t_lo, t_hi, u_lo, u_hi]))
    lo, hi = pts[:-1], pts[1:]
    ti = np.searchsorted(t_lo, lo, side="right") - 1
    ok = (ti >= 0) & (lo < t_hi[np.clip(ti, 0, None)]) & (hi <= t_hi[np.clip(ti, 0, None)])
    lo, hi, ti = lo[ok], hi[ok], ti[ok]
    ui = np.searchsorted(u_lo, lo, side="right") - 1
    if len(uses):
        uc = np.clip(ui, 0, None)
        used = (ui >= 0) & (lo < u_hi[uc]) & (lo // big == u_lo[uc] // big)
        use_day = uses["day"].to_numpy()[uc]
    else:
        used = np.zeros(len(lo), dtype=bool)
        use_day = np.zeros(len(lo), dtype="int64")
    stich = (np.datetime64(stichtag, "D") - _EPOCH).astype("int64")
    t_day = tr["day"].to_numpy()[ti]
    when = np.where(used, use_day, stich)
    when = np.minimum(np.maximum(when, t_day), stich)
    deadline = _add_months(tr["day"].to_numpy(), params.zwei_monate)[ti]
    late = when > deadline
    piece = (hi - lo)[late]
    if piece.size == 0:
        return ()
    cum, first_day, missing = _rate_index(params, int(deadline[late].min()), int(stich))
    num = piece * (cum[when[late] - first_day] - cum[deadline[late] - first_day])
    if missing is not None:
        findings.append(finding(Code.ZINSSATZ_FEHLT, None, severity=Severity.HINWEIS,
                                ab=str(missing.strftime("%d.%m.%Y")), tabelle="Basiszinssatz (Zwischenzinsen)"))
    per = pd.DataFrame({"t": ti[late], "piece": piece, "num": num, "days": (when - deadline)[late]})
    agg = group_agg(per, "t", unused=("piece", "sum"), num=("num", "sum"), days=("days", "max")).reset_index()
    zins = div_round_vec(agg["num"].to_numpy(), _RATE_SCALE * 100 * 365)
    edges_of = tr["edge"].to_numpy()[agg["t"].to_numpy()]
    givers = e["geber"].to_numpy()
    names = e["name"].to_numpy()
    years = e["jahr"].to_numpy()
    t_idx = agg["t"].to_numpy()
    paid_on = (_EPOCH + tr["day"].to_numpy()[t_idx]).astype(object)  # datetime64[D] → datetime.date
    tranche = tr["amount"].to_numpy()[t_idx]
    out = [
        InterimInterestRisk(geber=str(givers[ed]), empfaenger=str(names[ed]), jahr=int(years[ed]), zahlung_datum=d,
                            betrag_cent=int(b), ungenutzt_cent=int(u), tage=int(days), zinsbetrag_cent=int(z))
        for ed, d, b, u, days, z in zip(edges_of, paid_on, tranche, agg["unused"], agg["days"], zins, strict=True)
    ]
    return tuple(out)


_RATE_SCALE = 10_000  # rates in ten-thousandths of a percent point


def _rate_index(params: Params, first: int, last: int) -> tuple[np.ndarray, int, date | None]:
    """Cumulative daily rate (Basiszins + Aufschlag, scaled) from day ``first`` to ``last`` (R6 uses R7 tables).

    Days that no table covers count with rate 0; the first such day is returned for a Hinweis.
    """
    days = np.arange(first, last + 1)
    rate = np.zeros(len(days), dtype="int64")
    covered = np.ones(len(days), dtype=bool)
    for table, open_end in ((params.basiszins, False), (params.aufschlag, True)):
        value = np.zeros(len(days), dtype="int64")
        have = np.zeros(len(days), dtype=bool)
        for von, bis, wert in rate_segments(table, open_end):
            a = (np.datetime64(von, "D") - _EPOCH).astype("int64")
            b = (np.datetime64(min(bis, date(9999, 12, 30)), "D") - _EPOCH).astype("int64")
            sel = (days >= a) & (days <= b)
            value[sel] = int(wert * _RATE_SCALE)
            have |= sel
        rate += value
        covered &= have
    rate[~covered] = 0
    cum = np.concatenate([[0], np.cumsum(rate)])[1:]
    missing = None
    if (~covered).any():
        missing = (_EPOCH + int(days[np.argmax(~covered)])).astype(date)
    return cum, first, missing




