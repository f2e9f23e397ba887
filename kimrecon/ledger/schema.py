"""Names of the ledger schema that the fast path needs without SQLAlchemy: the version table and head revision.

Opening an up-to-date ledger reads ``SCHEMA_HEAD`` from ``VERSION_TABLE`` with one plain query and
imports neither SQLAlchemy's ORM nor Alembic; only a new or older database runs the migrations.
A new migration must set ``SCHEMA_HEAD`` to its revision (a test compares it with Alembic's head).
"""

# Alembic keeps its revision in a table of its own name, so that a PostgreSQL database shared with
# other applications does not collide on ``alembic_version``.
VERSION_TABLE = "kimrecon_alembic_version"

# The newest revision in ``kimrecon/ledger/migrations/versions``.
SCHEMA_HEAD = "0002"
