"""End to end: the README's demo and `reconcile --json` on the bundled example (issue 2)."""

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "workbooks" / "beispiel-kreis-unna-2023"
CLI = [sys.executable, "-m", "kimrecon.cli"]


def run(*args: str, cwd: Path, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    env = dict(os.environ, SOURCE_DATE_EPOCH="1704067200", COLUMNS="200")
    env.update(env_extra or {})
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    work = tmp_path_factory.mktemp("demo")
    proc = run("demo", "--out", "out", cwd=work)
    return work / "out", proc


def _edge_rows(path: Path) -> dict[tuple[str, str], list[object]]:
    """Rows of the Kanten sheet keyed by (Geber, Empfänger), cached values as Excel shows them."""
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb["Kanten"]
    rows: dict[tuple[str, str], list[object]] = {}
    for row in ws.iter_rows(values_only=True):
        cells = [c for c in row]
        texts = [c for c in cells if isinstance(c, str)]
        if len(texts) >= 2:
            rows[(texts[0], texts[1])] = cells
    return rows


def _header(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path, data_only=True)
    for row in wb["Kanten"].iter_rows(values_only=True):
        if row and "Geber" in row:
            return [str(c) if c is not None else "" for c in row]
    raise AssertionError("no header row with 'Geber' on sheet Kanten")


def test_demo_writes_both_workbooks_and_summary(demo_out):
    out, proc = demo_out
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert (out / "Abgleich_Kreis_Unna_2023-12.xlsx").is_file()
    assert (out / "Verwendungsnachweis_2023_Stadt_Kamen.xlsx").is_file()
    assert "Stadt Kamen" in proc.stdout
    assert "9.500,00 €" in proc.stdout
    assert "1.026.000,00 €" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_abgleich_workbook_figures_read_back(demo_out):
    out, _ = demo_out
    path = out / "Abgleich_Kreis_Unna_2023-12.xlsx"
    header = _header(path)
    rows = _edge_rows(path)
    col = {name: header.index(name) for name in header if name}
    saldo = next(i for name, i in col.items() if name.startswith("Saldo"))
    weiter = next(i for name, i in col.items() if name.startswith("Weiterleitung"))
    kamen = rows[("Stadt Bergkamen", "Stadt Kamen")]
    assert kamen[saldo] == pytest.approx(9500.00, abs=0.001)
    land = rows[("Bezirksregierung Arnsberg", "Kreis Unna")]
    assert land[weiter] == pytest.approx(1_026_000.00, abs=0.001)
    hub = rows[("Kreis Unna", "Stadt Bergkamen")]
    assert hub[weiter] == pytest.approx(142_500.00, abs=0.001)
    assert rows[("Stadt Bergkamen", "Gemeinde Bönen")][saldo] == pytest.approx(0, abs=0.001)


def test_nachweis_workbook_shows_kamen_refund(demo_out):
    out, _ = demo_out
    wb = openpyxl.load_workbook(out / "Verwendungsnachweis_2023_Stadt_Kamen.xlsx", data_only=True)
    values = [c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert any(isinstance(v, (int, float)) and abs(v - 47_500) < 0.001 for v in values)
    assert any(isinstance(v, (int, float)) and abs(v - 9_500) < 0.001 for v in values)
    assert any(isinstance(v, str) and "Stadt Kamen" in v for v in values)
    # personal data never reaches outputs (spec §8): Kamen's sheet had a Name column
    assert not any(isinstance(v, str) and "Müller" in v for v in values)


def test_reconcile_json_matches_spec_object(tmp_path):
    proc = run("reconcile", str(EXAMPLE), "--month", "2023-12", "--json", "--out", str(tmp_path / "o"),
               "--db", f"sqlite:///{tmp_path / 'l.sqlite'}", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr  # a Rückforderung is a difference: exit 1
    obj = json.loads(proc.stdout)
    assert obj["monat"] == "2023-12"
    assert obj["status"] == "abweichungen"
    edges = {(e["geber"], e["empfaenger"], e["jahr"]): e for e in obj["kanten"]}
    land = edges[("Bezirksregierung Arnsberg", "Kreis Unna", 2023)]
    assert land["weiterleitung"] == "1026000.00"
    assert land["vzae_zugeteilt"] == "18"
    assert land["saldo"] == "9500.00"
    hub = edges[("Kreis Unna", "Stadt Bergkamen", 2023)]
    assert (hub["vzae_zugeteilt"], hub["weiterleitung"]) == ("2.5", "142500.00")
    assert (hub["foerderfaehig_kumuliert"], hub["saldo"]) == ("133000.00", "9500.00")
    kamen = edges[("Stadt Bergkamen", "Stadt Kamen", 2023)]
    assert kamen == {**kamen, "foerderfaehig_kumuliert": "47500.00", "ausgezahlt_kumuliert": "57000.00",
                     "saldo": "9500.00", "vzae_zugeteilt": "1"}
    assert edges[("Stadt Bergkamen", "Gemeinde Bönen", 2023)]["saldo"] == "0.00"
    assert edges[("Kreis Unna", "Stadt Lünen", 2023)]["saldo"] == "0.00"
    assert len(obj["kanten"]) == 11  # Land → Kreis, 8 direct towns, Bergkamen → Kamen and Bönen
    assert all(f["schwere"] == "Hinweis" for f in obj["befunde"])
    assert proc.stderr.strip() == ""  # no progress output with --json / not a terminal


def test_reconcile_mid_year_is_cumulative(tmp_path):
    proc = run("reconcile", str(EXAMPLE), "--month", "2023-06", "--json", "--out", str(tmp_path / "o"),
               "--ohne-laufbuch", cwd=tmp_path)
    obj = json.loads(proc.stdout)
    kamen = next(e for e in obj["kanten"] if e["empfaenger"] == "Stadt Kamen")
    # eligible Mar–Jun = 4/12 × 57.000 = 19.000; paid by 30.06.: Q1 and Q2 advances = 28.500
    assert kamen["foerderfaehig_kumuliert"] == "19000.00"
    assert kamen["ausgezahlt_kumuliert"] == "28500.00"
    assert kamen["saldo"] == "9500.00"


def test_bad_month_is_a_german_usage_error(tmp_path):
    proc = run("reconcile", str(EXAMPLE), "--month", "Dezember", cwd=tmp_path)
    assert proc.returncode == 2
    assert "JJJJ-MM" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_case_dir_exit_2(tmp_path):
    proc = run("reconcile", str(tmp_path / "gibtsnicht"), "--month", "2023-12", cwd=tmp_path)
    assert proc.returncode == 2
    assert "existiert nicht" in proc.stderr


def test_report_writes_one_nachweis_per_recipient(tmp_path):
    # --ohne-laufbuch: the bundled example folder stays as shipped (report's ledger: test_pipeline_recovery)
    proc = run("report", str(EXAMPLE), "--year", "2023", "--out", "rp", "--ohne-laufbuch", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in (tmp_path / "rp").iterdir())
    assert len(names) == 11  # the Kreis and its ten towns
    assert "Verwendungsnachweis_2023_Gemeinde_Boenen.xlsx" in names


def test_report_unknown_recipient_names_it_and_writes_nothing(tmp_path):
    proc = run("report", str(EXAMPLE), "--year", "2023", "--recipient", "Dortmund", "--out", "rp", "--ohne-laufbuch",
               cwd=tmp_path)
    assert proc.returncode == 2  # the requested Verwendungsnachweis could not be written
    assert "„Dortmund“ ist keine bekannte Stelle" in proc.stdout
    assert not (tmp_path / "rp").exists() or not any((tmp_path / "rp").iterdir())
