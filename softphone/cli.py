"""Headless ``sampark`` subcommands for IT staff and tests: ``call``, ``answer``, ``doctor``.

No widgets and no event loop: the engine's events reach the main thread through
``engine.add_listener(queue.put)``. With ``--json`` every event is printed as one JSON object
per line (``Event.to_dict()``), plus CLI events (``dtmf_sent``, ``summary``, ``error``).

Exit codes (also in docs/cli.md):

====  ==========================================================================
0     call answered (``call``); N calls answered (``answer``); all checks passed (``doctor``)
1     ``doctor``: an essential check failed
2     usage error (bad option, missing password variable, unreadable WAV)
3     registration failed or timed out
4     call rejected: the far end answered with a final failure (code in the summary)
5     no answer: timed out while ringing (``call``) or waiting for calls (``answer``)
6     engine error: could not start, bind a port or place the call
130   interrupted (Ctrl-C / SIGTERM) before the call was answered
====  ==========================================================================
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from softphone import config
from softphone.audio.device import AudioDevice
from softphone.sip.events import (
    CallState,
    CallStateChanged,
    DtmfReceived,
    EngineError,
    Event,
    IncomingCall,
    MediaStats,
    RegistrationChanged,
    RegState,
    SrtpMode,
    Transport,
)
from softphone.sip.spec import AccountSpec, EndpointSpec

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_REGISTRATION = 3
EXIT_REJECTED = 4
EXIT_NO_ANSWER = 5
EXIT_ENGINE = 6
EXIT_INTERRUPTED = 130

HEADLESS_COMMANDS = ("call", "answer", "doctor")


class CliError(Exception):
    """A failure with its exit code; printed as an ``error`` event."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


# -- output ----------------------------------------------------------------------------


class Reporter:
    """Prints events as JSON lines (``--json``) or as short human-readable lines."""

    def __init__(self, as_json: bool, out: TextIO | None = None) -> None:
        self.as_json = as_json
        self.out = out or sys.stdout

    def event(self, event: Event) -> None:
        self.emit(event.to_dict())

    def emit(self, data: dict[str, Any]) -> None:
        if self.as_json:
            line = json.dumps(data, ensure_ascii=False, default=str)
        else:
            line = human_line(data)
        print(line, file=self.out, flush=True)


def human_line(data: dict[str, Any]) -> str:
    kind = data.get("event", "?")
    stamp = time.strftime("%H:%M:%S", time.localtime(data.get("ts") or time.time()))
    if kind == "call_state":
        code = f" {data['code']} {data['reason']}" if data.get("code") else ""
        text = f"call {data['call_id']} {data['state']}{code}"
    elif kind == "registration":
        code = f" {data['code']} {data['reason']}" if data.get("code") else ""
        text = f"registration {data['state']}{code}"
    elif kind == "media_stats":
        text = (
            f"stats {data['codec']} rx={data['rx_packets']} tx={data['tx_packets']} "
            f"loss={data['rx_loss_pct']:.1f}% jitter={data['jitter_ms']:.1f}ms "
            f"rtt={data['rtt_ms']:.0f}ms mos={data['mos']:.2f}"
        )
    elif kind == "summary":
        verdict = "answered" if data.get("answered") else "NOT answered"
        text = (
            f"summary: {verdict}, {data.get('duration_s', 0):.1f} s, "
            f"final {data.get('final_code')} {data.get('reason', '')} (exit {data['exit_code']})"
        )
    else:
        rest = {k: v for k, v in data.items() if k not in ("event", "ts")}
        text = f"{kind} " + " ".join(f"{k}={v}" for k, v in rest.items())
    return f"{stamp} {text}"


# -- arguments -------------------------------------------------------------------------


def _identity_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    ident = parent.add_argument_group("identity (defaults from settings)")
    ident.add_argument("--user", help="SIP user name")
    ident.add_argument("--domain", help="SIP domain")
    ident.add_argument("--registrar", help="registrar URI; absent = sip:<domain> if configured")
    ident.add_argument("--no-register", action="store_true", help="never register")
    ident.add_argument("--transport", choices=[t.value for t in Transport])
    ident.add_argument("--local-port", type=int, help="local SIP port (0 = any free port)")
    ident.add_argument("--bind", default="", help="local address to bind (default: all)")
    ident.add_argument(
        "--password-env",
        metavar="NAME",
        help="name of the environment variable holding the SIP password",
    )
    ident.add_argument("--register-timeout", type=float, default=10.0, metavar="S")
    parent.add_argument("--json", action="store_true", help="one JSON object per line")
    return parent


def add_subcommands(sub: Any) -> None:
    """Add ``call``, ``answer`` and ``doctor`` to an argparse subparsers object."""
    parent = _identity_parent()
    call = sub.add_parser("call", parents=[parent], help="place one call (exit 0 if answered)")
    call.add_argument("uri", help="who to call: sip:user@host[:port] or a number")
    call.add_argument("--duration", type=float, metavar="S", help="hang up S s after answer")
    call.add_argument("--timeout", type=float, default=60.0, metavar="S", help="ring timeout")
    call.add_argument("--play", type=Path, metavar="WAV", help="what the caller says")
    call.add_argument("--record", type=Path, metavar="WAV", help="record what the caller hears")
    call.add_argument("--dtmf", metavar="DIGITS", help="send these digits once answered")

    answer = sub.add_parser("answer", parents=[parent], help="auto-answer incoming calls")
    answer.add_argument("--listen", metavar="HOST:PORT", help="address to listen on")
    answer.add_argument("--count", type=int, default=1, metavar="N", help="calls, then exit")
    answer.add_argument("--play", type=Path, metavar="WAV", help="played into each call")
    answer.add_argument("--record", type=Path, metavar="WAV", help="record each call")
    answer.add_argument("--duration", type=float, metavar="S", help="hang up after S s")
    answer.add_argument("--timeout", type=float, metavar="S", help="give up after S s")

    doctor = sub.add_parser("doctor", parents=[parent], help="check this PC's SIP and audio")
    doctor.add_argument("--probe-timeout", type=float, default=3.0, metavar="S")


def build_parser(prog: str = "sampark") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Sampark headless commands")
    sub = parser.add_subparsers(dest="command", required=True)
    add_subcommands(sub)
    return parser


# -- identity --------------------------------------------------------------------------


@dataclass
class Identity:
    endpoint: EndpointSpec
    account: AccountSpec
    registrar_given: bool


def resolve_identity(
    args: argparse.Namespace,
    settings: config.Settings,
    listen: tuple[str, int] | None = None,
) -> Identity:
    """Command-line options over settings; the password only from ``--password-env``."""
    transport = Transport(args.transport or settings.sip_transport)
    bind, port = listen if listen else (args.bind, args.local_port)
    if port is None:
        port = settings.sip_local_port
    domain = args.domain or settings.sip_domain or bind or "127.0.0.1"
    registrar = "" if args.no_register else (args.registrar or settings.sip_registrar)
    if not registrar and not args.no_register and (args.domain or settings.sip_domain):
        registrar = f"sip:{domain}"
    account = AccountSpec(
        user=args.user or settings.sip_user or "sampark",
        domain=domain,
        password=_password(args.password_env),
        registrar=registrar,
        transport=transport,
    )
    endpoint = EndpointSpec(
        bind_address=bind,
        udp_port=port if transport is Transport.UDP or listen else 0,
        tcp_port=port if transport is Transport.TCP or listen else 0,
        tls_port=None,
        tls_verify_server=settings.tls_verify,
        srtp=SrtpMode(settings.srtp),
    )
    return Identity(endpoint, account, bool(registrar))


def _password(env_name: str | None) -> str:
    if not env_name:
        return ""
    value = os.environ.get(env_name)
    if value is None:
        raise CliError(f"--password-env: environment variable {env_name} is not set", EXIT_USAGE)
    return value


def parse_listen(text: str | None) -> tuple[str, int]:
    if not text:
        return "", 5060
    host, sep, port = text.rpartition(":")
    if not sep:
        return text, 5060
    try:
        return host.strip("[]"), int(port)
    except ValueError as exc:
        raise CliError(f"--listen: bad port in {text!r}", EXIT_USAGE) from exc


# -- engine session --------------------------------------------------------------------


class _StopFlag:
    """Ctrl-C / SIGTERM set a flag the main loop polls; a second Ctrl-C aborts."""

    def __init__(self) -> None:
        self.requested = False
        self._saved: dict[int, Any] = {}

    def __enter__(self) -> _StopFlag:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._saved[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._saved.items():
            signal.signal(sig, handler)

    def _handle(self, signum: int, frame: object) -> None:
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = True


@dataclass
class Session:
    """An engine started for one command, its event queue and the reporter."""

    engine: Any
    events: queue.Queue[Event]
    reporter: Reporter
    account_id: int = -1
    extra: dict[str, Any] = field(default_factory=dict)

    def next_event(self, timeout: float = 0.2) -> Event | None:
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            return None


def start_engine(endpoint: EndpointSpec, device: AudioDevice, reporter: Reporter) -> Session:
    from softphone.sip.engine import SipEngine

    events: queue.Queue[Event] = queue.Queue()
    try:
        engine = SipEngine(endpoint, audio_device=device)
        engine.add_listener(events.put)
        engine.start()
    except Exception as exc:
        raise CliError(f"SIP engine did not start: {exc}", EXIT_ENGINE) from exc
    return Session(engine, events, reporter)


def add_account(session: Session, ident: Identity, timeout: float, **kwargs: Any) -> int:
    """Add the account; if it registers, wait for REGISTERED (or raise ``CliError``)."""
    try:
        acc = session.engine.add_account(ident.account, **kwargs)
    except Exception as exc:
        raise CliError(f"account not created: {exc}", EXIT_ENGINE) from exc
    session.account_id = acc
    if not ident.registrar_given:
        return acc
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        event = session.next_event()
        if isinstance(event, (RegistrationChanged, EngineError)):
            session.reporter.event(event)
        if isinstance(event, RegistrationChanged) and event.account_id == acc:
            if event.state is RegState.REGISTERED:
                return acc
            if event.state is RegState.FAILED:
                raise CliError(
                    f"registration failed: {event.code} {event.reason}", EXIT_REGISTRATION
                )
    raise CliError(
        f"registration timed out after {timeout:g} s ({ident.account.registrar})",
        EXIT_REGISTRATION,
    )


def make_file_device(play: Path | None, record: Path | None) -> AudioDevice:
    """A FileDevice (WAV in = what the caller says, WAV out = what they hear) or silence."""
    if play is not None and not play.is_file():
        raise CliError(f"--play: no such file: {play}", EXIT_USAGE)
    if play is None and record is None:
        return AudioDevice()
    from softphone.audio.files import FileDevice

    return FileDevice(play=play, record=record)


def _stop_engine(session: Session | None) -> None:
    """Stop the engine, then close its headset device (finishes a ``--record`` WAV)."""
    if session is None:
        return
    try:
        session.engine.stop()
    except Exception as exc:  # shutting down: report, keep the exit code
        print(f"warning: engine stop failed: {exc}", file=sys.stderr)
    session.engine.audio_device.close()  # idempotent for file devices


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
        if self.final_code >= 300:
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
    device = make_file_device(args.play, args.record)
    session = None
    try:
        session = start_engine(ident.endpoint, device, reporter)
        acc = add_account(session, ident, args.register_timeout)
        call_id = session.engine.make_call(acc, _normalise_uri(args.uri, ident.account))
        progress = CallProgress(call_id, args.uri)
        with _StopFlag() as stop:
            _drive_call(session, progress, args, stop)
        reporter.emit(progress.summary())
        return progress.exit_code()
    finally:
        _stop_engine(session)


def _normalise_uri(uri: str, account: AccountSpec) -> str:
    if uri.startswith(("sip:", "sips:", "tel:")) or "<" in uri:
        return uri
    return f"sip:{uri}@{account.domain}"


def _drive_call(
    session: Session, progress: CallProgress, args: argparse.Namespace, stop: _StopFlag
) -> None:
    """Event loop for one outgoing call: DTMF after answer, hang up on duration/timeout/stop."""
    engine = session.engine
    ring_deadline = time.monotonic() + args.timeout
    hangup_at: float | None = None
    give_up_at: float | None = None
    while not progress.ended:
        event = session.next_event()
        if event is not None and track_call_event(progress, event):
            session.reporter.event(event)
            if isinstance(event, CallStateChanged) and event.state is CallState.CONFIRMED:
                hangup_at = _on_answered(session, progress, args)
        now = time.monotonic()
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


def _on_answered(
    session: Session, progress: CallProgress, args: argparse.Namespace
) -> float | None:
    if args.dtmf:
        session.engine.send_dtmf(progress.call_id, args.dtmf)
        session.reporter.emit(
            {
                "event": "dtmf_sent",
                "call_id": progress.call_id,
                "digits": args.dtmf,
                "ts": time.time(),
            }
        )
    return time.monotonic() + args.duration if args.duration is not None else None


def _hangup_reason(
    progress: CallProgress,
    stop: _StopFlag,
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
    ident = resolve_identity(args, settings, listen=parse_listen(args.listen))
    session = None
    try:
        session = start_engine(ident.endpoint, AudioDevice(), reporter)
        add_account(session, ident, args.register_timeout, use_headset=False, auto_answer=True)
        reporter.emit({"event": "listening", **session.engine.local_ports, "ts": time.time()})
        state = AnswerState(args.count)
        with _StopFlag() as stop:
            code = _answer_loop(session, state, args, stop)
        reporter.emit(_answer_summary(state, code))
        return code
    finally:
        _stop_engine(session)


def _answer_loop(
    session: Session, state: AnswerState, args: argparse.Namespace, stop: _StopFlag
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


# -- doctor ----------------------------------------------------------------------------


def run_doctor(args: argparse.Namespace, settings: config.Settings, reporter: Reporter) -> int:
    from softphone import doctor

    ident = resolve_identity(args, settings)
    report: dict[str, Any] = {
        "event": "doctor",
        "environment": doctor.environment_report(),
        "pjsua2": doctor.pjsua2_report(),
        "portaudio": doctor.portaudio_report(),
        "registrar": None,
        "known_limits": list(doctor.KNOWN_LIMITS),
        "settings_problems": list(settings.problems),
    }
    if ident.account.registrar:
        result = doctor.probe_registrar(
            ident.account.registrar, ident.account.transport.value, args.probe_timeout
        )
        report["registrar"] = result.to_dict()
    failures = _doctor_failures(report)
    report["ok"] = not failures
    report["failures"] = failures
    if reporter.as_json:
        reporter.emit(report)
    else:
        print_doctor(report, reporter.out)
    return EXIT_OK if not failures else EXIT_CHECK_FAILED


def _doctor_failures(report: dict[str, Any]) -> list[str]:
    failures = []
    if not report["pjsua2"].get("ok"):
        failures.append(f"pjsua2: {report['pjsua2'].get('error')}")
    if not report["portaudio"].get("ok"):
        failures.append(f"PortAudio: {report['portaudio'].get('error')}")
    registrar = report["registrar"]
    if registrar is not None and not registrar["ok"]:
        failures.append(f"registrar {registrar['target']}: {registrar['error']}")
    return failures


def print_doctor(report: dict[str, Any], out: TextIO) -> None:
    def line(text: str = "") -> None:
        print(text, file=out)

    env = report["environment"]
    line(f"Python {env['python']} on {env['platform']}")
    line("pjsua2:")
    for key, value in report["pjsua2"].items():
        line(f"  {key}: {_short(value)}")
    pa = report["portaudio"]
    line(f"PortAudio ({pa.get('source', 'unavailable')}): {len(pa.get('devices', []))} device(s)")
    if pa.get("error"):
        line(f"  error: {pa['error']}")
    for dev in pa.get("devices", []):
        line(f"  - {dev.get('name', dev)}")
    reg = report["registrar"]
    if reg is None:
        line("Registrar: none configured (not checked)")
    elif reg["ok"]:
        line(f"Registrar {reg['target']} ({reg['transport']}): {reg['status_line']}")
        line(f"  answered in {reg['rtt_ms']:.0f} ms")
    else:
        line(f"Registrar {reg['target']} ({reg['transport']}): NO ANSWER - {reg['error']}")
    for problem in report["settings_problems"]:
        line(f"Settings: {problem}")
    line("Known limits:")
    for limit in report["known_limits"]:
        line(f"  - {limit}")
    line("OK" if report["ok"] else "FAILED: " + "; ".join(report["failures"]))


def _short(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "(none)"
    return str(value)


# -- entry point -----------------------------------------------------------------------

RUNNERS: dict[str, Callable[[argparse.Namespace, config.Settings, Reporter], int]] = {
    "call": run_call,
    "answer": run_answer,
    "doctor": run_doctor,
}


def run(args: argparse.Namespace) -> int:
    """Run a parsed headless subcommand; returns the process exit code."""
    with _native_prints_to_stderr() as out:
        reporter = Reporter(args.json, out)
        try:
            settings = config.load()
            return RUNNERS[args.command](args, settings, reporter)
        except CliError as exc:
            reporter.emit(
                {"event": "error", "where": "cli", "message": str(exc), "ts": time.time()}
            )
            if not args.json:
                print(f"error: {exc}", file=sys.stderr)
            return exc.exit_code


@contextlib.contextmanager
def _native_prints_to_stderr() -> Iterator[TextIO]:
    """Yield a stream on the real stdout while fd 1 points at stderr.

    pjlib prints its first log lines to fd 1 before any log configuration applies; with
    ``--json`` stdout must carry nothing but our JSON lines.
    """
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real fd 1 (embedded, pythonw): nothing to protect
        yield sys.stdout
        return
    os.dup2(2, 1)
    out = os.fdopen(os.dup(saved), "w", buffering=1, encoding="utf-8", errors="replace")
    try:
        yield out
    finally:
        out.close()
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
