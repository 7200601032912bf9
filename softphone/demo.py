"""The demo's simulated callee (DESIGN.md §8): a second account inside the same SipEngine.

``DemoCallee`` adds a local account (no registrar) on the engine's loopback transport with
``use_headset=False, auto_answer=True``. When a call to it is answered it plays the recorded
Hindi + English greeting (``resources/sounds/greeting.wav``) into the call; each DTMF digit it
receives interrupts whatever is playing with "you pressed N" (``dtmf_<key>.wav``), then it
carries on listening. Audio goes through the engine's real media path, so a caller on the same
engine hears it through the headset bridge exactly as it would hear a real callee.

It reacts from the engine's listener (SIP thread) using only non-blocking engine commands, so it
works headless without a Qt event loop; Qt signals report what it did for the UI.

``run_headless`` is ``sampark demo --headless``: the whole caller workflow without a window
(``softphone.demo_workflow``). ``--call-only`` keeps the plain check: dial the callee, press a
key, hang up, and (with ``--record``) prove from the recording that the greeting came through
the headset bridge.
"""

from __future__ import annotations

import argparse
import threading
import wave
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from softphone import config, paths
from softphone.sip.events import (
    CallState,
    CallStateChanged,
    DtmfReceived,
    Event,
    IncomingCall,
)
from softphone.sip.spec import AccountSpec

_KEY_FILES = {"*": "star", "#": "hash"}


def sounds_dir() -> Path:
    return paths.resources_dir() / "sounds"


def prompt_for_digit(digit: str, folder: Path | None = None) -> Path | None:
    """The confirmation prompt for a DTMF key, or None for an unknown key."""
    key = _KEY_FILES.get(digit, digit.lower())
    path = (folder or sounds_dir()) / f"dtmf_{key}.wav"
    return path if path.is_file() else None


@dataclass(frozen=True)
class Reaction:
    """Something the callee did: ``answered`` (greeting started) or ``dtmf`` (prompt played)."""

    what: str
    call_id: int
    digit: str = ""
    prompt: str = ""


class DemoCallee(QObject):
    """Simulated callee: answers, greets in Hindi and English, confirms each key pressed."""

    call_answered = Signal(int)  # call id; greeting started
    dtmf_acknowledged = Signal(int, str)  # call id, digit
    call_ended = Signal(int)  # call id

    def __init__(
        self,
        engine: Any,
        user: str = "demo",
        domain: str = "127.0.0.1",
        display_name: str = "Sampark demo callee",
        sounds: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._spec = AccountSpec(user=user, domain=domain, display_name=display_name)
        self._sounds = sounds or sounds_dir()
        self._lock = threading.Lock()
        self._calls: set[int] = set()
        self._reactions: list[Reaction] = []
        self.account_id: int | None = None

    @property
    def greeting(self) -> Path:
        return self._sounds / "greeting.wav"

    def start(self) -> int:
        """Add the callee's account to the (started) engine; returns its account id."""
        if not self.greeting.is_file():
            raise FileNotFoundError(f"demo greeting missing: {self.greeting}")
        self._engine.add_listener(self._on_event)
        self.account_id = self._engine.add_account(self._spec, use_headset=False, auto_answer=True)
        return self.account_id

    def stop(self) -> None:
        """Stop reacting and remove the account (the engine itself stays up)."""
        self._engine.remove_listener(self._on_event)
        if self.account_id is not None:
            self._engine.remove_account(self.account_id)
            self.account_id = None

    def uri(self, transport: str = "udp") -> str:
        """The SIP URI a caller on this machine dials to reach the callee."""
        port = self._engine.local_ports[transport]
        suffix = "" if transport == "udp" else f";transport={transport}"
        return f"sip:{self._spec.user}@{self._spec.domain}:{port}{suffix}"

    def dial_domain(self, transport: str = "udp") -> str:
        """``host:port`` that completes a plain number so the call reaches this callee.

        A number such as ``+919000010001`` matches no account's user part, and pjsua hands
        such a request to the first account created: start the callee before the caller's
        account and every ``sip:<number>@<dial_domain>`` is answered here."""
        return f"{self._spec.domain}:{self._engine.local_ports[transport]}"

    def reactions(self) -> list[Reaction]:
        """What the callee has done so far (thread-safe copy; used by tests)."""
        with self._lock:
            return list(self._reactions)

    # -- engine listener (SIP thread): quick, non-blocking commands only -----------------
    def _on_event(self, event: Event) -> None:
        if isinstance(event, IncomingCall):
            if event.account_id == self.account_id:
                with self._lock:
                    self._calls.add(event.call_id)
            return
        call_id = getattr(event, "call_id", None)
        with self._lock:
            ours = call_id in self._calls
        if not ours or call_id is None:
            return
        if isinstance(event, CallStateChanged):
            self._on_call_state(event)
        elif isinstance(event, DtmfReceived):
            self._on_dtmf(event)

    def _on_call_state(self, event: CallStateChanged) -> None:
        if event.state is CallState.CONFIRMED:
            self._engine.play_to_call(event.call_id, str(self.greeting))
            self._note(Reaction("answered", event.call_id, prompt=str(self.greeting)))
            self.call_answered.emit(event.call_id)
        elif event.state is CallState.DISCONNECTED:
            with self._lock:
                self._calls.discard(event.call_id)
            self.call_ended.emit(event.call_id)

    def _on_dtmf(self, event: DtmfReceived) -> None:
        prompt = prompt_for_digit(event.digit, self._sounds)
        if prompt is None:
            return
        self._engine.play_to_call(event.call_id, str(prompt))
        self._note(Reaction("dtmf", event.call_id, event.digit, str(prompt)))
        self.dtmf_acknowledged.emit(event.call_id, event.digit)

    def _note(self, reaction: Reaction) -> None:
        with self._lock:
            self._reactions.append(reaction)


# -- sampark demo --headless -------------------------------------------------------------

DEMO_HOST = "127.0.0.1"
HEARD_RMS = 300.0  # int16 RMS of 50 ms blocks: speech is far above, silence far below


def run_headless(args: argparse.Namespace, settings: config.Settings, reporter: Any) -> int:
    """``sampark demo --headless``: the whole caller workflow (``softphone.demo_workflow``:
    embedded server, login, lease, call, outcome, sync); with ``--call-only`` just the call."""
    from softphone import cli

    if getattr(args, "call_only", False):
        return run_call_only(args, settings, reporter)
    missing = missing_server_modules()
    if missing:
        raise cli.CliError(
            f"the demo's embedded server needs {', '.join(missing)} (pip install "
            "'sampark[server]'); or run `sampark demo --headless --call-only`",
            cli.EXIT_USAGE,
        )
    from softphone import demo_workflow

    return demo_workflow.run_workflow(args, settings, reporter)


def missing_server_modules() -> list[str]:
    """The packages of the ``server`` extra the embedded demo server needs but cannot find."""
    import importlib.util

    wanted = ("fastapi", "uvicorn", "sqlalchemy", "alembic", "argon2", "cryptography")
    return [name for name in wanted if importlib.util.find_spec(name) is None]


def run_call_only(args: argparse.Namespace, settings: config.Settings, reporter: Any) -> int:
    """Dial the demo callee without a window or server; exit 0 if answered (and, with
    ``--record``, the greeting is audible in the recording)."""
    from softphone import cli, cli_calls
    from softphone.sip.spec import EndpointSpec

    device = _demo_device(args, settings)
    reporter.emit({"event": "audio_device", "name": device.name})
    spec = EndpointSpec(bind_address=DEMO_HOST, udp_port=0, tcp_port=None)
    session = None
    try:
        session = cli.start_engine(spec, device, reporter)
        callee = DemoCallee(session.engine, domain=DEMO_HOST)
        callee.start()
        caller = session.engine.add_account(AccountSpec(user="agent", domain=DEMO_HOST))
        progress = cli_calls.CallProgress(session.engine.make_call(caller, callee.uri()), "")
        progress.uri = callee.uri()
        with cli.StopFlag() as stop:
            cli_calls.drive_call(session, progress, args, stop)
    finally:
        cli.stop_engine(session)
    summary = progress.summary()
    summary["callee"] = [asdict(r) for r in callee.reactions()]
    if args.record is not None:
        summary["heard_share"] = heard_share(args.record)
        if progress.answered and summary["heard_share"] < 0.3:
            summary["exit_code"] = cli.EXIT_CHECK_FAILED
    reporter.emit(summary)
    return int(summary["exit_code"])


def _demo_device(args: argparse.Namespace, settings: config.Settings) -> Any:
    if args.record is not None:
        from softphone.audio.files import FileDevice

        return FileDevice(record=args.record)
    from softphone.audio import devices

    return devices.open_headset(settings)


def heard_share(path: Path) -> float:
    """Share of 50 ms blocks in a 16-bit mono WAV that are clearly not silence."""
    with wave.open(str(path), "rb") as w:
        samples = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(float)
        hop = w.getframerate() // 20
    blocks = len(samples) // hop
    if blocks == 0:
        return 0.0
    rms = np.sqrt((samples[: blocks * hop].reshape(blocks, hop) ** 2).mean(axis=1))
    return round(float((rms > HEARD_RMS).mean()), 3)
