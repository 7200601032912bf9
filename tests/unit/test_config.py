"""Layered settings: defaults < machine INI < user JSON < environment < overrides; bad files
and bad values are reported, never fatal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from softphone import config, paths


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SAMPARK_CONFIG_DIR", str(tmp_path / "user"))
    monkeypatch.setenv("SAMPARK_MACHINE_CONFIG", str(tmp_path / "machine.ini"))
    for opt in config.OPTIONS:
        monkeypatch.delenv(f"SAMPARK_{opt.name.upper()}", raising=False)
    return tmp_path


def write_machine(folders: Path, body: str) -> None:
    (folders / "machine.ini").write_text("[sampark]\n" + body, encoding="utf-8")


def write_user(values: dict | str) -> None:
    path = paths.user_settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(values if isinstance(values, str) else json.dumps(values), encoding="utf-8")


def test_defaults(folders: Path) -> None:
    s = config.load()
    assert s.server_url == "" and s.audio_clock_rate == 16000 and s.tls_verify is True
    assert s.problems == []


def test_layers_later_wins(folders: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_machine(folders, "server_url = https://centre.example\nsip_domain = pbx.local\n")
    write_user({"sip_domain": "user.local", "language": "hi"})
    monkeypatch.setenv("SAMPARK_LANGUAGE", "en")
    s = config.load({"audio_clock_rate": "8000"})
    assert s.server_url == "https://centre.example"  # machine
    assert s.sip_domain == "user.local"  # user beats machine
    assert s.language == "en"  # environment beats user
    assert s.audio_clock_rate == 8000  # override, coerced to int


def test_machine_file_cannot_set_user_only_options(folders: Path) -> None:
    write_machine(folders, "language = hi\nsip_user = someone\n")
    s = config.load()
    assert s.language == "en" and s.sip_user == ""


def test_corrupt_user_file_is_moved_aside_and_reported(folders: Path) -> None:
    write_user("{not json")
    s = config.load()
    assert s.language == "en"
    assert len(s.problems) == 1 and "corrupt" in s.problems[0]
    assert not paths.user_settings_file().exists()
    assert list(paths.config_dir().glob("settings.json.corrupt-*"))


def test_bad_values_are_reported_and_defaults_kept(
    folders: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_machine(folders, "audio_clock_rate = 44100\ntls_verify = maybe\n")
    monkeypatch.setenv("SAMPARK_SIP_LOCAL_PORT", "five")
    s = config.load()
    assert s.audio_clock_rate == 16000 and s.tls_verify is True and s.sip_local_port == 0
    joined = " ".join(s.problems)
    assert "audio_clock_rate" in joined and "tls_verify" in joined
    assert "environment" in joined
    with pytest.raises(ValueError, match="audio_clock_rate"):
        config.load({"audio_clock_rate": 12345})


def test_set_persists_user_layer_only(folders: Path) -> None:
    write_machine(folders, "server_url = https://centre.example\n")
    s = config.load()
    s.set("capture_device", "USB Headset [ALSA]")
    s.set("tls_verify", "false")
    saved = json.loads(paths.user_settings_file().read_text(encoding="utf-8"))
    assert saved == {"capture_device": "USB Headset [ALSA]", "tls_verify": False}
    again = config.load()
    assert again.capture_device == "USB Headset [ALSA]" and again.tls_verify is False
    assert again.server_url == "https://centre.example"
