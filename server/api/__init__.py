"""HTTP API under ``/api/v1``: one router per area, assembled by ``router()``."""

from __future__ import annotations

from fastapi import APIRouter

from server.api import auth, campaigns, leases, monitor, outcomes, presence, reports


def router() -> APIRouter:
    api = APIRouter(prefix="/api/v1")
    for module in (auth, campaigns, leases, outcomes, presence, reports, monitor):
        api.include_router(module.router)
    return api
