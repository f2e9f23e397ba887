"""The towns' monthly lists: upload → check → draft → submit → newest Stand; the matrix and its export."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import pytest
from roles_support import as_user, audit, kamen_list, new_list, server_with_accounts, session

FALL = "beispiel-kreis-unna-2023"
MELDUNGEN = f"/api/faelle/{FALL}/meldungen"


@pytest.fixture
def server(tmp_path: Path):
    with server_with_accounts(tmp_path / "daten") as base:
        yield base, tmp_path / "daten"


def _kamen_edge(base: str) -> dict:
    run = as_user(base, "kreis", "POST", f"/api/faelle/{FALL}/abgleich", json_body={"monat": "2023-12"})
    assert run.status == 200, run.text
    return next(k for k in run.json()["kanten"] if k["empfaenger"] == "Stadt Kamen")


def test_a_submitted_list_becomes_the_newest_stand_and_the_run_uses_it(server) -> None:
    base, daten = server
    before = _kamen_edge(base)
    assert before["saldo"] == "9500.00"  # 57.000,00 paid − 10 staffed months × 4.750,00
    sent = as_user(base, "kamen", "POST", MELDUNGEN, fields={"monat": "2023-12", "einreichen": "1"},
                   files=[("dateien", "Besetzung Kamen Dezember.xlsx", kamen_list())])
    assert sent.status == 201, sent.text
    body = sent.json()
    assert body["entwurf"] is None
    name = body["eingereicht"]["dateien"][0]["name"]
    assert name == f"Meldung_Stadt_Kamen_2023-12_Stand_{date.today():%Y%m%d}.xlsx"
    assert body["eingereicht"]["eingereicht_von"] == "kamen"
    assert [b["code"] for b in body["befunde"]] == ["spalte_personenbezug"]  # the name column, dropped
    assert (daten / "faelle" / FALL / name).is_file()
    after = _kamen_edge(base)
    # KA-P02 now from 01.02.2023: 11 staffed months × 4.750,00 = 52.250,00 eligible;
    # Saldo 57.000,00 − 52.250,00 = 4.750,00
    assert (after["foerderfaehig_kumuliert"], after["saldo"]) == ("52250.00", "4750.00")
    case = as_user(base, "kreis", "GET", f"/api/faelle/{FALL}").json()
    assert "liste_ersetzt" in [b["code"] for b in case["befunde"]]  # the old list (Stand 31.12.2023) is replaced
    assert [e[:2] for e in audit(daten) if e[0] == "kamen" and e[1] != "angemeldet"] == [
        ("kamen", "hochgeladen"), ("kamen", "als Entwurf gespeichert"), ("kamen", "eingereicht")]
    # the town now sees its own file and its findings, still nobody else's
    own = as_user(base, "kamen", "GET", f"/api/faelle/{FALL}").json()
    assert [d["name"] for d in own["dateien"]] == [name]


def test_a_list_with_another_towns_rows_stays_a_draft(server) -> None:
    base, daten = server
    extra = ["Stadt Lünen", "LU-9", "LU-P99", "Muster, Max", datetime(2023, 1, 1), None, 39, 39]
    sent = as_user(base, "kamen", "POST", MELDUNGEN, fields={"monat": "2023-11", "einreichen": "1"},
                   files=[("dateien", "Besetzung.xlsx", kamen_list(extra=extra))])
    assert sent.status == 422
    body = sent.json()
    assert body["eingereicht"] is None
    assert body["entwurf"]["fehler"] == 1
    bad = [b for b in body["befunde"] if b["schwere"] == "Fehler"]
    assert [(b["code"], b["blatt"], b["zelle"]) for b in bad] == [("meldung_fremde_stelle", "Besetzung", "A7")]
    assert "Stadt Lünen" in bad[0]["meldung"] and "Stadt Kamen" in bad[0]["meldung"]
    assert not any(p.name.startswith("Meldung_") for p in (daten / "faelle" / FALL).iterdir())
    again = as_user(base, "kamen", "POST", f"{MELDUNGEN}/stadt-kamen/2023-11/einreichen")
    assert again.status == 422
    matrix = as_user(base, "kreis", "GET", MELDUNGEN + "?jahr=2023").json()
    kamen = next(s for s in matrix["stellen"] if s["stelle"] == "Stadt Kamen")
    assert kamen["monate"][10]["status"] == "mit Fehlern"  # November


def test_an_older_stand_is_refused(server) -> None:
    base, _ = server
    sent = as_user(base, "kamen", "POST", MELDUNGEN, fields={"monat": "2023-12", "einreichen": "1"},
                   files=[("dateien", "Besetzung.xlsx", kamen_list(stand="01.12.2023"))])
    assert sent.status == 422
    assert [b["code"] for b in sent.json()["befunde"] if b["schwere"] == "Fehler"] == ["meldung_stand_aelter"]


def test_other_sheet_kinds_and_foreign_lists_are_refused(server) -> None:
    from kimrecon.resources import example_case

    base, _ = server
    bescheid = (example_case() / "Bescheid_KIM_2023.xlsx").read_bytes()
    sent = as_user(base, "kamen", "POST", MELDUNGEN, fields={"monat": "2023-12"},
                   files=[("dateien", "Bescheid.xlsx", bescheid)])
    codes = [b["code"] for b in sent.json()["befunde"] if b["schwere"] == "Fehler"]
    assert "meldung_art" in codes and "meldung_leer" in codes
    # the Kreis may report for a town; the town's own list of Lünen is another town's
    luenen = new_list("Besetzung_Lünen_2023.xlsx", "15.01.2024")
    sent = as_user(base, "kamen", "POST", MELDUNGEN, fields={"monat": "2023-12"},
                   files=[("dateien", "Lünen.xlsx", luenen)])
    assert {b["code"] for b in sent.json()["befunde"] if b["schwere"] == "Fehler"} == {"meldung_fremde_stelle"}
    copy = as_user(base, "kamen", "POST", MELDUNGEN, fields={"monat": "2023-12"},  # a byte-identical copy, too
                   files=[("dateien", "Lünen.xlsx", (example_case() / "Besetzung_Lünen_2023.xlsx").read_bytes())])
    assert "meldung_fremde_stelle" in [b["code"] for b in copy.json()["befunde"]]
    by_kreis = as_user(base, "kreis", "POST", MELDUNGEN, fields={"monat": "2023-12", "stelle": "Stadt Lünen"},
                       files=[("dateien", "Lünen.xlsx", luenen)])
    assert by_kreis.status == 201
    assert by_kreis.json()["stelle"] == "Stadt Lünen"


def test_intake_by_role(server) -> None:
    base, _ = server
    files = [("dateien", "Besetzung.xlsx", kamen_list())]
    assert as_user(base, "pruefer", "POST", MELDUNGEN, fields={"monat": "2023-12"}, files=files).status == 403
    assert as_user(base, "soest", "POST", MELDUNGEN, fields={"monat": "2023-12"}, files=files).status == 404
    # a town always reports for itself, whatever the form says
    sent = as_user(base, "kamen", "POST", MELDUNGEN, fields={"monat": "2023-12", "stelle": "Stadt Lünen"}, files=files)
    assert sent.json()["stelle"] == "Stadt Kamen"
    detail = f"{MELDUNGEN}/stadt-kamen/2023-12"
    assert as_user(base, "kamen", "GET", detail).status == 200
    assert as_user(base, "bergkamen", "GET", detail).status == 200  # the hub sees its subtree
    assert as_user(base, "pruefer", "GET", detail).status == 200
    for who in ("luenen", "soest"):
        assert as_user(base, who, "GET", detail).status == 404
        assert as_user(base, who, "GET", f"/faelle/{FALL}/meldungen/stadt-kamen/2023-12").status == 404
    assert as_user(base, "luenen", "POST", detail + "/einreichen").status == 404
    assert as_user(base, "pruefer", "POST", detail + "/einreichen").status == 403
    for guess in ("..%2F..%2Fetc/2023-12", "stadt-kamen/..%2F..", "stadt-kamen/2023-13", "stadt-kamen/x"):
        assert as_user(base, "kreis", "GET", f"{MELDUNGEN}/{guess}").status == 404, guess
    for name in ("../Besetzung.xlsx", "..\\x.xlsx", "/etc/passwd.xlsx"):
        assert as_user(base, "kamen", "POST", MELDUNGEN, fields={"monat": "2023-12"},
                       files=[("dateien", name, kamen_list())]).status == 400, name
    assert as_user(base, "kreis", "POST", MELDUNGEN, fields={"monat": "2023-12", "stelle": "Stadt Dortmund"},
                   files=files).status == 400  # not a node of the case's tree
    rows = as_user(base, "kamen", "GET", MELDUNGEN).json()["stellen"]
    assert [r["stelle"] for r in rows] == ["Stadt Kamen"]
    hub = as_user(base, "bergkamen", "GET", MELDUNGEN).json()["stellen"]
    assert [r["stelle"] for r in hub] == ["Gemeinde Bönen", "Stadt Bergkamen", "Stadt Kamen"]


def test_the_matrix_and_the_export_of_the_missing_lists(server) -> None:
    base, _ = server
    # the Kreis puts an older list of Lünen into the case (Stand 30.06.2023): it covers January to June only
    put = as_user(base, "kreis", "POST", f"/api/faelle/{FALL}/dateien",
                  files=[("dateien", "Besetzung_Lünen_2023.xlsx", new_list("Besetzung_Lünen_2023.xlsx", "30.06.2023"))])
    assert put.status == 200, put.text
    sent = as_user(base, "kamen", "POST", MELDUNGEN, fields={"monat": "2023-12", "einreichen": "1"},
                   files=[("dateien", "Besetzung.xlsx", kamen_list())])
    assert sent.status == 201
    matrix = as_user(base, "kreis", "GET", MELDUNGEN).json()
    assert matrix["jahr"] == 2023
    # the Zuweisung 2023 names 11 recipients: the Kreis itself, 8 towns, the hub Bergkamen and its 2 towns
    assert len(matrix["stellen"]) == 11
    cells = {(s["stelle"], m["monat"]): (m["status"], m["von"], m["stand"])
             for s in matrix["stellen"] for m in s["monate"]}
    assert cells[("Stadt Kamen", "2023-12")] == ("eingegangen", "kamen", None)
    # Kamen's submitted list (Stand 15.01.2024) reports its earlier months too; the example's own
    # lists carry "Stand: 31.12.2023": every month of 2023 is reported
    assert cells[("Stadt Kamen", "2023-11")] == ("liegt vor", None, "2024-01-15")
    assert cells[("Gemeinde Bönen", "2023-12")] == ("liegt vor", None, "2023-12-31")
    assert cells[("Stadt Lünen", "2023-06")] == ("liegt vor", None, "2023-06-30")
    assert cells[("Stadt Lünen", "2023-07")] == ("fehlt", None, None)
    page = as_user(base, "kreis", "GET", f"/faelle/{FALL}/meldungen")
    assert "eingegangen" in page.text and "Fehlende Meldungen 2023" in page.text
    assert 'value="2023-07"' in page.text  # the form proposes the first month still open: Lünen's July
    export = as_user(base, "kreis", "GET", f"/faelle/{FALL}/meldungen/fehlend.csv?jahr=2023")
    assert export.status == 200
    assert export.body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    assert 'filename="Fehlende_Meldungen_2023.csv"' in export.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(export.body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Stelle", "Berichtsmonat", "Status", "Entwurf hochgeladen am", "Entwurf von"]
    # 2023 is over; only Lünen's July to December are missing (6 rows)
    assert rows[1:] == [["Stadt Lünen", f"{m} 2023", "fehlt", "", ""]
                        for m in ("Juli", "August", "September", "Oktober", "November", "Dezember")]
    # the auditor reads the matrix and exports, and sees no upload form
    assert as_user(base, "pruefer", "GET", f"/faelle/{FALL}/meldungen/fehlend.csv").status == 200
    assert "Hochladen und prüfen" not in as_user(base, "pruefer", "GET", f"/faelle/{FALL}/meldungen").text


def test_the_page_forms_upload_and_submit(server) -> None:
    base, daten = server
    kamen = session(base, "kamen")
    up = as_user(base, None, "POST", f"/faelle/{FALL}/meldungen", api=False, headers=kamen.headers,
                 fields={"csrf": kamen.csrf, "monat": "2023-12"}, files=[("dateien", "Besetzung.xlsx", kamen_list())])
    assert up.status == 303
    assert up.headers["location"] == f"/faelle/{FALL}/meldungen/stadt-kamen/2023-12"
    draft = as_user(base, None, "GET", up.headers["location"], headers=kamen.headers)
    assert "Liste einreichen" in draft.text and "0 Fehler" in draft.text
    sub = as_user(base, None, "POST", up.headers["location"] + "/einreichen", api=False, headers=kamen.headers,
                  fields={"csrf": kamen.csrf})
    assert sub.status == 303
    assert "Eingereicht am" in as_user(base, None, "GET", up.headers["location"], headers=kamen.headers).text
    no_token = as_user(base, None, "POST", f"/faelle/{FALL}/meldungen", api=False, headers=kamen.headers,
                       fields={"monat": "2023-12"}, files=[("dateien", "Besetzung.xlsx", kamen_list())])
    assert no_token.status == 403
    assert [e[1] for e in audit(daten) if e[0] == "kamen" and e[1] != "angemeldet"] == [
        "hochgeladen", "als Entwurf gespeichert", "eingereicht"]


def test_web_markings_are_a_nachweise_sheet_the_engine_reads(server) -> None:
    base, daten = server
    mark = as_user(base, "kreis", "POST", f"/api/faelle/{FALL}/nachweise",
                   fields={"geber": "Kreis Unna", "empfaenger": "Stadt Lünen", "jahr": "2023", "aktion": "eingegangen",
                           "datum": "2024-02-20"})
    assert mark.status == 200
    sheet = daten / "faelle" / FALL / "Nachweise_kimrecon.xlsx"
    assert sheet.is_file()
    case = as_user(base, "kreis", "GET", f"/api/faelle/{FALL}").json()
    kinds = {d["name"]: d["arten"] for d in case["dateien"]}
    assert kinds["Nachweise_kimrecon.xlsx"] == ["Nachweise (Nachweise)"]
    assert case["befunde"] == [b for b in case["befunde"] if b["schwere"] == "Hinweis"]
    fristen = as_user(base, "kreis", "GET", f"/api/faelle/{FALL}/fristen?am=2024-03-15").json()["fristen"]
    luenen = next(d for d in fristen if d["empfaenger"] == "Stadt Lünen")
    assert (luenen["status"], luenen["eingegangen"]) == ("eingegangen", "2024-02-20")


def test_the_export_never_writes_a_formula_and_lists_only_due_months() -> None:
    from kimrecon.web.intake import EINGEGANGEN, FEHLT, Zeile, Zelle, faellig_bis, fehlende_csv

    cells = (Zelle("2024-01", EINGEGANGEN), Zelle("2024-02", FEHLT), Zelle("2024-03", FEHLT))
    rows = [Zeile("=HYPERLINK(\"http://x\")", "x", cells)]
    text = fehlende_csv(rows, 2024, date(2024, 2, 15)).decode("utf-8-sig")
    # due by 15.02.2024: January and February; January is in, March not yet due
    assert list(csv.reader(io.StringIO(text), delimiter=";"))[1:] == [
        ["'=HYPERLINK(\"http://x\")", "Februar 2024", "fehlt", "", ""]]
    assert (faellig_bis(2023, date(2024, 2, 15)), faellig_bis(2024, date(2024, 2, 15)),
            faellig_bis(2025, date(2024, 2, 15))) == (12, 2, 0)


def test_the_tree_of_the_example() -> None:
    from kimrecon.pipeline import read_and_validate
    from kimrecon.resources import example_case
    from kimrecon.web.access import baum

    tree = baum(read_and_validate([example_case()]))
    assert [tree.name(k) for k in tree.kreise] == ["Kreis Unna"]
    assert tree.name(tree.eltern[tree.key("Kamen")]) == "Stadt Bergkamen"
    assert tree.name(tree.eltern[tree.key("Stadt Lünen")]) == "Kreis Unna"
    assert sorted(tree.name(k) for k in tree.teilbaum(tree.key("Stadt Bergkamen"))) == [
        "Gemeinde Bönen", "Stadt Bergkamen", "Stadt Kamen"]
    assert len(tree.kanten()) == 10  # Kreis → 8 towns and the hub, hub → 2 towns (the Kreis's own row is no edge)
