"""Output safety: text from inputs is written inert, names derived from inputs cannot escape or break a workbook."""

from __future__ import annotations

import io
import re
from pathlib import Path

import fuzz_support as fs
import openpyxl
import xlsxwriter
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kimrecon.pipeline import reconcile_case
from kimrecon.write.nachweis import nachweis_filename
from kimrecon.write.xlsx import SHEET_NAME_MAX, safe_sheet_name

FILE_PAYLOAD = '=HYPERLINK("x","y")'  # no "/" in a file name
PAYLOADS = ('=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1)", "-1+1", "=1+1", '=WEBSERVICE("http://x")')


def _text(cell: object, value: str) -> None:
    """Set a cell to text, even when it starts with "=" (openpyxl would make it a formula)."""
    cell.value = value  # type: ignore[attr-defined]
    cell.data_type = "s"  # type: ignore[attr-defined]


def _replace_everywhere(case: Path, old: str, new: str) -> None:
    """Replace a text cell value in every workbook of the case."""
    for path in sorted(case.glob("*.xlsx")):
        wb = openpyxl.load_workbook(path)
        changed = False
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value == old:
                        _text(cell, new)
                        changed = True
        if changed:
            wb.save(path)


def _cells(path: Path) -> list[tuple[str, str, object, str]]:
    """(sheet, coordinate, value, data_type) of every non-empty cell of a workbook."""
    wb = openpyxl.load_workbook(path)
    out = [
        (ws.title, c.coordinate, c.value, c.data_type)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    ]
    wb.close()
    return out


def _assert_inert(path: Path, payloads: tuple[str, ...]) -> set[str]:
    """Every cell holding a payload is a string cell; no formula carries one. Return the payloads seen."""
    seen: set[str] = set()
    for sheet, coord, value, dtype in _cells(path):
        text = str(value)
        hits = {p for p in payloads if p in text}
        if not hits:
            continue
        seen |= hits
        assert dtype == "s", (path.name, sheet, coord, value, dtype)
    for sheet, coord, value, dtype in _cells(path):
        if dtype == "f":
            assert not re.search(r"HYPERLINK|WEBSERVICE|cmd\||@SUM", str(value)), (sheet, coord, value)
    return seen


def test_injections_in_text_cells_are_inert_in_the_abgleich(tmp_path: Path) -> None:
    case = fs.copy_case(tmp_path)
    zahlungen = case / "Zahlungen_Kreis_Unna_2023.xlsx"
    wb = openpyxl.load_workbook(zahlungen)
    ws = wb.worksheets[0]
    for i, payload in enumerate(PAYLOADS):
        _text(ws.cell(fs.HEADER_ROW + 1 + i, 8), payload)  # Verwendungszweck
        _text(ws.cell(fs.HEADER_ROW + 1 + i, 7), f"{payload} #{i}")  # Kassenzeichen (kept distinct)
    wb.save(zahlungen)
    _replace_everywhere(case, "LÜ-P01", PAYLOADS[0])  # a Personal-ID
    _replace_everywhere(case, "LÜ-1", PAYLOADS[1])  # a Stellen-ID
    zuweisung = case / "Zuweisung_Kreis_Unna_2023.xlsx"
    wb = openpyxl.load_workbook(zuweisung)
    wb.worksheets[0].title = "@SUM(1)"  # a sheet name from the input, listed in the Prüfprotokoll
    _text(wb.worksheets[0].cell(fs.HEADER_ROW + 1, 7), PAYLOADS[2])  # Bemerkung
    wb.save(zuweisung)
    (case / "Bescheid_KIM_2023.xlsx").rename(case / f"{FILE_PAYLOAD}.xlsx")  # a file name
    before = fs.tree_hashes(case)
    out = tmp_path / "aus"
    outcome = reconcile_case(case, fs.MONTH, out_dir=out, use_ledger=False)
    assert outcome.result is not None, [str(f) for f in outcome.findings]
    seen = _assert_inert(out / fs.ABGLEICH, (*PAYLOADS, FILE_PAYLOAD))
    assert seen == {*PAYLOADS, FILE_PAYLOAD}  # every payload reached the workbook, each as text
    assert fs.tree_hashes(case) == before


def test_injections_in_rejected_input_are_inert_in_the_fehlerbericht(tmp_path: Path) -> None:
    case = fs.copy_case(tmp_path)
    zuweisung = case / "Zuweisung_Kreis_Unna_2023.xlsx"
    wb = openpyxl.load_workbook(zuweisung)
    ws = wb.worksheets[0]
    for i, payload in enumerate(PAYLOADS):
        _text(ws.cell(fs.HEADER_ROW + 1 + i, 5), payload)  # VzÄ: not a number → the value is quoted in the finding
    _text(ws.cell(fs.HEADER_ROW + 7, 3), "+cmd|' /C notepad'!A0")  # an Empfänger nobody knows
    wb.save(zuweisung)
    out = tmp_path / "aus"
    outcome = reconcile_case(case, fs.MONTH, out_dir=out, use_ledger=False)
    assert outcome.result is None
    report = out / fs.fehlerbericht(case)
    seen = _assert_inert(report, (*PAYLOADS, "+cmd|' /C notepad'!A0"))
    assert set(PAYLOADS) <= seen
    # the same through validate --report on the command line
    rep = tmp_path / "bericht.xlsx"
    run = fs.run_cli("validate", case, "--report", rep, cwd=tmp_path)
    assert run.rc == 1 and "Traceback" not in run.text, run.text
    assert set(PAYLOADS) <= _assert_inert(rep, PAYLOADS)


NAME_RE = re.compile(r"^Verwendungsnachweis_\d{4}_[A-Za-z0-9_-]{1,80}\.xlsx$")


@settings(max_examples=fs.examples(200), derandomize=True, deadline=None, database=None)
@given(name=st.text(max_size=300))
@example(name="../../x")
@example(name="..\\..\\Windows\\system32\\x")
@example(name="/etc/passwd")
@example(name="Stadt Fröndenberg/Ruhr")
@example(name='a:b*c?"<>|')
@example(name="CON")
@example(name="")
@example(name="..")
@example(name="Ѕtаdt Kаmеn")  # Cyrillic look-alikes
@example(name="x" * 300)
def test_nachweis_filename_stays_in_the_output_folder(tmp_path_factory: object, name: str) -> None:
    filename = nachweis_filename(2023, name)
    assert NAME_RE.match(filename), filename
    out = Path("/tmp/kimrecon-out")
    assert (out / filename).resolve().parent == out.resolve()


@settings(max_examples=fs.examples(200), derandomize=True, deadline=None, database=None)
@given(name=st.text(max_size=60))
@example(name="a" * 30 + "'b")
@example(name="'Befunde'")
@example(name="[Zahlungen]: 2023/24 *?\\")
@example(name="x" * 40)
@example(name="")
@example(name="'")
@example(name="History")
def test_safe_sheet_name_is_accepted_by_excel_rules(name: str) -> None:
    sheet = safe_sheet_name(name)
    assert 1 <= len(sheet) <= SHEET_NAME_MAX == 31, sheet
    assert not re.search(r"[\[\]:*?/\\]", sheet), sheet
    assert not sheet.startswith("'") and not sheet.endswith("'"), sheet
    wb = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    wb.add_worksheet(sheet)  # xlsxwriter applies Excel's rules and raises otherwise


def test_recipient_named_like_a_path_writes_inside_the_output_folder(tmp_path: Path) -> None:
    case = fs.copy_case(tmp_path)
    hostile = "../../Holzwickede"
    _replace_everywhere(case, "Gemeinde Holzwickede", hostile)
    out = tmp_path / "a" / "b" / "aus"
    run = fs.run_cli("report", case, "--year", "2023", "--recipient", hostile, "--out", out, cwd=tmp_path)
    assert run.rc == 0, run.text
    written = sorted(p.name for p in out.iterdir())
    assert written == ["Verwendungsnachweis_2023_Holzwickede.xlsx"], written
    strays = [p for p in tmp_path.rglob("*.xlsx") if p.parent not in (out, case)]
    assert strays == []
    assert _assert_inert(out / written[0], (hostile,)) == {hostile}


@settings(max_examples=fs.examples(200), derandomize=True, deadline=None, database=None)
@given(text=st.text(max_size=80))
@example(text="A1")
@example(text="R1C1")
@example(text="Stadt Kamen")
@example(text="=1+1")
@example(text="1. Quartal")
def test_defined_names_from_text_are_valid(text: str) -> None:
    from kimrecon.write.xlsx import defined_name

    name = defined_name(text)
    if name is None:
        return
    assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,254}", name), name
    wb = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    wb.add_worksheet("Parameter")
    assert wb.define_name(name, "=Parameter!$A$1") != -1, name  # xlsxwriter warns and returns -1 otherwise
