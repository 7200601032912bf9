"""Monitor grants (DESIGN.md §4): short-lived Ed25519-signed permission to monitor a caller.

Token: base64url(JSON claims) "." base64url(signature over the first part). Claims ``sup``,
``agt``, ``mode``, ``iat``, ``exp`` (60 s later), ``jti``. Every grant is kept in
``monitor_grants``; every grant **and every refusal** goes into ``monitor_audit`` (who, when,
which caller, which mode, why): ``not_supervisor`` (a caller asked), ``unknown_agent`` (no
such caller: 404), ``other_centre`` (a caller of another centre: 403), ``no_centre`` (a
supervisor without a centre). A caller who is not on a call is *not* refused here: presence
is up to 15 s old, and the caller's softphone itself refuses (``nothing_to_monitor``).
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import Engine, insert, or_, select

from server import db, schema
from server.deps import CurrentUser, EngineDep, SupervisorDep, UserDep
from server.errors import ApiError, forbidden, not_found
from server.security import b64url
from server.tables import monitor_audit, monitor_grants, users

router = APIRouter(tags=["monitor"])
GRANT_SECONDS = 60


@router.post("/monitor-grants", response_model=schema.MonitorGrantOut, status_code=201)
def grant(body: schema.MonitorGrantIn, user: UserDep, engine: EngineDep, request: Request) -> Any:
    """A grant for the supervisor to listen / whisper / barge on a caller of their centre.
    Every grant and every refusal is audited (``GET /monitor-audit``)."""
    now = db.now()
    expires = now + timedelta(seconds=GRANT_SECONDS)
    jti = secrets.token_hex(16)
    with engine.begin() as conn:
        agent = conn.execute(
            select(users.c.id, users.c.role, users.c.centre_id).where(users.c.id == body.agent_id)
        ).first()
        refusal = _refusal(user, agent)
        audit = {
            "at": now,
            "user_id": user.id,
            "user_role": user.role,
            "centre_id": user.centre_id,
            "agent_id": body.agent_id,
            "agent_centre_id": agent.centre_id if agent is not None else None,
            "mode": body.mode,
            "granted": refusal is None,
            "reason": refusal.code if refusal is not None else "granted",
            "jti": None if refusal is not None else jti,
        }
        if refusal is None:
            conn.execute(
                insert(monitor_grants).values(
                    jti=jti,
                    supervisor_id=user.id,
                    agent_id=body.agent_id,
                    mode=body.mode,
                    issued_at=now,
                    expires_at=expires,
                )
            )
        conn.execute(insert(monitor_audit).values(**audit))
    if refusal is not None:
        raise refusal.error
    claims = {
        "sup": user.id,
        "agt": body.agent_id,
        "mode": body.mode,
        "iat": int(db.utc(now).timestamp()),
        "exp": int(db.utc(expires).timestamp()),
        "jti": jti,
    }
    head = b64url(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    signature = request.app.state.signing_key.sign(head.encode("ascii"))
    return schema.MonitorGrantOut(token=f"{head}.{b64url(signature)}", expires_at=db.utc(expires))


class _Refusal:
    def __init__(self, code: str, error: ApiError) -> None:
        self.code, self.error = code, error


def _refusal(user: CurrentUser, agent: Any) -> _Refusal | None:
    if not user.is_supervisor:
        return _Refusal("not_supervisor", forbidden("supervisor or admin role required"))
    if agent is None or agent.role != "caller":
        return _Refusal("unknown_agent", not_found("agent"))
    if user.role != "admin":
        if user.centre_id is None:
            return _Refusal("no_centre", forbidden("you belong to no centre"))
        if agent.centre_id != user.centre_id:
            return _Refusal("other_centre", forbidden("agent is not in your centre"))
    return None


@router.get("/monitor-audit", response_model=list[schema.MonitorAuditEntry])
def audit(
    user: SupervisorDep,
    engine: EngineDep,
    centre_id: Annotated[
        int | None, Query(ge=1, le=2_147_483_647, description="admins: one centre")
    ] = None,
    since: Annotated[datetime | None, Query(description="only entries at or after")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Any:
    """Grants and refusals, newest first: a supervisor sees those asked by or about their
    centre; an admin every centre (or ``centre_id``)."""
    if since is not None and since.tzinfo is None:
        raise ApiError(422, "validation_error", "since needs a UTC offset")
    centre = centre_id if user.role == "admin" else user.centre_id
    if user.role != "admin" and centre_id is not None and centre_id != user.centre_id:
        raise forbidden("not your centre")
    return _entries(engine, centre, user.role == "admin" and centre is None, since, limit)


def _entries(
    engine: Engine, centre: int | None, every: bool, since: datetime | None, limit: int
) -> list[schema.MonitorAuditEntry]:
    query = select(monitor_audit).order_by(monitor_audit.c.id.desc()).limit(limit)
    if not every:
        if centre is None:
            return []
        query = query.where(
            or_(monitor_audit.c.centre_id == centre, monitor_audit.c.agent_centre_id == centre)
        )
    if since is not None:
        query = query.where(monitor_audit.c.at >= db.to_db(since))
    with db.read(engine) as conn:
        rows = conn.execute(query).all()
    return [
        schema.MonitorAuditEntry(**{**r._mapping, "at": db.utc(r.at)})  # type: ignore[arg-type]
        for r in rows
    ]
