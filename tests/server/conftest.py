"""Fixtures for the central server tests.

``live`` runs the real app under uvicorn on a free loopback port and talks HTTP to it, once
on an SQLite file and once on a PostgreSQL database created for the test (and dropped after).
``live.setup(...)`` adds a campaign, a centre, callers, a supervisor and contacts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pgtest import database
from server_live import Live


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    with database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def live(database_url: str) -> Iterator[Live]:
    with Live.running(database_url) as helper:
        yield helper
