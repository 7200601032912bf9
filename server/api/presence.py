"""Agent presence by heartbeat, and the supervisor's view of the centre."""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Engine, bindparam, select

from server import config, db, schema
from server.campaigns import DEFAULT_PAUSE_REASONS
from server.deps import EngineDep, SupervisorDep, UserDep
from server.errors import ApiError
from server.presence_buffer import PresenceBuffer
from server.tables import campaigns, centres, presence, users

router = APIRouter(tags=["presence"])


@router.post("/presence", response_model=schema.PresenceAck)
def heartbeat(body: schema.PresenceIn, user: UserDep, request: Request) -> Any:
    """Report the caller's state; send every ``heartbeat_interval_s`` seconds (during a call
    at least every 5 s, with the call's quality). An agent not heard from for three
    intervals is shown as logged out. ``on_call`` / ``wrap_up`` with a ``contact_id`` the
    caller holds also extends that lease. Written within 0.25 s (coalesced per process)."""
    engine: Engine = request.app.state.engine  # not a dependency: this is the hottest path
    policy = None
    if body.state == schema.PresenceState.paused:
        policy = _centre_policy(engine, user.centre_id)
    return accept(request.app.state.presence_buffer, user.id, body, policy)


def accept(
    buffer: PresenceBuffer, user_id: int, body: schema.PresenceIn, policy: _Policy | None
) -> schema.PresenceAck:
    """Check a heartbeat (``policy``: the centre's, needed when paused), buffer it, ack."""
    if body.state == schema.PresenceState.paused:
        allowed = list((policy and policy.pause_reasons) or DEFAULT_PAUSE_REASONS)
        if body.reason not in allowed:
            raise ApiError(422, "bad_pause_reason", f"pause reason must be one of {allowed}")
    now = db.now()
    busy = body.contact_id is not None and body.state in _BUSY
    buffer.record(
        user_id, body.state.value, body.reason, body.contact_id, presence_extras(body), now, busy
    )
    return schema.PresenceAck(
        state=body.state,
        server_time=db.utc(now),
        heartbeat_interval_s=config.HEARTBEAT_INTERVAL_SECONDS,
    )


def presence_extras(body: schema.PresenceIn) -> dict[str, Any]:
    """The board's fields of a heartbeat: call start and the last media statistics."""
    quality = body.quality or _NO_QUALITY
    return {
        "call_started_at": db.to_db(body.call_started_at),
        "mos": quality.mos,
        "loss_pct": quality.loss_pct,
        "jitter_ms": quality.jitter_ms,
    }


_NO_QUALITY = schema.Quality()
_BUSY = (schema.PresenceState.on_call, schema.PresenceState.wrap_up)


@dataclass(frozen=True)
class _Policy:
    campaign_id: int | None
    lease_seconds: int | None
    pause_reasons: list[str] | None


_POLICY_SECONDS = 5.0
_policies: weakref.WeakKeyDictionary[Engine, dict[int | None, tuple[float, _Policy]]] = (
    weakref.WeakKeyDictionary()
)
_POLICY_QUERY = (
    select(centres.c.campaign_id, campaigns.c.lease_seconds, campaigns.c.pause_reasons)
    .select_from(centres.outerjoin(campaigns, centres.c.campaign_id == campaigns.c.id))
    .where(centres.c.id == bindparam("centre_id"))
)


def cached_policy(engine: Engine, centre_id: int | None) -> tuple[bool, _Policy | None]:
    """(found, policy): the centre's policy if cached and fresh (else ask _centre_policy)."""
    hit = _policies.get(engine, {}).get(centre_id)
    if hit is not None and time.monotonic() - hit[0] < _POLICY_SECONDS:
        return True, hit[1]
    return False, None


def _centre_policy(engine: Engine, centre_id: int | None) -> _Policy | None:
    """The centre's campaign, lease length and pause reasons, cached for 5 s per process."""
    cached = _policies.setdefault(engine, {})
    hit = cached.get(centre_id)
    if hit is not None and time.monotonic() - hit[0] < _POLICY_SECONDS:
        return hit[1]
    with db.read(engine) as conn:
        row = conn.execute(_POLICY_QUERY, {"centre_id": centre_id}).first()
    policy = None if row is None else _Policy(*row)
    if policy is not None:
        cached[centre_id] = (time.monotonic(), policy)
    return policy


@router.get("/presence", response_model=list[schema.AgentPresence])
def board(user: SupervisorDep, engine: EngineDep, request: Request) -> Any:
    """Presence of the callers in the supervisor's centre (admins: every centre)."""
    request.app.state.presence_buffer.flush()  # this process's pending heartbeats first
    stale = db.now() - timedelta(seconds=config.PRESENCE_STALE_SECONDS)
    query = (
        select(users.c.id, users.c.username, users.c.display_name, presence)
        .select_from(users.outerjoin(presence, presence.c.user_id == users.c.id))
        .where(users.c.role == "caller")
        .order_by(users.c.username)
    )
    if user.role != "admin":
        query = query.where(users.c.centre_id == user.centre_id)
    with db.read(engine) as conn:
        rows = conn.execute(query).all()
    return [_agent(r, stale) for r in rows]


def _agent(row: Any, stale: Any) -> schema.AgentPresence:
    alive = row.updated_at is not None and row.updated_at >= stale
    state = schema.PresenceState(row.state if alive and row.state else "logged_out")
    return schema.AgentPresence(
        user_id=row.id,
        username=row.username,
        display_name=row.display_name,
        state=state,
        reason=row.reason if alive else None,
        contact_id=row.contact_id if alive else None,
        since=db.utc(row.since),
        updated_at=db.utc(row.updated_at),
    )
