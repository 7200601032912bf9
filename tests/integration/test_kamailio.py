"""Registration and calls through a real Kamailio (registrar + proxy) on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from siptest import TEST_PASSWORDS, free_rtp_base, wait_until

from softphone.sip.events import (
    CallState,
    DtmfMethod,
    DtmfReceived,
    EngineError,
    IncomingCall,
    RegistrationChanged,
    RegState,
    Transport,
)
from softphone.sip.spec import AccountSpec

pytestmark = [pytest.mark.kamailio, pytest.mark.timeout(90)]
PEER = Path(__file__).with_name("sip_peer.py")


def account(kam, user: str, transport: Transport = Transport.UDP, **kw) -> AccountSpec:
    kw.setdefault("password", TEST_PASSWORDS[user])
    return AccountSpec(
        user=user,
        domain=kam.domain,
        transport=transport,
        **{"registrar": f"sip:{kam.domain}", "register_expires_s": 60, "retry_interval_s": 2, **kw},
    )


@pytest.mark.parametrize("transport", [Transport.UDP, Transport.TCP])
def test_register_with_digest_auth_then_unregister(engine, events, kamailio, transport):
    acc = engine.add_account(account(kamailio, "alice", transport))
    reg = events.wait_reg(acc, RegState.REGISTERED)
    assert (reg.code, reg.reason) == (200, "OK")
    assert reg.expires > 0
    engine.unregister(acc)
    unreg = events.wait_reg(acc, RegState.UNREGISTERED)
    assert unreg.code == 200


def test_wrong_password_is_reported(engine, events, kamailio):
    acc = engine.add_account(account(kamailio, "alice", password="not-the-password"))
    failed = events.wait_reg(acc, RegState.FAILED)
    assert (failed.code, failed.reason) == (403, "Wrong Password")
    assert not events.of(RegistrationChanged, account_id=acc, state=RegState.REGISTERED)


@pytest.mark.parametrize("transport", [Transport.TCP, Transport.UDP])
def test_reregisters_after_kamailio_restart(engine, events, kamailio, transport):
    """Registrar restarts (losing its in-memory bindings): the account registers again, and
    calls reach it through the new Kamailio."""
    spec = account(kamailio, "alice", transport, register_expires_s=10)
    acc = engine.add_account(spec)
    events.wait_reg(acc, RegState.REGISTERED)
    kamailio.stop()
    if transport is Transport.TCP:  # the connection drops: pjsip notices and retries
        events.wait_for(
            lambda e: isinstance(e, RegistrationChanged) and e.state is not RegState.REGISTERED,
            10,
        )
    time.sleep(0.5)
    restarted = time.time()
    kamailio.start()
    events.wait_for(
        lambda e: (
            isinstance(e, RegistrationChanged)
            and e.state is RegState.REGISTERED
            and e.ts > restarted
        ),
        70,
    )
    caller = engine.add_account(account(kamailio, "bob"))
    events.wait_reg(caller, RegState.REGISTERED)
    call = engine.make_call(caller, f"sip:alice@{kamailio.domain}")
    incoming = events.wait_for(lambda e: isinstance(e, IncomingCall), 10)
    assert incoming.account_id == acc
    engine.hangup(call)
    events.wait_call(call, CallState.DISCONNECTED)
    wait_until(lambda: engine.active_call_ids() == [], 3)


class Peer:
    """A second engine in a subprocess, printing its events as JSON lines."""

    def __init__(self, kam, user: str, *args: str) -> None:
        env = {**os.environ, "SIP_PEER_PASSWORD": TEST_PASSWORDS[user]}
        cmd = [
            sys.executable, str(PEER), "--user", user, "--domain", kam.domain,
            "--registrar", f"sip:{kam.domain}", "--rtp-port", str(free_rtp_base()), *args,
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, env=env,
        )  # fmt: skip
        self.lines: list[dict] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("EVENT "):
                self.lines.append(json.loads(line[6:]))

    def wait_for(self, pred, timeout: float = 15.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in list(self.lines):
                if pred(event):
                    return event
            time.sleep(0.05)
        raise AssertionError(f"peer timed out; events: {self.lines}")

    def close(self) -> int:
        if self.proc.poll() is None and self.proc.stdin:
            self.proc.stdin.close()
        try:
            return self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def _registered(e: dict) -> bool:
    return e["event"] == "registration" and e["state"] == "registered"


def test_two_engines_call_each_other_through_kamailio(engine, events, kamailio):
    alice = engine.add_account(account(kamailio, "alice"))
    events.wait_reg(alice, RegState.REGISTERED)
    bob = Peer(kamailio, "bob", "--answer", "--calls", "1")
    try:
        bob.wait_for(_registered)
        call = engine.make_call(alice, f"sip:bob@{kamailio.domain}")
        events.wait_call(call, CallState.CONFIRMED)
        engine.send_dtmf(call, "42")
        digits = [
            bob.wait_for(lambda e, d=d: e["event"] == "dtmf" and e["digit"] == d) for d in "42"
        ]
        assert all(d["method"] == "rfc4733" for d in digits)
        bob.wait_for(lambda e: e["event"] == "media_stats" and e["rx_packets"] > 0)
        engine.hangup(call)
        end = events.wait_call(call, CallState.DISCONNECTED)
        assert end.code == 200
        bob.wait_for(lambda e: e["event"] == "call_state" and e["state"] == "disconnected")
        assert bob.close() == 0
    finally:
        bob.close()

    # ...and the other way round: the peer calls us, we answer, the peer sends DTMF.
    caller = Peer(kamailio, "bob", "--call", f"sip:alice@{kamailio.domain}", "--dtmf", "7")
    try:
        incoming = events.wait_for(lambda e: isinstance(e, IncomingCall), 15)
        engine.answer(incoming.call_id)
        events.wait_call(incoming.call_id, CallState.CONFIRMED)
        got = events.wait_for(lambda e: isinstance(e, DtmfReceived) and e.digit == "7", 10)
        assert got.method is DtmfMethod.RFC4733
        engine.hangup(incoming.call_id)
        events.wait_call(incoming.call_id, CallState.DISCONNECTED)
        assert caller.close() == 0
    finally:
        caller.close()
    wait_until(lambda: engine.active_call_ids() == [], 3)


def _tls_account(kam, tls_front) -> AccountSpec:
    return account(kam, "alice", Transport.TLS, registrar=f"sip:127.0.0.1:{tls_front.port}")


def test_register_over_tls_with_server_verification(engine_factory, events, kamailio, tls_front):
    engine = engine_factory(tls_ca_file=str(tls_front.cert))
    assert engine.tls_available
    acc = engine.add_account(_tls_account(kamailio, tls_front))
    reg = events.wait_reg(acc, RegState.REGISTERED)
    assert reg.code == 200
    assert "tls" in engine.local_ports


def test_tls_untrusted_server_is_refused(engine_factory, events, kamailio, tls_front):
    """Verification is on by default: a self-signed registrar not in the CA list fails."""
    engine = engine_factory()
    acc = engine.add_account(_tls_account(kamailio, tls_front))
    failed = events.wait_reg(acc, RegState.FAILED)
    assert failed.code == 503
    assert "certificate verification" in failed.reason
    assert not events.of(RegistrationChanged, account_id=acc, state=RegState.REGISTERED)


def test_register_again_network_change_and_remove(engine, events, kamailio):
    acc = engine.add_account(account(kamailio, "alice"))
    events.wait_reg(acc, RegState.REGISTERED)
    engine.unregister(acc)
    events.wait_reg(acc, RegState.UNREGISTERED)
    again = time.time()
    engine.register(acc)
    events.wait_for(
        lambda e: (
            isinstance(e, RegistrationChanged) and e.state is RegState.REGISTERED and e.ts > again
        ),
        10,
    )
    changed = time.time()
    engine.handle_network_change()  # transports restart, the account re-registers
    events.wait_for(
        lambda e: (
            isinstance(e, RegistrationChanged) and e.state is RegState.REGISTERED and e.ts > changed
        ),
        10,
    )
    engine.remove_account(acc)  # unregisters on the way out
    engine.make_call(acc, f"sip:bob@{kamailio.domain}")
    error = events.wait_for(lambda e: isinstance(e, EngineError) and e.where == "make_call", 5)
    assert "unknown account" in error.message
