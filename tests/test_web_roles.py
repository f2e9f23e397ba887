"""Who sees what, per route and role, on the bundled example "Kreis Unna 2023" (real server on 127.0.0.1).

Accounts: the Kreis Unna, the towns Kamen and Lünen, the hub Bergkamen, the Rechnungsprüfungsamt
(pruefer), and two strangers (another Kreis, a town outside the tree); each calls with its personal
API token, page forms through a signed-in session.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from roles_support import as_user, audit, server_with_accounts, session

from kimrecon.write.nachweis import nachweis_filename

FALL = "beispiel-kreis-unna-2023"
KAMEN = "2023--stadt-bergkamen--stadt-kamen"
LUENEN = "2023--kreis-unna--stadt-luenen"
BOENEN = "2023--stadt-bergkamen--gemeinde-boenen"


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """The example case, reconciled for December 2023 with every Verwendungsnachweis, by the Kreis."""
    daten = tmp_path_factory.mktemp("roles") / "daten"
    with server_with_accounts(daten) as base:
        run = as_user(base, "kreis", "POST", f"/api/faelle/{FALL}/abgleich", json_body={"monat": "2023-12",
                                                                                         "nachweise": "1"})
        assert run.status == 200, run.text
        yield base, daten, run.json()


def _edges(reply) -> list[tuple[str, str]]:
    return sorted((k["geber"], k["empfaenger"]) for k in reply.json()["kanten"])


def test_each_account_lists_only_the_cases_of_its_organisation(ran) -> None:
    base, _, _ = ran
    for who in ("kreis", "pruefer", "kamen", "luenen", "bergkamen"):
        assert [c["fall"] for c in as_user(base, who, "GET", "/api/faelle").json()["faelle"]] == [FALL], who
    for who in ("soest", "dortmund"):
        assert as_user(base, who, "GET", "/api/faelle").json()["faelle"] == [], who
        assert FALL not in as_user(base, who, "GET", "/").text


@pytest.mark.parametrize("path", [
    "/faelle/{f}", "/faelle/{f}/abgleich/2023-12", f"/faelle/{{f}}/abgleich/2023-12/weiterleitung/{KAMEN}",
    "/faelle/{f}/laeufe", "/faelle/{f}/fristen", "/faelle/{f}/meldungen", "/api/faelle/{f}",
    "/api/faelle/{f}/abgleich/2023-12", "/api/faelle/{f}/laeufe", "/api/faelle/{f}/fristen?am=2024-03-15",
    "/api/faelle/{f}/meldungen", "/faelle/{f}/meldungen/fehlend.csv",
])
def test_another_organisations_case_answers_404_like_a_missing_one(ran, path: str) -> None:
    base, _, _ = ran
    for who in ("soest", "dortmund"):
        foreign = as_user(base, who, "GET", path.format(f=FALL))
        missing = as_user(base, who, "GET", path.format(f="gibt-es-nicht"))
        assert foreign.status == missing.status == 404, (who, path)
        assert foreign.body == missing.body  # not a word more: no hint that the case exists
    insiders = ("kreis", "pruefer", "kamen", "bergkamen") + (() if "weiterleitung" in path else ("luenen",))
    for who in insiders:  # (Lünen does not see Kamen's edge: below)
        assert as_user(base, who, "GET", path.format(f=FALL)).status == 200, (who, path)


def test_writes_to_another_organisations_case_answer_404(ran) -> None:
    base, _, _ = ran
    for path, body in ((f"/api/faelle/{FALL}/abgleich", {"monat": "2023-12"}),
                       (f"/api/faelle/{FALL}/nachweise", {"kante": KAMEN, "aktion": "geprueft"})):
        assert as_user(base, "soest", "POST", path, fields=body).status == 404


def test_each_account_sees_its_own_edges_in_the_result(ran) -> None:
    base, _, full = ran
    url = f"/api/faelle/{FALL}/abgleich/2023-12"
    kamen = as_user(base, "kamen", "GET", url)
    assert _edges(kamen) == [("Stadt Bergkamen", "Stadt Kamen")]
    edge = kamen.json()["kanten"][0]
    # paid 4 × 14.250,00 = 57.000,00; eligible 10 staffed months × 4.750,00 = 47.500,00; Saldo 9.500,00
    assert (edge["ausgezahlt_kumuliert"], edge["foerderfaehig_kumuliert"], edge["saldo"]) == (
        "57000.00", "47500.00", "9500.00")
    assert {z["empfaenger"] for z in kamen.json()["zuteilungen"]} == {"Stadt Kamen"}
    assert len(kamen.json()["zahlungen"]) == 4  # the four quarterly payments Bergkamen → Kamen
    assert "Lünen" not in kamen.text and "Bönen" not in kamen.text
    assert _edges(as_user(base, "luenen", "GET", url)) == [("Kreis Unna", "Stadt Lünen")]
    assert _edges(as_user(base, "bergkamen", "GET", url)) == [
        ("Kreis Unna", "Stadt Bergkamen"), ("Stadt Bergkamen", "Gemeinde Bönen"), ("Stadt Bergkamen", "Stadt Kamen")]
    # the Kreis and the auditors see all 11 edges: Land → Kreis, Kreis → 8 towns and the hub, hub → 2 towns
    assert len(as_user(base, "kreis", "GET", url).json()["kanten"]) == len(full["kanten"]) == 11
    assert len(as_user(base, "pruefer", "GET", url).json()["kanten"]) == 11


def test_the_result_page_of_a_town_names_no_other_town(ran) -> None:
    base, _, _ = ran
    page = as_user(base, "kamen", "GET", f"/faelle/{FALL}/abgleich/2023-12")
    assert page.status == 200
    assert "9.500,00 €" in page.text
    for other in ("Lünen", "Bönen", "Schwerte", "Abgleich_Kreis_Unna_2023-12.xlsx", "Abgleich ausführen"):
        assert other not in page.text, other
    assert nachweis_filename(2023, "Stadt Kamen") in page.text  # its own Verwendungsnachweis
    case_page = as_user(base, "kamen", "GET", f"/faelle/{FALL}")
    assert "Besetzung_Lünen_2023.xlsx" not in case_page.text and "Hochladen und prüfen" not in case_page.text


def test_a_town_opens_its_own_edge_and_no_other(ran) -> None:
    base, _, _ = ran
    own = as_user(base, "kamen", "GET", f"/faelle/{FALL}/abgleich/2023-12/weiterleitung/{KAMEN}")
    assert own.status == 200
    assert "9.500,00 €" in own.text  # 57.000,00 − 47.500,00
    api = as_user(base, "kamen", "GET", f"/api/faelle/{FALL}/abgleich/2023-12/weiterleitung/{KAMEN}")
    assert api.json()["kante"]["saldo"] == "9500.00"
    months = api.json()["monate"]
    # January and February unstaffed, March–December 1,0 VzÄ: 10 × 4.750,00 = 47.500,00 by December
    assert [m["foerderfaehig"] for m in months[:3]] == ["0.00", "0.00", "4750.00"]
    assert (months[-1]["monat"], months[-1]["foerderfaehig_kumuliert"]) == (12, "47500.00")
    for guess in (LUENEN, BOENEN, "2023--bezirksregierung-arnsberg--kreis-unna", "1--a--b", "..", "%2e%2e%2f%2e%2e"):
        for prefix in ("/faelle", "/api/faelle"):
            reply = as_user(base, "kamen", "GET", f"{prefix}/{FALL}/abgleich/2023-12/weiterleitung/{guess}")
            assert reply.status == 404, (prefix, guess)
    assert as_user(base, "bergkamen", "GET", f"/api/faelle/{FALL}/abgleich/2023-12/weiterleitung/{BOENEN}").status \
        == 200  # the hub sees its children's edges
    assert as_user(base, "pruefer", "GET", f"/faelle/{FALL}/abgleich/2023-12/weiterleitung/{LUENEN}").status == 200


def test_downloads_by_role(ran) -> None:
    base, daten, full = ran
    out = f"/api/faelle/{FALL}/ausgaben/2023-12/"
    abgleich = out + "Abgleich_Kreis_Unna_2023-12.xlsx"
    kamen = out + quote(nachweis_filename(2023, "Stadt Kamen"))
    luenen = out + quote(nachweis_filename(2023, "Stadt Lünen"))
    assert {f["name"] for f in as_user(base, "kamen", "GET", f"/api/faelle/{FALL}/abgleich/2023-12").json()[
        "dateien"]} == {nachweis_filename(2023, "Stadt Kamen")}
    assert as_user(base, "kamen", "GET", abgleich).status == 404  # the Abgleich holds every town's figures
    assert as_user(base, "kamen", "GET", kamen).status == 200
    assert as_user(base, "kamen", "GET", luenen).status == 404
    assert as_user(base, "luenen", "GET", kamen).status == 404
    assert as_user(base, "pruefer", "GET", abgleich).status == 200
    assert as_user(base, "kreis", "GET", luenen).status == 200
    for bad in ("..%2F..%2Ffaelle%2F" + FALL + "%2F.fall.json", "%2Fetc%2Fpasswd", ".fall.json"):
        assert as_user(base, "kreis", "GET", out + bad).status == 404
    assert as_user(base, "kreis", "GET", f"/api/faelle/{FALL}/ausgaben/..%2F..%2F/x.xlsx").status == 404
    assert ("kamen", "heruntergeladen", nachweis_filename(2023, "Stadt Kamen"), FALL) in audit(daten)


@pytest.mark.parametrize("who", ["kamen", "pruefer", "bergkamen"])
def test_only_the_kreis_changes_the_case(ran, who: str) -> None:
    base, _, _ = ran
    from web_support import example_files

    one = example_files()[:1]
    for path, kwargs in (("/api/faelle", {"fields": {"name": "x"}, "files": one}),
                         (f"/api/faelle/{FALL}/dateien", {"files": one}),
                         (f"/api/faelle/{FALL}/abgleich", {"json_body": {"monat": "2023-12"}})):
        reply = as_user(base, who, "POST", path, **kwargs)
        assert reply.status == 403, (who, path)
        assert ("Prüfkonto" if who == "pruefer" else "Kreis") in reply.json()["fehler"]
    signed_in = session(base, who)
    page = as_user(base, None, "POST", f"/faelle/{FALL}/abgleich", fields={"monat": "2023-12", "csrf": signed_in.csrf},
                   headers=signed_in.headers, api=False)
    assert page.status == 403
    assert "Abgleich" in page.text


def test_run_history_is_filtered(ran) -> None:
    base, _, full = ran
    runs = as_user(base, "kamen", "GET", f"/api/faelle/{FALL}/laeufe").json()["laeufe"]
    assert [r["lauf_id"] for r in runs] == [full["lauf_id"]]
    assert "fehler" not in runs[0]  # counts of the whole case are the Kreis's
    detail = as_user(base, "kamen", "GET", f"/faelle/{FALL}/laeufe/{full['lauf_id']}")
    assert detail.status == 200
    assert "Stadt Kamen" in detail.text and "Lünen" not in detail.text and "Bönen" not in detail.text
    assert "Lünen" in as_user(base, "pruefer", "GET", f"/faelle/{FALL}/laeufe/{full['lauf_id']}").text
    for guess in ("20240101-000000-deadbeef", "..%2F..", quote(full["lauf_id"] + "/../x")):
        assert as_user(base, "kamen", "GET", f"/faelle/{FALL}/laeufe/{guess}").status == 404


def test_deadlines_and_nachweis_markings_by_role(ran) -> None:
    base, daten, _ = ran
    fristen = f"/api/faelle/{FALL}/fristen?am=2024-03-15"
    mark = f"/api/faelle/{FALL}/nachweise"
    kamen = as_user(base, "kamen", "GET", fristen).json()["fristen"]
    assert [(d["geber"], d["empfaenger"]) for d in kamen] == [("Stadt Bergkamen", "Stadt Kamen")]
    assert len(as_user(base, "pruefer", "GET", fristen).json()["fristen"]) == 11
    # a town marks nothing; another town's edge does not exist for it
    assert as_user(base, "kamen", "POST", mark, fields={"kante": KAMEN, "aktion": "geprueft"}).status == 403
    assert as_user(base, "luenen", "POST", mark, fields={"kante": KAMEN, "aktion": "eingegangen"}).status == 404
    # the auditor checks, it does not record the arrival
    assert as_user(base, "pruefer", "POST", mark, fields={"kante": KAMEN, "aktion": "eingegangen"}).status == 403
    assert as_user(base, "bergkamen", "POST", mark,
                   fields={"kante": KAMEN, "aktion": "eingegangen", "datum": "2024-03-01"}).status == 200
    assert as_user(base, "pruefer", "POST", mark,
                   fields={"kante": KAMEN, "aktion": "geprueft", "datum": "2024-03-10"}).status == 200
    # the hub marks its children only
    assert as_user(base, "bergkamen", "POST", mark, fields={"kante": LUENEN, "aktion": "eingegangen"}).status == 404
    after = as_user(base, "kamen", "GET", fristen).json()["fristen"][0]
    assert (after["status"], after["eingegangen"], after["geprueft"]) == ("geprüft", "2024-03-01", "2024-03-10")
    before = as_user(base, "kamen", "GET", f"/api/faelle/{FALL}/fristen?am=2024-03-05").json()["fristen"][0]
    assert (before["status"], before["geprueft"]) == ("eingegangen", None)  # checked only on 10.03.
    log = audit(daten)
    assert ("bergkamen", "als eingegangen markiert", "Verwendungsnachweis Stadt Bergkamen → Stadt Kamen 2023",
            FALL) in log
    assert ("rpa.unna", "als geprüft markiert", "Verwendungsnachweis Stadt Bergkamen → Stadt Kamen 2023",
            FALL) in log
    page = as_user(base, "pruefer", "GET", f"/faelle/{FALL}/fristen?am=2024-03-15")
    assert "Als geprüft markieren" in page.text and "Als eingegangen markieren" not in page.text
    assert "Verwendungsnachweis erfassen" not in as_user(base, "kamen", "GET", f"/faelle/{FALL}/fristen").text


def test_path_traversal_in_case_ids_fails(ran) -> None:
    base, _, _ = ran
    for guess in ("..", "..%2F..%2Fetc", "%2e%2e", FALL + "%2F..", "BEISPIEL-KREIS-UNNA-2023"):
        for prefix in ("/faelle/", "/api/faelle/"):
            assert as_user(base, "kreis", "GET", prefix + guess).status == 404, guess


def test_without_accounts_everything_is_visible(tmp_path: Path) -> None:
    with server_with_accounts(tmp_path / "daten", accounts=False) as base:
        assert [c["fall"] for c in as_user(base, None, "GET", "/api/faelle").json()["faelle"]] == [FALL]
        page = as_user(base, None, "GET", f"/faelle/{FALL}")
        assert "Abgleich ausführen" in page.text and "Besetzung_Lünen_2023.xlsx" in page.text
        assert as_user(base, None, "GET", f"/faelle/{FALL}/meldungen").status == 200


def test_with_accounts_nothing_is_shown_without_signing_in(ran) -> None:
    base, _, _ = ran
    assert as_user(base, None, "GET", f"/api/faelle/{FALL}/abgleich/2023-12").status == 401
    assert as_user(base, None, "GET", f"/faelle/{FALL}/meldungen").status == 303


def test_a_case_belongs_to_the_kreis_of_the_account_that_created_it(tmp_path: Path) -> None:
    from web_support import example_files

    with server_with_accounts(tmp_path / "daten") as base:
        bescheid = [f for f in example_files() if f[1] == "Bescheid_KIM_2023.xlsx"]
        zuweisung = [f for f in example_files() if f[1] == "Zuweisung_Kreis_Unna_2023.xlsx"]
        made = as_user(base, "soest", "POST", "/api/faelle", fields={"name": "Soest 2024"}, files=zuweisung)
        assert made.status == 201
        fall = made.json()["fall"]
        assert fall in [c["fall"] for c in as_user(base, "soest", "GET", "/api/faelle").json()["faelle"]]
        assert as_user(base, "dortmund", "GET", f"/api/faelle/{fall}").status == 404
        # the case has no Bescheid yet: only the Kreis that created it sees it
        assert as_user(base, "kreis", "GET", f"/api/faelle/{fall}").status == 404
        assert as_user(base, "soest", "POST", f"/api/faelle/{fall}/dateien", files=bescheid).status == 200
        assert ("kreis.soest", "Fall angelegt", "Soest 2024", fall) in audit(tmp_path / "daten")
        assert ("kreis.soest", "hochgeladen", "Bescheid_KIM_2023.xlsx", fall) in audit(tmp_path / "daten")
