"""The run ledger: record each run in one transaction, recognise repeats, find retroactive corrections.

SQLite (a file in the case folder) by default, any SQLAlchemy URL otherwise; PostgreSQL is the
shared target. Writers are serialised: SQLite takes the write lock at ``BEGIN IMMEDIATE`` and waits
up to the busy timeout, PostgreSQL takes a transaction-scoped advisory lock with ``lock_timeout``.
A run is inserted, the caller's ``publish`` moves its workbooks into place, and only then the
transaction commits; a crash before the commit leaves no trace of the run in the ledger.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, func, insert, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from kimrecon.ledger.models import (
    VERSION_TABLE,
    Base,
    Befund,
    Eingabedatei,
    Kante,
    Korrektur,
    Lauf,
    Monatswert,
    Parameterwert,
)
from kimrecon.ledger.records import (
    KENNZAHLEN,
    MonthFigure,
    RunDetail,
    RunSummary,
    StoredEdge,
    StoredFile,
    StoredFinding,
)
from kimrecon.result import MONTH_COLUMNS, Correction, Parameter, Result

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_FILE = "kimrecon.sqlite"
ENV_DB = "KIMRECON_DB"
MIGRATIONS = Path(__file__).with_name("migrations")
# PostgreSQL advisory lock key that serialises writers ("kimrecon" as eight ASCII bytes)
_PG_LOCK_KEY = int.from_bytes(b"kimrecon", "big")

_LAUF: Table = Base.metadata.tables[Lauf.__tablename__]
_DATEI: Table = Base.metadata.tables[Eingabedatei.__tablename__]
_PARAM: Table = Base.metadata.tables[Parameterwert.__tablename__]
_BEFUND: Table = Base.metadata.tables[Befund.__tablename__]
_KANTE: Table = Base.metadata.tables[Kante.__tablename__]
_MONAT: Table = Base.metadata.tables[Monatswert.__tablename__]
_KORR: Table = Base.metadata.tables[Korrektur.__tablename__]

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
        return URL.create("sqlite", database=str(Path(case_dir).resolve() / DEFAULT_FILE)).render_as_string()
    if "://" not in chosen:  # a plain file path means an SQLite file
        return URL.create("sqlite", database=str(Path(chosen).expanduser().resolve())).render_as_string()
    return chosen


def _normalise(url: str) -> URL:
    try:
        parsed = make_url(url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url)
    except ArgumentError as exc:
        raise LedgerError(
            f"Die Datenbank-URL „{url}“ ist ungültig. Beispiel: postgresql://benutzer@host/datenbank"
        ) from exc
    if parsed.drivername == "postgresql":  # psycopg 3 is the driver we ship, not psycopg2
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def open_ledger(url: str | None, case_dir: Path | None, *, lock_timeout: float = 30.0, create: bool = True) -> Ledger:
    """Open (and create or migrate to the newest schema) the run ledger.

    ``url`` None → environment ``KIMRECON_DB`` → ``sqlite:///<case_dir>/kimrecon.sqlite``.
    ``lock_timeout`` is how many seconds a writer waits for another run to finish recording.
    ``create=False`` (for `kimrecon history`) refuses to create a new SQLite file.
    """
    parsed = _normalise(resolve_url(url, case_dir))
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        folder = Path(parsed.database).parent
        if not folder.is_dir():
            raise LedgerError(f"Der Ordner „{folder}“ für das Laufbuch existiert nicht. Bitte den Pfad prüfen.")
        if not create and not Path(parsed.database).is_file():
            raise LedgerError(
                f"Unter „{parsed.database}“ gibt es kein Laufbuch. Es entsteht beim ersten "
                "„kimrecon reconcile“; sonst bitte den Fallordner oder --db URL angeben."
            )
    try:
        engine = _make_engine(parsed, lock_timeout)
    except (NoSuchModuleError, ImportError) as exc:
        raise LedgerError(
            f"Für die Datenbank-URL „{shown}“ fehlt der Datenbanktreiber ({exc}). "
            "Für PostgreSQL bitte „pip install kimrecon[postgres]“ ausführen."
        ) from exc
    except ArgumentError as exc:
        raise LedgerError(f"Die Datenbank-URL „{shown}“ ist ungültig ({exc}).") from exc
    ledger = Ledger(engine, shown, lock_timeout)
    try:
        ledger.migrate()
    except BaseException:
        engine.dispose()
        raise
    return ledger


def _make_engine(url: URL, lock_timeout: float) -> Engine:
    backend = url.get_backend_name()
    if backend == "sqlite":
        engine = create_engine(url, connect_args={"timeout": lock_timeout})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout = {int(lock_timeout * 1000)}")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            # one writer at a time: take the write lock up front instead of failing on upgrade
            immediate = conn.get_execution_options().get("kimrecon_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    if backend == "postgresql":
        return create_engine(url, connect_args={"connect_timeout": 10})
    return create_engine(url)


# ---------------------------------------------------------------------------------------------
# conversions


def _utc(moment: datetime) -> datetime:
    """Aware UTC; a naive time is taken as UTC (the pipeline's ``run_time`` is naive UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _from_db_time(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


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
    import pandas as pd

    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return int(value)  # type: ignore[call-overload]


def month_frame(result: Result) -> pd.DataFrame:
    """The month matrix with the giver of each recipient (from the allotments, else the edges)."""
    import pandas as pd

    monate = result.monate
    columns = ["geber", *MONTH_COLUMNS]
    if monate is None or len(monate) == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    frame = monate.loc[:, list(MONTH_COLUMNS)].copy()
    frame["jahr"] = frame["jahr"].astype("int64")
    frame["monat"] = frame["monat"].astype("int64")
    givers = pd.DataFrame(
        [(a.empfaenger, a.jahr, a.geber) for a in result.zuteilungen]
        + [(e.empfaenger, e.jahr, e.geber) for e in result.kanten],
        columns=["empfaenger", "jahr", "geber"],
    )
    givers["jahr"] = givers["jahr"].astype("int64")
    givers = givers.drop_duplicates(["empfaenger", "jahr"], keep="first")
    frame = frame.merge(givers, on=["empfaenger", "jahr"], how="left", validate="many_to_one")
    frame["geber"] = frame["geber"].fillna("")
    return frame.loc[:, columns]


def _month_rows(lauf_id: str, frame: pd.DataFrame) -> list[dict[str, object]]:
    data: dict[str, list[object]] = {
        "geber": frame["geber"].astype(str).tolist(),
        "empfaenger": frame["empfaenger"].astype(str).tolist(),
        "jahr": [int(v) for v in frame["jahr"].tolist()],
        "monat": [int(v) for v in frame["monat"].tolist()],
    }
    for col in _MONTH_FIGURES:
        data[col] = [_opt_int(v) for v in frame[col].astype("object").tolist()]
    names = list(data)
    return [
        {"lauf_id": lauf_id, **dict(zip(names, values, strict=True))} for values in zip(*data.values(), strict=True)
    ]


# ---------------------------------------------------------------------------------------------
# the ledger


class Ledger:
    """A run ledger on one database; see :func:`open_ledger`."""

    def __init__(self, engine: Engine, shown_url: str, lock_timeout: float = 30.0) -> None:
        self._engine = engine
        self.url = shown_url  # password hidden, for messages
        self._lock_timeout = lock_timeout
        self._backend = engine.dialect.name

    # -- life cycle ------------------------------------------------------------------------------

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (a no-op when it is already there)."""
        from alembic import command
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        script = ScriptDirectory.from_config(cfg)
        head = script.get_current_head()
        with self._errors():
            with self._engine.connect() as conn:
                current = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()
            if current == head:
                return
            if current is not None and current not in {r.revision for r in script.walk_revisions()}:
                raise LedgerError(
                    f"Das Laufbuch „{self.url}“ hat den Schemastand „{current}“, den diese kimrecon-Version "
                    "nicht kennt; es wurde mit einer neueren Version angelegt. Bitte kimrecon aktualisieren."
                )
            with self._write() as conn:  # one migrator at a time; DDL inside the transaction
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")

    # -- transactions and errors -----------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction that holds the ledger's writer lock until commit or rollback."""
        with self._engine.connect() as conn:
            conn.execution_options(kimrecon_write=True)
            with conn.begin():
                if self._backend == "postgresql":
                    conn.execute(text(f"SET LOCAL lock_timeout = '{int(self._lock_timeout * 1000)}ms'"))
                    conn.execute(select(func.pg_advisory_xact_lock(_PG_LOCK_KEY)))
                yield conn

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Turn database errors into a LedgerError with a German message."""
        try:
            yield
        except SQLAlchemyError as exc:
            raise self._german(exc) from exc

    def _german(self, exc: SQLAlchemyError) -> LedgerError:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc) else type(exc).__name__
        lowered = detail.lower()
        sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
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
        if (isinstance(exc, DBAPIError) and exc.connection_invalidated) or "connect" in lowered:
            return LedgerError(
                f"Das Laufbuch „{self.url}“ ist nicht erreichbar ({detail}). "
                "Bitte Datenbank-URL, Netzwerk und Zugangsdaten prüfen."
            )
        return LedgerError(f"Fehler im Laufbuch „{self.url}“: {detail}")

    # -- queries used by the pipeline ------------------------------------------------------------

    def find_repeat(self, result: Result) -> str | None:
        """The lauf_id of the run this one repeats (same case and month, identical inputs and parameters)."""
        with self._errors(), self._engine.connect() as conn:
            return self._find_repeat(conn, result, fingerprint(result))

    @staticmethod
    def _find_repeat(conn: Connection, result: Result, fp: str) -> str | None:
        # Only the latest earlier run of the month counts: inputs A, then B, then A again is a
        # change back (with corrections against B), not a repeat of the first run.
        latest = conn.execute(
            select(_LAUF.c.lauf_id, _LAUF.c.fingerabdruck, _LAUF.c.wiederholung_von)
            .where(_LAUF.c.fall == result.fall, _LAUF.c.monat == str(result.monat), _LAUF.c.lauf_id != result.lauf_id)
            .order_by(_LAUF.c.nr.desc())
            .limit(1)
        ).first()
        if latest is None or latest.fingerabdruck != fp:
            return None
        return str(latest.wiederholung_von or latest.lauf_id)

    def corrections(self, result: Result) -> tuple[Correction, ...]:
        """Each month-matrix figure of this run that differs from what the latest earlier run recorded.

        For every (giver, recipient, year, month) of ``result.monate`` the latest earlier run of the
        same case (not a failed one) that recorded that month is the reference; a repeat has none.
        """
        with self._errors(), self._engine.connect() as conn:
            if self._find_repeat(conn, result, fingerprint(result)) is not None:
                return ()
            return self._corrections(conn, result)

    def _corrections(self, conn: Connection, result: Result) -> tuple[Correction, ...]:
        import pandas as pd

        new = month_frame(result)
        if new.empty:
            return ()
        years = sorted({int(y) for y in new["jahr"].tolist()})
        m, lauf = _MONAT, _LAUF
        rank = (
            func.row_number()
            .over(partition_by=(m.c.geber, m.c.empfaenger, m.c.jahr, m.c.monat), order_by=lauf.c.nr.desc())
            .label("rang")
        )
        figures = [f"{k}_cent" for k in KENNZAHLEN]
        ranked = (
            select(*(m.c[c] for c in _KEY), *(m.c[c] for c in figures), lauf.c.lauf_id.label("frueherer_lauf"), rank)
            .join(lauf, lauf.c.lauf_id == m.c.lauf_id)
            .where(
                lauf.c.fall == result.fall,
                lauf.c.status != "fehler",
                lauf.c.lauf_id != result.lauf_id,
                m.c.jahr.in_(years),
            )
            .subquery()
        )
        rows = conn.execute(select(ranked).where(ranked.c.rang == 1)).mappings().all()
        if not rows:
            return ()
        old = pd.DataFrame([dict(r) for r in rows]).drop(columns="rang")
        both = new.merge(old, on=list(_KEY), how="inner", suffixes=("_neu", "_alt"))
        found: list[pd.DataFrame] = []
        for order, kennzahl in enumerate(KENNZAHLEN):
            col = f"{kennzahl}_cent"
            a = pd.to_numeric(both[f"{col}_alt"], errors="coerce").astype("Int64")
            n = pd.to_numeric(both[f"{col}_neu"], errors="coerce").astype("Int64")
            changed = (a != n).fillna(False).astype(bool)
            part = both.loc[changed, [*_KEY, "frueherer_lauf"]].copy()
            part["kennzahl"] = kennzahl
            part["ordnung"] = order
            part["alt_cent"] = a[changed].astype("int64")
            part["neu_cent"] = n[changed].astype("int64")
            found.append(part)
        diff = pd.concat(found, ignore_index=True).sort_values(["geber", "empfaenger", "jahr", "monat", "ordnung"])
        cols = {
            c: diff[c].tolist() for c in ("geber", "empfaenger", "jahr", "monat", "kennzahl", "alt_cent", "neu_cent")
        }
        cols["frueherer_lauf"] = diff["frueherer_lauf"].tolist()
        return tuple(
            Correction(
                geber=str(g),
                empfaenger=str(e),
                jahr=int(j),
                monat=f"{int(j):04d}-{int(mo):02d}",
                kennzahl=str(k),
                alt_cent=int(a),
                neu_cent=int(n),
                frueherer_lauf=str(fl),
            )
            for g, e, j, mo, k, a, n, fl in zip(
                cols["geber"],
                cols["empfaenger"],
                cols["jahr"],
                cols["monat"],
                cols["kennzahl"],
                cols["alt_cent"],
                cols["neu_cent"],
                cols["frueherer_lauf"],
                strict=True,
            )
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
        with self._errors(), self._write() as conn:
            if conn.execute(select(_LAUF.c.nr).where(_LAUF.c.lauf_id == result.lauf_id)).first() is not None:
                raise LedgerError(f"Der Lauf „{result.lauf_id}“ ist bereits im Laufbuch verzeichnet.")
            repeat_of = self._find_repeat(conn, result, fp)
            conn.execute(
                insert(_LAUF),
                {
                    "lauf_id": result.lauf_id,
                    "zeitpunkt": _utc(result.zeitpunkt),
                    "monat": str(result.monat),
                    "version": result.version,
                    "fall": result.fall,
                    "modus": result.modus,
                    "status": result.status.value,
                    "fingerabdruck": fp,
                    "wiederholung_von": repeat_of,
                },
            )
            for table, rows in children:
                if table is _KORR and repeat_of is not None:
                    continue  # a repeat is not a change
                if rows:
                    conn.execute(insert(table), rows)
            if publish is not None:
                publish()

    def _child_rows(self, result: Result) -> list[tuple[Table, list[dict[str, Any]]]]:
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
        months = _month_rows(lid, month_frame(result))
        return [
            (_DATEI, files),
            (_PARAM, params),
            (_BEFUND, findings),
            (_KANTE, edges),
            (_MONAT, months),
            (_KORR, corrections),
        ]

    # -- history ---------------------------------------------------------------------------------

    def runs(self, month: str | None = None) -> list[RunSummary]:
        """All recorded runs in the order they were recorded, optionally of one month ("YYYY-MM")."""
        lauf = _LAUF

        def count(table: Any, *where: Any) -> Any:
            return (
                select(func.count())
                .select_from(table)
                .where(table.c.lauf_id == lauf.c.lauf_id, *where)
                .scalar_subquery()
            )

        query = select(
            lauf,
            count(_DATEI).label("n_dateien"),
            count(_BEFUND, _BEFUND.c.schwere == "Fehler").label("n_fehler"),
            count(_BEFUND, _BEFUND.c.schwere != "Fehler").label("n_hinweise"),
            count(_KORR).label("n_korrekturen"),
        ).order_by(lauf.c.nr)
        if month is not None:
            query = query.where(lauf.c.monat == month)
        with self._errors(), self._engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [_summary(r) for r in rows]

    def run(self, lauf_id: str) -> RunDetail | None:
        """Everything recorded for one run, or None when the ledger has no such run."""
        with self._errors(), self._engine.connect() as conn:
            summaries = [s for s in self._summaries(conn, lauf_id)]
            if not summaries:
                return None

            def rows(table: Any, order: Any) -> Sequence[Any]:
                return conn.execute(select(table).where(table.c.lauf_id == lauf_id).order_by(order)).mappings().all()

            files = tuple(
                StoredFile(r["name"], int(r["groesse"]), r["sha256"], tuple(json.loads(r["blaetter"])))
                for r in rows(_DATEI, _DATEI.c.pos)
            )
            params = tuple(
                Parameter(r["name"], r["wert"], _as_date(r["gueltig_ab"]), r["quelle"])
                for r in rows(_PARAM, _PARAM.c.pos)
            )
            findings = tuple(
                StoredFinding(r["code"], r["schwere"], r["datei"], r["blatt"], r["zelle"], r["meldung"])
                for r in rows(_BEFUND, _BEFUND.c.pos)
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
                for r in rows(_KANTE, _KANTE.c.pos)
            )
            months = tuple(
                MonthFigure(
                    geber=r["geber"],
                    empfaenger=r["empfaenger"],
                    jahr=int(r["jahr"]),
                    monat=int(r["monat"]),
                    **{c: _opt_int(r[c]) for c in _MONTH_FIGURES},
                )
                for r in rows(_MONAT, _MONAT.c.id)
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
                for r in rows(_KORR, _KORR.c.pos)
            )
        return RunDetail(summaries[0], files, params, findings, edges, months, corrections)

    def _summaries(self, conn: Connection, lauf_id: str) -> list[RunSummary]:
        lauf = _LAUF
        row = conn.execute(select(lauf).where(lauf.c.lauf_id == lauf_id)).mappings().first()
        if row is None:
            return []
        n = {
            "n_dateien": _count(conn, _DATEI, lauf_id),
            "n_fehler": _count(conn, _BEFUND, lauf_id, _BEFUND.c.schwere == "Fehler"),
            "n_hinweise": _count(conn, _BEFUND, lauf_id, _BEFUND.c.schwere != "Fehler"),
            "n_korrekturen": _count(conn, _KORR, lauf_id),
        }
        return [_summary({**row, **n})]


def _count(conn: Connection, table: Any, lauf_id: str, *where: Any) -> int:
    return int(
        conn.execute(select(func.count()).select_from(table).where(table.c.lauf_id == lauf_id, *where)).scalar_one()
    )


def _as_date(value: object) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _summary(row: Any) -> RunSummary:
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
