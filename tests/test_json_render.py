"""The JSON of a run renders the Result and computes nothing: every figure equals the Result's value."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from golden_support import write_case

from kimrecon import engine
from kimrecon.money import format_cents, format_vzae
from kimrecon.pipeline import prepare
from kimrecon.resources import example_case
from kimrecon.result import Result
from kimrecon.write.json_out import dumps, result_json

GOLDEN = Path(__file__).parent / "golden"

EDGE_MONEY = {
    "weiterleitung": "weiterleitung_cent", "foerderfaehig_kumuliert": "foerderfaehig_kumuliert_cent",
    "foerderfaehig_eigen_kumuliert": "foerderfaehig_eigen_kumuliert_cent",
    "ausgezahlt_kumuliert": "ausgezahlt_kumuliert_cent", "gezahlt_brutto": "gezahlt_brutto_cent",
    "zurueckgezahlt": "zurueckgezahlt_cent", "saldo": "saldo_cent",
    "zahlungsplan_kumuliert": "zahlungsplan_kumuliert_cent", "zahlungsabweichung": "zahlungsabweichung_cent",
    "prognose_foerderfaehig": "prognose_foerderfaehig_cent", "prognose_saldo": "prognose_saldo_cent",
}
EDGE_PLAIN = {"geber", "empfaenger", "jahr", "jahr_abgeschlossen", "zahlungsplan", "besetzung_fehlt",
              "nachzahlung_gekappt", "mittelabruf", "vertrag"}


def _run(folder: Path, month: str) -> Result:
    inputs, params = prepare([folder], domain=False)
    assert params is not None
    return engine.reconcile(inputs, month, params=params, lauf_id="json", zeitpunkt=datetime(2024, 1, 1),
                            fall=folder.name)


def _walk(result: Result) -> None:
    obj = json.loads(dumps(result_json(result)))
    assert (obj["monat"], obj["status"], obj["stichtag"]) == (str(result.monat), result.status.value,
                                                               result.stichtag.isoformat())
    assert len(obj["kanten"]) == len(result.kanten)
    for got, e in zip(obj["kanten"], result.kanten, strict=True):
        for key, attr in EDGE_MONEY.items():
            assert got[key] == format_cents(getattr(e, attr)), (key, e)
        for key in EDGE_PLAIN:
            assert got[key] == getattr(e, key), key
        assert got["vzae_zugeteilt"] == format_vzae(e.vzae_zugeteilt_e4)
        assert got["art"] == e.art.value
        assert (got["von"], got["bis"]) == (e.von.isoformat(), e.bis.isoformat())
        assert got["nachweisfrist"] == (e.nachweisfrist.isoformat() if e.nachweisfrist else None)
        # nothing beyond the Result's fields: the renderer adds no figure of its own
        assert set(got) == set(EDGE_MONEY) | EDGE_PLAIN | {"vzae_zugeteilt", "art", "von", "bis", "nachweisfrist"}
    assert [(z["betrag"], z["wirkung"], z["nach_stichtag"]) for z in obj["zahlungen"]] == [
        (format_cents(z.betrag_cent), z.kind.value, z.nach_stichtag) for z in result.zahlungen]
    assert [z["zinsbetrag"] for z in obj["zinsen"]] == [format_cents(z.zinsbetrag_cent) for z in result.zinsen]
    assert [w["zinsbetrag"] for w in obj["zwischenzinsen"]] == [
        format_cents(w.zinsbetrag_cent) for w in result.zwischenzinsen]
    assert [(f["frist"], f["status"], f["tage"]) for f in obj["fristen"]] == [
        (d.frist.isoformat(), d.status.value, d.tage_bis) for d in result.fristen]
    assert [(p["name"], p["wert"]) for p in obj["parameter"]] == [(p.name, p.wert) for p in result.parameter]
    assert [a["eigenanteil"] for a in obj["zuteilungen"]] == [format_cents(a.eigen_cent) for a in result.zuteilungen]
    assert [b["aktenzeichen"] for b in obj["bescheide"]] == [g.aktenzeichen for g in result.bescheide]
    assert len(obj["befunde"]) == len(result.befunde)


@pytest.mark.parametrize("month", ["2023-04", "2023-12"])
def test_example_json_equals_the_result(month: str) -> None:
    _walk(_run(example_case(), month))


@pytest.mark.parametrize("name", ["zahlungsrueckstand_quartal", "zwischenzinsen_zwei_monate"])
def test_golden_json_equals_the_result(name: str, tmp_path: Path) -> None:
    case = yaml.safe_load((GOLDEN / f"{name}.yaml").read_text(encoding="utf-8"))
    folder = write_case(case["eingaben"], case.get("config"), tmp_path / name)
    for lauf in case["laeufe"]:
        _walk(_run(folder, str(lauf["monat"])))


def test_open_year_never_says_rueckforderung_without_voraussichtlich() -> None:
    obj = result_json(_run(example_case(), "2023-04"))
    words = {e["art"] for e in obj["kanten"]}
    # Kamen (vacant Jan–Feb) and the edges above it: forecast 57.000 × 10/12 = 47.500 against 57.000 planned
    assert words == {"planmäßig", "voraussichtliche Rückforderung"}
    kamen = next(e for e in obj["kanten"] if e["empfaenger"] == "Stadt Kamen")
    luenen = next(e for e in obj["kanten"] if e["empfaenger"] == "Stadt Lünen")
    assert (kamen["prognose_saldo"], luenen["prognose_saldo"]) == ("9500.00", "0.00")
    assert all(e["zahlungsabweichung"] == "0.00" and e["jahr_abgeschlossen"] is False for e in obj["kanten"])
    assert [e["prognose_saldo"] for e in obj["kanten"] if e["empfaenger"] in ("Kreis Unna", "Stadt Bergkamen")] == [
        "9500.00", "9500.00"]
    closed = result_json(_run(example_case(), "2023-12"))
    kamen = next(e for e in closed["kanten"] if e["empfaenger"] == "Stadt Kamen")
    assert (kamen["saldo"], kamen["art"], kamen["jahr_abgeschlossen"]) == ("9500.00", "Rückforderung", True)
