"""A caller's softphone for the supervisor tests, in its own process (one pjsua2 endpoint per
process): account ``caller`` (no registrar) with the real monitor gate (``GrantVerifier`` with
the server's public key and this caller's agent id), and a local ``remote`` account that
answers at once and is not wired to the headset. On start it calls ``remote`` itself, so the
caller has a confirmed call to monitor. Prints ``READY {"port"}`` once the call is up and every
Monitor* event as ``EVENT <json>``; a ``hangup`` line on stdin ends the caller's own call;
exits when stdin closes. The gate is the one a caller's shift installs
(``softphone.monitor.caller.CallerMonitor``): used grant ids and every monitoring session are
kept in the journal at JOURNAL.

    python supervisor_caller_peer.py PUBLIC_KEY AGENT_ID JOURNAL
"""

from __future__ import annotations

import json
import sys
import threading
from datetime import UTC, datetime

from softphone.audio.files import ToneDevice
from softphone.journal import Journal
from softphone.monitor.caller import CallerMonitor
from softphone.sip.engine import SipEngine
from softphone.sip.events import CallState, CallStateChanged, Event, IncomingCall
from softphone.sip.spec import AccountSpec, EndpointSpec


def now() -> datetime:
    return datetime.now(UTC)


def main(public_key: str, agent_id: int, journal_path: str) -> int:
    lock, confirmed = threading.Lock(), threading.Event()
    engine = SipEngine(
        EndpointSpec(bind_address="127.0.0.1", udp_port=0, tcp_port=None, log_level=1),
        audio_device=ToneDevice(1000.0, amplitude=0.3),
    )
    accounts: dict[str, int] = {}
    own_call: list[int] = []

    def say(kind: str, data: dict) -> None:
        with lock:
            print(kind, json.dumps(data), flush=True)

    def on_event(event: Event) -> None:
        if event.kind.startswith("monitor"):
            say("EVENT", event.to_dict())
        if isinstance(event, IncomingCall) and event.account_id == accounts.get("remote"):
            engine.answer(event.call_id)
        mine = isinstance(event, CallStateChanged) and event.call_id in own_call
        if mine and event.state is CallState.CONFIRMED:  # type: ignore[union-attr]
            confirmed.set()

    engine.add_listener(on_event)
    engine.start()
    port = engine.local_ports["udp"]
    domain = f"127.0.0.1:{port}"
    accounts["caller"] = engine.add_account(AccountSpec(user="caller", domain=domain))
    accounts["remote"] = engine.add_account(
        AccountSpec(user="remote", domain=domain), use_headset=False
    )
    journal = Journal(journal_path)
    monitor = CallerMonitor(
        engine, accounts["caller"], journal, public_key=public_key, agent_id=agent_id, now=now
    )
    monitor.install()
    own_call.append(engine.make_call(accounts["caller"], f"sip:remote@{domain}"))
    if not confirmed.wait(10):
        say("FAILED", {"why": "own call not confirmed"})
    say("READY", {"port": port})
    try:
        for line in sys.stdin:
            if line.strip() == "hangup":  # the caller ends their own call
                engine.hangup(own_call[0])
    finally:
        monitor.uninstall()
        engine.stop()
        journal.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
