"""The writer's cell shortcuts write exactly the XML xlsxwriter writes, streamed or not."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from xlsxwriter.worksheet import Worksheet

from kimrecon.write.xlsx import FIXED_TIME, Formats, _Worksheet, open_workbook

# Text of every kind the shortcut handles itself or must leave to xlsxwriter
TEXTS = [
    "Kommune", "Müller & Söhne <GmbH>", 'Zitat "so"', " führend", "folgend ", "\tTab", "Zeile\n", "a\nb",
    "_x0041_", "Steuer\x07zeichen", "nicht\ufffezeichen", "<r>fett</r>", "", "\xa0geschützt", "Ende\u2028",
    "x" * 20_000, "ß€😀", "=SUM(A1:A2)", "1,5", "a_xyz", "&Anfang", "Ende>", "<r>nur Anfang",
]
NUMBERS = [0, 1, -1, 0.1, 1 / 3, 1e16, 123456789.125, 2.5e-7, -0.0, 10**15 + 1]


def _sheet_xml(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _write(path: Path, cls: type[Worksheet], constant_memory: bool) -> dict[str, bytes]:
    wb = open_workbook(path, constant_memory=constant_memory)
    wb.worksheet_class = cls
    fm = Formats(wb)
    wb.set_properties({"created": FIXED_TIME})  # both workbooks: the same document time
    ws = wb.add_worksheet("Blatt")
    ws.set_row(2, 30)  # a row with its own height
    ws.set_column(5, 5, 12, fm.money)  # a column format (used by a cell without its own)
    r = 0
    for t in TEXTS:
        ws.write_string(r, 0, t, fm.text)
        ws.write_string(r, 1, t)  # without format: xlsxwriter's code
        ws.write_string(r, 5, t)  # column format
        r += 1
    for x in NUMBERS:
        ws.write_number(r, 0, x, fm.money)
        ws.write_number(r, 1, x)
        ws.write_number(r, 5, x)
        r += 1
    ws.write_datetime(r, 0, datetime(2023, 12, 31, 12, 30), fm.datetime)
    ws.write_datetime(r, 1, date(1900, 1, 1), fm.date)
    ws.write_formula(r, 2, "=ROUND(A1*2,2)", fm.money, 2.5)
    ws.write_formula(r, 5, '=IF(A1<=B1,"ja & gut","nein")', fm.text, 3)
    ws.write_formula(r, 6, '=IF(A1>B1,"ok","VERLETZT")', fm.text, "VERLETZT")
    ws.write_formula(r, 7, "=A1=B1", fm.text, True)
    ws.write_formula(r, 8, "=1/0", fm.text, "#DIV/0!")
    ws.write_formula(r, 9, "=A1", fm.text, 1e-7)
    ws.write_formula(r, 10, "=A1", fm.text, None)
    ws.write_formula(r, 11, "=A1")
    ws.write_boolean(r, 3, True, fm.text)
    ws.write_blank(r, 4, None, fm.text)
    r += 2  # an empty row between
    ws.write_rich_string(r, 0, "a ", fm.label, "fett", fm.text)
    ws.write_number(r, 3, 7, fm.int)
    ws.write_string(r, 2, "vor D geschrieben", fm.wrap)  # written out of column order
    ws.merge_range(r + 1, 0, r + 1, 2, "verbunden", fm.note)
    ws.write_string(r + 2, 0, "Zeile danach", fm.text)
    wb.close()
    return _sheet_xml(path)


@pytest.mark.parametrize("constant_memory", [False, True])
def test_every_part_of_the_workbook_is_xlsxwriters(tmp_path: Path, constant_memory: bool) -> None:
    ours = _write(tmp_path / "ours.xlsx", _Worksheet, constant_memory)
    theirs = _write(tmp_path / "theirs.xlsx", Worksheet, constant_memory)
    assert ours.keys() == theirs.keys()
    for name in ours:
        assert ours[name] == theirs[name], name
    sheet = ours["xl/worksheets/sheet1.xml"].decode("utf-8")
    if constant_memory:  # the shortcut's own inline strings: escaped, whitespace kept
        assert '<t>Müller &amp; Söhne &lt;GmbH&gt;</t>' in sheet
        assert '<t xml:space="preserve"> führend</t>' in sheet
        assert "_x005F_x0041_" in sheet  # left to xlsxwriter, which escapes its own escape pattern
    else:
        assert 't="s"' in sheet
    assert '<f>IF(A1&lt;=B1,"ja &amp; gut","nein")</f><v>3</v>' in sheet


def test_leading_and_trailing_whitespace_is_found_as_xlsxwriter_finds_it() -> None:
    from xlsxwriter.utility import _preserve_whitespace

    for code in range(0x3000 + 1):
        ch = chr(code)
        for text in (ch + "a", "a" + ch, ch, "a" + ch + "\n"):
            if 0xD800 <= code <= 0xDFFF:
                continue
            assert bool(text[:1].isspace() or text[-1:].isspace()) == bool(_preserve_whitespace(text)), repr(text)
