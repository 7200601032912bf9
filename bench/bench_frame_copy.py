"""Per-frame cost of copying a 20 ms frame between pjsua2 and Python: naive vs fast.

    python bench/bench_frame_copy.py [--frames N] [--frame-bytes B]

"read" is what ``HeadsetPort.onFrameReceived`` does with ``frame.buf`` (a SWIG
``std::vector<unsigned char>``); "fill" is what ``onFrameRequested`` does to hand a frame back.
Naive = ``bytes(frame.buf)`` / ``frame.buf = ByteVector(data)``; fast = the verified memmove
path of ``softphone.sip._frame_copy``. Prints median and p99 per frame, and the share of one
core both directions would cost at 50 frames/s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import pjsua2 as pj

from softphone.sip._frame_copy import FrameCopier, verified_layout


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=5000)
    ap.add_argument("--frame-bytes", type=int, default=640)
    args = ap.parse_args()
    print(f"frame = {args.frame_bytes} bytes, {args.frames} frames per case")
    print(f"{'case':32} {'median µs':>10} {'p99 µs':>10} {'% core @50/s':>13}")
    for name, fn in _cases(args.frame_bytes).items():
        _timings(fn, 200)  # warm-up
        t = _timings(fn, args.frames)
        med = statistics.median(t)
        p99 = t[min(len(t) - 1, int(len(t) * 0.99))]
        print(f"{name:32} {med:10.2f} {p99:10.2f} {med * 50 / 1e4:13.3f}")


if __name__ == "__main__":
    main()
