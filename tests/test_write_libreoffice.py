"""Real LibreOffice: every formula of every workbook recomputes to its cached value; Nachweise print on A4."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from libreoffice import convert, formula_mismatches, pdf_pages, recalculate, soffice
from write_support import build_result, capped_result, empty_result, two_year_result

from kimrecon.write.abgleich import write_abgleich
from kimrecon.write.fehlerbericht import write_fehlerbericht
from kimrecon.write.nachweis import nachweis_empfaenger, nachweis_filename, write_nachweis


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    soffice()
    out = tmp_path_factory.mktemp("lo")
    result = build_result()
    books = {
        "abgleich": write_abgleich(result, out / "Abgleich_2023-12.xlsx"),
        "abgleich_leer": write_abgleich(empty_result(), out / "Abgleich_leer.xlsx"),
        "fehlerbericht": write_fehlerbericht(result.befunde, out / "Fehlerbericht.xlsx", dateien=result.dateien),
    }
    books["abgleich_zwei_jahre"] = write_abgleich(two_year_result(), out / "Abgleich_zwei_jahre.xlsx")
    books["pruefbericht"] = write_fehlerbericht(result.befunde[:1], out / "Pruefbericht.xlsx", dateien=result.dateien)
    # the example through the real pipeline: its Abgleich and every Nachweis (a hub's holds those below it)
    from kimrecon.pipeline import reconcile_case
    from kimrecon.resources import example_case

    reconcile_case(example_case(), "2023-12", out_dir=out / "beispiel", use_ledger=False,
                   nachweis_for=[(2023, None)])
    for p in sorted((out / "beispiel").glob("*.xlsx")):  # renamed: the recalculated copies share one folder
        books[f"beispiel:{p.stem}"] = p.rename(p.with_name(f"Beispiel_{p.name}"))
    books["abgleich_gekappt"] = write_abgleich(capped_result(), out / "Abgleich_gekappt.xlsx")
    books["gekappt_kamen"] = write_nachweis(capped_result(), 2023, "Stadt Kamen", out / "NW_gekappt.xlsx")
    for name in nachweis_empfaenger(result, 2023):
        books[f"nw:{name}"] = write_nachweis(result, 2023, name, out / nachweis_filename(2023, name))
    # a sanity workbook whose cached value is wrong on purpose: proves recalculation really happens
    sanity = out / "sanity.xlsx"
    wb = xlsxwriter.Workbook(str(sanity))
    ws = wb.add_worksheet("A")
    ws.write_number(0, 0, 2)
    ws.write_formula(0, 1, "=A1*3", None, 5)
    wb.close()
    books["sanity"] = sanity
    return books


@pytest.fixture(scope="module")
def recalculated(workbooks: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    names = list(workbooks)
    outs = recalculate([workbooks[n] for n in names], tmp_path_factory.mktemp("recalc"))
    return dict(zip(names, outs, strict=True))


def test_recalculation_is_forced(recalculated: dict[str, Path]) -> None:
    assert openpyxl.load_workbook(recalculated["sanity"], data_only=True)["A"]["B1"].value == 6


def test_every_formula_recomputes_to_its_cached_value(workbooks: dict[str, Path],
                                                       recalculated: dict[str, Path]) -> None:
    total = 0
    for name, original in workbooks.items():
        if name == "sanity":
            continue
        count, bad = formula_mismatches(original, recalculated[name])
        assert not bad, f"{name}: {bad[:10]}"
        total += count
    assert total > 1000  # the Abgleich alone has several hundred live formulas


def test_nachweis_prints_on_a4_with_its_three_parts(workbooks: dict[str, Path],
                                                    tmp_path_factory: pytest.TempPathFactory) -> None:
    """A town's Nachweis: Sachbericht, zahlenmäßiger Nachweis, Bestätigungen – three A4 pages; a hub has more."""
    base = tmp_path_factory.mktemp("pdf")
    names = [n for n in workbooks if n.startswith("nw:")]
    pdfs = convert([workbooks[n] for n in names], "pdf", base / "out", base)
    pages = {n: pdf_pages(p) for n, p in zip(names, pdfs, strict=True)}
    assert len(pages) == 12
    hubs = {"nw:Kreis Unna", "nw:Stadt Bergkamen"}
    assert all(p == 3 for n, p in pages.items() if n not in hubs), pages
    assert pages["nw:Stadt Bergkamen"] == 4 + 3 + 3  # own Nachweis with III., then Kamen and Bönen
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdfs[0].read_bytes())
    assert box and (round(float(box[1])), round(float(box[2]))) == (595, 842)  # A4 portrait


def test_missing_soffice_skips_locally_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    import libreoffice

    monkeypatch.setattr(libreoffice.shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        libreoffice.soffice()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        libreoffice.soffice()


def test_demo_and_report_workbooks_recalculate_and_print(tmp_path: Path) -> None:
    """End to end through the real engine: every workbook `kimrecon demo` and `kimrecon report` write."""
    import subprocess
    import sys

    from kimrecon.resources import example_case

    soffice()
    cli = [sys.executable, "-c", "from kimrecon.cli import main; main()"]
    demo = subprocess.run([*cli, "demo", "--out", str(tmp_path / "demo")], capture_output=True, text=True,
                          timeout=300, check=False)
    assert demo.returncode in (0, 1), demo.stderr
    report = subprocess.run([*cli, "report", str(example_case()), "--year", "2023", "--out", str(tmp_path / "rep"),
                             "--db", f"sqlite:///{tmp_path / 'laufbuch.sqlite'}"],  # nothing into the bundled example
                            capture_output=True, text=True, timeout=300, check=False)
    assert report.returncode in (0, 1), report.stderr
    books = sorted((tmp_path / "demo").glob("*.xlsx")) + sorted((tmp_path / "rep").glob("*.xlsx"))
    assert any(p.name.startswith("Abgleich_") and p.name.endswith("_2023-12.xlsx") for p in books)
    nachweise = [p for p in books if p.parent.name == "rep"]
    assert len(nachweise) >= 11  # the Kreis, 7 towns, the hub Bergkamen and its two towns
    out = recalculate(books, tmp_path / "lo")
    for original, recomputed in zip(books, out, strict=True):
        count, bad = formula_mismatches(original, recomputed)
        assert count > 0 and not bad, (original.name, bad[:10])
    pdfs = convert(nachweise, "pdf", tmp_path / "pdf", tmp_path / "lo-pdf")
    pages = {p.name: pdf_pages(p) for p in pdfs}
    assert all(n >= 3 for n in pages.values()), pages
