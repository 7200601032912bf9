"""The Alembic migrations build exactly the schema ``server/tables.py`` declares, on SQLite
and PostgreSQL, and several processes migrating one fresh database at once is harmless."""

from __future__ import annotations

import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from server.db import make_engine
from server.migrate import upgrade
from server.tables import metadata


def test_migrations_match_the_declared_tables(database_url: str) -> None:
    cmd = [sys.executable, "-m", "server.cli", "migrate", "--database-url", database_url]
    starters = [subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for proc in starters:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    engine = make_engine(database_url)
    try:
        upgrade(engine)  # again: a no-op
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
            tables = set(inspect(conn).get_table_names())
        assert diff == [], diff
        assert set(metadata.tables) <= tables
    finally:
        engine.dispose()
