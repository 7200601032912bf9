"""FastAPI dependencies: the database engine and the authenticated user (Bearer token).

Token look-ups are cached per process for ``config.TOKEN_CACHE_SECONDS`` (5 s): a heartbeat
then costs no authentication query. ``POST /logout`` evicts the token from its own
process's cache at once; another process may accept a revoked token (or a deactivated
user) for at most that long. Only valid tokens are cached; an unknown token always reaches
the database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine, select
from starlette.concurrency import run_in_threadpool

from server import config, db
from server.errors import ApiError, forbidden
from server.security import token_digest
from server.tables import tokens, users

BEARER_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "token from POST /api/v1/login",
}  # published by server.openapi


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


class TokenCache:
    """token digest → (user, token expiry, cached at), for a few seconds (module docstring)."""

    def __init__(self, ttl: float, max_entries: int = 100_000) -> None:
        self.ttl, self.max_entries = ttl, max_entries
        self._entries: dict[bytes, tuple[CurrentUser, object, float]] = {}

    def get(self, digest: bytes) -> CurrentUser | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        user, expires_at, cached_at = entry
        if time.monotonic() - cached_at > self.ttl or expires_at <= db.now():  # type: ignore[operator]
            self._entries.pop(digest, None)
            return None
        return user

    def put(self, user: CurrentUser, expires_at: object) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[user.token_digest] = (user, expires_at, time.monotonic())

    def evict(self, digest: bytes) -> None:
        self._entries.pop(digest, None)


def token_cache(request: Request) -> TokenCache:
    cache = getattr(request.app.state, "token_cache", None)
    if cache is None:
        cache = request.app.state.token_cache = TokenCache(config.TOKEN_CACHE_SECONDS)
    return cache


async def current_user(request: Request) -> CurrentUser:
    """The token's user: from the per-process cache, else one indexed query (in a thread)."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise ApiError(401, "unauthenticated", "missing bearer token")
    digest = token_digest(credentials.strip())
    cache = token_cache(request)
    user = cache.get(digest)
    if user is None:
        user = await run_in_threadpool(_lookup, request.app.state.engine, digest, cache)
    return user


def _lookup(engine: Engine, digest: bytes, cache: TokenCache) -> CurrentUser:
    query = (
        select(
            users.c.id,
            users.c.username,
            users.c.display_name,
            users.c.role,
            users.c.centre_id,
            users.c.active,
            tokens.c.expires_at,
        )
        .join(tokens, tokens.c.user_id == users.c.id)
        .where(tokens.c.token_hash == digest)
    )
    with db.read(engine) as conn:
        row = conn.execute(query).first()
    if row is None or row.expires_at <= db.now() or not row.active:
        raise ApiError(401, "unauthenticated", "invalid or expired token")
    user = CurrentUser(row.id, row.username, row.display_name, row.role, row.centre_id, digest)
    cache.put(user, row.expires_at)
    return user


UserDep = Annotated[CurrentUser, Depends(current_user)]


async def supervisor(user: UserDep) -> CurrentUser:
    if not user.is_supervisor:
        raise forbidden("supervisor or admin role required")
    return user


SupervisorDep = Annotated[CurrentUser, Depends(supervisor)]
