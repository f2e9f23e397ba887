"""First ledger schema: runs, input files, parameters, findings, edges, month matrix, corrections.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _lauf_fk() -> sa.Column:
    return sa.Column("lauf_id", sa.String(64), sa.ForeignKey("lauf.lauf_id"), nullable=False)


def upgrade() -> None:
    """Create the tables of the first schema."""
    op.create_table(
        "lauf",
        sa.Column("nr", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("lauf_id", sa.String(64), nullable=False, unique=True),
        sa.Column("zeitpunkt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("monat", sa.String(7), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("fall", sa.String(255), nullable=False),
        sa.Column("modus", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("fingerabdruck", sa.String(64), nullable=False),
        sa.Column("wiederholung_von", sa.String(64), sa.ForeignKey("lauf.lauf_id"), nullable=True),
    )
    op.create_index("ix_lauf_fall_monat", "lauf", ["fall", "monat"])
    op.create_table(
        "eingabedatei",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _lauf_fk(),
        sa.Column("pos", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("groesse", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("blaetter", sa.Text, nullable=False),
    )
    op.create_index("ix_eingabedatei_lauf_id", "eingabedatei", ["lauf_id"])
    op.create_table(
        "parameter",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _lauf_fk(),
        sa.Column("pos", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("wert", sa.Text, nullable=False),
        sa.Column("gueltig_ab", sa.Date, nullable=True),
        sa.Column("quelle", sa.Text, nullable=False),
    )
    op.create_index("ix_parameter_lauf_id", "parameter", ["lauf_id"])
    op.create_table(
        "befund",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _lauf_fk(),
        sa.Column("pos", sa.Integer, nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("schwere", sa.String(20), nullable=False),
        sa.Column("datei", sa.Text, nullable=True),
        sa.Column("blatt", sa.Text, nullable=True),
        sa.Column("zelle", sa.String(32), nullable=True),
        sa.Column("meldung", sa.Text, nullable=False),
    )
    op.create_index("ix_befund_lauf_id", "befund", ["lauf_id"])
    op.create_table(
        "kante",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _lauf_fk(),
        sa.Column("pos", sa.Integer, nullable=False),
        sa.Column("geber", sa.Text, nullable=False),
        sa.Column("empfaenger", sa.Text, nullable=False),
        sa.Column("jahr", sa.Integer, nullable=False),
        sa.Column("vzae_zugeteilt_e4", sa.BigInteger, nullable=False),
        sa.Column("weiterleitung_cent", sa.BigInteger, nullable=False),
        sa.Column("foerderfaehig_kumuliert_cent", sa.BigInteger, nullable=False),
        sa.Column("ausgezahlt_kumuliert_cent", sa.BigInteger, nullable=False),
        sa.Column("saldo_cent", sa.BigInteger, nullable=False),
        sa.Column("gezahlt_brutto_cent", sa.BigInteger, nullable=False),
        sa.Column("zurueckgezahlt_cent", sa.BigInteger, nullable=False),
        sa.Column("foerderfaehig_eigen_kumuliert_cent", sa.BigInteger, nullable=False),
        sa.Column("nachzahlung_gekappt", sa.Boolean, nullable=False),
        sa.Column("nachweisfrist", sa.Date, nullable=True),
    )
    op.create_index("ix_kante_lauf_id", "kante", ["lauf_id"])
    op.create_table(
        "monatswert",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _lauf_fk(),
        sa.Column("geber", sa.Text, nullable=False),
        sa.Column("empfaenger", sa.Text, nullable=False),
        sa.Column("jahr", sa.Integer, nullable=False),
        sa.Column("monat", sa.Integer, nullable=False),
        sa.Column("vzae_zugeteilt_e4", sa.BigInteger, nullable=True),
        sa.Column("vzae_besetzt_e4", sa.BigInteger, nullable=True),
        sa.Column("foerderfaehig_cent", sa.BigInteger, nullable=True),
        sa.Column("foerderfaehig_kumuliert_cent", sa.BigInteger, nullable=True),
        sa.Column("ausgezahlt_cent", sa.BigInteger, nullable=True),
        sa.Column("ausgezahlt_kumuliert_cent", sa.BigInteger, nullable=True),
        sa.Column("saldo_kumuliert_cent", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_monatswert_lauf", "monatswert", ["lauf_id"])
    op.create_index("ix_monatswert_schluessel", "monatswert", ["empfaenger", "jahr", "monat"])
    op.create_table(
        "korrektur",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _lauf_fk(),
        sa.Column("pos", sa.Integer, nullable=False),
        sa.Column("geber", sa.Text, nullable=False),
        sa.Column("empfaenger", sa.Text, nullable=False),
        sa.Column("jahr", sa.Integer, nullable=False),
        sa.Column("monat", sa.String(7), nullable=False),
        sa.Column("kennzahl", sa.String(64), nullable=False),
        sa.Column("alt_cent", sa.BigInteger, nullable=False),
        sa.Column("neu_cent", sa.BigInteger, nullable=False),
        sa.Column("frueherer_lauf", sa.String(64), nullable=False),
    )
    op.create_index("ix_korrektur_lauf_id", "korrektur", ["lauf_id"])


def downgrade() -> None:
    """Drop the tables of the first schema."""
    for table in ("korrektur", "monatswert", "kante", "befund", "parameter", "eingabedatei", "lauf"):
        op.drop_table(table)
