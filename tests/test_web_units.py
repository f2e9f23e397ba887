"""Units of the web application: safe upload names, case ids, German formatting of records."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from kimrecon.findings import Code, Severity, SourceRef, finding
from kimrecon.result import Edge
from kimrecon.web import views
from kimrecon.web.storage import Store, slug
from kimrecon.web.uploads import UploadError, safe_name, stage_uploads


@pytest.mark.parametrize("name", ["Bescheid.xlsx", "Besetzung_Bönen_2023.xlsx", "Zahlungen (Kopie).xlsx"])
def test_plain_names_are_accepted(name: str) -> None:
    assert safe_name(name) == name


def test_names_are_normalised_to_nfc() -> None:
    decomposed = "Bo\u0308nen.xlsx"  # how macOS zips spell "Bönen"
    assert safe_name(decomposed) == "Bönen.xlsx"


@pytest.mark.parametrize(
    "name", ["../a.xlsx", "a/b.xlsx", "C:\\a.xlsx", "..", ".versteckt.xlsx", "a\x00.xlsx", "a\n.xlsx", "x" * 151, ""]
)
def test_unsafe_names_are_refused(name: str) -> None:
    with pytest.raises(UploadError):
        safe_name(name)


def test_case_ids_are_plain_ascii() -> None:
    assert slug("Kreis Unna 2023") == "kreis-unna-2023"
    assert slug("Stadt Fröndenberg/Ruhr") == "stadt-froendenberg-ruhr"
    assert slug("<script>") == "script"
    assert slug("###") == "fall"


def test_store_refuses_ids_that_are_paths(tmp_path: Path) -> None:
    store = Store(tmp_path)
    for fall in ("..", "../x", "a/b", "A", "", "x" * 65):
        assert store.case(fall) is None
    assert store.lock("a") is store.lock("a")
    assert store.lock("a") is not store.lock("b")


def test_a_refused_upload_removes_its_staging_folder(tmp_path: Path) -> None:
    staging = tmp_path / "neu"
    with pytest.raises(UploadError) as info:
        stage_uploads([("Leer.xlsx", io.BytesIO(b""))], staging)
    assert info.value.status == 422
    assert [b.code for b in info.value.befunde] == [Code.DATEI_UNLESBAR]
    assert not staging.exists()


def test_edge_table_formats_cents_and_vzae_the_german_way() -> None:
    edge = Edge(
        geber="Stadt Bergkamen", empfaenger="Stadt Kamen", jahr=2023, von=date(2023, 1, 1), bis=date(2023, 12, 31),
        vzae_zugeteilt_e4=10000,
        weiterleitung_cent=5_700_000, foerderfaehig_kumuliert_cent=4_750_000, ausgezahlt_kumuliert_cent=5_700_000,
        saldo_cent=950_000, nachweisfrist=date(2024, 3, 31),
    )
    table = views.record_table([edge])
    heads = [c.text for c in table.kopf]
    row = dict(zip(heads, (c.text for c in table.zeilen[0]), strict=True))
    assert row["Saldo"] == "9.500,00 €"
    assert row["VzÄ zugeteilt"] == "1"
    assert row["Art"] == "Rückforderung"  # a property of the record, shown too
    assert row["Nachweisfrist"] == "31.03.2024"
    # every further field of the record appears as a column, after the known ones
    assert heads[:3] == ["Geber", "Empfänger", "Jahr"]
    assert "Gezahlt (brutto)" in heads
    assert "Nachzahlung gekappt" in heads


def test_unknown_fields_get_a_label_from_their_name() -> None:
    assert views.label("prognose_jahresende_cent") == "Prognose jahresende"
    assert views.cell("prognose_jahresende_cent", -123456).text == "-1.234,56 €"


def test_findings_are_grouped_fehler_warnung_hinweis() -> None:
    hint = finding(Code.SPALTE_UNBEKANNT, SourceRef("a.xlsx", "Blatt", 4, "G"), severity=Severity.HINWEIS, spalte="X")
    error = finding(Code.WERT_FEHLT, SourceRef("b.xlsx", "Zahlungen", 5, "D"), spalte="Betrag")
    groups = views.findings_groups([hint, error])
    assert [g for g, _ in groups] == ["Fehler", "Hinweis"]
    assert views.place(error) == "b.xlsx › Zahlungen › D5"
    assert views.findings_counts([hint, error]) == "1 Fehler, 0 Warnungen, 1 Hinweis"
