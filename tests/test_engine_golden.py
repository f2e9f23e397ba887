"""Runs every golden case in tests/golden/*.yaml: inputs and expected euros as readable data."""

from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from engine_support import deadlines, make_inputs, reconcile

from kimrecon.money import format_cents, format_vzae

GOLDEN = sorted((Path(__file__).parent / "golden").glob("*.yaml"))


def _load(path: Path) -> dict:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _d(value) -> date:
    if isinstance(value, date):
        return value
    d, m, y = str(value).split(".")
    return date(int(y), int(m), int(d))


EDGE_FIELDS = {
    "vzae": lambda e: format_vzae(e.vzae_zugeteilt_e4),
    "weiterleitung": lambda e: format_cents(e.weiterleitung_cent),
    "foerderfaehig": lambda e: format_cents(e.foerderfaehig_kumuliert_cent),
    "foerderfaehig_eigen": lambda e: format_cents(e.foerderfaehig_eigen_kumuliert_cent),
    "ausgezahlt": lambda e: format_cents(e.ausgezahlt_kumuliert_cent),
    "gezahlt_brutto": lambda e: format_cents(e.gezahlt_brutto_cent),
    "zurueckgezahlt": lambda e: format_cents(e.zurueckgezahlt_cent),
    "saldo": lambda e: format_cents(e.saldo_cent),
    "art": lambda e: e.art,
    "gekappt": lambda e: e.nachzahlung_gekappt,
}


def _check_run(case: dict, lauf: dict) -> None:
    inputs = make_inputs(case["eingaben"], case.get("config"))
    res = reconcile(inputs, str(lauf["monat"]), lauf_id="golden", zeitpunkt=datetime(2024, 1, 1))
    want = lauf["erwartet"]
    codes = sorted(f.code.value for f in res.befunde)
    if "befunde" in want:
        assert codes == sorted(want["befunde"]), [str(f) for f in res.befunde]
    if "status" in want:
        assert res.status == want["status"], [str(f) for f in res.befunde]
    for exp in want.get("kanten", []):
        found = [e for e in res.kanten if (e.geber, e.empfaenger, e.jahr) == (exp["geber"], exp["empfaenger"],
                                                                             exp["jahr"])]
        assert found, f"edge {exp['geber']} → {exp['empfaenger']} {exp['jahr']} missing: {res.kanten}"
        for key, value in exp.items():
            if key in EDGE_FIELDS:
                assert EDGE_FIELDS[key](found[0]) == value, (exp, key, found[0])
    if "anzahl_kanten" in want:
        assert len(res.kanten) == want["anzahl_kanten"]
    for exp in want.get("monate", []):
        m = res.monate
        row = m[(m["empfaenger"] == exp["empfaenger"]) & (m["jahr"] == exp["jahr"]) & (m["monat"] == exp["monat"])]
        assert len(row) == 1, exp
        for key, value in exp.items():
            if key.endswith("_cent"):
                assert format_cents(int(row[key].iloc[0])) == value, (exp, key)
            elif key.endswith("_e4"):
                assert format_vzae(int(row[key].iloc[0])) == value, (exp, key)
    if "foerderfaehig_monate" in want:
        spec = want["foerderfaehig_monate"]
        m = res.monate
        rows = m[(m["empfaenger"] == spec["empfaenger"]) & (m["jahr"] == spec["jahr"])]
        assert [format_cents(int(v)) for v in rows["foerderfaehig_cent"]] == spec["werte"]
    for exp in want.get("zinsen", []):
        claim = next(c for c in res.zinsen if c.forderung_id == exp["forderung_id"])
        assert format_cents(claim.zinsbetrag_cent) == exp["zinsbetrag"]
        if "tage" in exp:
            assert claim.tage == exp["tage"]
        if "perioden" in exp:
            got = [{"von": p.von.strftime("%d.%m.%Y"), "bis": p.bis.strftime("%d.%m.%Y"), "tage": p.tage,
                    "basiszins": str(p.basiszins), "aufschlag": str(p.aufschlag), "betrag": format_cents(p.betrag_cent)}
                   for p in claim.perioden]
            assert got == exp["perioden"]
    for exp in want.get("zwischenzinsen", []):
        risk = [r for r in res.zwischenzinsen if r.empfaenger == exp["empfaenger"]
                and r.zahlung_datum == _d(exp["zahlung_datum"])]
        assert len(risk) == 1, res.zwischenzinsen
        assert format_cents(risk[0].ungenutzt_cent) == exp["ungenutzt"]
        assert risk[0].tage == exp["tage"]
        assert format_cents(risk[0].zinsbetrag_cent) == exp["zinsbetrag"]
    if "anzahl_zwischenzinsen" in want:
        assert len(res.zwischenzinsen) == want["anzahl_zwischenzinsen"]
    for exp in want.get("verrechnung", []):
        row = next(r for r in res.verrechnung if r.empfaenger == exp["empfaenger"] and r.jahr == exp["jahr"])
        assert format_cents(row.saldo_brutto_cent) == exp["brutto"]
        assert format_cents(row.saldo_netto_cent) == exp["netto"]
    for exp in want.get("erhaltung", []):
        check = next(c for c in res.erhaltung if c.knoten == exp["knoten"] and c.jahr == exp["jahr"])
        assert check.ok == exp["ok"]
        assert format_cents(check.erhalten_cent) == exp["erhalten"]
        assert format_cents(check.weitergeleitet_cent + check.eigenanteil_cent) == exp["aus"]


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden(path: Path) -> None:
    case = _load(path)
    for lauf in case["laeufe"]:
        _check_run(case, lauf)
    for exp in case.get("fristen", []):
        got = deadlines(make_inputs(case["eingaben"], case.get("config")), _d(exp["am"]))
        listed = [{"geber": d.geber, "empfaenger": d.empfaenger, "jahr": d.jahr, "frist": d.frist.strftime("%d.%m.%Y"),
                   "status": d.status} for d in got]
        assert listed == exp["liste"]


def test_there_are_golden_cases() -> None:
    assert len(GOLDEN) >= 12
