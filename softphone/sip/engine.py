"""SipEngine: the one facade over pjsua2 (DESIGN.md §2, STYLE.md 2–5).

pjsua2 lives on one dedicated SIP thread (threadCnt=0, mainThreadOnly=True, libHandleEvents
every <=10 ms). Public methods are *commands*: thread-safe, non-blocking, they enqueue work for
the SIP thread and return at once. Results arrive as frozen-dataclass events (``events.py``)
through Qt signals (queued to the receiver's thread) and through plain listeners (called on the
SIP thread; they must be quick — the CLI and tests put events on a ``queue.Queue``).

Call and account ids are the engine's own small integers, assigned when the command is issued,
so ``make_call`` can return the id before pjsua2 has created the call.

CONTRACT STUB — implementation pending (issue 2). Signatures here are the contract the UI,
CLI and tests code against.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from softphone.audio.device import AudioDevice
from softphone.sip.events import Event
from softphone.sip.spec import AccountSpec, EndpointSpec

Listener = Callable[[Event], None]


class SipEngine(QObject):
    # Every signal carries one frozen event dataclass from softphone.sip.events.
    event_emitted = Signal(object)  # every event, in order
    registration_changed = Signal(object)  # RegistrationChanged
    call_state_changed = Signal(object)  # CallStateChanged
    incoming_call_received = Signal(object)  # IncomingCall
    media_stats_updated = Signal(object)  # MediaStats
    dtmf_received = Signal(object)  # DtmfReceived
    transfer_progressed = Signal(object)  # TransferProgress
    error_raised = Signal(object)  # EngineError

    def __init__(
        self,
        spec: EndpointSpec | None = None,
        audio_device: AudioDevice | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        raise NotImplementedError

    # -- lifecycle -------------------------------------------------------------------
    def start(self, timeout: float = 10.0) -> None:
        """Start the SIP thread and the endpoint; blocks until transports are up or raises."""

    def stop(self, timeout: float = 10.0) -> None:
        """Ordered shutdown: hang up all, delete accounts, libDestroy; joins the SIP thread."""

    def add_listener(self, fn: Listener) -> None: ...
    def remove_listener(self, fn: Listener) -> None: ...

    @property
    def local_ports(self) -> dict[str, int]:
        """Bound SIP ports by transport name ("udp", "tcp", "tls") after ``start``."""
        raise NotImplementedError

    # -- accounts --------------------------------------------------------------------
    def add_account(
        self, spec: AccountSpec, *, use_headset: bool = True, auto_answer: bool = False
    ) -> int:
        """Create an account (registers if ``spec.registrar``); returns the account id.

        ``use_headset=False``: this account's calls are never wired to the headset port (the
        demo's simulated callee, line-check answerers); their audio is whatever
        ``play_to_call``/``record_call`` attach. ``auto_answer=True``: incoming calls on this
        account are answered with 200 at once (an explicit operator choice; never the default).
        """
        raise NotImplementedError

    def unregister(self, account_id: int) -> None: ...
    def register(self, account_id: int) -> None: ...
    def remove_account(self, account_id: int) -> None: ...

    # -- calls -----------------------------------------------------------------------
    def make_call(
        self, account_id: int, uri: str, headers: dict[str, str] | None = None
    ) -> int:
        """Place a call; returns the call id at once. Failures arrive as events."""
        raise NotImplementedError

    def answer(self, call_id: int, code: int = 200) -> None: ...
    def reject(self, call_id: int, code: int = 603, reason: str = "") -> None: ...
    def hangup(self, call_id: int) -> None: ...
    def hangup_all(self) -> None: ...
    def hold(self, call_id: int) -> None: ...
    def resume(self, call_id: int) -> None: ...
    def set_mute(self, call_id: int, muted: bool) -> None: ...
    def send_dtmf(self, call_id: int, digits: str) -> None: ...
    def transfer(self, call_id: int, uri: str) -> None: ...

    # -- per-call media (callee side: demo, line checks) ------------------------------
    def play_to_call(self, call_id: int, wav_path: str, loop: bool = False) -> None:
        """Play a WAV file into the call (the far end hears it); replaces any current player."""

    def stop_playback(self, call_id: int) -> None: ...

    def record_call(self, call_id: int, wav_path: str) -> None:
        """Record what the far end sends on this call into a WAV file until the call ends."""

    # -- audio -----------------------------------------------------------------------
    def set_audio_device(self, device: AudioDevice) -> None:
        """Swap the headset device, also during a call."""

    def active_call_ids(self) -> list[int]:
        raise NotImplementedError

    @staticmethod
    def build_info() -> dict[str, object]:
        """pjsua2 build facts for ``doctor``: version, tls, srtp, codecs, sound devices.

        Safe to call only when no engine is running in this process (creates a temporary
        endpoint)."""
        raise NotImplementedError
