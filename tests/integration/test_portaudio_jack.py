"""The real PortAudio path on JACK's dummy driver: a paced, soundcard-free audio device.

A fixture starts ``jackd -d dummy -r 16000 -p 320`` (20 ms periods) under a unique server name
(real-time scheduling when permitted, e.g. as root; jackd falls back to normal scheduling
otherwise, and pacing then suffers on a loaded machine),
PortAudio is re-initialised so its JACK host API sees it, and a ``PortAudioDevice`` is driven
by a pjmedia-like 20 ms clock thread. JACK's own graph loops our output port back into our
input port, so a tone written to playback must come back through capture.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator

import numpy as np
import pytest

from softphone.audio import devices
from softphone.audio.portaudio import PortAudioDevice

JACK_API = "JACK Audio Connection Kit"
RATE, FRAME = 16000, 320


@pytest.fixture
def jack_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    name = f"sampark-test-{os.getpid()}-{time.monotonic_ns() % 1_000_000}"
    env = {
        "JACK_NO_AUDIO_RESERVATION": "1",  # no D-Bus device reservation (no session bus here)
        "JACK_NO_START_SERVER": "1",  # never auto-start a default server behind our back
        "JACK_DEFAULT_SERVER": name,  # clients in this process and jack_* tools find ours
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    cmd = ["jackd", "-n", name, "-d", "dummy", "-r", str(RATE), "-p", str(FRAME)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        ready = subprocess.run(["jack_wait", "-w", "-t", "10"], capture_output=True, text=True)
        assert "available" in ready.stdout, ready.stdout + ready.stderr
        devices.refresh()  # PortAudio scans host APIs only at initialisation
        yield dict(os.environ)
    finally:
        devices.terminate_portaudio()  # before the server dies, or PortAudio aborts at exit
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        devices.initialize_portaudio()


def _drive(dev: PortAudioDevice, period_s: float, seconds: float, tone: bytes) -> np.ndarray:
    """A pjmedia-like clock: every ``period_s`` one playback frame in, one capture frame out."""
    got = bytearray(len(tone))
    captured = []
    t0 = time.monotonic()
    for i in range(int(seconds / period_s)):
        dev.write_playback(memoryview(tone))
        dev.read_capture(memoryview(got))
        captured.append(np.frombuffer(bytes(got), dtype=np.int16))
        time.sleep(max(0.0, t0 + (i + 1) * period_s - time.monotonic()))
    return np.concatenate(captured)


def _tone(freq: float, n: int = FRAME, rate: int = RATE) -> bytes:
    t = np.arange(n) / rate
    return (8000 * np.sin(2 * np.pi * freq * t)).astype(np.int16).tobytes()


def _power_at(x: np.ndarray, freq: float, rate: int) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)))) / len(x)
    k = round(freq * len(x) / rate)
    return float(spec[k - 2 : k + 3].max())


def _loop_back(env: dict[str, str], dev: PortAudioDevice) -> None:
    dev.read_capture(memoryview(bytearray(dev.frame_bytes)))  # first engine frame starts streams
    deadline = time.monotonic() + 2
    while dev.starts == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert dev.starts == 1 and dev.problem == ""
    ports = subprocess.run(["jack_lsp"], capture_output=True, text=True, env=env).stdout.split()
    outs = [p for p in ports if p.startswith("PortAudio") and ":out" in p]
    ins = [p for p in ports if p.startswith("PortAudio") and ":in" in p]
    assert outs and ins, ports
    subprocess.run(["jack_connect", outs[0], ins[0]], check=True, env=env)


def test_jack_host_api_is_visible_to_portaudio(jack_server: dict[str, str]) -> None:
    found = [d for d in devices.list_devices() if d.host_api == JACK_API]
    assert found, devices.list_devices()
    assert found[0].max_input_channels >= 1 and found[0].max_output_channels >= 1
    assert devices.resolve("system", "output").host_api == JACK_API


def test_frames_flow_with_20ms_pacing_and_loop_back(jack_server: dict[str, str]) -> None:
    label = f"system [{JACK_API}]"
    dev = PortAudioDevice(capture=label, playback=label)
    dev.open(RATE, FRAME)
    try:
        assert dev.device_rates == {"input": RATE, "output": RATE}
        _loop_back(jack_server, dev)
        captured = _drive(dev, 0.020, 4.0, _tone(1000))
    finally:
        dev.close()
    for clock in (dev.capture_clock, dev.playback_clock):
        iv = clock.intervals_ms()
        assert len(iv) >= 180
        assert abs(float(np.median(iv)) - 20.0) < 0.5
        assert float(np.percentile(iv, 99)) < 30.0, np.percentile(iv, 99)
    assert dev.stats.frames_in == 200 and dev.stats.frames_out == 201
    # matched clocks: only start-up settling, no steady drift
    assert dev.stats.drift_corrections <= 6, dev.stats
    tail = captured[len(captured) // 2 :].astype(np.float64)
    assert _power_at(tail, 1000, RATE) > 1000
    assert _power_at(tail, 1000, RATE) > 50 * _power_at(tail, 2500, RATE)


def test_slow_engine_clock_is_absorbed_and_counted(jack_server: dict[str, str]) -> None:
    label = f"system [{JACK_API}]"
    dev = PortAudioDevice(capture=label, playback=label)
    dev.open(RATE, FRAME)
    try:
        _drive(dev, 0.021, 3.0, _tone(440))  # engine 5 % slower than the device: ~7 frames short
    finally:
        dev.close()
    assert dev.stats.underruns >= 4, dev.stats  # playback ring padded
    assert dev.stats.drift_corrections >= dev.stats.underruns
    assert dev._cap_ring.fill <= dev._cap_ring.high_water + 1  # capture latency stays bounded
    assert dev.xruns <= dev.capture_clock.count // 20  # PortAudio itself mostly on time


def test_device_refusing_engine_rate_is_resampled(jack_server: dict[str, str]) -> None:
    label = f"system [{JACK_API}]"
    dev = PortAudioDevice(capture=label, playback=label)
    dev.open(8000, 160)  # JACK runs at 16 kHz only
    try:
        assert dev.device_rates == {"input": RATE, "output": RATE}
        _loop_back(jack_server, dev)
        captured = _drive(dev, 0.020, 3.0, _tone(700, 160, 8000))
    finally:
        dev.close()
    tail = captured[len(captured) // 2 :].astype(np.float64)
    assert _power_at(tail, 700, 8000) > 20 * _power_at(tail, 1900, 8000)
    assert _power_at(tail, 700, 8000) > 500


def test_ringer_rings_on_the_jack_device(jack_server: dict[str, str]) -> None:
    from softphone.audio.ringer import Ringer

    r = Ringer(device="system")
    assert r.available
    assert r.start() is True, r.problem
    try:
        time.sleep(0.3)
        assert r._stream.active
        assert r._stream.samplerate == RATE
    finally:
        r.stop()
    assert not r.ringing


@pytest.mark.sipp
def test_engine_call_through_portaudio_on_jack(jack_server: dict[str, str], sipp) -> None:
    """The whole path: pjmedia's clock thread -> HeadsetPort -> rings <- PortAudio (JACK)."""
    from siptest import EventLog, echo_call

    from softphone.sip.events import MediaStats

    label = f"system [{JACK_API}]"
    dev = PortAudioDevice(capture=label, playback=label)
    events = EventLog()
    with echo_call(sipp, dev, events) as call:
        stats = events.wait_for(
            lambda e: isinstance(e, MediaStats) and e.call_id == call.call_id
            and e.rx_packets > 150,
            10,
        )  # fmt: skip
        call.hang_up()
        time.sleep(2.0)  # engine idle (no call): the streams stop themselves
        idle_from = dev.capture_clock.count
        time.sleep(0.5)
        assert dev.capture_clock.count == idle_from
    assert isinstance(stats, MediaStats)
    # ~150 packets arrived; the device sees about as many frames (jitter-buffer prefetch aside)
    assert dev.stats.frames_in > 120 and dev.stats.frames_out > 120, dev.stats
    for clock in (dev.capture_clock, dev.playback_clock):
        iv = clock.intervals_ms()
        assert len(iv) > 150
        assert abs(float(np.median(iv)) - 20.0) < 0.5
        assert float(np.percentile(iv, 99)) < 30.0
    # pjmedia's clock and JACK's dummy both follow the system clock: little to correct
    assert dev.stats.drift_corrections <= 10, dev.stats
    assert 0 <= stats.drift_corrections <= dev.stats.drift_corrections  # reported in MediaStats


def test_streams_stop_when_the_engine_goes_quiet_and_restart(jack_server: dict[str, str]) -> None:
    label = f"system [{JACK_API}]"
    dev = PortAudioDevice(capture=label, playback=label)
    dev.open(RATE, FRAME)
    try:
        time.sleep(0.3)
        assert dev.capture_clock.count == 0  # opened, not started: idle costs nothing
        _drive(dev, 0.020, 1.0, _tone(440))
        assert dev.starts == 1
        time.sleep(2.0)  # no engine frames: streams stop themselves after ~1 s
        stopped_at = dev.capture_clock.count
        time.sleep(0.5)
        assert dev.capture_clock.count == stopped_at
        _drive(dev, 0.020, 1.0, _tone(440))  # the next call restarts them
        assert dev.starts == 2
        assert dev.capture_clock.count > stopped_at + 40
    finally:
        dev.close()
    assert dev.stats.drift_corrections <= 6, dev.stats  # the idle gap is not drift
