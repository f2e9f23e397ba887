"""Property-based tests of the engine's invariants (hypothesis)."""

import os
from datetime import date, datetime, timedelta
from fractions import Fraction

from engine_support import make_inputs, reconcile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kimrecon.engine.allocate import split_amount, split_largest_remainder
from kimrecon.findings import Severity
from kimrecon.inputs import Kind

EXAMPLES = int(os.environ.get("ENGINE_EXAMPLES", "25"))  # raise for a deeper search
FAST = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@given(st.integers(-10**9, 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=30))
def test_largest_remainder_adds_up(total, weights):
    parts = split_largest_remainder(total, weights)
    assert len(parts) == len(weights)
    if sum(weights) == 0:
        assert parts == [0] * len(weights)
        return
    assert sum(parts) == total
    for p, w in zip(parts, weights, strict=True):
        exact = Fraction(abs(total) * w, sum(weights))
        assert exact - 1 < abs(p) < exact + 1


@given(st.integers(0, 10**10), st.lists(st.fractions(min_value=0, max_value=100), min_size=1, max_size=12))
def test_money_split_adds_up_to_the_cent(total, weights):
    parts = split_amount(total, weights)
    assert sum(parts) == (total if sum(weights) > 0 else 0)


YEAR = 2023
D0 = date(YEAR, 1, 1)


@st.composite
def cases(draw):
    n = draw(st.integers(1, 7))
    towns = [f"Stadt T{i}" for i in range(n)]
    parent = [None] + [draw(st.one_of(st.none(), st.integers(0, i - 1))) for i in range(1, n)]
    steps = [draw(st.integers(0, 6)) for _ in range(n)]  # allotment in 0,5-VzÄ steps (0 allowed)
    kreis_steps = draw(st.integers(0, 4))
    total = sum(steps) + kreis_steps
    slack = draw(st.integers(0, 2))
    rate = draw(st.sampled_from(["55000.00", "57000.00", "57123.45"]))
    zuweisung = [{"jahr": YEAR, "empfaenger": "Kreis Unna", "vzae": str(Fraction(kreis_steps, 2) * 1.0)}]
    for i, t in enumerate(towns):
        zuweisung.append({"jahr": YEAR, "empfaenger": t, "ueber": towns[parent[i]] if parent[i] is not None else None,
                          "vzae": str(steps[i] / 2)})
    besetzung = []
    for i, t in enumerate(towns + ["Kreis Unna"]):
        for p in range(draw(st.integers(0, 3))):
            b = draw(st.integers(-60, 364))
            length = draw(st.integers(1, 500))
            row = {"kommune": t, "stelle_id": f"{i}-{p % 2}", "personal_id": f"P{i}-{p}",
                   "beginn": D0 + timedelta(days=b),
                   "ende": (D0 + timedelta(days=b + length)) if draw(st.booleans()) else None,
                   "wochenstunden": str(draw(st.integers(500, 4500)) / 100)}
            if draw(st.booleans()):
                u = draw(st.integers(0, 364))
                row.update({"unterbrechung_von": D0 + timedelta(days=u),
                            "unterbrechung_bis": D0 + timedelta(days=u + draw(st.integers(0, 200))),
                            "entgeltanspruch": draw(st.booleans())})
            besetzung.append(row)
    zahlungen = []
    for i, t in enumerate(towns):
        giver = towns[parent[i]] if parent[i] is not None else "Kreis Unna"
        for _ in range(draw(st.integers(0, 3))):
            up = draw(st.booleans()) and draw(st.booleans())
            zahlungen.append({"datum": D0 + timedelta(days=draw(st.integers(0, 400))),
                              "zahler": t if up else giver, "empfaenger": giver if up else t,
                              "betrag": str(draw(st.integers(1, 10**7)) / 100),
                              "art": "Rückzahlung" if up else "Abschlag", "jahr": YEAR})
    tables = {
        Kind.BESCHEID: [{"bescheid_id": "B", "bescheiddatum": "15.02.2023", "behoerde": "Bezirksregierung Arnsberg",
                         "empfaenger": "Kreis Unna", "von": "01.01.2023", "bis": "31.12.2023",
                         "vzae": str((total + slack) / 2), "pauschale": rate}],
        Kind.ZUWEISUNG: zuweisung,
        Kind.BESETZUNG: besetzung or [{"kommune": "Kreis Unna", "personal_id": "X", "beginn": "01.01.2030",
                                       "wochenstunden": "1"}],
        Kind.ZAHLUNGEN: zahlungen or [{"datum": "01.01.2023", "zahler": "Bezirksregierung Arnsberg",
                                       "empfaenger": "Kreis Unna", "betrag": "1.00"}],
    }
    mode = draw(st.sampled_from(["monatsprinzip", "tagesprinzip"]))
    month = draw(st.integers(1, 12))
    return tables, mode, month


@FAST
@given(cases())
def test_engine_invariants(case):
    tables, mode, month = case
    res = reconcile(make_inputs(tables, {"abrechnung": {"modus": mode}}), f"{YEAR}-{month:02d}", lauf_id="p",
                    zeitpunkt=datetime(2024, 1, 1))
    assert [str(f) for f in res.befunde if f.severity is Severity.FEHLER] == []
    # conservation holds for every generated tree
    assert res.erhaltung and all(c.ok for c in res.erhaltung)
    alloc = {(a.empfaenger, a.jahr): a for a in res.zuteilungen}
    m = res.monate
    for e in res.kanten:
        # the Saldo of every edge equals paid minus eligible
        assert e.saldo_cent == e.ausgezahlt_kumuliert_cent - e.foerderfaehig_kumuliert_cent
        assert e.ausgezahlt_kumuliert_cent == e.gezahlt_brutto_cent - e.zurueckgezahlt_cent
        # entitlement never exceeds allotment × rate
        a = alloc[(e.empfaenger, e.jahr)]
        own_max = Fraction(a.vzae_eigen_e4 * a.pauschale_cent, 10_000)
        assert e.foerderfaehig_eigen_kumuliert_cent <= own_max + Fraction(1, 2)
        assert e.foerderfaehig_kumuliert_cent <= e.weiterleitung_cent
        # monthly figures add up to the (cumulative) yearly figure
        rows = m[(m["empfaenger"] == e.empfaenger) & (m["jahr"] == e.jahr)]
        assert len(rows) == month
        assert int(rows["foerderfaehig_cent"].sum()) == e.foerderfaehig_eigen_kumuliert_cent
        assert int(rows["foerderfaehig_cent"].min()) >= 0
        assert int(rows["ausgezahlt_cent"].sum()) == e.ausgezahlt_kumuliert_cent
        assert (rows["vzae_besetzt_e4"] <= a.vzae_eigen_e4).all()


@FAST
@given(cases())
def test_month_figures_add_up_to_the_year_in_both_modes(case):
    tables, _, _ = case
    for mode in ("monatsprinzip", "tagesprinzip"):
        res = reconcile(make_inputs(tables, {"abrechnung": {"modus": mode}}), f"{YEAR}-12", lauf_id="p",
                        zeitpunkt=datetime(2024, 1, 1))
        m = res.monate
        for _key, rows in m.groupby(["empfaenger", "jahr"]):
            assert int(rows["foerderfaehig_cent"].sum()) == int(rows["foerderfaehig_kumuliert_cent"].iloc[-1])
            assert rows["foerderfaehig_kumuliert_cent"].is_monotonic_increasing
