"""Server time as the client knows it: an offset learned from ``server_time`` in replies.

The offset is ``server_time - midpoint(sent_at, received_at)`` of the request that carried
it; the newest observation wins (clocks drift, and a local clock may be stepped). Until a
reply has been seen the offset is zero and ``known`` is False. The local clock is injected
(``now``) so tests can run with a skewed clock without patching globals.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


def utc_now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class ServerClock:
    """Thread-safe; ``now()`` is local UTC now plus the learned offset."""

    def __init__(
        self, now: Callable[[], datetime] = utc_now, offset: timedelta | None = None
    ) -> None:
        self._local_now = now
        self._lock = threading.Lock()
        self._offset = offset or timedelta(0)
        self._known = offset is not None

    @property
    def offset(self) -> timedelta:
        with self._lock:
            return self._offset

    @property
    def known(self) -> bool:
        with self._lock:
            return self._known

    def known_offset(self) -> timedelta | None:
        """The offset, or None before the first reply (for the journal's payloads)."""
        with self._lock:
            return self._offset if self._known else None

    def local_now(self) -> datetime:
        """The (injected) local clock, aware UTC."""
        return _aware(self._local_now()).astimezone(UTC)

    def observe(self, server_time: datetime, sent_at: datetime, received_at: datetime) -> None:
        """Learn the offset from one reply (times from ``local_now`` around the request)."""
        sent, received = _aware(sent_at), _aware(received_at)
        midpoint = sent + (received - sent) / 2
        offset = _aware(server_time) - midpoint
        with self._lock:
            self._offset = offset
            self._known = True

    def now(self) -> datetime:
        return self.local_now() + self.offset

    def to_server(self, local: datetime) -> datetime:
        """A local-clock instant expressed in server time."""
        return _aware(local) + self.offset
