"""``sampark call`` and ``sampark answer``: one outgoing call, or auto-answering N calls.

Both drive a ``SipEngine`` from the main thread without a Qt event loop: events arrive through
``engine.add_listener(queue.put)`` (see ``softphone.cli.Session``) and every reaction is one of
the engine's non-blocking commands. ``call`` puts its ``--play``/``--record`` FileDevice in the
headset slot, so the audio passes the same bridge code a headset uses; ``answer`` attaches a
per-call player and recorder instead (``use_headset=False``), so several calls can overlap.
Exit codes are documented in ``softphone.cli``.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from softphone import config
from softphone.audio.device import AudioDevice
from softphone.cli import (
    EXIT_ENGINE,
    EXIT_INTERRUPTED,
    EXIT_NO_ANSWER,
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_USAGE,
    CliError,
    Reporter,
    Session,
    StopFlag,
    add_account,
    make_call_device,
    parse_listen,
    resolve_identity,
    start_engine,
    stop_engine,
)
from softphone.sip.events import (
    CallState,
    CallStateChanged,
    DtmfReceived,
    EngineError,
    Event,
    IncomingCall,
    MediaStats,
)
from softphone.sip.spec import AccountSpec

# -- call ------------------------------------------------------------------------------


@dataclass
class CallProgress:
    call_id: int
    uri: str
    answered: bool = False
    confirmed_at: float = 0.0
    ended_at: float = 0.0
    final_code: int = 0
    reason: str = ""
    stats: dict[str, Any] = field(default_factory=dict)
    dtmf_received: list[str] = field(default_factory=list)
    hangup_sent: bool = False
    interrupted: bool = False
    timed_out: bool = False
    ended: bool = False

    @property
    def duration_s(self) -> float:
        if not self.answered:
            return 0.0
        end = self.ended_at or time.time()
        return round(end - self.confirmed_at, 3)

    def exit_code(self) -> int:
        if self.answered:
            return EXIT_OK
        if self.interrupted:
            return EXIT_INTERRUPTED
        if self.timed_out:
            return EXIT_NO_ANSWER
        if 300 <= self.final_code <= 699:  # a SIP final response; else a pj status code
            return EXIT_REJECTED
        return EXIT_ENGINE

    def summary(self) -> dict[str, Any]:
        return {
            "event": "summary",
            "call_id": self.call_id,
            "uri": self.uri,
            "answered": self.answered,
            "duration_s": self.duration_s,
            "final_code": self.final_code,
            "reason": self.reason,
            "interrupted": self.interrupted,
            "timed_out": self.timed_out,
            "dtmf_received": "".join(self.dtmf_received),
            "stats": self.stats,
            "exit_code": self.exit_code(),
            "ts": time.time(),
        }


def track_call_event(progress: CallProgress, event: Event) -> bool:
    """Update ``progress`` from an event; True if the event concerns this call."""
    if isinstance(event, CallStateChanged) and event.call_id == progress.call_id:
        if event.code:
            progress.final_code, progress.reason = event.code, event.reason
        elif event.reason:
            progress.reason = event.reason
        if event.state is CallState.CONFIRMED and not progress.answered:
            progress.answered, progress.confirmed_at = True, event.ts
        if event.state is CallState.DISCONNECTED:
            progress.ended, progress.ended_at = True, event.ts
        return True
    if isinstance(event, MediaStats) and event.call_id == progress.call_id:
        progress.stats = {k: v for k, v in event.to_dict().items() if k != "event"}
        return True
    if isinstance(event, DtmfReceived) and event.call_id == progress.call_id:
        progress.dtmf_received.append(event.digit)
        return True
    return isinstance(event, EngineError) and event.call_id in (None, progress.call_id)


def run_call(args: argparse.Namespace, settings: config.Settings, reporter: Reporter) -> int:
    ident = resolve_identity(args, settings)
    device = make_call_device(args, settings)
    reporter.emit({"event": "audio_device", "name": device.name, "ts": time.time()})
    session = None
    try:
        session = start_engine(ident.endpoint, device, reporter)
        acc = add_account(session, ident, args.register_timeout)
        call_id = session.engine.make_call(acc, _normalise_uri(args.uri, ident.account))
        progress = CallProgress(call_id, args.uri)
        with StopFlag() as stop:
            drive_call(session, progress, args, stop)
        reporter.emit(progress.summary())
        return progress.exit_code()
    finally:
        stop_engine(session)


def _normalise_uri(uri: str, account: AccountSpec) -> str:
    if uri.startswith(("sip:", "sips:", "tel:")) or "<" in uri:
        return uri
    return f"sip:{uri}@{account.domain}"


def drive_call(
    session: Session, progress: CallProgress, args: argparse.Namespace, stop: StopFlag
) -> None:
    """Event loop for one outgoing call: DTMF after answer, hang up on duration/timeout/stop."""
    engine = session.engine
    ring_deadline = time.monotonic() + args.timeout
    hangup_at: float | None = None
    dtmf_at: float | None = None
    give_up_at: float | None = None
    while not progress.ended:
        event = session.next_event()
        if event is not None and track_call_event(progress, event):
            session.reporter.event(event)
            if isinstance(event, CallStateChanged) and event.state is CallState.CONFIRMED:
                hangup_at, dtmf_at = _answered_timers(args)
        now = time.monotonic()
        if dtmf_at is not None and now >= dtmf_at and not progress.hangup_sent:
            _send_dtmf(session, progress, args.dtmf)
            dtmf_at = None
        reason = _hangup_reason(progress, stop, now, ring_deadline, hangup_at)
        if reason and not progress.hangup_sent:
            progress.hangup_sent = True
            progress.interrupted = reason == "interrupted"
            progress.timed_out = reason == "timed_out"
            engine.hangup(progress.call_id)
            give_up_at = now + 10.0
        if give_up_at is not None and now > give_up_at:
            session.reporter.emit({"event": "error", "where": "cli", "message": "no BYE reply"})
            break


def _answered_timers(args: argparse.Namespace) -> tuple[float | None, float | None]:
    """(hang up at, send DTMF at) on the monotonic clock, from the moment of answer."""
    now = time.monotonic()
    hangup_at = now + args.duration if args.duration is not None else None
    dtmf_at = now + args.dtmf_delay if args.dtmf else None
    return hangup_at, dtmf_at


def _send_dtmf(session: Session, progress: CallProgress, digits: str) -> None:
    session.engine.send_dtmf(progress.call_id, digits)
    event = {"event": "dtmf_sent", "call_id": progress.call_id, "digits": digits}
    session.reporter.emit({**event, "ts": time.time()})


def _hangup_reason(
    progress: CallProgress,
    stop: StopFlag,
    now: float,
    ring_deadline: float,
    hangup_at: float | None,
) -> str | None:
    if stop.requested:
        return "interrupted"
    if not progress.answered and now > ring_deadline:
        return "timed_out"
    if hangup_at is not None and now >= hangup_at:
        return "duration"
    return None


# -- answer ----------------------------------------------------------------------------


def record_path_for(base: Path | None, index: int, count: int) -> Path | None:
    """``--record out.wav`` for call ``index`` (1-based): out.wav, or out-N.wav if count > 1."""
    if base is None or count <= 1:
        return base
    return base.with_name(f"{base.stem}-{index}{base.suffix or '.wav'}")


@dataclass
class AnswerState:
    count: int
    calls: dict[int, int] = field(default_factory=dict)  # call id -> 1-based index
    answered: int = 0
    finished: int = 0
    confirmed_at: dict[int, float] = field(default_factory=dict)
    hung_up: set[int] = field(default_factory=set)
    results: list[dict[str, Any]] = field(default_factory=list)


def run_answer(args: argparse.Namespace, settings: config.Settings, reporter: Reporter) -> int:
    if args.count < 1:
        raise CliError("--count must be at least 1", EXIT_USAGE)
    if args.play is not None and not args.play.is_file():
        raise CliError(f"--play: no such file: {args.play}", EXIT_USAGE)
    port = args.local_port if args.local_port is not None else settings.sip_local_port
    listen = parse_listen(args.listen, args.bind, port or 5060)
    ident = resolve_identity(args, settings, listen=listen)
    session = None
    try:
        session = start_engine(ident.endpoint, AudioDevice(), reporter)
        # Answered here, not by the engine's auto_answer: calls beyond --count get 486 instead.
        add_account(session, ident, args.register_timeout, use_headset=False)
        reporter.emit({"event": "listening", **session.engine.local_ports, "ts": time.time()})
        state = AnswerState(args.count)
        with StopFlag() as stop:
            code = _answer_loop(session, state, args, stop)
        reporter.emit(_answer_summary(state, code))
        return code
    finally:
        stop_engine(session)


def _answer_loop(
    session: Session, state: AnswerState, args: argparse.Namespace, stop: StopFlag
) -> int:
    deadline = time.monotonic() + args.timeout if args.timeout else None
    while state.finished < state.count:
        if stop.requested:
            session.engine.hangup_all()
            return EXIT_INTERRUPTED if state.answered < state.count else EXIT_OK
        if deadline is not None and time.monotonic() > deadline:
            session.engine.hangup_all()
            return EXIT_NO_ANSWER
        event = session.next_event()
        if event is not None:
            _answer_event(session, state, args, event)
        _answer_hangups(session, state, args)
    return EXIT_OK


def _answer_event(
    session: Session, state: AnswerState, args: argparse.Namespace, event: Event
) -> None:
    engine = session.engine
    if isinstance(event, IncomingCall) and event.account_id == session.account_id:
        if len(state.calls) + state.finished >= state.count:
            engine.reject(event.call_id, 486, "Busy Here")
        else:
            state.calls[event.call_id] = len(state.calls) + state.finished + 1
            engine.answer(event.call_id)
        session.reporter.event(event)
        return
    call_id = getattr(event, "call_id", None)
    if call_id not in state.calls:
        if isinstance(event, EngineError):
            session.reporter.event(event)
        return
    session.reporter.event(event)
    if isinstance(event, CallStateChanged):
        _answer_state(session, state, args, event)


def _answer_state(
    session: Session, state: AnswerState, args: argparse.Namespace, event: CallStateChanged
) -> None:
    index = state.calls[event.call_id]
    if event.state is CallState.CONFIRMED and event.call_id not in state.confirmed_at:
        state.confirmed_at[event.call_id] = time.monotonic()
        state.answered += 1
        record = record_path_for(args.record, index, state.count)
        if record is not None:
            session.engine.record_call(event.call_id, str(record))
        if args.play is not None:
            session.engine.play_to_call(event.call_id, str(args.play))
    elif event.state is CallState.DISCONNECTED:
        state.calls.pop(event.call_id)
        started = state.confirmed_at.pop(event.call_id, None)
        state.finished += 1
        state.results.append(
            {
                "call_id": event.call_id,
                "index": index,
                "answered": started is not None,
                "duration_s": round(time.monotonic() - started, 3) if started else 0.0,
                "final_code": event.code,
                "reason": event.reason,
            }
        )


def _answer_hangups(session: Session, state: AnswerState, args: argparse.Namespace) -> None:
    if args.duration is None:
        return
    now = time.monotonic()
    for call_id, started in state.confirmed_at.items():
        if now - started >= args.duration and call_id not in state.hung_up:
            session.engine.hangup(call_id)
            state.hung_up.add(call_id)


def _answer_summary(state: AnswerState, code: int) -> dict[str, Any]:
    return {
        "event": "summary",
        "answered": state.answered,
        "count": state.count,
        "calls": state.results,
        "exit_code": code,
        "ts": time.time(),
    }
