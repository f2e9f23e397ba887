"""The accounts store on SQLite and PostgreSQL: hashes only, rehash on login, migration of 0001 ledgers."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ledger_support import BACKENDS, ledger_db

from kimrecon import accounts
from kimrecon.accounts import Gedrosselt, Konten, KontoFehler, Policy
from kimrecon.web.identity import Benutzer, Rolle

PW = "Ein-langes-Passwort-1"


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from ledger_db(request.param, tmp_path)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_accounts_sessions_tokens_and_log_on_both_backends(url: str, tmp_path: Path) -> None:
    clock = Clock()
    with Konten.open(tmp_path, url, clock=clock) as konten:
        assert konten.anzahl() == 0
        konten.anlegen("Stadt Kamen", "kommune", " Stadt   Kamen ", PW)
        konten.anlegen("Kreis Unna", Rolle.KREIS, None, PW)
        assert [(k.name, k.rolle, k.stelle, k.gesperrt) for k in konten.liste()] == [
            ("Kreis Unna", Rolle.KREIS, None, False), ("Stadt Kamen", Rolle.KOMMUNE, "Stadt Kamen", False)]
        with pytest.raises(KontoFehler, match="gibt es schon"):
            konten.anlegen("Kreis Unna", "kreis", None, PW)
        with pytest.raises(KontoFehler, match="braucht die Stelle"):
            konten.anlegen("Stadt Lünen", "kommune", None, PW)
        with pytest.raises(KontoFehler, match="mindestens 12 Zeichen"):
            konten.anlegen("Stadt Lünen", "kommune", "Stadt Lünen", "elf-Zeichen")  # 11 characters

        kamen = konten.anmelden("Stadt Kamen", PW, "192.0.2.1")
        assert kamen is not None and kamen.benutzer == Benutzer("Stadt Kamen", Rolle.KOMMUNE, "Stadt Kamen")
        assert kamen.letzte_anmeldung == clock.now
        sid, csrf = konten.sitzung_anlegen(kamen)
        assert konten.sitzung(sid) == accounts.Sitzung(kamen, csrf)
        token = konten.token_erzeugen("Stadt Kamen")
        assert konten.per_token(token) == kamen
        newer = konten.token_erzeugen("Stadt Kamen")
        assert (konten.per_token(token), konten.per_token(newer)) == (None, kamen)  # the new token replaces the old
        konten.sperren("Stadt Kamen")
        assert (konten.sitzung(sid), konten.per_token(newer), konten.anmelden("Stadt Kamen", PW, "x")) == (
            None, None, None)
        eintraege, total = konten.protokoll()
        assert total == 5  # 2 × angelegt, 2 × API-Token erzeugt, 1 × gesperrt (the store logs no login itself)
        assert [(e.benutzer, e.aktion) for e in eintraege][:2] == [(None, "gesperrt"), (None, "API-Token erzeugt")]


def test_throttling_window_on_both_backends(url: str, tmp_path: Path) -> None:
    clock = Clock()
    with Konten.open(tmp_path, url, clock=clock, policy=Policy(max_failures_account=3)) as konten:
        konten.anlegen("Kreis Unna", "kreis", None, PW)
        for _ in range(3):
            clock.now += timedelta(minutes=1)  # failures at 8:01, 8:02, 8:03
            assert konten.anmelden("Kreis Unna", "falsch", "192.0.2.1") is None
        clock.now += timedelta(minutes=1)  # 8:04: the oldest of the three leaves the 15-minute window at 8:16
        with pytest.raises(Gedrosselt) as info:
            konten.anmelden("Kreis Unna", PW, "192.0.2.1")
        assert info.value.sekunden == 12 * 60
        clock.now += timedelta(minutes=12)
        assert konten.anmelden("Kreis Unna", PW, "192.0.2.1") is not None


def test_only_hashes_are_stored_and_outdated_hashes_are_renewed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    import sqlite3

    monkeypatch.setattr(accounts, "HASH_PARAMETERS", {"time_cost": 1, "memory_cost": 8192, "parallelism": 1})
    with Konten.open(tmp_path, None) as konten:
        konten.anlegen("Kreis Unna", "kreis", None, PW)
        token = konten.token_erzeugen("Kreis Unna")
    db = sqlite3.connect(tmp_path / "kimrecon.sqlite")
    (old,) = db.execute("SELECT passwort FROM konto").fetchone()
    assert old.startswith("$argon2id$v=19$m=8192,t=1,p=1$")
    assert db.execute("SELECT hash FROM api_token").fetchone()[0] != token
    monkeypatch.setattr(accounts, "HASH_PARAMETERS", {})  # the library's current parameters
    with Konten.open(tmp_path, None) as konten:
        assert konten.anmelden("Kreis Unna", "falsch", "x") is None
        assert db.execute("SELECT passwort FROM konto").fetchone()[0] == old  # a failure changes nothing
        assert konten.anmelden("Kreis Unna", PW, "x") is not None
    (new,) = db.execute("SELECT passwort FROM konto").fetchone()
    assert new.startswith("$argon2id$v=19$m=65536,t=3,p=4$")  # argon2-cffi's defaults (RFC 9106, low memory)
    db.close()


def test_a_ledger_at_revision_0001_is_migrated_and_keeps_its_runs(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, inspect

    from kimrecon.ledger import open_ledger
    from kimrecon.ledger.schema import VERSION_TABLE
    from kimrecon.ledger.store import MIGRATIONS

    url = f"sqlite:///{tmp_path / 'alt.sqlite'}"
    engine = create_engine(url)
    with engine.begin() as conn:  # a ledger as kimrecon wrote it before accounts existed, with one run
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.exec_driver_sql(
            "INSERT INTO lauf (lauf_id, zeitpunkt, monat, version, fall, modus, status, fingerabdruck) "
            "VALUES ('L1', '2024-01-01 00:00:00.000000', '2023-12', '0.1.0', 'f', 'monatsprinzip', 'ok', 'x')")
    assert "konto" not in inspect(engine).get_table_names()
    engine.dispose()
    with open_ledger(url, None) as ledger:  # opening migrates 0001 → 0002
        assert [r.lauf_id for r in ledger.runs()] == ["L1"]
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalar_one() == "0002"
    assert {"konto", "api_token", "sitzung", "anmeldeversuch", "protokoll"} <= set(inspect(engine).get_table_names())
    engine.dispose()
    with Konten.open(tmp_path, url) as konten:
        konten.anlegen("Kreis Unna", "kreis", None, PW)
        assert konten.anzahl() == 1


def test_cli_import_does_not_load_argon2_sqlalchemy_or_the_web() -> None:
    probe = ("import sys, kimrecon.cli\n"
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'argon2', 'sqlalchemy', 'starlette'}))")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout.strip()) == (0, "[]"), proc.stderr


def test_server_signs_in_against_the_shared_database(url: str, tmp_path: Path) -> None:
    from web_support import bearer, call, login, make_account, running_server

    daten = tmp_path / "daten"
    token = make_account(daten, "Kreis Unna", "kreis", "Kreis Unna", PW, db=url)
    assert not (daten / "kimrecon.sqlite").exists()  # with --db the accounts live in that database
    with running_server(daten, db=url) as base:
        assert call(base, "GET", "/api/faelle").status == 401
        assert call(base, "GET", "/api/faelle", headers=bearer(token)).status == 200
        session = login(base, "Kreis Unna", PW)
        assert call(base, "GET", "/", headers=session.headers).status == 200
        log = call(base, "GET", "/api/protokoll", headers=bearer(token)).json()
        assert [e["aktion"] for e in log["eintraege"]] == ["angemeldet", "API-Token erzeugt", "Benutzerkonto angelegt"]
