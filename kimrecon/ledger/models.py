"""SQLAlchemy models of the run ledger: one row per run and its inputs, parameters, findings and figures.

Since revision 0002 the same database also holds the web server's accounts, API tokens, sessions,
login attempts and the append-only audit log (``kimrecon.accounts``).

The schema is created and changed only by the Alembic migrations in ``kimrecon/ledger/migrations``;
these models describe the head revision (``kimrecon.ledger.schema.SCHEMA_HEAD``). The ledger's
queries do not use them (plain SQL, so that opening a ledger imports no ORM); Alembic and the
tests do. Money is integer cents (BIGINT), VzÄ integer ten-thousandths, months ``jahr`` +
``monat`` (1..12).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of the ledger models."""


class Lauf(Base):
    """One recorded reconciliation run."""

    __tablename__ = "lauf"

    nr: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)  # insertion order
    lauf_id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    zeitpunkt: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)  # UTC
    monat: Mapped[str] = mapped_column(String(7), nullable=False)  # "YYYY-MM"
    version: Mapped[str] = mapped_column(String(40), nullable=False)
    fall: Mapped[str] = mapped_column(String(255), nullable=False)
    modus: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    fingerabdruck: Mapped[str] = mapped_column(String(64), nullable=False)  # inputs + parameters
    wiederholung_von: Mapped[str | None] = mapped_column(String(64), ForeignKey("lauf.lauf_id"), nullable=True)

    __table_args__ = (Index("ix_lauf_fall_monat", "fall", "monat"),)


class Eingabedatei(Base):
    """One input file of a run."""

    __tablename__ = "eingabedatei"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lauf_id: Mapped[str] = mapped_column(String(64), ForeignKey("lauf.lauf_id"), nullable=False, index=True)
    pos: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    groesse: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    blaetter: Mapped[str] = mapped_column(Text, nullable=False)  # JSON list of sheet names


class Parameterwert(Base):
    """One parameter value used by a run, with its source."""

    __tablename__ = "parameter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lauf_id: Mapped[str] = mapped_column(String(64), ForeignKey("lauf.lauf_id"), nullable=False, index=True)
    pos: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    wert: Mapped[str] = mapped_column(Text, nullable=False)
    gueltig_ab: Mapped[date | None] = mapped_column(Date, nullable=True)
    quelle: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Befund(Base):
    """One finding of a run, as the user saw it."""

    __tablename__ = "befund"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lauf_id: Mapped[str] = mapped_column(String(64), ForeignKey("lauf.lauf_id"), nullable=False, index=True)
    pos: Mapped[int] = mapped_column(Integer, nullable=False)
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    schwere: Mapped[str] = mapped_column(String(20), nullable=False)  # Fehler | Hinweis
    datei: Mapped[str | None] = mapped_column(Text, nullable=True)
    blatt: Mapped[str | None] = mapped_column(Text, nullable=True)
    zelle: Mapped[str | None] = mapped_column(String(32), nullable=True)
    meldung: Mapped[str] = mapped_column(Text, nullable=False)


class Kante(Base):
    """Settlement of one edge and year, cumulative up to the run's month (spec §6a ``kanten``)."""

    __tablename__ = "kante"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lauf_id: Mapped[str] = mapped_column(String(64), ForeignKey("lauf.lauf_id"), nullable=False, index=True)
    pos: Mapped[int] = mapped_column(Integer, nullable=False)
    geber: Mapped[str] = mapped_column(Text, nullable=False)
    empfaenger: Mapped[str] = mapped_column(Text, nullable=False)
    jahr: Mapped[int] = mapped_column(Integer, nullable=False)
    vzae_zugeteilt_e4: Mapped[int] = mapped_column(BigInteger, nullable=False)
    weiterleitung_cent: Mapped[int] = mapped_column(BigInteger, nullable=False)
    foerderfaehig_kumuliert_cent: Mapped[int] = mapped_column(BigInteger, nullable=False)
    ausgezahlt_kumuliert_cent: Mapped[int] = mapped_column(BigInteger, nullable=False)
    saldo_cent: Mapped[int] = mapped_column(BigInteger, nullable=False)
    gezahlt_brutto_cent: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    zurueckgezahlt_cent: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    foerderfaehig_eigen_kumuliert_cent: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    nachzahlung_gekappt: Mapped[bool] = mapped_column(nullable=False, default=False)
    nachweisfrist: Mapped[date | None] = mapped_column(Date, nullable=True)


class Monatswert(Base):
    """One row of the month matrix (recipient × year × month) with the recipient's giver."""

    __tablename__ = "monatswert"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lauf_id: Mapped[str] = mapped_column(String(64), ForeignKey("lauf.lauf_id"), nullable=False)
    geber: Mapped[str] = mapped_column(Text, nullable=False)
    empfaenger: Mapped[str] = mapped_column(Text, nullable=False)
    jahr: Mapped[int] = mapped_column(Integer, nullable=False)
    monat: Mapped[int] = mapped_column(Integer, nullable=False)
    vzae_zugeteilt_e4: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    vzae_besetzt_e4: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    foerderfaehig_cent: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    foerderfaehig_kumuliert_cent: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ausgezahlt_cent: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ausgezahlt_kumuliert_cent: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    saldo_kumuliert_cent: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    __table_args__ = (
        Index("ix_monatswert_lauf", "lauf_id"),
        Index("ix_monatswert_schluessel", "empfaenger", "jahr", "monat"),
    )


class Korrektur(Base):
    """A retroactive correction a run reported against an earlier run (spec §7)."""

    __tablename__ = "korrektur"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lauf_id: Mapped[str] = mapped_column(String(64), ForeignKey("lauf.lauf_id"), nullable=False, index=True)
    pos: Mapped[int] = mapped_column(Integer, nullable=False)
    geber: Mapped[str] = mapped_column(Text, nullable=False)
    empfaenger: Mapped[str] = mapped_column(Text, nullable=False)
    jahr: Mapped[int] = mapped_column(Integer, nullable=False)
    monat: Mapped[str] = mapped_column(String(7), nullable=False)
    kennzahl: Mapped[str] = mapped_column(String(64), nullable=False)
    alt_cent: Mapped[int] = mapped_column(BigInteger, nullable=False)
    neu_cent: Mapped[int] = mapped_column(BigInteger, nullable=False)
    frueherer_lauf: Mapped[str] = mapped_column(String(64), nullable=False)


# ---- accounts of the web server (revision 0002)


class Konto(Base):
    """An account of the web server: name, role, organisation, argon2id password hash."""

    __tablename__ = "konto"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    rolle: Mapped[str] = mapped_column(String(20), nullable=False)  # kreis | kommune | pruefer
    stelle: Mapped[str | None] = mapped_column(Text, nullable=True)  # "Stadt Kamen"; None: every Kreis
    passwort: Mapped[str] = mapped_column(Text, nullable=False)  # argon2id hash, never the password
    gesperrt: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    angelegt: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)  # UTC
    letzte_anmeldung: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ApiToken(Base):
    """The personal API token of an account (SHA-256 of the token only; a new token replaces the old)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    konto_id: Mapped[int] = mapped_column(Integer, ForeignKey("konto.id"), unique=True, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    angelegt: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class Sitzung(Base):
    """A signed-in browser session (SHA-256 of the session id only) with its CSRF token."""

    __tablename__ = "sitzung"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    konto_id: Mapped[int] = mapped_column(Integer, ForeignKey("konto.id"), nullable=False, index=True)
    angelegt: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    zuletzt: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    csrf: Mapped[str] = mapped_column(String(64), nullable=False)


class Anmeldeversuch(Base):
    """A failed login, kept for the throttling window: SHA-256 of the typed name and of the address."""

    __tablename__ = "anmeldeversuch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    zeitpunkt: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    konto: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    adresse: Mapped[str] = mapped_column(String(64), nullable=False, index=True)


class Protokolleintrag(Base):
    """One entry of the append-only audit log: who did what to which object, when (no personal data)."""

    __tablename__ = "protokoll"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    zeitpunkt: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)  # UTC
    benutzer: Mapped[str | None] = mapped_column(String(120), nullable=True)  # None: the command line
    aktion: Mapped[str] = mapped_column(Text, nullable=False)
    gegenstand: Mapped[str] = mapped_column(Text, nullable=False)
    fall: Mapped[str | None] = mapped_column(String(255), nullable=True)
