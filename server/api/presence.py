"""Agent presence by heartbeat, and the supervisor's view of the centre."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter
from sqlalchemy import case, select

from server import config, db, schema
from server.campaigns import DEFAULT_PAUSE_REASONS
from server.deps import CurrentUser, EngineDep, SupervisorDep, UserDep
from server.errors import ApiError
from server.tables import campaigns, centres, contacts, presence, users

router = APIRouter(tags=["presence"])


@router.post("/presence", response_model=schema.PresenceAck)
def heartbeat(body: schema.PresenceIn, user: UserDep, engine: EngineDep) -> Any:
    """Report the caller's state; send every ``heartbeat_interval_s`` seconds. An agent
    not heard from for three intervals is shown as logged out. ``on_call`` / ``wrap_up``
    with a ``contact_id`` the caller holds also extends that lease."""
    now = db.now()
    with engine.begin() as conn:
        if body.state == schema.PresenceState.paused:
            allowed = _pause_reasons(conn, user)
            if body.reason not in allowed:
                raise ApiError(422, "bad_pause_reason", f"pause reason must be one of {allowed}")
        values = {
            "user_id": user.id,
            "state": body.state.value,
            "reason": body.reason,
            "contact_id": body.contact_id,
            "since": now,
            "updated_at": now,
        }
        stmt = db.upsert(engine, presence)
        stmt = stmt.values(**values).on_conflict_do_update(
            index_elements=[presence.c.user_id],
            set_={
                "state": stmt.excluded.state,
                "reason": stmt.excluded.reason,
                "contact_id": stmt.excluded.contact_id,
                "updated_at": stmt.excluded.updated_at,
                "since": case(
                    (presence.c.state == stmt.excluded.state, presence.c.since),
                    else_=stmt.excluded.since,
                ),
            },
        )
        conn.execute(stmt)
        if body.contact_id is not None and body.state in _BUSY:
            _keep_lease(conn, user.id, body.contact_id, now)
    return schema.PresenceAck(
        state=body.state,
        server_time=db.utc(now),
        heartbeat_interval_s=config.HEARTBEAT_INTERVAL_SECONDS,
    )


_BUSY = (schema.PresenceState.on_call, schema.PresenceState.wrap_up)


def _keep_lease(conn: Any, user_id: int, contact_id: int, now: datetime) -> None:
    """A call or wrap-up in progress keeps the caller's lease on that contact alive."""
    query = (
        select(campaigns.c.lease_seconds)
        .join(contacts, contacts.c.campaign_id == campaigns.c.id)
        .where(contacts.c.id == contact_id, contacts.c.lease_owner == user_id)
    )
    seconds = conn.execute(query).scalar()
    if seconds is not None:
        conn.execute(
            contacts.update()
            .where(contacts.c.id == contact_id, contacts.c.lease_owner == user_id)
            .values(lease_expires_at=now + timedelta(seconds=seconds))
        )


def _pause_reasons(conn: Any, user: CurrentUser) -> list[str]:
    query = (
        select(campaigns.c.pause_reasons)
        .join(centres, centres.c.campaign_id == campaigns.c.id)
        .where(centres.c.id == user.centre_id)
    )
    reasons = conn.execute(query).scalar()
    return list(reasons or DEFAULT_PAUSE_REASONS)


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
