"""Ledger runs: identical re-runs are repeats; a corrected staffing sheet gives exactly the expected corrections."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields, replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from ledger_support import (
    BACKENDS,
    BOENEN,
    HUB,
    KAMEN,
    KREIS,
    all_rows,
    ledger_db,
    make_result,
    table_counts,
    with_corrections,
)

from kimrecon.ledger import LedgerError, open_ledger
from kimrecon.ledger.records import StoredEdge
from kimrecon.result import Correction

CHILD_TABLES = ("eingabedatei", "parameter", "befund", "kante", "monatswert")


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from ledger_db(request.param, tmp_path)


def test_identical_rerun_is_a_repeat_with_identical_results(url: str) -> None:
    with open_ledger(url, None) as ledger:
        first = make_result("2023-12-a", "2023-12", zeitpunkt=datetime(2024, 1, 5, 9, 0, tzinfo=UTC))
        assert ledger.find_repeat(first) is None
        ledger.record(with_corrections(ledger, first))

        again = make_result("2023-12-b", "2023-12", zeitpunkt=datetime(2024, 1, 6, 9, 0, tzinfo=UTC))
        assert ledger.find_repeat(again) == "2023-12-a"
        assert ledger.corrections(again) == ()
        ledger.record(with_corrections(ledger, again))

        # a third identical run still points at the original run
        third = make_result("2023-12-c", "2023-12")
        assert ledger.find_repeat(third) == "2023-12-a"
        ledger.record(third)

        runs = ledger.runs()
        assert [(r.lauf_id, r.wiederholung_von, r.korrekturen) for r in runs] == [
            ("2023-12-a", None, 0),
            ("2023-12-b", "2023-12-a", 0),
            ("2023-12-c", "2023-12-a", 0),
        ]
        assert runs[0].zeitpunkt == datetime(2024, 1, 5, 9, 0, tzinfo=UTC)
        assert (runs[1].dateien, runs[1].fehler, runs[1].hinweise, runs[1].status) == (3, 0, 1, "abweichungen")

        a, b = ledger.run("2023-12-a"), ledger.run("2023-12-b")
        assert a is not None and b is not None
        # identical results, round-tripped exactly (the ledger keeps each edge's figures, not its period)
        kept = tuple(StoredEdge(**{f.name: getattr(e, f.name) for f in fields(StoredEdge)}) for e in first.kanten)
        assert a.kanten == b.kanten == kept
        assert a.monate == b.monate
        assert a.parameter == first.parameter
        assert a.dateien == b.dateien
    for table in CHILD_TABLES:
        assert all_rows(url, table, "2023-12-a") == all_rows(url, table, "2023-12-b"), table


def test_recorded_figures_are_exact(url: str) -> None:
    with open_ledger(url, None) as ledger:
        ledger.record(make_result("L1", "2023-03", "B"))
        detail = ledger.run("L1")
    assert detail is not None
    kamen = {m.monat: m for m in detail.monate if m.empfaenger == KAMEN}
    assert [kamen[m].foerderfaehig_kumuliert_cent for m in (1, 2, 3)] == [0, 0, 475_000]
    assert [kamen[m].ausgezahlt_kumuliert_cent for m in (1, 2, 3)] == [1_425_000] * 3
    assert {m.geber for m in detail.monate if m.empfaenger == KAMEN} == {HUB}
    assert {m.geber for m in detail.monate if m.empfaenger == HUB} == {KREIS}
    edge = next(e for e in detail.kanten if e.empfaenger == KAMEN)
    assert (edge.foerderfaehig_kumuliert_cent, edge.ausgezahlt_kumuliert_cent, edge.saldo_cent) == (
        475_000,
        1_425_000,
        950_000,
    )
    assert edge.nachweisfrist == date(2024, 3, 31)
    assert [(b.code, b.schwere, b.datei, b.blatt, b.zelle) for b in detail.befunde] == [
        ("spalte_unbekannt", "Hinweis", "besetzung.xlsx", "Besetzung", "H3")
    ]
    assert detail.befunde[0].meldung == "Die Spalte „Bemerkung“ ist unbekannt und wird nicht ausgewertet."
    assert [(f.name, f.blaetter) for f in detail.dateien] == [
        ("zuweisung_2023.xlsx", ("Zuweisung", "Bescheid")),
        ("besetzung_B.xlsx", ("Besetzung",)),
        ("zahlungen.xlsx", ("Zahlungen",)),
    ]


def test_corrected_staffing_sheet_gives_exactly_the_expected_corrections(url: str) -> None:
    with open_ledger(url, None) as ledger:
        ledger.record(with_corrections(ledger, make_result("L-03", "2023-03", "A")))
        # the April run brings a corrected staffing sheet: Kamen's post was vacant in Jan and Feb
        april = with_corrections(ledger, make_result("L-04", "2023-04", "B"))
        ledger.record(april)
        detail = ledger.run("L-04")

    def c(geber: str, empf: str, monat: str, kz: str, alt: int, neu: int) -> Correction:
        return Correction(geber, empf, 2023, monat, kz, alt, neu, "L-03")

    expected = (
        # the hub's balance is against its whole subtree (R5), so it moves with Kamen
        c(KREIS, HUB, "2023-01", "saldo_kumuliert", 2_375_000, 2_850_000),
        c(KREIS, HUB, "2023-02", "saldo_kumuliert", 1_187_500, 2_137_500),
        c(KREIS, HUB, "2023-03", "saldo_kumuliert", 0, 950_000),
        c(HUB, KAMEN, "2023-01", "foerderfaehig_kumuliert", 475_000, 0),
        c(HUB, KAMEN, "2023-01", "saldo_kumuliert", 950_000, 1_425_000),
        c(HUB, KAMEN, "2023-02", "foerderfaehig_kumuliert", 950_000, 0),
        c(HUB, KAMEN, "2023-02", "saldo_kumuliert", 475_000, 1_425_000),
        c(HUB, KAMEN, "2023-03", "foerderfaehig_kumuliert", 1_425_000, 475_000),
        c(HUB, KAMEN, "2023-03", "saldo_kumuliert", 0, 950_000),
    )
    assert april.korrekturen == expected
    assert [x.differenz_cent for x in expected[3:5]] == [-475_000, 475_000]
    assert detail is not None and detail.korrekturen == expected
    assert detail.lauf.wiederholung_von is None and detail.lauf.korrekturen == 9


def test_corrections_compare_with_the_latest_run_that_recorded_the_month(url: str) -> None:
    with open_ledger(url, None) as ledger:
        ledger.record(make_result("L-03", "2023-03", "A"))
        ledger.record(with_corrections(ledger, make_result("L-04", "2023-04", "B")))
        # May with the same staffing as April: nothing changed since April, so no correction again
        may = with_corrections(ledger, make_result("L-05", "2023-05", "B"))
        assert may.korrekturen == ()
        ledger.record(may)
        # a late payment of 1.000,00 € to Kamen booked in January shows from January on, against L-05
        june = with_corrections(ledger, make_result("L-06", "2023-06", "B", late_payment_cent=100_000))
    changed = {(x.empfaenger, x.monat, x.kennzahl, x.differenz_cent, x.frueherer_lauf) for x in june.korrekturen}
    assert changed == {
        (KAMEN, f"2023-0{m}", kz, 100_000, "L-05")
        for m in range(1, 6)
        for kz in ("ausgezahlt_kumuliert", "saldo_kumuliert")
    }
    assert not any(x.empfaenger == BOENEN for x in june.korrekturen)


def test_changed_parameter_is_not_a_repeat(url: str) -> None:
    with open_ledger(url, None) as ledger:
        ledger.record(make_result("L1", "2023-12"))
        assert ledger.find_repeat(make_result("L2", "2023-12", tarifstunden="40")) is None
        assert ledger.find_repeat(make_result("L2", "2023-12", modus="tagesprinzip")) is None
        # where a value came from does not change the result: still a repeat
        assert ledger.find_repeat(make_result("L2", "2023-12", parameter_note=" (Kopie)")) == "L1"
        assert ledger.find_repeat(make_result("L2", "2023-11")) is None  # other month
        assert ledger.find_repeat(make_result("L2", "2023-12", fall="Kreis Soest")) is None  # other case
        assert ledger.find_repeat(make_result("L2", "2023-12")) == "L1"


def test_change_back_is_not_a_repeat_of_the_first_run(url: str) -> None:
    with open_ledger(url, None) as ledger:
        ledger.record(make_result("L1", "2023-03", "A"))
        ledger.record(with_corrections(ledger, make_result("L2", "2023-03", "B")))
        back = make_result("L3", "2023-03", "A")
        assert ledger.find_repeat(back) is None
        corr = ledger.corrections(back)
    assert len(corr) == 9 and {x.frueherer_lauf for x in corr} == {"L2"}


def test_failed_publish_rolls_back_and_duplicate_id_is_refused(url: str) -> None:
    with open_ledger(url, None) as ledger:
        ledger.record(make_result("L1", "2023-03"))
        before = table_counts(url)

        def publish() -> None:
            raise OSError("Ausgabeordner schreibgeschützt")

        with pytest.raises(OSError, match="schreibgeschützt"):
            ledger.record(make_result("L2", "2023-04", "B"), publish)
        assert table_counts(url) == before
        with pytest.raises(LedgerError, match="bereits im Laufbuch"):
            ledger.record(replace(make_result("L1", "2023-04")))
        assert table_counts(url) == before
        assert [r.lauf_id for r in ledger.runs()] == ["L1"]


def test_runs_filter_by_month(url: str) -> None:
    with open_ledger(url, None) as ledger:
        for lid, monat in (("L1", "2023-03"), ("L2", "2023-04"), ("L3", "2023-03")):
            ledger.record(make_result(lid, monat, "B" if lid == "L3" else "A"))
        assert [r.lauf_id for r in ledger.runs("2023-03")] == ["L1", "L3"]
        assert [r.lauf_id for r in ledger.runs("2024-01")] == []
        assert ledger.run("gibt-es-nicht") is None
