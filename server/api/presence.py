"""Agent presence by heartbeat, and the supervisor's view of the centre."""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Engine, bindparam, case, select

from server import config, db, schema
from server.campaigns import DEFAULT_PAUSE_REASONS
from server.deps import EngineDep, SupervisorDep, UserDep
from server.errors import ApiError
from server.tables import campaigns, centres, contacts, presence, users

router = APIRouter(tags=["presence"])


@router.post("/presence", response_model=schema.PresenceAck)
def heartbeat(body: schema.PresenceIn, user: UserDep, request: Request) -> Any:
    """Report the caller's state; send every ``heartbeat_interval_s`` seconds. An agent
    not heard from for three intervals is shown as logged out. ``on_call`` / ``wrap_up``
    with a ``contact_id`` the caller holds also extends that lease."""
    engine: Engine = request.app.state.engine  # not a dependency: this is the hottest path
    now = db.now()
    busy = body.contact_id is not None and body.state in _BUSY
    policy = None
    if body.state == schema.PresenceState.paused or busy:
        policy = _centre_policy(engine, user.centre_id)
    if body.state == schema.PresenceState.paused:
        allowed = list((policy and policy.pause_reasons) or DEFAULT_PAUSE_REASONS)
        if body.reason not in allowed:
            raise ApiError(422, "bad_pause_reason", f"pause reason must be one of {allowed}")
    values = {
        "user_id": user.id,
        "state": body.state.value,
        "reason": body.reason,
        "contact_id": body.contact_id,
        "now": now,
        **presence_extras(body),
    }
    with db.single_write(engine) as conn:  # autocommitted statements on PostgreSQL
        conn.execute(_upsert(engine), values)
        if busy:
            _keep_lease(conn, policy, user.id, body.contact_id, now)  # type: ignore[arg-type]
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
_UPSERTS: dict[str, Any] = {}


def _upsert(engine: Engine) -> Any:
    """The presence UPSERT, built once per dialect (its SQL is then compiled once too)."""
    name = engine.dialect.name
    if name not in _UPSERTS:
        stmt = db.upsert(engine, presence).values(
            user_id=bindparam("user_id"),
            state=bindparam("state"),
            reason=bindparam("reason"),
            contact_id=bindparam("contact_id"),
            since=bindparam("now"),
            updated_at=bindparam("now"),
            call_started_at=bindparam("call_started_at"),
            mos=bindparam("mos"),
            loss_pct=bindparam("loss_pct"),
            jitter_ms=bindparam("jitter_ms"),
        )
        _UPSERTS[name] = stmt.on_conflict_do_update(
            index_elements=[presence.c.user_id],
            set_={
                "state": stmt.excluded.state,
                "reason": stmt.excluded.reason,
                "contact_id": stmt.excluded.contact_id,
                "updated_at": stmt.excluded.updated_at,
                "call_started_at": stmt.excluded.call_started_at,
                "mos": stmt.excluded.mos,
                "loss_pct": stmt.excluded.loss_pct,
                "jitter_ms": stmt.excluded.jitter_ms,
                "since": case(
                    (presence.c.state == stmt.excluded.state, presence.c.since),
                    else_=stmt.excluded.since,
                ),
            },
        )
    return _UPSERTS[name]


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


_EXTEND = (
    contacts.update()
    .where(
        contacts.c.id == bindparam("b_contact"),
        contacts.c.lease_owner == bindparam("b_user"),
        contacts.c.campaign_id == bindparam("b_campaign"),
    )
    .values(lease_expires_at=bindparam("b_expires"))
)


def _keep_lease(
    conn: Any, policy: _Policy | None, user_id: int, contact_id: int, now: datetime
) -> None:
    """A call or wrap-up in progress keeps the caller's lease on that contact alive: one
    UPDATE when the contact is in the centre's campaign, else a look-up of its campaign."""
    if policy is not None and policy.campaign_id is not None and policy.lease_seconds:
        expires = now + timedelta(seconds=policy.lease_seconds)
        params = {"b_contact": contact_id, "b_user": user_id, "b_expires": expires}
        if conn.execute(_EXTEND, {**params, "b_campaign": policy.campaign_id}).rowcount:
            return
    query = (
        select(campaigns.c.id, campaigns.c.lease_seconds)
        .join(contacts, contacts.c.campaign_id == campaigns.c.id)
        .where(contacts.c.id == contact_id, contacts.c.lease_owner == user_id)
    )
    row = conn.execute(query).first()
    if row is not None and (policy is None or row.id != policy.campaign_id):
        expires = now + timedelta(seconds=row.lease_seconds)
        params = {"b_contact": contact_id, "b_user": user_id, "b_expires": expires}
        conn.execute(_EXTEND, {**params, "b_campaign": row.id})


@router.get("/presence", response_model=list[schema.AgentPresence])
def board(user: SupervisorDep, engine: EngineDep) -> Any:
    """Presence of the callers in the supervisor's centre (admins: every centre)."""
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
