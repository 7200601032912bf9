"""FrameRing: drift absorption between a producer and a consumer at different rates."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from softphone.audio.ringbuffer import FrameRing

N = 160  # samples per frame


def _frame(value: int) -> bytes:
    return np.full(N, value, dtype=np.int16).tobytes()


def _value(buf: bytearray) -> int:
    return int(np.frombuffer(buf, dtype=np.int16)[0])


def _settle(ring: FrameRing, buf: bytearray) -> None:
    """Run both sides in step past the start-up grace period, then drain the ring."""
    for _ in range(ring.capacity + ring.target):
        ring.write(_frame(1))
        ring.read(buf)
    while ring.fill:
        ring.read(buf)
    assert ring.stats.drift_corrections == 0


def _simulate(ring: FrameRing, producer_hz: float, consumer_hz: float, seconds: float):
    """Interleave writes and reads on a virtual timeline; returns (values read, max fill)."""
    events = [(i / producer_hz, 0, i + 1) for i in range(int(seconds * producer_hz))]
    events += [(i / consumer_hz, 1, 0) for i in range(int(seconds * consumer_hz))]
    out, max_fill, buf = [], 0, bytearray(N * 2)
    for _, kind, value in sorted(events):
        if kind == 0:
            ring.write(_frame(value))
        else:
            out.append(_value(buf) if ring.read(buf) else 0)  # 0 marks filler
        max_fill = max(max_fill, ring.fill)
    return out, max_fill


def test_equal_rates_pass_every_frame_in_order() -> None:
    ring = FrameRing(N, capacity=8, target=2)
    out, max_fill = _simulate(ring, 50, 50, 20)
    real = [v for v in out if v > 0]
    assert real == list(range(1, len(real) + 1))
    assert len(real) >= 50 * 20 - 3
    assert ring.stats.drift_corrections == ring.stats.underruns == ring.stats.overruns == 0
    assert max_fill <= 3


def test_fast_producer_drops_frames_and_latency_stays_bounded() -> None:
    ring = FrameRing(N, capacity=8, target=2)
    out, max_fill = _simulate(ring, 50 * 1.01, 50, 60)  # 1 % fast: ~30 extra frames
    assert ring.stats.drift_corrections >= 25
    assert ring.stats.underruns == 0
    assert max_fill <= ring.high_water + 1
    real = [v for v in out if v > 0]
    assert real == sorted(real)  # order kept; some frames skipped
    assert ring.fill <= ring.high_water


def test_slow_producer_inserts_filler_and_counts_underruns() -> None:
    ring = FrameRing(N, capacity=8, target=2)
    out, _ = _simulate(ring, 50 * 0.99, 50, 60)  # 1 % slow: ~30 frames missing
    assert ring.stats.underruns >= 25
    assert ring.stats.drift_corrections >= ring.stats.underruns
    assert ring.stats.overruns == 0
    real = [v for v in out if v > 0]
    assert real == list(range(1, len(real) + 1))  # nothing lost, only padded


def test_overflow_drops_the_oldest_frame() -> None:
    ring = FrameRing(N, capacity=4, target=2)
    buf = bytearray(N * 2)
    _settle(ring, buf)
    for v in range(1, 7):
        ring.write(_frame(v))
    assert ring.fill == 4
    got = []
    while ring.fill:
        ring.read(buf)
        got.append(_value(buf))
    assert ring.stats.overruns == 2  # counted once the reader came back
    assert got[-1] == 6
    assert 1 not in got and 2 not in got


def test_underrun_repeats_last_frame_softly_then_silence() -> None:
    ring = FrameRing(N, capacity=4, target=1)
    buf = bytearray(N * 2)
    assert ring.read(buf) is False and _value(buf) == 0  # priming at start: not an underrun
    _settle(ring, buf)
    ring.write(_frame(4000))
    assert ring.read(buf) is True and _value(buf) == 4000
    assert ring.read(buf) is False and _value(buf) == 1000  # -12 dB repeat
    assert ring.read(buf) is False and _value(buf) == 0
    assert ring.stats.underruns == 0  # not known yet: the writer might have gone for good
    ring.write(_frame(1))
    assert ring.stats.underruns == 2  # counted once the writer came back


def test_start_up_settling_is_not_counted() -> None:
    ring = FrameRing(N, capacity=4, target=2)
    buf = bytearray(N * 2)
    ring.write(_frame(1))
    ring.write(_frame(2))
    for _ in range(3):
        ring.read(buf)  # empties the ring during the grace period
    ring.write(_frame(3))
    assert ring.stats.underruns == ring.stats.drift_corrections == 0


def test_priming_waits_for_target() -> None:
    ring = FrameRing(N, capacity=8, target=3)
    buf = bytearray(N * 2)
    ring.write(_frame(1))
    ring.write(_frame(2))
    assert ring.read(buf) is False
    ring.write(_frame(3))
    assert ring.read(buf) is True and _value(buf) == 1


def test_bad_parameters_rejected() -> None:
    with pytest.raises(ValueError):
        FrameRing(N, capacity=2, target=2)


def test_threads_hammering_the_ring_do_not_crash_or_tear_frames() -> None:
    ring = FrameRing(N, capacity=6, target=2)
    stop = time.monotonic() + 1.0
    torn: list[int] = []

    def produce() -> None:
        v = 1
        while time.monotonic() < stop:
            ring.write(_frame(v % 30000))
            v += 1

    def consume() -> None:
        buf = bytearray(N * 2)
        while time.monotonic() < stop:
            ring.read(buf)
            a = np.frombuffer(buf, dtype=np.int16)
            if not (a == a[0]).all():
                torn.append(1)

    threads = [threading.Thread(target=produce), threading.Thread(target=consume)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not torn
    assert 0 <= ring.fill <= ring.capacity


def test_idle_reader_or_writer_is_not_counted_as_drift() -> None:
    ring = FrameRing(N, capacity=4, target=2)
    buf = bytearray(N * 2)
    for v in range(1, 21):  # writer runs, reader not started (no call wired yet)
        ring.write(_frame(v))
    assert ring.read(buf) is True and _value(buf) == 19  # resumes `target` behind the writer
    assert ring.read(buf) is True and _value(buf) == 20
    assert ring.stats.overruns == ring.stats.drift_corrections == 0
    for _ in range(5):
        ring.read(buf)  # a short gap of the writer ...
    ring.write(_frame(30))
    assert ring.stats.underruns == 5  # ... is drift
    for _ in range(30):
        ring.read(buf)  # a long one (the call ended) ...
    ring.write(_frame(40))
    ring.write(_frame(41))
    assert ring.read(buf) is True and _value(buf) == 40
    assert ring.stats.underruns == 5  # ... is not, and the new call primes uncounted
    for v in range(30):
        ring.write(_frame(50 + v))  # reader gone for long: drops not counted
    ring.read(buf)
    assert ring.stats.overruns == 0
