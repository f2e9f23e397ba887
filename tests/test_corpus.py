"""The file corpus (tests/corpus): every valid file is read, every refusal is German and names the file.

The files carry the traits of real writers (see tests/corpus/SOURCES.md); each holds the same
Zahlungen table, so a file that is read must give exactly its three payments.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import fuzz_support as fs
import pandas as pd
import pytest
from corpus.make import READ, REFUSED, TOTAL_CENT, build, unrelated

from kimrecon.findings import UNUSABLE, Code, Severity
from kimrecon.inputs import Kind
from kimrecon.read import read_case
from kimrecon.read.guard import Limits, fast_reader_failed, forget_probe, probe_files

# what a reader says in its own words: none of it may reach a message
RAW = (
    "Error",
    "error",
    "Cfb",
    "Expecting",
    "BytesText",
    "Range is missing",
    "File not found",
    "no item named",
    "Traceback",
    "(workbook)",
    "Invalid OLE",
    "unknown_codepage",
    "calamine",
    "xlrd",
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("korpus")
    build(folder)
    return folder


@pytest.mark.parametrize("name", list(READ))
def test_valid_files_are_read(corpus: Path, name: str) -> None:
    case = read_case([corpus / name])
    assert [f for f in case.findings if f.severity is Severity.FEHLER] == []
    z = case.frames[Kind.ZAHLUNGEN]
    # 12 500,50 € twice and 7 250,25 €: 3 225 125 cent in all
    assert z["betrag_cent"].tolist() == [1_250_050, 1_250_050, 725_025]
    assert sum(z["betrag_cent"]) == TOTAL_CENT
    assert z["datum"].tolist() == [pd.Timestamp(f"2023-{m:02d}-01") for m in (3, 6, 9)]
    assert z["_zeile"].tolist() == [2, 3, 4]  # header in row 1, the payments in rows 2 to 4
    sheet = Path(name).stem if name.startswith("excel") else "Zahlungen"  # Excel 2.x–4.0: named after the file
    assert [(s.datei, s.blatt, s.header_row, s.columns["betrag_cent"]) for s in case.sheets] == [(name, sheet, 1, "D")]


# file -> (code, phrase of the German message)
REFUSALS: dict[str, tuple[Code, str]] = {
    "kennwort_biff.xls": (Code.DATEI_VERSCHLUESSELT, "Die Datei ist verschlüsselt oder kennwortgeschützt."),
    "kennwort_ooxml.xlsx": (Code.DATEI_VERSCHLUESSELT, "Die Datei ist verschlüsselt oder kennwortgeschützt."),
    "abgeschnitten.xlsx": (
        Code.DATEI_BESCHAEDIGT,
        "Die Datei ist beschädigt und kann nicht gelesen werden (unvollständiges ZIP-Archiv).",
    ),
    "ohne_workbook_rels.xlsx": (
        Code.DATEI_TEIL_FEHLT,
        "In der Arbeitsmappe fehlt ein notwendiger Bestandteil (xl/_rels/workbook.xml.rels)",
    ),
    "unbekannte_codepage.xls": (
        Code.DATEI_ZEICHENSATZ,
        "Die Datei verwendet einen unbekannten Zeichensatz (Codepage 8001).",
    ),
    "excel4_beschaedigt.xls": (
        Code.DATEI_ALTES_FORMAT,
        "Die Datei hat ein altes Format (Excel 4.0, BIFF4), das nicht gelesen werden kann.",
    ),
    "binaer.xlsb": (Code.DATEI_FORMAT, "Das Dateiformat .xlsb (Excel-Binärarbeitsmappe) wird nicht unterstützt."),
    "makro.xlsx": (Code.DATEI_MAKRO, "Die Datei enthält Makros (VBA) und wird deshalb nicht geöffnet."),
    "excel2003.xls": (Code.DATEI_FORMAT, "Das Dateiformat XML-Tabelle (Excel 2003 XML) mit der Endung .xls"),
}
# what the readers said, kept in the technical detail (the traits the corpus reproduces)
TECHNICAL = {
    "kennwort_biff.xls": "XLRDError: Workbook is encrypted",
    "ohne_workbook_rels.xlsx": "File not found 'xl/_rels/workbook.xml.rels'",
    "unbekannte_codepage.xls": "unknown encoding: unknown_codepage_8001",
    "abgeschnitten.xlsx": "BadZipFile",
}


def test_every_refused_file_has_a_case() -> None:
    assert set(REFUSALS) == set(REFUSED)


@pytest.mark.parametrize("name", list(REFUSED))
def test_refusals_are_german_and_name_the_file(corpus: Path, name: str) -> None:
    case = read_case([corpus / name])
    assert len(case.findings) == 1, case.findings
    f = case.findings[0]
    code, phrase = REFUSALS[name]
    assert f.code is code and code in UNUSABLE and f.severity is Severity.FEHLER
    assert phrase in f.meldung
    assert f.source is not None and (f.source.datei, f.source.blatt, f.source.zelle) == (name, None, None)
    assert str(f).startswith(f"{name}: ")
    assert not [raw for raw in RAW if raw in f.meldung], f.meldung
    assert ".xlsm" not in f.meldung  # a macro workbook named .xlsx is not called .xlsm
    if name in TECHNICAL:
        assert TECHNICAL[name] in dict(f.details)["technisch"]
    assert case.frames[Kind.ZAHLUNGEN].empty
    assert [i.name for i in case.files] == [name] and case.files[0].sha256  # listed with its hash


# the fast reader's own words on files the second reader reads: the texts clerks saw before
FAST_FAILS = {
    "libreoffice248_formatiert.ods": "Expecting 'table-cell', found 'Text(BytesText",
    "buchhaltung_formatiert.ods": "Expecting 'table-cell'",
    "zeile_verbunden.xlsx": "Range is missing the expected column component",
    "spalte_verbunden.xlsx": "Range is missing the expected row component",
    "dimension_nur_zeilen.xlsx": "Range is missing the expected column component",
    "codepage_8001.xls": "Codepage 8001 not found",
    "excel2.xls": "Cfb error",
}


def test_the_probe_sends_these_files_to_the_second_reader(corpus: Path) -> None:
    items = [(corpus / n, n) for n in READ]
    assert probe_files(items, Limits()) == {}  # none refused
    try:
        for name in READ:
            said = fast_reader_failed(corpus / name)
            if name in FAST_FAILS:
                assert said is not None and FAST_FAILS[name] in said, (name, said)
            elif not name.startswith("excel"):
                assert said is None, (name, said)  # the fast reader reads the rest
    finally:
        for path, _ in items:
            forget_probe(path)


def test_nothing_usable_is_a_fehler(tmp_path: Path) -> None:
    case = read_case([unrelated(tmp_path / "telefon.xlsx")])
    codes = [(f.code, f.severity) for f in case.findings]
    assert codes == [(Code.BLATT_UNBEKANNT, Severity.HINWEIS), (Code.KEINE_TABELLE, Severity.FEHLER)]
    f = case.findings[1]
    assert f.meldung.startswith("In den Eingaben wurde keine Tabelle einer bekannten Art gefunden")
    assert f.code in UNUSABLE and f.source is not None and f.source.datei == "telefon.xlsx"
    empty = tmp_path / "leer"
    empty.mkdir()
    assert Code.KEINE_TABELLE in [f.code for f in read_case([empty]).findings]


def test_validate_the_whole_corpus_in_bounded_memory(corpus: Path, tmp_path: Path) -> None:
    """``validate`` over every corpus file: exit 2, German only, peak memory below 1 GB (a bound, not a timing)."""
    folder = tmp_path / "fall"
    build(folder)
    unrelated(folder / "telefon.xlsx")
    before = fs.tree_hashes(folder)
    wrapper = (
        "import resource, subprocess, sys\n"
        "run = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stdout.write(run.stdout)\n"
        "print('RC', run.returncode)\n"
        "print('PEAK_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapper, sys.executable, "-m", "kimrecon.cli", "validate", str(folder)],
        capture_output=True,
        text=True,
        env=fs.cli_env(),
        cwd=tmp_path,
        timeout=600,
        check=True,
    ).stdout
    lines = out.splitlines()
    rc = int(next(line for line in lines if line.startswith("RC "))[3:])
    peak_kb = int(next(line for line in lines if line.startswith("PEAK_KB "))[8:])
    assert rc == 2, out
    assert peak_kb < 1024 * 1024, peak_kb  # ru_maxrss in KB on Linux: below 1 GB, the largest of all processes
    assert not [raw for raw in RAW if raw in out], out
    for name in REFUSED:
        assert name in out, name
    for phrase in {p for _, p in REFUSALS.values()}:
        assert phrase[:30] in out, phrase
    assert "keine Tabelle einer bekannten Art" not in out  # files were refused: that says enough
    assert fs.tree_hashes(folder) == before  # inputs unchanged
