"""Background lanes: run blocking work off the GUI thread, one job at a time, in order.

``Lane("db")`` owns one worker thread (a single-worker ``ThreadPoolExecutor``), so every journal
write is serialised. ``submit(fn, on_done, on_error)`` runs ``fn()`` on that thread and delivers
the result (or the exception) to ``on_done``/``on_error`` on the thread that created the lane
(the GUI thread) through a queued Qt signal: the callbacks may touch Qt objects, ``fn`` may not.
``InlineLane`` runs the job at once on the calling thread (tests, DESIGN.md §2).
QtCore only; no widgets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class LaneLike(Protocol):
    """What the workflow needs from a lane."""

    def submit(
        self, fn: Callable[[], Any], on_done: Done | None = None, on_error: Failed | None = None
    ) -> object: ...

    def shutdown(self, wait: bool = True) -> None: ...


def _deliver(callback: Callable[[Any], None] | None, value: Any, what: str) -> None:
    """Call a result callback; a callback's own exception is logged, never raised into Qt."""
    if callback is None:
        if isinstance(value, BaseException):
            log.error("%s job failed", what, exc_info=value)
        return
    try:
        callback(value)
    except Exception:
        log.exception("%s: result callback failed", what)


class Lane(QObject):
    """A single worker thread whose results come back to the lane's own (GUI) thread."""

    _finished = Signal(object)  # (callback, value): emitted on the worker, run on the GUI thread

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"sampark-{name}")
        self._closed = False
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)

    def submit(
        self, fn: Callable[[], Any], on_done: Done | None = None, on_error: Failed | None = None
    ) -> Future[Any] | None:
        """Queue ``fn``; returns its future (``None`` if the lane is shut down: ``on_error``
        then gets a ``RuntimeError`` at once)."""
        if self._closed:
            _deliver(on_error, RuntimeError(f"the {self.name} lane is stopped"), self.name)
            return None
        return self._pool.submit(self._run, fn, on_done, on_error)

    def _run(self, fn: Callable[[], Any], on_done: Done | None, on_error: Failed | None) -> Any:
        try:
            value = fn()
        except BaseException as exc:  # delivered to on_error, never lost
            self._finished.emit((on_error, exc))
            return None
        self._finished.emit((on_done, value))
        return value

    @Slot(object)
    def _on_finished(self, item: tuple[Callable[[Any], None] | None, Any]) -> None:
        callback, value = item
        _deliver(callback, value, self.name)

    def shutdown(self, wait: bool = True) -> None:
        """Finish the queued jobs (when ``wait``) and stop the thread; later submits fail."""
        self._closed = True
        self._pool.shutdown(wait=wait)


class InlineLane:
    """Runs each job immediately on the calling thread; callbacks follow synchronously."""

    def __init__(self, name: str = "inline") -> None:
        self.name = name

    def submit(
        self, fn: Callable[[], Any], on_done: Done | None = None, on_error: Failed | None = None
    ) -> None:
        try:
            value = fn()
        except Exception as exc:
            _deliver(on_error, exc, self.name)
            return
        _deliver(on_done, value, self.name)

    def shutdown(self, wait: bool = True) -> None:
        del wait


__all__ = ["InlineLane", "Lane", "LaneLike"]
