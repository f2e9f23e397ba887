"""Security review of accounts, roles and intake: each test pins one problem found and fixed (or a rule checked)."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import test_web_intake
from roles_support import as_user, server_with_accounts
from test_web_intake import FALL, MELDUNGEN

server = test_web_intake.server  # the fixture: the bundled example on a real server with the accounts


def _grid_without_town(title: str) -> bytes:
    """A month grid of shares (no Kommune column): the town comes from the title."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Stellenanteile"
    ws.append([title])
    ws.append(["Stand: 15.01.2024"])
    ws.append([])
    ws.append(["Personalnummer", *[f"{m:02d}/2023" for m in range(1, 13)]])
    ws.append(["X-1", *([1] * 12)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_grid_naming_another_town_in_its_title_is_another_towns_list(server) -> None:
    base, daten = server
    sent = as_user(base, "kamen", "POST", MELDUNGEN, fields={"monat": "2023-12", "einreichen": "1"},
                   files=[("dateien", "Liste.xlsx", _grid_without_town("Stadt Lünen – Stellenanteile KIM 2023"))])
    # the reader gives the grid's rows to Lünen (the title names it): Kamen may not report them
    assert sent.status == 422, sent.text
    codes = [b["code"] for b in sent.json()["befunde"] if b["schwere"] == "Fehler"]
    assert "meldung_fremde_stelle" in codes
    assert not any(p.name.startswith("Meldung_") for p in (daten / "faelle" / FALL).iterdir())
    # the same grid naming Kamen itself is Kamen's own list
    own = as_user(base, "kamen", "POST", MELDUNGEN, fields={"monat": "2023-12"},
                  files=[("dateien", "Liste.xlsx", _grid_without_town("Stadt Kamen – Stellenanteile KIM 2023"))])
    assert own.status == 201, own.text
    assert "meldung_fremde_stelle" not in [b["code"] for b in own.json()["befunde"]]


def test_the_audit_log_of_a_kreis_holds_nothing_of_another_kreis(server) -> None:
    from roles_support import session

    base, _ = server
    session(base, "kamen")  # Kamen (a town of the example case) and Dortmund (in no case) sign in
    session(base, "dortmund")
    session(base, "soest")
    sent = as_user(base, "kamen", "POST", MELDUNGEN, fields={"monat": "2023-12"},
                   files=[("dateien", "Besetzung Kamen.xlsx", _grid_without_town("Stadt Kamen – KIM 2023"))])
    assert sent.status == 201, sent.text

    def log(who: str) -> list[tuple[str | None, str, str, str | None]]:
        reply = as_user(base, who, "GET", "/api/protokoll")
        assert reply.status == 200
        return [(e["benutzer"], e["aktion"], e["gegenstand"], e["fall"]) for e in reply.json()["eintraege"]]

    soest = log("soest")
    # the Kreis Soest sees its own login and the town outside every case, nothing of the Kreis Unna:
    # no entry of its case, no account of its staff or its towns
    assert not [e for e in soest if e[3] == FALL]
    names = {"kreis.unna", "rpa.unna", "kamen", "luenen", "bergkamen"}
    assert not [e for e in soest if e[0] in names or any(e[2] in (f"Benutzerkonto {n}", n) or e[2].startswith(
        f"{n} (") for n in names)]
    assert ("kreis.soest", "angemeldet", "Anmeldeformular", None) in soest
    assert ("dortmund", "angemeldet", "Anmeldeformular", None) in soest
    # the Kreis Unna and its auditors see their case and their towns, not the Kreis Soest
    for who in ("kreis", "pruefer"):
        unna = log(who)
        assert ("kamen", "als Entwurf gespeichert", "Meldung Stadt Kamen 2023-12", FALL) in unna
        assert ("kamen", "angemeldet", "Anmeldeformular", None) in unna
        assert (None, "API-Token erzeugt", "Benutzerkonto luenen", None) in unna
        assert not [e for e in unna if e[0] == "kreis.soest" or "kreis.soest" in e[2]]


def test_a_doubled_proxy_header_is_refused(tmp_path: Path) -> None:
    import http.client

    from web_support import make_account, running_server

    from kimrecon.web.auth import AuthConfig

    daten = tmp_path / "daten"
    make_account(daten, "Kreis Unna", "kreis", "Kreis Unna", "Gemeinsames-Test-Passwort-2024")
    make_account(daten, "Stadt Kamen", "kommune", "Stadt Kamen", "Gemeinsames-Test-Passwort-2024")
    trusted = AuthConfig(proxies=("127.0.0.1",), sso_header="X-Remote-User")
    with running_server(daten, auth=trusted) as base:
        host_port = base.split("://", 1)[1]
        # a proxy that appends instead of replacing passes the client's own header on: which one is the
        # proxy's cannot be told, so neither counts (whichever order, in any spelling of the name)
        for first, second in (("Stadt Kamen", "Kreis Unna"), ("Kreis Unna", "Stadt Kamen")):
            conn = http.client.HTTPConnection(host_port, timeout=60)
            conn.putrequest("GET", "/api/faelle", skip_host=True)
            conn.putheader("Host", host_port)
            conn.putheader("X-Remote-User", first)
            conn.putheader("x-remote-user", second)
            conn.endheaders()
            reply = conn.getresponse()
            body = reply.read().decode()
            conn.close()
            assert reply.status == 400, body
            assert "mehrfach" in body


def test_an_error_page_gives_no_hint_that_another_organisations_case_exists(server) -> None:
    from roles_support import session
    from web_support import call

    base, _ = server
    town = session(base, "dortmund")
    foreign = call(base, "PUT", f"/faelle/{FALL}", headers=town.headers, api=False)
    missing = call(base, "PUT", "/faelle/gibt-es-nicht", headers=town.headers, api=False)
    assert foreign.status == missing.status == 405
    assert foreign.body == missing.body  # both lead back to the start page
    assert f"/faelle/{FALL}" not in foreign.text
    # the Kreis, who sees the case, is led back to it from a refused form
    kreis = session(base, "kreis")
    own = call(base, "POST", f"/faelle/{FALL}/abgleich", fields={"monat": "Dezember", "csrf": kreis.csrf},
               headers=kreis.headers, api=False)
    assert own.status == 400 and f'href="/faelle/{FALL}"' in own.text


def test_stellen_spelled_otherwise_match_exactly_their_own_node(tmp_path: Path) -> None:
    from web_support import bearer, call, make_account

    daten = tmp_path / "daten"
    pw = "Gemeinsames-Test-Passwort-2024"
    tokens = {name: make_account(daten, name, rolle, stelle, pw) for name, rolle, stelle in (
        ("kamen-kurz", "kommune", "kamen"),  # without "Stadt", lower case: Stadt Kamen
        ("stadt-unna", "kommune", "Stadt Unna"),  # the town Unna, not the Kreis Unna
        ("kreis-als-kommune", "kommune", "Kreis Unna"),  # the Kreis's own name is no town
        ("land-als-kommune", "kommune", "Bezirksregierung Arnsberg"),  # the giver of the Bescheid is no town
        ("kreis-vertippt", "kreis", "Unna"),  # a Kreis account whose Stelle is not the Kreis
    )}
    with server_with_accounts(daten) as base:
        def get(who: str, path: str):
            return call(base, "GET", path, headers=bearer(tokens[who]))

        for who, town in (("kamen-kurz", "Stadt Kamen"), ("stadt-unna", "Stadt Unna")):
            assert [c["fall"] for c in get(who, "/api/faelle").json()["faelle"]] == [FALL], who
            assert [s["stelle"] for s in get(who, MELDUNGEN + "?jahr=2023").json()["stellen"]] == [town], who
        for who in ("kreis-als-kommune", "land-als-kommune", "kreis-vertippt"):
            assert get(who, "/api/faelle").json()["faelle"] == [], who
            assert get(who, MELDUNGEN).status == 404, who


def test_a_town_sees_no_case_that_another_kreis_made_with_its_name(server) -> None:
    from web_support import example_files

    base, _ = server
    files = [f for f in example_files() if f[1].startswith(("Bescheid", "Zuweisung", "Bergkamen"))]
    # the Kreis Soest puts the Kreis Unna's Bescheid and Zuweisung into a case of its own: Kamen must not
    # find it among its cases and send its staffing list there
    planted = as_user(base, "soest", "POST", "/api/faelle", fields={"name": "Kreis Unna 2024"}, files=files)
    assert planted.status == 201, planted.text
    fall = planted.json()["fall"]
    for who in ("kamen", "bergkamen"):
        assert [c["fall"] for c in as_user(base, who, "GET", "/api/faelle").json()["faelle"]] == [FALL], who
        assert as_user(base, who, "GET", f"/api/faelle/{fall}/meldungen").status == 404, who
    sent = as_user(base, "kamen", "POST", f"/api/faelle/{fall}/meldungen", fields={"monat": "2023-12"},
                   files=[("dateien", "Liste.xlsx", _grid_without_town("Stadt Kamen – KIM 2023"))])
    assert sent.status == 404
    # the same files in a case the Kreis Unna made: its towns see it
    own = as_user(base, "kreis", "POST", "/api/faelle", fields={"name": "Kreis Unna 2024"}, files=files)
    assert own.status == 201, own.text
    assert as_user(base, "kamen", "GET", f"/api/faelle/{own.json()['fall']}/meldungen").status == 200


def test_a_list_with_a_stand_in_the_future_is_refused(server) -> None:
    from roles_support import kamen_list

    base, daten = server
    # "Stand: 31.12.2099" would make the list win over every later list of Kamen, the Kreis's corrections too
    sent = as_user(base, "kamen", "POST", MELDUNGEN, fields={"monat": "2023-12", "einreichen": "1"},
                   files=[("dateien", "Besetzung.xlsx", kamen_list(stand="31.12.2099"))])
    assert sent.status == 422, sent.text
    bad = [b for b in sent.json()["befunde"] if b["schwere"] == "Fehler"]
    assert [(b["code"], b["blatt"]) for b in bad] == [("meldung_stand_zukunft", "Besetzung")]
    assert "31.12.2099" in bad[0]["meldung"]
    assert not any(p.name.startswith("Meldung_") for p in (daten / "faelle" / FALL).iterdir())
