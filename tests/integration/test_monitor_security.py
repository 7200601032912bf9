"""Monitor security, end to end with real parties (docs/monitoring.md, issue 4 "Security").

The caller (this process) is in a call with a remote party; a supervisor engine (subprocess,
through Kamailio) tries to open it. Each bad attempt must be refused with 403 seen by the
supervisor, logged, reported as MonitorRefused, never reach the app as IncomingCall, and
leave the caller's call CONFIRMED, un-reINVITEd, with RTP still flowing both ways.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from monitor_rig import HEADER, MonitorRig
from siptest import wait_until

from server.security import b64url
from softphone.sip.events import (
    CallState,
    CallStateChanged,
    IncomingCall,
    MediaStats,
    MonitorEnded,
    MonitorMode,
    MonitorModeChanged,
    MonitorRefused,
    MonitorStarted,
)

pytestmark = [pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MonitorRig]:
    r = MonitorRig(tmp_path_factory.mktemp("monitor-sec"))
    try:
        r.start()
        r.call_remote()
        yield r
    finally:
        r.stop()


def crafted(key: Ed25519PrivateKey, agent: int, mode: str = "listen", age: int = 0) -> str:
    now = int(datetime.now(UTC).timestamp()) - age
    claims = {"sup": 1, "agt": agent, "mode": mode, "iat": now, "exp": now + 60,
              "jti": f"crafted-{time.monotonic_ns()}"}  # fmt: skip
    head = b64url(json.dumps(claims, sort_keys=True).encode())
    return f"{head}.{b64url(key.sign(head.encode()))}"


def media_count(rig: MonitorRig, since: float) -> int:
    return len([e for e in rig.events.of(MediaStats, call_id=rig.call_id) if e.ts > since])


def assert_call_untouched(rig: MonitorRig, since: float) -> None:
    """The caller's call: no state change since ``since`` (no re-INVITE, no hangup), still
    CONFIRMED, and RTP still flowing both ways (both sides' counters keep growing)."""
    assert rig.caller is not None and rig.device is not None and rig.remote is not None
    assert rig.call_id in rig.caller.active_call_ids()
    changed = [e for e in rig.events.of(CallStateChanged, call_id=rig.call_id) if e.ts > since]
    assert changed == [], changed
    assert not [e for e in rig.events.of(IncomingCall) if e.ts > since]
    remote_changes = [
        e for e in rig.remote.events
        if e["event"] == "call_state" and e["call_id"] == rig.remote_call and e["ts"] > since
    ]  # fmt: skip
    assert remote_changes == [], remote_changes  # the remote saw no re-INVITE either
    assert rig.caller._core.calls[rig.call_id].state is CallState.CONFIRMED  # type: ignore[union-attr]
    frames, rx = rig.device.stats.frames_in, rig.remote.rx_packets(rig.remote_call)
    rig.events.wait_for(
        lambda e: isinstance(e, MediaStats) and e.call_id == rig.call_id and e.ts > since
        and e.rx_packets > 0, 5,
    )  # fmt: skip
    rig.remote.wait(lambda: rig.remote.rx_packets(rig.remote_call) > rx, 5, "remote RTP")  # type: ignore[union-attr]
    wait_until(lambda: rig.device.stats.frames_in > frames + 25, 3, "caller hears")  # type: ignore[union-attr]


def attempt_refused(rig: MonitorRig, token: str, reason: str, caplog) -> None:
    assert rig.sup is not None
    since = time.time()
    with caplog.at_level(logging.WARNING, logger="sampark"):
        sid, _ = rig.sup.call(rig.alice_uri, {HEADER: token})
        end = rig.sup.call_state(sid, "disconnected")
        refusal = rig.events.wait_for(lambda e: isinstance(e, MonitorRefused) and e.ts > since, 5)
    assert end["code"] == 403, end
    assert isinstance(refusal, MonitorRefused) and refusal.reason == reason, refusal
    assert refusal.call_id is None and "bob" in refusal.remote_uri
    assert any(reason in r.getMessage() and "refused" in r.getMessage() for r in caplog.records)
    assert token not in caplog.text or token == ""  # grants are never logged
    assert rig.caller is not None and rig.caller.monitor_call_ids() == []
    assert_call_untouched(rig, since)


def test_header_present_but_empty(rig: MonitorRig, caplog) -> None:
    attempt_refused(rig, "", "missing", caplog)


def test_bad_signature(rig: MonitorRig, caplog) -> None:
    head, sig = rig.grant("listen").split(".")
    forged = crafted(Ed25519PrivateKey.generate(), rig.agent_id, "barge").split(".")[0]
    attempt_refused(rig, f"{forged}.{sig}", "bad_signature", caplog)
    attempt_refused(rig, f"{head}.{sig[::-1]}", "bad_signature", caplog)


def test_another_agents_grant(rig: MonitorRig, caplog) -> None:
    attempt_refused(rig, rig.grant("listen", rig.other_agent_id), "wrong_agent", caplog)


def test_expired_grant_beyond_skew(rig: MonitorRig, caplog) -> None:
    token = crafted(rig.signing_key(), rig.agent_id, age=60 + 31 + 5)
    attempt_refused(rig, token, "expired", caplog)


def test_grant_signed_by_a_different_key(rig: MonitorRig, caplog) -> None:
    token = crafted(Ed25519PrivateKey.generate(), rig.agent_id)
    attempt_refused(rig, token, "bad_signature", caplog)


def test_no_gate_on_the_account_refuses_even_a_real_grant(rig: MonitorRig, caplog) -> None:
    assert rig.caller is not None
    gate = rig.caller._core.monitor.gates[rig.alice]  # type: ignore[union-attr]
    rig.caller.set_monitor_gate(rig.alice, None)
    try:
        attempt_refused(rig, rig.grant("listen"), "monitoring_disabled", caplog)
    finally:
        rig.caller.set_monitor_gate(rig.alice, gate)


def test_header_absent_is_a_normal_incoming_call(rig: MonitorRig) -> None:
    """No X-Sampark-Monitor: today's behaviour (IncomingCall, ringing), even mid-call."""
    assert rig.sup is not None and rig.caller is not None
    since = time.time()
    sid, _ = rig.sup.call(rig.alice_uri)
    incoming = rig.events.wait_for(lambda e: isinstance(e, IncomingCall) and e.ts > since, 10)
    assert isinstance(incoming, IncomingCall)
    rig.sup.find(lambda e: e["event"] == "call_state" and e["call_id"] == sid
                 and e["state"] == "early")  # fmt: skip
    rig.caller.reject(incoming.call_id, 486)
    assert rig.sup.call_state(sid, "disconnected")["code"] == 486
    assert rig.call_id in rig.caller.active_call_ids()


def start_session(rig: MonitorRig, mode: str = "listen") -> tuple[int, int, str]:
    """A real grant from the server; returns (supervisor call id, caller's monitor call id,
    the token)."""
    assert rig.sup is not None
    since = time.time()
    token = rig.grant(mode)
    sid, _ = rig.sup.call(rig.alice_uri, {HEADER: token})
    rig.sup.call_state(sid, "confirmed")
    started = rig.events.wait_for(lambda e: isinstance(e, MonitorStarted) and e.ts > since, 5)
    assert isinstance(started, MonitorStarted)
    assert started.monitored_call_id == rig.call_id and started.mode is MonitorMode(mode)
    assert started.supervisor_id == rig.world.user_ids[rig.world.supervisor]  # type: ignore[union-attr]
    return sid, started.call_id, token


def end_session(rig: MonitorRig, sid: int, mid: int) -> None:
    assert rig.sup is not None
    rig.sup.send(cmd="hangup", call=sid)
    rig.sup.call_state(sid, "disconnected")
    rig.events.wait_for(lambda e: isinstance(e, MonitorEnded) and e.call_id == mid, 5)


def test_replayed_jti(rig: MonitorRig, caplog) -> None:
    since = time.time()
    sid, mid, token = start_session(rig)
    assert not [e for e in rig.events.of(IncomingCall) if e.ts > since]  # silent answer
    assert not [e for e in rig.events.of(CallStateChanged, call_id=mid)]  # hidden call
    end_session(rig, sid, mid)
    assert_call_untouched(rig, since)  # monitoring ended: the caller's call goes on
    attempt_refused(rig, token, "replayed", caplog)


def info_refused(rig: MonitorRig, sid: int, mid: int, reason: str, **info) -> None:
    assert rig.sup is not None and rig.caller is not None
    since, seen = time.time(), len(rig.sup.events)
    rig.sup.send(cmd="info", call=sid, **info)
    refusal = rig.events.wait_for(lambda e: isinstance(e, MonitorRefused) and e.ts > since, 5)
    assert isinstance(refusal, MonitorRefused)
    assert (refusal.reason, refusal.call_id) == (reason, mid)
    told = rig.sup.find(lambda e: e["event"] == "monitor_refused" and e["ts"] > since)
    assert told["reason"] == reason and rig.sup.events.index(told) >= seen
    assert rig.caller._core.monitor.sessions[mid].mode is MonitorMode.LISTEN  # type: ignore[union-attr]
    assert not [e for e in rig.events.of(MonitorModeChanged) if e.ts > since]


def test_info_mode_change_needs_a_fresh_matching_grant(rig: MonitorRig, caplog) -> None:
    assert rig.sup is not None
    since = time.time()
    sid, mid, listen_token = start_session(rig, "listen")
    with caplog.at_level(logging.WARNING, logger="sampark"):
        info_refused(rig, sid, mid, "missing", body="mode=barge")
        info_refused(rig, sid, mid, "replayed", headers={HEADER: listen_token}, body="mode=barge")
        new_listen = rig.grant("listen")
        info_refused(rig, sid, mid, "mode_not_granted", headers={HEADER: new_listen},
                     body="mode=barge")  # fmt: skip
        forged = crafted(Ed25519PrivateKey.generate(), rig.agent_id, "barge")
        info_refused(rig, sid, mid, "bad_signature", headers={HEADER: forged})
    assert "mode change" in caplog.text
    # a fresh barge grant does switch, without redialling
    t = time.time()
    rig.sup.send(cmd="info", call=sid, headers={HEADER: rig.grant("barge")}, body="mode=barge")
    changed = rig.events.wait_for(lambda e: isinstance(e, MonitorModeChanged) and e.ts > t, 5)
    assert isinstance(changed, MonitorModeChanged) and changed.mode is MonitorMode.BARGE
    assert rig.sup.find(lambda e: e["event"] == "monitor_mode" and e["ts"] > t)["mode"] == "barge"
    end_session(rig, sid, mid)
    assert_call_untouched(rig, since)


def test_caller_call_end_hangs_up_monitor_then_nothing_to_monitor(rig: MonitorRig, caplog) -> None:
    """Last in the module: it ends the caller's call."""
    assert rig.sup is not None and rig.caller is not None
    sid, mid, _ = start_session(rig, "whisper")
    rig.caller.hangup(rig.call_id)
    rig.events.wait_call(rig.call_id, CallState.DISCONNECTED)
    rig.sup.call_state(sid, "disconnected")
    ended = rig.events.wait_for(lambda e: isinstance(e, MonitorEnded) and e.call_id == mid, 5)
    assert isinstance(ended, MonitorEnded)
    wait_until(lambda: rig.caller.monitor_call_ids() == [], 3, "monitor call gone")  # type: ignore[union-attr]
    since = time.time()
    sid2, _ = rig.sup.call(rig.alice_uri, {HEADER: rig.grant("listen")})
    assert rig.sup.call_state(sid2, "disconnected")["code"] == 403
    refusal = rig.events.wait_for(lambda e: isinstance(e, MonitorRefused) and e.ts > since, 5)
    assert refusal.reason == "nothing_to_monitor"  # type: ignore[attr-defined]
