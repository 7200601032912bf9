"""The supervisor's live board: a snapshot, and a server-sent event stream of snapshots.

``GET /board/events`` is stateless: each stream polls the database every 0.5 s (any process
can serve it) and sends an ``event: board`` with the whole snapshot at once and whenever
what a supervisor sees changes, a ``: keep-alive`` comment after 15 s of silence. It ends
when the client goes away (``http.disconnect``), when the token stops being valid, after
``max_seconds`` if given (``max_seconds=0``: one snapshot, then the end), and when the
server shuts down: uvicorn's graceful shutdown marks each open connection
``keep_alive = False``, which the stream notices within one poll (and a SIGTERM/SIGINT to
the process is noticed too), so open streams never hold a shutdown up.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import Engine

from server import board, schema
from server.deps import CurrentUser, SupervisorDep, _lookup, token_cache
from server.errors import ApiError, forbidden

router = APIRouter(tags=["board"])
log = logging.getLogger("sampark.server.board")

POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0
_closing = threading.Event()  # set by SIGTERM/SIGINT: open streams end
CentreQuery = Annotated[
    int | None,
    Query(ge=1, le=2_147_483_647, description="admins: one centre (default all)"),
]


def scope(user: CurrentUser, centre_id: int | None) -> tuple[int | None, bool]:
    """(centre, every centre?) a supervisor's board covers; another centre is refused."""
    if user.role == "admin":
        return centre_id, centre_id is None
    if centre_id is not None and centre_id != user.centre_id:
        raise forbidden("not your centre")
    return user.centre_id, False


@router.get("/board", response_model=schema.Board)
def get_board(user: SupervisorDep, request: Request, centre_id: CentreQuery = None) -> Any:
    """The centre's callers as the live board shows them (admins: every centre)."""
    centre, every = scope(user, centre_id)
    request.app.state.presence_buffer.flush()  # this process's pending heartbeats first
    return board.snapshot(request.app.state.engine, centre, every_centre=every).board


STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "`event: board` / `data: <Board JSON>` at once and on every change; "
        "`: keep-alive` comments every 15 s",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


@router.get("/board/events", response_class=Response, responses=STREAM_DOC)
async def board_events(
    user: SupervisorDep,
    request: Request,
    centre_id: CentreQuery = None,
    max_seconds: Annotated[
        float | None,
        Query(ge=0, le=86400, description="end the stream after this long (0: one snapshot)"),
    ] = None,
) -> Response:
    """Server-sent events: the board at once and after every change (≤ 2 s)."""
    centre, every = scope(user, centre_id)
    engine: Engine = request.app.state.engine

    buffer = request.app.state.presence_buffer

    def poll() -> board.Snapshot:
        buffer.flush()  # this process's pending heartbeats first
        return board.snapshot(engine, centre, every_centre=every)

    first = await anyio.to_thread.run_sync(poll)  # errors (503) before the stream starts
    return EventStream(request, user, first, poll, max_seconds)


class EventStream(Response):
    """The streaming reply of ``/board/events`` (module docstring)."""

    media_type = "text/event-stream"

    def __init__(
        self,
        request: Request,
        user: CurrentUser,
        first: board.Snapshot,
        poll: Any,
        max_seconds: float | None,
    ) -> None:
        super().__init__(status_code=200, media_type=self.media_type)
        self.headers["cache-control"] = "no-cache"
        self.headers["x-accel-buffering"] = "no"
        del self.headers["content-length"]
        self._request, self._user, self._first, self._poll = request, user, first, poll
        self._max_seconds = max_seconds

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        gone = anyio.Event()

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        cycle = getattr(receive, "__self__", None)
        kept_alive = getattr(cycle, "keep_alive", None) is True
        async with anyio.create_task_group() as group:
            group.start_soon(watch)
            try:
                await self._pump(send, gone, cycle if kept_alive else None)
            except OSError:
                gone.set()
            finally:
                group.cancel_scope.cancel()
        if not gone.is_set():
            with contextlib.suppress(OSError):
                await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _pump(self, send: Any, gone: anyio.Event, cycle: Any) -> None:
        start = last_sent = time.monotonic()
        snap: board.Snapshot | None = self._first
        key: tuple[Any, ...] | None = None
        while True:
            if snap is not None and snap.key != key:
                await _body(send, snap.event())
                key, last_sent = snap.key, time.monotonic()
            elif time.monotonic() - last_sent >= KEEPALIVE_SECONDS:
                await _body(send, b": keep-alive\n\n")
                last_sent = time.monotonic()
            wait = POLL_SECONDS
            if self._max_seconds is not None:
                left = self._max_seconds - (time.monotonic() - start)
                if left <= 0:
                    return
                wait = min(wait, left)
            with anyio.move_on_after(wait):
                await gone.wait()
            if gone.is_set() or _closing.is_set() or (cycle is not None and not cycle.keep_alive):
                return
            if not await self._still_allowed():
                return
            try:
                snap = await anyio.to_thread.run_sync(self._poll)
            except Exception:  # database gone: end; the client reconnects with backoff
                log.warning("board stream: the database could not be read", exc_info=True)
                return

    async def _still_allowed(self) -> bool:
        """The token is still valid (from the per-process cache; a query every few seconds)."""
        cache = token_cache(self._request)
        if cache.get(self._user.token_digest) is not None:
            return True
        engine = self._request.app.state.engine
        try:
            await anyio.to_thread.run_sync(_lookup, engine, self._user.token_digest, cache)
        except ApiError:
            return False
        return True


async def _body(send: Any, data: bytes) -> None:
    await send({"type": "http.response.body", "body": data, "more_body": True})


def watch_signals() -> None:
    """Chain SIGTERM/SIGINT so open streams end as soon as the process is asked to stop
    (called at application startup, after uvicorn installed its own handlers)."""
    _closing.clear()
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)

        def handler(signum: int, frame: Any, previous: Any = previous) -> None:
            _closing.set()
            if callable(previous):
                previous(signum, frame)
            elif previous == signal.SIG_DFL:
                signal.signal(signum, signal.SIG_DFL)
                signal.raise_signal(signum)

        signal.signal(sig, handler)
