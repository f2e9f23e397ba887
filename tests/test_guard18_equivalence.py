"""The guard's speed work (issue 18) decides as before: the cell count's shortcut, kept parts, the probe in order."""

from __future__ import annotations

import shutil
import time
import zipfile
from pathlib import Path
from unittest import mock

import fuzz_support as fs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kimrecon.read.guard as guard
from kimrecon.findings import Code
from kimrecon.read.guard import Limits, ProbeOutcomes, probe_files, screen_file

# pieces of worksheet XML, hostile ones included: several r="…", quotes and ">" inside values, prefixes,
# empty cells and rows, closing tags that do not fit the opening one, blanks of every kind
TOKENS = [
    b"<c", b"<row", b"<x:c", b"<x:row", b"<col", b"<cx", b"<rows", b" ", b"\t", b"\n", b"\r", b"\x0b",
    b'r="', b' r="', b'\tr="', b'"', b">", b"/>", b"/", b"<", b"</c>", b"</row>", b"</x:c>", b"</x:row>",
    b"</v>", b"A1", b"B", b"AB", b"7", b"12", b"$", b' s="1"', b"<v>1</v>", b"r", b"=", b'"A3"', b"1048577",
    b"ZZZ9", b"<is><t>x</t></is>", b" t=\"e\"", b"<dimension ref=\"A1:B2\"/>",
]
ROOTS = [b"", b"<worksheet>", b"<x:worksheet>"]

VALUE = st.lists(st.sampled_from([b"A", b"b", b"Z", b"1", b"9", b"0", b"$", b">", b"<", b"/", b" ", b"r=", b"'"]),
                 max_size=6).map(b"".join)
ATTR = st.one_of(
    VALUE.map(lambda v: b'r="%s"' % v),
    VALUE.map(lambda v: b'r="%s' % v),  # a value that runs on into the next quote
    st.sampled_from([b's="1"', b't="e"', b'spans="1:3"', b"r", b'x="a>b"', b"/", b'"', b"=", b'r=""']),
)
TAG = st.builds(
    lambda prefix, name, attrs, end: b"<" + prefix + name + b"".join(attrs) + end,
    st.sampled_from([b"", b"x:"]),
    st.sampled_from([b"c", b"row", b"col", b"cx"]),
    st.lists(st.tuples(st.sampled_from([b" ", b"\t", b"\n", b"", b"  "]), ATTR).map(b"".join), max_size=3),
    st.sampled_from([b"/>", b" />", b">", b"></c>", b">\n </row>", b"><v>1</v></c>", b"></x:c>", b"></row>",
                     b"/></c>", b"", b"><is><t>x</t></is></c>", b">\r</x:row>"]),
)
fragments = st.builds(
    lambda root, parts: root + b"".join(parts),
    st.sampled_from(ROOTS),
    st.lists(st.one_of(TAG, st.sampled_from(TOKENS)), max_size=30),
)


@settings(max_examples=1000, derandomize=True, database=None, deadline=None)
@given(buf=fragments, prefix=st.sampled_from([b"", b"x:"]))
def test_shortcut_never_skips_a_match(buf: bytes, prefix: bytes) -> None:
    # the shortcut may say "maybe" too often, never "no" where the full pattern finds an empty element
    if guard._empty_elements(prefix).search(buf) is not None:
        assert guard._may_hold_empty_elements(prefix, buf)


def test_shortcut_finds_each_kind_of_empty_element() -> None:
    for buf in (b'<c r="A1"/>', b'<c r="A1" s="2"></c>', b'<row r="3" spans="1:2"/>', b'<row r="3">\n</row>',
                b'<c r="A>1"></c>', b'<c s="1" r="B2" />'):
        assert guard._empty_elements(b"").search(buf) is not None
        assert guard._may_hold_empty_elements(b"", buf)
    ordinary = b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c><c r="B1"><v>2</v></c></row>'
    assert guard._empty_elements(b"").search(ordinary) is None
    assert not guard._may_hold_empty_elements(b"", ordinary)  # the case it is for: no empty element at all


def _count(chunks: list[bytes]) -> dict[str, object]:
    counter = guard._SheetCount("xl/worksheets/sheet1.xml")
    try:
        for chunk in chunks:
            counter.feed(chunk)
    except guard._Refused as refused:
        return {"refused": (refused.code, refused.grund)}
    return {**vars(counter), "size": counter.size()}


@settings(max_examples=800, derandomize=True, database=None, deadline=None)
@given(chunks=st.lists(fragments, min_size=1, max_size=3))
def test_cell_count_is_the_same_with_and_without_the_shortcut(chunks: list[bytes]) -> None:
    new = _count(chunks)
    with mock.patch.object(guard, "_may_hold_empty_elements", lambda prefix, buf: True):  # the pattern always runs
        old = _count(chunks)
    assert new == old


def _with_comment(tmp_path: Path, member: str, comment: bytes) -> Path:
    src = tmp_path / "quelle.xlsx"
    shutil.copy(fs.EXAMPLE / "Besetzung_Kamen_2023.xlsx", src)
    target = tmp_path / "Besetzung_Kamen_2023.xlsx"
    fs._replace_member(src, target, member,
                       lambda d: d.replace(b"?>", b"?>" + comment, 1) if d.startswith(b"<?xml") else comment + d)
    return target


KEPT = ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"]


@pytest.mark.parametrize("member", KEPT)
def test_declaration_in_a_comment_of_a_kept_part_is_still_refused(tmp_path: Path, member: str) -> None:
    # the structural parts are parsed once and their kept bytes scanned: a comment parses, the scan refuses it
    path = _with_comment(tmp_path, member, b"<!-- <!ENTITY x 'y'> -->")
    with zipfile.ZipFile(path) as zf:
        assert b"<!ENTITY" in zf.read(member)
    found = screen_file(path, name=path.name)
    assert [(f.code, dict(f.details)["grund"]) for f in found] == [
        (Code.DATEI_UNLESBAR, f"XML mit DOCTYPE- oder ENTITY-Deklaration in {member} wird nicht geöffnet")
    ]
    harmless = _with_comment(tmp_path, member, b"<!-- nur ein Kommentar -->")
    assert screen_file(harmless, name=harmless.name) == []


_SCRIPT = (  # the probe's protocol: argv[1] is the second reader's file, then "s:<path>" per file
    "import os, sys, time\n"
    "for p in sys.argv[2:]:\n"
    "    if 'abbruch' in p: os.abort()\n"
    "    if 'langsam' in p: time.sleep(1.0)\n"
    "    if 'zweit' in p and p.startswith('s:'): print('fast XlsError: Cfb error', flush=True)\n"
    "    print('err password required' if 'kennwort' in p else 'fb' if p.startswith('f:') or 'zweit' in p "
    "else 'ok', flush=True)\n"
)


def _items(tmp_path: Path, names: list[str]) -> list[tuple[Path, str]]:
    for n in names:
        (tmp_path / n).write_bytes(b"x")
    return [(tmp_path / n, n) for n in names]


def _codes(found: dict[Path, list]) -> dict[str, list[Code]]:
    return {p.name: [f.code for f in fs_] for p, fs_ in found.items() if fs_}


def test_probe_in_order_gives_what_probe_files_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "_PROBE", _SCRIPT)
    names = ["a.xls", "abbruch.xls", "b.xls", "kennwort.xls", "zweit.xls", "c.xls"]
    items = _items(tmp_path, names)
    limits = Limits(time_budget_s=5)
    whole = probe_files(items, limits)
    outcomes = ProbeOutcomes(items, limits)
    one_by_one = {path: outcomes.get(path, []) for path, _ in items}
    assert outcomes._run.gi_frame is None  # after the last file the run is closed: child waited for, thread joined
    assert {path: found for path, found in one_by_one.items() if found} == whole
    assert _codes(whole) == {"abbruch.xls": [Code.DATEI_ZU_GROSS], "kennwort.xls": [Code.DATEI_VERSCHLUESSELT]}
    assert guard.fast_reader_failed(tmp_path / "zweit.xls") == "XlsError: Cfb error"
    assert outcomes.get(tmp_path / "nicht-geprueft.xls", []) == []  # not probed: at once, no findings
    guard.forget_probe(tmp_path / "zweit.xls")


def test_probe_in_order_keeps_the_time_budget_while_the_caller_is_busy(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "_PROBE", _SCRIPT)
    items = _items(tmp_path, ["a.xls", "langsam.xls", "b.xls"])
    outcomes = ProbeOutcomes(items, Limits(time_budget_s=0.5))
    assert outcomes.get(items[0][0], []) == []
    time.sleep(2.0)  # the caller reads a.xls in-process meanwhile; the child's "ok" for langsam.xls came after 1 s
    late = outcomes.get(items[1][0], [])
    assert [f.code for f in late] == [Code.DATEI_ZU_GROSS]  # 1 s > 0.5 s: too slow, although the line is there
    assert "Zeitbudget von 0.5 s" in dict(late[0].details)["grund"]
    assert outcomes.get(items[2][0], []) == []  # the next child opens the rest


def test_probe_in_order_closed_early_ends_the_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "_PROBE", _SCRIPT)
    items = _items(tmp_path, ["a.xls", "langsam.xls", "b.xls"])
    outcomes = ProbeOutcomes(items, Limits(time_budget_s=30))
    assert outcomes.get(items[0][0], []) == []
    outcomes.close()  # e.g. the read stopped with an exception: the child is killed, not waited for


def test_probe_child_runs_under_the_memory_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the child sets the cap itself before the first file: it reports the limit it runs under as its "error"
    script = "import resource, sys\nfor p in sys.argv[2:]:\n    print('err', resource.getrlimit(resource.RLIMIT_AS))\n"
    monkeypatch.setattr(guard, "_PROBE", script)
    items = _items(tmp_path, ["a.xls"])  # 1 byte
    found = probe_files(items, Limits())
    # 384 MB + 64 × 1 byte = 384 × 1 048 576 + 64 = 402 653 184 + 64 = 402 653 248, soft and hard
    assert "(402653248, 402653248)" in dict(found[items[0][0]][0].details)["technisch"]
