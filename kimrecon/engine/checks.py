"""Cross-sheet rules of spec §3/§5 that a per-sheet schema cannot express (allotments, sums, dates, payments, names)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kimrecon.engine.arrays import codes, first_rows, group_cummax
from kimrecon.findings import Code, Finding, Severity, finding
from kimrecon.inputs import CaseInputs, Kind
from kimrecon.money import div_round
from kimrecon.names import name_advice, normalize_name
from kimrecon.parameters import Params
from kimrecon.validate.format import format_cents, format_e4, format_value

_FAR = pd.Timestamp("2262-01-01")


@dataclass(frozen=True)
class YearGrant:
    """The Bescheid that governs one year: the latest one whose period touches the year."""

    vzae_e4: int | None
    pauschale_cent: int | None
    von: pd.Timestamp
    bis: pd.Timestamp


def _frame(inputs: CaseInputs, kind: Kind) -> pd.DataFrame:
    frame = inputs.frames.get(kind)
    return frame if frame is not None else pd.DataFrame()


def _int(v: object) -> int | None:
    return None if v is None or pd.isna(v) else int(v)  # type: ignore[call-overload]


def grants_by_recipient(inputs: CaseInputs) -> dict[tuple[int, str], YearGrant]:
    """Map (year, Zuwendungsempfänger) to the Bescheid that governs it (a later one replaces an older one)."""
    b = _frame(inputs, Kind.BESCHEID)
    out: dict[tuple[int, str], tuple[pd.Timestamp, YearGrant]] = {}
    if b.empty:
        return {}
    b = b.dropna(subset=["von", "bis"])
    names = _norm(b["empfaenger"]).fillna("")
    for rec, name in zip(b.to_dict("records"), names, strict=True):
        von, bis = pd.Timestamp(rec["von"]), pd.Timestamp(rec["bis"])
        if bis < von:
            continue
        datum = pd.Timestamp(rec["bescheiddatum"]) if not pd.isna(rec["bescheiddatum"]) else von
        grant = YearGrant(_int(rec["vzae_e4"]), _int(rec["pauschale_cent"]), von, bis)
        for year in range(von.year, bis.year + 1):
            key = (year, str(name))
            if key not in out or datum >= out[key][0]:
                out[key] = (datum, grant)
    return {k: g for k, (_, g) in out.items()}


def grants_by_year(by_recipient: dict[tuple[int, str], YearGrant]) -> dict[int, YearGrant]:
    """All Bescheide of a year together: VzÄ summed, the rate if they share one, the widest period."""
    years: dict[int, list[YearGrant]] = {}
    for (year, _), grant in by_recipient.items():
        years.setdefault(year, []).append(grant)
    out: dict[int, YearGrant] = {}
    for year, grants in years.items():
        rates = {g.pauschale_cent for g in grants}
        vzae = [g.vzae_e4 for g in grants]
        out[year] = YearGrant(
            None if None in vzae else sum(v for v in vzae if v is not None),
            rates.pop() if len(rates) == 1 else None,
            min(g.von for g in grants),
            max(g.bis for g in grants),
        )
    return out


def _kreis_of_sheets(z: pd.DataFrame, recipients: set[str]) -> dict[int, str]:
    """The Zuwendungsempfänger each Zuweisung sheet allocates for: the one Bescheid recipient it names."""
    named: dict[int, set[str]] = {}
    for sheet, e, u in zip(z["_sheet"].tolist(), _norm(z["empfaenger"]).tolist(), _norm(z["ueber"]).tolist(),
                           strict=True):
        named.setdefault(int(sheet), set()).update(n for n in (e, u) if isinstance(n, str))
    out: dict[int, str] = {}
    for sheet, names in named.items():
        hits = names & recipients
        if len(hits) == 1:
            out[sheet] = hits.pop()
        elif not hits and len(recipients) == 1:
            out[sheet] = next(iter(recipients))
    return out


def other_row(inputs: CaseInputs, here: int, there: int, zeile: int) -> str:
    """A reference to another row: "5", or "5 in datei › blatt" when it lies in another sheet."""
    if there == here:
        return str(zeile)
    s = inputs.sheets[there]
    return f"{zeile} in {s.datei} › {s.blatt}"


def _norm(series: pd.Series) -> pd.Series:
    """The column's names normalised (NaN where a cell is empty), each distinct name once (factorised)."""
    code, uniq = pd.factorize(series.astype("object"))
    folded = np.array([normalize_name(v) for v in uniq] + [math.nan], dtype=object)
    return pd.Series(folded[code], index=series.index, name=series.name, dtype=object)


def _texts(series: pd.Series) -> pd.Series:
    """``series.astype(str)``, skipped when every filled cell already is a text (the same values, no copy)."""
    return series if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty") else series.astype(str)


def check_bescheid(inputs: CaseInputs) -> list[Finding]:
    """R1: Bewilligungssumme = VzÄ × Pauschale; the period ends after it begins."""
    b = _frame(inputs, Kind.BESCHEID)
    out: list[Finding] = []
    if b.empty:
        return out
    full = b.dropna(subset=["vzae_e4", "pauschale_cent", "summe_cent"])
    for i in full.index:
        r = full.loc[i]
        vzae, rate, summe = int(r["vzae_e4"]), int(r["pauschale_cent"]), int(r["summe_cent"])
        whole = div_round(vzae * rate, 10_000)
        accepted = {whole}
        if not pd.isna(r["von"]) and not pd.isna(r["bis"]) and r["bis"] >= r["von"]:
            von, bis = pd.Timestamp(r["von"]), pd.Timestamp(r["bis"])
            months = (bis.year - von.year) * 12 + bis.month - von.month + 1
            accepted.add(div_round(vzae * rate * months, 10_000 * 12))  # R2: pro rata for a shorter period
            if von.year != bis.year:
                continue  # a Bescheid over several years: the engine computes each year's amount itself
            expected = div_round(vzae * rate * months, 10_000 * 12)
        else:
            expected = whole
        if summe not in accepted:
            out.append(
                finding(
                    Code.BEWILLIGUNG_ABWEICHUNG, inputs.row_ref(Kind.BESCHEID, i, "summe_cent"),
                    value=format_value("cent", summe), betrag=format_cents(summe), vzae=format_e4(vzae),
                    pauschale=format_cents(rate), erwartet=format_cents(expected),
                )
            )
    out.extend(_end_before_start(inputs, Kind.BESCHEID, "von", "bis"))
    return out


def _end_before_start(inputs: CaseInputs, kind: Kind, start: str, end: str) -> list[Finding]:
    f = _frame(inputs, kind)
    if f.empty:
        return []
    bad = f[start].notna() & f[end].notna() & (f[end] < f[start])
    return [
        finding(
            Code.ENDE_VOR_BEGINN, inputs.row_ref(kind, i, end), value=format_value("date", f.at[i, end]),
            ende=format_value("date", f.at[i, end]), beginn=format_value("date", f.at[i, start]),
        )
        for i in f.index[bad.to_numpy(dtype=bool)]
    ]


def check_zuweisung(inputs: CaseInputs, by_recipient: dict[tuple[int, str], YearGrant]) -> list[Finding]:
    """R3: Betrag = VzÄ × Pauschale of the year; Σ allotments of a year ≤ the VzÄ of the Kreis's Bescheid."""
    z = _frame(inputs, Kind.ZUWEISUNG)
    out: list[Finding] = []
    if z.empty:
        return out
    by_year = grants_by_year(by_recipient)
    kreis_of = _kreis_of_sheets(z, {k for _, k in by_recipient})
    kreis = [kreis_of.get(int(sheet)) for sheet in z["_sheet"].tolist()]
    labels = z.index.tolist()
    jahr, emp, hub = _cells(z["jahr"]), _cells(_norm(z["empfaenger"])), _cells(_norm(z["ueber"]))
    vz = _cells(z["vzae_e4"])
    out.extend(_check_betrag(inputs, z, kreis, by_recipient, by_year))
    first_of: dict[tuple[object, ...], int] = {}
    for pos, (j, e, u) in enumerate(zip(jahr, emp, hub, strict=True)):
        first = first_of.setdefault((j, e, u if u is not None else ""), pos)
        if first == pos or e is None or j is None:
            continue
        i = labels[pos]
        other = inputs.row_ref(Kind.ZUWEISUNG, labels[first])
        out.append(
            finding(
                Code.EMPFAENGER_DOPPELT, inputs.row_ref(Kind.ZUWEISUNG, i, "empfaenger"),
                value=z.at[i, "empfaenger"], wert=z.at[i, "empfaenger"], jahr=z.at[i, "jahr"],
                andere=f"Zeile {other.zeile} ({other.datei} › {other.blatt})",
            )
        )
    sums: dict[tuple[int, str], list[int]] = {}  # (jahr, Kreis) → [Σ VzÄ, last row]
    for pos, (j, k, v) in enumerate(zip(jahr, kreis, vz, strict=True)):
        if j is None or k is None:
            continue
        entry = sums.setdefault((int(j), k), [0, pos])
        entry[0] += int(v) if v is not None else 0
        entry[1] = pos
    for (year, name), (total, last) in sums.items():
        grant = by_recipient.get((year, str(name)))
        if grant is None or grant.vzae_e4 is None or total <= grant.vzae_e4:
            continue
        out.append(
            finding(
                Code.ZUTEILUNG_UEBER_BESCHEID, inputs.row_ref(Kind.ZUWEISUNG, labels[last], "vzae_e4"),
                value=format_e4(total), jahr=year, summe=format_e4(total),
                bescheid=format_e4(grant.vzae_e4),
            )
        )
    return out


def _months_touched(grant: YearGrant, year: int) -> int:
    """Calendar months of ``year`` that the Bewilligungszeitraum touches (12 for a whole year)."""
    first = max(grant.von, pd.Timestamp(year, 1, 1))
    last = min(grant.bis, pd.Timestamp(year, 12, 31))
    return 0 if last < first else (last.month - first.month + 1)


def _contract_rates(inputs: CaseInputs) -> dict[str, set[int]]:
    """Rates per VzÄ that a Weiterleitungsvertrag sets for a recipient (any version)."""
    v = _frame(inputs, Kind.VERTRAG)
    out: dict[str, set[int]] = {}
    if v.empty:
        return out
    for name, rate in zip(_norm(v["empfaenger"]), v["pauschale_cent"], strict=True):
        if isinstance(name, str) and not pd.isna(rate):
            out.setdefault(name, set()).add(int(rate))
    return out


def _check_betrag(
    inputs: CaseInputs,
    z: pd.DataFrame,
    kreis: list[str | None],
    by_recipient: dict[tuple[int, str], YearGrant],
    by_year: dict[int, YearGrant],
) -> list[Finding]:
    """R3: a stated Betrag is VzÄ × Pauschale × months/12, of the row's own VzÄ or (a hub) its whole subtree.

    As lenient as the engine's own check: a contract's rate for the recipient counts as well.
    """
    out: list[Finding] = []
    jahr, vz, bt = _cells(z["jahr"]), _cells(z["vzae_e4"]), _cells(z["betrag_cent"])
    stated = [b is not None and v is not None and j is not None for j, v, b in zip(jahr, vz, bt, strict=True)]
    if not any(stated):
        return out
    contract = _contract_rates(inputs)
    emp, hub = _cells(_norm(z["empfaenger"])), _cells(_norm(z["ueber"]))
    labels = z.index.tolist()
    groups: dict[tuple[int, str], list[int]] = {}  # (jahr, Kreis or "") → row positions, in order of appearance
    for pos, (j, k) in enumerate(zip(jahr, kreis, strict=True)):
        if j is not None:
            groups.setdefault((int(j), k if k is not None else ""), []).append(pos)
    for (year, name), rows in groups.items():
        grant = by_recipient.get((year, str(name))) if name else by_year.get(year)
        if grant is None or grant.pauschale_cent is None:
            continue
        months = _months_touched(grant, year)
        own: dict[str, int] = {}
        parent: dict[str, str] = {}
        for pos in rows:
            e, v, u = emp[pos], vz[pos], hub[pos]
            if isinstance(e, str) and v is not None:
                own[e] = own.get(e, 0) + int(v)
                if isinstance(u, str):
                    parent[e] = u
        subtree = dict(own)
        for node, vzae in own.items():
            seen = {node}
            up = parent.get(node)
            while up is not None and up not in seen:
                subtree[up] = subtree.get(up, 0) + vzae
                seen.add(up)
                up = parent.get(up)
        for pos in rows:
            if not stated[pos]:
                continue
            vzae = int(vz[pos])
            e = emp[pos]
            rates = {grant.pauschale_cent} | contract.get(e, set())
            amounts = {vzae, subtree.get(e, vzae)}
            accepted = {div_round(a * r * months, 10_000 * 12) for a in amounts for r in rates}
            if int(bt[pos]) in accepted:
                continue
            i = labels[pos]
            expected = div_round(vzae * grant.pauschale_cent * months, 10_000 * 12)
            out.append(
                finding(
                    Code.BETRAG_ABWEICHUNG, inputs.row_ref(Kind.ZUWEISUNG, i, "betrag_cent"),
                    value=format_value("cent", z.at[i, "betrag_cent"]),
                    betrag=format_cents(int(z.at[i, "betrag_cent"])), vzae=format_e4(vzae),
                    pauschale=format_cents(grant.pauschale_cent), erwartet=format_cents(expected),
                )
            )
    return out


def check_besetzung(inputs: CaseInputs) -> list[Finding]:
    """Ende ≥ Beginn; no overlapping employment of one person on one post."""
    f = _frame(inputs, Kind.BESETZUNG)
    out = _end_before_start(inputs, Kind.BESETZUNG, "beginn", "ende")
    out += _end_before_start(inputs, Kind.BESETZUNG, "unterbrechung_von", "unterbrechung_bis")
    if f.empty:
        return out
    no_extent = f["wochenstunden_h100"].isna() & f["stellenanteil_e4"].isna()
    for i in f.index[no_extent.to_numpy(dtype=bool)]:
        sheet = inputs.sheets[int(f.at[i, "_sheet"])]
        col = "stellenanteil_e4" if "stellenanteil_e4" in sheet.columns else "wochenstunden_h100"
        out.append(
            finding(Code.UMFANG_FEHLT, inputs.row_ref(Kind.BESETZUNG, i, col))
        )
    # one person on one post: group by (town, post, person) in order of appearance, then by start and end;
    # an employment overlaps when it starts on or before the latest end of the group's rows before it
    d = np.flatnonzero((f["beginn"].notna() & f["personal_id"].notna()).to_numpy(dtype=bool))
    if len(d) == 0:
        return out
    group, _ = first_rows(codes(_norm(f["kommune"]).fillna(""))[d], codes(_texts(f["stelle_id"].fillna("")))[d],
                          codes(_texts(f["personal_id"]))[d])
    start = f["beginn"].to_numpy(dtype="datetime64[s]").astype("int64")[d]
    end = f["ende"].fillna(_FAR).to_numpy(dtype="datetime64[s]").astype("int64")[d]
    hours = f["wochenstunden_h100"].astype("Int64").to_numpy(dtype="int64", na_value=-1)[d]
    share = f["stellenanteil_e4"].astype("Int64").to_numpy(dtype="int64", na_value=-1)[d]
    # several rows of one employment (one per interruption, a sheet sent again) are no overlap (as the engine)
    _, once = first_rows(group, start, end, hours, share)
    rows = once[np.lexsort((end[once], start[once], group[once]))]  # stable
    g = group[rows]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = g[1:] != g[:-1]
    reach = group_cummax(end[rows], first)
    overlaps = np.flatnonzero(~first[1:] & (start[rows][1:] <= reach[:-1])) + 1
    labels = f.index.tolist()
    sheet, zeile = f["_sheet"].tolist(), f["_zeile"].tolist()
    for k in overlaps.tolist():
        pos, prev = int(d[rows[k]]), int(d[rows[k - 1]])
        i = labels[pos]
        out.append(
            finding(
                Code.BESCHAEFTIGUNG_UEBERLAPPT, inputs.row_ref(Kind.BESETZUNG, i, "beginn"),
                value=format_value("date", f.at[i, "beginn"]), person=f.at[i, "personal_id"],
                stelle=f.at[i, "stelle_id"] if not pd.isna(f.at[i, "stelle_id"]) else "–",
                andere=other_row(inputs, int(sheet[pos]), int(sheet[prev]), int(zeile[prev])),
            )
        )
    return out


def _edges(inputs: CaseInputs) -> set[frozenset[str]]:
    """Contract edges, undirected (repayments run against them): Bescheid, Kreis → direct, hub → child."""
    edges: set[frozenset[str]] = set()
    b = _frame(inputs, Kind.BESCHEID)
    kreise: set[str] = set()
    if not b.empty:
        for g, r in zip(_norm(b["behoerde"]), _norm(b["empfaenger"]), strict=True):
            if isinstance(g, str) and isinstance(r, str):
                edges.add(frozenset((g, r)))
                kreise.add(r)
    z = _frame(inputs, Kind.ZUWEISUNG)
    if not z.empty:
        for hub, rec in zip(_norm(z["ueber"]), _norm(z["empfaenger"]), strict=True):
            if not isinstance(rec, str):
                continue
            if isinstance(hub, str):
                edges.add(frozenset((hub, rec)))
            else:
                edges.update(frozenset((k, rec)) for k in kreise if k != rec)
    v = _frame(inputs, Kind.VERTRAG)
    if not v.empty:
        for g, r in zip(_norm(v["geber"]), _norm(v["empfaenger"]), strict=True):
            if isinstance(g, str) and isinstance(r, str):
                edges.add(frozenset((g, r)))
    return edges


def known_names(inputs: CaseInputs) -> tuple[set[str], set[str]]:
    """Normalised names and AGS the case knows: Bescheid parties and Zuweisung recipients and hubs."""
    names: set[str] = set()
    ags: set[str] = set()
    b = _frame(inputs, Kind.BESCHEID)
    for col in ("behoerde", "empfaenger"):
        if not b.empty:
            names.update(x for x in _norm(b[col]).dropna())
    z = _frame(inputs, Kind.ZUWEISUNG)
    if not z.empty:
        for col in ("empfaenger", "ueber"):
            names.update(x for x in _norm(z[col]).dropna())
        ags.update(z["ags"].dropna().astype(str))
    return names, ags


_NAME_COLUMNS: dict[Kind, tuple[str, ...]] = {
    Kind.SCHLUESSEL: ("verteiler", "kommune"),
    Kind.BESETZUNG: ("kommune",),
    Kind.ZAHLUNGEN: ("zahler", "empfaenger"),
    Kind.RUECKFORDERUNGEN: ("glaeubiger", "schuldner"),
    Kind.VERTRAG: ("geber", "empfaenger"),
    Kind.NACHWEISE: ("geber", "empfaenger"),
}


def check_names(inputs: CaseInputs) -> tuple[list[Finding], dict[Kind, set[object]]]:
    """Spec §5: a name that matches nothing known (AGS first, then the normalised name) is a finding."""
    out: list[Finding] = []
    unknown_rows: dict[Kind, set[object]] = {k: set() for k in Kind}
    if _frame(inputs, Kind.ZUWEISUNG).empty:
        return out, unknown_rows  # without the Kreis's allocation there is nothing to match against
    names, ags = known_names(inputs)
    shown = _known_spellings(inputs)
    for kind, cols in _NAME_COLUMNS.items():
        f = _frame(inputs, kind)
        if f.empty:
            continue
        by_ags = f["ags"].isin(ags) if "ags" in f.columns and ags else pd.Series(False, index=f.index)
        for col in cols:
            n = _norm(f[col])
            bad = n.notna() & ~n.isin(names)
            if col == "kommune":
                bad &= ~by_ags
            for i in f.index[bad.to_numpy(dtype=bool)]:
                unknown_rows[kind].add(i)
                where = inputs.row_ref(kind, i, col)
                out.append(finding(Code.NAME_UNBEKANNT, where, value=f.at[i, col], name=f.at[i, col],
                                   **name_advice(str(f.at[i, col]), shown)))
    return out, unknown_rows


def _known_spellings(inputs: CaseInputs) -> list[str]:
    """The known names as the Bescheid and the Zuweisung write them (for "Meinten Sie …?")."""
    out: list[str] = []
    for kind, cols in ((Kind.BESCHEID, ("empfaenger", "behoerde")), (Kind.ZUWEISUNG, ("empfaenger", "ueber"))):
        f = _frame(inputs, kind)
        for col in cols:
            if not f.empty:
                out.extend(str(x) for x in pd.unique(f[col].dropna()))
    return out


def _cells(series: pd.Series, empty: object = None) -> list[Any]:
    """A column's values as a list, every empty cell (None, NaN, NA, NaT) as ``empty``.

    Tuples of these compare as pandas' ``groupby(dropna=False)`` and ``duplicated`` group rows.
    """
    return [empty if missing else v for v, missing in zip(series.tolist(), series.isna().tolist(), strict=True)]


def check_zahlungen(
    inputs: CaseInputs, grants: dict[int, YearGrant], unknown_rows: set[object]
) -> list[Finding]:
    """Duplicate payments; payments between parties without a contract; Abschläge after the period.

    Rows grouped on factorised key columns (numpy), the rules decided once per distinct pair of
    parties and per year; Python only for the rows that get a finding.
    """
    f = _frame(inputs, Kind.ZAHLUNGEN)
    out: list[Finding] = []
    if f.empty:
        return out
    labels = f.index.tolist()
    sheet, zeile = f["_sheet"].to_numpy(), f["_zeile"].to_numpy()
    zahler, empf = _norm(f["zahler"]), _norm(f["empfaenger"])
    on, by, to, amount = codes(f["datum"]), codes(zahler), codes(empf), codes(f["betrag_cent"])
    year = f["jahr"].fillna(f["datum"].dt.year.astype("Int64"))
    number, first = first_rows(on, by, to, amount, codes(f["kassenzeichen"].fillna("")))
    twin = first[number]  # the first row with the same date, parties, amount and Kassenzeichen
    dup = twin != np.arange(len(f))
    for pos in np.flatnonzero(dup).tolist():
        i = labels[pos]
        andere = other_row(inputs, int(sheet[pos]), int(sheet[twin[pos]]), int(zeile[twin[pos]]))
        sev = Severity.FEHLER if f.at[i, "kassenzeichen"] is not pd.NA and not pd.isna(
            f.at[i, "kassenzeichen"]) else Severity.HINWEIS
        out.append(
            finding(Code.ZAHLUNG_DOPPELT, inputs.row_ref(Kind.ZAHLUNGEN, i, "betrag_cent"), severity=sev,
                    value=format_value("cent", f.at[i, "betrag_cent"]), andere=andere)
        )
    # one payment booked by both sides (the payer's and the recipient's list, each with its own or no
    # Kassenzeichen): same day, parties, amount and year in another sheet; the engine would count it twice
    year_code = codes(year)
    number, first = first_rows(on, by, to, amount, year_code)
    twin = first[number]
    for pos in np.flatnonzero((sheet != sheet[twin]) & ~dup).tolist():
        i = labels[pos]
        andere = other_row(inputs, int(sheet[pos]), int(sheet[twin[pos]]), int(zeile[twin[pos]]))
        out.append(finding(Code.ZAHLUNG_DOPPELT, inputs.row_ref(Kind.ZAHLUNGEN, i, "betrag_cent"),
                           value=format_value("cent", f.at[i, "betrag_cent"]), andere=andere))
    art = f["art"].fillna("").astype(str).str.casefold()
    if not _frame(inputs, Kind.ZUWEISUNG).empty:
        edges = {"\x1f".join(sorted(e)) if len(e) == 2 else "" for e in _edges(inputs)}
        number, first = first_rows(by, to)  # each pair of parties once
        z_first, e_first = zahler.to_numpy()[first].tolist(), empf.to_numpy()[first].tolist()
        no_edge = np.array([z == e or "\x1f".join(sorted((str(z), str(e)))) not in edges
                            for z, e in zip(z_first, e_first, strict=True)], dtype=bool)[number]
        known = ~f.index.isin(list(unknown_rows))
        interest = art.eq("zinszahlung").to_numpy(dtype=bool)  # not principal (engine too)
        bad = (by >= 0) & (to >= 0) & known & ~interest & no_edge
        for pos in np.flatnonzero(bad).tolist():
            i = labels[pos]
            out.append(
                finding(Code.ZAHLUNG_OHNE_VERTRAG, inputs.row_ref(Kind.ZAHLUNGEN, i, "zahler"),
                        value=f.at[i, "zahler"], zahler=f.at[i, "zahler"], empfaenger=f.at[i, "empfaenger"])
            )
    if grants:
        bis = year.map({y: g.bis for y, g in grants.items()})
        von = year.map({y: g.von for y, g in grants.items()})
        abschlag = art.eq("abschlag")
        late = abschlag & bis.notna() & f["datum"].notna() & (f["datum"] > pd.to_datetime(bis))
        for i in f.index[late.to_numpy(dtype=bool)]:
            out.append(
                finding(Code.DATUM_AUSSERHALB, inputs.row_ref(Kind.ZAHLUNGEN, i, "datum"), severity=Severity.HINWEIS,
                        value=format_value("date", f.at[i, "datum"]), datum=format_value("date", f.at[i, "datum"]),
                        von=format_value("date", von[i]), bis=format_value("date", bis[i]))
            )
    return out


def check_minimum(inputs: CaseInputs, params: Params) -> list[Finding]:
    """R3a: every allotment of the Zuweisung is 0 or at least ``[abrechnung] mindestzuteilung`` (default 0,5 VzÄ)."""
    z = _frame(inputs, Kind.ZUWEISUNG)
    if z.empty:
        return []
    vzae = z["vzae_e4"].astype("Int64")
    bad = (vzae > 0) & (vzae < params.mindestzuteilung_e4)
    minimum = format_e4(params.mindestzuteilung_e4)
    return [finding(Code.ZUTEILUNG_UNTER_MINIMUM, inputs.row_ref(Kind.ZUWEISUNG, i, "vzae_e4"),
                    value=format_e4(int(vzae[i])), wert=format_e4(int(vzae[i])), minimum=minimum)
            for i in z.index[bad.fillna(False).to_numpy(dtype=bool)]]


def cross_sheet_findings(inputs: CaseInputs, params: Params) -> list[Finding]:
    """Every cross-sheet rule, in a stable order; rules that depend on a parameter get the parameters."""
    by_recipient = grants_by_recipient(inputs)
    grants = grants_by_year(by_recipient)
    out = check_bescheid(inputs)
    out += check_minimum(inputs, params)
    out += check_zuweisung(inputs, by_recipient)
    out += check_besetzung(inputs)
    out += _end_before_start(inputs, Kind.RUECKFORDERUNGEN, "zinsbeginn", "zahlungseingang")
    names, unknown_rows = check_names(inputs)
    out += names
    out += check_zahlungen(inputs, grants, unknown_rows[Kind.ZAHLUNGEN])
    return out
