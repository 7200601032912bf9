"""A Sampark user agent for the benchmark, driven line by line over stdin/stdout.

Run by ``bench_softphone.py`` in its own process so that CPU time and RSS are Sampark's alone.
Commands (one per line on stdin): ``dial URI``, ``hangup``, ``quit``. Output: one JSON object
per line on stdout: ``{"event": "ready", ...}``, then the engine's events (``to_dict()`` of
``softphone.sip.events``), ``{"event": "bye"}`` at the end.

Modes:
* headless (default): ``SipEngine`` with a tone as the headset's capture, playback discarded —
  the same null audio baresip gets.
* ``--gui``: the caller window (``ui``) on top of the same engine, shown (offscreen or Xvfb),
  commanded through ``Phone``; adds the ``busy SECONDS`` command (see ``sampark_gui.py``).
* ``--portaudio DEVICE``: the headset is the real PortAudio bridge (e.g. on JACK's dummy
  driver) instead of the tone device; ``busy`` reports its callback intervals.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import threading
from typing import Any

from softphone.audio import use_audio_switch_interval
from softphone.audio.device import AudioDevice
from softphone.sip.engine import SipEngine
from softphone.sip.events import Event
from softphone.sip.spec import AccountSpec, EndpointSpec

_out_lock = threading.Lock()


def emit(obj: dict[str, Any]) -> None:
    line = json.dumps(obj, default=str)
    with _out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def event_dict(ev: Event) -> dict[str, Any]:
    data = ev.to_dict()
    data.setdefault("event", getattr(ev, "kind", type(ev).__name__))
    return data


def tone_device() -> AudioDevice:
    """A 440 Hz tone as capture, playback discarded; plain silence if no tone device exists."""
    try:
        from softphone.audio.files import ToneDevice
    except ImportError:
        return AudioDevice()
    return ToneDevice(freq_hz=440.0)


def portaudio_device(name: str) -> AudioDevice:
    """The real PortAudio bridge; ``name`` "" is the default device (JACK's in the bench)."""
    from softphone.audio.portaudio import PortAudioDevice

    return PortAudioDevice(capture=name, playback=name)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sip-port", type=int, default=0)
    ap.add_argument("--rtp-port", type=int, default=40000)
    ap.add_argument("--gui", action="store_true", help="show the caller window")
    ap.add_argument("--portaudio", metavar="DEVICE", help="PortAudio device name or index")
    ap.add_argument("--switch-interval", type=float, metavar="S", help="override the GIL's")
    ap.add_argument("--clock-rate", type=int, metavar="HZ", help="override the bridge clock")
    return ap.parse_args(argv)


def make_engine(args: argparse.Namespace, device: AudioDevice) -> tuple[SipEngine, int]:
    spec = EndpointSpec(
        bind_address="127.0.0.1",
        udp_port=args.sip_port,
        tcp_port=None,
        rtp_port=args.rtp_port,
        rtp_port_range=100,
        log_level=1,
        **({"clock_rate": args.clock_rate} if args.clock_rate else {}),
    )
    engine = SipEngine(spec, audio_device=device)
    engine.start()
    account_id = engine.add_account(AccountSpec(user="bench", domain="127.0.0.1"))
    return engine, account_id


def command_loop(engine: SipEngine, account_id: int, lines: queue.Queue[str | None]) -> None:
    """Executes stdin commands until ``quit`` or end of input."""
    call_ids: list[int] = []
    while True:
        line = lines.get()
        if line is None or line == "quit":
            return
        verb, _, arg = line.partition(" ")
        if verb == "dial":
            call_ids.append(engine.make_call(account_id, arg))
        elif verb == "hangup":
            engine.hangup_all()
        else:
            emit({"event": "error", "reason": f"unknown command {line!r}"})


def read_stdin(lines: queue.Queue[str | None]) -> None:
    for raw in sys.stdin:
        lines.put(raw.strip())
    lines.put(None)


def run_headless(args: argparse.Namespace, device: AudioDevice) -> None:
    engine, account_id = make_engine(args, device)
    engine.add_listener(lambda ev: emit(event_dict(ev)))
    emit({"event": "ready", "pid": os.getpid(), "ports": engine.local_ports})
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=read_stdin, args=(lines,), daemon=True).start()
    try:
        command_loop(engine, account_id, lines)
    finally:
        engine.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)  # an experiment, not what the app does
    else:
        use_audio_switch_interval()  # what the app and the CLI do at start-up
    device = portaudio_device(args.portaudio) if args.portaudio is not None else tone_device()
    if args.gui:
        from sampark_gui import run_gui  # this folder is on sys.path when run as a script

        run_gui(args, device, make_engine, emit, event_dict)
    else:
        run_headless(args, device)
    emit({"event": "bye"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
