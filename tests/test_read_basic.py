from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from messy import d, write_sheet

from kimrecon.findings import Severity
from kimrecon.inputs import Kind
from kimrecon.read import read_case
from kimrecon.resources import example_case

ZUWEISUNG = ["Jahr", "Empfänger", "weitergeleitet über", "VzÄ", "Betrag"]


@pytest.fixture(autouse=True, params=["eager", "lazy"])
def reader_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Small workbooks are read whole; the lazy bulk path of large ones must read them the same."""
    if request.param == "lazy":
        monkeypatch.setattr("kimrecon.read.files.EAGER_MAX_BYTES", -1)
    return str(request.param)


def codes(case) -> list[tuple[str, str | None]]:
    return [(f.code.value, f.source.zelle if f.source else None) for f in case.findings]


def test_title_block_german_text_and_total_row(tmp_path: Path) -> None:
    p = write_sheet(
        tmp_path / "zuweisung.xlsx",
        ZUWEISUNG,
        [
            [2023, "Stadt Kamen", "Stadt Bergkamen", "1,0", "57.000,00 €"],
            ["2023", "Gemeinde Bönen", "Stadt Bergkamen", 0.5, 28500],
            [2023.0, "Stadt Lünen", None, 4, "228.000 €"],
        ],
        total=["Summe", None, None, "5,5", 313500],
    )
    case = read_case([p])
    assert codes(case) == []
    f = case.frames[Kind.ZUWEISUNG]
    assert f["vzae_e4"].tolist() == [10000, 5000, 40000]
    assert f["betrag_cent"].tolist() == [5700000, 2850000, 22800000]
    assert f["jahr"].tolist() == [2023, 2023, 2023]
    assert f["ueber"].isna().tolist() == [False, False, True]
    assert f["_zeile"].tolist() == [5, 6, 7]
    info = case.sheets[0]
    assert info.kind is Kind.ZUWEISUNG and info.header_row == 4
    assert info.columns["vzae_e4"] == "D"
    assert case.ref(0, 6, "betrag_cent").zelle == "E6"


def test_total_row_mismatch_is_reported_with_its_cell(tmp_path: Path) -> None:
    p = write_sheet(
        tmp_path / "z.xlsx",
        ZUWEISUNG,
        [[2023, "Stadt Kamen", None, 1, 57000], [2023, "Stadt Unna", None, 2.5, 142500]],
        total=["Gesamt", None, None, 3.5, 199000],
    )
    case = read_case([p])
    assert codes(case) == [("summe_abweichung", "E7")]
    assert case.findings[0].value == "199.000,00"
    assert len(case.frames[Kind.ZUWEISUNG]) == 2


def test_dates_as_dates_serials_and_text(tmp_path: Path) -> None:
    header = ["Kommune", "Stellen-ID", "Personal-ID", "Beginn", "Ende", "Wochenstunden"]
    p = write_sheet(
        tmp_path / "besetzung.xlsx",
        header,
        [
            ["Stadt Kamen", "KA-1", "P1", d("01.03.2023"), "31.12.2023", "19,5 Std."],
            ["Stadt Kamen", "KA-2", "P2", "15.02.2023", None, 39],
            ["Stadt Kamen", "KA-3", "P3", 45000, "2023-12-31", "30"],
        ],
        title="Stadt Kamen – Stellenbesetzung",
    )
    case = read_case([p])
    assert codes(case) == []
    f = case.frames[Kind.BESETZUNG]
    assert f["beginn"].tolist() == [pd.Timestamp("2023-03-01"), pd.Timestamp("2023-02-15"), pd.Timestamp("2023-03-15")]
    assert f["ende"].tolist()[0] == pd.Timestamp("2023-12-31") and pd.isna(f["ende"].tolist()[1])
    assert f["wochenstunden_h100"].tolist() == [1950, 3900, 3000]


def test_bad_values_give_findings_with_cells(tmp_path: Path) -> None:
    p = write_sheet(
        tmp_path / "z.xlsx",
        ZUWEISUNG,
        [[2023, "Stadt Kamen", None, "eins", 57000], ["zwanzig", "Stadt Unna", None, 1, "viel"]],
    )
    case = read_case([p])
    assert sorted(codes(case)) == [("zahl_ungueltig", "A6"), ("zahl_ungueltig", "D5"), ("zahl_ungueltig", "E6")]
    assert all(f.severity is Severity.FEHLER for f in case.findings)


def test_example_case_reads_without_fehler() -> None:
    case = read_case([example_case()])
    assert not [f for f in case.findings if f.severity is Severity.FEHLER]
    bescheid = case.frames[Kind.BESCHEID]
    assert bescheid["summe_cent"].tolist() == [102600000]
    assert bescheid["von"].tolist() == [pd.Timestamp(dt.date(2023, 1, 1))]
    z = case.frames[Kind.ZUWEISUNG]
    assert int(z["vzae_e4"].sum()) == 180000
    assert len(case.files) >= 5 and all(len(f.sha256) == 64 for f in case.files)


def test_missing_required_kind_in_a_folder(tmp_path: Path) -> None:
    write_sheet(tmp_path / "z.xlsx", ZUWEISUNG, [[2023, "Stadt Kamen", None, 1, 57000]])
    case = read_case([tmp_path])
    assert codes(case) == [("blatt_fehlt", None)]


@pytest.mark.parametrize("name", ["~$z.xlsx", ".~kimrecon-abc.xlsx"])
def test_lock_and_temp_files_are_skipped(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"garbage")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x.xlsx").write_bytes(b"garbage")
    case = read_case([tmp_path])
    assert case.files == ()
