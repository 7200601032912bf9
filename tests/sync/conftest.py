"""Fixtures for the sync fault tests: the real server under uvicorn on loopback (SQLite file;
PostgreSQL for tests parametrised with ``indirect=["server_db"]``), a campaign with a caller
logged in through ``SyncClient``, and a fresh journal."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from server_live import Live, UvicornThread
from syncfix import Caller, make_caller, open_journal

from server.app import create_app
from softphone.journal import Journal

PG_HOST = os.environ.get("SAMPARK_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("SAMPARK_TEST_PG_PORT", "5432"))
PG_ADMIN = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/postgres"


@pytest.fixture
def server_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    kind = getattr(request, "param", "sqlite")
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.db'}"
        return
    name = f"sampark_sync_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def live(server_db: str) -> Iterator[Live]:
    app = create_app(server_db)
    server = UvicornThread(app).start()
    helper = Live(app, server)
    try:
        yield helper
    finally:
        helper.close()
        server.stop()
        app.state.engine.dispose()


@pytest.fixture
def caller(live: Live, server_db: str) -> Caller:
    return make_caller(live, server_db)


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = open_journal(tmp_path / "journal.sqlite3")
    yield j
    j.close()
