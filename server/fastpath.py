"""A lean raw-ASGI path for ``POST /api/v1/presence`` and ``POST /api/v1/outcomes/batch``,
the two hot requests.

Mounted as the outermost middleware (inside Starlette's error handler), before FastAPI's
routing, dependency solving and response validation, which cost more CPU than a heartbeat
itself. It does exactly what the FastAPI routes do — the same token check (per-process
cache, else the indexed look-up), the same pydantic models (``model_validate_json``), the
same pause-reason policy, the same buffered heartbeat / outcome ingest and the same reply
bytes — but a request is only kept here once it has passed authentication and validation:
anything else (no JSON content type, a bad or missing token, invalid JSON, a validation
error, a bad pause reason, a large body) is handed to the FastAPI route unchanged, with the
body replayed, so every error keeps its documented shape. An error while storing outcomes
is answered by the application's own exception handlers (503 with ``Retry-After``, 409).
The routes stay registered for the OpenAPI document and as this fallback.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from pydantic import ValidationError
from starlette.requests import Request

from server import config, db, outcomes, schema
from server.api import presence as presence_api
from server.deps import CurrentUser, TokenCache, _lookup
from server.errors import ApiError
from server.security import token_digest

PRESENCE = "/api/v1/presence"
OUTCOMES = "/api/v1/outcomes/batch"
LIMITS = {PRESENCE: 16 * 1024, OUTCOMES: 4 * 1024 * 1024}
served = {PRESENCE: 0, OUTCOMES: 0}  # requests answered here (for tests and benches)
_HEADERS = [(b"content-type", b"application/json")]


class FastPresence:
    """ASGI middleware: serve good heartbeats directly, the rest through ``app``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path")
        if scope["type"] != "http" or path not in LIMITS or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body, complete = await _read(receive, LIMITS[path])
        user = await _authorised(scope) if complete else None
        reply = None
        if user is not None:
            serve = _presence if path == PRESENCE else _outcomes
            try:
                reply = await serve(scope["app"].state, user, body)
            except Exception as exc:  # storing failed: the app's own exception handlers
                await _handled(scope, receive, send, exc)
                return
        if reply is None:
            await self.app(scope, _replay(body, complete, receive), send)
            return
        served[path] += 1
        headers = [*_HEADERS, (b"content-length", str(len(reply)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": reply})


async def _authorised(scope: Any) -> CurrentUser | None:
    """The token's user for a JSON request, or ``None``: let FastAPI answer."""
    auth = content_type = b""
    for name, value in scope["headers"]:
        if name == b"authorization":
            auth = value
        elif name == b"content-type":
            content_type = value
    if not content_type.startswith(b"application/json"):
        return None
    scheme, _, credentials = auth.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return await _user(scope["app"].state, token_digest(credentials.strip()))


async def _presence(state: Any, user: CurrentUser, body: bytes) -> bytes | None:
    try:
        heartbeat = schema.PresenceIn.model_validate_json(body)
    except ValidationError:
        return None
    policy = None
    if heartbeat.state == schema.PresenceState.paused:
        found, policy = presence_api.cached_policy(state.engine, user.centre_id)
        if not found:
            policy = await anyio.to_thread.run_sync(
                presence_api._centre_policy, state.engine, user.centre_id
            )
    try:
        ack = presence_api.accept(state.presence_buffer, user.id, heartbeat, policy)
    except ApiError:
        return None
    return ack.model_dump_json().encode()


async def _outcomes(state: Any, user: CurrentUser, body: bytes) -> bytes | None:
    try:
        batch = schema.OutcomeBatch.model_validate_json(body)
    except ValidationError:
        return None
    results = await anyio.to_thread.run_sync(outcomes.ingest, state.engine, user, batch.items)
    reply = schema.OutcomeBatchResponse(results=results, server_time=db.utc(db.now()))
    return reply.model_dump_json().encode()


async def _handled(scope: Any, receive: Any, send: Any, exc: Exception) -> None:
    """Answer ``exc`` as the application's exception handlers do (else re-raise)."""
    handlers = scope["app"].exception_handlers
    for kind in type(exc).__mro__:
        handler = handlers.get(kind)
        if handler is not None and kind is not Exception:
            response = await handler(Request(scope, receive), exc)
            await response(scope, receive, send)
            return
    raise exc


async def _user(state: Any, digest: bytes) -> CurrentUser | None:
    cache = getattr(state, "token_cache", None)
    if cache is None:
        cache = state.token_cache = TokenCache(config.TOKEN_CACHE_SECONDS)  # as deps does
    user: CurrentUser | None = cache.get(digest)
    if user is not None:
        return user
    try:
        return await anyio.to_thread.run_sync(_lookup, state.engine, digest, cache)
    except ApiError:
        return None


async def _read(receive: Any, limit: int) -> tuple[bytes, bool]:
    """The request body (up to ``limit``); ``False`` when it is longer or cut."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(parts), False
        chunk = message.get("body", b"")
        parts.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(parts), size <= limit
        if size > limit:
            return b"".join(parts), False


def _replay(body: bytes, complete: bool, receive: Any) -> Any:
    """A ``receive`` that first hands over the body already read, then the real one."""
    sent = False

    async def replay() -> Any:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": not complete}

    return replay
