"""Shared xlsx helpers: input text stays inert text, names and sheet names are valid, formats are German."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kimrecon.write import xlsx

PREFIXES = st.sampled_from(["=", "+", "-", "@", "\t=", " =", "=cmd|", "'="])
TEXT = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x24F, blacklist_categories=("Cs",)),
               max_size=60)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.builds(lambda p, t: p + t, PREFIXES, TEXT), min_size=1, max_size=20))
def test_any_input_text_comes_back_verbatim_as_text(tmp_path: Path, values: list[str]) -> None:
    path = tmp_path / "t.xlsx"
    wb = xlsx.open_workbook(path)
    ws = wb.add_worksheet("T")
    for i, v in enumerate(values):
        xlsx.write_text(ws, i, 0, v)
    wb.close()
    back = openpyxl.load_workbook(path)["T"]
    for i, v in enumerate(values):
        cell = back.cell(i + 1, 1)
        assert cell.data_type == "s" and cell.value == v


def test_long_text_is_cut_visibly(tmp_path: Path) -> None:
    path = tmp_path / "long.xlsx"
    wb = xlsx.open_workbook(path)
    ws = wb.add_worksheet("T")
    xlsx.write_text(ws, 0, 0, "x" * 40_000)
    wb.close()
    value = openpyxl.load_workbook(path)["T"]["A1"].value
    assert len(value) == xlsx.MAX_CELL_TEXT and value.endswith("…[gekürzt, 40000 Zeichen]")


def test_names() -> None:
    assert xlsx.defined_name("zinsen.basiszins") == "zinsen_basiszins"
    assert xlsx.defined_name("AB12") == "P_AB12"  # would be a cell address
    assert xlsx.defined_name("2023 Pauschale") == "P_2023_Pauschale"
    assert xlsx.defined_name("Zuschlag Bönen") == "Zuschlag_Boenen"
    assert xlsx.defined_name("§§") is None
    assert xlsx.safe_sheet_name("Zahlungen [2023]/Teil:1*?") == "Zahlungen _2023__Teil_1__"
    assert len(xlsx.safe_sheet_name("Ein sehr langer Blattname über 31 Zeichen")) == 31


def test_money_and_vzae_conversion() -> None:
    assert xlsx.euro(950_000) == 9500.0 and xlsx.euro(-1) == -0.01 and xlsx.euro(12_345_678_901) == 123456789.01
    assert xlsx.vzae(25_000) == 2.5 and xlsx.vzae(7_692) == 0.7692
    assert xlsx.MONEY_FMT == '#,##0.00 "€"' and xlsx.DATE_FMT == "DD.MM.YYYY"


def test_print_scale_fits_width() -> None:
    assert xlsx.fit_width_scale([10] * 5) == 100
    assert 40 <= xlsx.fit_width_scale([30] * 10) < 60
    assert xlsx.fit_width_scale([60] * 100) == 10
