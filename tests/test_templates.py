from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from kimrecon.inputs import Kind
from kimrecon.read import read_case
from kimrecon.read.spec import kind_spec
from kimrecon.resources import data_dir
from kimrecon.validate import validate_case
from kimrecon.write.templates import EXAMPLE_SHEET, TEMPLATE_KINDS, write_template


@pytest.mark.parametrize("name", sorted(TEMPLATE_KINDS))
def test_template_reads_clean_and_example_row_validates(tmp_path: Path, name: str) -> None:
    kind = TEMPLATE_KINDS[name]
    path = write_template(kind, tmp_path / f"{name}.xlsx")
    case = read_case([path])
    assert case.findings == () and validate_case(case) == ()
    assert [(s.kind, s.rows, s.header_row) for s in case.sheets] == [(kind, 0, 4)]

    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[4] if c.value]
    assert headers == [c.header for c in kind_spec(kind).columns.values()]
    assert ws.data_validations.dataValidation, "drop-downs and input checks on the blank sheet"
    # the example row, read as data of its own workbook, is valid
    del wb[wb.sheetnames[0]]
    wb[EXAMPLE_SHEET].title = kind.label[:31]
    example = tmp_path / f"{name}_beispiel.xlsx"
    wb.save(example)
    case = read_case([example])
    assert case.findings == () and validate_case(case) == ()
    assert case.sheets[0].rows == 1


def test_choices_become_list_validations(tmp_path: Path) -> None:
    path = write_template(Kind.ZAHLUNGEN, tmp_path / "z.xlsx")
    ws = openpyxl.load_workbook(path).worksheets[0]
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert '"Abschlag,Schlusszahlung,Rückzahlung,Zinszahlung"' in lists
    assert ws.column_dimensions["D"].number_format == '#,##0.00 "€"'


def test_shipped_templates_are_current(tmp_path: Path) -> None:
    shipped = data_dir("workbooks") / "vorlagen"
    for name, kind in TEMPLATE_KINDS.items():
        fresh = write_template(kind, tmp_path / f"vorlage_{name}.xlsx")
        ours = shipped / f"vorlage_{name}.xlsx"
        assert ours.is_file(), f"missing {ours}: regenerate with kimrecon template"
        assert fresh.read_bytes() == ours.read_bytes(), f"{ours} is stale: regenerate with kimrecon template"
