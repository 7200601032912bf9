"""The demo's simulated callee, headless: one SipEngine on loopback holds the caller's account
(headset = a recording FileDevice) and the DemoCallee's account. Dialling the callee must give
CONFIRMED, the greeting must come through the real headset bridge into the recording, and a
DTMF key must make the callee play its confirmation prompt. No display, no Qt event loop.
"""

from __future__ import annotations

import csv
import queue
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from softphone.audio.files import FileDevice, load_wav, read_wav
from softphone.demo import DemoCallee, prompt_for_digit, sounds_dir
from softphone.demo_server import DemoServer, start_demo_server
from softphone.sip.engine import SipEngine
from softphone.sip.events import (
    CallState,
    CallStateChanged,
    DtmfReceived,
    Event,
)
from softphone.sip.spec import AccountSpec, EndpointSpec

RATE = 16000


class Harness:
    def __init__(self, engine: SipEngine, events: queue.Queue[Event], callee: DemoCallee):
        self.engine, self.events, self.callee = engine, events, callee
        self.seen: list[Event] = []

    def wait_for(self, match: Callable[[Event], bool], timeout: float = 10.0) -> Event:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=0.1)
            except queue.Empty:
                continue
            self.seen.append(event)
            if match(event):
                return event
        raise AssertionError(f"timed out; saw {[e.to_dict() for e in self.seen][-10:]}")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[Harness, Path]]:
    heard = tmp_path / "heard.wav"
    spec = EndpointSpec(bind_address="127.0.0.1", udp_port=0, tcp_port=None)
    engine = SipEngine(spec, audio_device=FileDevice(record=heard))
    events: queue.Queue[Event] = queue.Queue()
    engine.add_listener(events.put)
    engine.start()
    try:
        callee = DemoCallee(engine)
        callee.start()
        yield Harness(engine, events, callee), heard
    finally:
        engine.stop()


def state_is(call_id: int, state: CallState) -> Callable[[Event], bool]:
    def match(event: Event) -> bool:
        return (
            isinstance(event, CallStateChanged)
            and event.call_id == call_id
            and event.state is state
        )

    return match


def envelope(samples: np.ndarray, hop: int = 800) -> np.ndarray:
    """RMS per 50 ms block."""
    n = len(samples) // hop
    blocks = samples[: n * hop].astype(float).reshape(n, hop)
    return np.sqrt((blocks**2).mean(axis=1))


def best_alignment(recorded: np.ndarray, reference: np.ndarray) -> float:
    """Peak normalised correlation of the reference's envelope inside the recording's."""
    rec, ref = envelope(recorded), envelope(reference)
    ref = (ref - ref.mean()) / (ref.std() or 1.0)
    best = -1.0
    for start in range(0, max(1, len(rec) - len(ref) + 1)):
        window = rec[start : start + len(ref)]
        if len(window) < len(ref):
            break
        w = (window - window.mean()) / (window.std() or 1.0)
        best = max(best, float((w * ref).mean()))
    return best


def test_demo_callee_answers_greets_and_acknowledges_dtmf(demo) -> None:
    harness, heard = demo
    engine, callee = harness.engine, harness.callee
    caller = engine.add_account(AccountSpec(user="agent", domain="127.0.0.1"))
    call_id = engine.make_call(caller, callee.uri())
    harness.wait_for(state_is(call_id, CallState.CONFIRMED))
    time.sleep(4.0)  # the first seconds of the greeting (Hindi part)

    engine.send_dtmf(call_id, "1")
    harness.wait_for(lambda e: isinstance(e, DtmfReceived) and e.digit == "1")
    deadline = time.monotonic() + 5
    while not any(r.what == "dtmf" for r in callee.reactions()) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(4.5)  # the whole "you pressed one" prompt (3.4 s)
    engine.hangup(call_id)
    harness.wait_for(state_is(call_id, CallState.DISCONNECTED))
    engine.stop()
    engine.audio_device.close()  # finishes the WAV header

    reactions = callee.reactions()
    assert [r.what for r in reactions] == ["answered", "dtmf"], reactions
    assert reactions[1].digit == "1"
    assert reactions[1].prompt.endswith("dtmf_1.wav")

    samples, rate = read_wav(heard)
    assert rate == RATE
    assert len(samples) > 6 * RATE, "recording shorter than the call"
    loud = envelope(samples) > 300.0  # int16 RMS; silence/comfort noise stays far below
    assert loud.mean() > 0.3, "the greeting did not come through the headset bridge"
    greeting = load_wav(sounds_dir() / "greeting.wav", RATE)[: 4 * RATE]
    assert best_alignment(samples[: 6 * RATE], greeting) > 0.8
    # The whole prompt's envelope matches the greeting at best ~0.55, itself ~0.9+.
    prompt = load_wav(prompt_for_digit("1"), RATE)
    assert best_alignment(samples[3 * RATE :], prompt) > 0.8, "no prompt after the key press"


def test_prompt_files_exist_for_every_dtmf_key() -> None:
    assert (sounds_dir() / "greeting.wav").is_file()
    for key in "0123456789*#ABCD":
        path = prompt_for_digit(key)
        assert path is not None and path.is_file(), key
    assert prompt_for_digit("x") is None


def test_sampark_demo_window_dials_the_callee(qtbot, tmp_path: Path) -> None:
    """``sampark demo`` as the launcher builds it (offscreen): the number field holds the
    callee's URI, the Dial action reaches CONFIRMED and the greeting reaches the headset."""
    from softphone import config
    from ui import launcher

    heard = tmp_path / "window-heard.wav"
    parts = launcher.build_demo(config.load({"audio_backend": "null"}))
    try:
        qtbot.addWidget(parts.window)
        parts.engine.set_audio_device(FileDevice(record=heard))
        assert parts.callee is not None
        assert parts.window.dial_panel.number() == parts.callee.uri()
        qtbot.waitUntil(parts.phone.can_dial, timeout=5000)
        parts.window.actions.trigger("dial")
        qtbot.waitUntil(parts.phone.talking, timeout=10000)
        qtbot.wait(2500)
        parts.window.actions.trigger("hangup")
        qtbot.waitUntil(lambda: parts.phone.call is None, timeout=10000)
        assert [r.what for r in parts.callee.reactions()] == ["answered"]
    finally:
        parts.shutdown()
    samples, _rate = read_wav(heard)
    assert (envelope(samples) > 300.0).mean() > 0.3, "greeting not heard in the window demo"


def test_sampark_demo_headless_proves_the_greeting_path(tmp_path: Path) -> None:
    """``sampark demo --headless --call-only --record``: the plain call, no server."""
    import json
    import subprocess
    import sys

    heard = tmp_path / "heard.wav"
    cmd = [sys.executable, "-m", "ui.launcher", "demo", "--headless", "--call-only", "--json"]
    cmd += ["--record", str(heard), "--duration", "7", "--dtmf", "5", "--dtmf-delay", "3"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 0, (events, proc.stderr[-2000:])
    summary = events[-1]
    assert summary["event"] == "summary" and summary["answered"] is True
    assert summary["heard_share"] > 0.3
    assert [(r["what"], r["digit"]) for r in summary["callee"]] == [("answered", ""), ("dtmf", "5")]


# -- the embedded demo server and the whole headless workflow ------------------------------


@pytest.fixture
def demo_server() -> Iterator[DemoServer]:
    server = start_demo_server()
    try:
        yield server
    finally:
        server.stop()


def test_demo_server_starts_logs_in_and_leases(demo_server: DemoServer) -> None:
    """The real server app on a temporary SQLite file: the demo caller logs in through the
    real SyncClient, gets a SIP identity and the demo campaign (open all day), leases contacts
    with Hindi/English scripts; ``stop()`` deletes the database."""
    import requests

    from softphone.sync.client import SyncClient

    assert demo_server.startup_seconds < 10, demo_server.startup_seconds
    with requests.Session() as http:
        client = SyncClient(demo_server.url, http)
        login = client.login(demo_server.caller_username, demo_server.caller_password)
        assert login.sip is not None and login.sip.domain == demo_server.sip_domain
        assert login.campaign is not None and login.campaign.id == demo_server.campaign_id
        window = login.campaign.calling_window
        assert (window.start, window.end) == ("00:00", "24:00")
        scripts = {s.language: s for s in client.scripts(demo_server.campaign_id)}
        assert set(scripts) == {"hi", "en"}
        assert "{{name}}" in scripts["hi"].sections[0].text and scripts["hi"].questions
        leased = client.lease(demo_server.campaign_id, 50)
        assert leased.refused_reason is None
        contacts = [lease.contact for lease in leased.leases]
        assert len(contacts) == 12
        assert {c.language for c in contacts} == {"hi", "en"}
        assert all(p.startswith("+91") for c in contacts for p in c.phones)
        demo_server.set_sip_domain("127.0.0.1:5999")
        again = client.login("caller2", demo_server.other_callers["caller2"])
        assert again.sip is not None and again.sip.domain == "127.0.0.1:5999"
        supervisor = client.login(demo_server.supervisor_username, demo_server.supervisor_password)
        assert supervisor.user.role == "supervisor"
    path = demo_server.database_path
    assert path.exists()
    demo_server.stop()
    assert not path.exists() and not path.parent.exists()


def test_demo_server_in_a_data_dir_keeps_its_data(tmp_path: Path) -> None:
    import requests

    first = start_demo_server(tmp_path)
    try:
        campaign = first.campaign_id
        with requests.Session() as http:
            token = _login(http, first)
            reply = http.post(
                f"{first.api_url}/leases",
                json={"campaign_id": campaign, "count": 2},
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            assert len(reply.json()["leases"]) == 2
    finally:
        first.stop()
    assert first.database_path.exists()
    second = start_demo_server(tmp_path)
    try:
        assert second.campaign_id == campaign
        assert second.caller_password != first.caller_password
        with requests.Session() as http:
            _login(http, second)  # the refreshed password works
    finally:
        second.stop()


def _login(http: Any, server: DemoServer) -> str:
    reply = http.post(
        f"{server.api_url}/login",
        json={"username": server.caller_username, "password": server.caller_password},
        timeout=10,
    )
    assert reply.status_code == 200, reply.text
    return str(reply.json()["token"])


def test_demo_callee_answers_a_contact_number(demo) -> None:
    """A contact's E.164 number completed with the callee's ``dial_domain`` reaches the
    callee, even from a caller account in the same domain (the callee was created first)."""
    from softphone.phone import to_sip_uri
    from softphone.sip.events import IncomingCall

    harness, _heard = demo
    engine, callee = harness.engine, harness.callee
    caller = engine.add_account(AccountSpec(user="caller1", domain=callee.dial_domain()))
    uri = to_sip_uri("+91 90000 10001", callee.dial_domain())
    assert uri == f"sip:+919000010001@{callee.dial_domain()}"
    call_id = engine.make_call(caller, uri)
    incoming = harness.wait_for(lambda e: isinstance(e, IncomingCall))
    assert isinstance(incoming, IncomingCall) and incoming.account_id == callee.account_id
    harness.wait_for(state_is(call_id, CallState.CONFIRMED))
    deadline = time.monotonic() + 5
    while not callee.reactions() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [r.what for r in callee.reactions()] == ["answered"]
    engine.hangup(call_id)
    harness.wait_for(state_is(call_id, CallState.DISCONNECTED))


def test_sampark_demo_headless_runs_the_whole_workflow(tmp_path: Path, qapp: Any) -> None:
    """``sampark demo --headless`` (the real CallerWorkflow, SyncWorker, journal and engine):
    login, lease, script, call the contact's number (the callee answers, the key is confirmed,
    the greeting is heard), outcome saved and synced, logout; the server (kept by the test)
    holds the outcome exactly once."""
    import argparse
    import io
    import json

    import requests

    from softphone import cli, config
    from softphone.demo_workflow import run_workflow

    heard = tmp_path / "heard.wav"
    args = argparse.Namespace(
        record=heard, duration=4.0, dtmf="5", dtmf_delay=1.5, timeout=10.0, json=True
    )
    out = io.StringIO()
    server = start_demo_server()
    try:
        code = run_workflow(
            args, config.load({"audio_backend": "null"}), cli.Reporter(True, out), server=server
        )
        events = [json.loads(line) for line in out.getvalue().splitlines()]
        summary = events[-1]
        assert code == 0, events
        steps = [e["step"] for e in events if e["event"] == "demo_step"]
        for step in (
            "sip",
            "server",
            "login",
            "contact",
            "script",
            "dial",
            "outcome",
            "sync",
            "call",
            "dtmf",
            "wrap_up",
            "confirmed",
            "logout",
            "done",
        ):
            assert step in steps, steps
        flow = summary["workflow"]
        assert summary["answered"] is True and summary["heard_share"] > 0.3
        assert [(r["what"], r["digit"]) for r in summary["callee"]] == [
            ("answered", ""),
            ("dtmf", "5"),
        ]
        assert flow["synced"] and flow["stored_times"] == 1 and flow["report_total"] == 1
        assert flow["logged_out"] and summary["dtmf_sent"] == "5"
        script = [e for e in events if e["event"] == "demo_step" and e["step"] == "script"]
        assert script[0]["language"] == flow["script_language"]
        # The server's own word, after the run: the outcome is there exactly once.
        with requests.Session() as http:
            reply = http.post(
                f"{server.api_url}/login",
                json={
                    "username": server.supervisor_username,
                    "password": server.supervisor_password,
                },
                timeout=10,
            )
            http.headers["Authorization"] = f"Bearer {reply.json()['token']}"
            text = http.get(
                f"{server.api_url}/reports/outcomes.csv",
                params={"campaign_id": server.campaign_id},
                timeout=10,
            ).text
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [r["uuid"] for r in rows] == [flow["outcome_uuid"]]
        assert rows[0]["disposition"] == "completed"
        assert rows[0]["phone"].lstrip("'") == flow["contact"]["phone"]  # "+" is CSV-escaped
        assert rows[0]["caller"] == server.caller_username
    finally:
        server.stop()


def test_sampark_demo_headless_command_prints_each_step(tmp_path: Path) -> None:
    """What ``make demo`` shows without a display: human-readable progress, exit 0."""
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "ui.launcher", "demo", "--headless"]
    cmd += ["--record", str(tmp_path / "heard.wav"), "--duration", "3", "--dtmf-delay", "1"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    out = proc.stdout
    assert proc.returncode == 0, (out, proc.stderr[-3000:])
    for text in (
        "simulated callee ready",
        "embedded server at http://127.0.0.1:",
        "logged in as",
        "next contact:",
        "script “",
        "call confirmed 200 OK",
        "pressed 1",
        "outcome saved in the journal",
        "stored 1×; report total 1 (completed 1)",
        "demo complete",
    ):
        assert text in out, (text, out)


def test_sampark_demo_headless_fails_when_the_server_is_gone(qapp: Any, tmp_path: Path) -> None:
    """A step that does not happen is a failure with a sentence, never exit 0."""
    import argparse
    import io
    import json

    from softphone import cli, config
    from softphone.demo_workflow import run_workflow

    server = start_demo_server(tmp_path)
    server.stop()  # gone before the demo logs in (its database stays in tmp_path)
    args = argparse.Namespace(
        record=None, duration=1.0, dtmf="1", dtmf_delay=0.5, timeout=5.0, json=True
    )
    out = io.StringIO()
    code = run_workflow(
        args, config.load({"audio_backend": "null"}), cli.Reporter(True, out), server=server
    )
    summary = json.loads(out.getvalue().splitlines()[-1])
    assert code == cli.EXIT_CHECK_FAILED
    assert summary["failure"].startswith("login failed"), summary
    assert summary["answered"] is False and summary["workflow"]["stored_times"] == 0
