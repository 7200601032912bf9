"""A second Sampark SIP party in its own process (pjsua2 allows one endpoint per process).

Used by the Kamailio tests: registers one account, then either answers incoming calls
(``--answer``) or places one call (``--call URI``), optionally sending DTMF once confirmed.
Prints every engine event as one ``EVENT <json>`` line on stdout (pjlib may print
other lines there before logging is configured); exits when stdin closes or after
``--calls`` calls have ended.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import threading

from softphone.sip.engine import SipEngine
from softphone.sip.events import CallState, CallStateChanged, Event, Transport
from softphone.sip.spec import AccountSpec, EndpointSpec


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("--user", required=True)
    p.add_argument("--domain", required=True)
    p.add_argument("--registrar", required=True)
    p.add_argument("--transport", default="udp")
    p.add_argument("--rtp-port", type=int, default=40000)
    p.add_argument("--answer", action="store_true")
    p.add_argument("--call", default="")
    p.add_argument("--dtmf", default="")
    p.add_argument("--calls", type=int, default=1)
    return p.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    events: queue.Queue[Event] = queue.Queue()
    engine = SipEngine(EndpointSpec(bind_address="127.0.0.1", rtp_port=args.rtp_port))
    engine.add_listener(events.put)
    engine.start()
    spec = AccountSpec(
        user=args.user,
        domain=args.domain,
        password=os.environ.get("SIP_PEER_PASSWORD", ""),
        registrar=args.registrar,
        transport=Transport(args.transport),
        retry_interval_s=2,
    )
    account = engine.add_account(spec, use_headset=False, auto_answer=args.answer)
    threading.Thread(target=lambda: (sys.stdin.read(), events.put(None)), daemon=True).start()
    ended = 0
    placed = False
    try:
        while ended < args.calls:
            event = events.get()
            if event is None:
                break
            print("EVENT", json.dumps(event.to_dict()), flush=True)
            registered = getattr(event, "state", None) is not None and event.kind == "registration"
            if args.call and not placed and registered and event.state.value == "registered":
                placed = True
                engine.make_call(account, args.call)
            if isinstance(event, CallStateChanged):
                if event.state is CallState.CONFIRMED and args.dtmf:
                    engine.send_dtmf(event.call_id, args.dtmf)
                if event.state is CallState.DISCONNECTED:
                    ended += 1
    finally:
        engine.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
