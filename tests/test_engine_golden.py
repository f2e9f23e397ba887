"""Runs every golden case in tests/golden/*.yaml: inputs and expected euros as readable data."""

from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from engine_support import deadlines, make_inputs, reconcile
from golden_support import write_case

from kimrecon import engine
from kimrecon.money import format_cents, format_vzae
from kimrecon.pipeline import prepare

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
    "art": lambda e: e.art.value,
    "gekappt": lambda e: e.nachzahlung_gekappt,
    "zahlungsplan_kumuliert": lambda e: format_cents(e.zahlungsplan_kumuliert_cent),
    "zahlungsabweichung": lambda e: format_cents(e.zahlungsabweichung_cent),
    "prognose_foerderfaehig": lambda e: format_cents(e.prognose_foerderfaehig_cent),
    "prognose_saldo": lambda e: format_cents(e.prognose_saldo_cent),
    "jahr_abgeschlossen": lambda e: e.jahr_abgeschlossen,
    "besetzung_fehlt": lambda e: e.besetzung_fehlt,
    "mittelabruf": lambda e: e.mittelabruf,
    "von": lambda e: e.von.strftime("%d.%m.%Y"),
    "bis": lambda e: e.bis.strftime("%d.%m.%Y"),
}
EDGE_KEYS = {"geber", "empfaenger", "jahr"} | set(EDGE_FIELDS)

# Every key a golden file may use; an unknown key (a typo) fails the case instead of being skipped.
CASE_KEYS = {"beschreibung", "eingaben", "config", "laeufe", "fristen"}
RUN_KEYS = {"monat", "erwartet"}
WANT_KEYS = {"befunde", "status", "kanten", "anzahl_kanten", "monate", "foerderfaehig_monate", "zinsen",
             "zwischenzinsen", "anzahl_zwischenzinsen", "verrechnung", "erhaltung", "rueckforderungsvorschlaege"}


def _strict(case: dict, name: str) -> None:
    assert set(case) <= CASE_KEYS, f"{name}: unknown keys {set(case) - CASE_KEYS}"
    for lauf in case["laeufe"]:
        assert set(lauf) <= RUN_KEYS, f"{name}: unknown run keys {set(lauf) - RUN_KEYS}"
        want = lauf["erwartet"]
        assert set(want) <= WANT_KEYS, f"{name}: unknown expectation keys {set(want) - WANT_KEYS}"
        for exp in want.get("kanten", []):
            assert set(exp) <= EDGE_KEYS, f"{name}: unknown edge keys {set(exp) - EDGE_KEYS}"


def _check_run(case: dict, lauf: dict, folder: Path | None = None) -> None:
    if folder is None:
        inputs = make_inputs(case["eingaben"], case.get("config"))
        res = reconcile(inputs, str(lauf["monat"]), lauf_id="golden", zeitpunkt=datetime(2024, 1, 1))
    else:  # through the real reader, from the workbooks the test wrote
        inputs, params = prepare([folder], domain=False)
        assert params is not None, [str(f) for f in inputs.findings]
        res = engine.reconcile(inputs, str(lauf["monat"]), params=params, lauf_id="golden",
                               zeitpunkt=datetime(2024, 1, 1))
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
        if "perioden" in exp:  # noqa: SIM102 - expectations name what they check
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
    if "rueckforderungsvorschlaege" in want:
        got = [{"glaeubiger": c.glaeubiger, "schuldner": c.schuldner, "jahr": c.jahr,
                "betrag": format_cents(c.betrag_cent)} for c in res.rueckforderungsvorschlaege]
        assert got == want["rueckforderungsvorschlaege"]
    for exp in want.get("erhaltung", []):
        check = next(c for c in res.erhaltung if c.knoten == exp["knoten"] and c.jahr == exp["jahr"])
        assert check.ok == exp["ok"]
        assert format_cents(check.erhalten_cent) == exp["erhalten"]
        assert format_cents(check.weitergeleitet_cent + check.eigenanteil_cent) == exp["aus"]


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden(path: Path) -> None:
    case = _load(path)
    _strict(case, path.stem)
    for lauf in case["laeufe"]:
        _check_run(case, lauf)
    for exp in case.get("fristen", []):
        got = deadlines(make_inputs(case["eingaben"], case.get("config")), _d(exp["am"]))
        listed = [{"geber": d.geber, "empfaenger": d.empfaenger, "jahr": d.jahr, "frist": d.frist.strftime("%d.%m.%Y"),
                   "status": d.status.value} for d in got]
        assert listed == exp["liste"]


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_through_the_reader(path: Path, tmp_path: Path) -> None:
    """The same expectations from workbooks written like a clerk's and read by the real reader."""
    case = _load(path)
    folder = write_case(case["eingaben"], case.get("config"), tmp_path / path.stem)
    for lauf in case["laeufe"]:
        _check_run(case, lauf, folder)


def test_a_golden_file_with_an_unknown_key_fails() -> None:
    case = _load(GOLDEN[0])
    case["laeufe"][0]["erwartet"]["kanten"] = [{"geber": "A", "empfaenger": "B", "jahr": 2023, "saldoo": "0.00"}]
    with pytest.raises(AssertionError, match="unknown edge keys"):
        _strict(case, "tippfehler")
    case["laeufe"][0]["erwartet"] = {"stauts": "ok"}
    with pytest.raises(AssertionError, match="unknown expectation keys"):
        _strict(case, "tippfehler")


def test_there_are_golden_cases() -> None:
    assert len(GOLDEN) >= 12
