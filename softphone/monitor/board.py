"""The supervisor's live board feed: rows, the SSE parser and the stream thread.

``GET /api/v1/board/events`` (docs/monitoring.md, "Live board") is a ``text/event-stream``
whose ``board`` events carry the whole ``{version, server_time, agents[BoardRow]}`` snapshot.
``BoardStream`` reads it on its own daemon thread with ``requests`` (streamed, chunks as they
arrive), hands each snapshot to ``on_snapshot`` and every change of the link to ``on_link``
(both called on the stream thread: wrap them in a queued Qt signal), and reconnects with a
capped, jittered exponential backoff. A silent link (no keep-alive for ``read_timeout_s``) is
treated as dead. Plain Python: no Qt, never touches the GUI thread.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
import urllib3

log = logging.getLogger("sampark.monitor.board")

MAX_EVENT_BYTES = 4 << 20
ON_CALL = "on_call"


# -- rows ---------------------------------------------------------------------------------


def _time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError("a time is not a string")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("a time has no offset")
    return moment


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    number = float(value)
    return number if number == number and abs(number) != float("inf") else None


@dataclass(frozen=True)
class BoardContact:
    id: int
    name: str
    role: str
    state: str
    parliamentary_constituency: str
    assembly_constituency: str
    booth_number: str

    @classmethod
    def from_dict(cls, data: Any) -> BoardContact | None:
        if data is None:
            return None
        if not isinstance(data, dict):
            raise ValueError("contact is not an object")
        return cls(
            int(data["id"]),
            *(
                _text(data.get(key))
                for key in (
                    "name",
                    "role",
                    "state",
                    "parliamentary_constituency",
                    "assembly_constituency",
                    "booth_number",
                )
            ),
        )

    @property
    def booth(self) -> str:
        """``state / assembly constituency / booth`` (as the server's booth reports)."""
        parts = (self.state, self.assembly_constituency, self.booth_number)
        return " / ".join(p for p in parts if p)


@dataclass(frozen=True)
class BoardQuality:
    mos: float | None
    loss_pct: float | None
    jitter_ms: float | None

    @classmethod
    def from_dict(cls, data: Any) -> BoardQuality | None:
        if data is None:
            return None
        if not isinstance(data, dict):
            raise ValueError("quality is not an object")
        return cls(*(_number(data.get(k)) for k in ("mos", "loss_pct", "jitter_ms")))


@dataclass(frozen=True)
class BoardRow:
    """One caller on the board (the server's ``BoardRow``)."""

    user_id: int
    username: str
    display_name: str
    state: str
    reason: str | None
    since: datetime | None
    updated_at: datetime | None
    sip_uri: str
    contact: BoardContact | None
    call_started_at: datetime | None
    quality: BoardQuality | None
    monitorable: bool

    @classmethod
    def from_dict(cls, data: Any) -> BoardRow:
        if not isinstance(data, dict):
            raise ValueError("a board row is not an object")
        reason = data.get("reason")
        return cls(
            user_id=int(data["user_id"]),
            username=_text(data.get("username")),
            display_name=_text(data.get("display_name")) or _text(data.get("username")),
            state=str(data["state"]),
            reason=None if reason is None else str(reason),
            since=_time(data.get("since")),
            updated_at=_time(data.get("updated_at")),
            sip_uri=_text(data.get("sip_uri")),
            contact=BoardContact.from_dict(data.get("contact")),
            call_started_at=_time(data.get("call_started_at")),
            quality=BoardQuality.from_dict(data.get("quality")),
            monitorable=bool(data.get("monitorable", False)) and bool(data.get("sip_uri")),
        )

    @property
    def name(self) -> str:
        return self.display_name or self.username


@dataclass(frozen=True)
class BoardSnapshot:
    version: int
    server_time: datetime | None
    rows: tuple[BoardRow, ...]

    @classmethod
    def from_dict(cls, data: Any) -> BoardSnapshot:
        """The board from the server's JSON; ``ValueError`` for any other shape."""
        try:
            agents = data["agents"]
            if not isinstance(agents, list):
                raise ValueError("agents is not a list")
            rows = tuple(BoardRow.from_dict(a) for a in agents)
            return cls(int(data.get("version") or 0), _time(data.get("server_time")), rows)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"the board has the wrong shape: {exc}") from None


# -- server-sent events --------------------------------------------------------------------


@dataclass(frozen=True)
class SseEvent:
    event: str
    data: str
    id: str = ""


class SseParser:
    """Incremental ``text/event-stream`` parser (WHATWG rules: CR, LF or CRLF line ends,
    ``:`` comments, ``data`` lines joined by LF, a blank line dispatches)."""

    def __init__(self, max_event_bytes: int = MAX_EVENT_BYTES) -> None:
        self._buffer = ""
        self._decoder = _utf8_decoder()
        self._event, self._id = "", ""
        self._data: list[str] = []
        self._size = 0
        self.max_event_bytes = max_event_bytes

    def feed(self, chunk: bytes) -> list[SseEvent]:
        self._buffer += self._decoder.decode(chunk)
        out: list[SseEvent] = []
        while True:
            line, found = self._next_line()
            if not found:
                break
            event = self._line(line)
            if event is not None:
                out.append(event)
        if len(self._buffer) > self.max_event_bytes:
            raise ValueError("an event-stream line is too long")
        return out

    def _next_line(self) -> tuple[str, bool]:
        buf = self._buffer
        for i, ch in enumerate(buf):
            if ch == "\n" or ch == "\r":
                if ch == "\r" and i + 1 == len(buf):
                    return "", False  # maybe CRLF split across chunks: wait
                end = i + 2 if ch == "\r" and buf[i + 1] == "\n" else i + 1
                self._buffer = buf[end:]
                return buf[:i], True
        return "", False

    def _line(self, line: str) -> SseEvent | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
            self._size += len(value)
            if self._size > self.max_event_bytes:
                raise ValueError("an event is too large")
        elif name == "id":
            self._id = value
        return None

    def _dispatch(self) -> SseEvent | None:
        event, data = self._event or "message", self._data
        self._event, self._data, self._size = "", [], 0
        return SseEvent(event, "\n".join(data), self._id) if data else None


def _utf8_decoder() -> Any:
    import codecs

    return codecs.getincrementaldecoder("utf-8")(errors="replace")


# -- the stream thread ---------------------------------------------------------------------


@dataclass(frozen=True)
class BoardLink:
    """The board feed's connection, as the supervisor sees it."""

    online: bool
    error: str | None = None
    retry_in_s: float | None = None
    auth_refused: bool = False  # HTTP 401 or 403
    status: int | None = None  # the refusing HTTP status, if any

    @property
    def auth_required(self) -> bool:
        """The token was refused (401): the supervisor must log in again."""
        return self.status == 401


class _DroppedError(Exception):
    """The server ended the stream; reconnect."""


class BoardStream:
    """Reads the board feed on a daemon thread (see the module docstring)."""

    def __init__(
        self,
        base_url: str,
        token: Callable[[], str | None],
        *,
        on_snapshot: Callable[[BoardSnapshot], None],
        on_link: Callable[[BoardLink], None] = lambda _l: None,
        centre_id: int | None = None,
        verify: bool | str = True,
        session_factory: Callable[[], requests.Session] = requests.Session,
        rng: random.Random | None = None,
        retry_base_s: float = 1.0,
        retry_cap_s: float = 30.0,
        connect_timeout_s: float = 3.05,
        read_timeout_s: float = 45.0,
    ) -> None:
        self.url = f"{base_url.rstrip('/')}/api/v1/board/events"
        self._token, self._centre_id, self._verify = token, centre_id, verify
        self.on_snapshot, self.on_link = on_snapshot, on_link
        self._session_factory = session_factory
        self._rng = rng or random.Random()
        self.retry_base_s, self.retry_cap_s = retry_base_s, retry_cap_s
        self._timeout = (connect_timeout_s, read_timeout_s)
        self._stop = threading.Event()
        self._wake = threading.Event()  # ends a backoff wait early
        self._thread: threading.Thread | None = None
        self._response: requests.Response | None = None
        self._lock = threading.Lock()
        self.failures = 0
        self.connects = 0

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="sampark-board", daemon=True)
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the thread to end (from any thread, even its own); ``stop`` also waits."""
        self._stop.set()
        self._wake.set()

    def reconnect_now(self) -> None:
        """Skip the current backoff wait (e.g. after a new login gave a fresh token)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """End the stream at once (the blocked read is cut) and join the thread."""
        self.request_stop()
        with self._lock:
            response = self._response
        if response is not None:
            _cut(response)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def backoff(self, failures: int) -> float:
        """Seconds before the next attempt: base·2ⁿ capped, times a jitter in [0.5, 1)."""
        raw = min(self.retry_cap_s, self.retry_base_s * (2 ** min(failures, 30)))
        return raw * (0.5 + 0.5 * self._rng.random())

    def _run(self) -> None:
        session = self._session_factory()
        try:
            while not self._stop.is_set():
                error, status = self._attempt(session)
                if self._stop.is_set():
                    break
                self.failures += 1
                delay = self.backoff(self.failures - 1)
                auth = status in (401, 403)
                self._tell(BoardLink(False, error, delay, auth, status))
                self._wake.wait(delay)
                self._wake.clear()
        finally:
            session.close()

    def _attempt(self, session: requests.Session) -> tuple[str, int | None]:
        """One connection until it fails; returns (sentence, HTTP status if refused)."""
        try:
            self._consume(session)
            return "The server ended the board feed.", None
        except _DroppedError as exc:
            return str(exc), None
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            if status in (401, 403):
                return _refusal(status), status
            return f"The server could not send the board (HTTP {status}).", status
        except requests.RequestException as exc:
            log.info("board feed: %s", type(exc).__name__)
            return "Cannot reach the server for the board.", None
        except ValueError as exc:
            log.warning("board feed: %s", exc)
            return "The server's board could not be understood.", None

    def _consume(self, session: requests.Session) -> None:
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        token = self._token()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        params = {"centre_id": self._centre_id} if self._centre_id is not None else None
        response = session.get(
            self.url,
            headers=headers,
            params=params,
            stream=True,
            timeout=self._timeout,
            verify=self._verify,
            allow_redirects=False,
        )
        with self._lock:
            self._response = response
        try:
            with response:
                if response.status_code != 200:
                    raise requests.HTTPError(response=response)
                kind = response.headers.get("Content-Type", "")
                if "text/event-stream" not in kind:
                    raise ValueError(f"the board feed is {kind or 'untyped'}, not an event stream")
                self._read(response)
        finally:
            with self._lock:
                self._response = None

    def _read(self, response: requests.Response) -> None:
        parser = SseParser()
        for chunk in _chunks(response):
            if self._stop.is_set():
                return
            for event in parser.feed(chunk):
                if event.event == "board":
                    self._snapshot(event.data)

    def _snapshot(self, data: str) -> None:
        snapshot = BoardSnapshot.from_dict(json.loads(data))
        if self.failures or not self.connects:
            self.connects += 1
            self.failures = 0
            self._tell(BoardLink(True))
        _guarded(self.on_snapshot, snapshot)

    def _tell(self, link: BoardLink) -> None:
        if not self._stop.is_set():
            _guarded(self.on_link, link)


def _chunks(response: requests.Response) -> Iterator[bytes]:
    """The body as it arrives: one socket read at a time (``read1``), chunked or not, so an
    event is handled as soon as its bytes are in (``iter_content`` would wait to fill its
    buffer, or for the end of a body without chunked encoding)."""
    raw = response.raw
    try:
        while True:
            data = raw.read1(65536)
            if not data:
                return
            yield data
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise _DroppedError("The board feed went silent.") from exc
    except (urllib3.exceptions.HTTPError, AttributeError, ValueError, OSError) as exc:
        raise _DroppedError("The board feed was cut.") from exc  # or closed by stop()


def _refusal(status: int) -> str:
    if status == 401:
        return "The server refused the login for the board; log in again."
    return "This login may not see the board (supervisors only)."


def _guarded(callback: Callable[[Any], None], value: Any) -> None:
    try:
        callback(value)
    except Exception:
        log.exception("board callback failed")


def _cut(response: requests.Response) -> None:
    """Wake a read blocked in another thread: shut the socket down, then close."""
    import socket

    raw = getattr(response, "raw", None)
    for path in (("_connection", "sock"), ("_fp", "fp", "raw", "_sock")):
        obj: Any = raw
        for name in path:
            obj = getattr(obj, name, None)
        if isinstance(obj, socket.socket):
            with contextlib.suppress(OSError):
                obj.shutdown(socket.SHUT_RDWR)
            break
    with contextlib.suppress(Exception):
        response.close()


__all__ = [
    "BoardContact",
    "BoardLink",
    "BoardQuality",
    "BoardRow",
    "BoardSnapshot",
    "BoardStream",
    "SseEvent",
    "SseParser",
]
