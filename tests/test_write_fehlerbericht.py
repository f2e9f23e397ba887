"""Fehlerbericht workbook: one sorted row per finding, inert values, determinism, atomic write."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from write_support import INJECT_DDE, INJECT_LINK, build_result

from kimrecon.findings import Code, SourceRef, finding
from kimrecon.write import fehlerbericht
from kimrecon.write.fehlerbericht import write_fehlerbericht

FINDINGS = (
    finding(Code.ZUTEILUNG_UNTER_MINIMUM, SourceRef("zuweisung_2023.xlsx", "Zuweisung", 14, "C"), value="0,38",
            wert="0,38", minimum="0,5"),
    finding(Code.ZAHL_UNGUELTIG, SourceRef("zahlungen.xlsx", "Zahlungen", 7, "AA"), value=INJECT_DDE,
            wert=INJECT_DDE, spalte="Betrag"),
    finding(Code.ZAHL_UNGUELTIG, SourceRef("zahlungen.xlsx", "Zahlungen", 7, "D"), value=INJECT_LINK,
            wert=INJECT_LINK, spalte="Betrag"),
    finding(Code.BLATT_FEHLT, None, art="Bescheid"),
)


def test_rows_sorted_by_file_sheet_cell(tmp_path: Path) -> None:
    path = write_fehlerbericht(FINDINGS, tmp_path / "Fehlerbericht.xlsx", dateien=build_result().dateien)
    wb = openpyxl.load_workbook(path)
    ws = wb["Fehlerbericht"]
    assert wb.sheetnames == ["Fehlerbericht", "Dateien"]
    assert [c.value for c in ws[4]] == ["Nr.", "Datei", "Blatt", "Zelle", "Code", "Schwere",
                                        "Meldung (was ist zu tun)", "Wert (unverändert, als Text)"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=5, max_row=8)]
    assert [r[1:6] for r in rows] == [
        ["zahlungen.xlsx", "Zahlungen", "D7", "zahl_ungueltig", "Fehler"],
        ["zahlungen.xlsx", "Zahlungen", "AA7", "zahl_ungueltig", "Fehler"],
        ["zuweisung_2023.xlsx", "Zuweisung", "C14", "zuteilung_unter_minimum", "Fehler"],
        [None, None, None, "blatt_fehlt", "Fehler"],
    ]
    assert ws["A1"].value == "Fehlerbericht: zurückgewiesene Eingaben"
    assert rows[2][6] == (
        "„0,38“ VzÄ: eine Zuteilung muss 0 oder mindestens 0,5 VzÄ sein. "
        "Bitte auf 0 setzen (Verzicht) oder auf mindestens 0,5 VzÄ erhöhen."
    )
    assert rows[0][7] == INJECT_LINK and ws["H5"].data_type == "s"
    assert rows[1][7] == INJECT_DDE and ws["H6"].data_type == "s"
    assert ws["G5"].value.startswith(f"„{INJECT_LINK}“ ist keine gültige Zahl") and ws["G5"].data_type == "s"
    assert ws["A2"].value.startswith("4 Befunde (4 Fehler). Bitte die genannten Zellen korrigieren")
    assert ws.freeze_panes == "B5"
    assert wb["Dateien"]["B4"].value == "a" * 64  # the whole hash, in a wrapped monospace cell


def test_deterministic_and_empty(tmp_path: Path) -> None:
    a = write_fehlerbericht(FINDINGS, tmp_path / "a.xlsx")
    b = write_fehlerbericht(tuple(reversed(FINDINGS)), tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()
    e = write_fehlerbericht((), tmp_path / "e.xlsx")
    assert openpyxl.load_workbook(e)["Prüfbericht"]["A5"].value == "Keine Befunde."


def test_title_and_counts_fit_what_it_holds(tmp_path: Path) -> None:
    from kimrecon.findings import Severity

    hint = finding(Code.SPALTE_UNBEKANNT, SourceRef("a.xlsx", "Besetzung", 3, "F"), severity=Severity.HINWEIS,
                   spalte="Bemerkung")
    one = openpyxl.load_workbook(write_fehlerbericht((hint,), tmp_path / "h.xlsx"))
    assert one.sheetnames == ["Prüfbericht"]  # no Fehler: nothing was rejected
    ws = one["Prüfbericht"]
    assert ws["A1"].value == "Prüfbericht: Befunde der Prüfung" and ws["A2"].value == "1 Befund (1 Hinweis)."
    mixed = openpyxl.load_workbook(write_fehlerbericht((hint, hint, FINDINGS[0]), tmp_path / "m.xlsx"))["Fehlerbericht"]
    assert mixed["A2"].value.startswith("3 Befunde (1 Fehler, 2 Hinweise).")
    assert [mixed[f"F{r}"].value for r in (5, 6, 7)] == ["Fehler", "Hinweis", "Hinweis"]  # Fehler first


def test_streamed_large_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fehlerbericht, "STREAM_THRESHOLD", 1)
    many = FINDINGS * 50
    path = write_fehlerbericht(many, tmp_path / "gross.xlsx")
    ws = openpyxl.load_workbook(path)["Fehlerbericht"]
    assert ws.max_row == 4 + len(many)
    assert ws.auto_filter.ref == f"A4:H{4 + len(many)}"


def test_atomic_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "Fehlerbericht.xlsx"
    target.write_bytes(b"old")

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("no space")

    monkeypatch.setattr(fehlerbericht.xlsx, "write_detail", boom)
    with pytest.raises(OSError):
        write_fehlerbericht(FINDINGS, target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["Fehlerbericht.xlsx"]
