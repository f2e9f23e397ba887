"""Sign-in of the web server against a real uvicorn server: login form, sessions, tokens, throttling, audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from web_support import (
    bearer,
    call,
    cookie_value,
    example_files,
    login,
    login_reply,
    make_account,
    running_server,
)

from kimrecon.accounts import Policy
from kimrecon.web.auth import AuthConfig

KREIS_PW = "Kreis-Passwort-2024!"
KAMEN_PW = "Kamen-Passwort-2024!"
WRONG = "Benutzername oder Passwort ist falsch."


class Clock:
    """A clock the test moves by hand (no sleeping)."""

    def __init__(self) -> None:
        self.now = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def daten(tmp_path: Path) -> Path:
    return tmp_path / "daten"


@pytest.fixture
def kreis(daten: Path) -> str:
    return make_account(daten, "Kreis Unna", "kreis", "Kreis Unna", KREIS_PW)


def test_without_accounts_nothing_asks_for_a_login(daten: Path) -> None:
    with running_server(daten) as base:
        assert call(base, "GET", "/").status == 200
        assert call(base, "GET", "/api/faelle").status == 200
        reply = call(base, "GET", "/anmelden")
        assert (reply.status, reply.headers["location"]) == (303, "/")
    assert not (daten / "kimrecon.sqlite").exists()  # the server creates no accounts database by itself


def test_api_needs_a_token_once_an_account_exists(daten: Path) -> None:
    with running_server(daten) as base:
        assert call(base, "GET", "/api/faelle").status == 200
        token = make_account(daten, "Kreis Unna", "kreis", "Kreis Unna", KREIS_PW)  # while the server runs
        refused = call(base, "GET", "/api/faelle")
        assert refused.status == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert refused.json()["befunde"] == []
        assert "Bearer" in refused.json()["fehler"]
        assert call(base, "GET", "/api/faelle", headers=bearer("kim_falsch")).status == 401
        assert call(base, "GET", "/api/faelle", headers={"Authorization": f"Basic {token}"}).status == 401
        ok = call(base, "GET", "/api/faelle", headers=bearer(token))
        assert (ok.status, ok.json()) == (200, {"faelle": []})
        created = call(base, "POST", "/api/faelle", fields={"name": "Kreis Unna 2023"}, files=example_files()[:1],
                       headers=bearer(token))
        assert created.status == 201
        assert call(base, "GET", "/static/app.css").status == 200  # static files stay public


def test_pages_redirect_to_the_form_and_back_to_a_same_site_target(daten: Path, kreis: str) -> None:
    with running_server(daten) as base:
        reply = call(base, "GET", "/faelle/abc?x=1")
        assert (reply.status, reply.headers["location"]) == (303, "/anmelden?weiter=%2Ffaelle%2Fabc%3Fx%3D1")
        assert call(base, "GET", "/").headers["location"] == "/anmelden"
        form = call(base, "GET", "/anmelden?weiter=/faelle/abc")
        assert form.status == 200
        assert 'name="benutzer"' in form.text and 'name="passwort"' in form.text
        assert 'name="weiter" value="/faelle/abc"' in form.text
        assert login_reply(base, "Kreis Unna", KREIS_PW, weiter="/faelle/abc").headers["location"] == "/faelle/abc"
        for foreign in ("//boese.example/x", "https://boese.example/", "/\\boese.example", "javascript:alert(1)"):
            assert login_reply(base, "Kreis Unna", KREIS_PW, weiter=foreign).headers["location"] == "/", foreign


def test_login_sets_a_strict_http_only_cookie_and_shows_the_user(daten: Path, kreis: str) -> None:
    with running_server(daten) as base:
        reply = login_reply(base, "Kreis Unna", KREIS_PW)
        assert reply.status == 303
        cookie = next(c for c in reply.cookies if c.startswith("kimrecon_sitzung="))
        assert {"HttpOnly", "SameSite=Strict", "Path=/"} <= {p.strip() for p in cookie.split(";")}
        assert "Secure" not in cookie  # plain http on loopback
        session = login(base, "Kreis Unna", KREIS_PW)
        page = call(base, "GET", "/", headers=session.headers)
        assert "Angemeldet: <strong>Kreis Unna</strong>" in page.text
        assert 'action="/abmelden"' in page.text
        assert call(base, "GET", "/api/faelle", headers=session.headers).status == 200  # API reads (downloads)


def test_secure_cookie_behind_tls(daten: Path, kreis: str) -> None:
    with running_server(daten, auth=AuthConfig(https=True)) as base:
        reply = login_reply(base, "Kreis Unna", KREIS_PW)
        cookie = next(c for c in reply.cookies if c.startswith("__Host-kimrecon_sitzung="))
        assert "Secure" in {p.strip() for p in cookie.split(";")}


def test_wrong_name_and_wrong_password_get_the_same_answer(daten: Path, kreis: str) -> None:
    with running_server(daten) as base:
        unknown = login_reply(base, "Niemand", KREIS_PW)
        wrong = login_reply(base, "Kreis Unna", "falsches-Passwort")
        assert unknown.status == wrong.status == 401
        assert WRONG in unknown.text and WRONG in wrong.text
        assert cookie_value(wrong, "kimrecon_sitzung") is None


def test_session_fixation_fails(daten: Path, kreis: str) -> None:
    with running_server(daten) as base:
        planted = "kimrecon_sitzung=vom-angreifer-gesetzt"
        reply = login_reply(base, "Kreis Unna", KREIS_PW, cookie=planted)
        new = cookie_value(reply, "kimrecon_sitzung")
        assert new and new != "vom-angreifer-gesetzt"
        assert call(base, "GET", "/", headers={"Cookie": planted}).status == 303  # the planted id is no session
        first = login(base, "Kreis Unna", KREIS_PW)
        again = login_reply(base, "Kreis Unna", KREIS_PW, cookie=first.cookie)
        second = cookie_value(again, "kimrecon_sitzung")
        assert second and f"kimrecon_sitzung={second}" != first.cookie  # a new id at every login
        assert call(base, "GET", "/", headers=first.headers).status == 303  # the old session ended


def test_logout_ends_the_session(daten: Path, kreis: str) -> None:
    with running_server(daten) as base:
        session = login(base, "Kreis Unna", KREIS_PW)
        no_token = call(base, "POST", "/abmelden", fields={}, headers=session.headers, api=False)
        assert no_token.status == 403
        assert call(base, "GET", "/", headers=session.headers).status == 200
        out = call(base, "POST", "/abmelden", fields={"csrf": session.csrf}, headers=session.headers, api=False)
        assert (out.status, out.headers["location"]) == (303, "/anmelden")
        assert cookie_value(out, "kimrecon_sitzung") == ""
        assert call(base, "GET", "/", headers=session.headers).status == 303


def test_idle_timeout_and_absolute_lifetime(daten: Path, kreis: str) -> None:
    clock = Clock()
    with running_server(daten, auth=AuthConfig(clock=clock)) as base:
        session = login(base, "Kreis Unna", KREIS_PW)
        clock.advance(minutes=29)
        assert call(base, "GET", "/", headers=session.headers).status == 200  # 29 min idle < 30
        clock.advance(minutes=29)
        assert call(base, "GET", "/", headers=session.headers).status == 200  # idle counts from the last request
        clock.advance(minutes=31)
        assert call(base, "GET", "/", headers=session.headers).status == 303  # 31 min idle > 30
        session = login(base, "Kreis Unna", KREIS_PW)
        for _ in range(35):  # a request every 20 minutes: 35 × 20 min = 11 h 40 min < 12 h
            clock.advance(minutes=20)
            assert call(base, "GET", "/", headers=session.headers).status == 200
        clock.advance(minutes=20)  # 12 h 00 min: not more than the absolute lifetime yet
        assert call(base, "GET", "/", headers=session.headers).status == 200
        clock.advance(minutes=1)  # 12 h 01 min
        assert call(base, "GET", "/", headers=session.headers).status == 303


def test_eleventh_wrong_password_within_a_minute_is_throttled(daten: Path, kreis: str) -> None:
    clock = Clock()
    with running_server(daten, auth=AuthConfig(clock=clock)) as base:
        for _ in range(10):
            clock.advance(seconds=5)  # ten failures within 50 seconds
            assert login_reply(base, "Kreis Unna", "falsch-falsch").status == 401
        clock.advance(seconds=5)
        throttled = login_reply(base, "Kreis Unna", KREIS_PW)  # even the right password waits
        assert throttled.status == 429
        # the first failure (at 0:05) leaves the 15-minute window at 15:05; now is 0:55 → 850 s → 15 minutes
        assert "Bitte in 15 Minuten erneut versuchen." in throttled.text
        assert throttled.headers["retry-after"] == "850"
        assert cookie_value(throttled, "kimrecon_sitzung") is None
        clock.advance(seconds=850)
        assert login_reply(base, "Kreis Unna", KREIS_PW).status == 303


def test_failures_from_one_address_are_throttled_across_names(daten: Path, kreis: str) -> None:
    policy = Policy(max_failures_address=3)
    with running_server(daten, auth=AuthConfig(policy=policy)) as base:
        for name in ("Anna", "Bernd", "Clara"):
            assert login_reply(base, name, "falsch-falsch").status == 401
        assert login_reply(base, "Kreis Unna", KREIS_PW).status == 429


def test_forwarded_for_counts_only_behind_a_trusted_proxy(daten: Path, kreis: str) -> None:
    policy = Policy(max_failures_address=2)
    with running_server(daten, auth=AuthConfig(policy=policy, proxies=("127.0.0.1",))) as base:
        for name in ("Anna", "Bernd"):
            assert login_reply_from(base, name, "203.0.113.5").status == 401
        assert login_reply_from(base, "Kreis Unna", "203.0.113.5", KREIS_PW).status == 429
        assert login_reply_from(base, "Kreis Unna", "203.0.113.6", KREIS_PW).status == 303  # another client
    with running_server(daten, auth=AuthConfig(policy=policy)) as base:  # no trusted proxy: the header is ignored
        for name, address in (("Anna", "198.51.100.1"), ("Bernd", "198.51.100.2")):
            assert login_reply_from(base, name, address).status == 401
        assert login_reply_from(base, "Kreis Unna", "198.51.100.3", KREIS_PW).status == 429  # all from 127.0.0.1


def login_reply_from(base: str, name: str, address: str, passwort: str = "falsch-falsch"):
    """A login whose request says it was forwarded for ``address``."""
    import web_support

    original = web_support.call

    def forwarded(*args, **kwargs):
        kwargs["headers"] = {**(kwargs.get("headers") or {}), "X-Forwarded-For": address}
        return original(*args, **kwargs)

    web_support.call = forwarded
    try:
        return login_reply(base, name, passwort)
    finally:
        web_support.call = original


def test_locked_account_cannot_log_in_and_its_session_and_token_end(daten: Path) -> None:
    from kimrecon.accounts import Konten

    token = make_account(daten, "Stadt Kamen", "kommune", "Stadt Kamen", KAMEN_PW)
    with running_server(daten) as base:
        session = login(base, "Stadt Kamen", KAMEN_PW)
        with Konten.open(daten, None) as konten:
            konten.sperren("Stadt Kamen")
        locked = login_reply(base, "Stadt Kamen", KAMEN_PW)
        assert locked.status == 401
        assert WRONG in locked.text  # no hint that the account exists but is locked
        assert call(base, "GET", "/", headers=session.headers).status == 303
        assert call(base, "GET", "/api/faelle", headers=bearer(token)).status == 401
        with Konten.open(daten, None) as konten:
            konten.sperren("Stadt Kamen", False)
        assert login_reply(base, "Stadt Kamen", KAMEN_PW).status == 303


def test_user_name_with_markup_is_shown_escaped(daten: Path) -> None:
    name = "<script>alert(1)</script>"
    make_account(daten, name, "kreis", None, KREIS_PW)
    with running_server(daten) as base:
        session = login(base, name, KREIS_PW)
        page = call(base, "GET", "/", headers=session.headers).text
        assert "Angemeldet: <strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>" in page
        assert "<script>alert" not in page
        log = call(base, "GET", "/protokoll", headers=session.headers).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in log and "<script>alert" not in log
