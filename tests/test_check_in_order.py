"""Screening in the probe child (issue 18): a large case is screened there, with the same findings as in-process."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import fuzz_support as fs
import pytest
from test_hostile_guard import CONTAINER, MEMORY_EDITS, PANIC_EDITS, _edited, _xls

import kimrecon.read.guard as guard
from kimrecon.findings import Code, Finding
from kimrecon.read import read_case
from kimrecon.read.guard import Limits, check_in_order, screen_file


def _hostile_case(tmp_path: Path) -> Path:
    """The example's 16 workbooks, every hostile container of the guard's tests, two fuzzed .xls and a CSV."""
    case = tmp_path / "fall"
    shutil.copytree(fs.EXAMPLE, case)
    for i, (_label, mutate, _code, _grund) in enumerate(CONTAINER):
        path = case / f"Besetzung_Feindlich_{i:02d}.xlsx"
        shutil.copy(fs.EXAMPLE / "Besetzung_Kamen_2023.xlsx", path)
        mutate(path)
    good = _xls(tmp_path / "zahlungen.xls")
    for name, edits in (("panik.xls", PANIC_EDITS), ("speicher.xls", MEMORY_EDITS)):
        _edited(good, edits, name).rename(case / name)
    (case / "notiz.csv").write_text("Name;Betrag\nA;1,00\n", encoding="utf-8")
    (case / "kimrecon.toml").write_text("[grenzen]\nmax_speicher_mb = 2048\n", encoding="utf-8")
    return case


def _read(case: Path, monkeypatch: pytest.MonkeyPatch, from_files: int) -> tuple[list[Finding], dict[str, int]]:
    monkeypatch.setattr(guard, "SCREEN_IN_CHILD_FROM", from_files)
    inputs = read_case([case])
    return list(inputs.findings), {k.value: len(f) for k, f in inputs.frames.items()}


def test_the_child_screens_a_large_case_with_the_same_findings(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    case = _hostile_case(tmp_path)
    n_files = len([p for p in case.iterdir() if p.suffix in (".xlsx", ".xls", ".csv")])
    assert n_files == 16 + len(CONTAINER) + 3
    here, here_rows = _read(case, monkeypatch, 10**9)  # every file screened in this process, as before
    # the child screens: this process must not screen a single file (it would raise here)
    real_screen = guard.screen_file

    def no_screen_here(*args: object, **kwargs: object) -> list[Finding]:
        raise AssertionError("screened in the parent")

    monkeypatch.setattr(guard, "screen_file", no_screen_here)
    child, child_rows = _read(case, monkeypatch, 1)
    monkeypatch.setattr(guard, "screen_file", real_screen)
    assert child == here  # every finding equal: code, severity, file, details (German reason, technical text)
    assert child_rows == here_rows
    by_file = {f.source.datei: f for f in child if f.source and f.code in {Code.DATEI_ZU_GROSS, Code.DATEI_MAKRO}}
    bomb = CONTAINER.index(next(c for c in CONTAINER if c[0] == "zip-bombe"))
    assert "Kompressionsrate" in dict(by_file[f"Besetzung_Feindlich_{bomb:02d}.xlsx"].details)["grund"]
    vba = CONTAINER.index(next(c for c in CONTAINER if c[0] == "vba"))
    assert by_file[f"Besetzung_Feindlich_{vba:02d}.xlsx"].code is Code.DATEI_MAKRO


_DIES_ON_SCREEN = """
import os

for path in sys.argv[1:]:
    if "absturz" in path:
        os.abort()  # the screener dies before its verdict on this file
    print(("1 " if path.endswith(".xls") else "0 ") + "[]", flush=True)
"""


def test_a_child_that_dies_while_screening_leaves_the_file_to_this_process(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "_SCREENER", _DIES_ON_SCREEN)
    names = ["a.xlsx", "absturz_bombe.xlsx", "absturz_gut.xlsx", "b.xlsx"]
    for n in names:
        shutil.copy(fs.EXAMPLE / "Besetzung_Kamen_2023.xlsx", tmp_path / n)
    fs.zip_bomb(tmp_path / "absturz_bombe.xlsx", 8)
    screened_here: list[str] = []
    real_screen = guard.screen_file

    def counted(path: Path, limits: Limits | None = None, *, name: str | None = None) -> list[Finding]:
        screened_here.append(Path(path).name)
        return real_screen(path, limits, name=name)

    monkeypatch.setattr(guard, "screen_file", counted)
    outcomes = guard.ProbeOutcomes([(tmp_path / n, n) for n in names], Limits(), screen="child")
    found = {n: [(f.code, dict(f.details)["grund"][:16]) for f in outcomes.get(tmp_path / n)] for n in names}
    assert found == {
        "a.xlsx": [],
        "absturz_bombe.xlsx": [(Code.DATEI_ZU_GROSS, "Kompressionsrate")],  # screened here: the same verdict
        "absturz_gut.xlsx": [],
        "b.xlsx": [],
    }
    assert screened_here == ["absturz_bombe.xlsx", "absturz_gut.xlsx"]  # only the two the child died on


def test_out_of_memory_while_screening_in_the_child_is_not_a_verdict(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.xlsx"
    shutil.copy(fs.EXAMPLE / "Besetzung_Kamen_2023.xlsx", path)

    def no_memory(*args: object) -> None:
        raise MemoryError

    monkeypatch.setattr(guard, "_screen", no_memory)
    # in this process an unexpected failure is a finding, as ever ...
    assert [f.code for f in screen_file(path)] == [Code.DATEI_BESCHAEDIGT]
    # ... in the child, under the probe's memory cap, it ends the child: the parent screens the file again
    monkeypatch.setattr(guard, "_IN_PROBE_CHILD", True)
    with pytest.raises(MemoryError):
        screen_file(path)


def test_a_file_too_large_to_probe_does_not_raise_the_cap(tmp_path: Path) -> None:
    small = tmp_path / "klein.xlsx"
    small.write_bytes(b"x" * 1000)
    large = tmp_path / "gross.xlsx"
    large.write_bytes(b"x" * (5 << 20))  # above probe_bis_mb (4 MB): only screened
    limits = Limits()
    assert guard._probed_size(guard._Probe(large, "gross.xlsx", "S"), limits) == 0
    assert guard._probed_size(guard._Probe(small, "klein.xlsx", "S"), limits) == 1000
    assert guard._probed_size(guard._Probe(tmp_path / "fehlt.xlsx", "fehlt.xlsx", "S"), limits) == 0


def test_a_small_case_is_screened_here_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "leer.xlsx"
    path.write_bytes(b"")
    started: list[bool] = []
    real = guard.ProbeOutcomes.__init__

    def spy(self: guard.ProbeOutcomes, items: object, limits: Limits, *, screen: str = "",
            **kwargs: object) -> None:
        started.append(screen)
        real(self, items, limits, screen=screen, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(guard.ProbeOutcomes, "__init__", spy)
    outcomes = check_in_order([(path, "leer.xlsx")], Limits())
    assert started == ["here"]  # screened in this process, the verdicts handed to the probe child
    assert [dict(f.details)["grund"] for f in outcomes.get(path)] == ["die Datei ist leer (0 Byte)"]


def _workbooks(tmp_path: Path) -> list[Path]:
    """Real-looking workbooks: the example, the layout examples and the file corpus (writers' traits)."""
    from corpus.make import build

    folder = tmp_path / "korpus"
    folder.mkdir()
    build(folder)
    root = fs.EXAMPLE.parent
    paths = [*fs.EXAMPLE.glob("*.xlsx"), *(root / "beispiele-layouts").rglob("*.xlsx"), *folder.iterdir(),
             _odd_workbook(tmp_path / "eigenheiten.xlsx")]
    return sorted(p for p in paths if p.suffix.lower() in (".xlsx", ".xls", ".ods", ".xltx"))


def _odd_workbook(path: Path) -> Path:
    """A table that starts at C5, a hidden sheet, a very hidden one, a chart sheet, every kind of cell value."""
    import openpyxl
    from openpyxl.chart import BarChart, Reference

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Daten"
    ws["C5"], ws["D5"], ws["E5"], ws["F5"] = "Name", "Datum", "Betrag", "ja/nein"
    ws["C6"], ws["D6"], ws["E6"], ws["F6"] = "Kamen", dt.date(2023, 3, 31), 4750.5, True
    ws["C7"], ws["D7"], ws["E7"], ws["F7"] = "Bönen", dt.datetime(2023, 4, 1, 8, 30), "=1/0", False
    ws["G8"] = dt.time(7, 45)
    hidden = wb.create_sheet("Versteckt")
    hidden["B2"] = 1
    hidden.sheet_state = "hidden"
    very = wb.create_sheet("Sehr versteckt")
    very["A1"] = "x"
    very.sheet_state = "veryHidden"
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=5, min_row=5, max_row=7), titles_from_data=True)
    wb.create_chartsheet("Diagramm").add_chart(chart)
    wb.save(path)
    return path


def _typed(frame: object) -> list[list[tuple[str, object]]]:
    return [[(type(v).__name__, v) for v in row] for row in frame.itertuples(index=False)]  # type: ignore[attr-defined]


def test_the_cells_the_child_sends_are_what_this_process_reads(tmp_path: Path) -> None:
    from kimrecon.read.files import EAGER_MAX_BYTES, _load_calamine

    paths = _workbooks(tmp_path)
    outcomes = check_in_order([(p, p.name) for p in paths], Limits(), cells_up_to=EAGER_MAX_BYTES)
    sent = 0
    for path in paths:
        if outcomes.get(path) or guard.fast_reader_failed(path):
            continue  # refused, or read by the second reader: no cells from the child
        cells = outcomes.cells(path)
        assert cells is not None, path.name
        assert outcomes.cells(path) is None  # handed over once
        here, there = _load_calamine(path), _load_calamine(path, cells)
        assert [(s.name, s.hidden) for s in there] == [(s.name, s.hidden) for s in here], path.name
        for a, b in zip(here, there, strict=True):
            assert a.cells is not None and b.cells is not None
            assert a.cells.shape == b.cells.shape, (path.name, a.name)
            assert _typed(b.cells) == _typed(a.cells), (path.name, a.name)  # value and Python type of every cell
        sent += 1
    assert sent >= 16 + 5  # the example's 16 workbooks and the layout examples at least
    odd = _load_calamine(paths[[p.name for p in paths].index("eigenheiten.xlsx")])
    assert [(s.name, s.hidden) for s in odd] == [("Daten", False), ("Versteckt", True), ("Sehr versteckt", True)]
    assert odd[0].cells is not None and odd[0].cells.iloc[4, 2] == "Name"  # C5: the empty rows and columns kept


def test_only_plain_cell_values_are_taken_from_the_child() -> None:
    import pickle

    outcomes = guard.ProbeOutcomes([], Limits())
    good = pickle.dumps([("Blatt", [[1.5, "x", None, dt.date(2023, 1, 31), dt.datetime(2023, 1, 31, 8)]], False)])
    evil = pickle.dumps([("Blatt", [[shutil.rmtree]], False)])  # a function: never called, never taken
    outcomes._cells = {Path("a.xlsx"): good, Path("b.xlsx"): evil}
    assert outcomes.cells(Path("a.xlsx")) == [
        ("Blatt", [[1.5, "x", None, dt.date(2023, 1, 31), dt.datetime(2023, 1, 31, 8)]], False)
    ]
    assert outcomes.cells(Path("b.xlsx")) is None  # read in this process instead


_DIES_SENDING = """
import sys
for arg in sys.argv[2:]:
    mode, path = arg[0], arg[2:]
    if mode == "c":
        sys.stdout.buffer.write(b"cells 100\\n" + b"x" * 10)  # 10 of 100 bytes, then the child is gone
        sys.stdout.flush()
        sys.exit(1)
    print("ok", flush=True)
"""


def test_a_child_that_dies_while_sending_cells_leaves_the_file_to_be_probed(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "_PROBE", _DIES_SENDING)
    items = _items(tmp_path, ["a.xls", "b.xls"])
    outcomes = guard.ProbeOutcomes(items, Limits(), cells_up_to=10)  # 1-byte files: both "c"
    assert outcomes.get(items[0][0]) == [] and outcomes.cells(items[0][0]) is None  # probed again with "s": ok
    assert outcomes.get(items[1][0]) == [] and outcomes.cells(items[1][0]) is None


def _items(tmp_path: Path, names: list[str]) -> list[tuple[Path, str]]:
    for n in names:
        (tmp_path / n).write_bytes(b"x")
    return [(tmp_path / n, n) for n in names]


def test_a_probe_child_gone_at_once_still_gives_a_verdict_per_file(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # the child ends before it reads a verdict: writing them fails (broken pipe), every file is screened here
    monkeypatch.setattr(guard, "_PROBE", "import sys\nsys.exit(0)\n")
    names = ["a.xlsx", "leer.xlsx"]
    shutil.copy(fs.EXAMPLE / "Besetzung_Kamen_2023.xlsx", tmp_path / "a.xlsx")
    (tmp_path / "leer.xlsx").write_bytes(b"")
    outcomes = check_in_order([(tmp_path / n, n) for n in names], Limits(), cells_up_to=1 << 20)
    found = {n: [(f.code, dict(f.details)["grund"]) for f in outcomes.get(tmp_path / n)] for n in names}
    cap = 384 + (tmp_path / "a.xlsx").stat().st_size * 64 // (1 << 20)  # MB: the probe's cap for this file
    assert found == {
        # screened here and passed; the probe child then "died" on it with both readers: refused as too large
        "a.xlsx": [(Code.DATEI_ZU_GROSS, f"Lesen braucht mehr als {cap} MB Arbeitsspeicher (Grenze für eine "
                                         "Datei dieser Größe) oder bricht ab")],
        "leer.xlsx": [(Code.DATEI_UNLESBAR, "die Datei ist leer (0 Byte)")],  # screened here: never probed
    }


def _with_error_cell(src: Path, dst: Path) -> Path:
    """``src`` with an error cell (#DIV/0! cached) added to its first sheet, as Excel stores it."""
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                error_row = b'<row r="40"><c r="E40" t="e"><v>#DIV/0!</v></c></row>'
                data = data.replace(b"</sheetData>", error_row + b"</sheetData>")
            zout.writestr(info, data)
    return dst


def _structured(tmp_path: Path) -> list[Path]:
    """Workbooks with hidden columns, merged ranges, an error cell, and a long column list before the data."""
    import openpyxl

    paths = []
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Besetzung"
    for r in range(1, 8):
        for c in range(1, 7):
            ws.cell(r, c, f"{r}/{c}")
    ws.column_dimensions["B"].hidden = True
    ws.column_dimensions.group("D", "E", hidden=True)
    ws.merge_cells("A1:C1")
    ws.merge_cells("D2:D4")
    second = wb.create_sheet("Zahlungen & Co")  # a name with an entity in workbook.xml
    second["A1"] = "Betrag"
    second.merge_cells("A1:B1")
    paths.append(tmp_path / "struktur.xlsx")
    wb.save(paths[-1])
    paths.append(_with_error_cell(paths[-1], tmp_path / "fehlerzelle.xlsx"))
    wide = openpyxl.Workbook()  # column widths before <sheetData> beyond the first 64 KB: read from the archive
    for i in range(1, 3000):
        wide.active.column_dimensions[openpyxl.utils.get_column_letter(i)].width = 9 + i % 7
    wide.active["A1"] = "x"
    wide.active.merge_cells("A1:B2")
    paths.append(tmp_path / "breit.xlsx")
    wide.save(paths[-1])
    return paths


@pytest.mark.parametrize("in_child", [False, True], ids=["hier geprüft", "im Kindprozess geprüft"])
def test_the_structure_from_the_screen_is_what_the_archive_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 in_child: bool) -> None:
    import kimrecon.read.files as files

    paths = [*_workbooks(tmp_path), *_structured(tmp_path)]
    monkeypatch.setattr(guard, "SCREEN_IN_CHILD_FROM", 1 if in_child else 10**9)
    outcomes = check_in_order([(p, p.name) for p in paths], Limits(), cells_up_to=files.EAGER_MAX_BYTES)
    opened: list[str] = []
    real_open = files._open_zip

    def counted(source: object) -> object:
        opened.append("zip")
        return real_open(source)  # type: ignore[arg-type]

    with_facts = 0
    for path in paths:
        if outcomes.get(path) or guard.fast_reader_failed(path):
            continue
        cells, facts = outcomes.cells(path), outcomes.facts(path)
        if cells is None:
            continue
        here = files.load_file(path, path.name)
        monkeypatch.setattr(files, "_open_zip", counted)
        opened.clear()
        there = files.load_file(path, path.name, cells=cells, facts=facts)
        monkeypatch.setattr(files, "_open_zip", real_open)
        assert [(s.name, s.hidden_cols, s.merged, s.errors) for s in there.sheets] == [
            (s.name, s.hidden_cols, s.merged, s.errors) for s in here.sheets], path.name
        if facts and path.suffix == ".xlsx" and not opened:
            with_facts += 1
        if path.name in ("fehlerzelle.xlsx", "breit.xlsx"):
            assert opened == ["zip"], path.name  # the facts fall short: read from the archive
    structure = {s.name: (s.hidden_cols, s.merged)
                 for s in files.load_file(tmp_path / "struktur.xlsx", "struktur.xlsx").sheets}
    # B hidden (column 1), D:E grouped and hidden (3, 4); A1:C1 and D2:D4 merged, 0-based inclusive
    assert structure == {"Besetzung": (frozenset({1, 3, 4}), ((0, 0, 0, 2), (1, 3, 3, 3))),
                         "Zahlungen & Co": (frozenset(), ((0, 0, 0, 1),))}
    errors = files.load_file(tmp_path / "fehlerzelle.xlsx", "fehlerzelle.xlsx").sheets[0].errors
    assert errors == {(39, 4): "#DIV/0!"}  # E40
    assert with_facts >= 20  # the example's and the layouts' workbooks: no second look into the archive


def test_part_facts_do_not_depend_on_where_the_chunks_end() -> None:
    data = (b'<worksheet><cols><col min="2" max="2" hidden="1"/></cols><sheetData><row r="1">'
            b'<c r="A1" t="e"><v>#N/A</v></c></row></sheetData><mergeCells count="1">'
            b'<mergeCell ref="A1:B1"/></mergeCells></worksheet>')
    whole = guard._PartFacts(len(data))
    whole.feed(data)
    expected = whole.data()
    assert expected == [len(data), '<worksheet><cols><col min="2" max="2" hidden="1"/></cols>',
                        data[data.rindex(b"</sheetData>"):].decode(), True]
    for i in range(1, len(data)):
        for j in range(i, len(data) + 1):
            facts = guard._PartFacts(len(data))
            for chunk in (data[:i], data[i:j], data[j:]):
                if chunk:
                    facts.feed(chunk)
            assert facts.data() == expected, (i, j)
