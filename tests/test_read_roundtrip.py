"""Round trip: random canonical tables → messy workbooks → read back, without losing a cent or a day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from messy import excel_serial, german_amount, german_e4, write_csv, write_ods, write_sheet, write_xls

from kimrecon.findings import Severity
from kimrecon.inputs import CaseInputs, Kind
from kimrecon.read import read_case

NAMES = ["Kreis Unna", "Stadt Bergkamen", "Stadt Kamen", "Gemeinde Bönen", "Stadt Fröndenberg/Ruhr", "Stadt Lünen"]

payment = st.fixed_dictionaries({
    "datum": st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
    "zahler": st.sampled_from(NAMES),
    "empfaenger": st.sampled_from(NAMES),
    "betrag_cent": st.integers(0, 10**11),
    "art": st.sampled_from(["Abschlag", "Schlusszahlung", "Rückzahlung", "Zinszahlung"]),
    "jahr": st.integers(2020, 2030),
    "kassenzeichen": st.from_regex(r"[A-Z]{1,3}-[0-9]{1,6}", fullmatch=True),
    "vzae_e4": st.integers(0, 400_000),
})
style = st.fixed_dictionaries({
    "money": st.sampled_from(["number", "german", "german_plain", "dot", "int_if_whole"]),
    "date": st.sampled_from(["date", "german", "iso", "serial", "short_year"]),
    "vzae": st.sampled_from(["number", "german", "percent_e2"]),
    "title": st.booleans(),
    "stand": st.booleans(),
    "blank_rows": st.integers(0, 3),
    "total": st.booleans(),
    "footnote": st.booleans(),
    "start_col": st.integers(1, 3),
    "format": st.sampled_from(["xlsx", "xlsx", "csv", "xls", "ods"]),
    "lazy": st.booleans(),  # the bulk path of large workbooks must read the same
})


TYPED = ("xlsx", "xls", "ods")  # formats that keep numbers and dates as typed cells


def _read(path: Path, lazy: bool) -> CaseInputs:
    from kimrecon.read import files

    saved = files.EAGER_MAX_BYTES
    files.EAGER_MAX_BYTES = -1 if lazy else saved
    try:
        return read_case([path])
    finally:
        files.EAGER_MAX_BYTES = saved


def _money(cents: int, how: str, fmt: str) -> object:
    if how == "number" and fmt in TYPED:
        return float(Decimal(cents) / 100)
    if how == "int_if_whole" and fmt in TYPED and cents % 100 == 0:
        return cents // 100
    if how == "dot":
        return str(Decimal(cents) / 100)
    return german_amount(cents, thousands=how == "german", euro=how == "german")


def _date(day: dt.date, how: str, fmt: str) -> object:
    if how == "date" and fmt in TYPED:
        return day if fmt != "ods" else dt.datetime(day.year, day.month, day.day)
    if how == "serial" and fmt in TYPED:
        return excel_serial(day)
    if how == "iso":
        return day.isoformat()
    if how == "short_year" and day.year >= 2000:
        return day.strftime("%d.%m.%y")
    return day.strftime("%d.%m.%Y")


def _vzae(e4: int, how: str, fmt: str) -> object:
    if how == "number" and fmt in TYPED:
        return float(Decimal(e4) / 10_000)
    if how == "percent_e2" and e4 % 100 == 0:
        return f"{e4 // 100} %"
    return german_e4(e4)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(payment, min_size=1, max_size=12), how=style)
def test_payments_round_trip(rows: list[dict[str, object]], how: dict[str, object]) -> None:
    fmt = str(how["format"])
    header = ["Datum (Wertstellung)", "Zahler", "Empfänger", "Betrag", "Art", "Jahr", "Kassenzeichen"]
    body = [
        [_date(r["datum"], str(how["date"]), fmt), r["zahler"], r["empfaenger"],  # type: ignore[arg-type]
         _money(int(r["betrag_cent"]), str(how["money"]), fmt), r["art"], r["jahr"], r["kassenzeichen"]]  # type: ignore[call-overload]
        for r in rows
    ]
    total_cents = sum(int(r["betrag_cent"]) for r in rows)  # type: ignore[call-overload]
    with TemporaryDirectory() as tmp:
        if fmt == "csv":
            path = write_csv(Path(tmp) / "zahlungen.csv", header, body)
        elif fmt == "xls":
            path = write_xls(Path(tmp) / "zahlungen.xls", header, body, title="Auszahlungen")
        elif fmt == "ods":
            path = write_ods(Path(tmp) / "zahlungen.ods", header, body)
        else:
            total = ["Summe", None, None, _money(total_cents, str(how["money"]), fmt)] if how["total"] else None
            path = write_sheet(
                Path(tmp) / "zahlungen.xlsx", header, body,
                title="Kreis Unna – Auszahlungen" if how["title"] else None,
                stand="Stand: 31.12.2023" if how["stand"] else None,
                blank_rows_above=int(how["blank_rows"]),  # type: ignore[call-overload]
                total=total, footnotes=["* vorläufige Werte"] if how["footnote"] else (),
                start_col=int(how["start_col"]),  # type: ignore[call-overload]
            )
        case = _read(path, bool(how["lazy"]))
    assert [f for f in case.findings if f.severity is Severity.FEHLER] == []
    got = case.frames[Kind.ZAHLUNGEN]
    assert got["betrag_cent"].tolist() == [r["betrag_cent"] for r in rows]
    assert got["datum"].tolist() == [pd.Timestamp(r["datum"]) for r in rows]  # type: ignore[arg-type]
    assert got["zahler"].tolist() == [r["zahler"] for r in rows]
    assert got["art"].tolist() == [r["art"] for r in rows]
    assert got["jahr"].tolist() == [r["jahr"] for r in rows]
    assert got["kassenzeichen"].tolist() == [r["kassenzeichen"] for r in rows]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(payment, min_size=1, max_size=10), how=style)
def test_allocation_round_trip(rows: list[dict[str, object]], how: dict[str, object]) -> None:
    fmt = str(how["format"])
    header = ["Jahr", "Empfänger", "VzÄ", "Betrag"]
    body = [[r["jahr"], r["empfaenger"], _vzae(int(r["vzae_e4"]), str(how["vzae"]), fmt),  # type: ignore[call-overload]
             _money(int(r["betrag_cent"]), str(how["money"]), fmt)] for r in rows]  # type: ignore[call-overload]
    with TemporaryDirectory() as tmp:
        if fmt == "csv":
            path = write_csv(Path(tmp) / "zuweisung.csv", header, body, preamble=())
        elif fmt == "xls":
            path = write_xls(Path(tmp) / "zuweisung.xls", header, body)
        elif fmt == "ods":
            path = write_ods(Path(tmp) / "zuweisung.ods", header, body, sheet="Zuweisung")
        else:
            path = write_sheet(Path(tmp) / "zuweisung.xlsx", header, body,
                               blank_rows_above=int(how["blank_rows"]),  # type: ignore[call-overload]
                               start_col=int(how["start_col"]))  # type: ignore[call-overload]
        case = _read(path, bool(how["lazy"]))
    got = case.frames[Kind.ZUWEISUNG]
    assert [f for f in case.findings if f.severity is Severity.FEHLER] == []
    assert got["vzae_e4"].tolist() == [r["vzae_e4"] for r in rows]
    assert got["betrag_cent"].tolist() == [r["betrag_cent"] for r in rows]


cell = st.one_of(
    st.none(),
    st.text(max_size=12).filter(lambda s: not s.startswith("=")),
    st.floats(min_value=-1e15, max_value=1e15, allow_nan=False),
    st.integers(-10**12, 10**12),
    st.booleans(),
    st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1)),
    st.sampled_from(["—", "57.000,00 €", "31.02.2023", "0,38", "Summe", "¹ Fußnote", "#NV", "50 %", "1.2.3"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(cell, min_size=8, max_size=8), max_size=8), fmt=st.sampled_from(["xlsx", "csv"]))
def test_garbage_cells_never_raise(rows: list[list[object]], fmt: str) -> None:
    """Whatever users type below a header, reading gives findings, never an exception."""
    from kimrecon.validate import validate_case

    header = ["Kommune", "Stellen-ID", "Personal-ID", "Beginn", "Ende", "Wochenstunden", "Grund", "Entgeltanspruch"]
    with TemporaryDirectory() as tmp:
        if fmt == "csv":
            path = write_csv(Path(tmp) / "b.csv", header, [["" if v is None else v for v in r] for r in rows])
        else:
            clean = [[v.replace("\x00", "") if isinstance(v, str) else v for v in r] for r in rows]
            try:
                path = write_sheet(Path(tmp) / "b.xlsx", header, clean, title="Besetzung")
            except Exception:  # noqa: BLE001 - openpyxl refuses some control characters; not our input
                return
        case = read_case([path])
        validate_case(case)
    for f in case.findings:
        assert f.source is not None and f.meldung


def _header_pool() -> list[str]:
    from kimrecon.spec import kind_spec

    pool = ["Lfd. Nr.", "Bemerkung", "Name", "Summe", "", "1", "Gesamt", "Unterbrechung", "von", "bis"]
    for kind in Kind:
        for col in kind_spec(kind).columns.values():
            pool.extend([col.header, *col.aliases[:2]])
    return pool


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.lists(st.sampled_from(_header_pool()), min_size=2, max_size=10),
    rows=st.lists(st.lists(cell, min_size=10, max_size=10), max_size=5),
    lazy=st.booleans(),
)
def test_random_headers_and_cells_never_raise(header: list[str], rows: list[list[object]], lazy: bool) -> None:
    """Any mix of known and unknown headers gives a kind or a finding, never an exception."""
    from kimrecon.validate import validate_case

    clean = [[v.replace("\x00", "") if isinstance(v, str) else v for v in r[: len(header)]] for r in rows]
    with TemporaryDirectory() as tmp:
        try:
            path = write_sheet(Path(tmp) / "x.xlsx", header, clean, title="Titel")
        except Exception:  # noqa: BLE001 - openpyxl refuses some control characters; not our input
            return
        case = _read(path, lazy)
        validate_case(case)
    assert not [f for f in case.findings if f.code.value == "datei_unlesbar"]
