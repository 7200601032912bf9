"""Layered, typed settings (DESIGN.md §7, STYLE.md 7).

Every option is declared once in ``OPTIONS`` with its type and default. Layers, later wins:
built-in defaults < machine-wide INI (installer) < user settings JSON < environment
(``SAMPARK_<NAME>`` upper-case) < command-line overrides.

Secrets (SIP password, API token) are never stored here: they live in the OS keyring
(``softphone.secrets``).

A corrupt user file is not fatal: it is moved aside to ``settings.json.corrupt-<ts>`` and
reported through ``Settings.problems`` so the UI can say so.
"""

from __future__ import annotations

import configparser
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from softphone import paths


@dataclass(frozen=True)
class Option:
    name: str
    type: type
    default: Any
    doc: str = ""
    machine: bool = False  # may be set by the machine-wide file
    choices: tuple[Any, ...] = ()  # allowed values, if limited


OPTIONS: tuple[Option, ...] = (
    Option("server_url", str, "", "Central server base URL", machine=True),
    Option("centre_id", str, "", "Centre identifier", machine=True),
    Option("sip_domain", str, "", "SIP domain", machine=True),
    Option("sip_transport", str, "udp", "udp | tcp | tls", machine=True),
    Option("sip_registrar", str, "", "Registrar URI (default: sip:<domain>)", machine=True),
    Option("sip_user", str, "", "SIP user (normally from login)"),
    Option("sip_local_port", int, 0, "Local SIP port (0 = any)"),
    Option("srtp", str, "optional", "disabled | optional | mandatory", machine=True),
    Option("tls_verify", bool, True, "Verify the TLS server certificate", machine=True),
    Option("language", str, "en", "Interface language: en | hi"),
    Option("capture_device", str, "", "Microphone (PortAudio device name)"),
    Option("playback_device", str, "", "Headset speaker (PortAudio device name)"),
    Option("ringer_device", str, "", "Ringer output (PortAudio device name)"),
    Option("audio_backend", str, "portaudio", "portaudio | null"),
    Option(
        "audio_clock_rate",
        int,
        16000,
        "Audio bridge rate: 16000 (wideband, G.722) or 8000 (narrowband only; less CPU)",
        machine=True,
        choices=(8000, 16000),
    ),
    Option("auto_dial_uri", bool, False, "Dial tel:/sip: links without confirming", machine=True),
    Option("log_level", str, "INFO", "Python log level"),
    Option(
        "monitor_backend",
        str,
        "builtin",
        "Supervisor monitoring: builtin (signed grants, the caller's softphone bridges) | pbx "
        "(dial the PBX's feature codes below)",
        machine=True,
        choices=("builtin", "pbx"),
    ),
    Option(
        "pbx_listen_code", str, "*222", "PBX feature code to listen (+ extension)", machine=True
    ),
    Option("pbx_whisper_code", str, "*223", "PBX feature code to whisper", machine=True),
    Option("pbx_barge_code", str, "*224", "PBX feature code to barge in", machine=True),
    Option(
        "show_monitor_indicator",
        bool,
        True,
        "Centre policy: the caller sees when a supervisor is listening",
        machine=True,
    ),
)

_BY_NAME = {o.name: o for o in OPTIONS}


def _coerce(opt: Option, value: Any) -> Any:
    value = _convert(opt, value)
    if opt.choices and value not in opt.choices:
        raise ValueError(f"{opt.name}: {value!r} is not one of {opt.choices}")
    return value


def _convert(opt: Option, value: Any) -> Any:
    if opt.type is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"{opt.name}: not a boolean: {value!r}")
    if opt.type is int:
        return int(value)
    return str(value)


class Settings:
    """Resolved settings. Attribute access by option name; ``set`` writes the user layer."""

    def __init__(self, values: dict[str, Any], user: dict[str, Any], problems: list[str]):
        self._values = values
        self._user = user
        self.problems = problems

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, name: str) -> Any:
        return self._values[name]

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def set(self, name: str, value: Any) -> None:
        """Change one user setting and persist it (atomic replace)."""
        opt = _BY_NAME[name]
        value = _coerce(opt, value)
        self._values[name] = value
        self._user[name] = value
        save_user(self._user)


def _read_machine(path: Path, problems: list[str]) -> dict[str, Any]:
    if not path.exists():
        return {}
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError) as exc:
        problems.append(f"machine config {path} unreadable: {exc}")
        return {}
    out: dict[str, Any] = {}
    if parser.has_section("sampark"):
        for key, raw in parser.items("sampark"):
            opt = _BY_NAME.get(key)
            if opt is None or not opt.machine:
                continue
            try:
                out[key] = _coerce(opt, raw)
            except ValueError as exc:
                problems.append(f"machine config: {exc}")
    return out


def _read_user(path: Path, problems: list[str]) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
        try:
            path.replace(aside)
        except OSError:
            aside = path
        problems.append(f"user settings were corrupt ({exc}); moved to {aside}, using defaults")
        return {}
    out: dict[str, Any] = {}
    for key, raw in data.items():
        opt = _BY_NAME.get(key)
        if opt is None:
            continue
        try:
            out[key] = _coerce(opt, raw)
        except (ValueError, TypeError) as exc:
            problems.append(f"user settings: {exc}")
    return out


def save_user(values: dict[str, Any]) -> None:
    path = paths.user_settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(values, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def load(overrides: dict[str, Any] | None = None) -> Settings:
    problems: list[str] = []
    values = {o.name: o.default for o in OPTIONS}
    values.update(_read_machine(paths.machine_config_file(), problems))
    user = _read_user(paths.user_settings_file(), problems)
    values.update(user)
    for opt in OPTIONS:
        env = os.environ.get(f"SAMPARK_{opt.name.upper()}")
        if env is not None:
            try:
                values[opt.name] = _coerce(opt, env)
            except ValueError as exc:
                problems.append(f"environment: {exc}")
    for key, raw in (overrides or {}).items():
        if raw is None:
            continue
        values[key] = _coerce(_BY_NAME[key], raw)
    return Settings(values, user, problems)
