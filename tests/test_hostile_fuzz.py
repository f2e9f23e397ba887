"""Seeded fuzzing in-process: mutated cases through the whole pipeline, mutated bytes and XML through the reader.

Any exception here is a crash the CLI would only hide behind "Interner Fehler". CI runs a bounded
number of examples; ``KIMRECON_FUZZ_EXAMPLES=500`` raises it for the long run before a release.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import fuzz_support as fs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kimrecon.findings import UNUSABLE, has_errors, is_unusable
from kimrecon.pipeline import reconcile_case
from kimrecon.read import read_case

FILES = sorted(p.name for p in fs.EXAMPLE.glob("*.xlsx"))
SETTINGS = {
    "derandomize": True,
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
}

MUTATIONS = st.builds(
    fs.Mutation,
    kind=st.sampled_from(fs.CONTAINER_KINDS + fs.SHEET_KINDS),
    file=st.integers(0, len(FILES) - 1),
    col=st.integers(0, 15),
    row=st.integers(0, 40),
    param=st.integers(0, 1000),
)


@settings(max_examples=fs.examples(40), **SETTINGS)  # type: ignore[arg-type]
@given(mutations=st.lists(MUTATIONS, min_size=1, max_size=3))
def test_mutated_cases_through_the_pipeline(
    tmp_path_factory: pytest.TempPathFactory, mutations: list[fs.Mutation]
) -> None:
    tmp = tmp_path_factory.mktemp("fuzz")
    case = fs.copy_case(tmp)
    touched: set[Path] = set()
    for m in mutations:
        touched.add(fs.apply(case, m, skip=touched))
    before = fs.tree_hashes(case)
    out = tmp / "aus"
    outcome = reconcile_case(case, fs.MONTH, out_dir=out, use_ledger=False)
    codes = {f.code.value for f in outcome.findings}
    written = sorted(p.name for p in out.iterdir())
    if any(m.kind in fs.UNUSABLE_KINDS for m in mutations):
        assert outcome.exit_code == 2, codes
    if outcome.result is None:
        assert has_errors(outcome.findings)
        assert written == [fs.fehlerbericht(case)]
    else:
        assert fs.is_report(written, "Abgleich")
        assert outcome.exit_code in (0, 1)
    # exit 2 exactly when the run could not be done (unusable input or a Fehler that stopped it)
    assert (outcome.exit_code == 2) == (outcome.result is None)
    if is_unusable(outcome.findings):
        assert outcome.result is None
    assert fs.tree_hashes(case) == before
    fs.record_inprocess("pipeline:" + "+".join(m.kind for m in mutations), outcome.exit_code, codes)


EDITS = st.lists(
    st.tuples(st.floats(0, 1), st.integers(0, 64), st.binary(max_size=64)),  # at fraction, delete n, insert bytes
    min_size=1,
    max_size=4,
)


def _edit(data: bytes, edits: list[tuple[float, int, bytes]]) -> bytes:
    buf = bytearray(data)
    for where, delete, insert in edits:
        i = min(int(where * len(buf)), len(buf))
        buf[i : i + delete] = insert
    return bytes(buf)


def _read_one(path: Path) -> set[str]:
    before = path.read_bytes()
    inputs = read_case([path])  # must never raise
    assert path.read_bytes() == before
    assert [f.name for f in inputs.files] == [path.name]
    for f in inputs.findings:
        assert f.meldung and f.source is not None
    return {f.code.value for f in inputs.findings}


@settings(max_examples=fs.examples(120), **SETTINGS)  # type: ignore[arg-type]
@given(file=st.sampled_from(FILES), edits=EDITS)
def test_mutated_bytes_through_the_reader(tmp_path_factory: pytest.TempPathFactory, file: str, edits: list) -> None:
    path = tmp_path_factory.mktemp("bytes") / file
    path.write_bytes(_edit((fs.EXAMPLE / file).read_bytes(), edits))
    codes = _read_one(path)
    fs.record_inprocess("bytes", 2 if codes & {c.value for c in UNUSABLE} else 1, codes)


PARTS = (
    "xl/worksheets/sheet1.xml",
    "xl/workbook.xml",
    "xl/styles.xml",
    "[Content_Types].xml",
    "xl/_rels/workbook.xml.rels",
    "_rels/.rels",
    "docProps/core.xml",
)


@settings(max_examples=fs.examples(120), **SETTINGS)  # type: ignore[arg-type]
@given(file=st.sampled_from(FILES), part=st.sampled_from(PARTS), edits=EDITS)
def test_mutated_xml_inside_a_valid_zip(
    tmp_path_factory: pytest.TempPathFactory, file: str, part: str, edits: list
) -> None:
    src = fs.EXAMPLE / file
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info.filename, _edit(data, edits) if info.filename == part else data)
    path = tmp_path_factory.mktemp("xml") / file
    path.write_bytes(buf.getvalue())
    codes = _read_one(path)
    fs.record_inprocess("xml:" + part, 2 if codes & {c.value for c in UNUSABLE} else 1, codes)


@pytest.fixture(scope="module")
def old_formats(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The example's Zahlungen sheet as .xls (xlwt) and .ods (odfpy), the formats only the probe can bound."""
    import datetime as dt

    import openpyxl
    import pandas as pd
    import xlwt

    rows = list(
        openpyxl.load_workbook(fs.EXAMPLE / "Zahlungen_Kreis_Unna_2023.xlsx").worksheets[0].iter_rows(values_only=True)
    )
    folder = tmp_path_factory.mktemp("alt")
    wb = xlwt.Workbook()
    ws = wb.add_sheet("Zahlungen")
    date = xlwt.easyxf(num_format_str="DD.MM.YYYY")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if isinstance(v, dt.datetime):
                ws.write(r, c, v, date)
            elif v is not None:
                ws.write(r, c, v)
    wb.save(str(folder / "z.xls"))
    pd.DataFrame(rows).to_excel(folder / "z.ods", engine="odf", header=False, index=False)
    return {s: (folder / f"z{s}").read_bytes() for s in (".xls", ".ods")}


@settings(max_examples=fs.examples(80), **SETTINGS)  # type: ignore[arg-type]
@given(suffix=st.sampled_from([".xls", ".ods"]), edits=EDITS)
def test_mutated_xls_and_ods_through_the_reader(
    tmp_path_factory: pytest.TempPathFactory, old_formats: dict[str, bytes], suffix: str, edits: list
) -> None:
    case = tmp_path_factory.mktemp("alt")
    (case / "kimrecon.toml").write_text("[grenzen]\nmax_speicher_mb = 1024\n", encoding="utf-8")
    path = case / f"Zahlungen{suffix}"
    path.write_bytes(_edit(old_formats[suffix], edits))
    before = path.read_bytes()
    inputs = read_case([case])  # must never raise, never take the process down
    assert path.read_bytes() == before
    codes = {f.code.value for f in inputs.findings}
    fs.record_inprocess("alt" + suffix, 2 if codes & {c.value for c in UNUSABLE} else 1, codes)


HOSTILE_TOML = [
    "[abrechnung]\ntarifstunden = inf\n",
    "[abrechnung]\ntarifstunden = 1e999999\n",
    "[abrechnung]\nmodus = 5\n",
    '[abrechnung]\nspitzabrechnung = "ja"\n',
    "[zinsen]\nbasiszins = [ { ab = 2026-01-01, prozent = nan } ]\n",
    "[zinsen]\naufschlag = [ { ab = 2020-01-01, prozentpunkte = -inf } ]\n",
    '[zinsen]\naufschlag = [ { ab = "gestern", prozentpunkte = 5 } ]\n',
    '[zinsen]\nbasiszins = "x"\n',
    '[grenzen]\nmax_zellen = "viel"\nzeitbudget_s = inf\n',
    "abrechnung = 3\ngrenzen = [1, 2]\n",
    "\x00\x01 keine TOML-Datei",
    "[abrechnung\n",
]


@pytest.mark.parametrize("text", HOSTILE_TOML, ids=range(len(HOSTILE_TOML)))
def test_hostile_kimrecon_toml_is_a_finding(tmp_path: Path, text: str) -> None:
    case = fs.copy_case(tmp_path)
    (case / "kimrecon.toml").write_text(text, encoding="utf-8")
    outcome = reconcile_case(case, fs.MONTH, out_dir=tmp_path / "aus", use_ledger=False)  # never raises
    codes = {f.code.value for f in outcome.findings}
    assert "parameter_ungueltig" in codes or text.startswith("abrechnung = 3"), codes
    fs.record_inprocess("toml", outcome.exit_code, codes)
