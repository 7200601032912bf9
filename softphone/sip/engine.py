"""SipEngine: the one facade over pjsua2 (DESIGN.md §2, STYLE.md 2–5).

pjsua2 lives on one dedicated SIP thread (threadCnt=0, mainThreadOnly=True, libHandleEvents
every <=10 ms while calls exist; up to 200 ms when idle, woken at once by commands). Public
methods are *commands*: thread-safe, non-blocking, they enqueue work for the SIP thread and
return at once. Results arrive as frozen-dataclass events (``events.py``) through Qt signals
(queued to the receiver's thread) and through plain listeners (called on the SIP thread; they
must be quick — the CLI and tests put events on a ``queue.Queue``).

Call and account ids are the engine's own small integers, assigned when the command is issued,
so ``make_call`` can return the id before pjsua2 has created the call.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import queue
import socket
import threading
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from softphone.audio import use_audio_switch_interval
from softphone.audio.device import AudioDevice
from softphone.sip._core import Core as _Core
from softphone.sip._scrub import Scrubber
from softphone.sip.buildinfo import build_info as _build_info
from softphone.sip.events import EngineError, Event, MonitorDecision, Transport
from softphone.sip.spec import AccountSpec, EndpointSpec

if TYPE_CHECKING:
    from softphone.sip._signals import EngineSignals

Listener = Callable[[Event], None]
Command = Callable[[], None]
MonitorGate = Callable[[str | None], MonitorDecision]
log = logging.getLogger("sampark.sip.engine")

_BUSY_POLL_MS = 10  # while calls exist (DESIGN.md §2)
_IDLE_POLL_MS = 200  # no calls: commands wake the loop early (see _Waker); timers stay exact
_KEEPALIVE = b"\r\n\r\n"  # RFC 5626 ping: pjsip reads and ignores it


class _Waker:
    """Ends a pending ``libHandleEvents`` early by sending a CRLF keep-alive to our own UDP
    SIP port, so the SIP thread can wait long when idle yet run commands at once."""

    def __init__(self, host: str, port: int) -> None:
        self._addr = (host, port)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.setblocking(False)

    def wake(self) -> None:
        with contextlib.suppress(OSError):  # the loop still polls every _IDLE_POLL_MS
            self._sock.sendto(_KEEPALIVE, self._addr)

    def close(self) -> None:
        self._sock.close()


class SipEngineError(RuntimeError):
    """Raised by ``start`` and by commands that cannot be accepted at all."""


# pjsua2 allows one endpoint per process; a second one aborts inside pjlib, so guard it.
_endpoint_lock = threading.Lock()
_endpoint_owner: SipEngine | None = None


def _claim_endpoint(engine: SipEngine | None) -> None:
    global _endpoint_owner
    with _endpoint_lock:
        if _endpoint_owner is not None and _endpoint_owner is not engine:
            raise SipEngineError("a SipEngine is already running in this process (pjsua2 limit)")
        _endpoint_owner = engine


def _release_endpoint(engine: SipEngine | None) -> None:
    global _endpoint_owner
    with _endpoint_lock:
        if _endpoint_owner is engine:
            _endpoint_owner = None


def _signal(name: str) -> Any:
    """A read-only attribute that returns the named Qt signal (creating the QObject once)."""
    return property(lambda self: getattr(self.qt_signals(), name), doc=f"Qt signal {name}")


class SipEngine:
    # Qt signals, each carrying one frozen event dataclass from softphone.sip.events. They live
    # on a QObject made on first access (``_signals.py``): a headless process never loads Qt.
    event_emitted = _signal("event_emitted")  # every event, in order
    registration_changed = _signal("registration_changed")  # RegistrationChanged
    call_state_changed = _signal("call_state_changed")  # CallStateChanged
    incoming_call_received = _signal("incoming_call_received")  # IncomingCall
    media_stats_updated = _signal("media_stats_updated")  # MediaStats
    dtmf_received = _signal("dtmf_received")  # DtmfReceived
    transfer_progressed = _signal("transfer_progressed")  # TransferProgress
    error_raised = _signal("error_raised")  # EngineError
    monitor_changed = _signal("monitor_changed")  # MonitorStarted/ModeChanged/Ended/Refused

    def __init__(
        self,
        spec: EndpointSpec | None = None,
        audio_device: AudioDevice | None = None,
    ) -> None:
        self.spec = spec or EndpointSpec()
        self._device = audio_device or AudioDevice()
        self._commands: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._listeners: list[Listener] = []
        self._ids = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._running = False
        self._start_error: BaseException | None = None
        self._core: _Core | None = None
        self._waker: _Waker | None = None
        self._qt: EngineSignals | None = None
        self._qt_lock = threading.Lock()
        self.scrubber = Scrubber()

    def qt_signals(self) -> EngineSignals:
        """The QObject carrying the engine's signals; first call from the GUI thread."""
        with self._qt_lock:
            if self._qt is None:
                from softphone.sip._signals import EngineSignals

                self._qt = EngineSignals()
            return self._qt

    # -- lifecycle -------------------------------------------------------------------
    def start(self, timeout: float = 10.0) -> None:
        """Start the SIP thread and the endpoint; blocks until transports are up or raises."""
        if self._thread is not None:
            raise SipEngineError("engine already started")
        _claim_endpoint(self)
        use_audio_switch_interval()  # GUI/Python work must not starve the audio callbacks
        self._ready.clear()
        self._start_error = None
        self._running = True
        self._thread = threading.Thread(target=self._run, name="sip", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise SipEngineError("SIP thread did not start in time")
        if self._start_error is not None:
            self._running = False
            self._thread.join(timeout)
            self._thread = None
            _release_endpoint(self)
            raise SipEngineError(f"endpoint start failed: {self._start_error}")

    def stop(self, timeout: float = 10.0) -> None:
        """Ordered shutdown: hang up all, delete accounts, libDestroy; joins the SIP thread."""
        thread = self._thread
        if thread is None:
            return
        self._running = False
        self._wake()
        thread.join(timeout)
        if thread.is_alive():
            raise SipEngineError("SIP thread did not stop in time")
        self._thread = None
        _release_endpoint(self)

    def add_listener(self, fn: Listener) -> None:
        self._listeners = [*self._listeners, fn]

    def remove_listener(self, fn: Listener) -> None:
        self._listeners = [f for f in self._listeners if f is not fn]

    @property
    def local_ports(self) -> dict[str, int]:
        """Bound SIP ports by transport name ("udp", "tcp", "tls") after ``start``."""
        return dict(self._core.ports) if self._core else {}

    @property
    def tls_available(self) -> bool:
        return bool(self._core and self._core.tls_available)

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._ready.is_set() and self._start_error is None

    # -- accounts --------------------------------------------------------------------
    def add_account(
        self, spec: AccountSpec, *, use_headset: bool = True, auto_answer: bool = False
    ) -> int:
        """Create an account (registers if ``spec.registrar``); returns the account id.

        ``use_headset=False``: this account's calls are never wired to the headset port (the
        demo's simulated callee, line-check answerers); their audio is whatever
        ``play_to_call``/``record_call`` attach. ``auto_answer=True``: incoming calls on this
        account are answered with 200 at once (an explicit operator choice; never the default).

        Raises ``SipEngineError`` for a TLS account when this pjsua2 build has no TLS.
        """
        if spec.transport is Transport.TLS and self._core and not self._core.tls_available:
            raise SipEngineError("this pjsua2 build has no TLS support; use UDP or TCP")
        self.scrubber.add_secret(spec.password)
        account_id = next(self._ids)
        self._submit(lambda c: c.add_account(account_id, spec, use_headset, auto_answer))
        return account_id

    def unregister(self, account_id: int) -> None:
        self._submit(lambda c: c.set_registration(account_id, False))

    def register(self, account_id: int) -> None:
        self._submit(lambda c: c.set_registration(account_id, True))

    def remove_account(self, account_id: int) -> None:
        self._submit(lambda c: c.remove_account(account_id))

    def handle_network_change(self) -> None:
        """Tell pjsip the network changed (new IP, link back): transports restart, re-register."""
        self._submit(lambda c: c.handle_ip_change())

    # -- calls -----------------------------------------------------------------------
    def make_call(self, account_id: int, uri: str, headers: dict[str, str] | None = None) -> int:
        """Place a call; returns the call id at once. Failures arrive as events."""
        call_id = next(self._ids)
        self._submit(lambda c: c.make_call(account_id, call_id, uri, dict(headers or {})))
        return call_id

    def answer(self, call_id: int, code: int = 200) -> None:
        self._submit(lambda c: c.answer(call_id, code))

    def reject(self, call_id: int, code: int = 603, reason: str = "") -> None:
        self._submit(lambda c: c.hangup(call_id, code, reason))

    def hangup(self, call_id: int) -> None:
        self._submit(lambda c: c.hangup(call_id))

    def hangup_all(self) -> None:
        self._submit(lambda c: c.hangup_all())

    def hold(self, call_id: int) -> None:
        self._submit(lambda c: c.set_hold(call_id, True))

    def resume(self, call_id: int) -> None:
        self._submit(lambda c: c.set_hold(call_id, False))

    def set_mute(self, call_id: int, muted: bool) -> None:
        self._submit(lambda c: c.set_mute(call_id, muted))

    def send_dtmf(self, call_id: int, digits: str) -> None:
        self._submit(lambda c: c.send_dtmf(call_id, digits))

    def transfer(self, call_id: int, uri: str) -> None:
        self._submit(lambda c: c.transfer(call_id, uri))

    def send_info(
        self,
        call_id: int,
        headers: dict[str, str] | None = None,
        body: str = "",
        content_type: str = "",
    ) -> None:
        """Send an in-dialog INFO (the supervisor's monitor mode change: the new grant in
        ``X-Sampark-Monitor``, optionally ``body="mode=barge"``)."""
        hdrs = dict(headers or {})
        self._submit(lambda c: c.send_info(call_id, hdrs, body, content_type))

    # -- supervisor monitoring (caller side; docs/monitoring.md) ------------------------
    def set_monitor_gate(self, account_id: int, gate: MonitorGate | None) -> None:
        """Decide INVITEs/INFOs carrying X-Sampark-Monitor on this account (SIP thread; the
        gate must be quick). None: every such INVITE is refused with 403."""
        self._submit(lambda c: c.set_monitor_gate(account_id, gate))

    # -- per-call media (callee side: demo, line checks) ------------------------------
    def play_to_call(self, call_id: int, wav_path: str, loop: bool = False) -> None:
        """Play a WAV file into the call (the far end hears it); replaces any current player."""
        self._submit(lambda c: c.media.request_play(call_id, wav_path, loop))

    def stop_playback(self, call_id: int) -> None:
        self._submit(lambda c: c.media.stop_play(call_id))

    def record_call(self, call_id: int, wav_path: str) -> None:
        """Record what the far end sends on this call into a WAV file until the call ends."""
        self._submit(lambda c: c.media.request_record(call_id, wav_path))

    # -- audio -----------------------------------------------------------------------
    def set_audio_device(self, device: AudioDevice) -> None:
        """Swap the headset device, also during a call."""
        self._device = device
        self._submit(lambda c: c.set_device(device))

    @property
    def audio_device(self) -> AudioDevice:
        return self._device

    def active_call_ids(self) -> list[int]:
        """The app's calls (monitor calls are hidden: see ``monitor_call_ids``)."""
        if not self._core:
            return []
        hidden = set(self._core.monitor.hidden)
        return sorted(c for c in list(self._core.calls) if c not in hidden)  # list(): atomic

    def monitor_call_ids(self) -> list[int]:
        """Active supervisor monitor calls on this (caller's) engine."""
        return sorted(list(self._core.monitor.sessions)) if self._core else []

    @staticmethod
    def build_info() -> dict[str, object]:
        """pjsua2 build facts for ``doctor``: version, tls, srtp, codecs, sound devices.

        Safe to call only when no engine is running in this process (creates a temporary
        endpoint); raises ``SipEngineError`` otherwise."""
        _claim_endpoint(None)
        try:
            return _build_info()
        finally:
            _release_endpoint(None)

    # -- internals -------------------------------------------------------------------
    def _next_id(self) -> int:
        return next(self._ids)

    def _submit(self, fn: Callable[[_Core], None]) -> None:
        if not self._running:
            raise SipEngineError("engine is not running")
        self._commands.put(lambda: fn(self._core))  # type: ignore[arg-type]
        self._wake()

    def _wake(self) -> None:
        waker = self._waker
        if waker is not None and threading.current_thread() is not self._thread:
            waker.wake()

    def _emit(self, event: Event) -> None:
        """Called on the SIP thread: listeners first, then signals."""
        for fn in self._listeners:
            try:
                fn(event)
            except Exception:
                # Format now: a LogRecord holding exc_info would keep pjsua2 frames alive
                # past libDestroy (and abort at exit).
                log.error("event listener failed:\n%s", traceback.format_exc())
        qt = self._qt
        if qt is not None:
            qt.emit_event(event)

    def _run(self) -> None:
        core = _Core(self.spec, self._device, self._emit, self.scrubber, self._next_id)
        try:
            core.start()
        except BaseException as exc:
            self._start_error = exc
            core.destroy()
            self._ready.set()
            return
        self._core = core
        if "udp" in core.ports:
            host = self.spec.bind_address
            self._waker = _Waker(
                "127.0.0.1" if host in ("", "0.0.0.0") else host, core.ports["udp"]
            )
        self._ready.set()
        try:
            self._loop(core)
        finally:
            core.shutdown(self._drain)
            core.destroy()
            self._core = None
            self._device.close()  # finalises file recordings; idempotent
            if self._waker is not None:
                self._waker.close()
                self._waker = None

    def _loop(self, core: _Core) -> None:
        ep = core.ep
        assert ep is not None
        while self._running:
            self._drain()
            idle = not core.calls and self._waker is not None
            ep.libHandleEvents(_IDLE_POLL_MS if idle else _BUSY_POLL_MS)
            core.tick()

    def _drain(self) -> None:
        while True:
            try:
                cmd = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                cmd()
            except Exception as exc:
                log.exception("engine command failed")
                self._emit(EngineError(where="command", message=str(exc)))
