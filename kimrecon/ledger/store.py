"""The run ledger: record each run in one transaction, recognise repeats, find retroactive corrections.

SQLite (a file in the case folder) by default, any SQLAlchemy URL of PostgreSQL otherwise.
The queries are plain SQL on the database driver's connection: an SQLite ledger is opened with
the standard library's ``sqlite3`` and imports neither SQLAlchemy nor Alembic as long as its
schema is current (one query reads the revision); a new or older database is migrated with
Alembic, and a PostgreSQL ledger is connected through SQLAlchemy's engine (psycopg).

Writers are serialised: SQLite takes the write lock at ``BEGIN IMMEDIATE`` and waits up to the
busy timeout, PostgreSQL takes a transaction-scoped advisory lock with ``lock_timeout``. A run is
inserted, the caller's ``publish`` moves its workbooks into place, and only then the transaction
commits; a crash before the commit leaves no trace of the run in the ledger.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kimrecon.ledger.records import (
    KENNZAHLEN,
    MonthFigure,
    RunDetail,
    RunSummary,
    StoredEdge,
    StoredFile,
    StoredFinding,
)
from kimrecon.ledger.schema import SCHEMA_HEAD, VERSION_TABLE
from kimrecon.result import MONTH_COLUMNS, Correction, Parameter, Result

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

DEFAULT_FILE = "kimrecon.sqlite"
ENV_DB = "KIMRECON_DB"
MIGRATIONS = Path(__file__).with_name("migrations")
# PostgreSQL advisory lock key that serialises writers ("kimrecon" as eight ASCII bytes)
_PG_LOCK_KEY = int.from_bytes(b"kimrecon", "big")
# SQLAlchemy's storage format of DateTime and Date in SQLite (text), kept for existing ledgers
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"

_KEY = ("geber", "empfaenger", "jahr", "monat")
_MONTH_FIGURES = tuple(c for c in MONTH_COLUMNS if c not in ("empfaenger", "jahr", "monat"))
_EDGE_FIGURES = (
    "vzae_zugeteilt_e4",
    "weiterleitung_cent",
    "foerderfaehig_kumuliert_cent",
    "ausgezahlt_kumuliert_cent",
    "saldo_cent",
    "gezahlt_brutto_cent",
    "zurueckgezahlt_cent",
    "foerderfaehig_eigen_kumuliert_cent",
)
# Columns read back per table (the schema of kimrecon/ledger/models.py), in this order
_COLUMNS: dict[str, tuple[str, ...]] = {
    "lauf": (
        "lauf_id",
        "zeitpunkt",
        "monat",
        "version",
        "fall",
        "modus",
        "status",
        "fingerabdruck",
        "wiederholung_von",
    ),
    "eingabedatei": ("name", "groesse", "sha256", "blaetter"),
    "parameter": ("name", "wert", "gueltig_ab", "quelle"),
    "befund": ("code", "schwere", "datei", "blatt", "zelle", "meldung"),
    "kante": ("geber", "empfaenger", "jahr", *_EDGE_FIGURES, "nachzahlung_gekappt", "nachweisfrist"),
    "monatswert": (*_KEY, *_MONTH_FIGURES),
    "korrektur": ("geber", "empfaenger", "jahr", "monat", "kennzahl", "alt_cent", "neu_cent", "frueherer_lauf"),
}
# Values SQLite keeps as text or integer (as SQLAlchemy stored them): column -> kind
_SQLITE_ADAPT = {"zeitpunkt": "time", "gueltig_ab": "date", "nachweisfrist": "date", "nachzahlung_gekappt": "bool"}
# The run list: every run with its numbers of files, Fehler, Hinweise and corrections
_RUNS_SQL = (
    "SELECT " + ", ".join(f"l.{c}" for c in _COLUMNS["lauf"]) + ", "
    "(SELECT count(*) FROM eingabedatei d WHERE d.lauf_id = l.lauf_id) AS n_dateien, "
    "(SELECT count(*) FROM befund b WHERE b.lauf_id = l.lauf_id AND b.schwere = 'Fehler') AS n_fehler, "
    "(SELECT count(*) FROM befund b WHERE b.lauf_id = l.lauf_id AND b.schwere <> 'Fehler') AS n_hinweise, "
    "(SELECT count(*) FROM korrektur k WHERE k.lauf_id = l.lauf_id) AS n_korrekturen "
    "FROM lauf l"
)


class LedgerError(Exception):
    """A ledger problem the user must act on; the message is German and names what to do."""


# ---------------------------------------------------------------------------------------------
# opening


def resolve_url(url: str | None, case_dir: Path | None) -> str:
    """Pick the ledger URL: the given one, else ``KIMRECON_DB``, else the SQLite file in the case folder."""
    chosen = url or os.environ.get(ENV_DB) or None
    if chosen is None:
        if case_dir is None:
            raise LedgerError(
                "Es ist kein Laufbuch angegeben. Bitte --db URL oder die Umgebungsvariable "
                f"{ENV_DB} setzen oder einen Fallordner angeben."
            )
        return f"sqlite:///{Path(case_dir).resolve() / DEFAULT_FILE}"
    if "://" not in chosen:  # a plain file path means an SQLite file
        return f"sqlite:///{Path(chosen).expanduser().resolve()}"
    return chosen


def _sqlite_file(url: str) -> str | None:
    """The database file of an ``sqlite://`` URL (``:memory:`` for none), or None for another backend."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("sqlite", "sqlite+pysqlite"):
        return None
    if "?" in rest:
        raise LedgerError(
            f"Die Datenbank-URL „{url}“ enthält Optionen nach „?“; für ein SQLite-Laufbuch bitte nur den Pfad "
            "angeben, z. B. sqlite:////pfad/zum/kimrecon.sqlite"
        )
    if rest in ("", "/", "/:memory:"):
        return ":memory:"
    if not rest.startswith("/"):
        raise LedgerError(f"Die Datenbank-URL „{url}“ ist ungültig. Beispiel: sqlite:////pfad/zum/kimrecon.sqlite")
    return rest[1:]


def _server_url(url: str) -> Any:
    """Parse a server URL with SQLAlchemy (PostgreSQL: the psycopg 3 driver we ship, not psycopg2)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url)
    except ArgumentError as exc:
        raise LedgerError(
            f"Die Datenbank-URL „{url}“ ist ungültig. Beispiel: postgresql://benutzer@host/datenbank"
        ) from exc
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def open_ledger(url: str | None, case_dir: Path | None, *, lock_timeout: float = 30.0, create: bool = True) -> Ledger:
    """Open (and create or migrate to the newest schema) the run ledger.

    ``url`` None → environment ``KIMRECON_DB`` → ``sqlite:///<case_dir>/kimrecon.sqlite``.
    ``lock_timeout`` is how many seconds a writer waits for another run to finish recording.
    ``create=False`` (for `kimrecon history`) refuses to create a new SQLite file.
    """
    chosen = resolve_url(url, case_dir)
    path = _sqlite_file(chosen)
    if path is not None:
        if path != ":memory:":
            folder = Path(path).parent
            if not folder.is_dir():
                raise LedgerError(f"Der Ordner „{folder}“ für das Laufbuch existiert nicht. Bitte den Pfad prüfen.")
            if not create and not Path(path).is_file():
                raise LedgerError(
                    f"Unter „{path}“ gibt es kein Laufbuch. Es entsteht beim ersten "
                    "„kimrecon reconcile“; sonst bitte den Fallordner oder --db URL angeben."
                )
        ledger = Ledger(_SqliteDatabase(path, chosen, lock_timeout), chosen, lock_timeout)
    else:
        parsed = _server_url(chosen)
        shown = parsed.render_as_string(hide_password=True)
        ledger = Ledger(_ServerDatabase(parsed, shown, lock_timeout), shown, lock_timeout)
    try:
        ledger.migrate()
    except BaseException:
        ledger.close()
        raise
    return ledger


class _SqliteDatabase:
    """An SQLite ledger through the standard library: one connection, transactions issued by hand."""

    backend = "sqlite"
    placeholder = "?"

    def __init__(self, path: str, url: str, lock_timeout: float) -> None:
        self.path = path
        self.url = url
        self.lock_timeout = lock_timeout
        self.errors: tuple[type[BaseException], ...] = (sqlite3.Error,)

    def connect(self) -> Any:
        conn = sqlite3.connect(self.path, timeout=self.lock_timeout, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(self.lock_timeout * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def begin(self, cur: Any, write: bool) -> None:
        # one writer at a time: take the write lock up front instead of failing on upgrade
        cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")

    def commit(self, conn: Any) -> None:
        conn.execute("COMMIT")

    def rollback(self, conn: Any) -> None:
        if conn.in_transaction:
            conn.execute("ROLLBACK")

    def engine(self, conn: Any) -> Engine:
        """An SQLAlchemy engine on the ledger's own connection, for Alembic (migrations only)."""
        from sqlalchemy import create_engine, event
        from sqlalchemy.pool import StaticPool

        engine = create_engine("sqlite://", creator=lambda: conn, poolclass=StaticPool)

        @event.listens_for(engine, "begin")
        def _sqlite_begin(sa_conn: Connection) -> None:
            sa_conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine

    def close(self) -> None:
        """Nothing beyond the connection (the migration engine is not disposed: that would close it)."""

    def adapt(self, row: dict[str, Any]) -> dict[str, Any]:
        """Dates, times and flags as SQLAlchemy stored them in SQLite (text and 0/1)."""
        for col, kind in _SQLITE_ADAPT.items():
            value = row.get(col)
            if value is None:
                continue
            if kind == "time":
                row[col] = value.strftime(_SQLITE_TIME)
            elif kind == "date":
                row[col] = value.isoformat()
            else:
                row[col] = int(bool(value))
        return row

    def missing_table(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.OperationalError) and "no such table" in str(exc)


class _ServerDatabase:
    """A database server (PostgreSQL) through SQLAlchemy's engine and the driver's connection."""

    placeholder = "%s"

    def __init__(self, url: Any, shown: str, lock_timeout: float) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

        self.url = shown
        self.lock_timeout = lock_timeout
        self.backend = url.get_backend_name()
        try:
            args = {"connect_timeout": 10} if self.backend == "postgresql" else {}
            self._engine = create_engine(url, connect_args=args)
        except (NoSuchModuleError, ImportError) as exc:
            raise LedgerError(
                f"Für die Datenbank-URL „{shown}“ fehlt der Datenbanktreiber ({exc}). "
                "Für PostgreSQL bitte „pip install kimrecon[postgres]“ ausführen."
            ) from exc
        except ArgumentError as exc:
            raise LedgerError(f"Die Datenbank-URL „{shown}“ ist ungültig ({exc}).") from exc
        if self._engine.dialect.paramstyle not in ("format", "pyformat"):
            self.placeholder = "?"
        self.errors = (SQLAlchemyError, self._engine.dialect.loaded_dbapi.Error)

    def connect(self) -> Any:
        return self._engine.raw_connection()

    def begin(self, cur: Any, write: bool) -> None:
        # the driver opens the transaction itself; a writer takes the advisory lock first
        if write and self.backend == "postgresql":
            cur.execute(f"SET LOCAL lock_timeout = '{int(self.lock_timeout * 1000)}ms'")
            cur.execute(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")

    def commit(self, conn: Any) -> None:
        conn.commit()

    def rollback(self, conn: Any) -> None:
        conn.rollback()

    def engine(self, conn: Any) -> Engine:
        return self._engine

    def close(self) -> None:
        self._engine.dispose()

    def adapt(self, row: dict[str, Any]) -> dict[str, Any]:
        return row

    def missing_table(self, exc: BaseException) -> bool:
        return getattr(exc, "sqlstate", None) == "42P01" or "does not exist" in str(exc)


# ---------------------------------------------------------------------------------------------
# conversions


def _utc(moment: datetime) -> datetime:
    """Aware UTC; a naive time is taken as UTC (the pipeline's ``run_time`` is naive UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _from_db_time(moment: datetime | str) -> datetime:
    """A stored time as aware UTC (SQLite keeps it as naive UTC text)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return _utc(moment)


def fingerprint(result: Result) -> str:
    """SHA-256 over what makes a run reproducible: input contents, parameters, mode, version, month."""
    payload = {
        "monat": str(result.monat),
        "modus": result.modus,
        "version": result.version,
        "dateien": sorted(f.sha256.lower() for f in result.dateien),
        "parameter": sorted(
            [p.name, p.wert, p.gueltig_ab.isoformat() if p.gueltig_ab else None] for p in result.parameter
        ),
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _opt_int(value: object) -> int | None:
    """An integer figure, or None for a missing one (None, NaN, pandas' NA; pandas is not imported here)."""
    if value is None or (isinstance(value, float) and value != value) or type(value).__name__ == "NAType":
        return None
    return int(value)  # type: ignore[call-overload]


def _month_records(result: Result) -> list[tuple[Any, ...]]:
    """The month matrix as rows ``(geber, empfaenger, jahr, monat, *figures)``, in the Result's order.

    The giver of a recipient comes from the allotments, else from the edges ("" when neither
    names one). Plain Python over the columns' lists: the matrix of a Kreis has ~130 rows, where
    pandas' per-call overhead would cost more than the work.
    """
    monate = result.monate
    if monate is None or len(monate) == 0:
        return []
    givers: dict[tuple[str, int], str] = {}
    for a in result.zuteilungen:
        givers.setdefault((a.empfaenger, int(a.jahr)), a.geber)
    for e in result.kanten:
        givers.setdefault((e.empfaenger, int(e.jahr)), e.geber)
    cols = [monate[c].tolist() for c in MONTH_COLUMNS]
    rows: list[tuple[Any, ...]] = []
    for values in zip(*cols, strict=True):
        named = dict(zip(MONTH_COLUMNS, values, strict=True))
        empfaenger, jahr = str(named["empfaenger"]), int(named["jahr"])
        rows.append(
            (
                givers.get((empfaenger, jahr), ""),
                empfaenger,
                jahr,
                int(named["monat"]),
                *(_opt_int(named[c]) for c in _MONTH_FIGURES),
            )
        )
    return rows


# ---------------------------------------------------------------------------------------------
# the ledger


class Ledger:
    """A run ledger on one database; see :func:`open_ledger`."""

    def __init__(self, db: _SqliteDatabase | _ServerDatabase, shown_url: str, lock_timeout: float = 30.0) -> None:
        self._db = db
        self.url = shown_url  # password hidden, for messages
        self._lock_timeout = lock_timeout
        self._conn: Any = None  # the driver's connection, opened on first use

    # -- life cycle ------------------------------------------------------------------------------

    def close(self) -> None:
        """Release the database connection."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.close()
            except self._db.errors:
                pass
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connection(self) -> Any:
        if self._conn is None:
            self._conn = self._db.connect()
        return self._conn

    def migrate(self) -> None:
        """Bring the schema to the newest revision; an up-to-date schema costs one query and no Alembic."""
        with self._errors():
            if self._schema_revision() == SCHEMA_HEAD:
                return
            self._migrate()

    def _schema_revision(self) -> str | None:
        """The schema revision recorded in the version table, or None when there is none (a new database)."""
        try:
            with self._read() as cur:
                rows = _fetch(cur, f"SELECT version_num FROM {VERSION_TABLE}")
        except self._db.errors as exc:
            if self._db.missing_table(exc):
                return None
            raise
        return str(rows[0]["version_num"]) if len(rows) == 1 else None

    def _migrate(self) -> None:
        """Create or upgrade the schema with Alembic, under the writer lock (one migrator at a time)."""
        from alembic import command
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory
        from sqlalchemy import text

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        script = ScriptDirectory.from_config(cfg)
        engine = self._db.engine(self._connection())
        with engine.connect() as conn:
            current = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()
            conn.rollback()
        if current is not None and current not in {r.revision for r in script.walk_revisions()}:
            raise LedgerError(
                f"Das Laufbuch „{self.url}“ hat den Schemastand „{current}“, den diese kimrecon-Version "
                "nicht kennt; es wurde mit einer neueren Version angelegt. Bitte kimrecon aktualisieren."
            )
        with engine.connect() as conn, conn.begin():  # DDL inside the transaction
            if self._db.backend == "postgresql":
                conn.execute(text(f"SET LOCAL lock_timeout = '{int(self._lock_timeout * 1000)}ms'"))
                conn.execute(text(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})"))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    # -- transactions and errors -----------------------------------------------------------------

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[Any]:
        conn = self._connection()
        cur = conn.cursor()
        try:
            self._db.begin(cur, write)
            yield cur
        except BaseException:
            self._db.rollback(conn)
            raise
        else:
            if write:
                self._db.commit(conn)
            else:
                self._db.rollback(conn)  # a read changes nothing; ends the snapshot
        finally:
            cur.close()

    def _read(self) -> Any:
        """A read transaction (one snapshot) on the ledger's connection; yields a cursor."""
        return self._transaction(write=False)

    def _write(self) -> Any:
        """A write transaction that holds the ledger's writer lock until commit or rollback."""
        return self._transaction(write=True)

    def _sql(self, sql: str) -> str:
        return sql if self._db.placeholder == "?" else sql.replace("?", self._db.placeholder)

    # -- for other stores in the same database (the web server's accounts) -------------------------

    @contextmanager
    def cursor(self, *, write: bool) -> Iterator[Any]:
        """One transaction on the ledger's database; errors become LedgerError; ``write`` takes the writer lock."""
        with self._errors(), self._transaction(write) as cur:
            yield cur

    def query(self, cur: Any, sql: str, args: Sequence[object] = ()) -> list[dict[str, Any]]:
        """Run one statement with ``?`` placeholders; the rows (if any) as dicts by column name."""
        cur.execute(self._sql(sql), tuple(args))
        if cur.description is None:
            return []
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def db_time(self, moment: datetime) -> Any:
        """A time as this database stores it (SQLite: naive UTC text as SQLAlchemy writes it)."""
        moment = _utc(moment)
        return moment.replace(tzinfo=None).strftime(_SQLITE_TIME) if self._db.backend == "sqlite" else moment

    @staticmethod
    def from_db_time(value: datetime | str) -> datetime:
        """A stored time as aware UTC."""
        return _from_db_time(value)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Turn database errors into a LedgerError with a German message."""
        try:
            yield
        except LedgerError:
            raise
        except Exception as exc:
            if isinstance(exc, self._db.errors) or _is_sqlalchemy_error(exc):
                raise self._german(exc) from exc
            raise

    def _german(self, exc: BaseException) -> LedgerError:
        orig = getattr(exc, "orig", None) or exc
        detail = str(orig).strip().splitlines()[0] if str(orig).strip() else type(exc).__name__
        lowered = detail.lower()
        sqlstate = getattr(orig, "sqlstate", None)
        if "locked" in lowered or "busy" in lowered or sqlstate in ("55P03", "40P01"):
            return LedgerError(
                f"Das Laufbuch „{self.url}“ ist durch einen anderen Lauf gesperrt, der gerade "
                f"gespeichert wird (gewartet: {self._lock_timeout:g} s). Bitte den Lauf in einigen "
                "Minuten erneut starten; es wurde nichts gespeichert."
            )
        if "unable to open" in lowered or "readonly" in lowered or "read-only" in lowered:
            return LedgerError(
                f"Das Laufbuch „{self.url}“ kann nicht geöffnet oder beschrieben werden ({detail}). "
                "Bitte Pfad und Schreibrechte prüfen."
            )
        if "not a database" in lowered:
            return LedgerError(f"„{self.url}“ ist keine SQLite-Datenbank. Bitte mit --db ein anderes Laufbuch angeben.")
        if getattr(exc, "connection_invalidated", False) or "connect" in lowered:
            return LedgerError(
                f"Das Laufbuch „{self.url}“ ist nicht erreichbar ({detail}). "
                "Bitte Datenbank-URL, Netzwerk und Zugangsdaten prüfen."
            )
        return LedgerError(f"Fehler im Laufbuch „{self.url}“: {detail}")

    # -- queries used by the pipeline ------------------------------------------------------------

    def has_run(self, lauf_id: str) -> bool:
        """Whether a run with this id is recorded (the id digests inputs, parameters, month, outputs and second)."""
        with self._errors(), self._read() as cur:
            return bool(_fetch(cur, self._sql("SELECT 1 FROM lauf WHERE lauf_id = ?"), (lauf_id,)))

    def find_repeat(self, result: Result) -> str | None:
        """The lauf_id of the run this one repeats (same case and month, identical inputs and parameters)."""
        with self._errors(), self._read() as cur:
            return self._find_repeat(cur, result, fingerprint(result))

    def _find_repeat(self, cur: Any, result: Result, fp: str) -> str | None:
        # Only the latest earlier run of the month counts: inputs A, then B, then A again is a
        # change back (with corrections against B), not a repeat of the first run.
        rows = _fetch(
            cur,
            self._sql(
                "SELECT lauf_id, fingerabdruck, wiederholung_von FROM lauf "
                "WHERE fall = ? AND monat = ? AND lauf_id <> ? ORDER BY nr DESC LIMIT 1"
            ),
            (result.fall, str(result.monat), result.lauf_id),
        )
        if not rows or rows[0]["fingerabdruck"] != fp:
            return None
        return str(rows[0]["wiederholung_von"] or rows[0]["lauf_id"])

    def corrections(self, result: Result) -> tuple[Correction, ...]:
        """Each month-matrix figure of this run that differs from what the latest earlier run recorded.

        For every (giver, recipient, year, month) of ``result.monate`` the latest earlier run of the
        same case (not a failed one) that recorded that month is the reference; a repeat has none.
        """
        with self._errors(), self._read() as cur:
            if self._find_repeat(cur, result, fingerprint(result)) is not None:
                return ()
            return self._corrections(cur, result)

    def _corrections(self, cur: Any, result: Result) -> tuple[Correction, ...]:
        new = _month_records(result)
        if not new:
            return ()
        years = sorted({r[2] for r in new})
        figures = [f"{k}_cent" for k in KENNZAHLEN]
        key = ", ".join(f"m.{c}" for c in _KEY)
        rows = _fetch(
            cur,
            self._sql(
                f"SELECT {', '.join(_KEY)}, {', '.join(figures)}, frueherer_lauf FROM ("
                f"SELECT {key}, {', '.join(f'm.{c}' for c in figures)}, l.lauf_id AS frueherer_lauf, "
                f"row_number() OVER (PARTITION BY {key} ORDER BY l.nr DESC) AS rang "
                "FROM monatswert m JOIN lauf l ON l.lauf_id = m.lauf_id "
                f"WHERE l.fall = ? AND l.status <> ? AND l.lauf_id <> ? AND m.jahr IN ({', '.join('?' * len(years))})"
                ") ranked WHERE rang = 1"
            ),
            (result.fall, "fehler", result.lauf_id, *years),
        )
        old = {(r["geber"], r["empfaenger"], int(r["jahr"]), int(r["monat"])): r for r in rows}
        at = {c: i for i, c in enumerate((*_KEY, *_MONTH_FIGURES))}
        found: list[tuple[tuple[str, str, int, int], int, int, int, str]] = []
        for rec in new:
            earlier = old.get(rec[:4])
            if earlier is None:
                continue
            for order, col in enumerate(figures):
                alt, neu = _opt_int(earlier[col]), rec[at[col]]
                if alt is not None and neu is not None and alt != neu:  # a figure missing on one side is no change
                    found.append((rec[:4], order, alt, neu, str(earlier["frueherer_lauf"])))
        found.sort(key=lambda f: (f[0], f[1]))
        return tuple(
            Correction(
                geber=g,
                empfaenger=e,
                jahr=j,
                monat=f"{j:04d}-{mo:02d}",
                kennzahl=KENNZAHLEN[order],
                alt_cent=alt,
                neu_cent=neu,
                frueherer_lauf=lauf,
            )
            for (g, e, j, mo), order, alt, neu, lauf in found
        )

    # -- recording -------------------------------------------------------------------------------

    def record(self, result: Result, publish: Callable[[], None] | None = None) -> None:
        """Record the run in ONE transaction; ``publish()`` runs just before the commit.

        If ``publish`` raises, nothing is recorded and its exception propagates. A process killed
        at any point before the commit leaves no part of the run in the ledger. Whether the run
        repeats an earlier one is decided inside the transaction (under the writer lock).
        """
        fp = fingerprint(result)
        children = self._child_rows(result)
        with self._errors(), self._write() as cur:
            if _fetch(cur, self._sql("SELECT nr FROM lauf WHERE lauf_id = ?"), (result.lauf_id,)):
                raise LedgerError(f"Der Lauf „{result.lauf_id}“ ist bereits im Laufbuch verzeichnet.")
            repeat_of = self._find_repeat(cur, result, fp)
            lauf = {
                "lauf_id": result.lauf_id,
                "zeitpunkt": _utc(result.zeitpunkt),
                "monat": str(result.monat),
                "version": result.version,
                "fall": result.fall,
                "modus": result.modus,
                "status": result.status.value,
                "fingerabdruck": fp,
                "wiederholung_von": repeat_of,
            }
            self._insert(cur, "lauf", [lauf])
            for table, rows in children:
                if table == "korrektur" and repeat_of is not None:
                    continue  # a repeat is not a change
                self._insert(cur, table, rows)
            if publish is not None:
                publish()

    def _insert(self, cur: Any, table: str, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        names = list(rows[0])
        sql = self._sql(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})")
        if set(names) & _SQLITE_ADAPT.keys():
            rows = [self._db.adapt(dict(r)) for r in rows]
        cur.executemany(sql, [tuple(r.values()) for r in rows])

    def _child_rows(self, result: Result) -> list[tuple[str, list[dict[str, Any]]]]:
        lid = result.lauf_id
        files = [
            {
                "lauf_id": lid,
                "pos": i,
                "name": f.name,
                "groesse": int(f.size),
                "sha256": f.sha256,
                "blaetter": json.dumps(list(f.sheets), ensure_ascii=False),
            }
            for i, f in enumerate(result.dateien)
        ]
        params = [
            {"lauf_id": lid, "pos": i, "name": p.name, "wert": p.wert, "gueltig_ab": p.gueltig_ab, "quelle": p.quelle}
            for i, p in enumerate(result.parameter)
        ]
        findings = [
            {
                "lauf_id": lid,
                "pos": i,
                "code": f.code.value,
                "schwere": f.severity.value,
                "datei": f.source.datei if f.source else None,
                "blatt": f.source.blatt if f.source else None,
                "zelle": f.source.zelle if f.source else None,
                "meldung": f.meldung,
            }
            for i, f in enumerate(result.befunde)
        ]
        edges = [
            {
                "lauf_id": lid,
                "pos": i,
                "geber": e.geber,
                "empfaenger": e.empfaenger,
                "jahr": e.jahr,
                **{c: int(getattr(e, c)) for c in _EDGE_FIGURES},
                "nachzahlung_gekappt": bool(e.nachzahlung_gekappt),
                "nachweisfrist": e.nachweisfrist,
            }
            for i, e in enumerate(result.kanten)
        ]
        corrections = [
            {
                "lauf_id": lid,
                "pos": i,
                "geber": c.geber,
                "empfaenger": c.empfaenger,
                "jahr": c.jahr,
                "monat": c.monat,
                "kennzahl": c.kennzahl,
                "alt_cent": c.alt_cent,
                "neu_cent": c.neu_cent,
                "frueherer_lauf": c.frueherer_lauf,
            }
            for i, c in enumerate(result.korrekturen)
        ]
        names = ("lauf_id", *_KEY, *_MONTH_FIGURES)
        months = [dict(zip(names, (lid, *rec), strict=True)) for rec in _month_records(result)]
        return [
            ("eingabedatei", files),
            ("parameter", params),
            ("befund", findings),
            ("kante", edges),
            ("monatswert", months),
            ("korrektur", corrections),
        ]

    # -- history ---------------------------------------------------------------------------------

    def runs(self, month: str | None = None) -> list[RunSummary]:
        """All recorded runs in the order they were recorded, optionally of one month ("YYYY-MM")."""
        where, args = (" WHERE l.monat = ?", (month,)) if month is not None else ("", ())
        with self._errors(), self._read() as cur:
            rows = _fetch(cur, self._sql(_RUNS_SQL + where + " ORDER BY l.nr"), args)
        return [_summary(r) for r in rows]

    def run(self, lauf_id: str) -> RunDetail | None:
        """Everything recorded for one run, or None when the ledger has no such run."""
        with self._errors(), self._read() as cur:
            summary = _fetch(cur, self._sql(_RUNS_SQL + " WHERE l.lauf_id = ?"), (lauf_id,))
            if not summary:
                return None

            def rows(table: str, order: str = "pos") -> list[dict[str, Any]]:
                cols = ", ".join(_COLUMNS[table])
                return _fetch(
                    cur, self._sql(f"SELECT {cols} FROM {table} WHERE lauf_id = ? ORDER BY {order}"), (lauf_id,)
                )

            files = tuple(
                StoredFile(r["name"], int(r["groesse"]), r["sha256"], tuple(json.loads(r["blaetter"])))
                for r in rows("eingabedatei")
            )
            params = tuple(
                Parameter(r["name"], r["wert"], _as_date(r["gueltig_ab"]), r["quelle"]) for r in rows("parameter")
            )
            findings = tuple(
                StoredFinding(r["code"], r["schwere"], r["datei"], r["blatt"], r["zelle"], r["meldung"])
                for r in rows("befund")
            )
            edges = tuple(
                StoredEdge(
                    geber=r["geber"],
                    empfaenger=r["empfaenger"],
                    jahr=int(r["jahr"]),
                    **{c: int(r[c]) for c in _EDGE_FIGURES},
                    nachzahlung_gekappt=bool(r["nachzahlung_gekappt"]),
                    nachweisfrist=_as_date(r["nachweisfrist"]),
                )
                for r in rows("kante")
            )
            months = tuple(
                MonthFigure(
                    geber=r["geber"],
                    empfaenger=r["empfaenger"],
                    jahr=int(r["jahr"]),
                    monat=int(r["monat"]),
                    **{c: _opt_int(r[c]) for c in _MONTH_FIGURES},
                )
                for r in rows("monatswert", "id")
            )
            corrections = tuple(
                Correction(
                    r["geber"],
                    r["empfaenger"],
                    int(r["jahr"]),
                    r["monat"],
                    r["kennzahl"],
                    int(r["alt_cent"]),
                    int(r["neu_cent"]),
                    r["frueherer_lauf"],
                )
                for r in rows("korrektur")
            )
        return RunDetail(_summary(summary[0]), files, params, findings, edges, months, corrections)


def _fetch(cur: Any, sql: str, args: Sequence[object] = ()) -> list[dict[str, Any]]:
    """Run a query on a driver cursor; the rows as dicts by column name."""
    cur.execute(sql, tuple(args))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _is_sqlalchemy_error(exc: BaseException) -> bool:
    """An SQLAlchemy error (only possible once SQLAlchemy is imported: on the migration path)."""
    module = sys.modules.get("sqlalchemy.exc")
    return module is not None and isinstance(exc, module.SQLAlchemyError)


def _as_date(value: object) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _summary(row: Mapping[str, Any]) -> RunSummary:
    return RunSummary(
        lauf_id=row["lauf_id"],
        zeitpunkt=_from_db_time(row["zeitpunkt"]),
        monat=row["monat"],
        version=row["version"],
        fall=row["fall"],
        modus=row["modus"],
        status=row["status"],
        wiederholung_von=row["wiederholung_von"],
        dateien=int(row["n_dateien"]),
        fehler=int(row["n_fehler"]),
        hinweise=int(row["n_hinweise"]),
        korrekturen=int(row["n_korrekturen"]),
    )
