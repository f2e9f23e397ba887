"""Cross-sheet rules of spec §3/§5 that a per-sheet schema cannot express (allotments, sums, dates, payments, names)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kimrecon.findings import Code, Finding, Severity, finding
from kimrecon.inputs import CaseInputs, Kind
from kimrecon.names import normalize_name
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


def grants_by_year(inputs: CaseInputs) -> dict[int, YearGrant]:
    """Map each year to the Bescheid that governs it (an Änderungsbescheid replaces an older one)."""
    b = _frame(inputs, Kind.BESCHEID)
    out: dict[int, tuple[pd.Timestamp, YearGrant]] = {}
    if b.empty:
        return {}
    for rec in b.dropna(subset=["von", "bis"]).to_dict("records"):
        von, bis = pd.Timestamp(rec["von"]), pd.Timestamp(rec["bis"])
        if bis < von:
            continue
        datum = pd.Timestamp(rec["bescheiddatum"]) if not pd.isna(rec["bescheiddatum"]) else von
        grant = YearGrant(_int(rec["vzae_e4"]), _int(rec["pauschale_cent"]), von, bis)
        for year in range(von.year, bis.year + 1):
            if year not in out or datum >= out[year][0]:
                out[year] = (datum, grant)
    return {y: g for y, (_, g) in out.items()}


def _norm(series: pd.Series) -> pd.Series:
    uniq = {u: normalize_name(u) for u in pd.unique(series.dropna())}
    return series.map(uniq).astype(object)


def check_bescheid(inputs: CaseInputs) -> list[Finding]:
    """R1: Bewilligungssumme = VzÄ × Pauschale; the period ends after it begins."""
    b = _frame(inputs, Kind.BESCHEID)
    out: list[Finding] = []
    if b.empty:
        return out
    full = b.dropna(subset=["vzae_e4", "pauschale_cent", "summe_cent"])
    if not full.empty:
        expected = (full["vzae_e4"].astype("int64") * full["pauschale_cent"].astype("int64") + 5000) // 10000
        for i in full.index[full["summe_cent"].astype("int64").ne(expected)]:
            r = full.loc[i]
            out.append(
                finding(
                    Code.BEWILLIGUNG_ABWEICHUNG, inputs.row_ref(Kind.BESCHEID, i, "summe_cent"),
                    value=format_value("cent", r["summe_cent"]), betrag=format_cents(int(r["summe_cent"])),
                    vzae=format_e4(int(r["vzae_e4"])), pauschale=format_cents(int(r["pauschale_cent"])),
                    erwartet=format_cents(int(expected[i])),
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


def check_zuweisung(inputs: CaseInputs, grants: dict[int, YearGrant]) -> list[Finding]:
    """R3: Betrag = VzÄ × Pauschale of the year; Σ allotments of a year ≤ the Bescheid's VzÄ."""
    z = _frame(inputs, Kind.ZUWEISUNG)
    out: list[Finding] = []
    if z.empty:
        return out
    rate = z["jahr"].map({y: g.pauschale_cent for y, g in grants.items()}).astype("Int64")
    has = z["betrag_cent"].notna() & z["vzae_e4"].notna() & rate.notna()
    if has.any():
        sub = z[has]
        expected = (sub["vzae_e4"].astype("int64") * rate[has].astype("int64") + 5000) // 10000
        for i in sub.index[sub["betrag_cent"].astype("int64").ne(expected)]:
            out.append(
                finding(
                    Code.BETRAG_ABWEICHUNG, inputs.row_ref(Kind.ZUWEISUNG, i, "betrag_cent"),
                    value=format_value("cent", z.at[i, "betrag_cent"]),
                    betrag=format_cents(int(z.at[i, "betrag_cent"])), vzae=format_e4(int(z.at[i, "vzae_e4"])),
                    pauschale=format_cents(int(rate[i])), erwartet=format_cents(int(expected[i])),
                )
            )
    key = pd.DataFrame({"j": z["jahr"], "e": _norm(z["empfaenger"]), "u": _norm(z["ueber"]).fillna("")})
    twice = key.duplicated(keep="first") & key["e"].notna() & key["j"].notna()
    if twice.any():
        first = z.groupby([key["j"], key["e"], key["u"]], sort=False)["_zeile"].transform("first")
        for i in z.index[twice.to_numpy(dtype=bool)]:
            out.append(
                finding(
                    Code.WERT_UNGUELTIG, inputs.row_ref(Kind.ZUWEISUNG, i, "empfaenger"),
                    value=z.at[i, "empfaenger"], wert=z.at[i, "empfaenger"], spalte="Empfänger",
                    hinweis=f"Der Empfänger steht für {z.at[i, 'jahr']} schon in Zeile {int(first[i])}; "
                    "bitte die Zeilen zusammenfassen.",
                )
            )
    sums = z.dropna(subset=["jahr"]).groupby("jahr")["vzae_e4"].sum()
    for year, total in sums.items():
        grant = grants.get(int(year))  # type: ignore[call-overload]
        if grant is None or grant.vzae_e4 is None or int(total) <= grant.vzae_e4:
            continue
        last = z.index[z["jahr"].eq(year).fillna(False).to_numpy(dtype=bool)][-1]
        out.append(
            finding(
                Code.ZUTEILUNG_UEBER_BESCHEID, inputs.row_ref(Kind.ZUWEISUNG, last, "vzae_e4"),
                value=format_e4(int(total)), jahr=int(year), summe=format_e4(int(total)),  # type: ignore[call-overload]
                bescheid=format_e4(grant.vzae_e4),
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
            finding(Code.WERT_FEHLT, inputs.row_ref(Kind.BESETZUNG, i, col), spalte="Wochenstunden oder Stellenanteil")
        )
    d = f.dropna(subset=["beginn", "personal_id"])
    if d.empty:
        return out
    # one person on one post: group id over (town, post, person), then a running max of the ends
    keys = pd.DataFrame({
        "k": _norm(d["kommune"]).fillna(""),
        "s": d["stelle_id"].fillna("").astype(str),
        "p": d["personal_id"].astype(str),
    })
    work = pd.DataFrame({
        "g": keys.groupby(["k", "s", "p"], sort=False).ngroup().to_numpy(),
        "b": d["beginn"].astype("datetime64[s]").astype("int64").to_numpy(),
        "e": d["ende"].fillna(_FAR).astype("datetime64[s]").astype("int64").to_numpy(),
        "z": d["_zeile"].to_numpy(),
    }, index=d.index).sort_values(["g", "b", "e"], kind="stable")
    grouped = work.groupby("g", sort=False)
    running = grouped["e"].cummax()
    prev_end = running.groupby(work["g"], sort=False).shift()
    prev_row = grouped["z"].shift()
    overl = prev_end.notna() & (work["b"] <= prev_end)
    for i in work.index[overl.to_numpy(dtype=bool)]:
        out.append(
            finding(
                Code.BESCHAEFTIGUNG_UEBERLAPPT, inputs.row_ref(Kind.BESETZUNG, i, "beginn"),
                value=format_value("date", f.at[i, "beginn"]), person=f.at[i, "personal_id"],
                stelle=f.at[i, "stelle_id"] if not pd.isna(f.at[i, "stelle_id"]) else "–",
                andere=int(prev_row.at[i]),
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
}


def check_names(inputs: CaseInputs) -> tuple[list[Finding], dict[Kind, set[object]]]:
    """Spec §5: a name that matches nothing known (AGS first, then the normalised name) is a finding."""
    out: list[Finding] = []
    unknown_rows: dict[Kind, set[object]] = {k: set() for k in Kind}
    if _frame(inputs, Kind.ZUWEISUNG).empty:
        return out, unknown_rows  # without the Kreis's allocation there is nothing to match against
    names, ags = known_names(inputs)
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
                out.append(finding(Code.NAME_UNBEKANNT, where, value=f.at[i, col], name=f.at[i, col]))
    return out, unknown_rows


def check_zahlungen(
    inputs: CaseInputs, grants: dict[int, YearGrant], unknown_rows: set[object]
) -> list[Finding]:
    """Duplicate payments; payments between parties without a contract; Abschläge after the period."""
    f = _frame(inputs, Kind.ZAHLUNGEN)
    out: list[Finding] = []
    if f.empty:
        return out
    zahler, empf = _norm(f["zahler"]), _norm(f["empfaenger"])
    key = pd.DataFrame(
        {"d": f["datum"], "z": zahler, "e": empf, "b": f["betrag_cent"], "k": f["kassenzeichen"].fillna("")}
    )
    dup = key.duplicated(keep="first")
    if dup.any():
        first = f.groupby([key[c] for c in key.columns], dropna=False, sort=False)["_zeile"].transform("first")
        first_sheet = f.groupby([key[c] for c in key.columns], dropna=False, sort=False)["_sheet"].transform("first")
        for i in f.index[dup.to_numpy(dtype=bool)]:
            other = int(first[i])
            if int(first_sheet[i]) != int(f.at[i, "_sheet"]):
                s = inputs.sheets[int(first_sheet[i])]
                andere = f"{other} in {s.datei} › {s.blatt}"
            else:
                andere = str(other)
            sev = Severity.FEHLER if f.at[i, "kassenzeichen"] is not pd.NA and not pd.isna(
                f.at[i, "kassenzeichen"]) else Severity.HINWEIS
            out.append(
                finding(Code.ZAHLUNG_DOPPELT, inputs.row_ref(Kind.ZAHLUNGEN, i, "betrag_cent"), severity=sev,
                        value=format_value("cent", f.at[i, "betrag_cent"]), andere=andere)
            )
    if not _frame(inputs, Kind.ZUWEISUNG).empty:
        edges = {"\x1f".join(sorted(e)) if len(e) == 2 else "" for e in _edges(inputs)}
        both = zahler.notna() & empf.notna()
        lo = zahler.where(zahler.fillna("") <= empf.fillna(""), empf)
        hi = empf.where(zahler.fillna("") <= empf.fillna(""), zahler)
        pair = lo.fillna("") + "\x1f" + hi.fillna("")
        known = ~f.index.isin(list(unknown_rows))
        bad = both & known & (~pair.isin(edges) | zahler.eq(empf))
        for i in f.index[bad.to_numpy(dtype=bool)]:
            out.append(
                finding(Code.ZAHLUNG_OHNE_VERTRAG, inputs.row_ref(Kind.ZAHLUNGEN, i, "zahler"),
                        value=f.at[i, "zahler"], zahler=f.at[i, "zahler"], empfaenger=f.at[i, "empfaenger"])
            )
    if grants:
        year = f["jahr"].fillna(f["datum"].dt.year.astype("Int64"))
        bis = year.map({y: g.bis for y, g in grants.items()})
        von = year.map({y: g.von for y, g in grants.items()})
        abschlag = f["art"].fillna("").astype(str).str.casefold().eq("abschlag")
        late = abschlag & bis.notna() & f["datum"].notna() & (f["datum"] > pd.to_datetime(bis))
        for i in f.index[late.to_numpy(dtype=bool)]:
            out.append(
                finding(Code.DATUM_AUSSERHALB, inputs.row_ref(Kind.ZAHLUNGEN, i, "datum"), severity=Severity.HINWEIS,
                        value=format_value("date", f.at[i, "datum"]), datum=format_value("date", f.at[i, "datum"]),
                        von=format_value("date", von[i]), bis=format_value("date", bis[i]))
            )
    return out


def cross_sheet_findings(inputs: CaseInputs) -> list[Finding]:
    """Every cross-sheet rule, in a stable order."""
    grants = grants_by_year(inputs)
    out = check_bescheid(inputs)
    out += check_zuweisung(inputs, grants)
    out += check_besetzung(inputs)
    out += _end_before_start(inputs, Kind.RUECKFORDERUNGEN, "zinsbeginn", "zahlungseingang")
    names, unknown_rows = check_names(inputs)
    out += names
    out += check_zahlungen(inputs, grants, unknown_rows[Kind.ZAHLUNGEN])
    return out
