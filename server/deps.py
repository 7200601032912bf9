"""FastAPI dependencies: the database engine and the authenticated user (Bearer token)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine, select

from server import db
from server.errors import ApiError, forbidden
from server.security import token_digest
from server.tables import tokens, users

_bearer = HTTPBearer(auto_error=False, description="token from POST /api/v1/login")


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    display_name: str
    role: str
    centre_id: int | None
    token_digest: bytes

    @property
    def is_supervisor(self) -> bool:
        return self.role in ("supervisor", "admin")


async def get_engine(request: Request) -> Engine:  # async: no thread hop
    return request.app.state.engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def current_user(
    engine: EngineDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> CurrentUser:
    if creds is None or not creds.credentials:
        raise ApiError(401, "unauthenticated", "missing bearer token")
    digest = token_digest(creds.credentials)
    query = (
        select(users, tokens.c.expires_at)
        .join(tokens, tokens.c.user_id == users.c.id)
        .where(tokens.c.token_hash == digest)
    )
    with db.read(engine) as conn:
        row = conn.execute(query).mappings().first()
    if row is None or row["expires_at"] <= db.now() or not row["active"]:
        raise ApiError(401, "unauthenticated", "invalid or expired token")
    return CurrentUser(
        row["id"], row["username"], row["display_name"], row["role"], row["centre_id"], digest
    )


UserDep = Annotated[CurrentUser, Depends(current_user)]


async def supervisor(user: UserDep) -> CurrentUser:
    if not user.is_supervisor:
        raise forbidden("supervisor or admin role required")
    return user


SupervisorDep = Annotated[CurrentUser, Depends(supervisor)]
