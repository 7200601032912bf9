"""Helpers and fixtures for SIP integration tests with real peers on loopback.

Import helpers from here (``from siptest import ...``), not from ``conftest``: several test
folders have a ``conftest.py`` and pytest would mix them up. ``conftest.py`` re-exports the
fixtures.

* ``free_port`` — a free UDP+TCP port on 127.0.0.1 (bind to port 0).
* ``sipp`` — a factory that runs ``sipp`` with a scenario on a free port and collects its exit
  code and message trace.
* ``kamailio`` — a Kamailio registrar/proxy with in-memory usrloc and fixed test passwords.
* ``engine`` / ``events`` — a started ``SipEngine`` on loopback and a recorder of its events.
* ``echo_call`` — an engine with a given headset device, in a call with ``sipp -rtp_echo``.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from netports import LOOPBACK, free_port, free_rtp_base, udp_free

from softphone.audio.device import AudioDevice
from softphone.sip.engine import SipEngine
from softphone.sip.events import CallState, CallStateChanged, Event, RegistrationChanged
from softphone.sip.spec import AccountSpec, EndpointSpec

HERE = Path(__file__).resolve().parent
SIPP_DIR = HERE / "sipp"
KAMAILIO_CFG = HERE / "kamailio" / "kamailio.cfg"
SHARED_TESTDATA = HERE.parents[1] / ".." / "shared" / "testdata"
TEST_PASSWORDS = {"alice": "Al1ce-s3cret", "bob": "B0b-s3cret"}


def wait_until(cond: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def wait_udp_bound(port: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not udp_free(port):
            return
        time.sleep(0.02)
    raise TimeoutError(f"nothing bound UDP port {port}")


# -- events ----------------------------------------------------------------------------
class EventLog:
    """Collects engine events (listener runs on the SIP thread) and waits for them."""

    def __init__(self) -> None:
        self.queue: queue.Queue[Event] = queue.Queue()
        self.all: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.queue.put(event)

    def wait_for(self, pred: Callable[[Event], bool], timeout: float = 10.0) -> Event:
        for event in self.all:
            if pred(event):
                return event
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out; events: {[e.to_dict() for e in self.all]}")
            try:
                event = self.queue.get(timeout=remaining)
            except queue.Empty:
                continue
            self.all.append(event)
            if pred(event):
                return event

    def wait_call(self, call_id: int, state: CallState, timeout: float = 10.0) -> CallStateChanged:
        event = self.wait_for(
            lambda e: isinstance(e, CallStateChanged) and e.call_id == call_id and e.state is state,
            timeout,
        )
        assert isinstance(event, CallStateChanged)
        return event

    def wait_reg(self, account_id: int, state, timeout: float = 10.0) -> RegistrationChanged:
        event = self.wait_for(
            lambda e: (
                isinstance(e, RegistrationChanged)
                and e.account_id == account_id
                and e.state is state
            ),
            timeout,
        )
        assert isinstance(event, RegistrationChanged)
        return event

    def drain(self) -> None:
        while True:
            try:
                self.all.append(self.queue.get_nowait())
            except queue.Empty:
                return

    def of(self, kind: type, **match) -> list:
        self.drain()
        return [
            e
            for e in self.all
            if isinstance(e, kind) and all(getattr(e, k) == v for k, v in match.items())
        ]

    def call_states(self, call_id: int) -> list[CallState]:
        """Distinct consecutive states of one call, in order."""
        states: list[CallState] = []
        for e in self.of(CallStateChanged, call_id=call_id):
            if not states or states[-1] is not e.state:
                states.append(e.state)
        return states


@pytest.fixture
def events() -> EventLog:
    return EventLog()


def make_engine(events: EventLog, device: AudioDevice | None = None, **spec_kw) -> SipEngine:
    spec_kw.setdefault("bind_address", LOOPBACK)
    spec_kw.setdefault("rtp_port", free_rtp_base())
    spec_kw.setdefault("rtp_port_range", 100)
    spec_kw.setdefault("udp_port", 0)
    spec_kw.setdefault("tcp_port", 0)
    engine = SipEngine(EndpointSpec(**spec_kw), audio_device=device)
    engine.add_listener(events)
    engine.start()
    return engine


@dataclass
class EchoCall:
    """A confirmed call from a fresh engine to ``sipp -rtp_echo`` (see ``echo_call``)."""

    engine: SipEngine
    call_id: int
    events: EventLog
    sipp: Sipp
    ended: bool = False

    def hang_up(self) -> None:
        """Hang up, wait for DISCONNECTED and check sipp's scenario passed (once)."""
        if self.ended:
            return
        self.ended = True
        self.engine.hangup(self.call_id)
        self.events.wait_call(self.call_id, CallState.DISCONNECTED)
        assert self.sipp.wait() == 0, self.sipp.diagnostics()


@contextlib.contextmanager
def echo_call(
    sipp: Callable[..., Sipp], device: AudioDevice, events: EventLog
) -> Iterator[EchoCall]:
    """An engine on loopback with ``device`` as the headset, CONFIRMED in a call with sipp
    echoing RTP. Hangs up on leaving (unless the test did) and always stops the engine."""
    engine = make_engine(events, device, tcp_port=None)
    try:
        sp = sipp("uas-answer.xml", "-rtp_echo")
        account = engine.add_account(AccountSpec(user="caller", domain=LOOPBACK))
        call_id = engine.make_call(account, f"sip:echo@{sp.uri_host}")
        events.wait_call(call_id, CallState.CONFIRMED)
        call = EchoCall(engine, call_id, events, sp)
        yield call
        call.hang_up()
    finally:
        engine.stop()


@pytest.fixture
def engine(events: EventLog) -> Iterator[SipEngine]:
    eng = make_engine(events)
    yield eng
    eng.stop()


@pytest.fixture
def engine_factory(events: EventLog) -> Iterator[Callable[..., SipEngine]]:
    """For tests that need non-default endpoint settings (one engine per process)."""
    made: list[SipEngine] = []

    def factory(device: AudioDevice | None = None, **spec_kw) -> SipEngine:
        eng = make_engine(events, device, **spec_kw)
        made.append(eng)
        return eng

    yield factory
    for eng in made:
        eng.stop()


# -- sipp ------------------------------------------------------------------------------
@dataclass
class Sipp:
    proc: subprocess.Popen
    port: int
    media_port: int
    workdir: Path
    stdout: str = field(default="")

    @property
    def uri_host(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def wait(self, timeout: float = 20.0) -> int:
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
            self.stdout = out or ""
            msg = f"sipp did not finish in {timeout}s: {self.diagnostics()}"
            raise AssertionError(msg) from None
        self.stdout = out or ""
        return self.proc.returncode

    def messages(self) -> str:
        return "".join(p.read_text(errors="replace") for p in self.workdir.glob("*_messages.log"))

    def diagnostics(self) -> str:
        errs = "".join(p.read_text(errors="replace") for p in self.workdir.glob("*_errors.log"))
        return f"rc={self.proc.returncode} stdout={self.stdout[-1500:]} errors={errs[-1500:]}"


@pytest.fixture
def sipp(tmp_path: Path) -> Iterator[Callable[..., Sipp]]:
    """``sipp("uas-answer.xml", "-rtp_echo", remote=None)`` starts sipp and returns a ``Sipp``.

    Scenario names are looked up in ``tests/integration/sipp/``; an absolute path also works.
    As UAC, pass ``remote="127.0.0.1:port"`` (and ``service=`` for the request user).
    """
    started: list[Sipp] = []

    def run(
        scenario: str | Path,
        *extra: str,
        remote: str | None = None,
        service: str = "service",
        calls: int = 1,
        timeout_s: int = 30,
    ) -> Sipp:
        path = Path(scenario) if Path(scenario).is_absolute() else SIPP_DIR / scenario
        if not path.is_file():  # e.g. shared/testdata is not beside this checkout
            raise FileNotFoundError(f"sipp scenario not found: {path}")
        port, media_port = free_port(), free_rtp_base()
        workdir = tmp_path / f"sipp-{len(started)}"
        workdir.mkdir()
        cmd = [
            "sipp", "-sf", str(path), "-m", str(calls), "-i", LOOPBACK, "-p", str(port),
            "-mi", LOOPBACK, "-mp", str(media_port), "-s", service, "-nostdin",
            "-timeout", f"{timeout_s}s", "-timeout_error", "-trace_msg", "-trace_err",
            "-max_recv_loops", "1000", *extra,
        ]  # fmt: skip
        if remote:
            cmd.append(remote)
        proc = subprocess.Popen(
            cmd, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        sp = Sipp(proc, port, media_port, workdir)
        started.append(sp)
        if not remote:
            wait_udp_bound(port)
        return sp

    yield run
    for sp in started:
        if sp.proc.poll() is None:
            sp.proc.kill()
            sp.proc.communicate()


# -- kamailio --------------------------------------------------------------------------
@dataclass
class Kamailio:
    port: int
    workdir: Path
    proc: subprocess.Popen | None = None

    @property
    def domain(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def start(self) -> None:
        cfg = self.workdir / "kamailio.cfg"
        text = KAMAILIO_CFG.read_text()
        for user, password in TEST_PASSWORDS.items():
            text = text.replace(f"@{user.upper()}_PASSWORD@", password)
        cfg.write_text(text.replace("@PORT@", str(self.port)).replace("@ADDR@", LOOPBACK))
        cmd = [
            shutil.which("kamailio") or "/usr/sbin/kamailio", "-DD", "-E", "-f", str(cfg),
            "-m", "64", "-M", "8", "-P", str(self.workdir / "kamailio.pid"),
            "-w", str(self.workdir), "-Y", str(self.workdir),
        ]  # fmt: skip
        log = open(self.workdir / "kamailio.log", "ab")  # noqa: SIM115 — owned by the process
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        try:
            wait_udp_bound(self.port, timeout=10)
        except TimeoutError:
            self.stop()
            raise AssertionError(f"kamailio did not start: {self.log()[-3000:]}") from None

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not udp_free(self.port):
            time.sleep(0.05)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        path = self.workdir / "kamailio.log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture
def kamailio(tmp_path: Path) -> Iterator[Kamailio]:
    workdir = tmp_path / "kamailio"
    workdir.mkdir()
    kam = Kamailio(free_port(), workdir)
    kam.start()
    yield kam
    kam.stop()


# -- TLS in front of Kamailio (stunnel; Debian's kamailio has no tls module installed) -----
@dataclass
class TlsFront:
    port: int
    cert: Path
    proc: subprocess.Popen


def _self_signed(workdir: Path) -> tuple[Path, Path]:
    cert, key = workdir / "cert.pem", workdir / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", f"/CN={LOOPBACK}", "-addext", f"subjectAltName=IP:{LOOPBACK}",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_front(kamailio: Kamailio, tmp_path: Path) -> Iterator[TlsFront]:
    """TLS listener on a free port that forwards to Kamailio's TCP listener."""
    workdir = tmp_path / "stunnel"
    workdir.mkdir()
    cert, key = _self_signed(workdir)
    port = free_port()
    conf = workdir / "stunnel.conf"
    conf.write_text(
        f"foreground = yes\npid =\ndebug = 4\n[sip]\naccept = {LOOPBACK}:{port}\n"
        f"connect = {LOOPBACK}:{kamailio.port}\ncert = {cert}\nkey = {key}\n"
    )
    exe = shutil.which("stunnel4") or shutil.which("stunnel") or "stunnel4"
    proc = subprocess.Popen([exe, str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex((LOOPBACK, port)) == 0:
                break
        time.sleep(0.05)
    yield TlsFront(port, cert, proc)
    proc.terminate()
    proc.wait(5)
