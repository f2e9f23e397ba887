"""German text of `kimrecon history` and `kimrecon history --run ID`."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest
from ledger_support import HUB, KAMEN, KREIS

from kimrecon.ledger import RunDetail, RunSummary, StoredFile, StoredFinding, render_history, render_run
from kimrecon.ledger.records import StoredEdge
from kimrecon.result import Correction, Parameter


@pytest.fixture(autouse=True)
def berlin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def summary(lauf_id: str, repeat: str | None = None, korrekturen: int = 0) -> RunSummary:
    return RunSummary(
        lauf_id=lauf_id,
        zeitpunkt=datetime(2024, 1, 5, 8, 30, tzinfo=UTC),
        monat="2023-12",
        version="0.1.0",
        fall="Kreis Unna 2023",
        modus="monatsprinzip",
        status="abweichungen",
        wiederholung_von=repeat,
        dateien=3,
        fehler=0,
        hinweise=1,
        korrekturen=korrekturen,
    )


def test_history_table() -> None:
    text = render_history([summary("L1", korrekturen=9), summary("L2", repeat="L1")])
    assert text.splitlines() == [
        "Lauf-ID  Zeitpunkt            Monat    Fall             Status        Dateien  Fehler  Hinweise"
        "  Korrekturen  Wiederholung von",
        "-------  -------------------  -------  ---------------  ------------  -------  ------  --------"
        "  -----------  ----------------",
        "L1       05.01.2024 09:30:00  2023-12  Kreis Unna 2023  abweichungen        3       0         1"
        "            9  –",
        "L2       05.01.2024 09:30:00  2023-12  Kreis Unna 2023  abweichungen        3       0         1"
        "            0  L1",
        "",
        "2 Läufe",
    ]
    assert render_history([]) == "Das Laufbuch enthält keine Läufe."


def test_run_detail_text() -> None:
    detail = RunDetail(
        lauf=summary("L2", korrekturen=1),
        dateien=(StoredFile("besetzung.xlsx", 12345, "ab" * 32, ("Besetzung", "Hinweise")),),
        parameter=(Parameter("pauschale_je_vzae", "57000.00", date(2023, 1, 1), "Bescheid 15.02.2023"),),
        befunde=(StoredFinding("spalte_unbekannt", "Hinweis", "besetzung.xlsx", "Besetzung", "H3", "Die Spalte …"),),
        kanten=(StoredEdge(HUB, KAMEN, 2023, 10_000, 5_700_000, 4_750_000, 5_700_000, 950_000, 5_700_000, 0, 4_750_000,
                           False, None),),
        monate=(),
        korrekturen=(Correction(KREIS, HUB, 2023, "2023-03", "foerderfaehig_kumuliert", 1_425_000, 475_000, "L1"),),
    )
    lines = render_run(detail).splitlines()
    assert lines[0] == "Lauf L2"
    assert "  Zeitpunkt:         05.01.2024 09:30:00" in lines
    assert "  Wiederholung von:  – (kein Wiederholungslauf)" in lines
    assert "  pauschale_je_vzae  57000.00  01.01.2023  Bescheid 15.02.2023" in lines
    assert f"  besetzung.xlsx         12.345  {'ab' * 32}  Besetzung, Hinweise" in lines
    assert "  Hinweis  besetzung.xlsx › Besetzung › H3  spalte_unbekannt  Die Spalte …" in lines
    assert (
        "  Stadt Bergkamen → Stadt Kamen  2023    1    57.000,00 €  47.500,00 €  57.000,00 €  9.500,00 €  Rückforderung"
        in lines
    )
    assert "Rückwirkende Korrekturen (1)" in lines
    assert (
        "  Kreis Unna → Stadt Bergkamen  2023-03  Förderfähig kumuliert  14.250,00 €  4.750,00 €  -9.500,00 €  L1"
        in lines
    )
