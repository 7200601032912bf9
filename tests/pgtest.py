"""A throw-away server database for tests and benchmarks.

``database(kind, folder)`` yields an SQLAlchemy URL: an SQLite file in ``folder``, or a
PostgreSQL database created on the machine's server (``SAMPARK_TEST_PG_HOST``/``_PORT``,
default 127.0.0.1:5432, trust auth as user ``postgres``) and dropped — connections and all —
on exit.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_HOST = os.environ.get("SAMPARK_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("SAMPARK_TEST_PG_PORT", "5432"))
PG_ADMIN = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/postgres"


@contextmanager
def database(kind: str, folder: Path, prefix: str = "sampark_test") -> Iterator[str]:
    """``kind`` is "sqlite" or "postgresql"; the name gets ``prefix`` and a random suffix."""
    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'{name}.db'}"
        return
    if kind != "postgresql":
        raise ValueError(f"unknown database kind {kind!r}")
    import psycopg  # only where PostgreSQL is asked for (the frozen app has no driver)

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
