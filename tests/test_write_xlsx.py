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


def test_columns_are_found_by_header() -> None:
    cols = xlsx.Columns([xlsx.Col("Geber"), xlsx.Col("Betrag", "money"), xlsx.Col("Saldo", "money")])
    assert cols.letter("Saldo") == "C" and cols.index("Betrag") == 1 and "Geber" in cols
    assert cols.row_formula("ROUND([Saldo]-[Betrag],2)") == "ROUND(C{r}-B{r},2)"
    assert cols.rng("Kanten", "Betrag", 5, 9) == "'Kanten'!$B$5:$B$9"


def test_derived_figure_is_a_formula_or_a_listed_value() -> None:
    derived = xlsx.Derived()
    assert derived("Kanten", "Saldo", "A1-B1", 950_000, check=950_000) == xlsx.F("A1-B1", 9500.0)
    assert derived("Kanten", "Saldo X", "A1-B1", 950_001, check=950_000) == 950_001
    assert derived("Kanten", "Saldo Y", None, 5, reason="Blatt geteilt") == 5
    assert derived.unmatched == [("Kanten", "Saldo X", "Formel ergäbe 9.500,00 €, kimrecon: 9.500,01 €"),
                                 ("Kanten", "Saldo Y", "Blatt geteilt")]


def test_wide_tables_print_in_balanced_bands_at_a_readable_scale() -> None:
    scale, breaks = xlsx.column_bands([10] * 10)
    assert (scale, breaks) == (xlsx.fit_width_scale([10] * 10), [])  # fits: one band
    # 30 columns of width 14 need 30 × (7,5 × 14 + 5) = 3.300 px; at 70 % a landscape page takes 1.411 px
    # → three bands of ten columns each, the first two columns repeated in bands two and three
    scale, breaks = xlsx.column_bands([14] * 30, repeat_cols=2)
    assert scale == 70 and len(breaks) == 2
    shown = [b - a + (2 if a else 0) for a, b in zip([0, *breaks], [*breaks, 30], strict=True)]
    assert shown == [12, 12, 10]  # columns per printed band, the repeated ones included: no sliver band


def test_rows_grow_to_their_wrapped_text() -> None:
    assert xlsx.lines_needed(["kurz"], [20]) == 1
    assert xlsx.lines_needed(["ein Satz mit mehreren Wörtern, der nicht in eine Zeile passt"], [20]) == 3
    assert xlsx.lines_needed(["a" * 64], [20]) == 3  # a word longer than a line breaks inside
