"""Renderers only render: every figure of the Kanten sheet and of each Verwendungsnachweis equals the Result's value.

The walk covers the bundled example (through the pipeline) and two golden cases (through the engine),
including the half-year Bescheid whose period must reach both workbooks unchanged. Each cached value
is compared with a Result field, never with numbers the writer computed.
"""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from engine_support import make_inputs, reconcile

from kimrecon.pipeline import reconcile_case
from kimrecon.resources import example_case
from kimrecon.result import Edge, Result
from kimrecon.write.abgleich import write_abgleich
from kimrecon.write.nachweis import nachweis_empfaenger, write_nachweis

GOLDEN = Path(__file__).parent / "golden"


def _golden(name: str, month: str) -> Result:
    case = yaml.safe_load((GOLDEN / name).read_text(encoding="utf-8"))
    return reconcile(make_inputs(case["eingaben"], case.get("config")), month, lauf_id="golden",
                     zeitpunkt=datetime(2024, 4, 2, 8, 0))


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    out = tmp_path_factory.mktemp("beispiel")
    example = reconcile_case(example_case(), "2023-12", out_dir=out, use_ledger=False).result
    assert example is not None
    return {
        "beispiel": example,
        "halbjahr": _golden("halbjahresbescheid_2020.yaml", "2020-12"),
        "hub_2023-12": _golden("hub_zwei_kinder_rueckzahlung_zwei_ebenen.yaml", "2023-12"),
        "hub_2024-03": _golden("hub_zwei_kinder_rueckzahlung_zwei_ebenen.yaml", "2024-03"),
    }


def _day(d: date | None) -> datetime | None:
    return datetime(d.year, d.month, d.day) if d else None


def _euro(cents: int) -> float:
    return cents / 100


def _edge_figures(r: Result, e: Edge) -> dict[str, object]:
    """What each Kanten column must show for edge ``e``: straight from the Result."""
    a = next((x for x in r.zuteilungen if x.empfaenger == e.empfaenger and x.jahr == e.jahr), None)
    figures: dict[str, object] = {
        "Geber": e.geber, "Empfänger": e.empfaenger, "Jahr": e.jahr, "Ebene": a.ebene if a else None,
        "Vertragsfassung": e.vertrag, "Bewilligungszeitraum von": _day(e.von), "Bewilligungszeitraum bis": _day(e.bis),
        "VzÄ zugeteilt (Teilbaum)": e.vzae_zugeteilt_e4 / 10_000, "Weiterleitungsbetrag": _euro(e.weiterleitung_cent),
        "Förderfähig eigen kumuliert": _euro(e.foerderfaehig_eigen_kumuliert_cent),
        "Förderfähig Teilbaum kumuliert": _euro(e.foerderfaehig_kumuliert_cent),
        "Gezahlt (brutto)": _euro(e.gezahlt_brutto_cent), "Zurückgezahlt": _euro(e.zurueckgezahlt_cent),
        "Ausgezahlt kumuliert": _euro(e.ausgezahlt_kumuliert_cent), "Saldo": _euro(e.saldo_cent),
        "Ergebnis": e.art.value, "Nachzahlung gekappt": "Ja" if e.nachzahlung_gekappt else "Nein",
        "Nachweisfrist": _day(e.nachweisfrist),
    }
    for name, header in (("zahlungsplan_kumuliert_cent", "Zahlungsplan bis Stichtag"),
                         ("zahlungsabweichung_cent", "Abweichung vom Zahlungsplan"),
                         ("prognose_foerderfaehig_cent", "Prognose förderfähig (Jahr)"),
                         ("prognose_saldo_cent", "Prognose Saldo (Jahr)")):
        if hasattr(e, name):
            figures[header] = _euro(getattr(e, name))
    for name, header in (("jahr_abgeschlossen", "Jahr abgeschlossen"), ("besetzung_fehlt", "Besetzung fehlt")):
        if hasattr(e, name):
            figures[header] = "Ja" if getattr(e, name) else "Nein"
    return figures


def _same(shown: object, want: object) -> bool:
    if isinstance(want, float) and isinstance(shown, int | float):
        return abs(shown - want) < 1e-9
    if want == 0 and shown in (0, 0.0):
        return True
    return shown == want


@pytest.mark.parametrize("case", ["beispiel", "halbjahr", "hub_2023-12", "hub_2024-03"])
def test_every_kanten_figure_is_the_results(case: str, results: dict[str, Result], tmp_path: Path) -> None:
    r = results[case]
    path = write_abgleich(r, tmp_path / "a.xlsx")
    ws = openpyxl.load_workbook(path, data_only=True)["Kanten"]
    headers = [c.value for c in ws[4]]
    checked = 0
    for i, e in enumerate(r.kanten):
        want = _edge_figures(r, e)
        assert set(headers) == set(want), set(headers) ^ set(want)  # no column the walk does not know
        for j, h in enumerate(headers):
            shown = ws.cell(5 + i, j + 1).value
            assert _same(shown, want[h]), (case, e.empfaenger, h, shown, want[h])
            checked += 1
    assert checked == len(r.kanten) * len(headers) > 0
    protocol = [c.value for row in openpyxl.load_workbook(path)["Prüfprotokoll"].iter_rows() for c in row]
    assert "Keine: jede Summe und jeder abgeleitete Wert ist als Formel nachrechenbar." in protocol


def _labels(ws: Any) -> dict[str, tuple[int, object]]:
    return {ws[f"A{r}"].value: (r, ws[f"B{r}"].value) for r in range(1, ws.max_row + 1) if ws[f"A{r}"].value}


MONTHS_DE = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
             "November", "Dezember")


def _walk_nachweis(r: Result, e: Edge, ws: Any) -> int:
    """Check every number of one Nachweis sheet against the Result; return how many were checked."""
    lab = _labels(ws)
    seen: set[str] = set()

    def check(cell: str, want: object) -> None:
        assert _same(ws[cell].value, want), (e.empfaenger, cell, ws[cell].value, want)
        seen.add(cell)

    a = next(x for x in r.zuteilungen if x.empfaenger == e.empfaenger and x.jahr == e.jahr)
    assert lab["Bewilligungszeitraum"][1] == f"{e.von:%d.%m.%Y} – {e.bis:%d.%m.%Y}"
    for label, want in (("Bewilligte Zuwendung", _euro(e.weiterleitung_cent)),
                        ("Ausgezahlt (netto)", _euro(e.ausgezahlt_kumuliert_cent)),
                        ("Zuwendungsfähige Ausgaben", _euro(e.foerderfaehig_kumuliert_cent)),
                        ("Saldo", _euro(e.saldo_cent)), ("Pauschale je VzÄ und Jahr", _euro(a.pauschale_cent)),
                        ("VzÄ zugeteilt, eigene Stellen", a.vzae_eigen_e4 / 10_000)):
        check(f"B{lab[label][0]}", want)
    assert lab["Ergebnis"][1] == e.art.value
    # payments of the edge with value dates: amount and what counts up to the Stichtag
    pays = [p for p in r.zahlungen if p.jahr == e.jahr and p.geber == e.geber and p.kante_empfaenger == e.empfaenger]
    if pays:
        first = lab["Verwendungszweck"][0] + 1
        for k, p in enumerate(pays):
            check(f"B{first + k}", _day(p.datum))
            check(f"D{first + k}", _euro(p.betrag_cent))
            assert ws[f"C{first + k}"].value == p.kind.value
            assert ws[f"E{first + k}"].value == ("Ja" if p.nach_stichtag else "Nein")
        check(f"D{lab['Ausgezahlt (netto) bis zum Stichtag'][0]}", _euro(e.ausgezahlt_kumuliert_cent))
    else:
        check(f"B{lab['Ausgezahlt (netto) bis zum Stichtag'][0]}", _euro(e.ausgezahlt_kumuliert_cent))
    # the monthly calculation: every month of the period from Result.monate
    m = r.monate
    mine = m[(m["empfaenger"] == e.empfaenger) & (m["jahr"] == e.jahr)]
    exact_total = Fraction(0)
    for row in mine.itertuples():
        if not e.von <= date(e.jahr, int(row.monat), 1) <= e.bis:
            assert f"{MONTHS_DE[int(row.monat) - 1]} {e.jahr}" not in lab
            continue
        rr = lab[f"{MONTHS_DE[int(row.monat) - 1]} {e.jahr}"][0]
        exact = Fraction(int(row.vzae_besetzt_zaehler), int(row.vzae_besetzt_nenner))
        exact_total += exact
        check(f"B{rr}", int(row.vzae_zugeteilt_e4) / 10_000)
        check(f"C{rr}", float(exact))
        check(f"D{rr}", _euro(int(row.foerderfaehig_cent)))
        check(f"E{rr}", _euro(int(row.foerderfaehig_kumuliert_cent)))
    total = lab["Summe (VzÄ-Monate, förderfähig)"][0]
    check(f"C{total}", float(exact_total))
    check(f"D{total}", _euro(e.foerderfaehig_eigen_kumuliert_cent))
    # Ausgaben: zuwendungsfähig of own posts and of the level below
    pers = lab["Personalausgaben"][0]
    check(f"C{pers}", _euro(e.foerderfaehig_eigen_kumuliert_cent))
    kids = [c for c in r.kanten if c.jahr == e.jahr and c.geber == e.empfaenger]
    if kids:
        w = lab["Weiterleitung (siehe III.)"][0]
        check(f"B{w}", _euro(sum(c.ausgezahlt_kumuliert_cent for c in kids)))
        check(f"C{w}", _euro(sum(c.foerderfaehig_kumuliert_cent for c in kids)))
        for c in kids:
            row = next(k for k in range(1, ws.max_row + 1) if str(ws[f"A{k}"].value).startswith(f"{c.empfaenger} ("))
            check(f"B{row}", c.vzae_zugeteilt_e4 / 10_000)
            for col, cents in (("C", c.weiterleitung_cent), ("D", c.ausgezahlt_kumuliert_cent),
                               ("E", c.foerderfaehig_kumuliert_cent), ("F", c.saldo_cent)):
                check(f"{col}{row}", _euro(cents))
            assert ws[f"G{row}"].value == c.art.value
    summe = next(k for k in range(pers, ws.max_row + 1) if ws[f"A{k}"].value == "Summe")
    check(f"C{summe}", _euro(e.foerderfaehig_kumuliert_cent))
    zuw = lab["Zuwendung"][0]
    check(f"B{zuw}", _euro(e.weiterleitung_cent))
    check(f"D{zuw}", _euro(e.foerderfaehig_kumuliert_cent))
    return len(seen)


@pytest.mark.parametrize("case", ["beispiel", "halbjahr", "hub_2023-12", "hub_2024-03"])
def test_every_nachweis_figure_is_the_results(case: str, results: dict[str, Result], tmp_path: Path) -> None:
    r = results[case]
    jahr = r.kanten[0].jahr
    names = nachweis_empfaenger(r, jahr)
    assert names
    checked = 0
    for k, name in enumerate(names):
        path = write_nachweis(r, jahr, name, tmp_path / f"n{k}.xlsx")
        wb = openpyxl.load_workbook(path, data_only=True)
        e = next(x for x in r.kanten if x.jahr == jahr and x.empfaenger == name)
        checked += _walk_nachweis(r, e, wb["Verwendungsnachweis"])
        texts = [c.value for row in wb["Verwendungsnachweis"].iter_rows() for c in row if isinstance(c.value, str)]
        assert "Hinweis: Werte ohne Formel" not in texts  # every derived figure is a live formula
    assert checked > 20 * len(names)


def test_half_year_bescheid_period_in_both_workbooks(results: dict[str, Result], tmp_path: Path) -> None:
    r = results["halbjahr"]
    kreis = next(e for e in r.kanten if e.empfaenger == "Kreis Unna")
    assert (kreis.von, kreis.bis) == (date(2020, 7, 1), date(2020, 12, 31))
    nw = openpyxl.load_workbook(write_nachweis(r, 2020, "Kreis Unna", tmp_path / "n.xlsx"), data_only=True)
    assert _labels(nw["Verwendungsnachweis"])["Bewilligungszeitraum"][1] == "01.07.2020 – 31.12.2020"
    texts = [c.value for row in nw["Verwendungsnachweis"].iter_rows() for c in row if isinstance(c.value, str)]
    assert "Juli 2020" in texts and "Juni 2020" not in texts
    assert any("über 55.000,00 EUR" in t for t in texts)  # 2 VzÄ × 55.000 × 6/12
    ab = openpyxl.load_workbook(write_abgleich(r, tmp_path / "a.xlsx"), data_only=True)["Kanten"]
    heads = [c.value for c in ab[4]]
    row = next(k for k in range(5, ab.max_row + 1) if ab.cell(k, 2).value == "Kreis Unna")
    von, bis = (ab.cell(row, heads.index(h) + 1).value for h in ("Bewilligungszeitraum von",
                                                                   "Bewilligungszeitraum bis"))
    assert (von, bis) == (datetime(2020, 7, 1), datetime(2020, 12, 31))
