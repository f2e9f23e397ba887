"""Build CaseInputs for engine tests directly from rows (no reader involved)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd

from kimrecon.inputs import COLUMNS, CaseInputs, Kind, SheetInfo
from kimrecon.money import cents_from_number

SUFFIXES = ("_cent", "_e4", "_h100", "_vzae_e4")


def _date(value: Any) -> Any:
    if value is None or value == "":
        return pd.NaT
    if isinstance(value, datetime):
        return pd.Timestamp(value.date())
    if isinstance(value, date):
        return pd.Timestamp(value)
    text = str(value).strip()
    if "." in text:
        d, m, y = text.split(".")
        return pd.Timestamp(int(y), int(m), int(d))
    return pd.Timestamp(text)


def _scaled(value: Any, column: str) -> Any:
    if value is None or value == "":
        return pd.NA
    if column.endswith("_cent"):
        return cents_from_number(value if not isinstance(value, float) else repr(value))
    scale = 10_000 if column.endswith("_e4") else 100
    d = Decimal(str(value).replace(",", "."))
    return int(d * scale)


def canonical(kind: Kind, rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows with human values ("57000.00", 2.5, "01.03.2023") → canonical frame with _sheet/_zeile."""
    spec = COLUMNS[kind]
    data: dict[str, list[Any]] = {c: [] for c in spec}
    for row in rows:
        given: dict[str, Any] = {}
        for key, value in row.items():
            col = key
            if col not in spec:
                col = next((key + s for s in SUFFIXES if key + s in spec), key)
            if col not in spec:
                raise KeyError(f"{kind.value}: unknown column {key}")
            given[col] = value
        for c, t in spec.items():
            v = given.get(c)
            t = t.rstrip("!")
            if t == "date":
                data[c].append(_date(v))
            elif t == "Int64":
                if c in {"jahr", "frist_tag", "frist_monat"}:
                    data[c].append(pd.NA if v in (None, "") else int(v))
                else:
                    data[c].append(_scaled(v, c))
            elif t == "boolean":
                data[c].append(pd.NA if v is None else bool(v))
            else:
                data[c].append(pd.NA if v is None else str(v))
    frame = pd.DataFrame(index=range(len(rows)))
    for c, t in spec.items():
        t = t.rstrip("!")
        if t == "date":
            frame[c] = pd.to_datetime(pd.Series(data[c], dtype="object")).astype("datetime64[ns]")
        elif t == "Int64":
            frame[c] = pd.array(data[c], dtype="Int64")
        elif t == "boolean":
            frame[c] = pd.array(data[c], dtype="boolean")
        else:
            frame[c] = pd.Series(data[c], dtype="object")
    frame["_zeile"] = range(2, len(rows) + 2)
    return frame


def make_inputs(tables: Mapping[Kind | str, Sequence[Mapping[str, Any]]],
                config: Mapping[str, object] | None = None) -> CaseInputs:
    """CaseInputs with one sheet per table (file "<kind>.xlsx"); "zuweisung#2" adds a second sheet of a kind."""
    sheets = []
    frames: dict[Kind, list[pd.DataFrame]] = {}
    for i, (k, rows) in enumerate(tables.items()):
        kind = Kind(k.split("#")[0]) if isinstance(k, str) else k
        suffix = k.split("#")[1] if isinstance(k, str) and "#" in k else ""
        frame = canonical(kind, rows)
        frame["_sheet"] = i
        letters = {c: chr(ord("A") + j) for j, c in enumerate(COLUMNS[kind])}
        sheets.append(SheetInfo(datei=f"{kind.value}{'_' + suffix if suffix else ''}.xlsx", blatt=kind.label,
                                kind=kind, header_row=1, columns=letters, rows=len(rows)))
        frames.setdefault(kind, []).append(frame)
    merged = {kind: pd.concat(parts, ignore_index=True) for kind, parts in frames.items()}
    return CaseInputs(files=(), sheets=tuple(sheets), frames=merged, config=dict(config or {}))


KREIS = "Kreis Unna"
LAND = "Bezirksregierung Arnsberg"

ZUWEISUNG_2023 = [
    ("Kreis Unna", None, "2.0"), ("Lünen", None, "4.0"), ("Stadt Unna", None, "2.5"), ("Schwerte", None, "2.0"),
    ("Werne", None, "1.5"), ("Selm", None, "1.5"), ("Fröndenberg/Ruhr", None, "1.0"), ("Holzwickede", None, "1.0"),
    ("Stadt Bergkamen", None, "1.0"), ("Stadt Kamen", "Stadt Bergkamen", "1.0"),
    ("Gemeinde Bönen", "Stadt Bergkamen", "0.5"),
]


def unna_tables() -> dict[Kind, list[dict[str, Any]]]:
    """The worked example "Kreis Unna 2023" as rows (spec §1, §4)."""
    bescheid = [{"bescheid_id": "ZB-2023-KIM-017", "bescheiddatum": "15.02.2023", "behoerde": LAND,
                 "empfaenger": KREIS, "art": "Erstbescheid", "von": "01.01.2023", "bis": "31.12.2023",
                 "vzae": "18", "pauschale": "57000.00", "summe": "1026000.00", "nachweisfrist": "30.06.2024"}]
    zuweisung = [{"jahr": 2023, "empfaenger": e, "ueber": u, "vzae": v} for e, u, v in ZUWEISUNG_2023]
    schluessel = [{"jahr": 2023, "verteiler": "Stadt Bergkamen", "kommune": k, "groesse": "fest", "wert": w,
                   "verzicht": "0", "vzae_zugeteilt": w}
                  for k, w in (("Stadt Kamen", "1.0"), ("Stadt Bergkamen", "1.0"), ("Gemeinde Bönen", "0.5"))]
    besetzung = []
    for i, (e, _u, v) in enumerate(ZUWEISUNG_2023):
        beginn = "01.03.2023" if e == "Stadt Kamen" else "01.01.2023"
        besetzung.append({"kommune": e, "stelle_id": f"S{i}", "personal_id": f"P{i}", "beginn": beginn,
                          "ende": None, "stellenanteil": v})
    zahlungen = []
    quarters = ("02.01.2023", "03.04.2023", "03.07.2023", "02.10.2023")
    for q in quarters:
        zahlungen.append({"datum": q, "zahler": LAND, "empfaenger": KREIS, "betrag": "256500.00", "art": "Abschlag",
                          "jahr": 2023})
    subtree = {"Lünen": "4.0", "Stadt Unna": "2.5", "Schwerte": "2.0", "Werne": "1.5", "Selm": "1.5",
               "Fröndenberg/Ruhr": "1.0", "Holzwickede": "1.0", "Stadt Bergkamen": "2.5"}
    for town, v in subtree.items():
        amount = Decimal(v) * 57000 / 4
        for q in quarters:
            zahlungen.append({"datum": q, "zahler": KREIS, "empfaenger": town, "betrag": f"{amount:.2f}",
                              "art": "Abschlag", "jahr": 2023})
    for town, amount in (("Stadt Kamen", "14250.00"), ("Gemeinde Bönen", "7125.00")):
        for q in ("05.01.2023", "05.04.2023", "05.07.2023", "05.10.2023"):
            zahlungen.append({"datum": q, "zahler": "Stadt Bergkamen", "empfaenger": town, "betrag": amount,
                              "art": "Abschlag", "jahr": 2023})
    return {Kind.BESCHEID: bescheid, Kind.ZUWEISUNG: zuweisung, Kind.SCHLUESSEL: schluessel,
            Kind.BESETZUNG: besetzung, Kind.ZAHLUNGEN: zahlungen}


def edge(result: Any, geber: str, empfaenger: str, jahr: int) -> Any:
    """The edge of a result by names as written."""
    for e in result.kanten:
        if e.geber == geber and e.empfaenger == empfaenger and e.jahr == jahr:
            return e
    raise KeyError((geber, empfaenger, jahr))


def reconcile(inputs: CaseInputs, month: str, **kwargs: Any) -> Any:
    """The engine's reconcile with the parameters loaded as the pipeline loads them (findings included)."""
    import dataclasses

    from kimrecon import engine
    from kimrecon.parameters import load_parameters

    params, found = load_parameters(inputs.config)
    inputs = dataclasses.replace(inputs, findings=tuple(inputs.findings) + tuple(found))
    return engine.reconcile(inputs, month, params=params, **kwargs)


def deadlines(inputs: CaseInputs, on: date) -> Any:
    """The engine's deadline list with the parameters loaded as the pipeline loads them."""
    from kimrecon import engine
    from kimrecon.parameters import load_parameters

    return engine.deadlines(inputs, on, params=load_parameters(inputs.config)[0])
