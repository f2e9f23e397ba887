"""Accounts of the web server: accounts, API tokens, sessions, failed logins, the audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def _konto_fk(*, unique: bool = False) -> sa.Column:
    return sa.Column("konto_id", sa.Integer, sa.ForeignKey("konto.id"), nullable=False, unique=unique)


def upgrade() -> None:
    """Create the account tables."""
    op.create_table(
        "konto",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("rolle", sa.String(20), nullable=False),
        sa.Column("stelle", sa.Text, nullable=True),
        sa.Column("passwort", sa.Text, nullable=False),
        sa.Column("gesperrt", sa.Boolean, nullable=False),
        sa.Column("angelegt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("letzte_anmeldung", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _konto_fk(unique=True),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
        sa.Column("angelegt", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sitzung",
        sa.Column("hash", sa.String(64), primary_key=True),
        _konto_fk(),
        sa.Column("angelegt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("zuletzt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
    )
    op.create_index("ix_sitzung_konto_id", "sitzung", ["konto_id"])
    op.create_table(
        "anmeldeversuch",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("zeitpunkt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("konto", sa.String(64), nullable=False),
        sa.Column("adresse", sa.String(64), nullable=False),
    )
    for col in ("zeitpunkt", "konto", "adresse"):
        op.create_index(f"ix_anmeldeversuch_{col}", "anmeldeversuch", [col])
    op.create_table(
        "protokoll",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("zeitpunkt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("benutzer", sa.String(120), nullable=True),
        sa.Column("aktion", sa.Text, nullable=False),
        sa.Column("gegenstand", sa.Text, nullable=False),
        sa.Column("fall", sa.String(255), nullable=True),
    )


def downgrade() -> None:
    """Drop the account tables."""
    for table in ("protokoll", "anmeldeversuch", "sitzung", "api_token", "konto"):
        op.drop_table(table)
