"""Fixtures for the caller-window tests: a real SipEngine on 127.0.0.1 with two accounts.

``agent`` is the caller's account (wired to the headset device, a ``FileDevice`` here);
``callee`` (user ``2002``) is a second account on the same engine that auto-answers and plays a
tone into the call, so a dial from the window reaches CONFIRMED with real SIP and RTP over
loopback and no external process. ``sipp_uac`` starts sipp as an external caller for the
incoming-call prompt. Qt runs offscreen with pytest-qt's session ``QApplication``.
"""

from __future__ import annotations

import os
import random
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from netports import free_port, free_rtp_base

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from softphone import config
from softphone.audio.files import FileDevice, write_wav
from softphone.audio.ringer import Ringer
from softphone.phone import Phone
from softphone.sip.engine import SipEngine
from softphone.sip.events import IncomingCall
from softphone.sip.spec import AccountSpec, EndpointSpec

CALLEE = "2002"
SCENARIOS = Path(__file__).resolve().parent / "sipp"
DEVICE_NAMES = ("File headset A", "File headset B")


@dataclass
class Line:
    """The engine and its two accounts."""

    engine: SipEngine
    port: int
    domain: str
    agent: int
    callee: int
    tone_wav: Path
    callee_calls: list[int]


def _tone_wav(path: Path, freq: float = 440.0, seconds: float = 2.0, rate: int = 16000) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    write_wav(path, (8000 * np.sin(2 * np.pi * freq * t)).astype(np.int16), rate)
    return path


@pytest.fixture
def profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh settings folder per test (language and devices are remembered there)."""
    folder = tmp_path / "config"
    monkeypatch.setenv("SAMPARK_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture
def settings(profile: Path) -> config.Settings:
    return config.load()


@pytest.fixture
def line(tmp_path: Path, qapp: object) -> Iterator[Line]:
    spec = EndpointSpec(
        bind_address="127.0.0.1",
        udp_port=0,
        tcp_port=None,
        rtp_port=random.randrange(20000, 40000, 2),
        rtp_port_range=400,
        log_level=1,
    )
    engine = SipEngine(spec, audio_device=FileDevice(record=tmp_path / "startup.wav"))
    engine.start()
    port = engine.local_ports["udp"]
    domain = f"127.0.0.1:{port}"
    agent = engine.add_account(AccountSpec(user="agent", domain=domain))
    callee = engine.add_account(
        AccountSpec(user=CALLEE, domain=domain), use_headset=False, auto_answer=True
    )
    tone = _tone_wav(tmp_path / "tone.wav")
    calls: list[int] = []

    def play_tone(event: object) -> None:  # on the SIP thread: enqueue only
        if isinstance(event, IncomingCall) and event.account_id == callee:
            calls.append(event.call_id)
            engine.play_to_call(event.call_id, str(tone), loop=True)

    engine.add_listener(play_tone)
    try:
        yield Line(engine, port, domain, agent, callee, tone, calls)
    finally:
        engine.remove_listener(play_tone)
        engine.stop()


@pytest.fixture
def phone(line: Line) -> Phone:
    phone = Phone(line.engine)
    phone.attach_account(line.agent, line.domain, registers=False)
    return phone


@pytest.fixture
def file_devices(tmp_path: Path) -> tuple[list[FileDevice], Callable[[], list]]:
    """A device provider of two file headsets; every device it makes is kept in ``made``."""
    made: list[FileDevice] = []

    def factory(name: str) -> Callable[[], FileDevice]:
        def make() -> FileDevice:
            device = FileDevice(play=None, record=tmp_path / f"{name[-1]}-{len(made)}.wav")
            device.name = name
            made.append(device)
            return device

        return make

    def provider() -> list:
        return [(name, factory(name)) for name in DEVICE_NAMES]

    return made, provider


@pytest.fixture
def ringer(tmp_path: Path) -> Iterator[Ringer]:
    """The real ringer, writing to a WAV file instead of a PortAudio device."""
    ring = Ringer(sink=tmp_path / "ring-out.wav")
    yield ring
    ring.stop()


@pytest.fixture
def window(qtbot, phone: Phone, settings: config.Settings, file_devices, ringer, qapp) -> Iterator:
    from ui import i18n
    from ui.main_window import MainWindow

    _made, provider = file_devices
    win = MainWindow(phone, settings, audio_devices_provider=provider, ringer=ringer)
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitExposed(win)
    yield win
    i18n.install(qapp, "en")


class SippUac:
    """sipp calling the agent account once: built-in UAC, or a ``tests/ui/sipp`` scenario."""

    def __init__(
        self, tmp: Path, target_port: int, pause_ms: int = 2000, scenario: str = ""
    ) -> None:
        self.log = tmp / "uac.sipp.log"
        source = ["-sf", str(SCENARIOS / f"{scenario}.xml")] if scenario else ["-sn", "uac"]
        cmd = ["sipp", *source, "-s", "agent", f"127.0.0.1:{target_port}"]
        cmd += ["-i", "127.0.0.1", "-p", str(free_port()), "-m", "1", "-d", str(pause_ms)]
        cmd += ["-nostdin", "-timeout", "30s", "-timeout_error", "-trace_err"]
        self.proc = subprocess.Popen(
            cmd, stdout=self.log.open("wb"), stderr=subprocess.STDOUT, cwd=tmp
        )

    def wait(self, timeout: float = 20.0) -> int:
        return self.proc.wait(timeout=timeout)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)


class SippUas:
    """sipp answering one call with a scenario from ``tests/ui/sipp``; stopped by PID."""

    def __init__(self, tmp: Path, scenario: str, extra: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.log = tmp / f"{scenario}.sipp.log"
        cmd = ["sipp", "-sf", str(SCENARIOS / f"{scenario}.xml"), "-i", "127.0.0.1"]
        cmd += ["-p", str(self.port), "-mp", str(free_rtp_base()), "-m", "1", "-nostdin"]
        cmd += ["-timeout", "30s", "-timeout_error", "-trace_err", "-trace_msg", *extra]
        self.proc = subprocess.Popen(
            cmd, stdout=self.log.open("wb"), stderr=subprocess.STDOUT, cwd=tmp
        )
        time.sleep(0.3)  # let sipp bind before the first request

    def uri(self, user: str = "service") -> str:
        return f"sip:{user}@127.0.0.1:{self.port}"

    wait = SippUac.wait
    stop = SippUac.stop

    def output(self) -> str:
        errors = sorted(self.log.parent.glob("*errors.log"))
        text = self.log.read_text(errors="replace")[-1500:]
        return text + "".join(p.read_text(errors="replace")[-1500:] for p in errors)


@pytest.fixture
def sipp_uas(tmp_path: Path) -> Iterator[Callable[..., SippUas]]:
    started: list[SippUas] = []

    def start(scenario: str, *extra: str) -> SippUas:
        uas = SippUas(tmp_path, scenario, extra)
        started.append(uas)
        return uas

    yield start
    for uas in started:
        uas.stop()


@pytest.fixture
def sipp_uac(tmp_path: Path, line: Line) -> Iterator[Callable[..., SippUac]]:
    started: list[SippUac] = []

    def start(pause_ms: int = 2000, scenario: str = "") -> SippUac:
        uac = SippUac(tmp_path, line.port, pause_ms, scenario)
        started.append(uac)
        return uac

    yield start
    for uac in started:
        uac.stop()
