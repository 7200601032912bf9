"""The FastAPI application factory.

``create_app(database_url)`` migrates the database (unless told not to), loads the shared
signing key and mounts the API. Processes keep no state between requests besides the
engine's connection pool and the key, so any number can serve one PostgreSQL database.
``app_from_env`` is the factory uvicorn workers import (URL from the environment).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from server import api, config, db, errors, migrate, openapi, schema
from server.api import board as board_api
from server.db import make_engine
from server.fastpath import FastPresence
from server.presence_buffer import PresenceBuffer
from server.security import load_signing_key

VERSION = "1.0.0"
ERROR_RESPONSES = {
    400: "malformed request",
    401: "missing, invalid or expired token; or bad credentials",
    403: "not allowed for this role or centre",
    404: "no such object",
    409: "conflicts with concurrently stored data; retry",
    413: "body too large",
    429: "too many failed logins; account locked for a few minutes",
    422: "validation error",
    503: "database busy or unreachable; retry later",
}


def create_app(database_url: str | None = None, run_migrations: bool = True) -> FastAPI:
    url = database_url or config.default_database_url()
    engine = make_engine(url)
    if run_migrations:
        migrate.upgrade(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # As many request threads as pooled connections: a thread never waits for one.
        anyio.to_thread.current_default_thread_limiter().total_tokens = db.pool_size()
        board_api.watch_signals()  # open board streams end when the process is told to stop
        yield
        app.state.presence_buffer.close()  # write the last heartbeats
        engine.dispose()

    app = FastAPI(
        title="Sampark central server",
        version=VERSION,
        description="Campaigns, contact leases, outcomes and presence. See docs/api.md.",
        lifespan=lifespan,
        responses={
            code: {"model": schema.ErrorResponse, "description": text}
            for code, text in ERROR_RESPONSES.items()
        },
    )
    app.state.engine = engine
    app.state.presence_buffer = PresenceBuffer(engine)
    app.state.signing_key = load_signing_key(engine)
    errors.install(app)
    api.install(app)
    app.add_middleware(FastPresence)  # good heartbeats skip FastAPI's routing (fastpath.py)
    openapi.install(app)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` workers; the parent process already migrated."""
    return create_app(config.default_database_url(), run_migrations=False)
