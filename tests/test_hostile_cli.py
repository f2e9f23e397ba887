"""Hostile input through the command line: every mutation of issue 8 ends in a German finding, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import fuzz_support as fs
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FILES = sorted(p.name for p in fs.EXAMPLE.glob("*.xlsx"))
BESCHEID, ZAHLUNGEN, ZUWEISUNG = (
    FILES.index(n)
    for n in ("Bescheid_KIM_2023.xlsx", "Zahlungen_Kreis_Unna_2023.xlsx", "Zuweisung_Kreis_Unna_2023.xlsx")
)
KAMEN = FILES.index("Besetzung_Kamen_2023.xlsx")

EXPECTED_CONTAINER_CODE = {
    "abgeschnitten": "datei_beschaedigt",
    "beschaedigt": "datei_beschaedigt",
    "verschluesselt": "datei_verschluesselt",
    "kennwort_zip": "datei_verschluesselt",
    "vba": "datei_makro",
    "xlsm": "datei_makro",
    "zip_bombe": "datei_zu_gross",
    "zelle_xfd1048576": "datei_zu_gross",
    "viele_eintraege": "datei_zu_gross",
}


def _hostile_file(tmp: Path, kind: str, m: fs.Mutation) -> Path:
    """A copy of Besetzung Kamen named after the mutation, mutated alone in its own folder."""
    folder = tmp / f"src_{kind}"
    folder.mkdir()
    shutil.copy(fs.EXAMPLE / FILES[KAMEN], folder / f"feindlich_{kind}.xlsx")
    return fs.apply(folder, m)


def test_every_container_mutation_in_one_case(tmp_path: Path) -> None:
    case = fs.copy_case(tmp_path)
    hostile: dict[str, str] = {}
    for kind in fs.CONTAINER_KINDS:
        m = fs.Mutation(kind, col=63, row=0, param=30)  # "beschaedigt": 64 zero bytes at 30 %
        path = _hostile_file(tmp_path, kind, m)
        shutil.move(path, case / path.name)
        if kind != "dimension_riesig":  # <dimension> is only a hint: that file is read
            hostile[path.name] = EXPECTED_CONTAINER_CODE.get(kind, "datei_unlesbar")
    before = fs.tree_hashes(case)
    out = tmp_path / "aus"
    run, obj = fs.reconcile_json(case, out)
    codes = fs.check_run(run, obj, case=case, out=out, before=before, expect_unusable=True)
    assert obj is not None
    by_file = {b["datei"]: b["code"] for b in obj["befunde"] if b["code"] in fs.UNUSABLE}
    assert by_file == hostile
    assert codes >= set(hostile.values())

    # validate on the terminal: the same findings in German, exit 2, the report beside (not in) the case
    report = tmp_path / "bericht.xlsx"
    val = fs.run_cli("validate", case, "--report", report, cwd=tmp_path)
    assert val.rc == 2, val.text
    assert "Traceback" not in val.text and "Interner Fehler" not in val.text
    for phrase in (
        "Die Datei kann nicht gelesen werden",
        "verschlüsselt oder kennwortgeschützt",
        "Die Datei enthält Makros (VBA) und wird deshalb nicht geöffnet",
        "überschreitet die Grenze",
        "DOCTYPE",
        "PDF-Dokument",
    ):
        assert phrase in val.stdout, phrase
    assert fs.tree_hashes(case) == before
    wb = openpyxl.load_workbook(report, read_only=True)
    names = {str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c}
    assert set(hostile) <= names  # every refused file is named in the Fehlerbericht
    wb.close()


# (mutation, file, column, data row, parameter, codes that must appear, harmless: same result as the example)
SHEET_CASES: list[tuple[str, int, int, int, int, set[str], bool]] = [
    ("null_zeilen", BESCHEID, 0, 0, 0, {"blatt_fehlt"}, False),
    ("nur_kopf", ZAHLUNGEN, 0, 0, 0, set(), False),
    ("zeilen_1048576", KAMEN, 3, 0, 0, set(), False),
    ("spalten_16384", KAMEN, 0, 0, 0, set(), False),
    ("riesentext", ZAHLUNGEN, 7, 0, 2, set(), False),
    ("fehlerwert", ZAHLUNGEN, 3, 0, 0, {"zahl_ungueltig"}, False),
    ("fehlerwert", ZAHLUNGEN, 3, 1, 1, {"zahl_ungueltig"}, False),
    ("formel", ZAHLUNGEN, 3, 0, 0, {"formel_ohne_wert"}, False),  # not "wert_fehlt": it says to open and save
    ("zahl_als_datum", ZAHLUNGEN, 0, 0, 0, set(), False),
    ("datum_als_zahl", ZAHLUNGEN, 3, 0, 0, {"zahl_ungueltig"}, False),
    ("absurd", ZUWEISUNG, 4, 0, 0, {"wert_negativ"}, False),
    ("absurd", ZUWEISUNG, 4, 0, 4, {"zahl_ungueltig"}, False),
    ("absurd", ZAHLUNGEN, 3, 0, 5, {"zahl_ungueltig"}, False),
    ("kopf_doppelt", ZUWEISUNG, 1, 0, 0, {"spalte_doppelt"}, False),
    ("kyrillisch", ZUWEISUNG, 2, 1, 0, {"name_unbekannt"}, False),
    ("injektion", ZAHLUNGEN, 7, 0, 0, set(), True),
    ("csv_utf8_bom", ZAHLUNGEN, 0, 0, 0, set(), True),
    ("csv_utf16", ZUWEISUNG, 0, 0, 0, set(), True),
    ("csv_cp1252", FILES.index("Besetzung_Fröndenberg-Ruhr_2023.xlsx"), 0, 0, 0, set(), True),
    ("csv_komma", BESCHEID, 0, 0, 0, set(), True),
    ("csv_nul", FILES.index("Besetzung_Bönen_2023.xlsx"), 0, 0, 0, {"datei_unlesbar"}, False),
]


@pytest.mark.parametrize(
    ("kind", "file", "col", "row", "param", "must", "harmless"),
    SHEET_CASES,
    ids=[f"{c[0]}-{FILES[c[1]].split('_')[0]}-{c[4]}" for c in SHEET_CASES],
)
def test_sheet_mutation_through_the_cli(
    tmp_path: Path, kind: str, file: int, col: int, row: int, param: int, must: set[str], harmless: bool
) -> None:
    case = fs.copy_case(tmp_path)
    fs.apply(case, fs.Mutation(kind, file, col, row, param))
    before = fs.tree_hashes(case)
    out = tmp_path / "aus"
    run, obj = fs.reconcile_json(case, out)
    codes = fs.check_run(run, obj, case=case, out=out, before=before, expect_unusable=kind in fs.UNUSABLE_KINDS)
    assert must <= codes, (codes, run.stderr[-2000:])
    assert obj is not None
    if harmless:  # the example reconciles with differences (a Rückforderung for Kamen): exactly as before
        assert (run.rc, obj["status"]) == (1, "abweichungen"), codes
    books = sorted(out.glob("Abgleich_*.xlsx"))
    assert [b.name for b in books] == ([] if obj["status"] == "fehler" else [fs.ABGLEICH])
    for book in books:  # whatever came in, the workbook that went out opens
        openpyxl.load_workbook(book, read_only=True).close()


MUTATIONS = st.builds(
    fs.Mutation,
    kind=st.sampled_from(fs.CONTAINER_KINDS + fs.SHEET_KINDS),
    file=st.integers(0, len(FILES) - 1),
    col=st.integers(0, 15),
    row=st.integers(0, 40),
    param=st.integers(0, 1000),
)


@settings(
    max_examples=fs.examples(6),
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mutations=st.lists(MUTATIONS, min_size=1, max_size=2), as_json=st.booleans())
def test_random_mutations_through_the_cli(
    tmp_path_factory: pytest.TempPathFactory, mutations: list[fs.Mutation], as_json: bool
) -> None:
    tmp = tmp_path_factory.mktemp("cli")
    case = fs.copy_case(tmp)
    touched: set[Path] = set()
    for m in mutations:  # each mutation on a file of its own
        touched.add(fs.apply(case, m, skip=touched))
    before = fs.tree_hashes(case)
    out = tmp / "aus"
    unusable = any(m.kind in fs.UNUSABLE_KINDS for m in mutations)
    if as_json:
        run, obj = fs.reconcile_json(case, out)
        fs.check_run(run, obj, case=case, out=out, before=before, expect_unusable=unusable)
    else:
        fs.check_plain(fs.reconcile_plain(case, out), case=case, out=out, before=before, expect_unusable=unusable)


def test_markup_in_input_text_stays_text_on_the_terminal(tmp_path: Path) -> None:
    """Rich markup in names ("[/]" broke the terminal output with a traceback) is printed literally."""
    case = fs.copy_case(tmp_path)
    wb = openpyxl.load_workbook(case / FILES[ZAHLUNGEN])
    ws = wb.worksheets[0]
    for i, text in enumerate(fs.MARKUP[:5]):
        ws.cell(fs.HEADER_ROW + 1 + i, 3).value = text  # Empfänger: unknown names, quoted in findings
    wb.save(case / FILES[ZAHLUNGEN])
    before = fs.tree_hashes(case)
    out = tmp_path / "aus"
    run = fs.reconcile_plain(case, out)
    fs.check_plain(run, case=case, out=out, before=before)
    for text in (
        "„[/]“",
        "„[link=http://x.example]Stadt Unna[/link]“",
        "„[bold red]x“",
        "„[/bold]“",
        "„Stadt :warning:“",
    ):
        assert text in run.stdout, text
    val = fs.run_cli("validate", case, cwd=tmp_path)
    assert val.rc == 1 and "Traceback" not in val.text and "„[/]“" in val.stdout, val.text


def test_markup_in_recipient_names_in_the_summary(tmp_path: Path) -> None:
    case = fs.copy_case(tmp_path)
    for path in sorted(case.glob("*.xlsx")):  # rename a town consistently in every file
        wb = openpyxl.load_workbook(path)
        hit = False
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if c.value == "Stadt Werne":
                        c.value, hit = "[/]Stadt [bold]Werne", True
        if hit:
            wb.save(path)
    before = fs.tree_hashes(case)
    out = tmp_path / "aus"
    run = fs.reconcile_plain(case, out)
    fs.check_plain(run, case=case, out=out, before=before)
    assert run.rc == 1, run.text
    assert "[/]Stadt" in run.stdout, run.stdout


def test_control_characters_from_inputs_never_reach_the_terminal(tmp_path: Path) -> None:
    """An ESC sequence in a file name or a CSV cell is shown as text, never sent to the terminal."""
    case = fs.copy_case(tmp_path)
    (case / "x\x1b]0;titel\x07\x1b[2J.xlsx").write_bytes(b"%PDF-1.4")  # OSC title and clear screen
    (case / "zahlungen.csv").write_text(
        "Datum;Zahler;Empfänger;Betrag;Art;Jahr\n01.03.2023;Kreis Unna;Stadt\x1b[31m Kamen\r;1,00;Abschlag;2023\n",
        encoding="utf-8",
    )
    val = fs.run_cli("validate", case, cwd=tmp_path)
    assert val.rc == 2 and "Traceback" not in val.text, val.text
    assert "\x1b" not in val.text and "\x07" not in val.text and "\r" not in val.text
    assert "x\\x1b]0;titel\\x07\\x1b[2J.xlsx" in val.stdout
