"""Alembic environment of the run ledger; works from the installed package, no alembic.ini needed.

``kimrecon.ledger.store`` passes an open connection in ``config.attributes["connection"]``. For
maintenance by hand, ``sqlalchemy.url`` in the Alembic config (or ``KIMRECON_DB``) is used.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from kimrecon.ledger.models import Base
from kimrecon.ledger.schema import VERSION_TABLE

config = context.config
target_metadata = Base.metadata


def _configure(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        render_as_batch=True,  # SQLite needs batch mode for ALTER TABLE in later revisions
        compare_type=True,
    )


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url") or os.environ.get("KIMRECON_DB"),
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the caller's connection, or on one made from the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("KIMRECON_DB")
    if not url:
        raise RuntimeError("no database URL: set sqlalchemy.url or KIMRECON_DB")
    engine = create_engine(url)
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
