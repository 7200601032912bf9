"""The supervisor's session: the live board and Listen / Whisper / Barge / Stop.

``SupervisorSession`` (QtCore, GUI thread, never blocks) keeps the board fed by a
``BoardStream`` (its own thread; snapshots and link changes are re-posted to the GUI thread)
and runs at most one monitoring session at a time (docs/monitoring.md):

* **builtin** backend — the first button asks the server for a grant (``POST
  /api/v1/monitor-grants`` on the net lane) and dials the caller's ``sip_uri`` with
  ``X-Sampark-Monitor: <token>``; a later button on the same caller asks for a fresh grant and
  sends it in an in-dialog INFO (``body "mode=<mode>"``; the caller's verdict comes back as a
  ``MonitorModeChanged`` or ``MonitorRefused`` event on our call); no redial.
* **pbx** backend — the buttons dial ``<feature code><caller's extension>`` at the caller's SIP
  domain (e.g. Asterisk ChanSpy ``*222`` + extension), no grant; a mode change redials.

A button on another caller stops the current session first. Stop hangs up. A call ended by
the other side resets the session. Every failure becomes a ``problem`` sentence.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from softphone.monitor.board import BoardLink, BoardRow, BoardSnapshot
from softphone.sip.events import (
    CallState,
    CallStateChanged,
    Event,
    MonitorMode,
    MonitorModeChanged,
    MonitorRefused,
)

log = logging.getLogger("sampark.monitor.supervisor")

HEADER = "X-Sampark-Monitor"
BUILTIN, PBX = "builtin", "pbx"
SWITCH_TIMEOUT_MS = 5000


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks a sentence for lupdate; the UI translates it in the ``"Supervisor"`` context."""
    del context
    return text


# Sentences (the UI translates them with QCoreApplication.translate("Supervisor", …));
# %1 is filled in after translation.
NOT_MONITORABLE = QT_TRANSLATE_NOOP("Supervisor", "%1 is not on a call that can be monitored.")
NO_ACCOUNT = QT_TRANSLATE_NOOP("Supervisor", "No SIP account for monitoring on this PC.")
SERVER_REFUSED = QT_TRANSLATE_NOOP("Supervisor", "The server does not allow monitoring %1.")
GRANT_FAILED = QT_TRANSLATE_NOOP("Supervisor", "No monitor grant from the server: %1")
PHONE_REFUSED = QT_TRANSLATE_NOOP(
    "Supervisor", "%1's softphone refused the monitoring request (403)."
)
UNREACHABLE = QT_TRANSLATE_NOOP("Supervisor", "%1's softphone could not be reached: %2")
CHANGE_REFUSED = QT_TRANSLATE_NOOP(
    "Supervisor", "%1's softphone refused the mode change; the mode stays as it was."
)
CHANGE_LOST = QT_TRANSLATE_NOOP(
    "Supervisor", "%1's softphone did not confirm the mode change; the mode stays as it was."
)
ENDED = QT_TRANSLATE_NOOP("Supervisor", "Monitoring of %1 ended.")
TRANSLATION_CONTEXT = "Supervisor"


class Phase:
    IDLE = "idle"
    GRANTING = "granting"  # waiting for the server's grant
    CALLING = "calling"  # INVITE sent
    CONNECTED = "connected"
    SWITCHING = "switching"  # new grant / INFO on the way


class MonitorStatus(NamedTuple):
    """What ``monitor_changed`` carries: the monitored caller, the mode and the phase."""

    agent_id: int | None
    mode: MonitorMode | None
    phase: str = Phase.IDLE

    @property
    def busy(self) -> bool:
        return self.phase in (Phase.GRANTING, Phase.CALLING, Phase.SWITCHING)


IDLE = MonitorStatus(None, None, Phase.IDLE)


def sentence(text: str, *args: str) -> str:
    """``text`` translated in the "Supervisor" context, ``%1``… filled in."""
    out = QCoreApplication.translate(TRANSLATION_CONTEXT, text)
    for n, arg in enumerate(args, start=1):
        out = out.replace(f"%{n}", arg)
    return out


class GrantClient(Protocol):
    def monitor_grant(self, agent_id: int, mode: str) -> Any: ...


class LaneLike(Protocol):
    def submit(
        self, fn: Callable[[], Any], on_done: Any = None, on_error: Any = None
    ) -> object: ...


class Engine(Protocol):
    @property
    def event_emitted(self) -> Any: ...
    def make_call(
        self, account_id: int, uri: str, headers: dict[str, str] | None = None
    ) -> int: ...
    def hangup(self, call_id: int) -> None: ...
    def send_info(
        self, call_id: int, headers: dict[str, str] | None = None, body: str = "",
        content_type: str = "",
    ) -> None: ...  # fmt: skip


@dataclass(frozen=True)
class PbxCodes:
    listen: str = "*222"
    whisper: str = "*223"
    barge: str = "*224"

    def code(self, mode: MonitorMode) -> str:
        return str(getattr(self, mode.value))

    @classmethod
    def from_settings(cls, settings: Any) -> PbxCodes:
        return cls(settings.pbx_listen_code, settings.pbx_whisper_code, settings.pbx_barge_code)


def pbx_uri(code: str, caller_uri: str) -> str:
    """``*222`` + ``sip:1001@pbx.example`` → ``sip:*2221001@pbx.example``."""
    scheme, _, rest = caller_uri.partition(":")
    user, _, host = rest.partition("@")
    if not host:
        raise ValueError(f"not a SIP URI with an extension: {caller_uri!r}")
    return f"{scheme}:{code}{user}@{host}"


class SupervisorSession(QObject):
    """The board and one monitoring session (see the module docstring)."""

    board_changed = Signal(object)  # tuple[BoardRow, ...]
    monitor_changed = Signal(object)  # MonitorStatus
    link_changed = Signal(object)  # BoardLink
    problem = Signal(str)  # a translated sentence for the status bar
    _snapshot_arrived = Signal(object)  # from the stream thread
    _link_arrived = Signal(object)

    def __init__(
        self,
        engine: Engine,
        account_id: int | None,
        client: GrantClient | None,
        net_lane: LaneLike,
        *,
        backend: str = BUILTIN,
        pbx_codes: PbxCodes | None = None,
        stream: Any = None,  # a BoardStream (or None: feed it with apply_snapshot)
        switch_timeout_ms: int = SWITCH_TIMEOUT_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if backend not in (BUILTIN, PBX):
            raise ValueError(f"unknown monitor backend {backend!r}")
        self.engine, self.account_id, self.client = engine, account_id, client
        self.lane, self.backend = net_lane, backend
        self.pbx_codes = pbx_codes or PbxCodes()
        self.stream = stream
        self.switch_timeout_ms = switch_timeout_ms
        self.rows: tuple[BoardRow, ...] = ()
        self.version = 0
        self.server_time: datetime | None = None  # of the latest snapshot
        self.link = BoardLink(False)
        self.status = IDLE
        self.call_id: int | None = None
        self._gen = 0  # bumped by every start/stop: late replies of older requests are dropped
        self._snapshot_arrived.connect(self.apply_snapshot)
        self._link_arrived.connect(self._set_link)
        engine.event_emitted.connect(self._on_event)

    # -- the board -----------------------------------------------------------------------
    def start(self) -> None:
        stream = self.stream
        if stream is None:
            return

        def forward(signal: Any) -> Callable[[object], None]:
            def emit(value: object) -> None:  # on the stream thread
                try:
                    signal.emit(value)
                except RuntimeError:  # this session was deleted without close()
                    stream.request_stop()

            return emit

        stream.on_snapshot = forward(self._snapshot_arrived)
        stream.on_link = forward(self._link_arrived)
        stream.start()

    def close(self) -> None:
        """Stop monitoring and the board feed (the window closes, the supervisor logs out)."""
        self.stop()
        if self.stream is not None:
            self.stream.stop()
        with contextlib.suppress(RuntimeError, TypeError):
            self.engine.event_emitted.disconnect(self._on_event)

    def apply_snapshot(self, snapshot: BoardSnapshot) -> None:
        self.rows, self.version = snapshot.rows, snapshot.version
        self.server_time = snapshot.server_time
        if not self.link.online:
            self._set_link(BoardLink(True))
        self.board_changed.emit(self.rows)

    def _set_link(self, link: BoardLink) -> None:
        self.link = link
        self.link_changed.emit(link)

    def row(self, agent_id: int | None) -> BoardRow | None:
        return next((r for r in self.rows if r.user_id == agent_id), None)

    # -- what can be done ----------------------------------------------------------------
    def can_monitor(self, agent_id: int, mode: MonitorMode) -> bool:
        """True if pressing this mode's button on this row would do something useful."""
        row = self.row(agent_id)
        if row is None or not row.monitorable or self.account_id is None:
            return False
        status = self.status
        if status.agent_id is None:
            return True
        if status.busy:
            return False
        return status.agent_id != agent_id or status.mode is not mode

    def can_stop(self, agent_id: int) -> bool:
        return self.status.agent_id == agent_id

    # -- commands ------------------------------------------------------------------------
    def listen(self, agent_id: int) -> None:
        self.monitor(agent_id, MonitorMode.LISTEN)

    def whisper(self, agent_id: int) -> None:
        self.monitor(agent_id, MonitorMode.WHISPER)

    def barge(self, agent_id: int) -> None:
        self.monitor(agent_id, MonitorMode.BARGE)

    def monitor(self, agent_id: int, mode: MonitorMode) -> None:
        row = self.row(agent_id)
        if row is None or not row.monitorable:
            name = row.name if row is not None else str(agent_id)
            self._problem(NOT_MONITORABLE, name)
            return
        if self.account_id is None:
            self._problem(NO_ACCOUNT)
            return
        status = self.status
        if status.busy:
            return
        if status.agent_id == agent_id and self.call_id is not None:
            if status.mode is not mode:
                self._change_mode(row, mode)
            return
        if status.agent_id is not None:
            self.stop()
        self._start(row, mode)

    def stop(self) -> None:
        """Hang up the monitor call (if any) and forget the session at once."""
        call_id, self.call_id = self.call_id, None
        self._gen += 1
        if call_id is not None:
            self._hangup(call_id)
        if self.status != IDLE:
            self._set_status(IDLE)

    # -- starting ------------------------------------------------------------------------
    def _start(self, row: BoardRow, mode: MonitorMode) -> None:
        self._gen += 1
        gen = self._gen
        if self.backend == PBX:
            self._dial_pbx(row, mode)
            return
        self._set_status(MonitorStatus(row.user_id, mode, Phase.GRANTING))
        self._ask_grant(
            row, mode, lambda token: self._dial(gen, row, mode, token), self._start_failed(gen)
        )

    def _ask_grant(
        self, row: BoardRow, mode: MonitorMode, done: Callable[[str], None], failed: Any
    ) -> None:
        client = self.client
        if client is None:
            failed(RuntimeError("no server connection"))
            return
        agent = row.user_id
        self.lane.submit(
            lambda: str(client.monitor_grant(agent, mode.value).token),
            on_done=done,
            on_error=lambda exc: failed(exc, row),
        )

    def _dial(self, gen: int, row: BoardRow, mode: MonitorMode, token: str) -> None:
        if gen != self._gen or self.account_id is None:
            return
        call_id = self._make_call(row.sip_uri, {HEADER: token})
        if call_id is None:
            self._set_status(IDLE)
            return
        self.call_id = call_id
        self._set_status(MonitorStatus(row.user_id, mode, Phase.CALLING))

    def _dial_pbx(self, row: BoardRow, mode: MonitorMode) -> None:
        try:
            uri = pbx_uri(self.pbx_codes.code(mode), row.sip_uri)
        except ValueError as exc:
            self._problem(UNREACHABLE, row.name, str(exc))
            self._set_status(IDLE)
            return
        call_id = self._make_call(uri, None)
        if call_id is None:
            self._set_status(IDLE)
            return
        self.call_id = call_id
        self._set_status(MonitorStatus(row.user_id, mode, Phase.CALLING))

    def _make_call(self, uri: str, headers: dict[str, str] | None) -> int | None:
        assert self.account_id is not None
        try:
            return self.engine.make_call(self.account_id, uri, headers=headers)
        except RuntimeError as exc:  # the engine is not running
            self._problem(UNREACHABLE, uri, str(exc))
            return None

    def _start_failed(self, gen: int) -> Callable[..., None]:
        def failed(exc: BaseException, row: BoardRow | None = None) -> None:
            if gen != self._gen:
                return
            self._grant_problem(exc, row)
            self._set_status(IDLE)

        return failed

    def _grant_problem(self, exc: BaseException, row: BoardRow | None) -> None:
        name = row.name if row is not None else ""
        if getattr(exc, "status", None) in (403, 404):
            self._problem(SERVER_REFUSED, name)
        else:
            self._problem(GRANT_FAILED, str(exc))

    # -- mode changes --------------------------------------------------------------------
    def _change_mode(self, row: BoardRow, mode: MonitorMode) -> None:
        if self.backend == PBX:  # a feature code per mode: hang up and dial the other one
            self.stop()
            self._start(row, mode)
            return
        old = self.status
        self._set_status(MonitorStatus(row.user_id, old.mode, Phase.SWITCHING))
        gen, call_id = self._gen, self.call_id

        def send(token: str) -> None:
            if gen != self._gen or call_id is None:
                return
            self.engine.send_info(call_id, {HEADER: token}, f"mode={mode.value}", "text/plain")
            QTimer.singleShot(self.switch_timeout_ms, lambda: self._switch_lost(gen, row))

        def failed(exc: BaseException, _row: BoardRow | None = None) -> None:
            if gen == self._gen:
                self._grant_problem(exc, row)
                self._set_status(replace_phase(self.status, Phase.CONNECTED))

        self._ask_grant(row, mode, send, failed)

    def _switch_lost(self, gen: int, row: BoardRow) -> None:
        if gen == self._gen and self.status.phase == Phase.SWITCHING:
            self._problem(CHANGE_LOST, row.name)
            self._set_status(replace_phase(self.status, Phase.CONNECTED))

    # -- engine events -------------------------------------------------------------------
    def _on_event(self, event: Event) -> None:
        if self.call_id is None or getattr(event, "call_id", None) != self.call_id:
            return
        if isinstance(event, CallStateChanged):
            self._on_call_state(event)
        elif isinstance(event, MonitorModeChanged):
            self._set_status(MonitorStatus(self.status.agent_id, event.mode, Phase.CONNECTED))
        elif isinstance(event, MonitorRefused):
            row = self.row(self.status.agent_id)
            self._problem(CHANGE_REFUSED, row.name if row else "")
            self._set_status(replace_phase(self.status, Phase.CONNECTED))

    def _on_call_state(self, event: CallStateChanged) -> None:
        status = self.status
        if event.state is CallState.CONFIRMED and status.phase == Phase.CALLING:
            self._set_status(replace_phase(status, Phase.CONNECTED))
        elif event.state is CallState.DISCONNECTED:
            row = self.row(status.agent_id)
            name = row.name if row is not None else str(status.agent_id)
            if status.phase == Phase.CALLING:
                if event.code == 403:
                    self._problem(PHONE_REFUSED, name)
                else:
                    self._problem(UNREACHABLE, name, f"{event.code} {event.reason}".strip())
            else:
                self._problem(ENDED, name)
            self.call_id = None
            self._gen += 1
            self._set_status(IDLE)

    # -- helpers -------------------------------------------------------------------------
    def _hangup(self, call_id: int) -> None:
        try:
            self.engine.hangup(call_id)
        except RuntimeError as exc:
            log.info("monitor hangup: %s", exc)

    def _set_status(self, status: MonitorStatus) -> None:
        self.status = status
        self.monitor_changed.emit(status)

    def _problem(self, text: str, *args: str) -> None:
        log.info("supervisor: %s", sentence(text, *args))
        self.problem.emit(sentence(text, *args))


def replace_phase(status: MonitorStatus, phase: str) -> MonitorStatus:
    return status._replace(phase=phase)


__all__ = [
    "BUILTIN",
    "HEADER",
    "IDLE",
    "PBX",
    "MonitorStatus",
    "PbxCodes",
    "Phase",
    "SupervisorSession",
    "pbx_uri",
    "sentence",
]
