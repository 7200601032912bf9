"""Fixtures for the sync fault tests: the real server under uvicorn on loopback (SQLite file;
PostgreSQL for tests parametrised with ``indirect=["server_db"]``), a campaign with a caller
logged in through ``SyncClient``, and a fresh journal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pgtest import database
from server_live import Live
from syncfix import Caller, make_caller, open_journal

from softphone.journal import Journal


@pytest.fixture
def server_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(getattr(request, "param", "sqlite"), tmp_path, "sampark_sync") as url:
        yield url


@pytest.fixture
def live(server_db: str) -> Iterator[Live]:
    with Live.running(server_db) as helper:
        yield helper


@pytest.fixture
def caller(live: Live, server_db: str) -> Caller:
    return make_caller(live, server_db)


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = open_journal(tmp_path / "journal.sqlite3")
    yield j
    j.close()
