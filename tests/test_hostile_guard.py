"""The input guard: every hostile container is refused before a parser opens it, with the right finding."""

from __future__ import annotations

import shutil
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import fuzz_support as fs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimrecon.findings import UNUSABLE, Code
from kimrecon.read import read_case
from kimrecon.read.guard import (
    Limits,
    TimeBudgetExceeded,
    csv_encoding,
    decode_text,
    limits_from_config,
    parse_budget,
    screen_file,
)

SRC = fs.EXAMPLE / "Besetzung_Kamen_2023.xlsx"


def _copy(tmp_path: Path, name: str = "Besetzung_Kamen_2023.xlsx") -> Path:
    dst = tmp_path / name
    shutil.copy(SRC, dst)
    return dst


def _codes(path: Path, limits: Limits | None = None) -> list[tuple[Code, str]]:
    return [(f.code, dict(f.details).get("grund", "")) for f in screen_file(path, limits, name=path.name)]


def test_every_example_file_passes() -> None:
    for path in sorted(fs.EXAMPLE.glob("*.xlsx")):
        assert screen_file(path) == [], path


CONTAINER: list[tuple[str, Callable[[Path], object], Code, str]] = [
    ("halbiert", lambda p: fs.truncate(p, 0.5), Code.DATEI_BESCHAEDIGT, "ZIP-Archiv"),
    ("ein Byte", lambda p: fs.truncate(p, 0.0), Code.DATEI_BESCHAEDIGT, "unvollständiges ZIP-Archiv"),
    ("überschrieben", lambda p: fs.corrupt(p, 0.3, 64, 0), Code.DATEI_BESCHAEDIGT, "beschädigt"),
    ("leer", fs.empty, Code.DATEI_UNLESBAR, "leer (0 Byte)"),
    ("pdf", fs.pdf, Code.DATEI_UNLESBAR, "PDF-Dokument"),
    ("csv", fs.csv_as_xlsx, Code.DATEI_UNLESBAR, "Textdatei (CSV?)"),
    ("html", fs.html_as_xlsx, Code.DATEI_UNLESBAR, "HTML-Seite"),
    ("verschlüsselt", fs.ole_encrypted, Code.DATEI_VERSCHLUESSELT, ""),
    ("alte xls", fs.ole_plain, Code.DATEI_UNLESBAR, "alte Excel-Datei (.xls)"),
    ("zip-bombe", lambda p: fs.zip_bomb(p, 8), Code.DATEI_ZU_GROSS, "Kompressionsrate"),
    ("doctype", lambda p: fs.doctype(p, laughs=False), Code.DATEI_UNLESBAR, "DOCTYPE"),
    ("billion laughs", lambda p: fs.doctype(p, laughs=True), Code.DATEI_UNLESBAR, "DOCTYPE"),
    ("vba", fs.vba, Code.DATEI_MAKRO, ""),
    ("zelle XFD1048576", fs.far_cell, Code.DATEI_ZU_GROSS, "Zellen"),
    ("zeile 99999999", lambda p: fs.odd_cell_ref(p, b"A99999999"), Code.DATEI_UNLESBAR, "außerhalb des Excel-Rasters"),
    ("spalte ZZZZ", lambda p: fs.odd_cell_ref(p, b"ZZZZ5"), Code.DATEI_UNLESBAR, "außerhalb des Excel-Rasters"),
    ("zeile 1048577", lambda p: fs.odd_cell_ref(p, b"A1048577"), Code.DATEI_UNLESBAR, "außerhalb des Excel-Rasters"),
    ("kennwort-zip", fs.encrypted_member, Code.DATEI_VERSCHLUESSELT, ""),
    ("word", fs.docx, Code.DATEI_UNLESBAR, "Word-Dokument"),
]


@pytest.mark.parametrize(("label", "mutate", "code", "grund"), CONTAINER, ids=[c[0] for c in CONTAINER])
def test_container_mutations_are_refused(
    tmp_path: Path, label: str, mutate: Callable[[Path], object], code: Code, grund: str
) -> None:
    path = _copy(tmp_path)
    mutate(path)
    found = _codes(path)
    assert len(found) == 1, found
    assert found[0][0] is code, found
    assert grund in found[0][1], found
    assert code in UNUSABLE


def test_macro_suffix_is_refused_without_opening(tmp_path: Path) -> None:
    path = fs.rename(_copy(tmp_path), ".xlsm")
    assert _codes(path) == [(Code.DATEI_MAKRO, "")]
    path.write_bytes(b"not even a zip")  # the suffix alone decides: never opened
    assert _codes(path) == [(Code.DATEI_MAKRO, "")]


def test_workbook_with_csv_or_xls_suffix(tmp_path: Path) -> None:
    assert _codes(fs.rename(_copy(tmp_path, "a.xlsx"), ".csv"))[0][1].startswith(
        "eine Excel-Arbeitsmappe mit der Endung .csv"
    )
    assert "Endung .xls" in _codes(fs.rename(_copy(tmp_path, "b.xlsx"), ".xls"))[0][1]
    assert _codes(fs.rename(_copy(tmp_path, "c.xlsx"), ".ods"))[0][0] is Code.DATEI_UNLESBAR
    assert _codes(fs.rename(_copy(tmp_path, "d.xlsx"), ".xlsb"))[0][0] is Code.DATEI_FORMAT


def test_limits_are_configurable(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    size = path.stat().st_size
    assert _codes(path, Limits(max_file_bytes=size - 1))[0][0] is Code.DATEI_ZU_GROSS
    assert _codes(path, Limits(max_file_bytes=size)) == []
    # the example sheet holds 6 rows × 12 columns: 72 cells
    assert _codes(path, Limits(max_cells=71)) == [
        (Code.DATEI_ZU_GROSS, "mehr als 71 Zellen in xl/worksheets/sheet1.xml")
    ]
    assert _codes(path, Limits(max_cells=72)) == []
    with zipfile.ZipFile(path) as zf:
        members = len(zf.infolist())
        unpacked = sum(i.file_size for i in zf.infolist())
    assert _codes(path, Limits(max_members=members - 1))[0][0] is Code.DATEI_ZU_GROSS
    assert _codes(path, Limits(max_unpacked_bytes=unpacked - 1))[0][0] is Code.DATEI_ZU_GROSS
    assert _codes(path, Limits(max_unpacked_bytes=unpacked)) == []


def test_ratio_limit_spares_small_members(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    fs.zip_bomb(path, 1)  # exactly 1 MB of spaces + tags: judged, ratio about 1000:1
    assert _codes(path)[0][0] is Code.DATEI_ZU_GROSS
    assert _codes(path, Limits(max_ratio=2000)) == []


def test_many_members(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    fs.many_members(path, 50)
    assert _codes(path, Limits(max_members=40))[0] == (Code.DATEI_ZU_GROSS, "59 Einträge im Archiv > 40")


def test_limits_from_config() -> None:
    limits, found = limits_from_config(
        {"grenzen": {"max_dateigroesse_mb": 2, "max_zellen": 1000, "zeitbudget_s": 1.5, "max_kompression": 50}}
    )
    assert limits == Limits(max_file_bytes=2 << 20, max_cells=1000, time_budget_s=1.5, max_ratio=50)
    assert found == []
    assert limits_from_config({"eingabe": {"max_dateigroesse_mb": 3}})[0].max_file_bytes == 3 << 20
    for bad in (float("inf"), float("nan"), 1e308, 0):  # TOML has inf and nan: a finding, never a crash
        limits, found = limits_from_config({"grenzen": {"zeitbudget_s": bad, "max_speicher_mb": bad}})
        assert limits == Limits() and len(found) == 2
    assert "bis 1.000.000 sein" in found[0].meldung
    limits, found = limits_from_config({"grenzen": {"max_zellen": -1, "foo": 1, "max_eintraege": True}})
    assert limits == Limits()
    assert [f.code for f in found] == [Code.PARAMETER_UNGUELTIG] * 3
    assert sorted(dict(f.details)["parameter"] for f in found) == [
        "grenzen.foo",
        "grenzen.max_eintraege",
        "grenzen.max_zellen",
    ]


def test_case_limits_reach_the_reader(tmp_path: Path) -> None:
    case = fs.copy_case(tmp_path)
    (case / "kimrecon.toml").write_text("[grenzen]\nmax_zellen = 50\n", encoding="utf-8")
    inputs = read_case([case])
    too_big = sorted(f.source.datei for f in inputs.findings if f.code is Code.DATEI_ZU_GROSS and f.source)
    # Zahlungen Kreis (40 × 8) and Zuweisung (16 × 7) and Bescheid (5 × 12) exceed 50 cells, Bönen (5 × 11) too
    assert "Zahlungen_Kreis_Unna_2023.xlsx" in too_big
    assert "Zuweisung_Kreis_Unna_2023.xlsx" in too_big
    assert all(f.sha256 for f in inputs.files)  # refused files are still listed with their hash


def test_ods_checks(tmp_path: Path) -> None:
    def ods(name: str, content: bytes, extra: dict[str, bytes] | None = None, manifest: bytes = b"") -> Path:
        path = tmp_path / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            z.writestr("content.xml", content)
            z.writestr("META-INF/manifest.xml", manifest or b'<manifest:manifest xmlns:manifest="urn:x"/>')
            for k, v in (extra or {}).items():
                z.writestr(k, v)
        return path

    cell = b'<table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="16384"/>'
    row = b'<table:table-row table:number-rows-repeated="1048576">' + cell + b"</table:table-row>"
    bomb = ods(
        "bombe.ods", b"<office:document-content><table:table>" + row + b"</table:table></office:document-content>"
    )
    assert _codes(bomb)[0][0] is Code.DATEI_ZU_GROSS
    empty_rows = b'<table:table-row table:number-rows-repeated="1048576"><table:table-cell/></table:table-row>'
    ok = ods(
        "leer.ods", b"<office:document-content><table:table>" + empty_rows + b"</table:table></office:document-content>"
    )
    assert _codes(ok) == []  # repeated empty rows (as LibreOffice writes them) are not cells
    enc = ods(
        "enc.ods",
        b"<x/>",
        manifest=b'<m:manifest xmlns:m="urn:m"><m:file-entry><m:encryption-data/></m:file-entry></m:manifest>',
    )
    assert _codes(enc)[0][0] is Code.DATEI_VERSCHLUESSELT
    assert _codes(ods("makro.ods", b"<x/>", {"Basic/Standard/Module1.xml": b"<x/>"}))[0][0] is Code.DATEI_MAKRO
    assert _codes(ods("dtd.ods", b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'))[0][0] is Code.DATEI_UNLESBAR


def test_csv_screening(tmp_path: Path) -> None:
    text = "Jahr;Empfänger;VzÄ\r\n2023;Stadt Kamen;1\r\n"
    for enc in ("utf-8", "utf-8-sig", "utf-16", "cp1252"):
        path = tmp_path / f"z_{enc}.csv"
        path.write_bytes(text.encode(enc))
        assert _codes(path) == [], enc
        assert decode_text(path.read_bytes()) == text, enc
    path = tmp_path / "nul.csv"
    path.write_bytes(text.encode("utf-16-le"))  # UTF-16 without a BOM
    assert "UTF-16 ohne Byte-Order-Mark" in _codes(path)[0][1]
    path = tmp_path / "gross.csv"
    path.write_bytes(("a;b;c\n" * 1000).encode())
    assert _codes(path, Limits(max_cells=2000))[0][0] is Code.DATEI_ZU_GROSS
    assert _codes(path, Limits(max_cells=4000)) == []
    assert csv_encoding(b"\xff\xfe\x00\x00") == "utf-32"
    assert csv_encoding(b"\xff\xfeJ\x00") == "utf-16"
    assert csv_encoding(b"Jahr") is None


def test_parse_budget_interrupts_python_work() -> None:
    with pytest.raises(TimeBudgetExceeded), parse_budget(Limits(time_budget_s=0.05)):
        while True:
            time.sleep(0.01)
    with parse_budget(Limits(time_budget_s=5)):  # no alarm left behind after a quick block
        pass
    time.sleep(0.01)


def test_reader_failure_inside_one_file_is_a_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kimrecon.read as read_mod

    case = fs.copy_case(tmp_path)
    real = read_mod.read_sheet

    def flaky(raw, name, index):  # type: ignore[no-untyped-def]
        if name.startswith("Zahlungen_Bergkamen"):
            raise KeyError("kaputt")
        return real(raw, name, index)

    monkeypatch.setattr(read_mod, "read_sheet", flaky)
    inputs = read_case([case])
    bad = [f for f in inputs.findings if f.code is Code.DATEI_UNLESBAR]
    assert [(f.source.datei if f.source else None) for f in bad] == ["Zahlungen_Bergkamen_2023.xlsx"]
    assert "Zahlungen_Bergkamen_2023.xlsx" in {f.name for f in inputs.files}
    assert len(inputs.files) == 16


def _xls(path: Path) -> Path:
    """The example's Zahlungen sheet as an old .xls (BIFF8 in an OLE2 container), written by xlwt."""
    import datetime as dt

    import openpyxl
    import xlwt

    rows = list(
        openpyxl.load_workbook(fs.EXAMPLE / "Zahlungen_Kreis_Unna_2023.xlsx").worksheets[0].iter_rows(values_only=True)
    )
    wb = xlwt.Workbook()
    ws = wb.add_sheet("Zahlungen")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if isinstance(v, dt.datetime):  # one style per cell, as careless writers do
                ws.write(r, c, v, xlwt.easyxf(num_format_str="DD.MM.YYYY"))
            elif v is not None:
                ws.write(r, c, v)
    wb.save(str(path))
    return path


# byte edits (position in the original, bytes removed, bytes inserted) found by fuzzing the .xls above
PANIC_EDITS = [(13081, 33, b"")]  # calamine's CFB reader panics (index out of range)
MEMORY_EDITS = [
    (12313, 1, b"\xad"),
    (7128, 0, b"\x96\x81\xf4\xa13j\xa2\x14\r\x05\x97\xa3\xe6"),
    (6410, 1, b" "),
    (3955, 1, b"4"),
    (3711, 1, b"\x9d"),
    (1051, 0, b"9\x80n\xf0\xb6\x84]j\x9de~\xb8)\x8f-"),
]  # calamine asks for 4 GiB at once: without the probe's memory cap the machine's OOM killer strikes


def _edited(path: Path, edits: list[tuple[int, int, bytes]], name: str) -> Path:
    data = bytearray(path.read_bytes())
    for pos, delete, insert in sorted(edits, reverse=True):
        data[pos : pos + delete] = insert
    target = path.with_name(name)
    target.write_bytes(bytes(data))
    return target


def test_probe_keeps_parser_crashes_out_of_the_process(tmp_path: Path) -> None:
    good = _xls(tmp_path / "zahlungen.xls")
    assert good.stat().st_size == 13824  # the byte positions below belong to this file
    panic = _edited(good, PANIC_EDITS, "panik.xls")
    memory = _edited(good, MEMORY_EDITS, "speicher.xls")
    assert screen_file(panic) == [] and screen_file(memory) == []  # the screening cannot see these
    (tmp_path / "kimrecon.toml").write_text("[grenzen]\nmax_speicher_mb = 2048\n", encoding="utf-8")
    case = tmp_path / "fall"
    case.mkdir()
    for p in (good, panic, memory):
        p.rename(case / p.name)
    (tmp_path / "kimrecon.toml").rename(case / "kimrecon.toml")
    inputs = read_case([case])
    by_file = {f.source.datei: (f.code, dict(f.details).get("grund", "")) for f in inputs.findings if f.source}
    # the second reader (xlrd) cannot read them either: refused as damaged, the readers' texts only in "technisch"
    assert by_file["panik.xls"] == (Code.DATEI_BESCHAEDIGT, "beschädigte Excel-97-2003-Datei")
    assert by_file["speicher.xls"] == (Code.DATEI_BESCHAEDIGT, "beschädigte Excel-97-2003-Datei")
    tech = {f.source.datei: dict(f.details)["technisch"] for f in inputs.findings if f.source and f.code in UNUSABLE}
    assert tech["panik.xls"].startswith("PanicException: range start index 116 out of range for slice of length 95")
    assert tech["speicher.xls"].startswith("fast reader crashed")  # killed by the memory cap, then xlrd failed
    for f in inputs.findings:
        assert "range start" not in f.meldung and "Error" not in f.meldung
    assert "zahlungen.xls" not in by_file
    assert sum(len(f) for f in inputs.frames.values()) == 36  # the intact file is read: 36 payments


def test_probe_mechanics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kimrecon.read.guard as guard

    script = (  # the probe's protocol: argv[1] is the second reader's file, then "s:<path>" per file
        "import os, sys, time\n"
        "for p in sys.argv[2:]:\n"
        "    if 'abbruch' in p: os.abort()\n"
        "    if 'haengt' in p: time.sleep(60)\n"
        "    if 'zweit' in p and p.startswith('s:'): print('fast XlsError: Cfb error', flush=True)\n"
        "    if 'kippt' in p and p.startswith('s:'): os.abort()\n"
        "    print('err password required' if 'kennwort' in p else 'fb' if p.startswith('f:') or 'zweit' in p "
        "else 'ok', flush=True)\n"
    )
    monkeypatch.setattr(guard, "_PROBE", script)
    names = ["a.xls", "abbruch.xls", "b.xls", "haengt.xls", "kennwort.xls", "zweit.xls", "kippt.xls", "c.xls"]
    for n in names:
        (tmp_path / n).write_bytes(b"x")
    items = [(tmp_path / n, n) for n in names]
    found = guard.probe_files(items, Limits(time_budget_s=0.5))
    assert {p.name: [f.code for f in fs_] for p, fs_ in found.items()} == {
        "abbruch.xls": [Code.DATEI_ZU_GROSS],  # aborts in the fast reader, then again in the second
        "haengt.xls": [Code.DATEI_ZU_GROSS],
        "kennwort.xls": [Code.DATEI_VERSCHLUESSELT],
    }
    assert "MB Arbeitsspeicher" in dict(found[tmp_path / "abbruch.xls"][0].details)["grund"]
    # the second reader read these two: the in-process reader goes straight to it
    assert guard.fast_reader_failed(tmp_path / "zweit.xls") == "XlsError: Cfb error"
    assert guard.fast_reader_failed(tmp_path / "kippt.xls") == "fast reader crashed (aborted or out of memory)"
    assert guard.fast_reader_failed(tmp_path / "a.xls") is None
    guard.forget_probe(tmp_path / "zweit.xls")
    assert guard.fast_reader_failed(tmp_path / "zweit.xls") is None


def test_probe_memory_fits_the_file() -> None:
    from kimrecon.read.guard import MB, probe_memory

    assert probe_memory(1024, Limits()) == 384 * MB + 64 * 1024  # a 1 KB file: about 384 MB, not 4 GB
    assert probe_memory(4 * MB, Limits()) == 384 * MB + 256 * MB  # 4 MB × 64 = 256 MB on top
    assert probe_memory(100 * MB, Limits()) == 4096 * MB  # capped by max_speicher_mb
    assert probe_memory(1024, Limits(max_memory_bytes=200 * MB)) == 200 * MB


def _sheet_xml(path: Path, body: bytes) -> Path:
    """The example workbook with its sheet data replaced by ``body``."""
    import re

    src = _copy(path)
    target = path / "roh.xlsx"
    fs._replace_member(
        src,
        target,
        fs.SHEET_XML,
        lambda d: re.sub(
            rb"<sheetData>.*</sheetData>|<sheetData\s*/>", b"<sheetData>" + body + b"</sheetData>", d, flags=re.S
        ),
    )
    return target


def test_cells_without_references_count_by_position(tmp_path: Path) -> None:
    # 16 000 empty cells push the value to column 16 001; one cell in row 1 000 000 makes the range huge
    wide = b'<row r="1">' + b"<c/>" * 16_000 + b'<c t="inlineStr"><is><t>x</t></is></c></row>'
    far = b'<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>y</t></is></c></row>'
    assert _codes(_sheet_xml(tmp_path, wide + far))[0][0] is Code.DATEI_ZU_GROSS
    small = b'<row><c t="inlineStr"><is><t>Jahr</t></is></c><c><v>2023</v></c></row>' * 3  # no r at all
    assert _codes(_sheet_xml(tmp_path, small)) == []


@given(m=st.integers(0, 10**8), n=st.integers(0, 10**9))
@settings(max_examples=300, derandomize=True, database=None)
def test_larger_row_regex_is_exact(m: int, n: int) -> None:
    from kimrecon.read.guard import _larger_row_refs

    assert bool(_larger_row_refs(m).search(b'<c r="AB%d" s="1">' % n)) == (n > m)
    assert bool(_larger_row_refs(m).search(b'<c r="$C$%d">' % n)) == (n > m)
