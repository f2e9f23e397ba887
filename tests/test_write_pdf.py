"""Every workbook of the example printed as an auditor reads it: PDF through LibreOffice, checked by text and ink."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from libreoffice import page_ink, pdf_pages, pdf_text, soffice

from kimrecon.pipeline import reconcile_case
from kimrecon.resources import example_case
from kimrecon.write import pdf
from kimrecon.write.fehlerbericht import write_fehlerbericht

JARGON = re.compile(r"\[[ADQ](/[ADQ])?\]|\bR\d{1,2}[ab]?\b|\.yaml|params/|§ 6a|§ 7\b(?! Abs)")


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The example's December run with every Nachweis, its Fehlerbericht of the Hinweise, all as PDF."""
    soffice()
    out = tmp_path_factory.mktemp("beispiel")
    outcome = reconcile_case(example_case(), "2023-12", out_dir=out, use_ledger=False, nachweis_for=[(2023, None)])
    assert outcome.result is not None
    books = sorted(out.glob("*.xlsx"))
    books.append(write_fehlerbericht(outcome.result.befunde, out / "Pruefbericht.xlsx",
                                     dateien=outcome.result.dateien, lauf_id=outcome.result.lauf_id))
    pdfs = pdf.to_pdf(books)
    return {"result": outcome.result, "books": books, "pdfs": pdfs, "base": tmp_path_factory.mktemp("ink")}


def _pdf(example: dict, prefix: str) -> Path:
    return next(p for p in example["pdfs"] if p.name.startswith(prefix))  # type: ignore[attr-defined]


def test_a_pdf_beside_each_workbook(example) -> None:
    books, pdfs = example["books"], example["pdfs"]
    assert [p.with_suffix(".xlsx") for p in pdfs] == books
    assert len(books) == 13  # the Abgleich, 11 Nachweise (Kreis, 8 towns, Bergkamen, Kamen, Bönen), a Prüfbericht
    assert all(p.stat().st_size > 0 for p in pdfs)


def test_confirmation_and_signature_on_one_page(example) -> None:
    nachweise = [p for p in example["pdfs"] if p.name.startswith("Verwendungsnachweis_")]
    assert len(nachweise) == 11
    for p in nachweise:
        pages = [pdf_text(p, i) for i in range(1, pdf_pages(p) + 1)]
        confirm = [i for i, t in enumerate(pages) if "Bestätigungen" in t and "Es wird bestätigt, dass" in t]
        assert confirm, p.name
        for i in confirm:  # every Nachweis sheet of the workbook (a hub holds those below it)
            assert "Rechtsverbindliche Unterschrift" in pages[i] and "Dienstsiegel" in pages[i], (p.name, i)
            assert "Ort, Datum" in pages[i] and "die Angaben mit den Büchern und Belegen übereinstimmen" in pages[i]


def test_kreis_nachweis_names_its_bescheid(example) -> None:
    text = pdf_text(_pdf(example, "Verwendungsnachweis_2023_Kreis_Unna"))
    assert "Zuwendungsbescheid vom 15.02.2023, Az. 36.04.01-KIM-2023-UN" in text
    assert "1.026.000,00 EUR" in text and "Bezirksregierung Arnsberg" in text
    assert "01.01.2023 – 31.12.2023" in text
    assert "III. Prüfung der Verwendungsnachweise der nachgeordneten Stellen (Nr. 12 VV zu § 44 LHO)" in text
    assert "Anlage: Verwendungsnachweis 2023 – Stadt Kamen" in text  # the checked Nachweise follow


def test_every_input_hash_is_printed_whole(example) -> None:
    hashes = [f.sha256 for f in example["result"].dateien]  # type: ignore[attr-defined]
    assert len(hashes) == 16  # the 16 workbooks of the example folder
    for prefix in ("Abgleich_", "Pruefbericht"):
        text = pdf_text(_pdf(example, prefix))
        missing = [h for h in hashes if h not in text]
        assert not missing, (prefix, missing)


def test_no_internal_jargon_in_any_pdf(example) -> None:
    for p in example["pdfs"]:
        hits = [m.group(0) for m in JARGON.finditer(pdf_text(p))]
        assert not hits, (p.name, hits[:5])


def test_no_page_is_a_sliver(example) -> None:
    """Each page carries real content: ink in at least 2 % of the body's rows and 15 % of its width."""
    for p in example["pdfs"]:
        for k, (rows, cols) in enumerate(page_ink(p, example["base"]), start=1):  # type: ignore[arg-type]
            assert rows >= 0.02 and cols >= 0.15, (p.name, k, round(rows, 3), round(cols, 3))


def test_words_and_amounts_in_german(example) -> None:
    text = pdf_text(_pdf(example, "Verwendungsnachweis_2023_Stadt_Kamen"))
    assert "57.000,00 €" in text and "Rückforderung" in text
    assert "Weiterleitungsvertrag mit Stadt Bergkamen" in text
    deck = pdf_text(_pdf(example, "Abgleich_"), 1)
    assert "KIM-Abgleich – Kreis Unna" in deck and "Stand des Kreises gegenüber der Bewilligungsbehörde" in deck


def test_missing_libreoffice_is_said_in_german(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    book = tmp_path / "a.xlsx"
    book.write_bytes(b"x")
    with pytest.raises(pdf.LibreOfficeFehlt, match="Für PDF-Dateien wird LibreOffice benötigt"):
        pdf.to_pdf([book])
    assert [p.name for p in tmp_path.iterdir()] == ["a.xlsx"]
