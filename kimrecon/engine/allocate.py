"""Allocation stage: Bescheid per year, forwarding tree, distribution key and conservation (R1–R3b)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from kimrecon.findings import Code, Finding, Severity, SourceRef, finding
from kimrecon.inputs import CaseInputs, Kind, present
from kimrecon.money import VZAE_SCALE, div_round, format_cents_de, format_vzae_de, round_half_up
from kimrecon.names import Names, normalize_name
from kimrecon.parameters import Params
from kimrecon.result import Allotment, ConservationCheck


def split_largest_remainder(total: int, weights: Sequence[int | Fraction]) -> list[int]:
    """Split an integer total by weights with the largest-remainder method (R3a, Hare-Niemeyer).

    The parts always add up to ``total``; ties of the remainder go to the earlier weight (the
    order of the key sheet). A zero weight sum gives all zeros except a zero total.
    """
    ws = [Fraction(w) for w in weights]
    s = sum(ws, Fraction(0))
    if not ws:
        return []
    if s == 0:
        return [0] * len(ws)
    sign = -1 if total < 0 else 1
    t = abs(total)
    exact = [t * w / s for w in ws]
    base = [q.numerator // q.denominator for q in exact]
    rest = t - sum(base)
    order = sorted(range(len(ws)), key=lambda i: (-(exact[i] - base[i]), i))
    for i in order[:rest]:
        base[i] += 1
    return [sign * b for b in base]


def split_amount(total_cent: int, weights: Sequence[int | Fraction]) -> list[int]:
    """Split a money amount in cents by a key, to the cent (R3a)."""
    return split_largest_remainder(total_cent, weights)


@dataclass
class YearInfo:
    """The Bescheid side of one year: who grants, to whom, what period and rate (R1, R2)."""

    jahr: int
    behoerde: str
    kreis: str  # key
    von: date
    bis: date
    monate: int  # calendar months of the year touched by the Bewilligungszeitraum
    vzae_e4: int
    pauschale_cent: int
    summe_cent: int
    bescheid_id: str | None
    nachweisfrist: date | None
    source: SourceRef | None
    datum: date | None = None  # Bescheiddatum
    aktenzeichen: str | None = None
    art: str | None = None  # Erstbescheid | Änderungsbescheid | Anschlussbescheid
    zuweisung_aus: int | None = None  # the Zuweisung year carried on (Anschlussbescheid, §2)


@dataclass
class Allocation:
    """Everything the allocation stage produced."""

    names: Names
    years: dict[tuple[int, str], YearInfo]  # (jahr, Erstempfänger key) → Bescheid side
    nodes: pd.DataFrame  # one row per (jahr, key), see NODE_COLUMNS
    allotments: tuple[Allotment, ...]
    checks: tuple[ConservationCheck, ...]
    findings: list[Finding] = field(default_factory=list)
    versions: dict[tuple[str, str], list[ContractVersion]] = field(default_factory=dict)

    def node(self, jahr: int, key: str) -> pd.Series:
        """The node row of a recipient in a year."""
        return self.nodes.loc[(jahr, key)]


NODE_COLUMNS = (
    "jahr", "key", "name", "geber_key", "geber_name", "ebene", "vzae_eigen_e4", "vzae_teilbaum_e4", "pauschale_cent",
    "weiterleitung_cent", "eigen_cent", "von", "bis", "monate", "version_fassung", "frist", "zahlungsplan",
    "mittelabruf",
)


def _period_months(von: date, bis: date) -> int:
    if bis < von:
        return 0
    return (bis.year - von.year) * 12 + bis.month - von.month + 1


def _to_date(value: object) -> date | None:
    if not present(value):
        return None
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def _frame(inputs: CaseInputs, kind: Kind) -> pd.DataFrame | None:
    frame = inputs.frames.get(kind)
    if frame is None or len(frame) == 0:
        return None
    return frame


def _years_from_bescheide(inputs: CaseInputs, names: Names, params: Params,
                          findings: list[Finding]) -> dict[tuple[int, str], YearInfo]:
    """R1/R2: the Bescheid in force per calendar year and Erstempfänger (the latest Bescheid covering the year).

    Several Bescheide of one year to different recipients (one per Kreis) are separate trees.
    """
    frame = _frame(inputs, Kind.BESCHEID)
    years: dict[tuple[int, str], YearInfo] = {}
    if frame is None:
        return years
    chosen: dict[tuple[int, str], tuple[tuple[date, int], object]] = {}
    for pos, (idx, row) in enumerate(zip(frame.index, frame.to_dict("records"), strict=True)):
        von, bis = _to_date(row["von"]), _to_date(row["bis"])
        kreis = names.add(row["empfaenger"])
        if von is None or bis is None or bis < von or kreis is None:
            continue
        datum = _to_date(row["bescheiddatum"]) or date.min
        for y in range(von.year, bis.year + 1):
            rank = (datum, pos)
            if (y, kreis) not in chosen or rank >= chosen[(y, kreis)][0]:  # an Änderungsbescheid replaces
                chosen[(y, kreis)] = (rank, idx)
    for (y, kreis), (_, idx) in sorted(chosen.items()):
        row = frame.loc[idx]
        von, bis = _to_date(row["von"]), _to_date(row["bis"])
        assert von is not None and bis is not None
        p_von, p_bis = max(von, date(y, 1, 1)), min(bis, date(y, 12, 31))
        months = _period_months(p_von, p_bis)
        rate = row.get("pauschale_cent")
        if not present(rate):
            default = params.pauschale_for(p_von)
            rate = int(default.wert) if default else 0
        vzae = int(row["vzae_e4"]) if present(row.get("vzae_e4")) else 0
        summe = row.get("summe_cent")
        # R1: Bewilligung = VzÄ × Pauschale (pro rata for a shorter Bewilligungszeitraum, spec R2)
        computed = div_round(vzae * int(rate) * months, VZAE_SCALE * 12)
        spans = von.year != bis.year
        summe_cent = int(summe) if present(summe) and not spans else computed
        behoerde = str(row["behoerde"]).strip() if present(row.get("behoerde")) else "Bewilligungsbehörde"
        names.add(behoerde)
        years[(y, kreis)] = YearInfo(
            jahr=y, behoerde=behoerde, kreis=kreis, von=p_von, bis=p_bis, monate=months, vzae_e4=vzae,
            pauschale_cent=int(rate), summe_cent=summe_cent,
            bescheid_id=str(row["bescheid_id"]) if present(row.get("bescheid_id")) else None,
            nachweisfrist=_to_date(row.get("nachweisfrist")), source=inputs.row_ref(Kind.BESCHEID, idx),
            datum=_to_date(row.get("bescheiddatum")), aktenzeichen=_opt_str(row.get("aktenzeichen")),
            art=_opt_str(row.get("art")),
        )
    return years


def _tree_of_rows(zuw: pd.DataFrame, names: Names, years: dict[tuple[int, str], YearInfo],
                  inputs: CaseInputs, findings: list[Finding]) -> pd.Series:
    """The Erstempfänger (Kreis) whose tree each Zuweisung row belongs to (None: not attributable).

    With one Bescheid recipient in a year every row belongs to it. With several (one case folder
    for many Kreise) a Zuweisung sheet belongs to the one Bescheid recipient it names, as its own
    posts or as the ``über`` of a row.
    """
    kreise_all = sorted({k for (_, k) in years})
    by_year: dict[int, set[str]] = {}
    for (y, k) in years:
        by_year.setdefault(y, set()).add(k)
    emp = names.keys_of(zuw["empfaenger"], zuw["ags"] if "ags" in zuw else None)
    ueb = names.keys_of(zuw["ueber"]) if "ueber" in zuw else pd.Series(None, index=zuw.index, dtype="object")
    sheet = zuw["_sheet"].tolist() if "_sheet" in zuw else [0] * len(zuw)
    groups: dict[tuple[object, int], list[int]] = {}  # (sheet, year) → row positions, in order of appearance
    for pos, (sh, y, missing) in enumerate(zip(sheet, zuw["jahr"].tolist(), zuw["jahr"].isna().tolist(),
                                               strict=True)):
        if not missing:
            groups.setdefault((sh, int(y)), []).append(pos)
    emp_l, ueb_l = emp.tolist(), ueb.tolist()
    out: list[str | None] = [None] * len(zuw)
    for (_sh, y), rows in groups.items():  # per sheet and year: small
        known = by_year.get(y) or set(kreise_all)
        named = ({emp_l[i] for i in rows} | {ueb_l[i] for i in rows}) & known  # never an unknown (None)
        if len(known) == 1 or len(named) == 1:
            tree = next(iter(known if len(known) == 1 else named))
            for i in rows:
                out[i] = tree
        else:
            findings.append(finding(
                Code.SONSTIGES, inputs.row_ref(Kind.ZUWEISUNG, zuw.index[rows[0]]),
                text=f"Die Zuweisung {int(y)} lässt sich keinem Bescheid zuordnen "
                f"({', '.join(names.show(k) for k in sorted(named or known))}). "
                "Bitte je Zuwendungsempfänger eine eigene Zuweisungstabelle mit dessen eigenen Stellen führen."))
    return pd.Series(out, index=zuw.index, dtype="object")


@dataclass(frozen=True, slots=True)
class ContractVersion:
    """One version of a Weiterleitungsvertrag (original or amendment), valid from a date (§2)."""

    gueltig_ab: date
    fassung: str
    vertragsdatum: date | None
    pauschale_cent: int | None
    frist_tag: int | None
    frist_monat: int | None
    zahlungsplan: str | None
    zinsart: str | None
    ref: SourceRef | None
    auszahlung: str | None = None  # Mittelabruf | Zahlungsplan


Versions = dict[tuple[str, str], list[ContractVersion]]


def _opt_int(value: object) -> int | None:
    return int(value) if present(value) else None  # type: ignore[call-overload]


def _opt_str(value: object) -> str | None:
    return str(value).strip() if present(value) else None


def _versions(inputs: CaseInputs, names: Names, findings: list[Finding]) -> Versions:
    """Contract versions per edge, sorted by valid-from (§2 Weiterleitungsvertrag)."""
    frame = _frame(inputs, Kind.VERTRAG)
    out: Versions = {}
    if frame is None:
        return out
    for idx, row in zip(frame.index, frame.to_dict("records"), strict=True):  # one row per contract version
        g, r = names.key(row["geber"]), names.key(row["empfaenger"])
        for col, key in (("geber", g), ("empfaenger", r)):
            if key is None:
                findings.append(finding(Code.NAME_UNBEKANNT, inputs.row_ref(Kind.VERTRAG, idx, col),
                                        value=row[col], name=row[col], **names.advice(row[col])))
        ab = _to_date(row["gueltig_ab"])
        if g is None or r is None or ab is None:
            continue
        out.setdefault((g, r), []).append(ContractVersion(
            gueltig_ab=ab, fassung=_opt_str(row.get("fassung")) or "", vertragsdatum=_to_date(row.get("vertragsdatum")),
            pauschale_cent=_opt_int(row.get("pauschale_cent")),
            frist_tag=_opt_int(row.get("frist_tag")), frist_monat=_opt_int(row.get("frist_monat")),
            zahlungsplan=_opt_str(row.get("zahlungsplan")), zinsart=_opt_str(row.get("zinsart")),
            auszahlung=_opt_str(row.get("auszahlung")),
            ref=inputs.row_ref(Kind.VERTRAG, idx)))
    for v in out.values():
        v.sort(key=lambda c: c.gueltig_ab)
    return out


def requested(auszahlung: str | None, params: Params) -> bool:
    """R6: whether money on an edge was requested (Mittelabruf) and so can bear Zwischenzinsen.

    The contract version's Auszahlungsart decides; without one, ``[abrechnung] zwischenzinsen``
    (default: only requested money; payments on the giver's own schedule were not requested).
    """
    text = (auszahlung or "").strip().casefold()
    if text.startswith("mittelabruf") or text.startswith("abruf"):
        return True
    if text.startswith("zahlungsplan"):
        return False
    return params.zwischenzinsen == "alle_zahlungen"


def version_in_force(versions: Versions, geber: str, empfaenger: str, on: date) -> ContractVersion | None:
    """The contract version of an edge in force on a date (latest valid-from not after it)."""
    found = None
    for v in versions.get((geber, empfaenger), []):
        if v.gueltig_ab <= on:
            found = v
    return found


def allocate(inputs: CaseInputs, params: Params) -> Allocation:
    """Build the forwarding tree of every year with allotments, rates and conservation checks."""
    findings: list[Finding] = []
    names = Names()
    zuw = _frame(inputs, Kind.ZUWEISUNG)
    if zuw is not None:  # names as written in the Zuweisung win (spec §6a)
        for e, a in zip(zuw["empfaenger"].tolist(),
                        (zuw["ags"] if "ags" in zuw else pd.Series([None] * len(zuw))).tolist(), strict=False):
            names.add(e, a)
    years = _years_from_bescheide(inputs, names, params, findings)
    versions = _versions(inputs, names, findings)
    zuw_years = sorted({int(y) for y in zuw["jahr"].dropna().tolist()}) if zuw is not None else []
    if not years:
        findings.append(finding(Code.KEIN_BESCHEID, None, jahr=", ".join(str(y) for y in zuw_years) or "–"))
        return Allocation(names, {}, _empty_nodes(), (), (), findings, versions)
    tree = _tree_of_rows(zuw, names, years, inputs, findings) if zuw is not None else None
    behoerde_of = {k: info.behoerde for (_, k), info in sorted(years.items())}
    pairs = set(years)
    if zuw is not None and tree is not None:
        pairs |= {(int(y), str(k)) for y, k in zip(zuw["jahr"], tree, strict=True) if present(k) and present(y)}

    rows: list[dict[str, object]] = []
    allotments: list[Allotment] = []
    checks: list[ConservationCheck] = []
    consumed: set[object] = set()  # key rows that found their hub
    for y, kreis in sorted(pairs):
        info = years.get((y, kreis))
        if info is None:
            # §2: a year without a Bescheid gives no entitlement; the tree stays to settle payments
            findings.append(finding(Code.KEIN_BESCHEID, None, severity=Severity.HINWEIS, jahr=y))
            info = YearInfo(y, behoerde_of[kreis], kreis, date(y, 1, 1), date(y, 12, 31), 0, 0, 0, 0, None, None, None)
            years[(y, kreis)] = info
        if zuw is None or tree is None:
            mine = pd.DataFrame(columns=["jahr", "empfaenger", "ueber", "vzae_e4", "betrag_cent", "ags"])
        else:
            mine = zuw[(tree == kreis).to_numpy()]
        mine_years = sorted({int(v) for v in mine["jahr"].dropna()})
        src_year = y
        if y not in mine_years:
            earlier = [z for z in mine_years if z < y]
            if earlier:
                src_year = earlier[-1]  # §2 Anschlussbescheid: the contract carries on at this year's rate
                info.zuweisung_aus = src_year
        yrows = mine[mine["jahr"] == src_year]
        r, a, c = _build_year(inputs, yrows, info, names, versions, params, findings, consumed)
        rows += r
        allotments += a
        checks += c
    nodes = pd.DataFrame(rows, columns=list(NODE_COLUMNS)) if rows else _empty_nodes()
    dup = nodes.duplicated(["jahr", "key"], keep="first")
    for j, k in zip(nodes.loc[dup, "jahr"], nodes.loc[dup, "key"], strict=True):
        givers = nodes.loc[(nodes["jahr"] == j) & (nodes["key"] == k), "geber_name"].tolist()
        findings.append(finding(Code.BAUM_ZWEI_GEBER, None, empfaenger=names.show(str(k)), jahr=j,
                                geber=", ".join(str(g) for g in givers)))
    nodes = nodes[~dup].set_index(["jahr", "key"], drop=False)
    _unplaced_key_rows(inputs, names, {y for y, _ in pairs}, consumed, findings)
    return Allocation(names, years, nodes, tuple(allotments), tuple(checks), findings, versions)


def _unplaced_key_rows(inputs: CaseInputs, names: Names, years: set[int], consumed: set[object],
                       findings: list[Finding]) -> None:
    """R3a: a key row that fits no hub of its year names an unknown town or a hub missing from the tree."""
    frame = _frame(inputs, Kind.SCHLUESSEL)
    if frame is None:
        return
    for idx in frame.index:  # key rows: small
        y = frame.at[idx, "jahr"]
        if idx in consumed or not present(y) or int(y) not in years:
            continue
        kommune = frame.at[idx, "kommune"]
        verteiler = frame.at[idx, "verteiler"] if "verteiler" in frame else None
        if names.key(kommune, frame.at[idx, "ags"] if "ags" in frame else None) is None:
            findings.append(finding(Code.NAME_UNBEKANNT, inputs.row_ref(Kind.SCHLUESSEL, idx, "kommune"),
                                    value=kommune, name=kommune, **names.advice(kommune)))
        else:
            findings.append(finding(Code.BAUM_HUB_FEHLT, inputs.row_ref(Kind.SCHLUESSEL, idx, "verteiler"),
                                    value=verteiler, hub=verteiler if present(verteiler) else "(ohne Angabe)",
                                    jahr=int(y)))


def _empty_nodes() -> pd.DataFrame:
    return pd.DataFrame(columns=list(NODE_COLUMNS)).set_index(["jahr", "key"], drop=False)


def _build_year(inputs: CaseInputs, yrows: pd.DataFrame, info: YearInfo, names: Names,
                versions: Versions, params: Params, findings: list[Finding], consumed: set[object],
                ) -> tuple[list[dict[str, object]], list[Allotment], list[ConservationCheck]]:
    """R3: the tree of one year from the Zuweisung (the ``über`` column) and the hub keys (R3a)."""
    y, kreis = info.jahr, info.kreis
    own: dict[str, int] = {kreis: 0}
    parent: dict[str, str] = {}
    refs: dict[str, object] = {}  # row index of each recipient's Zuweisung row (source refs made on demand)
    order: list[str] = []
    for idx, row in zip(yrows.index, yrows.to_dict("records"), strict=True):
        key = names.key(row["empfaenger"], row.get("ags"))
        if key is None:
            continue
        vzae = int(row["vzae_e4"]) if present(row.get("vzae_e4")) else 0
        # R3a: a Zuweisung row below the minimum is a cross-sheet rule (engine.checks); key-derived ones below
        if key == kreis:
            own[kreis] += vzae
            refs.setdefault(kreis, idx)
            continue
        hub_name = row.get("ueber")
        if present(hub_name):
            hub = names.key(hub_name)
            if hub is None:
                findings.append(finding(Code.BAUM_HUB_FEHLT, inputs.row_ref(Kind.ZUWEISUNG, idx, "ueber"),
                                        value=hub_name, hub=hub_name, jahr=y))
                hub = kreis
        else:
            hub = kreis
        if key in parent and parent[key] != hub:
            findings.append(finding(Code.BAUM_ZWEI_GEBER, inputs.row_ref(Kind.ZUWEISUNG, idx, "ueber"),
                                    empfaenger=names.show(key), jahr=y,
                                    geber=f"{names.show(parent[key])}, {names.show(hub)}"))
            continue
        if key not in parent:
            order.append(key)
            refs[key] = idx
        parent[key] = hub
        own[key] = own.get(key, 0) + vzae  # several rows of one recipient and giver add up
    # hubs must be recipients of the same year (R3); cycles are broken at the Kreis
    for key in order:
        hub = parent[key]
        if hub != kreis and hub not in parent:
            findings.append(finding(Code.BAUM_HUB_FEHLT, inputs.row_ref(Kind.ZUWEISUNG, refs.get(key)),
                                    hub=names.show(hub), jahr=y))
            parent[key] = kreis
    for key in order:
        seen = [key]
        cur = parent[key]
        while cur != kreis:
            if cur in seen:
                cycle = seen[seen.index(cur):] + [cur]
                closing = seen[-1]  # the row whose über closes the cycle is attached to the Kreis
                findings.append(finding(Code.BAUM_ZYKLUS, inputs.row_ref(Kind.ZUWEISUNG, refs.get(closing), "ueber"),
                                        pfad=" → ".join(names.show(k) for k in cycle)))
                parent[closing] = kreis
                break
            seen.append(cur)
            cur = parent[cur]
    depth: dict[str, int] = {kreis: 0}

    def level(k: str) -> int:
        if k not in depth:
            depth[k] = level(parent[k]) + 1
        return depth[k]

    for key in order:
        level(key)
    subtree = dict(own)
    for key in sorted(order, key=lambda k: -depth[k]):
        subtree[parent[key]] = subtree.get(parent[key], 0) + subtree[key]
    # Σ allotments above the Bescheid's VzÄ is a cross-sheet rule (engine.checks: ZUTEILUNG_UEBER_BESCHEID)

    key_info = _apply_keys(inputs, y, names, parent, own, subtree, kreis, params, findings, consumed)

    rows: list[dict[str, object]] = []
    allotments: list[Allotment] = []
    checks: list[ConservationCheck] = []
    rate: dict[str, int] = {kreis: info.pauschale_cent}
    fassung: dict[str, str] = {}
    plan: dict[str, str | None] = {kreis: None}
    abruf: dict[str, bool] = {}
    frist: dict[str, date | None] = {kreis: info.nachweisfrist}
    for key in sorted(order, key=lambda k: depth[k]):
        v = version_in_force(versions, parent[key], key, info.bis)
        r = info.pauschale_cent
        # §2: the version in force decides the rate; in a later Anschluss year, that year's Bescheid rate
        if v is not None and v.pauschale_cent is not None and v.gueltig_ab.year == y:
            r = v.pauschale_cent
        if info.monate == 0:
            r = 0
        rate[key] = r
        fassung[key] = v.fassung if v else ""
        plan[key] = v.zahlungsplan if v else None
        abruf[key] = requested(v.auszahlung if v else None, params)
        frist[key] = None
        if v and v.frist_tag and v.frist_monat:
            try:
                frist[key] = date(y + 1, v.frist_monat, v.frist_tag)
            except ValueError:
                frist[key] = None

    def exact(e4: int, k: str) -> Fraction:
        # R3: Weiterleitung = VzÄ × Pauschale (pro rata months of the Bewilligungszeitraum)
        return Fraction(e4 * rate[k] * info.monate, VZAE_SCALE * 12)

    # R3a/R3b: a node's amount is split among its own share and its children with the largest-remainder
    # method, so the rounded parts add up to what it received and conservation holds to the cent.
    fwd: dict[str, int] = {kreis: info.summe_cent}
    eigen: dict[str, int] = {}
    received_exact: dict[str, Fraction] = {kreis: Fraction(info.vzae_e4 * info.pauschale_cent * info.monate,
                                                           VZAE_SCALE * 12)}
    children: dict[str, list[str]] = {}
    for key in order:
        children.setdefault(parent[key], []).append(key)
    for p_key in [kreis] + sorted(order, key=lambda k: (depth[k], order.index(k))):
        kids = children.get(p_key, [])
        weights = [exact(own[p_key], p_key)] + [exact(subtree[c], c) for c in kids]
        if p_key != kreis:
            received_exact[p_key] = exact(subtree[p_key], p_key)
        total = sum(weights, Fraction(0))
        target = round_half_up(total)
        if total <= received_exact[p_key]:
            target = min(target, fwd[p_key])
        parts = split_amount(target, weights) if total > 0 else [0] * len(weights)
        eigen[p_key] = parts[0]
        for c, part in zip(kids, parts[1:], strict=True):
            fwd[c] = part

    kreis_name = names.show(kreis)
    rows.append({
        "jahr": y, "key": kreis, "name": kreis_name, "geber_key": normalize_name(info.behoerde),
        "geber_name": info.behoerde, "ebene": 0,
        "vzae_eigen_e4": own[kreis], "vzae_teilbaum_e4": info.vzae_e4, "pauschale_cent": info.pauschale_cent,
        "weiterleitung_cent": info.summe_cent, "eigen_cent": eigen[kreis], "von": info.von,
        "bis": info.bis, "monate": info.monate, "version_fassung": info.bescheid_id or "", "frist": info.nachweisfrist,
        "zahlungsplan": None, "mittelabruf": requested(None, params),
    })
    allotments.append(Allotment(y, kreis_name, info.behoerde, 0, own[kreis], info.vzae_e4, info.pauschale_cent,
                                info.summe_cent, eigen_cent=eigen[kreis], von=info.von, bis=info.bis,
                                vertrag=None))
    for key in sorted(order, key=lambda k: (depth[k], order.index(k))):
        k_info = key_info.get(key)
        g = k_info[0] if k_info else None
        rows.append({
            "jahr": y, "key": key, "name": names.show(key), "geber_key": parent[key],
            "geber_name": names.show(parent[key]), "ebene": depth[key],
            "vzae_eigen_e4": own[key], "vzae_teilbaum_e4": subtree[key], "pauschale_cent": rate[key],
            "weiterleitung_cent": fwd[key], "eigen_cent": eigen[key], "von": info.von,
            "bis": info.bis, "monate": info.monate, "version_fassung": fassung[key], "frist": frist[key],
            "zahlungsplan": plan[key], "mittelabruf": abruf[key],
        })
        allotments.append(Allotment(
            y, names.show(key), names.show(parent[key]), depth[key], own[key], subtree[key], rate[key],
            fwd[key], eigen_cent=eigen[key], von=info.von, bis=info.bis, vertrag=fassung[key] or None,
            schluessel_groesse=g,
            schluessel_wert=k_info[1] if k_info else None, verzicht_vzae_e4=k_info[2] if k_info else 0,
        ))
    # R3b conservation at every node: forwarded + own share never exceeds what was received
    received = {row["key"]: int(row["weiterleitung_cent"]) for row in rows}  # type: ignore[call-overload]
    own_money = {row["key"]: int(row["eigen_cent"]) for row in rows}  # type: ignore[call-overload]
    forwarded: dict[str, int] = {}
    for key in order:
        forwarded[parent[key]] = forwarded.get(parent[key], 0) + received[key]
    for row in rows:
        k = str(row["key"])
        check = ConservationCheck(names.show(k), y, received[k], forwarded.get(k, 0), own_money[k])
        checks.append(check)
        if not check.ok:
            where = info.source if k == kreis else inputs.row_ref(Kind.ZUWEISUNG, refs.get(k))
            findings.append(finding(Code.ERHALTUNG_VERLETZT, where,
                                    knoten=names.show(k), jahr=y,
                                    aus=format_cents_de(check.weitergeleitet_cent + check.eigenanteil_cent),
                                    ein=format_cents_de(check.erhalten_cent)))
    if info.zuweisung_aus is None:
        accepted = {k: {eigen[k], fwd.get(k, eigen[k])} for k in eigen}
        _check_betrag(inputs, yrows, names, rate, accepted, info, findings)
    return rows, allotments, checks


def _check_betrag(inputs: CaseInputs, yrows: pd.DataFrame, names: Names, rate: dict[str, int],
                  accepted: dict[str, set[int]], info: YearInfo, findings: list[Finding]) -> None:
    """Check the optional Betrag column of the Zuweisung against VzÄ × rate (R3).

    A row's Betrag may state the own share or, for a hub, the whole subtree's amount.
    """
    if "betrag_cent" not in yrows:
        return
    stated = yrows[yrows["betrag_cent"].notna()]  # only rows that state a Betrag; as records, not a .loc per row
    for idx, row in zip(stated.index, stated.to_dict("records"), strict=True):
        key = names.key(row["empfaenger"], row.get("ags"))
        if key is None or key not in rate or not present(row.get("vzae_e4")):
            continue
        vzae = int(row["vzae_e4"])
        expected = div_round(vzae * rate[key] * info.monate, VZAE_SCALE * 12)
        if int(row["betrag_cent"]) != expected and int(row["betrag_cent"]) not in accepted.get(key, set()):
            findings.append(finding(
                Code.BETRAG_ABWEICHUNG, inputs.row_ref(Kind.ZUWEISUNG, idx, "betrag_cent"),
                value=format_cents_de(int(row["betrag_cent"])), betrag=format_cents_de(int(row["betrag_cent"])),
                vzae=format_vzae_de(vzae), pauschale=format_cents_de(rate[key]), erwartet=format_cents_de(expected)))


def key_allotments(total_e4: int, weights: Sequence[Fraction], waivers: Sequence[int], step_e4: int) -> list[int]:
    """R3a: VzÄ allotments from key weights, in steps (largest remainder), less each row's waiver.

    The subtree total is split by ``share_r = w_r / Σ w`` in whole steps of ``step_e4`` with the
    largest-remainder method (ties by sheet order), so the parts add up to the total in steps;
    a waiver (Verzicht) reduces the waiving row's allotment [D, docs/decisions.md].
    """
    steps = split_largest_remainder(total_e4 // step_e4, weights) if step_e4 else [0] * len(weights)
    return [s * step_e4 - w for s, w in zip(steps, waivers, strict=True)]


def _apply_keys(inputs: CaseInputs, y: int, names: Names, parent: dict[str, str], own: dict[str, int],
                subtree: dict[str, int], kreis: str, params: Params, findings: list[Finding],
                consumed: set[object]) -> dict[str, tuple[str | None, Decimal | None, int]]:
    """R3a: each hub's Verteilungsschlüssel must agree with the Zuweisung, else a finding."""
    frame = _frame(inputs, Kind.SCHLUESSEL)
    out: dict[str, tuple[str | None, Decimal | None, int]] = {}
    if frame is None:
        return out
    rows = frame[frame["jahr"] == y]
    if len(rows) == 0:
        return out
    hubs = sorted({p for p in parent.values() if p != kreis})
    by_hub: dict[str, list[object]] = {}
    for idx in rows.index:  # key rows of one year: small
        verteiler = rows.at[idx, "verteiler"] if "verteiler" in rows else None
        if present(verteiler):
            hub = names.key(verteiler)
            if hub is None or (hub not in parent and hub != kreis):
                continue  # another tree's key, or a missing hub (reported by allocate)
        else:
            k = names.key(rows.at[idx, "kommune"], rows.at[idx, "ags"] if "ags" in rows else None)
            if k not in parent:
                continue  # another tree's member or an unknown name (reported by allocate)
            if parent[k] in hubs:
                hub = parent[k]
            elif k in hubs:
                hub = k
            elif len(hubs) == 1:
                hub = hubs[0]
            else:
                continue
        consumed.add(idx)
        by_hub.setdefault(hub, []).append(idx)
    for hub, idxs in by_hub.items():
        members = [hub] + [k for k in parent if parent[k] == hub]
        total = subtree.get(hub, 0)
        keyrows = rows.loc[idxs]
        mkeys = [names.key(keyrows.at[i, "kommune"], keyrows.at[i, "ags"] if "ags" in keyrows else None)
                 for i in idxs]
        groessen = [str(keyrows.at[i, "groesse"]).strip().lower() if present(keyrows.at[i, "groesse"]) else "fest"
                    for i in idxs]
        weights = [Fraction(int(keyrows.at[i, "wert_e4"]), VZAE_SCALE) if present(keyrows.at[i, "wert_e4"])
                   else Fraction(0) for i in idxs]
        waivers = [int(keyrows.at[i, "verzicht_vzae_e4"]) if "verzicht_vzae_e4" in keyrows
                   and present(keyrows.at[i, "verzicht_vzae_e4"]) else 0 for i in idxs]
        if all(g == "fest" for g in groessen):
            computed = [round_half_up(w * VZAE_SCALE) - v for w, v in zip(weights, waivers, strict=True)]
        else:
            computed = key_allotments(total + sum(waivers), weights, waivers, params.schluessel_schritt_e4)
        for i, k, c in zip(idxs, mkeys, computed, strict=True):
            given = keyrows.at[i, "vzae_zugeteilt_e4"] if "vzae_zugeteilt_e4" in keyrows else None
            value = _opt_int(given) if present(given) else c
            assert value is not None
            ref = inputs.row_ref(Kind.SCHLUESSEL, i, "vzae_zugeteilt_e4" if present(given) else "wert_e4")
            if k is None:
                name = keyrows.at[i, "kommune"]
                findings.append(finding(Code.NAME_UNBEKANNT, inputs.row_ref(Kind.SCHLUESSEL, i, "kommune"),
                                        value=name, name=name, **names.advice(name)))
                continue
            if 0 < value < params.mindestzuteilung_e4 or value < 0:
                findings.append(finding(Code.ZUTEILUNG_UNTER_MINIMUM, ref, value=format_vzae_de(value),
                                        minimum=format_vzae_de(params.mindestzuteilung_e4),
                                        wert=format_vzae_de(value)))
            elif params.schluessel_schritt_e4 and value % params.schluessel_schritt_e4:
                findings.append(finding(Code.ZUTEILUNG_SCHRITT, ref, value=format_vzae_de(value),
                                        wert=format_vzae_de(value),
                                        schritt=format_vzae_de(params.schluessel_schritt_e4)))
            expected = own.get(k, 0) if k == hub else (subtree.get(k, 0) if k in members else 0)
            if value != expected:
                findings.append(finding(Code.SCHLUESSEL_WIDERSPRUCH, ref, value=format_vzae_de(value),
                                        zuweisung=format_vzae_de(expected), schluessel=format_vzae_de(value),
                                        kommune=names.show(k), jahr=y))
            g = groessen[idxs.index(i)]
            out[k] = (g, Decimal(int(keyrows.at[i, "wert_e4"])) / VZAE_SCALE
                      if present(keyrows.at[i, "wert_e4"]) else None, waivers[idxs.index(i)])
        for k in members:
            if k not in mkeys:
                findings.append(finding(Code.SCHLUESSEL_WIDERSPRUCH, None, kommune=names.show(k), jahr=y,
                                        zuweisung=format_vzae_de(own[k] if k == hub else subtree.get(k, 0)),
                                        schluessel="0"))
    return out


