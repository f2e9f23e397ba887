from datetime import date
from decimal import Decimal

from kimrecon.findings import Code
from kimrecon.parameters import PARAMS_DIR, load_parameters, value_on


def test_defaults_from_the_shipped_files():
    p, findings = load_parameters({})
    assert findings == ()
    assert (p.modus, p.tarifstunden_h100, p.spitzabrechnung, p.verrechnung) == ("monatsprinzip", 3900, False, False)
    assert (p.schluessel_schritt_e4, p.mindestzuteilung_e4, p.zwei_monate, p.nahe_tage) == (5000, 5000, 2, 30)
    assert [(d.ab, d.wert) for d in p.basiszins][:2] == [(date(2016, 7, 1), Decimal("-0.88")),
                                                         (date(2023, 1, 1), Decimal("1.62"))]
    assert p.basiszins[-1].ab == date(2025, 7, 1) and p.basiszins[-1].wert == Decimal("1.27")
    assert [d.wert for d in p.aufschlag] == [Decimal(5), Decimal(3)]
    assert value_on(p.pauschale, date(2022, 6, 1)).wert == 5_500_000
    assert value_on(p.pauschale, date(2023, 1, 1)).wert == 5_700_000
    assert {(k, r.tag, r.monat) for k, r in p.fristen.items()} == {(0, 30, 6), (1, 30, 4), (2, 31, 3)}
    # deeper levels are staggered one month each, on the month's last day (R9): level 3 → 29.02.2024
    assert p.deadline_for(2, 2023)[0] == date(2024, 3, 31)
    assert p.deadline_for(3, 2023)[0] == date(2024, 2, 29)
    assert p.deadline_for(3, 2024)[0] == date(2025, 2, 28)
    assert p.deadline_for(5, 2023)[0] == date(2023, 12, 31)
    assert sorted(x.name for x in PARAMS_DIR.glob("*.yaml")) == [
        "abrechnung.yaml", "basiszins.yaml", "fristen.yaml", "pauschale.yaml", "zinsaufschlag.yaml"]


def test_report_lists_every_parameter_with_its_source():
    p, _ = load_parameters({"abrechnung": {"modus": "tagesprinzip"}})
    rep = {(x.name, x.gueltig_ab): x for x in p.report()}
    assert rep[("abrechnung.modus", None)].wert == "tagesprinzip"
    assert rep[("abrechnung.modus", None)].quelle == "kimrecon.toml [abrechnung] modus"
    assert rep[("abrechnung.tarifstunden", None)].wert == "39"
    assert "TVöD" in rep[("abrechnung.tarifstunden", None)].quelle
    assert rep[("zinsen.basiszins", date(2023, 7, 1))].wert == "3.12"
    assert "§ 247 BGB" in rep[("zinsen.basiszins", date(2023, 7, 1))].quelle
    assert rep[("pauschale_je_vzae", date(2023, 1, 1))].wert == "57000"
    assert rep[("fristen.ebene_2", None)].wert == "31.03."


def test_toml_overrides_and_extends():
    config = {
        "abrechnung": {"modus": "tagesprinzip", "tarifstunden": 40, "spitzabrechnung": True, "verrechnung": True,
                       "schluessel_schritt": 0.25},
        "zinsen": {"aufschlag": [{"ab": date(2023, 1, 1), "prozentpunkte": 5}],
                   "basiszins": [{"ab": date(2026, 1, 1), "prozent": 1.27}]},
        "fristen": {"ebene_1": "31.05.", "nahe_tage": 14},
    }
    p, findings = load_parameters(config)
    assert findings == ()
    assert (p.modus, p.tarifstunden_h100, p.spitzabrechnung, p.verrechnung) == ("tagesprinzip", 4000, True, True)
    assert p.schluessel_schritt_e4 == 2500
    assert [d.wert for d in p.aufschlag] == [Decimal(5), Decimal(5)]  # same date replaces the shipped value
    assert p.aufschlag[1].quelle == "kimrecon.toml [zinsen] aufschlag Eintrag 1"
    assert p.basiszins[-1].ab == date(2026, 1, 1) and p.basiszins[-1].wert == Decimal("1.27")
    assert (p.fristen[1].tag, p.fristen[1].monat, p.nahe_tage) == (31, 5, 14)


def test_invalid_overrides_are_findings_and_defaults_stay():
    p, findings = load_parameters({"abrechnung": {"modus": "wochenprinzip", "tarifstunden": "viel",
                                                  "spitzabrechnung": "ja"},
                                   "zinsen": {"basiszins": [{"ab": "morgen", "prozent": 1}], "aufschlag": 3},
                                   "fristen": {"ebene_1": "31.02."}})
    assert [f.code for f in findings] == [Code.PARAMETER_UNGUELTIG] * 6
    assert (p.modus, p.tarifstunden_h100, p.spitzabrechnung) == ("monatsprinzip", 3900, False)
    assert "wochenprinzip" in findings[0].meldung
    assert all(f.source is not None and f.source.datei == "kimrecon.toml" for f in findings)
