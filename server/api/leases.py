"""Contact leases: take the next contacts, list, renew and release them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from server import db, leasing, schema
from server.deps import EngineDep, UserDep

router = APIRouter(tags=["leases"])


@router.post("/leases", response_model=schema.LeaseResponse)
def take(body: schema.LeaseRequest, user: UserDep, engine: EngineDep) -> Any:
    """Lease up to ``count`` next contacts of the campaign to the caller, with an expiry.

    An empty list comes with ``refused_reason`` (outside_calling_window, campaign_inactive,
    too_many_leases, no_contacts_available).
    """
    return leasing.lease(engine, user, body)


@router.get("/leases", response_model=list[schema.Lease])
def held(user: UserDep, engine: EngineDep) -> Any:
    """The caller's unexpired leases."""
    return leasing.current(engine, user)


@router.post("/leases/release", response_model=schema.LeaseReleaseResponse)
def release(body: schema.LeaseRelease, user: UserDep, engine: EngineDep) -> Any:
    """Return leased contacts to the pool (ids not leased to the caller are ignored)."""
    released = leasing.release(engine, user, body.contact_ids)
    return schema.LeaseReleaseResponse(released=released, server_time=db.utc(db.now()))


@router.post("/leases/renew", response_model=schema.LeaseReleaseResponse)
def renew(body: schema.LeaseRelease, user: UserDep, engine: EngineDep) -> Any:
    """Extend the caller's leases; a lapsed lease nobody else took is renewed too."""
    renewed, expires = leasing.renew(engine, user, body.contact_ids)
    return schema.LeaseReleaseResponse(
        released=[],
        renewed=renewed,
        expires_at=expires if renewed else None,
        server_time=db.utc(db.now()),
    )
