"""Device listing and selection: PortAudio devices as plain dataclasses, names from settings.

A device is remembered per PC by its *label*, ``"<PortAudio name> [<host API>]"``, stored in
the settings options ``capture_device``, ``playback_device`` and ``ringer_device`` ("" means
the system default). Indexes are never stored: they change when a headset is plugged in.
Resolution is forgiving: exact label, then the bare device name (preferring the default host
API), else the default device, with the reason logged.

``open_headset(settings)`` is the factory the app and CLI use: a ``PortAudioDevice`` for the
configured devices, or ``NullDevice`` with a clearly logged reason when PortAudio is missing,
has no devices, or the backend is set to "null".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from softphone.audio.device import AudioDevice, NullDevice

log = logging.getLogger(__name__)

Kind = Literal["input", "output"]


@dataclass(frozen=True)
class DeviceInfo:
    index: int
    name: str
    host_api: str
    max_input_channels: int
    max_output_channels: int
    default_samplerate: float
    is_default_input: bool = False
    is_default_output: bool = False

    @property
    def label(self) -> str:
        return f"{self.name} [{self.host_api}]"

    def can(self, kind: Kind) -> bool:
        return (self.max_input_channels if kind == "input" else self.max_output_channels) > 0


def _sounddevice() -> Any:
    """Import sounddevice; raises OSError/ImportError when PortAudio is unavailable."""
    import sounddevice

    return sounddevice


def portaudio_problem() -> str:
    """ "" if PortAudio is usable, else why not (for ``doctor`` and the fallback message)."""
    try:
        sd = _sounddevice()
        sd.query_hostapis()
    except (OSError, ImportError) as exc:
        return f"PortAudio unavailable: {exc}"
    return ""


def list_devices() -> list[DeviceInfo]:
    """All PortAudio devices (empty if PortAudio is unavailable)."""
    try:
        sd = _sounddevice()
        apis = sd.query_hostapis()
        raw = sd.query_devices()
    except (OSError, ImportError) as exc:
        log.info("no PortAudio: %s", exc)
        return []
    out = []
    for d in raw:
        api = apis[d["hostapi"]]
        out.append(
            DeviceInfo(
                index=d["index"],
                name=d["name"],
                host_api=api["name"],
                max_input_channels=d["max_input_channels"],
                max_output_channels=d["max_output_channels"],
                default_samplerate=float(d["default_samplerate"]),
                is_default_input=api["default_input_device"] == d["index"],
                is_default_output=api["default_output_device"] == d["index"],
            )
        )
    return out


def terminate_portaudio() -> None:
    """Release PortAudio (and its JACK client). Needed before a JACK server goes away, or
    PortAudio's exit handler aborts the process. Only while no stream is open."""
    try:
        _sounddevice()._terminate()  # sounddevice has no public API; stable since 0.3
    except Exception as exc:  # PortAudioError, OSError, ImportError
        log.info("PortAudio terminate failed: %s", exc)


def initialize_portaudio() -> None:
    """Initialise PortAudio again (after ``terminate_portaudio``); re-scans devices."""
    try:
        _sounddevice()._initialize()
    except Exception as exc:  # PortAudioError, OSError, ImportError
        log.info("PortAudio initialise failed: %s", exc)


def refresh() -> None:
    """Re-scan devices (PortAudio only sees hot-plugged headsets after a re-initialise).

    Call only while no PortAudio stream is open (e.g. when the settings dialog opens)."""
    terminate_portaudio()
    initialize_portaudio()


def default_device(kind: Kind, devices: list[DeviceInfo] | None = None) -> DeviceInfo | None:
    devices = list_devices() if devices is None else devices
    usable = [d for d in devices if d.can(kind)]
    try:
        idx = _sounddevice().default.device[0 if kind == "input" else 1]
    except (OSError, ImportError):
        idx = -1
    for d in usable:
        if d.index == idx:
            return d
    flagged = [
        d for d in usable if (d.is_default_input if kind == "input" else d.is_default_output)
    ]
    candidates = flagged or usable
    return candidates[0] if candidates else None


def resolve(wanted: str, kind: Kind, devices: list[DeviceInfo] | None = None) -> DeviceInfo | None:
    """The device a stored label (or bare name) means now; default if "" or not found."""
    devices = list_devices() if devices is None else devices
    usable = [d for d in devices if d.can(kind)]
    if wanted:
        for d in usable:
            if d.label == wanted:
                return d
        by_name = [d for d in usable if d.name == wanted or wanted.startswith(d.name + " [")]
        if by_name:
            dflt = default_device(kind, devices)
            same_api = [d for d in by_name if dflt and d.host_api == dflt.host_api]
            return (same_api or by_name)[0]
        log.warning("%s device %r not found; using the default", kind, wanted)
    return default_device(kind, devices)


def open_headset(settings: Any) -> AudioDevice:
    """The headset device the settings ask for (``audio_backend``, ``capture_device``,
    ``playback_device``); ``NullDevice`` with a logged reason when that is impossible."""
    backend = str(getattr(settings, "audio_backend", "portaudio") or "portaudio")
    if backend == "null":
        log.info("audio backend is 'null' in settings: no headset audio")
        return NullDevice()
    problem = portaudio_problem()
    devices = [] if problem else list_devices()
    cap = resolve(settings.capture_device, "input", devices) if devices else None
    play = resolve(settings.playback_device, "output", devices) if devices else None
    if cap is None and play is None:
        reason = problem or "PortAudio found no capture or playback device"
        log.warning("no headset audio (silence): %s", reason)
        return NullDevice()
    from softphone.audio.portaudio import PortAudioDevice

    return PortAudioDevice(
        capture=cap.label if cap else None, playback=play.label if play else None
    )
