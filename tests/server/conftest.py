"""Fixtures for the central server tests.

``live`` runs the real app under uvicorn on a free loopback port and talks HTTP to it, once
on an SQLite file and once on a PostgreSQL database created for the test (and dropped after).
``live.setup(...)`` adds a campaign, a centre, callers, a supervisor and contacts.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from server_live import Live, UvicornThread

from server.app import create_app

PG_HOST = os.environ.get("SAMPARK_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("SAMPARK_TEST_PG_PORT", "5432"))
PG_ADMIN = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/postgres"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.db'}"
        return
    name = f"sampark_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def live(database_url: str) -> Iterator[Live]:
    app = create_app(database_url)
    server = UvicornThread(app).start()
    helper = Live(app, server)
    try:
        yield helper
    finally:
        helper.close()
        server.stop()
        app.state.engine.dispose()
