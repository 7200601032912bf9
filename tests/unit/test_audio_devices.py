"""Device selection: labels remembered in settings resolve to today's devices; the headset
factory falls back to the null device with a logged reason."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from softphone.audio import devices
from softphone.audio.device import NullDevice
from softphone.audio.devices import DeviceInfo, open_headset, resolve
from softphone.audio.portaudio import PortAudioDevice

MME, WASAPI = "MME", "Windows WASAPI"
DEVS = [
    DeviceInfo(0, "Microsoft Sound Mapper - Input", MME, 2, 0, 44100.0, is_default_input=True),
    DeviceInfo(1, "Headset Microphone (USB)", MME, 1, 0, 44100.0),
    DeviceInfo(2, "Speakers (Realtek)", MME, 0, 2, 44100.0, is_default_output=True),
    DeviceInfo(3, "Headset Earphone (USB)", MME, 0, 2, 44100.0),
    DeviceInfo(4, "Headset Earphone (USB)", WASAPI, 0, 2, 48000.0),
]


@pytest.fixture(autouse=True)
def _defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_sd = SimpleNamespace(default=SimpleNamespace(device=[0, 2]))
    monkeypatch.setattr(devices, "_sounddevice", lambda: fake_sd)


def test_label_round_trips() -> None:
    assert DEVS[4].label == "Headset Earphone (USB) [Windows WASAPI]"
    assert resolve(DEVS[4].label, "output", DEVS) == DEVS[4]


def test_bare_name_prefers_the_default_host_api() -> None:
    assert resolve("Headset Earphone (USB)", "output", DEVS) == DEVS[3]


def test_label_from_another_host_api_falls_back_to_same_name() -> None:
    assert resolve("Headset Earphone (USB) [ALSA]", "output", DEVS) == DEVS[3]


def test_empty_or_unknown_means_default(caplog: pytest.LogCaptureFixture) -> None:
    assert resolve("", "input", DEVS) == DEVS[0]
    assert resolve("Gone Headset [MME]", "output", DEVS) == DEVS[2]
    assert "not found" in caplog.text


def test_kind_is_respected() -> None:
    assert resolve("Speakers (Realtek) [MME]", "input", DEVS) == DEVS[0]


def _settings(**kw: str) -> SimpleNamespace:
    base = {"audio_backend": "portaudio", "capture_device": "", "playback_device": ""}
    return SimpleNamespace(**{**base, **kw})


def test_open_headset_null_backend(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO")
    dev = open_headset(_settings(audio_backend="null"))
    assert type(dev) is NullDevice
    assert "'null'" in caplog.text


def test_open_headset_without_devices_is_null_with_reason(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(devices, "portaudio_problem", lambda: "")
    monkeypatch.setattr(devices, "list_devices", lambda: [])
    assert type(open_headset(_settings())) is NullDevice
    assert "found no capture or playback device" in caplog.text


def test_open_headset_without_portaudio_is_null_with_reason(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(devices, "portaudio_problem", lambda: "PortAudio unavailable: no lib")
    assert type(open_headset(_settings())) is NullDevice
    assert "no lib" in caplog.text


def test_open_headset_picks_configured_devices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(devices, "portaudio_problem", lambda: "")
    monkeypatch.setattr(devices, "list_devices", lambda: DEVS)
    dev = open_headset(
        _settings(capture_device=DEVS[1].label, playback_device="Headset Earphone (USB)")
    )
    assert isinstance(dev, PortAudioDevice)
    assert dev.capture_name == DEVS[1].label
    assert dev.playback_name == DEVS[3].label


def test_real_portaudio_lists_plain_dataclasses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real sounddevice (no sound card here: possibly no devices)
    assert devices.portaudio_problem() == ""
    found = devices.list_devices()
    assert all(isinstance(d, DeviceInfo) for d in found)
    assert all(d.max_input_channels + d.max_output_channels > 0 for d in found)


def test_device_that_cannot_open_leaves_silence_and_a_reason(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import sounddevice as sd

    from softphone.audio import portaudio

    def busy(**_kw: object) -> None:
        raise sd.PortAudioError("Device unavailable [PaErrorCode -9985]")

    monkeypatch.setattr(portaudio, "list_devices", lambda: DEVS)
    monkeypatch.setattr(portaudio, "_pick_rate", lambda _sd, _dev, _kind, rate: rate)
    monkeypatch.setattr(sd, "RawInputStream", busy)
    dev = PortAudioDevice(capture=DEVS[1].label, playback=DEVS[3].label)
    dev.open(16000, 320)  # must not raise: the engine starts without a headset
    assert "Device unavailable" in dev.problem
    assert "headset stays silent" in caplog.text
    buf = memoryview(bytearray(640))
    dev.write_playback(memoryview(b"\x01" * 640))
    dev.read_capture(buf)
    assert bytes(buf) == bytes(640)
    dev.close()
