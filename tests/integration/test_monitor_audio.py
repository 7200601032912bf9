"""Audio truth of listen / whisper / barge with three real parties (DESIGN.md §3 table).

Remote party 600 Hz (subprocess engine, its own call with the caller over UDP on a local
account), caller 1000 Hz (this process), supervisor 1500 Hz (subprocess, through Kamailio,
reaching the caller's registered account over **TCP**): the monitor call and the monitored call
are on different accounts and transports. One monitor session switches listen → whisper → barge
by INFO without redialling, then the supervisor hangs up. Each listener records every phase;
Goertzel power decides which tones each one hears: exactly those the table says.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from monitor_rig import CALLER_HZ, HEADER, REMOTE_HZ, SUP_HZ, MonitorRig
from test_audio_roundtrip import goertzel_power

from softphone.audio.files import ToneDevice, read_wav
from softphone.sip.events import MonitorEnded, MonitorModeChanged, MonitorStarted, Transport

pytestmark = [pytest.mark.timeout(120)]
PHASE_S = 1.6
HEARS = {  # listener -> phase -> tones it must hear (and no other of the three)
    "remote": {"listen": {CALLER_HZ}, "whisper": {CALLER_HZ}, "barge": {CALLER_HZ, SUP_HZ},
               "normal": {CALLER_HZ}},
    "caller": {"listen": {REMOTE_HZ}, "whisper": {REMOTE_HZ, SUP_HZ},
               "barge": {REMOTE_HZ, SUP_HZ}, "normal": {REMOTE_HZ}},
    "supervisor": {"listen": {REMOTE_HZ, CALLER_HZ}, "whisper": {REMOTE_HZ, CALLER_HZ},
                   "barge": {REMOTE_HZ, CALLER_HZ}},
}  # fmt: skip
PRESENT = 1e5  # Goertzel power of a tone that is really heard (a 0.3 FS tone gives ~1e6+)
ABSENT = 1e3  # power allowed for a tone that must not be heard (codec noise, leakage)


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[MonitorRig]:
    r = MonitorRig(tmp_path, alice_transport=Transport.TCP)
    try:
        r.start()
        r.call_remote()
        yield r
    finally:
        r.stop()


def record_phase(rig: MonitorRig, tmp: Path, phase: str) -> None:
    """Swap every party's ToneDevice for one recording this phase (closing the last)."""
    assert rig.caller is not None and rig.remote is not None and rig.sup is not None
    rig.caller.set_audio_device(ToneDevice(CALLER_HZ, 0.3, record=tmp / f"caller-{phase}.wav"))
    rig.remote.send(cmd="record", path=str(tmp / f"remote-{phase}.wav"))
    if phase != "normal":
        rig.sup.send(cmd="record", path=str(tmp / f"supervisor-{phase}.wav"))
    time.sleep(PHASE_S)


def switch(rig: MonitorRig, sid: int, mode: str) -> None:
    assert rig.sup is not None
    since = time.time()
    rig.sup.send(cmd="info", call=sid, headers={HEADER: rig.grant(mode)}, body=f"mode={mode}")
    rig.events.wait_for(
        lambda e: isinstance(e, MonitorModeChanged) and e.ts > since and e.mode == mode, 5
    )


def powers(path: Path) -> dict[float, float]:
    x, rate = read_wav(path)
    assert len(x) > rate, f"{path.name}: only {len(x)} samples"
    seg = x[-int(rate * 1.0) :]  # the last second: the phase's wiring has settled
    return {f: goertzel_power(seg, f, rate) for f in (REMOTE_HZ, CALLER_HZ, SUP_HZ)}


def test_listen_whisper_barge_each_listener_hears_exactly_the_table(
    rig: MonitorRig, tmp_path: Path
) -> None:
    assert rig.sup is not None and rig.caller is not None
    sid, _ = rig.sup.call(rig.alice_uri, {HEADER: rig.grant("listen")})
    rig.sup.call_state(sid, "confirmed")
    started = rig.events.wait_for(lambda e: isinstance(e, MonitorStarted), 5)
    assert isinstance(started, MonitorStarted) and started.monitored_call_id == rig.call_id
    record_phase(rig, tmp_path, "listen")
    switch(rig, sid, "whisper")
    record_phase(rig, tmp_path, "whisper")
    switch(rig, sid, "barge")
    record_phase(rig, tmp_path, "barge")
    rig.sup.send(cmd="hangup", call=sid)
    rig.events.wait_for(lambda e: isinstance(e, MonitorEnded), 5)
    record_phase(rig, tmp_path, "normal")
    rig.caller.set_audio_device(ToneDevice(CALLER_HZ, 0.3))  # closes the last recording
    rig.remote.send(cmd="record", path=str(tmp_path / "remote-tail.wav"))  # type: ignore[union-attr]
    rig.sup.send(cmd="record", path=str(tmp_path / "supervisor-tail.wav"))
    time.sleep(0.3)
    problems = []
    for listener, phases in HEARS.items():
        for phase, heard in phases.items():
            got = powers(tmp_path / f"{listener}-{phase}.wav")
            for freq, power in got.items():
                want = freq in heard
                if (want and power < PRESENT) or (not want and power > ABSENT):
                    problems.append(f"{listener}/{phase}: {freq:.0f} Hz power {power:.3g}")
    assert not problems, problems
