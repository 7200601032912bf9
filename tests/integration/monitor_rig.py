"""Three real parties for the monitoring tests and bench (docs/monitoring.md).

* the **caller**: a ``SipEngine`` in this process, headset = ``ToneDevice(CALLER_HZ)``; account
  ``alice`` registered at Kamailio (monitor calls arrive there, gate = real ``GrantVerifier``)
  and a second, local account (no registrar) for its call with the remote party — so the
  monitor call and the monitored call are on different accounts;
* the **remote** party: ``monitor_peer.py`` in a subprocess (tone REMOTE_HZ, auto-answer),
  called directly by the caller;
* the **supervisor**: ``monitor_peer.py`` registered as ``bob`` at Kamailio (tone SUP_HZ),
  dialling ``sip:alice@kamailio`` with ``X-Sampark-Monitor: <grant>``;
* the real central server (uvicorn thread, SQLite) issuing real grants.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from netports import LOOPBACK, free_port, free_rtp_base
from siptest import TEST_PASSWORDS, EventLog, Kamailio, make_engine

from server.app import create_app
from softphone.audio.files import ToneDevice
from softphone.monitor.grants import GrantVerifier, MemoryJtiStore, grant_gate
from softphone.sip.engine import SipEngine
from softphone.sip.events import CallState, RegState, Transport
from softphone.sip.spec import AccountSpec

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from server_live import Live, UvicornThread, World

PEER = Path(__file__).resolve().parent / "monitor_peer.py"
REMOTE_HZ, CALLER_HZ, SUP_HZ = 600.0, 1000.0, 1500.0
HEADER = "X-Sampark-Monitor"


class PeerProc:
    """A ``monitor_peer.py`` subprocess: send commands, wait for its printed events."""

    def __init__(self, *args: str, password: str = "") -> None:
        env = {**os.environ, "SIP_PEER_PASSWORD": password}
        cmd = [sys.executable, str(PEER), "--rtp-port", str(free_rtp_base()), *args]
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, env=env,
        )  # fmt: skip
        self.events: list[dict] = []
        self.calls: list[dict] = []
        self.heard: list[float] = []  # --detect: monotonic times the tone was first heard
        self.ports: dict[str, int] = {}
        self._cv = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        self.wait(lambda: bool(self.ports), 20, "peer ready")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            kind, _, rest = line.partition(" ")
            with self._cv:
                if kind == "EVENT":
                    self.events.append({**json.loads(rest), "rx_at": time.monotonic()})
                elif kind == "CALL":
                    self.calls.append(json.loads(rest))
                elif kind == "HEARD":
                    self.heard.append(json.loads(rest)["t"])
                elif kind == "READY":
                    self.ports = json.loads(rest)
                self._cv.notify_all()

    def wait(self, cond: Any, timeout: float = 15.0, what: str = "peer condition") -> None:
        with self._cv:
            if not self._cv.wait_for(cond, timeout):
                raise AssertionError(f"timed out waiting for {what}; events: {self.events[-30:]}")

    def find(self, pred: Any, timeout: float = 15.0) -> dict:
        found: list[dict] = []

        def cond() -> bool:
            found[:] = [e for e in self.events if pred(e)]
            return bool(found)

        self.wait(cond, timeout, "peer event")
        return found[0]

    def send(self, **cmd: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def call(self, uri: str, headers: dict[str, str] | None = None) -> tuple[int, float]:
        """Place a call; returns (peer call id, the peer's monotonic time of the dial)."""
        n = len(self.calls)
        self.send(cmd="call", uri=uri, headers=headers or {})
        self.wait(lambda: len(self.calls) > n, 10, "call id")
        return self.calls[n]["call"], self.calls[n]["t0"]

    def call_state(self, call_id: int, state: str, timeout: float = 15.0) -> dict:
        return self.find(
            lambda e: e["event"] == "call_state" and e["call_id"] == call_id
            and e["state"] == state,
            timeout,
        )  # fmt: skip

    def rx_packets(self, call_id: int) -> int:
        stats = [e for e in self.events if e["event"] == "media_stats" and e["call_id"] == call_id]
        return stats[-1]["rx_packets"] if stats else 0

    def close(self) -> None:
        if self.proc.poll() is None and self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@dataclass
class MonitorRig:
    workdir: Path
    kam: Kamailio | None = None
    live: Live | None = None
    server: UvicornThread | None = None
    world: World | None = None
    sup_http: httpx.Client | None = None
    public_key: str = ""
    events: EventLog = field(default_factory=EventLog)
    caller: SipEngine | None = None
    device: ToneDevice | None = None
    alice: int = 0
    local: int = 0
    remote: PeerProc | None = None
    sup: PeerProc | None = None
    call_id: int = 0  # the caller's call with the remote party
    remote_call: int = 0  # the same call on the remote's side
    remote_transport: Transport = Transport.UDP  # the caller's own call
    alice_transport: Transport = Transport.UDP  # the caller's Kamailio account (monitor calls)

    @property
    def agent_id(self) -> int:
        assert self.world is not None
        return self.world.user_ids[self.world.callers[0]]

    @property
    def other_agent_id(self) -> int:
        assert self.world is not None
        return self.world.user_ids[self.world.callers[1]]

    @property
    def alice_uri(self) -> str:
        assert self.kam is not None
        return f"sip:alice@{self.kam.domain}"

    def start(self) -> MonitorRig:
        kam_dir = self.workdir / "kamailio"
        kam_dir.mkdir(parents=True, exist_ok=True)
        self.kam = Kamailio(free_port(), kam_dir)
        self.kam.start()
        app = create_app(f"sqlite:///{self.workdir / 'server.db'}")
        self.server = UvicornThread(app).start()
        self.live = Live(app, self.server)
        self.world = self.live.setup(contacts=0, callers=2)
        caller_http = self.live.login(self.world.callers[0])
        self.public_key = caller_http.login_reply["server_public_key"]  # type: ignore[attr-defined]
        self.sup_http = self.live.login(self.world.supervisor)
        self._start_caller()
        tcp = ["--tcp"] if self.remote_transport is Transport.TCP else []
        self.remote = PeerProc("--user", "remote", "--domain", LOOPBACK, "--tone",
                               str(REMOTE_HZ), "--answer", *tcp)  # fmt: skip
        self.sup = PeerProc(
            "--user", "bob", "--domain", self.kam.domain, "--registrar",
            f"sip:{self.kam.domain}", "--tone", str(SUP_HZ), "--detect", str(CALLER_HZ),
            password=TEST_PASSWORDS["bob"],
        )  # fmt: skip
        self.sup.find(lambda e: e["event"] == "registration" and e["state"] == "registered")
        return self

    def _start_caller(self) -> None:
        assert self.kam is not None
        self.device = ToneDevice(CALLER_HZ, amplitude=0.3)
        tcp = 0 if Transport.TCP in (self.remote_transport, self.alice_transport) else None
        self.caller = make_engine(self.events, self.device, tcp_port=tcp)
        spec = AccountSpec(
            user="alice", domain=self.kam.domain, password=TEST_PASSWORDS["alice"],
            registrar=f"sip:{self.kam.domain}", retry_interval_s=2,
            transport=self.alice_transport,
        )  # fmt: skip
        self.alice = self.caller.add_account(spec)
        self.events.wait_reg(self.alice, RegState.REGISTERED)
        local = AccountSpec(user="caller", domain=LOOPBACK, transport=self.remote_transport)
        self.local = self.caller.add_account(local)
        verifier = GrantVerifier(
            self.public_key, self.agent_id, now=_now, jti_store=MemoryJtiStore(_now)
        )
        self.caller.set_monitor_gate(self.alice, grant_gate(verifier))

    def call_remote(self) -> int:
        """The caller's own call (local account, straight to the remote party), CONFIRMED."""
        assert self.caller is not None and self.remote is not None
        port = self.remote.ports[self.remote_transport.value]
        uri = f"sip:remote@{LOOPBACK}:{port}"
        self.call_id = self.caller.make_call(self.local, uri)
        self.events.wait_call(self.call_id, CallState.CONFIRMED)
        incoming = self.remote.find(
            lambda e: e["event"] == "call_state" and e["state"] == "confirmed"
            and e["call_id"] not in self._old_remote_calls(),
        )  # fmt: skip
        self.remote_call = incoming["call_id"]
        return self.call_id

    def _old_remote_calls(self) -> set[int]:
        assert self.remote is not None
        done = {e["call_id"] for e in self.remote.events if e.get("state") == "disconnected"}
        return done

    def grant(self, mode: str = "listen", agent_id: int | None = None) -> str:
        assert self.sup_http is not None
        reply = self.sup_http.post(
            "/monitor-grants", json={"agent_id": agent_id or self.agent_id, "mode": mode}
        )
        assert reply.status_code == 201, reply.text
        return str(reply.json()["token"])

    def signing_key(self) -> Any:
        assert self.live is not None
        return self.live.app.state.signing_key

    def stop(self) -> None:
        for peer in (self.sup, self.remote):
            if peer is not None:
                peer.close()
        if self.caller is not None:
            self.caller.stop()
        if self.live is not None:
            self.live.close()
        if self.server is not None:
            self.server.stop()
            self.live.app.state.engine.dispose()  # type: ignore[union-attr]
        if self.kam is not None:
            self.kam.stop()


def _now() -> datetime:
    return datetime.now(UTC)
