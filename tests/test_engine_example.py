from datetime import datetime

from engine_support import KREIS, LAND, edge, make_inputs, reconcile, unna_tables

from kimrecon.findings import Severity


def run(tables, month="2023-12", config=None):
    return reconcile(make_inputs(tables, config), month, lauf_id="t", zeitpunkt=datetime(2024, 1, 5, 12, 0))


def test_unna_2023_json_figures():
    res = run(unna_tables())
    errors = [str(f) for f in res.befunde if f.severity is Severity.FEHLER]
    assert errors == []
    land = edge(res, LAND, KREIS, 2023)
    assert (land.weiterleitung_cent, land.vzae_zugeteilt_e4) == (102_600_000, 180_000)
    berg = edge(res, KREIS, "Stadt Bergkamen", 2023)
    assert (berg.vzae_zugeteilt_e4, berg.weiterleitung_cent) == (25_000, 14_250_000)
    kamen = edge(res, "Stadt Bergkamen", "Stadt Kamen", 2023)
    assert (kamen.ausgezahlt_kumuliert_cent, kamen.foerderfaehig_kumuliert_cent, kamen.saldo_cent) == (
        5_700_000, 4_750_000, 950_000)
    # the Kamen refund travels up: Bergkamen's subtree is eligible 95.000 of 142.500 paid
    assert berg.foerderfaehig_kumuliert_cent == 13_300_000 and berg.saldo_cent == 950_000
    assert land.foerderfaehig_kumuliert_cent == 102_600_000 - 950_000 and land.saldo_cent == 950_000
    assert all(c.ok for c in res.erhaltung)
    assert res.status == "abweichungen"
    assert len(res.kanten) == 11


def test_month_matrix_adds_up():
    res = run(unna_tables())
    m = res.monate
    kamen = m[m["empfaenger"] == "Stadt Kamen"]
    assert kamen["foerderfaehig_cent"].tolist() == [0, 0] + [475_000] * 10
    assert kamen["foerderfaehig_kumuliert_cent"].iloc[-1] == 4_750_000
    assert kamen["saldo_kumuliert_cent"].iloc[-1] == 950_000
    assert list(m.columns)[:3] == ["empfaenger", "jahr", "monat"]


def test_cumulative_to_june():
    res = run(unna_tables(), "2023-06")
    kamen = edge(res, "Stadt Bergkamen", "Stadt Kamen", 2023)
    assert kamen.foerderfaehig_kumuliert_cent == 4 * 475_000
    assert kamen.ausgezahlt_kumuliert_cent == 2 * 1_425_000
    assert res.stichtag.isoformat() == "2023-06-30"
