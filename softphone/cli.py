"""Headless ``sampark`` subcommands for IT staff and tests: ``call``, ``answer``, ``doctor``.

No widgets and no event loop: the engine's events reach the main thread through
``engine.add_listener(queue.put)``. With ``--json`` every event is printed as one JSON object
per line (``Event.to_dict()``), plus CLI events (``dtmf_sent``, ``summary``, ``error``).

This module holds what the commands share: arguments, identity, output, the engine session and
the exit codes. The commands themselves: ``softphone.cli_calls`` (``call``, ``answer``) and
``softphone.doctor`` (``doctor``).

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from softphone import config
from softphone.audio.device import AudioDevice
from softphone.sip.events import (
    EngineError,
    Event,
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
    elif kind == "summary" and "count" in data:  # answer
        text = f"summary: answered {data['answered']} of {data['count']} (exit {data['exit_code']})"
    elif kind == "summary":
        verdict = "answered" if data.get("answered") else "NOT answered"
        text = (
            f"summary: {verdict}, {data.get('duration_s', 0):.1f} s, "
            f"final {data.get('final_code')} {data.get('reason', '')} (exit {data['exit_code']})"
        )
        if "heard_share" in data:
            text += f"; audible in {data['heard_share']:.0%} of the recording"
        if data.get("workflow"):
            flow = data["workflow"]
            text += f"; outcome on the server {flow.get('stored_times', 0)}×"
        if data.get("failure"):
            text += f"; FAILED: {data['failure']}"
        if data.get("callee"):
            text += "; callee: " + ", ".join(
                f"{r['what']} {r['digit']}".strip() for r in data["callee"]
            )
    elif kind == "demo_step":
        text = str(data.get("message", ""))
    else:
        rest = {k: v for k, v in data.items() if k not in ("event", "ts")}
        text = f"{kind} " + " ".join(f"{k}={v}" for k, v in rest.items())
    return f"{stamp} {text}"


# -- arguments -------------------------------------------------------------------------


def _identity_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
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
    # allow_abbrev=False: "--password x" must not be taken for "--password-env x".
    call = sub.add_parser(
        "call", parents=[parent], allow_abbrev=False, help="place one call (exit 0 if answered)"
    )
    call.add_argument("uri", help="who to call: sip:user@host[:port] or a number")
    call.add_argument("--duration", type=float, metavar="S", help="hang up S s after answer")
    call.add_argument("--timeout", type=float, default=60.0, metavar="S", help="ring timeout")
    call.add_argument("--play", type=Path, metavar="WAV", help="what the caller says")
    call.add_argument("--record", type=Path, metavar="WAV", help="record what the caller hears")
    call.add_argument("--dtmf", metavar="DIGITS", help="send these digits once answered")
    call.add_argument(
        "--dtmf-delay", type=float, default=0.0, metavar="S", help="wait S s after answer first"
    )
    call.add_argument(
        "--headset",
        action="store_true",
        help="talk through the headset from settings (default without --play/--record: silence)",
    )

    answer = sub.add_parser(
        "answer", parents=[parent], allow_abbrev=False, help="auto-answer incoming calls"
    )
    answer.add_argument("--listen", metavar="HOST:PORT", help="address to listen on")
    answer.add_argument("--count", type=int, default=1, metavar="N", help="calls, then exit")
    answer.add_argument("--play", type=Path, metavar="WAV", help="played into each call")
    answer.add_argument("--record", type=Path, metavar="WAV", help="record each call")
    answer.add_argument("--duration", type=float, metavar="S", help="hang up after S s")
    answer.add_argument("--timeout", type=float, metavar="S", help="give up after S s")

    doctor = sub.add_parser(
        "doctor", parents=[parent], allow_abbrev=False, help="check this PC's SIP and audio"
    )
    doctor.add_argument("--probe-timeout", type=float, default=3.0, metavar="S")
    doctor.add_argument(
        "--self-test", action="store_true", help="also import every module (IT, frozen app)"
    )


def build_parser(prog: str = "sampark") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Sampark headless commands", allow_abbrev=False
    )
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
        clock_rate=settings.audio_clock_rate,
    )
    return Identity(endpoint, account, bool(registrar))


def _password(env_name: str | None) -> str:
    if not env_name:
        return ""
    value = os.environ.get(env_name)
    if value is None:
        raise CliError(f"--password-env: environment variable {env_name} is not set", EXIT_USAGE)
    return value


def parse_listen(text: str | None, host: str = "", port: int = 5060) -> tuple[str, int]:
    """``HOST:PORT``, ``[v6]:PORT``, ``HOST`` or ``:PORT``; missing parts from the defaults."""
    if not text:
        return host, port
    head, sep, tail = text.rpartition(":")
    if not sep or (head.count(":") and not head.endswith("]")):
        return text.strip("[]"), port  # a bare host (also a bare IPv6 address)
    try:
        return (head.strip("[]") or host), int(tail)
    except ValueError as exc:
        raise CliError(f"--listen: bad port in {text!r}", EXIT_USAGE) from exc


# -- engine session --------------------------------------------------------------------


class StopFlag:
    """Ctrl-C / SIGTERM set a flag the main loop polls; a second Ctrl-C aborts."""

    def __init__(self) -> None:
        self.requested = False
        self._saved: dict[int, Any] = {}

    def __enter__(self) -> StopFlag:
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


def make_call_device(args: argparse.Namespace, settings: config.Settings) -> AudioDevice:
    """The caller's headset for ``call``: the WAV files, the configured headset, or silence."""
    play, record = args.play, args.record
    if play is not None and not play.is_file():
        raise CliError(f"--play: no such file: {play}", EXIT_USAGE)
    if args.headset:
        if play is not None or record is not None:
            raise CliError("--headset cannot be combined with --play/--record", EXIT_USAGE)
        from softphone.audio import devices

        return devices.open_headset(settings)
    if play is None and record is None:
        return AudioDevice()
    from softphone.audio.files import FileDevice

    return FileDevice(play=play, record=record)


def stop_engine(session: Session | None) -> None:
    """Stop the engine, then close its headset device (finishes a ``--record`` WAV)."""
    if session is None:
        return
    try:
        session.engine.stop()
    except Exception as exc:  # shutting down: report, keep the exit code
        print(f"warning: engine stop failed: {exc}", file=sys.stderr)
    session.engine.audio_device.close()  # idempotent for file devices


# -- entry point -----------------------------------------------------------------------

Runner = Callable[[argparse.Namespace, config.Settings, Reporter], int]


def runner_for(command: str) -> Runner:
    """The function that carries out a headless subcommand (imported on demand)."""
    if command == "doctor":
        from softphone import doctor

        return doctor.run_doctor
    if command == "demo":
        from softphone import demo

        return demo.run_headless
    from softphone import cli_calls

    return cli_calls.run_call if command == "call" else cli_calls.run_answer


def run(args: argparse.Namespace) -> int:
    """Run a parsed headless subcommand; returns the process exit code."""
    with _native_prints_to_stderr() as out:
        reporter = Reporter(args.json, out)
        try:
            settings = config.load()
            return runner_for(args.command)(args, settings, reporter)
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
        _flush_c_stdio()  # pjlib's buffered printf lines go to stderr too (frozen app)
        os.dup2(saved, 1)
        os.close(saved)


def _flush_c_stdio() -> None:
    """``fflush(NULL)`` in the C library (POSIX); nothing to do where that is unavailable."""
    if sys.platform == "win32":
        return
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run(args)


if __name__ == "__main__":
    # Run through the importable module, not ``__main__``: the command modules import
    # ``softphone.cli`` and must share its classes (``CliError``).
    from softphone.cli import main as _main

    sys.exit(_main())
