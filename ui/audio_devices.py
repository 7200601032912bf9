"""Audio device choices for the settings dialog, and switching the headset device.

A *provider* is a callable returning ``[(name, factory), ...]`` where ``factory()`` makes a fresh
``AudioDevice`` for that name. A factory that accepts a keyword ``role`` is told which side is
wanted ("capture", "playback" or "both"), so a split choice opens only the streams it uses.
The launcher injects the PortAudio provider (``ui.launcher.portaudio_provider``), tests inject
file devices; without one the window offers only the null device. Capture and playback may be
different devices: ``SplitDevice`` joins them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from softphone.audio.device import AudioDevice, NullDevice
from softphone.sip.engine import SipEngine

DeviceFactory = Callable[[], AudioDevice]
DeviceList = list[tuple[str, DeviceFactory]]
DeviceProvider = Callable[[], DeviceList]
NULL_NAME = "null"


def default_provider() -> DeviceList:
    """Only the null device (silence): used when no provider is injected."""
    return [(NULL_NAME, NullDevice)]


def _build(factory: DeviceFactory, role: str) -> AudioDevice:
    try:
        accepts_role = "role" in inspect.signature(factory).parameters
    except (TypeError, ValueError):  # builtins / classes without a signature
        accepts_role = False
    return factory(role=role) if accepts_role else factory()  # type: ignore[call-arg]


class SplitDevice(AudioDevice):
    """Capture from one device, play back on another; statistics are the playback side's."""

    def __init__(self, capture: AudioDevice, playback: AudioDevice) -> None:
        super().__init__()
        self.capture, self.playback = capture, playback
        self.name = f"{capture.name} / {playback.name}"
        self.stats = playback.stats

    def open(self, clock_rate: int, samples_per_frame: int) -> None:
        super().open(clock_rate, samples_per_frame)
        self.capture.open(clock_rate, samples_per_frame)
        self.playback.open(clock_rate, samples_per_frame)

    def close(self) -> None:
        self.capture.close()
        self.playback.close()

    def read_capture(self, buf: memoryview) -> None:
        self.capture.read_capture(buf)

    def write_playback(self, buf: memoryview) -> None:
        self.playback.write_playback(buf)


class HeadsetSwitcher:
    """Builds the headset device for a (capture, playback) choice and hands it to the engine.

    ``engine.set_audio_device`` is a non-blocking engine command; it works during a call.
    """

    def __init__(self, engine: SipEngine, provider: DeviceProvider) -> None:
        self._engine = engine
        self._provider = provider
        self.current: AudioDevice | None = None

    def names(self) -> list[str]:
        return [name for name, _ in self._provider()]

    def make(self, capture: str, playback: str) -> AudioDevice:
        factories = dict(self._provider())
        fallback = factories.get(NULL_NAME, NullDevice)
        if capture == playback:
            return _build(factories.get(playback, fallback), "both")
        return SplitDevice(
            _build(factories.get(capture, fallback), "capture"),
            _build(factories.get(playback, fallback), "playback"),
        )

    def switch(self, capture: str, playback: str) -> AudioDevice:
        device = self.make(capture, playback)
        self._engine.set_audio_device(device)
        self.current = device
        return device
