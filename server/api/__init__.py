"""HTTP API under ``/api/v1``: one router per area, mounted by ``install(app)``.

Each area's router is included straight into the app (one level, no ``/api/v1`` router in
between) and the busiest areas come first: FastAPI matches a request by walking the
included routers in order, and on the heartbeat path that walk was a large share of the
CPU a request costs.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from server.api import auth, board, campaigns, leases, monitor, outcomes, presence, reports

PREFIX = "/api/v1"
AREAS = (presence, outcomes, leases, auth, campaigns, reports, monitor, board)  # busiest first


def install(app: FastAPI) -> None:
    for module in AREAS:
        app.include_router(module.router, prefix=PREFIX)


def router() -> APIRouter:
    """All areas under one ``/api/v1`` router (for embedding the API elsewhere)."""
    api = APIRouter(prefix=PREFIX)
    for module in AREAS:
        api.include_router(module.router)
    return api
