"""Login, logout and server time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import Connection, delete, insert, select

from server import campaigns as rules
from server import config, db, schema
from server.deps import EngineDep, UserDep, token_cache
from server.errors import ApiError
from server.security import new_token, public_key_b64, verify_password
from server.tables import centres, presence, tokens, users

router = APIRouter(tags=["auth"])


@router.post(
    "/login",
    response_model=schema.LoginResponse,
    responses={
        401: {"model": schema.ErrorResponse, "description": "bad credentials"},
        429: {"model": schema.ErrorResponse, "description": "too many failed logins"},
    },
)
def login(body: schema.LoginRequest, engine: EngineDep, request: Request) -> Any:
    """Exchange username and password for a bearer token and the shift's configuration.

    After 10 wrong passwords in a row the account is locked for 5 minutes (429)."""
    now = db.now()
    with db.read(engine) as conn:
        user = conn.execute(select(users).where(users.c.username == body.username)).first()
    if user is not None and user.locked_until is not None and user.locked_until > now:
        raise ApiError(429, "locked", "too many failed logins; try again in a few minutes")
    stored = user.password_hash if user is not None and user.active else None
    if not verify_password(stored, body.password) or user is None:
        if user is not None:
            _count_failure(engine, user.id, now)
        raise ApiError(401, "invalid_credentials", "wrong username or password")
    token, digest = new_token()
    expires = now + timedelta(seconds=config.TOKEN_TTL_SECONDS)
    with engine.begin() as conn:
        conn.execute(
            insert(tokens).values(
                token_hash=digest, user_id=user.id, created_at=now, expires_at=expires
            )
        )
        conn.execute(delete(tokens).where(tokens.c.user_id == user.id, tokens.c.expires_at < now))
        if user.failed_logins or user.locked_until:
            reset = users.update().where(users.c.id == user.id)
            conn.execute(reset.values(failed_logins=0, locked_until=None))
        centre, campaign = _centre_and_campaign(conn, user.centre_id)
    return schema.LoginResponse(
        token=token,
        expires_at=db.utc(expires),
        user=schema.UserOut(
            id=user.id, username=user.username, display_name=user.display_name, role=user.role
        ),
        centre=centre,
        sip=_sip(user),
        campaign=campaign,
        server_public_key=public_key_b64(request.app.state.signing_key),
        server_time=db.utc(db.now()),
        heartbeat_interval_s=config.HEARTBEAT_INTERVAL_SECONDS,
    )


def _count_failure(engine: Any, user_id: int, now: Any) -> None:
    """One more wrong password; the tenth in a row locks the account for a while."""
    with engine.begin() as conn:
        failures = users.c.failed_logins + 1
        conn.execute(users.update().where(users.c.id == user_id).values(failed_logins=failures))
        row = conn.execute(select(users.c.failed_logins).where(users.c.id == user_id)).scalar()
        if (row or 0) >= config.LOGIN_FAILURES_BEFORE_LOCK:
            until = now + timedelta(seconds=config.LOGIN_LOCK_SECONDS)
            lock = users.update().where(users.c.id == user_id)
            conn.execute(lock.values(failed_logins=0, locked_until=until))


def _centre_and_campaign(
    conn: Connection, centre_id: int | None
) -> tuple[schema.CentreOut | None, schema.CampaignOut | None]:
    if centre_id is None:
        return None, None
    row = conn.execute(select(centres).where(centres.c.id == centre_id)).first()
    if row is None:
        return None, None
    campaign = None
    if row.campaign_id is not None:
        campaign = rules.campaign_out(conn, rules.get_campaign(conn, row.campaign_id))
    return schema.CentreOut(id=row.id, name=row.name), campaign


def _sip(user: Any) -> schema.SipIdentity | None:
    if not user.sip_username:
        return None
    return schema.SipIdentity(
        username=user.sip_username,
        password=user.sip_password or "",
        domain=user.sip_domain or "",
        transport=user.sip_transport or "udp",
    )


@router.post("/logout", status_code=204, response_class=Response)
def logout(user: UserDep, engine: EngineDep, request: Request) -> Response:
    """Revoke this token and mark the user logged out. Other server processes may still
    accept the token for up to 5 s (their token cache)."""
    token_cache(request).evict(user.token_digest)
    request.app.state.presence_buffer.flush()  # a buffered heartbeat must not come after
    with engine.begin() as conn:
        conn.execute(delete(tokens).where(tokens.c.token_hash == user.token_digest))
        conn.execute(
            presence.update()
            .where(presence.c.user_id == user.id)
            .values(state="logged_out", reason=None, contact_id=None, updated_at=db.now())
        )
    token_cache(request).evict(user.token_digest)  # again: a request may have re-cached it
    return Response(status_code=204)


@router.get("/time", response_model=schema.ServerTime)
async def server_time() -> Any:
    """Server time (UTC), for clients to learn their clock offset."""
    return schema.ServerTime(server_time=db.utc(db.now()))
