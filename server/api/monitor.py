"""Monitor grants (DESIGN.md §4): short-lived Ed25519-signed permission to monitor a caller.

Token: base64url(JSON claims) "." base64url(signature over the first part). Claims ``sup``,
``agt``, ``mode``, ``iat``, ``exp`` (60 s later), ``jti``. Every grant is kept in an audit table.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import insert, select

from server import db, schema
from server.deps import EngineDep, SupervisorDep
from server.errors import forbidden, not_found
from server.security import b64url
from server.tables import monitor_grants, users

router = APIRouter(tags=["monitor"])
GRANT_SECONDS = 60


@router.post("/monitor-grants", response_model=schema.MonitorGrantOut, status_code=201)
def grant(
    body: schema.MonitorGrantIn, sup: SupervisorDep, engine: EngineDep, request: Request
) -> Any:
    """A grant for the supervisor to listen / whisper / barge on a caller of their centre."""
    now = db.now()
    expires = now + timedelta(seconds=GRANT_SECONDS)
    jti = secrets.token_hex(16)
    with engine.begin() as conn:
        agent = conn.execute(select(users).where(users.c.id == body.agent_id)).first()
        if agent is None or agent.role != "caller":
            raise not_found("agent")
        if sup.role != "admin" and agent.centre_id != sup.centre_id:
            raise forbidden("agent is not in your centre")
        conn.execute(
            insert(monitor_grants).values(
                jti=jti,
                supervisor_id=sup.id,
                agent_id=agent.id,
                mode=body.mode,
                issued_at=now,
                expires_at=expires,
            )
        )
    claims = {
        "sup": sup.id,
        "agt": agent.id,
        "mode": body.mode,
        "iat": int(db.utc(now).timestamp()),
        "exp": int(db.utc(expires).timestamp()),  # type: ignore[union-attr]
        "jti": jti,
    }
    head = b64url(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    signature = request.app.state.signing_key.sign(head.encode("ascii"))
    return schema.MonitorGrantOut(token=f"{head}.{b64url(signature)}", expires_at=db.utc(expires))
