"""A SIP party for the monitoring tests, in its own process (one pjsua2 endpoint per process).

Its headset is a ``ToneDevice`` playing ``--tone`` Hz; what it hears is recorded to the WAV
named by the last ``record`` command. Commands arrive as JSON lines on stdin:

    {"cmd": "call", "uri": "...", "headers": {...}}        -> prints CALL <id>
    {"cmd": "info", "call": id, "headers": {...}, "body": "mode=barge"}
    {"cmd": "record", "path": "/tmp/x.wav"}                 (swaps the ToneDevice)
    {"cmd": "hangup", "call": id}

With ``--detect HZ`` the first heard frame holding that tone after each ``call`` prints
``HEARD {"t": monotonic}`` (for the bench's Listen-to-audio latency).

Every engine event is printed as ``EVENT <json>``; ``READY <json ports>`` once started. With
``--answer`` incoming calls are answered at once. Exits when stdin closes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time

import numpy as np

from softphone.audio.files import ToneDevice
from softphone.sip.engine import SipEngine
from softphone.sip.events import Event, IncomingCall
from softphone.sip.spec import AccountSpec, EndpointSpec


class DetectingTone(ToneDevice):
    """A ToneDevice that reports the first played-back frame carrying ``detect_hz``."""

    def __init__(self, freq: float, record: str | None, detect_hz: float, say) -> None:
        super().__init__(freq, amplitude=0.3, record=record)
        self.detect_hz, self.say, self.armed = detect_hz, say, False

    def open(self, clock_rate: int, samples_per_frame: int) -> None:
        super().open(clock_rate, samples_per_frame)
        w = 2 * np.pi * self.detect_hz * np.arange(samples_per_frame) / clock_rate
        self._ref = np.cos(w) + 1j * np.sin(w)

    def write_playback(self, buf: memoryview) -> None:
        super().write_playback(buf)
        if self.armed and self.detect_hz:
            x = np.frombuffer(buf, dtype="<i2").astype(np.float64)
            amplitude = 2 * abs(np.dot(x, self._ref)) / len(x)
            if amplitude > 1500:  # about 0.05 of full scale
                self.armed = False
                self.say("HEARD", json.dumps({"t": time.monotonic()}))


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("--user", required=True)
    p.add_argument("--domain", required=True)
    p.add_argument("--registrar", default="")
    p.add_argument("--rtp-port", type=int, default=40000)
    p.add_argument("--tone", type=float, required=True)
    p.add_argument("--answer", action="store_true")
    p.add_argument("--tcp", action="store_true", help="also listen on TCP")
    p.add_argument("--detect", type=float, default=0.0)
    return p.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    out_lock = threading.Lock()

    def say(*parts: str) -> None:
        with out_lock:
            print(*parts, flush=True)

    engine = SipEngine(
        EndpointSpec(
            bind_address="127.0.0.1",
            rtp_port=args.rtp_port,
            udp_port=0,
            tcp_port=0 if args.tcp else None,
        ),
        audio_device=DetectingTone(args.tone, None, args.detect, say),
    )

    def on_event(event: Event) -> None:
        say("EVENT", json.dumps(event.to_dict()))
        if args.answer and isinstance(event, IncomingCall):
            engine.answer(event.call_id)

    engine.add_listener(on_event)
    engine.start()
    spec = AccountSpec(
        user=args.user,
        domain=args.domain,
        password=os.environ.get("SIP_PEER_PASSWORD", ""),
        registrar=args.registrar,
        retry_interval_s=2,
    )
    account = engine.add_account(spec)
    say("READY", json.dumps(engine.local_ports))
    try:
        for line in sys.stdin:
            cmd = json.loads(line)
            run(engine, account, cmd, args, say)
    finally:
        engine.stop()
    return 0


def run(engine: SipEngine, account: int, cmd: dict, args: argparse.Namespace, say) -> None:
    kind = cmd["cmd"]
    if kind == "call":
        device = engine.audio_device
        if isinstance(device, DetectingTone):
            device.armed = True
        t0 = time.monotonic()
        call_id = engine.make_call(account, cmd["uri"], cmd.get("headers") or {})
        say("CALL", json.dumps({"call": call_id, "t0": t0}))
    elif kind == "info":
        engine.send_info(cmd["call"], cmd.get("headers") or {}, cmd.get("body", ""))
    elif kind == "record":
        engine.set_audio_device(DetectingTone(args.tone, cmd["path"], args.detect, say))
    elif kind == "hangup":
        engine.hangup(cmd["call"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
