"""Where Sampark keeps its files. Every folder can be overridden by an environment variable,
so tests and portable installs stay isolated.

* ``SAMPARK_CONFIG_DIR``  user settings (default: per-user config dir)
* ``SAMPARK_DATA_DIR``    journal, logs, recordings (default: per-user local app data)
* ``SAMPARK_MACHINE_CONFIG`` machine-wide file written by the installer
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "Sampark"


def _home() -> Path:
    return Path(os.path.expanduser("~"))


def config_dir() -> Path:
    env = os.environ.get("SAMPARK_CONFIG_DIR")
    if env:
        return Path(env)
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", _home() / "AppData" / "Roaming")) / APP
    return Path(os.environ.get("XDG_CONFIG_HOME", _home() / ".config")) / "sampark"


def data_dir() -> Path:
    env = os.environ.get("SAMPARK_DATA_DIR")
    if env:
        return Path(env)
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", _home() / "AppData" / "Local")) / APP
    return Path(os.environ.get("XDG_DATA_HOME", _home() / ".local" / "share")) / "sampark"


def log_dir() -> Path:
    return data_dir() / "logs"


def machine_config_file() -> Path:
    env = os.environ.get("SAMPARK_MACHINE_CONFIG")
    if env:
        return Path(env)
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / APP / "sampark.ini"
    return Path("/etc/sampark/sampark.ini")


def user_settings_file() -> Path:
    return config_dir() / "settings.json"


def resources_dir() -> Path:
    """The shipped ``resources/`` folder (source tree or frozen bundle)."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"
