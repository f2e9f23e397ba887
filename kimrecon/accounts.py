"""Accounts of the web server, shared by `kimrecon benutzer` and `kimrecon serve`.

Accounts, personal API tokens, browser sessions, failed logins and the append-only audit log live
in the ledger database (tables of revision 0002, see ``kimrecon/ledger/models.py``): the server's
``--db`` URL, or without it one server-wide SQLite file ``<daten>/kimrecon.sqlite``. The queries go
through the ledger's connection (:meth:`kimrecon.ledger.store.Ledger.cursor`).

What is stored: argon2id hashes of passwords, SHA-256 of API tokens and session ids, SHA-256 of the
typed name and the client address of a failed login (only for the throttling window). Passwords,
tokens and session ids themselves are never stored, logged or put into an exception.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kimrecon.web.identity import Benutzer, Rolle

if TYPE_CHECKING:
    from kimrecon.ledger.store import Ledger

ACCOUNTS_FILE = "kimrecon.sqlite"  # in the data folder, when the server has no --db
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
MAX_NAME = 120
TOKEN_PREFIX = "kim_"
HASH_PARAMETERS: dict[str, Any] = {}  # argon2-cffi's defaults (RFC 9106 low-memory profile); tests may lower them

Clock = Callable[[], datetime]


class KontoFehler(Exception):
    """A refused account operation; the message is German and says what to do."""


class Gedrosselt(Exception):
    """Too many failed logins for this name or address: wait ``sekunden`` seconds."""

    def __init__(self, sekunden: int) -> None:
        super().__init__(sekunden)
        self.sekunden = sekunden


@dataclass(frozen=True, slots=True)
class Policy:
    """Session lifetimes and login throttling."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    window: timedelta = timedelta(minutes=15)
    max_failures_account: int = 10
    max_failures_address: int = 30  # a town hall's users may share one address


@dataclass(frozen=True, slots=True)
class Konto:
    """An account as the CLI lists it (never its password hash)."""

    id: int
    name: str
    rolle: Rolle
    stelle: str | None
    gesperrt: bool
    angelegt: datetime
    letzte_anmeldung: datetime | None

    @property
    def benutzer(self) -> Benutzer:
        """The signed-in user the routes see."""
        return Benutzer(self.name, self.rolle, self.stelle)


@dataclass(frozen=True, slots=True)
class Sitzung:
    """A valid browser session: its account and CSRF token."""

    konto: Konto
    csrf: str


@dataclass(frozen=True, slots=True)
class Eintrag:
    """One audit-log entry."""

    zeitpunkt: datetime
    benutzer: str | None  # None: done on the command line
    aktion: str
    gegenstand: str
    fall: str | None


def accounts_url(daten: Path, db: str | None) -> str:
    """The database of the accounts: ``db``, else the server-wide SQLite file in the data folder."""
    return db or f"sqlite:///{Path(daten).resolve() / ACCOUNTS_FILE}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---- passwords (argon2-cffi is imported on first use: `import kimrecon.cli` stays light)

_hashers: dict[tuple[tuple[str, Any], ...], Any] = {}
_dummy: dict[tuple[tuple[str, Any], ...], str] = {}


def _hasher() -> Any:
    key = tuple(sorted(HASH_PARAMETERS.items()))
    if key not in _hashers:
        from argon2 import PasswordHasher

        _hashers[key] = PasswordHasher(**HASH_PARAMETERS)
    return _hashers[key]


def hash_password(passwort: str) -> str:
    """An argon2id hash of a password."""
    return str(_hasher().hash(passwort))


def _verify(stored: str | None, passwort: str) -> bool:
    """Whether the password matches; an unknown account is checked against a dummy hash (same time)."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    hasher = _hasher()
    if stored is None:
        key = tuple(sorted(HASH_PARAMETERS.items()))
        if key not in _dummy:
            _dummy[key] = hasher.hash(secrets.token_urlsafe(16))
        stored, known = _dummy[key], False
    else:
        known = True
    try:
        hasher.verify(stored, passwort)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return known


def check_password(passwort: str) -> str:
    """The password if it is acceptable, else KontoFehler (German)."""
    if len(passwort) < MIN_PASSWORD:
        raise KontoFehler(f"Das Passwort ist zu kurz: bitte mindestens {MIN_PASSWORD} Zeichen.")
    if len(passwort) > MAX_PASSWORD:
        raise KontoFehler(f"Das Passwort ist zu lang: höchstens {MAX_PASSWORD} Zeichen.")
    return passwort


def check_name(name: str) -> str:
    """A user name without surrounding blanks and control characters, at most 120 characters."""
    name = name.strip()
    if not name:
        raise KontoFehler("Bitte einen Benutzernamen angeben.")
    if len(name) > MAX_NAME:
        raise KontoFehler(f"Der Benutzername ist zu lang (höchstens {MAX_NAME} Zeichen).")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
        raise KontoFehler("Der Benutzername darf keine Steuerzeichen enthalten.")
    return name


def check_account(name: str, rolle: Rolle | str, stelle: str | None) -> tuple[str, Rolle, str | None]:
    """Name, role and organisation of a new account, normalised; KontoFehler (German) when not acceptable."""
    name = check_name(name)
    rolle = Rolle(rolle)
    stelle = " ".join((stelle or "").split()) or None
    if rolle is Rolle.KOMMUNE and stelle is None:
        raise KontoFehler("Ein Konto der Rolle „kommune“ braucht die Stelle, z. B. --stelle \"Stadt Kamen\".")
    if stelle is not None and len(stelle) > 200:
        raise KontoFehler("Die Stelle ist zu lang (höchstens 200 Zeichen).")
    return name, rolle, stelle


# ---- the store


class Konten:
    """The accounts on one database; safe to share between threads (one lock around the connection)."""

    def __init__(self, ledger: Ledger, *, clock: Clock | None = None, policy: Policy | None = None) -> None:
        self._ledger = ledger
        self._clock = clock or (lambda: datetime.now(UTC))
        self.policy = policy or Policy()
        self._lock = threading.Lock()

    @classmethod
    def open(cls, daten: Path, db: str | None, *, clock: Clock | None = None,
             policy: Policy | None = None) -> Konten:
        """Open (create or migrate) the accounts database of a data folder or ``--db`` URL."""
        from kimrecon.ledger import open_ledger

        if db is None:
            Path(daten).mkdir(parents=True, exist_ok=True)
        return cls(open_ledger(accounts_url(daten, db), None), clock=clock, policy=policy)

    def close(self) -> None:
        """Release the database connection."""
        self._ledger.close()

    def __enter__(self) -> Konten:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self, write: bool) -> Iterator[Callable[..., list[dict[str, Any]]]]:
        with self._lock, self._ledger.cursor(write=write) as cur:
            yield lambda sql, *args: self._ledger.query(cur, sql, args)

    def _now(self) -> datetime:
        return self._clock().astimezone(UTC)

    def _t(self, moment: datetime) -> Any:
        return self._ledger.db_time(moment)

    def _konto(self, row: dict[str, Any]) -> Konto:
        last = row["letzte_anmeldung"]
        return Konto(
            id=int(row["id"]), name=row["name"], rolle=Rolle(row["rolle"]), stelle=row["stelle"],
            gesperrt=bool(row["gesperrt"]), angelegt=self._ledger.from_db_time(row["angelegt"]),
            letzte_anmeldung=self._ledger.from_db_time(last) if last is not None else None,
        )

    _KONTO = "SELECT k.id, k.name, k.rolle, k.stelle, k.gesperrt, k.angelegt, k.letzte_anmeldung FROM konto k"

    # -- accounts (the CLI)

    def anzahl(self) -> int:
        """How many accounts exist (locked ones included)."""
        with self._tx(False) as q:
            return int(q("SELECT count(*) AS n FROM konto")[0]["n"])

    def liste(self) -> list[Konto]:
        """All accounts by name."""
        with self._tx(False) as q:
            return [self._konto(r) for r in q(self._KONTO + " ORDER BY k.name")]

    def konto(self, name: str) -> Konto | None:
        """The account of this name, or None."""
        with self._tx(False) as q:
            rows = q(self._KONTO + " WHERE k.name = ?", name)
        return self._konto(rows[0]) if rows else None

    def vorhanden(self, name: str) -> Konto:
        """The account of this name; KontoFehler (German) when there is none."""
        with self._tx(False) as q:
            self._existing(q, name)
        konto = self.konto(name)
        assert konto is not None
        return konto

    def _existing(self, q: Callable[..., list[dict[str, Any]]], name: str) -> int:
        rows = q("SELECT id FROM konto WHERE name = ?", name)
        if not rows:
            raise KontoFehler(f"Es gibt kein Benutzerkonto „{name}“. Die Konten zeigt „kimrecon benutzer liste“.")
        return int(rows[0]["id"])

    def anlegen(self, name: str, rolle: Rolle | str, stelle: str | None, passwort: str) -> Konto:
        """Create an account (the password is hashed here and never stored)."""
        name, rolle, stelle = check_account(name, rolle, stelle)
        digest = hash_password(check_password(passwort))
        with self._tx(True) as q:
            if q("SELECT id FROM konto WHERE name = ?", name):
                raise KontoFehler(f"Das Benutzerkonto „{name}“ gibt es schon.")
            q("INSERT INTO konto (name, rolle, stelle, passwort, gesperrt, angelegt) VALUES (?, ?, ?, ?, ?, ?)",
              name, rolle.value, stelle, digest, False, self._t(self._now()))
            self._log(q, None, "Benutzerkonto angelegt", f"{name} ({rolle.value})", None)
        konto = self.konto(name)
        assert konto is not None
        return konto

    def sperren(self, name: str, gesperrt: bool = True) -> None:
        """Lock (or unlock) an account; locking ends its sessions."""
        with self._tx(True) as q:
            kid = self._existing(q, name)
            q("UPDATE konto SET gesperrt = ? WHERE id = ?", gesperrt, kid)
            if gesperrt:
                q("DELETE FROM sitzung WHERE konto_id = ?", kid)
            self._log(q, None, "gesperrt" if gesperrt else "entsperrt", f"Benutzerkonto {name}", None)

    def passwort_setzen(self, name: str, passwort: str) -> None:
        """Set a new password; the account's sessions end."""
        digest = hash_password(check_password(passwort))
        with self._tx(True) as q:
            kid = self._existing(q, name)
            q("UPDATE konto SET passwort = ? WHERE id = ?", digest, kid)
            q("DELETE FROM sitzung WHERE konto_id = ?", kid)
            self._log(q, None, "Passwort geändert", f"Benutzerkonto {name}", None)

    def token_erzeugen(self, name: str) -> str:
        """A new personal API token (shown once; only its SHA-256 is stored; the old token stops working)."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._tx(True) as q:
            kid = self._existing(q, name)
            q("DELETE FROM api_token WHERE konto_id = ?", kid)
            q("INSERT INTO api_token (konto_id, hash, angelegt) VALUES (?, ?, ?)", kid, _digest(token),
              self._t(self._now()))
            self._log(q, None, "API-Token erzeugt", f"Benutzerkonto {name}", None)
        return token

    # -- signing in (the server)

    def anmelden(self, name: str, passwort: str, adresse: str) -> Konto | None:
        """Check a login: the account, or None (wrong name, wrong password or locked: not told apart).

        Raises :class:`Gedrosselt` before checking anything when this name or this address had too many
        failures within the window. A success forgets the name's failures and updates an outdated hash.
        """
        now = self._now()
        keys = (_digest("konto:" + name), _digest("adresse:" + adresse))
        with self._tx(True) as q:
            q("DELETE FROM anmeldeversuch WHERE zeitpunkt <= ?", self._t(now - self.policy.window))
            waits = []
            for column, key, limit in (("konto", keys[0], self.policy.max_failures_account),
                                       ("adresse", keys[1], self.policy.max_failures_address)):
                rows = q(f"SELECT zeitpunkt FROM anmeldeversuch WHERE {column} = ? ORDER BY zeitpunkt DESC", key)
                if len(rows) >= limit:  # free again when the limit-th newest failure leaves the window
                    oldest = self._ledger.from_db_time(rows[limit - 1]["zeitpunkt"])
                    waits.append((oldest + self.policy.window - now).total_seconds())
            if waits:
                raise Gedrosselt(max(1, int(max(waits) + 0.999)))
            rows = q("SELECT id, passwort, gesperrt FROM konto WHERE name = ?", name)
        row = rows[0] if rows else None
        ok = _verify(row["passwort"] if row else None, passwort) and row is not None and not bool(row["gesperrt"])
        with self._tx(True) as q:
            if not ok:
                q("INSERT INTO anmeldeversuch (zeitpunkt, konto, adresse) VALUES (?, ?, ?)", self._t(now), *keys)
                return None
            assert row is not None
            if _hasher().check_needs_rehash(row["passwort"]):
                q("UPDATE konto SET passwort = ? WHERE id = ?", hash_password(passwort), row["id"])
            q("UPDATE konto SET letzte_anmeldung = ? WHERE id = ?", self._t(now), row["id"])
            q("DELETE FROM anmeldeversuch WHERE konto = ?", keys[0])
            found = q(self._KONTO + " WHERE k.id = ?", row["id"])
        return self._konto(found[0])

    def sitzung_anlegen(self, konto: Konto) -> tuple[str, str]:
        """A new session for a signed-in account: (session id for the cookie, CSRF token)."""
        sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self._now()
        with self._tx(True) as q:
            q("DELETE FROM sitzung WHERE zuletzt < ? OR angelegt < ?", self._t(now - self.policy.idle),
              self._t(now - self.policy.absolute))
            q("INSERT INTO sitzung (hash, konto_id, angelegt, zuletzt, csrf) VALUES (?, ?, ?, ?, ?)",
              _digest(sid), konto.id, self._t(now), self._t(now), csrf)
        return sid, csrf

    def sitzung(self, sid: str) -> Sitzung | None:
        """The valid session of a cookie value, or None (unknown, idle too long, too old, account locked)."""
        now = self._now()
        key = _digest(sid)
        with self._tx(False) as q:
            rows = q("SELECT s.angelegt AS s_angelegt, s.zuletzt, s.csrf, k.id, k.name, k.rolle, k.stelle, k.gesperrt, "
                     "k.angelegt, k.letzte_anmeldung FROM sitzung s JOIN konto k ON k.id = s.konto_id "
                     "WHERE s.hash = ?", key)
        if not rows:
            return None
        row = rows[0]
        zuletzt = self._ledger.from_db_time(row["zuletzt"])
        angelegt = self._ledger.from_db_time(row["s_angelegt"])
        konto = self._konto(row)
        if konto.gesperrt or now - zuletzt > self.policy.idle or now - angelegt > self.policy.absolute:
            self.sitzung_beenden(sid)
            return None
        if now - zuletzt > timedelta(minutes=1):  # at most one write per minute and session
            with self._tx(True) as q:
                q("UPDATE sitzung SET zuletzt = ? WHERE hash = ?", self._t(now), key)
        return Sitzung(konto, row["csrf"])

    def sitzung_beenden(self, sid: str) -> None:
        """Delete a session."""
        with self._tx(True) as q:
            q("DELETE FROM sitzung WHERE hash = ?", _digest(sid))

    def per_token(self, token: str) -> Konto | None:
        """The unlocked account of a personal API token, or None."""
        with self._tx(False) as q:
            rows = q(self._KONTO + " JOIN api_token t ON t.konto_id = k.id WHERE t.hash = ?", _digest(token))
        konto = self._konto(rows[0]) if rows else None
        return konto if konto is not None and not konto.gesperrt else None

    # -- the audit log (append only: there is no update or delete)

    def protokolliere(self, benutzer: str | None, aktion: str, gegenstand: str, fall: str | None = None) -> None:
        """Append one entry to the audit log."""
        with self._tx(True) as q:
            self._log(q, benutzer, aktion, gegenstand, fall)

    def _log(self, q: Callable[..., list[dict[str, Any]]], benutzer: str | None, aktion: str, gegenstand: str,
             fall: str | None) -> None:
        q("INSERT INTO protokoll (zeitpunkt, benutzer, aktion, gegenstand, fall) VALUES (?, ?, ?, ?, ?)",
          self._t(self._now()), benutzer, aktion, gegenstand, fall)

    def protokoll(self, seite: int = 1, je_seite: int = 50,
                  zeige: Callable[[Eintrag], bool] | None = None) -> tuple[list[Eintrag], int]:
        """One page of the audit log, newest first, and the number of entries (only those ``zeige`` keeps)."""
        if zeige is not None:
            with self._tx(False) as q:
                rows = q("SELECT zeitpunkt, benutzer, aktion, gegenstand, fall FROM protokoll ORDER BY id DESC")
            kept = [e for e in (Eintrag(self._ledger.from_db_time(r["zeitpunkt"]), r["benutzer"], r["aktion"],
                                        r["gegenstand"], r["fall"]) for r in rows) if zeige(e)]
            start = max(0, seite - 1) * je_seite
            return kept[start:start + je_seite], len(kept)
        with self._tx(False) as q:
            total = int(q("SELECT count(*) AS n FROM protokoll")[0]["n"])
            rows = q("SELECT zeitpunkt, benutzer, aktion, gegenstand, fall FROM protokoll ORDER BY id DESC "
                     "LIMIT ? OFFSET ?", je_seite, max(0, seite - 1) * je_seite)
        return [Eintrag(self._ledger.from_db_time(r["zeitpunkt"]), r["benutzer"], r["aktion"], r["gegenstand"],
                        r["fall"]) for r in rows], total
