"""The caller's "supervisor is listening" indicator, end to end: the caller's real engine (in
this process, in a call, with the real grant gate) is monitored by a supervisor softphone in a
subprocess (tests/integration/monitor_peer.py) using real grants from the real server. The
indicator follows listen → whisper → end; with the centre policy off it never shows."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from netports import free_rtp_base

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from server_live import Live

from softphone.monitor.grants import GrantVerifier, MemoryJtiStore, grant_gate
from softphone.sip.events import CallState, MonitorMode
from ui.monitor_indicator import MonitorIndicator

PEER = Path(__file__).resolve().parents[1] / "integration" / "monitor_peer.py"


def now() -> datetime:
    return datetime.now(UTC)


class Supervisor:
    """monitor_peer.py as the supervisor's softphone (no registrar, dials directly)."""

    def __init__(self) -> None:
        cmd = [sys.executable, str(PEER), "--user", "sup", "--domain", "127.0.0.1",
               "--tone", "1500", "--rtp-port", str(free_rtp_base())]  # fmt: skip
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)  # fmt: skip
        self.calls: list[int] = []
        self.ready = threading.Event()
        self._cv = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        assert self.ready.wait(20), "supervisor peer did not start"

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            kind, _, rest = line.partition(" ")
            if kind == "READY":
                self.ready.set()
            elif kind == "CALL":
                with self._cv:
                    self.calls.append(json.loads(rest)["call"])
                    self._cv.notify_all()

    def send(self, **cmd) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def call(self, uri: str, token: str) -> int:
        self.send(cmd="call", uri=uri, headers={"X-Sampark-Monitor": token})
        with self._cv:
            assert self._cv.wait_for(lambda: self.calls, 10)
        return self.calls[0]

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def grants(tmp_path: Path) -> Iterator[tuple]:
    with Live.running(f"sqlite:///{tmp_path / 'server.db'}") as live:
        world = live.setup(contacts=0, callers=1)
        sup = live.login(world.supervisor)
        agent = world.user_ids[world.callers[0]]

        def grant(mode: str) -> str:
            reply = sup.post("/monitor-grants", json={"agent_id": agent, "mode": mode})
            assert reply.status_code == 201, reply.text
            return str(reply.json()["token"])

        yield grant, sup.login_reply["server_public_key"], agent  # type: ignore[attr-defined]


def test_indicator_follows_a_real_monitoring_session(qtbot, line, grants) -> None:
    grant, public_key, agent = grants
    verifier = GrantVerifier(public_key, agent, now=now, jti_store=MemoryJtiStore(now))
    line.engine.set_monitor_gate(line.agent, grant_gate(verifier))
    shown, hidden = MonitorIndicator(show=True), MonitorIndicator(show=False)
    for indicator in (shown, hidden):
        qtbot.addWidget(indicator)
        line.engine.event_emitted.connect(indicator.on_event)
    assert not shown.isVisibleTo(None) and shown.mode is None
    states: list[tuple[int, CallState]] = []
    line.engine.call_state_changed.connect(lambda e: states.append((e.call_id, e.state)))
    own = line.engine.make_call(line.agent, f"sip:2002@{line.domain}")
    qtbot.waitUntil(lambda: (own, CallState.CONFIRMED) in states, timeout=5000)
    sup = Supervisor()
    try:
        call = sup.call(f"sip:agent@{line.domain}", grant("listen"))
        qtbot.waitUntil(lambda: shown.mode is MonitorMode.LISTEN, timeout=10000)
        assert shown.isVisibleTo(None) and "Supervisor is listening" in shown.text()
        assert hidden.mode is MonitorMode.LISTEN and not hidden.isVisibleTo(None)
        sup.send(cmd="info", call=call, headers={"X-Sampark-Monitor": grant("whisper")},
                 body="mode=whisper")  # fmt: skip
        qtbot.waitUntil(lambda: shown.mode is MonitorMode.WHISPER, timeout=10000)
        assert "can talk to you" in shown.text()
        sup.send(cmd="hangup", call=call)
        qtbot.waitUntil(lambda: shown.mode is None, timeout=10000)
        assert not shown.isVisibleTo(None) and not hidden.isVisibleTo(None)
        hidden.set_policy(True)  # the policy alone never shows it without a session
        assert not hidden.isVisibleTo(None)
    finally:
        sup.close()
        line.engine.hangup(own)
