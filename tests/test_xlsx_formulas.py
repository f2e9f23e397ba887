"""The writer's shortcut for plain formulas prepares every formula exactly as xlsxwriter does."""

from __future__ import annotations

from pathlib import Path

import pytest
from xlsxwriter.worksheet import Worksheet

from kimrecon.write.xlsx import _Worksheet, open_workbook

FORMULAS = [
    "=ROUND(SUM($D$5:$D$17)*Parameter!$B$4/12,2)",  # the Abgleich's plain kind: untouched apart from "="
    "=IF(ISNUMBER(E4),E4,0)-'Kanten (2)'!$C$9",
    "{=SUM(A1:A3*B1:B3)}",  # array braces and "=" stripped
    "=_xlfn.XLOOKUP(A1,B:B,C:C)",  # already expanded
    "=XLOOKUP(A1,B:B,C:C)",  # dynamic functions: rewritten by xlsxwriter
    "=SORT(FILTER(A1:A9,B1:B9>0))",
    "=LEN(ASINGLE(A1))",  # xlsxwriter's SINGLE pattern matches inside a name
    "=STDEV.S(A1:A9)+BETA.DIST(0.5,2,3,TRUE)",  # future functions (expanded only when asked)
    "SUM(A1:A2)",
]


@pytest.mark.parametrize("expand", [False, True])
@pytest.mark.parametrize("formula", FORMULAS)
def test_prepared_formula_is_xlsxwriters(formula: str, expand: bool) -> None:
    plain, ours = Worksheet(), _Worksheet()
    assert ours._prepare_formula(formula, expand) == plain._prepare_formula(formula, expand)


def test_plain_formula_keeps_its_text_and_future_functions_still_expand() -> None:
    ours = _Worksheet()
    assert ours._prepare_formula("=ROUND(SUM(A1:A3),2)") == "ROUND(SUM(A1:A3),2)"
    assert ours._prepare_formula("=XLOOKUP(A1,B:B,C:C)") == "_xlfn.XLOOKUP(A1,B:B,C:C)"
    ours.use_future_functions = True
    assert ours._prepare_formula("=STDEV.S(A1:A9)") == "_xlfn.STDEV.S(A1:A9)"


def test_workbooks_use_the_shortcut(tmp_path: Path) -> None:
    wb = open_workbook(tmp_path / "x.xlsx")
    ws = wb.add_worksheet("Blatt")
    wb.close()
    assert isinstance(ws, _Worksheet)
