"""Per-frame cost of copying a 20 ms frame between pjsua2 and Python: naive vs fast.

    python bench/bench_frame_copy.py [--frames N] [--frame-bytes B] [--call SECONDS]

"read" is what ``HeadsetPort.onFrameReceived`` does with ``frame.buf`` (a SWIG
``std::vector<unsigned char>``); "fill" is what ``onFrameRequested`` does to hand a frame back.
Naive = ``bytes(frame.buf)`` / ``frame.buf = ByteVector(data)``; fast = the verified memmove
path of ``softphone.sip._frame_copy``. Prints median and p99 per frame, and the share of one
core both directions would cost at 50 frames/s.

``--call SECONDS`` adds a second table: the whole ``HeadsetPort`` callbacks timed inside a real
call (``SipEngine`` + tone device -> ``sipp -sn uas -rtp_echo`` on loopback), once with the
fast copy and once with the slow path forced — what pjmedia's clock thread pays per frame
(excluding the SWIG director's own call overhead).
"""

from __future__ import annotations

import argparse
import os
import queue
import socket
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pjsua2 as pj

from softphone.audio.files import ToneDevice
from softphone.sip import _frame_copy
from softphone.sip._frame_copy import FrameCopier, verified_layout
from softphone.sip._media_port import HeadsetPort
from softphone.sip.engine import SipEngine
from softphone.sip.events import CallState, CallStateChanged, Event
from softphone.sip.spec import AccountSpec, EndpointSpec


def _timings(fn: Callable[[], None], n: int) -> list[float]:
    out = []
    clock = time.perf_counter_ns
    for _ in range(n):
        t0 = clock()
        fn()
        out.append((clock() - t0) / 1000.0)
    out.sort()
    return out


def _cases(frame_bytes: int) -> dict[str, Callable[[], None]]:
    offset, reason = verified_layout()
    if offset is None:
        raise SystemExit(f"fast path unavailable here: {reason}")
    data = os.urandom(frame_bytes)
    frame = pj.MediaFrame()
    frame.buf = pj.ByteVector(data)
    fast = FrameCopier(frame_bytes, offset)
    slow = FrameCopier(frame_bytes, None)
    out = bytearray(data)

    def naive_read() -> None:
        memoryview(bytes(frame.buf))

    def naive_fill() -> None:
        frame.buf = pj.ByteVector(out)

    return {
        "read  naive bytes(frame.buf)": naive_read,
        "read  slow FrameCopier": lambda: slow.read(frame.buf),
        "read  fast FrameCopier": lambda: fast.read(frame.buf),
        "fill  naive ByteVector(data)": naive_fill,
        "fill  fast FrameCopier": lambda: fast.fill(frame),
    }


def _row(name: str, t: list[float]) -> str:
    t = sorted(t)
    med = statistics.median(t)
    p99 = t[min(len(t) - 1, int(len(t) * 0.99))]
    return f"{name:32} {med:10.2f} {p99:10.2f} {med * 50 / 1e4:13.3f}"


HEADER = f"{'case':32} {'median µs':>10} {'p99 µs':>10} {'% core @50/s':>13}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _sipp_echo() -> Iterator[str]:
    port, media = _free_port(), _free_port() & ~1
    cmd = ["sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", str(port), "-mp", str(media)]
    cmd += ["-rtp_echo", "-nostdin", "-trace_err", "-error_file", os.devnull]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        yield f"sip:echo@127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(5)


def _timed(method: Callable[..., None], sink: list[float]) -> Callable[..., None]:
    def wrapper(self: Any, frame: Any) -> None:
        t0 = time.perf_counter_ns()
        method(self, frame)
        sink.append((time.perf_counter_ns() - t0) / 1000.0)

    return wrapper


def _wait_state(q: queue.Queue[Event], state: CallState) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        e = q.get(timeout=deadline - time.monotonic())
        if isinstance(e, CallStateChanged) and e.state is state:
            return
    raise RuntimeError(f"call never reached {state}")


def _call_case(seconds: float, force_slow: bool) -> dict[str, list[float]]:
    """Time both HeadsetPort callbacks during a real echo call."""
    _frame_copy._VERIFIED = (None, "forced slow for the benchmark") if force_slow else None
    sinks: dict[str, list[float]] = {"requested": [], "received": []}
    originals = (HeadsetPort.onFrameRequested, HeadsetPort.onFrameReceived)
    HeadsetPort.onFrameRequested = _timed(originals[0], sinks["requested"])  # type: ignore[method-assign]
    HeadsetPort.onFrameReceived = _timed(originals[1], sinks["received"])  # type: ignore[method-assign]
    spec = EndpointSpec(
        bind_address="127.0.0.1", udp_port=0, tcp_port=None, rtp_port=_free_port() & ~1,
        rtp_port_range=100, log_level=1,
    )  # fmt: skip
    engine = SipEngine(spec, audio_device=ToneDevice(1000))
    events: queue.Queue[Event] = queue.Queue()
    engine.add_listener(events.put)
    engine.start()
    try:
        with _sipp_echo() as uri:
            acc = engine.add_account(AccountSpec(user="bench", domain="127.0.0.1"))
            engine.make_call(acc, uri)
            _wait_state(events, CallState.CONFIRMED)
            time.sleep(seconds)
            engine.hangup_all()
            _wait_state(events, CallState.DISCONNECTED)
    finally:
        engine.stop()
        HeadsetPort.onFrameRequested, HeadsetPort.onFrameReceived = originals  # type: ignore[method-assign]
        _frame_copy._VERIFIED = None
    return sinks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=5000)
    ap.add_argument("--frame-bytes", type=int, default=640)
    ap.add_argument("--call", type=float, metavar="SECONDS", help="also time a real call")
    args = ap.parse_args()
    print(f"frame copy only: {args.frame_bytes}-byte frames, {args.frames} per case")
    print(HEADER)
    for name, fn in _cases(args.frame_bytes).items():
        _timings(fn, 200)  # warm-up
        print(_row(name, _timings(fn, args.frames)))
    if args.call:
        print(f"\nwhole HeadsetPort callbacks in a {args.call:g} s echo call (16 kHz, 20 ms)")
        print(HEADER)
        for label, slow in (("fast", False), ("slow", True)):
            for direction, t in _call_case(args.call, slow).items():
                print(_row(f"{direction:9} {label}", t[10:]))


if __name__ == "__main__":
    main()
