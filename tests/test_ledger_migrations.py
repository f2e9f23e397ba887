"""Ledger schema: Alembic migrations from an empty database, idempotent re-open, models == migrations."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from ledger_support import BACKENDS, ledger_db, make_result, table_counts
from sqlalchemy import create_engine, inspect

from kimrecon.ledger import DEFAULT_FILE, ENV_DB, LedgerError, open_ledger, resolve_url
from kimrecon.ledger.models import Base
from kimrecon.ledger.schema import SCHEMA_HEAD, VERSION_TABLE


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from ledger_db(request.param, tmp_path)


def test_migrates_empty_database_to_head(url: str) -> None:
    engine = create_engine(url)
    assert inspect(engine).get_table_names() == []
    engine.dispose()

    open_ledger(url, None).close()

    engine = create_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert tables == {*Base.metadata.tables, VERSION_TABLE}
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
            assert ctx.get_current_revision() == "0002"
            # the migrations build exactly the schema the models describe
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE, "compare_type": True}),
                Base.metadata,
            )
        assert diff == []
    finally:
        engine.dispose()


def test_schema_head_names_the_newest_migration() -> None:
    # opening compares the version table with SCHEMA_HEAD without Alembic: it must be Alembic's head
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from kimrecon.ledger.store import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_current_head() == SCHEMA_HEAD == "0002"


def test_opening_a_current_sqlite_ledger_imports_no_sqlalchemy(tmp_path: Path) -> None:
    # the fast path: one query reads the revision; SQLAlchemy and Alembic only for a migration
    db = tmp_path / "k.sqlite"
    open_ledger(str(db), None).close()  # creates the schema (Alembic) in this process
    probe = (
        "import sys; from pathlib import Path; from kimrecon.ledger import open_ledger\n"
        f"with open_ledger({str(db)!r}, None, create=False) as led:\n"
        "    runs = led.runs()\n"
        "print(len(runs), sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'alembic', 'pandas'}))"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["0", "[]"]


def test_reopen_is_a_no_op_and_keeps_runs(url: str) -> None:
    with open_ledger(url, None) as ledger:
        ledger.record(make_result("L1", "2023-03"))
    before = table_counts(url)
    with open_ledger(url, None) as ledger:
        assert [r.lauf_id for r in ledger.runs()] == ["L1"]
    assert (
        table_counts(url)
        == before
        == {
            "lauf": 1,
            "eingabedatei": 3,
            "parameter": 3,
            "befund": 1,
            "kante": 4,
            "monatswert": 9,
            "korrektur": 0,
            # the web server's accounts (revision 0002), empty in a ledger of runs
            "konto": 0,
            "api_token": 0,
            "sitzung": 0,
            "anmeldeversuch": 0,
            "protokoll": 0,
        }
    )


def test_default_location_is_the_case_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_DB, raising=False)
    with open_ledger(None, tmp_path) as ledger:
        assert ledger.runs() == []
    assert (tmp_path / DEFAULT_FILE).is_file()


def test_env_and_plain_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "zentral.sqlite"
    monkeypatch.setenv(ENV_DB, f"sqlite:///{target}")
    assert resolve_url(None, tmp_path) == f"sqlite:///{target}"
    assert resolve_url("postgresql://u@h/db", tmp_path) == "postgresql://u@h/db"  # --db wins over the env
    assert resolve_url(str(target), None) == f"sqlite:///{target}"


def test_german_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_DB, raising=False)
    with pytest.raises(LedgerError, match="kein Laufbuch angegeben"):
        open_ledger(None, None)
    with pytest.raises(LedgerError, match="existiert nicht"):
        open_ledger(None, tmp_path / "fehlt")
    with pytest.raises(LedgerError, match="gibt es kein Laufbuch"):
        open_ledger(None, tmp_path, create=False)
    assert not (tmp_path / DEFAULT_FILE).exists()
    with pytest.raises(LedgerError, match="ungültig"):
        open_ledger("nicht eine url://", None)
    with pytest.raises(LedgerError, match="nicht erreichbar"):
        open_ledger("postgresql://kimrecon@127.0.0.1:1/kimrecon", None)


def test_unknown_newer_schema_and_foreign_file_are_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.sqlite'}"
    open_ledger(url, None).close()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE {VERSION_TABLE} SET version_num = '0099'")
    engine.dispose()
    with pytest.raises(LedgerError, match="neueren Version"):
        open_ledger(url, None)
    (tmp_path / "kaputt.sqlite").write_bytes(b"keine Datenbank" * 100)
    with pytest.raises(LedgerError, match="keine SQLite-Datenbank"):
        open_ledger(str(tmp_path / "kaputt.sqlite"), None)
