"""Property: the reader after the speed work of issue 18 reads messy sheets exactly as the earlier reader did.

Hypothesis writes hand-made-looking sheets (title blocks, German text numbers, blanks written as
"", " " or "k. A.", dates as dates and as text, totals, footnotes, unknown and personal columns) as
.xlsx and as CSV; each case folder is read once with the current reader and once with the earlier
data path (``tests/read_reference.py``), and every frame, sheet, file fact and finding must be equal.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kimrecon.inputs import Kind
from kimrecon.read import guard, read_case
from tests.messy import write_csv, write_sheet
from tests.read_reference import clear_caches, feed, old_reader

HEADERS = {
    "zahlungen": ["Datum", "Zahler", "Empfänger", "Betrag", "Art", "Jahr", "Kassenzeichen", "Verwendungszweck"],
    "besetzung": ["Kommune", "AGS", "Personal-ID", "Beginn", "Ende", "Wochenstunden", "Stellenanteil",
                  "Entgeltanspruch", "Personalkosten"],
    "zuweisung": ["Jahr", "Empfänger", "über", "VzÄ", "Betrag", "AGS"],
}
EXTRA = ["Bemerkung", "Lfd. Nr.", "Geburtsdatum", "Betrag (EUR)", "Betrag in Euro", "Datum (Wertstellung)", "Stand"]
CELLS = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "k. A.", "-", "—", "Summe", "Zwischensumme Mitte", "Gesamtschule", "Hinweis: vorläufig",
                     "Stadt Kamen", "Kreis Unna", "Gemeinde Holzwickede", "Abschlag", "Rückzahlung", "ja", "nein", "x",
                     "1.234,56", "57.000,00 €", "19,5", "0,5", "50 %", "(123,45)", "57.000,-", "12.5", "2023",
                     "15.02.2023", "2023-02-15", "31.13.2023", "05913016", "5913016", "#NV", "  Stadt   Unna  "]),
    st.integers(min_value=-10**6, max_value=10**7),
    st.floats(min_value=-1e6, max_value=1e7, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.5, 0.25, 19.5, 1234.56, 0.1 + 0.2, 1e-3, 3900]),
    st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2031, 12, 31)),
)


@st.composite
def messy_sheet(draw: st.DrawFn) -> dict:
    kind = draw(st.sampled_from(sorted(HEADERS)))
    known = draw(st.lists(st.sampled_from(HEADERS[kind]), min_size=2, max_size=len(HEADERS[kind]), unique=True))
    extra = draw(st.lists(st.sampled_from(EXTRA), max_size=2, unique=True))
    header = draw(st.permutations(known + [e for e in extra if e not in known]))
    rows = draw(st.lists(st.lists(CELLS, min_size=len(header), max_size=len(header)), min_size=0, max_size=8))
    total = draw(st.one_of(st.none(), st.lists(CELLS, min_size=len(header) - 1, max_size=len(header) - 1)))
    return {
        "kind": kind, "header": list(header), "rows": rows,
        "total": None if total is None else ["Summe", *total],
        "title": draw(st.sampled_from([None, f"Kreis Unna – {kind.title()} 2023"])),
        "stand": draw(st.sampled_from([None, "Stand: 01.12.2023", "Stand:"])),
        "footnotes": draw(st.sampled_from([(), ("Hinweis: vorläufige Zahlen",), ("Quelle: Finanzverfahren", "x")])),
        "blank": draw(st.integers(min_value=0, max_value=2)),
        "csv": draw(st.booleans()),
    }


def _write(folder: Path, sheets: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, s in enumerate(sheets):
        if s["csv"]:
            rows = [*s["rows"], *([s["total"]] if s["total"] else [])]
            write_csv(folder / f"{s['kind']}_{i}.csv", s["header"], [[_csv(v) for v in r] for r in rows])
        else:
            write_sheet(folder / f"{s['kind']}_{i}.xlsx", s["header"], s["rows"], title=s["title"], stand=s["stand"],
                        blank_rows_above=s["blank"], total=s["total"], footnotes=s["footnotes"], sheet=s["kind"])


def _csv(v: object) -> object:
    return v.strftime("%d.%m.%Y") if isinstance(v, dt.date) else v


def _assert_same(new: object, old: object) -> None:
    assert new.findings == old.findings  # type: ignore[attr-defined]
    assert new.sheets == old.sheets  # type: ignore[attr-defined]
    assert new.files == old.files  # type: ignore[attr-defined]
    for kind in Kind:
        pd.testing.assert_frame_equal(new.frames[kind], old.frames[kind], check_exact=True)  # type: ignore[attr-defined]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(sheets=st.lists(messy_sheet(), min_size=1, max_size=3))
def test_current_reader_reads_messy_sheets_as_the_earlier_one(tmp_path_factory, sheets: list[dict]) -> None:
    folder = tmp_path_factory.mktemp("fall")
    _write(folder, sheets)
    clear_caches()
    new = read_case([folder])
    with old_reader():
        old = read_case([folder])
    _assert_same(new, old)
    for path in folder.glob("*.xlsx"):  # the guard's cell count of every worksheet part, both ways
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    data = zf.read(name)
                    a, b = guard._SheetCount(name), guard._SheetCount(name)
                    a.feed(data)
                    feed(b, data)
                    assert vars(a) == vars(b)


def test_reference_catches_a_difference(tmp_path: Path) -> None:
    # a blank text cell ("" in a CSV) must become None in both readers; a reader that kept "" would differ
    write_csv(tmp_path / "zahlungen.csv", HEADERS["zahlungen"][:4],
              [["15.02.2023", "Kreis Unna", "Stadt Kamen", "1.234,56"], ["", "Kreis Unna", "", "57.000,00 €"]])
    new = read_case([tmp_path])
    with old_reader():
        old = read_case([tmp_path])
    _assert_same(new, old)
    # 1.234,56 € = 123 456 cent; 57.000,00 € = 5 700 000 cent (the row without date and Empfänger is still read)
    assert new.frames[Kind.ZAHLUNGEN]["betrag_cent"].tolist() == [123_456, 5_700_000]
    assert new.frames[Kind.ZAHLUNGEN]["empfaenger"].isna().tolist() == [False, True]
