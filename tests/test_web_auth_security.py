"""Security of the sign-in: every state-changing route refused without session, token or CSRF token;
no password anywhere; the proxy header only from a trusted peer; binding; the audit log's readers."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
from web_support import bearer, call, example_files, login, login_reply, make_account, running_server

from kimrecon.web.auth import AuthConfig

KREIS_PW = "Kreis-Passwort-2024!"
KAMEN_PW = "Kamen-Passwort-2024!"
PRUEFER_PW = "Pruefer-Passwort-2024!"
PARAMS = {"monat": "2023-12", "lauf": "unbekannt", "datei": "Abgleich.xlsx", "stelle": "Stadt%20Kamen"}


def _starlette(app):
    """The Starlette application inside the Guard and the sign-in middleware."""
    while not hasattr(app, "routes"):
        app = app.app
    return app


def _writes(daten: Path, fall: str) -> list[tuple[str, str, bool]]:
    """(method, path, real) of every route that is not GET/HEAD, with its path parameters filled in.

    ``real``: every parameter names an existing object (the case, a month), so only the CSRF check
    can refuse the request; otherwise the route may also answer 404 for the made-up object.
    """
    from starlette.routing import Route

    from kimrecon.web.server import create_app

    out = []
    for route in _starlette(create_app(daten=daten)).routes:
        if not isinstance(route, Route):
            continue  # the static files
        names = re.findall(r"\{(\w+)(?::\w+)?\}", route.path)
        for method in sorted((route.methods or set()) - {"GET", "HEAD"}):
            path = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: fall if m[1] == "fall" else PARAMS.get(m[1], "x"),
                          route.path)
            out.append((method, path, set(names) <= {"fall", "monat"}))
    return out


def _files(daten: Path) -> list[str]:
    """Every file of the data folder but the databases (what a refused request must not change)."""
    return sorted(f"{p.relative_to(daten)}:{p.stat().st_size}" for p in daten.rglob("*")
                  if p.is_file() and ".sqlite" not in p.name)


def test_every_state_changing_route_is_refused_without_session_token_or_csrf(tmp_path: Path) -> None:
    daten = tmp_path / "daten"
    with running_server(daten) as base:  # a case made before the first account exists
        fall = call(base, "POST", "/api/faelle", fields={"name": "Fall"}, files=example_files()).json()["fall"]
    make_account(daten, "Kreis Unna", "kreis", "Kreis Unna", KREIS_PW)
    writes = _writes(daten, fall)
    assert ("POST", "/faelle", True) in writes and ("POST", f"/api/faelle/{fall}/abgleich", True) in writes
    assert ("POST", "/abmelden", True) in writes and ("POST", "/anmelden", True) in writes
    body = {"fields": {"name": "Angriff", "monat": "2023-12", "nachweise": "1", "benutzer": "Kreis Unna",
                       "passwort": KREIS_PW}, "files": example_files()[:1]}
    with running_server(daten) as base:
        session = login(base, "Kreis Unna", KREIS_PW)
        before = _files(daten)
        for method, path, real in writes:
            api = path.startswith("/api/")
            nobody = call(base, method, path, **body)
            if path == "/anmelden":
                assert nobody.status == 403, (path, nobody.status)  # no pre-session token
                continue
            if api:
                assert nobody.status == 401, (path, nobody.status)
                assert nobody.headers["www-authenticate"].startswith("Bearer")
            else:
                assert (nobody.status, nobody.headers.get("location")) == (303, "/anmelden"), (path, nobody.status)
            assert call(base, method, path, headers=bearer("kim_erraten"), **body).status == 401, path
            no_csrf = call(base, method, path, headers=session.headers, api=api, **body)
            wrong = call(base, method, path, headers=session.headers, api=api,
                         fields={**body["fields"], "csrf": "falsch"}, files=body["files"])
            # a session is no key to the API's writes (they need the token); pages need the form's token
            if api:
                assert (no_csrf.status, wrong.status) == (401, 401), path
            else:
                allowed = {403} if real else {403, 404}
                assert {no_csrf.status, wrong.status} <= allowed, (path, no_csrf.status, wrong.status)
        assert _files(daten) == before
        assert call(base, "GET", "/", headers=session.headers).status == 200  # the session survived all that


def test_passwords_never_appear_in_database_logs_outputs_or_cli(tmp_path: Path, capfd: pytest.CaptureFixture[str]
                                                                ) -> None:
    daten = tmp_path / "daten"
    first, second, typed_as_name = "Erstes-Geheimnis-4711", "Zweites-Geheimnis-0815", "Im-Namensfeld-9999"
    cli = [sys.executable, "-m", "kimrecon.cli", "benutzer"]
    outputs = []
    for args, stdin in ((["anlegen", "Kreis Unna", "--rolle", "kreis"], first),
                        (["passwort", "Kreis Unna"], second),
                        (["liste"], ""), (["token", "Kreis Unna"], ""), (["protokoll"], "")):
        proc = subprocess.run([*cli, *args, "--daten", str(daten)], input=stdin + "\n", capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        outputs += [proc.stdout, proc.stderr]
    handler_records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            handler_records.append(self.format(record))

    keep = Keep(level=logging.DEBUG)
    loggers = [logging.getLogger(n) for n in ("", "uvicorn", "uvicorn.error", "uvicorn.access", "starlette",
                                              "kimrecon")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(keep)
        lg.setLevel(logging.DEBUG)
    try:
        with running_server(daten) as base:
            replies = [login_reply(base, "Kreis Unna", first),  # the old password
                       login_reply(base, typed_as_name, second),  # the password typed into the name field
                       login_reply(base, "Kreis Unna", second)]
            session = login(base, "Kreis Unna", second)
            replies += [call(base, "GET", "/protokoll", headers=session.headers),
                        call(base, "GET", "/api/protokoll", headers=session.headers)]
            assert [r.status for r in replies] == [401, 401, 303, 200, 200]
            log = replies[-1].json()["eintraege"]
            assert [(e["benutzer"], e["aktion"]) for e in log[:4]] == [
                ("Kreis Unna", "angemeldet"), ("Kreis Unna", "angemeldet"),
                (None, "Anmeldung fehlgeschlagen"),  # an unknown name is not written down
                ("Kreis Unna", "Anmeldung fehlgeschlagen"),
            ]
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.removeHandler(keep)
            lg.setLevel(level)
    captured = capfd.readouterr()
    texts = [*outputs, *handler_records, captured.out, captured.err,
             *(r.text + repr(r.headers) + repr(r.cookies) for r in replies)]
    stored = b"".join(p.read_bytes() for p in daten.rglob("*") if p.is_file())
    assert b"$argon2id$" in stored  # the hashes are there: this is the accounts database
    for secret in (first, second, typed_as_name):
        assert secret.encode() not in stored, secret
        assert not [t for t in texts if secret in t], secret


def test_proxy_header_is_honoured_only_from_a_trusted_peer(tmp_path: Path) -> None:
    daten = tmp_path / "daten"
    make_account(daten, "Kreis Unna", "kreis", "Kreis Unna", KREIS_PW)
    make_account(daten, "Stadt Kamen", "kommune", "Stadt Kamen", KAMEN_PW)
    from kimrecon.accounts import Konten

    with Konten.open(daten, None) as konten:
        konten.sperren("Stadt Kamen")
    trusted = AuthConfig(proxies=("127.0.0.1",), sso_header="X-Remote-User")
    with running_server(daten, auth=trusted) as base:
        ok = call(base, "GET", "/", headers={"X-Remote-User": "Kreis Unna"})
        assert ok.status == 200
        assert "Angemeldet: <strong>Kreis Unna</strong>" in ok.text
        assert 'action="/abmelden"' not in ok.text  # the proxy signs out, not kimrecon
        assert call(base, "GET", "/api/faelle", headers={"X-Remote-User": "Kreis Unna"}).status == 200
        for name in ("Niemand", "Stadt Kamen"):  # unknown, locked
            refused = call(base, "GET", "/api/faelle", headers={"X-Remote-User": name})
            assert refused.status == 403, name
            assert "kein freigeschaltetes Benutzerkonto" in refused.json()["fehler"]
            page = call(base, "GET", "/", headers={"X-Remote-User": name})
            assert (page.status, page.headers["content-type"]) == (403, "text/html; charset=utf-8")
            assert "kein freigeschaltetes Benutzerkonto" in page.text
        # a page form signed in by the proxy carries a CSRF token bound to the user
        page = call(base, "GET", "/", headers={"X-Remote-User": "Kreis Unna"}).text
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        created = call(base, "POST", "/faelle", fields={"name": "Fall", "csrf": token}, files=example_files()[:1],
                       headers={"X-Remote-User": "Kreis Unna"}, api=False)
        assert created.status == 303
    elsewhere = AuthConfig(proxies=("10.9.9.9",), sso_header="X-Remote-User")
    with running_server(daten, auth=elsewhere) as base:  # the TCP peer 127.0.0.1 is no trusted proxy
        assert call(base, "GET", "/api/faelle", headers={"X-Remote-User": "Kreis Unna"}).status == 401
        assert call(base, "GET", "/", headers={"X-Remote-User": "Kreis Unna"}).status == 303


def test_audit_log_is_for_kreis_and_pruefer_only(tmp_path: Path) -> None:
    daten = tmp_path / "daten"
    kreis = make_account(daten, "Kreis Unna", "kreis", "Kreis Unna", KREIS_PW)
    kamen = make_account(daten, "Stadt Kamen", "kommune", "Stadt Kamen", KAMEN_PW)
    pruefer = make_account(daten, "RPA", "pruefer", None, PRUEFER_PW)
    with running_server(daten) as base:
        assert call(base, "GET", "/api/protokoll", headers=bearer(kamen)).status == 404
        town = login(base, "Stadt Kamen", KAMEN_PW)
        assert call(base, "GET", "/protokoll", headers=town.headers).status == 404
        assert 'href="/protokoll"' not in call(base, "GET", "/", headers=town.headers).text
        for token in (kreis, pruefer):
            log = call(base, "GET", "/api/protokoll", headers=bearer(token)).json()
            # 3 accounts × (angelegt + API-Token erzeugt) + Kamen's login = 7 entries, newest first
            assert log["anzahl"] == 7
            assert [(e["benutzer"], e["aktion"], e["gegenstand"]) for e in log["eintraege"][:2]] == [
                ("Stadt Kamen", "angemeldet", "Anmeldeformular"),
                (None, "API-Token erzeugt", "Benutzerkonto RPA"),
            ]
            assert log["eintraege"][0]["zeitpunkt"].endswith("Z")
        auditor = login(base, "RPA", PRUEFER_PW)
        page = call(base, "GET", "/protokoll", headers=auditor.headers)
        assert page.status == 200
        assert "<caption>Protokoll, Seite 1 von 1</caption>" in page.text
        assert page.text.count("<tr><th scope=\"row\">") == 8  # the seven above and the auditor's own login


def test_audit_log_pages_hold_fifty_entries(tmp_path: Path) -> None:
    from kimrecon.accounts import Konten

    daten = tmp_path / "daten"
    token = make_account(daten, "Kreis Unna", "kreis", "Kreis Unna", KREIS_PW)  # 2 entries
    with Konten.open(daten, None) as konten:
        for i in range(58):
            konten.protokolliere("Kreis Unna", "heruntergeladen", f"Datei {i}", "fall-1")
    with running_server(daten) as base:
        # 60 entries: page 1 holds the newest 50 (Datei 57 … Datei 8), page 2 the other 10
        one = call(base, "GET", "/api/protokoll", headers=bearer(token)).json()
        two = call(base, "GET", "/api/protokoll?seite=2", headers=bearer(token)).json()
        assert (one["seiten"], len(one["eintraege"]), len(two["eintraege"])) == (2, 50, 10)
        assert one["eintraege"][0]["gegenstand"] == "Datei 57"
        assert one["eintraege"][49]["gegenstand"] == "Datei 8"
        assert [e["aktion"] for e in two["eintraege"][-2:]] == ["API-Token erzeugt", "Benutzerkonto angelegt"]


def test_identity_protokolliere_writes_through_the_installed_writer(tmp_path: Path) -> None:
    from starlette.requests import Request

    from kimrecon.web.identity import SCOPE_KEY, Benutzer, Rolle, protokolliere
    from kimrecon.web.server import create_app

    daten = tmp_path / "daten"
    app = _starlette(create_app(daten=daten))
    kamen = Benutzer("Stadt Kamen", Rolle.KOMMUNE, "Stadt Kamen")
    protokolliere(Request({"type": "http", "app": app, SCOPE_KEY: kamen}), "hochgeladen", "Besetzung.xlsx",
                  fall="f1")
    assert not (daten / "kimrecon.sqlite").exists()  # no accounts: nothing is written
    make_account(daten, "Stadt Kamen", "kommune", "Stadt Kamen", KAMEN_PW)
    protokolliere(Request({"type": "http", "app": app, SCOPE_KEY: kamen}), "hochgeladen", "Besetzung.xlsx",
                  fall="f1")
    from kimrecon.accounts import Konten

    with Konten.open(daten, None) as konten:
        newest = konten.protokoll()[0][0]
    assert (newest.benutzer, newest.aktion, newest.gegenstand, newest.fall) == (
        "Stadt Kamen", "hochgeladen", "Besetzung.xlsx", "f1")


def test_non_loopback_binding_needs_an_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from kimrecon.web import server

    daten = tmp_path / "daten"
    for host in ("0.0.0.0", "192.168.1.10", "::"):
        with pytest.raises(ValueError, match="nur auf dem eigenen Rechner"):
            server.serve(host=host, daten=daten)
    assert not daten.exists()
    make_account(daten, "Kreis Unna", "kreis", "Kreis Unna", KREIS_PW)
    seen: list[dict[str, object]] = []
    monkeypatch.setattr(server, "create_app", lambda **kw: seen.append(kw) or object())
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: None)
    server.serve(host="0.0.0.0", daten=daten, hostnames=["kim.kreis-unna.de"], https=True)
    server.serve(host="192.168.1.10", daten=daten)
    assert [kw["hostnames"] for kw in seen] == [["kim.kreis-unna.de"], ["192.168.1.10"]]
    assert seen[0]["auth"].https is True


def test_configured_host_names_pass_the_host_check(tmp_path: Path) -> None:
    daten = tmp_path / "daten"
    token = make_account(daten, "Kreis Unna", "kreis", "Kreis Unna", KREIS_PW)
    with running_server(daten, hostnames=["kim.kreis-unna.de"]) as base:
        named = call(base, "GET", "/api/faelle", headers={**bearer(token), "Host": "kim.kreis-unna.de"})
        assert named.status == 200
        other = call(base, "GET", "/api/faelle", headers={**bearer(token), "Host": "boese.example"})
        assert other.status == 400
        # a form post from the configured name's own page passes the Origin check
        posted = call(base, "POST", "/api/faelle", fields={"name": "Fall"}, files=example_files()[:1],
                      headers={**bearer(token), "Host": "kim.kreis-unna.de", "Origin": "https://kim.kreis-unna.de"})
        assert posted.status == 201


def test_an_unreachable_accounts_database_lets_nobody_in(tmp_path: Path) -> None:
    with running_server(tmp_path / "daten", db="postgresql://kimrecon@127.0.0.1:1/kimrecon") as base:
        page = call(base, "GET", "/")
        assert page.status == 503
        assert "Benutzerdatenbank ist nicht erreichbar" in page.text
        assert call(base, "GET", "/api/faelle").json()["fehler"].startswith("Die Benutzerdatenbank")
