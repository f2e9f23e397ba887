from datetime import date, datetime

import pytest
from engine_support import KREIS, LAND, deadlines, edge, make_inputs, reconcile, unna_tables

from kimrecon.engine import deadline_findings
from kimrecon.findings import Code, Severity
from kimrecon.inputs import Kind
from kimrecon.result import EXACT_VZAE_COLUMNS, MONTH_COLUMNS, SUBTREE_COLUMNS, ProposedClaim

BESCHEID = {"bescheid_id": "B1", "bescheiddatum": "15.02.2023", "behoerde": LAND, "empfaenger": KREIS,
            "von": "01.01.2023", "bis": "31.12.2023", "vzae": "3", "pauschale": "57000.00"}


def run(tables, month="2023-12", config=None):
    return reconcile(make_inputs(tables, config), month, lauf_id="t", zeitpunkt=datetime(2024, 1, 5))


def test_tree_of_depth_three_settles_every_level():
    tables = {
        Kind.BESCHEID: [BESCHEID],
        Kind.ZUWEISUNG: [{"jahr": 2023, "empfaenger": "A", "vzae": "1"},
                         {"jahr": 2023, "empfaenger": "B", "ueber": "A", "vzae": "1"},
                         {"jahr": 2023, "empfaenger": "C", "ueber": "B", "vzae": "1"}],
        Kind.BESETZUNG: [{"kommune": "C", "personal_id": "P", "beginn": "01.07.2023", "wochenstunden": "39"}],
    }
    res = run(tables)
    assert [(e.geber, e.empfaenger, e.vzae_zugeteilt_e4, e.weiterleitung_cent) for e in res.kanten] == [
        (LAND, KREIS, 30_000, 17_100_000), (KREIS, "A", 30_000, 17_100_000), ("A", "B", 20_000, 11_400_000),
        ("B", "C", 10_000, 5_700_000)]
    assert [e.foerderfaehig_kumuliert_cent for e in res.kanten] == [2_850_000] * 4
    assert [a.ebene for a in res.zuteilungen] == [0, 1, 2, 3]
    # R9: the third level below the Kreis is staggered one month before its hub (31.03.): 29.02.2024
    assert [d.frist for d in res.fristen if d.empfaenger == "C"] == [date(2024, 2, 29)]


def test_result_fields_are_filled():
    res = run(unna_tables())
    assert str(res.monat) == "2023-12" and res.stichtag == date(2023, 12, 31) and res.modus == "monatsprinzip"
    assert tuple(res.monate.columns) == MONTH_COLUMNS + EXACT_VZAE_COLUMNS + SUBTREE_COLUMNS
    assert len(res.monate) == 12 * 11
    first = res.zahlungen[0]
    assert (first.quelle.datei, first.quelle.blatt, first.quelle.zeile) == ("zahlungen.xlsx", "Zahlungen", 2)
    assert "_sheet" not in res.besetzung.columns and len(res.besetzung) == 11
    names = {p.name for p in res.parameter}
    assert {"abrechnung.modus", "zinsen.basiszins", "zinsen.aufschlag", "fristen.ebene_0"} <= names
    assert all(p.quelle for p in res.parameter)
    berg = next(a for a in res.zuteilungen if a.empfaenger == "Stadt Bergkamen")
    assert (berg.geber, berg.ebene, berg.vzae_eigen_e4, berg.vzae_teilbaum_e4) == (KREIS, 1, 10_000, 25_000)
    kamen = next(a for a in res.zuteilungen if a.empfaenger == "Stadt Kamen")
    assert (kamen.schluessel_groesse, str(kamen.schluessel_wert)) == ("fest", "1")
    assert len(res.erhaltung) == 11 and all(c.ok for c in res.erhaltung)
    assert res.fristen and {d.status for d in res.fristen} == {"offen"}
    assert edge(res, LAND, KREIS, 2023).nachweisfrist == date(2024, 6, 30)


def test_names_match_by_normalised_name_and_ags():
    tables = {
        Kind.BESCHEID: [BESCHEID],
        Kind.ZUWEISUNG: [{"jahr": 2023, "empfaenger": "Stadt Kamen", "vzae": "1", "ags": "05978020"}],
        Kind.BESETZUNG: [{"kommune": "KAMEN ", "personal_id": "P1", "beginn": "01.01.2023", "wochenstunden": "19.5"},
                         {"kommune": "Kamen (Westf.)", "ags": "05978020", "personal_id": "P2",
                          "beginn": "01.01.2023", "wochenstunden": "19.5"},
                         {"kommune": "Stadt Kamenz", "personal_id": "P3", "beginn": "01.01.2023",
                          "wochenstunden": "39"}],
        Kind.ZAHLUNGEN: [{"datum": "05.01.2023", "zahler": "Kreis Unna", "empfaenger": "Kamen", "betrag": "57000"},
                         {"datum": "05.01.2023", "zahler": "Kreis Unna", "empfaenger": "Stadt Unna", "betrag": "1"},
                         {"datum": "05.01.2023", "zahler": LAND, "empfaenger": "Stadt Kamen", "betrag": "2"}],
    }
    res = run(tables)
    kamen = edge(res, KREIS, "Stadt Kamen", 2023)
    assert (kamen.foerderfaehig_kumuliert_cent, kamen.ausgezahlt_kumuliert_cent) == (5_700_000, 5_700_000)
    codes = sorted((f.code, f.source.zelle if f.source else None) for f in res.befunde)
    assert codes == [(Code.NAME_UNBEKANNT, "A4"), (Code.NAME_UNBEKANNT, "C3"), (Code.ZAHLUNG_OHNE_VERTRAG, "B4")]
    assert res.status == "fehler"


def test_aenderungsbescheid_replaces_the_erstbescheid():
    tables = {
        Kind.BESCHEID: [BESCHEID | {"vzae": "1"},
                        BESCHEID | {"bescheid_id": "B2", "bescheiddatum": "01.09.2023", "art": "Änderungsbescheid",
                                    "vzae": "2", "summe": "114000.00"}],
        Kind.ZUWEISUNG: [{"jahr": 2023, "empfaenger": "A", "vzae": "2"}],
    }
    res = run(tables)
    land = edge(res, LAND, KREIS, 2023)
    assert (land.vzae_zugeteilt_e4, land.weiterleitung_cent) == (20_000, 11_400_000)
    assert [f.code for f in res.befunde] == [Code.BESETZUNG_FEHLT]  # A has 2 VzÄ and no staffing list


def test_interest_payments_are_not_principal_and_repayments_reduce():
    tables = unna_tables()
    tables[Kind.ZAHLUNGEN] = [
        {"datum": "05.01.2023", "zahler": "Stadt Bergkamen", "empfaenger": "Stadt Kamen", "betrag": "57000"},
        {"datum": "05.02.2024", "zahler": "Stadt Kamen", "empfaenger": "Stadt Bergkamen", "betrag": "9500",
         "art": "Rückzahlung", "jahr": 2023},
        {"datum": "05.03.2024", "zahler": "Stadt Kamen", "empfaenger": "Stadt Bergkamen", "betrag": "12.34",
         "art": "Zinszahlung", "jahr": 2023},
    ]
    res = run(tables, "2024-03")
    kamen = edge(res, "Stadt Bergkamen", "Stadt Kamen", 2023)
    assert (kamen.gezahlt_brutto_cent, kamen.zurueckgezahlt_cent, kamen.saldo_cent) == (5_700_000, 950_000, 0)
    before = edge(run(tables, "2024-01"), "Stadt Bergkamen", "Stadt Kamen", 2023)
    assert before.saldo_cent == 950_000


def test_deadlines_entry_point_and_findings():
    inputs = make_inputs(unna_tables())
    items = deadlines(inputs, date(2024, 4, 15))
    by = {(d.geber, d.empfaenger): d for d in items}
    assert by[("Stadt Bergkamen", "Stadt Kamen")].status == "versäumt"
    assert by[("Stadt Bergkamen", "Stadt Kamen")].tage_bis == -15
    assert by[(KREIS, "Lünen")].status == "nahe"
    assert by[(LAND, KREIS)].status == "offen" and by[(LAND, KREIS)].quelle == "Bescheid ZB-2023-KIM-017"
    found = deadline_findings(items)
    assert sorted({f.code for f in found}) == [Code.FRIST_NAHE, Code.FRIST_VERSAEUMT]
    assert all(f.severity is Severity.HINWEIS for f in found)
    assert "31.03.2024" in next(f for f in found if f.code is Code.FRIST_VERSAEUMT).meldung


def test_bad_month_raises_but_data_problems_do_not():
    with pytest.raises(ValueError):
        run(unna_tables(), "2023-13")
    res = run({Kind.ZUWEISUNG: [{"jahr": 2023, "empfaenger": "A", "vzae": "1"}]})
    assert [f.code for f in res.befunde] == [Code.KEIN_BESCHEID] and res.status == "fehler"
    assert res.kanten == () and len(res.monate) == 0


def test_tranche_used_within_two_months_bears_no_interim_interest():
    tables = {
        Kind.BESCHEID: [BESCHEID | {"vzae": "1"}],
        Kind.ZUWEISUNG: [{"jahr": 2023, "empfaenger": "A", "vzae": "1"}],
        Kind.BESETZUNG: [{"kommune": "A", "personal_id": "P", "beginn": "01.01.2023", "wochenstunden": "39"}],
        Kind.ZAHLUNGEN: [{"datum": f"01.{m:02d}.2023", "zahler": KREIS, "empfaenger": "A", "betrag": "4750"}
                         for m in range(1, 13)],
    }
    res = run(tables)
    assert res.zwischenzinsen == ()
    assert edge(res, KREIS, "A", 2023).saldo_cent == 0


def test_zuweisung_betrag_may_state_own_or_subtree_amount():
    tables = unna_tables()
    for row in tables[Kind.ZUWEISUNG]:
        row["betrag"] = {"Stadt Bergkamen": "142500.00", "Stadt Kamen": "57000.00", "Lünen": "228000.00"}.get(
            row["empfaenger"])
    tables[Kind.ZUWEISUNG][2]["betrag"] = "142000.00"  # Stadt Unna: 2,5 × 57.000 = 142.500,00
    res = run(tables)
    assert [(f.code, f.source.zelle) for f in res.befunde] == [(Code.BETRAG_ABWEICHUNG, "E4")]
    assert "142.500,00 €" in res.befunde[0].meldung


def test_payment_schedule_gives_expected_amounts():
    tables = unna_tables()
    tables[Kind.VERTRAG] = [{"geber": "Stadt Bergkamen", "empfaenger": "Stadt Kamen", "fassung": "Ursprungsvertrag",
                             "gueltig_ab": "01.01.2023", "zahlungsplan": "monatlich"}]
    res = run(tables, "2023-05")
    kamen = edge(res, "Stadt Bergkamen", "Stadt Kamen", 2023)
    # monthly plan: 57.000 / 12 = 4.750 due on each 1st → 5 × 4.750 by 31.05.; paid 2 quarters of 14.250
    assert (kamen.zahlungsplan, kamen.zahlungsplan_kumuliert_cent) == ("monatlich", 5 * 475_000)
    assert kamen.ausgezahlt_kumuliert_cent == 2 * 1_425_000 and kamen.zahlungsabweichung_cent == 475_000
    boenen = edge(res, "Stadt Bergkamen", "Gemeinde Bönen", 2023)
    assert (boenen.zahlungsplan, boenen.zahlungsplan_kumuliert_cent, boenen.zahlungsabweichung_cent) == (
        "quartalsweise", 1_425_000, 0)


def test_zuweisung_sheet_naming_no_bescheid_recipient_is_a_finding():
    b2 = BESCHEID | {"bescheid_id": "B2", "behoerde": "Bezirksregierung Münster", "empfaenger": "Kreis Coesfeld"}
    tables = {Kind.BESCHEID: [BESCHEID, b2],
              "zuweisung#1": [{"jahr": 2023, "empfaenger": "Kreis Unna", "vzae": "1"}],
              "zuweisung#2": [{"jahr": 2023, "empfaenger": "Nottuln", "vzae": "1"}]}
    res = run(tables)
    assert [f.code for f in res.befunde] == [Code.SONSTIGES]
    assert res.befunde[0].source.datei == "zuweisung_2.xlsx"
    assert "keinem Bescheid" in res.befunde[0].meldung
    assert {(e.geber, e.empfaenger) for e in res.kanten} == {(LAND, KREIS), ("Bezirksregierung Münster",
                                                                              "Kreis Coesfeld")}


def test_key_rows_of_two_trees_find_their_hubs():
    b2 = BESCHEID | {"bescheid_id": "B2", "behoerde": "Bezirksregierung Münster", "empfaenger": "Kreis Coesfeld"}
    tables = {Kind.BESCHEID: [BESCHEID, b2],
              "zuweisung#1": [{"jahr": 2023, "empfaenger": "Kreis Unna", "vzae": "1"},
                              {"jahr": 2023, "empfaenger": "Bergkamen", "vzae": "1"},
                              {"jahr": 2023, "empfaenger": "Kamen", "ueber": "Bergkamen", "vzae": "1"}],
              "zuweisung#2": [{"jahr": 2023, "empfaenger": "Dülmen", "ueber": "Kreis Coesfeld", "vzae": "1"},
                              {"jahr": 2023, "empfaenger": "Nottuln", "ueber": "Dülmen", "vzae": "1"}],
              Kind.SCHLUESSEL: [{"jahr": 2023, "kommune": k, "groesse": "fest", "wert": "1"}
                                for k in ("Kamen", "Bergkamen", "Dülmen", "Nottuln")]
              + [{"jahr": 2023, "kommune": "Olfen", "groesse": "fest", "wert": "1"},
                 {"jahr": 2023, "verteiler": "Selm", "kommune": "Kamen", "groesse": "fest", "wert": "1"}]}
    res = run(tables)
    assert sorted((f.code.value, f.source.zelle) for f in res.befunde if f.code is not Code.BESETZUNG_FEHLT) == [
        ("baum_hub_fehlt", "B7"), ("name_unbekannt", "B7"), ("name_unbekannt", "C6")]
    assert {(e.geber, e.empfaenger) for e in res.kanten} >= {("Bergkamen", "Kamen"), ("Dülmen", "Nottuln"),
                                                              ("Kreis Coesfeld", "Dülmen")}


def test_spitzabrechnung_without_costs_is_a_hinweis_and_not_capped():
    tables = unna_tables()
    res = run(tables, config={"abrechnung": {"spitzabrechnung": True}})
    assert edge(res, "Stadt Bergkamen", "Stadt Kamen", 2023).foerderfaehig_kumuliert_cent == 4_750_000
    hinweise = [f for f in res.befunde if f.code is Code.PERSONALKOSTEN_FEHLEN]
    assert len(hinweise) == 11 and all(f.severity is Severity.HINWEIS for f in hinweise)
    assert res.status == "abweichungen"


def test_every_edge_carries_its_effective_nachweisfrist():
    res = run(unna_tables())
    assert {e.empfaenger: e.nachweisfrist for e in res.kanten if e.empfaenger in ("Stadt Kamen", "Stadt Bergkamen",
                                                                                  KREIS)} == {
        KREIS: date(2024, 6, 30), "Stadt Bergkamen": date(2024, 4, 30), "Stadt Kamen": date(2024, 3, 31)}


def test_missing_values_never_raise():
    tables = {
        Kind.BESCHEID: [BESCHEID, {"bescheid_id": "X", "empfaenger": KREIS}],
        Kind.ZUWEISUNG: [{"jahr": 2023, "empfaenger": "A", "vzae": "1"}, {"empfaenger": "B"},
                         {"jahr": 2023, "empfaenger": "C", "ueber": "A"}],
        Kind.SCHLUESSEL: [{"jahr": 2023, "kommune": "C"}, {"kommune": "A"}],
        Kind.BESETZUNG: [{"kommune": "A", "personal_id": "P"}, {"personal_id": "Q", "beginn": "01.01.2023"},
                         {"kommune": "A", "personal_id": "R", "beginn": "01.01.2023"},
                         {"kommune": "C", "personal_id": "S", "beginn": "01.02.2023", "ende": "01.01.2023",
                          "wochenstunden": "39"}],
        Kind.ZAHLUNGEN: [{"zahler": KREIS, "empfaenger": "A"}, {"datum": "01.01.2023", "betrag": "5"},
                         {"datum": "01.01.2023", "zahler": KREIS, "empfaenger": "A", "betrag": "5",
                          "art": "Zinszahlung"}],
        Kind.RUECKFORDERUNGEN: [{"forderung_id": "F"}, {"forderung_id": "G", "glaeubiger": KREIS, "schuldner": "A",
                                                        "betrag": "100", "zinsbeginn": "01.03.2023",
                                                        "zahlungseingang": "01.02.2023"}],
        Kind.VERTRAG: [{"geber": KREIS, "empfaenger": "A"}, {"geber": KREIS, "empfaenger": "A",
                                                              "gueltig_ab": "01.01.2023", "frist_tag": 29,
                                                              "frist_monat": 2}],
    }
    res = run(tables)
    codes = sorted(f.code.value for f in res.befunde)
    # Besetzung F5 ends before it begins, Rückforderungen G3 is paid before its Zinsbeginn; three
    # staffing rows have neither hours nor share; key and Zuweisung disagree for A
    assert codes == ["ende_vor_beginn", "ende_vor_beginn", "schluessel_widerspruch", "umfang_fehlt", "umfang_fehlt",
                     "umfang_fehlt"]
    assert edge(res, KREIS, "A", 2023).nachweisfrist == date(2024, 2, 29)
    assert res.zinsen[0].tage == 0 and res.zinsen[0].zinsbetrag_cent == 0


def test_refund_proposals_only_for_whole_years():
    res = run(unna_tables())
    assert res.rueckforderungsvorschlaege == (
        ProposedClaim(glaeubiger=LAND, schuldner=KREIS, jahr=2023, betrag_cent=950_000),
        ProposedClaim(glaeubiger=KREIS, schuldner="Stadt Bergkamen", jahr=2023, betrag_cent=950_000),
        ProposedClaim(glaeubiger="Stadt Bergkamen", schuldner="Stadt Kamen", jahr=2023, betrag_cent=950_000))
    assert run(unna_tables(), "2023-11").rueckforderungsvorschlaege == ()


def test_overlapping_interruptions_of_one_employment_count_once():
    row = {"kommune": "A", "stelle_id": "S", "personal_id": "P", "beginn": "01.01.2023", "wochenstunden": "39",
           "entgeltanspruch": False}
    tables = {
        Kind.BESCHEID: [BESCHEID | {"vzae": "1"}],
        Kind.ZUWEISUNG: [{"jahr": 2023, "empfaenger": "A", "vzae": "1"}],
        Kind.BESETZUNG: [row | {"unterbrechung_von": "01.03.2023", "unterbrechung_bis": "31.05.2023"},
                         row | {"unterbrechung_von": "01.04.2023", "unterbrechung_bis": "30.06.2023"},
                         row | {"unterbrechung_von": "01.10.2023", "unterbrechung_bis": "31.10.2023"},
                         {"kommune": "A", "stelle_id": "S2", "personal_id": "Q", "beginn": "01.01.2023",
                          "wochenstunden": "19.5"}],
    }
    res = run(tables)
    m = res.monate[res.monate["empfaenger"] == "A"]
    # March–June and October: only Q (0,5); otherwise capped at 1,0 → 57.000 × (7 + 5 × 0,5) / 12
    assert m["vzae_besetzt_e4"].tolist() == [10_000, 10_000, 5_000, 5_000, 5_000, 5_000, 10_000, 10_000, 10_000,
                                             5_000, 10_000, 10_000]
    assert edge(res, KREIS, "A", 2023).foerderfaehig_kumuliert_cent == 4_512_500


def test_a_cycle_below_a_town_is_cut_once_at_the_closing_row():
    tables = {Kind.BESCHEID: [BESCHEID],
              Kind.ZUWEISUNG: [{"jahr": 2023, "empfaenger": "C", "ueber": "A", "vzae": "1"},
                               {"jahr": 2023, "empfaenger": "A", "ueber": "B", "vzae": "1"},
                               {"jahr": 2023, "empfaenger": "B", "ueber": "A", "vzae": "1"}]}
    res = run(tables)
    found = [f for f in res.befunde if f.code is not Code.BESETZUNG_FEHLT]  # no staffing lists in this case
    assert [(f.code, f.source.zelle) for f in found] == [(Code.BAUM_ZYKLUS, "C4")]
    assert "A → B → A" in found[0].meldung
    assert {(e.geber, e.empfaenger) for e in res.kanten} == {(LAND, KREIS), (KREIS, "B"), ("B", "A"), ("A", "C")}


def test_frames_with_a_repeated_index_are_handled():
    import dataclasses

    import pandas as pd

    inputs = make_inputs(unna_tables())
    frames = {k: pd.concat([f.iloc[: len(f) // 2], f.iloc[len(f) // 2:]]).set_axis([0] * len(f)) if len(f) > 1 else f
              for k, f in inputs.frames.items()}
    res = reconcile(dataclasses.replace(inputs, frames=frames), "2023-12", lauf_id="t", zeitpunkt=datetime(2024, 1, 1))
    assert edge(res, "Stadt Bergkamen", "Stadt Kamen", 2023).saldo_cent == 950_000
    assert res.befunde == ()


def test_rates_from_bescheid_and_contract_are_listed_as_parameters():
    tables = unna_tables()
    tables[Kind.VERTRAG] = [{"geber": KREIS, "empfaenger": "Stadt Bergkamen", "fassung": "2. Änderung",
                             "gueltig_ab": "01.01.2023", "pauschale": "57000"}]
    res = run(tables)
    got = {(p.name, p.wert, p.gueltig_ab, p.quelle) for p in res.parameter if p.name.startswith("pauschale_je_vzae ")}
    assert got == {("pauschale_je_vzae 2023 Kreis Unna", "57000.00", date(2023, 1, 1), "Bescheid ZB-2023-KIM-017"),
                   ("pauschale_je_vzae Kreis Unna → Stadt Bergkamen", "57000.00", date(2023, 1, 1),
                    "Weiterleitungsvertrag 2. Änderung")}


def test_nachzahlung_is_capped_at_the_forwarded_amount():
    tables = {
        Kind.BESCHEID: [BESCHEID | {"vzae": "1"}],
        Kind.ZUWEISUNG: [{"jahr": 2023, "empfaenger": "H", "vzae": "0"},
                         {"jahr": 2023, "empfaenger": "C", "ueber": "H", "vzae": "1"}],
        Kind.VERTRAG: [{"geber": "H", "empfaenger": "C", "gueltig_ab": "01.01.2023", "pauschale": "60000"}],
        Kind.BESETZUNG: [{"kommune": "C", "personal_id": "P", "beginn": "01.01.2023", "wochenstunden": "39"}],
    }
    res = run(tables)
    assert {f.code for f in res.befunde} == {Code.ERHALTUNG_VERLETZT, Code.SONSTIGES}
    h = edge(res, KREIS, "H", 2023)
    assert (h.foerderfaehig_kumuliert_cent, h.saldo_cent, h.nachzahlung_gekappt) == (5_700_000, -5_700_000, True)
    assert edge(res, "H", "C", 2023).foerderfaehig_kumuliert_cent == 6_000_000
    m = res.monate
    assert int(m[(m["empfaenger"] == "H") & (m["monat"] == 12)]["saldo_kumuliert_cent"].iloc[0]) == h.saldo_cent


def test_each_allotment_carries_its_staffing_rows_and_their_personnel_cost():
    # Kamen's rows are matched as entitle matches them (AGS first, then the name); a row that ended
    # before the Bewilligungszeitraum is not Kamen's 2023 row. Personalkosten 40.000 + 12.300 = 52.300,00 €.
    tables = {
        Kind.BESCHEID: [BESCHEID],
        Kind.ZUWEISUNG: [{"jahr": 2023, "empfaenger": "Stadt Kamen", "vzae": "1", "ags": "05978020"}],
        Kind.BESETZUNG: [
            {"kommune": "Stadt Kamen", "personal_id": "P1", "beginn": "01.01.2023", "ende": "30.06.2023",
             "wochenstunden": "39", "personalkosten": "40000.00"},
            {"kommune": "Kamen (Westf.)", "ags": "05978020", "personal_id": "P2", "beginn": "01.07.2023",
             "wochenstunden": "39", "personalkosten": "12300.00"},
            {"kommune": "Stadt Kamen", "personal_id": "P0", "beginn": "01.01.2021", "ende": "31.12.2022",
             "wochenstunden": "39", "personalkosten": "99999.00"},
        ],
    }
    res = run(tables)
    kamen = next(a for a in res.zuteilungen if a.empfaenger == "Stadt Kamen")
    assert kamen.stellen == (0, 1)
    assert list(res.besetzung.iloc[list(kamen.stellen)]["personal_id"]) == ["P1", "P2"]
    assert kamen.personalkosten_cent == 5_230_000
