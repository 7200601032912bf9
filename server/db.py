"""Database engines and small helpers shared by the API modules.

SQLite: WAL, a busy timeout, and every writing transaction opened with ``BEGIN IMMEDIATE``
so a read-then-write (leasing) holds the write lock from its first statement — the SQLite
equivalent of PostgreSQL's ``SELECT ... FOR UPDATE SKIP LOCKED``. Read-only work uses
``read(engine)`` (a deferred ``BEGIN``). PostgreSQL: a plain pool.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, overload

from sqlalchemy import Connection, CursorResult, Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

_READ_ONLY = "sampark_read_only"


@contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    """A connection for reads only: on SQLite its transaction is a plain (deferred) ``BEGIN``,
    so readers run beside a writer under WAL instead of queueing for the write lock; on
    PostgreSQL it autocommits (each statement its own snapshot, no BEGIN/ROLLBACK)."""
    if engine.dialect.name == "postgresql":
        with _autocommit(engine) as conn:
            yield conn
        return
    with engine.connect() as conn:
        yield conn.execution_options(**{_READ_ONLY: True})


@contextmanager
def single_write(engine: Engine) -> Iterator[Connection]:
    """A connection for one writing statement (or a few independent ones): on PostgreSQL
    each statement commits on its own (no BEGIN/COMMIT round trips); on SQLite a normal
    ``BEGIN IMMEDIATE`` transaction."""
    if engine.dialect.name != "postgresql":
        with engine.begin() as conn:
            yield conn
        return
    with _autocommit(engine) as conn:
        yield conn


@contextmanager
def _autocommit(engine: Engine) -> Iterator[Connection]:
    """A pooled PostgreSQL connection with psycopg's ``autocommit`` switched on for the
    block. Cheaper than ``execution_options(isolation_level="AUTOCOMMIT")``, which queries
    and resets the isolation level on every checkout: the heartbeat path runs this once per
    request. SQLAlchemy's implicit BEGIN/ROLLBACK are then no-ops in the driver."""
    with engine.connect() as conn:
        raw: Any = conn.connection.dbapi_connection
        raw.autocommit = True
        try:
            yield conn
        finally:
            try:
                raw.autocommit = False
            except Exception:  # broken or mid-transaction connection: never reuse it
                conn.invalidate()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str) -> Engine:
    """An engine for ``url`` tuned for the server (see module docstring)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=8,
        )
        _sqlite_immediate_transactions(engine)
        return engine
    # No pre-ping: it costs a round trip per checkout; stale connections are recycled instead.
    # ``pool_size()`` connections per process, matching the request threads (server.app), so
    # no request waits for a connection and overflow connections are rarely opened.
    size = pool_size()
    return create_engine(url, pool_size=size, max_overflow=size, pool_recycle=1800)


def pool_size() -> int:
    """Connections kept per server process (``SAMPARK_SERVER_DB_POOL``, default 8)."""
    return max(1, int(os.environ.get("SAMPARK_SERVER_DB_POOL", "8")))


def _sqlite_immediate_transactions(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        deferred = conn.get_execution_options().get(_READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def now() -> datetime:
    """Current time as naive UTC (the storage form)."""
    return datetime.now(UTC).replace(tzinfo=None)


@overload
def to_db(value: datetime) -> datetime: ...
@overload
def to_db(value: None) -> None: ...
def to_db(value: datetime | None) -> datetime | None:
    """Aware (or naive-UTC) datetime → naive UTC for storage."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


@overload
def utc(value: datetime) -> datetime: ...
@overload
def utc(value: None) -> None: ...
def utc(value: datetime | None) -> datetime | None:
    """Stored naive UTC → aware UTC for the API."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def insert_ignore(engine: Engine, table: Any) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` for the engine's dialect."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def upsert(engine: Engine, table: Any) -> Any:
    """A dialect ``INSERT`` supporting ``on_conflict_do_update`` (PostgreSQL and SQLite)."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def new_id(result: CursorResult[Any]) -> int:
    """The primary key of the row an ``INSERT`` just created."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def pg_array_type(column: Any) -> str:
    """The PostgreSQL array type for a column's values (``unnest`` statements)."""
    from sqlalchemy import JSON, Boolean, DateTime, Float, Integer

    kinds: list[tuple[Any, str]] = [(Boolean, "bool"), (Integer, "int4"), (Float, "float8")]
    kinds += [(DateTime, "timestamp"), (JSON, "json")]
    for kind, name in kinds:
        if isinstance(column.type, kind):
            return f"{name}[]"
    return "text[]"
