"""What the MSI's custom actions run (``Sampark --provision …``, ``--remove-user-data``).

``Sampark.exe --provision SERVER_URL=https://… CENTRE_ID=12 SIP_DOMAIN=… SIP_TRANSPORT=tcp``
writes the machine-wide configuration (``paths.machine_config_file()``: on Windows
``%ProgramData%\\Sampark\\sampark.ini``, section ``[sampark]``) that ``softphone.config``
reads. Only the values given (non-empty) are written; other keys of an existing file are kept.
So a major upgrade without properties keeps the previous configuration and a value on the
``msiexec`` command line wins over the previous one. Values are checked (a URL, a transport)
before anything is written; the file is replaced atomically.

``Sampark.exe --remove-user-data [USERS_ROOT]`` deletes every user's Sampark data folder
(journal, logs) under ``USERS_ROOT`` (default ``C:\\Users``; ``<user>\\AppData\\Local\\Sampark``)
and the machine configuration: the uninstaller runs it only when ``REMOVE_USER_DATA=1``.
"""

from __future__ import annotations

import configparser
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from softphone import paths

SECTION = "sampark"
PROPERTIES = {
    "SERVER_URL": "server_url",
    "CENTRE_ID": "centre_id",
    "SIP_DOMAIN": "sip_domain",
    "SIP_TRANSPORT": "sip_transport",
}
TRANSPORTS = ("udp", "tcp", "tls")
EXIT_OK, EXIT_USAGE = 0, 2


def parse_assignments(args: Sequence[str]) -> dict[str, str]:
    """``NAME=value`` pairs (MSI property names) → option names; empty values are skipped."""
    values: dict[str, str] = {}
    for arg in args:
        name, sep, value = arg.partition("=")
        key = PROPERTIES.get(name.strip().upper())
        if not sep or key is None:
            raise ValueError(f"not a known PROPERTY=value: {arg!r} ({', '.join(PROPERTIES)})")
        value = value.strip()
        if value:
            values[key] = _checked(key, value)
    return values


def _checked(key: str, value: str) -> str:
    if key == "server_url" and not value.lower().startswith(("https://", "http://")):
        raise ValueError(f"SERVER_URL must start with https:// (got {value!r})")
    if key == "sip_transport" and value.lower() not in TRANSPORTS:
        raise ValueError(f"SIP_TRANSPORT must be one of {', '.join(TRANSPORTS)}")
    return value.lower() if key == "sip_transport" else value


def write_machine_config(values: dict[str, str], path: Path | None = None) -> Path:
    """Merge ``values`` into the machine INI (created if missing); returns its path."""
    path = path or paths.machine_config_file()
    parser = configparser.ConfigParser(interpolation=None)
    if path.exists():
        parser.read(path, encoding="utf-8")
    if not parser.has_section(SECTION):
        parser.add_section(SECTION)
    for key, value in values.items():
        parser.set(SECTION, key, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".sampark-", suffix=".ini", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        parser.write(out)
    os.replace(tmp, path)
    return path


def remove_user_data(users_root: Path | None = None) -> list[Path]:
    """Delete each user's ``AppData/Local/Sampark`` under ``users_root`` and the machine INI."""
    if users_root is None:
        users_root = Path(os.environ.get("SYSTEMDRIVE", "C:") + "\\") / "Users"
    removed = []
    for profile in sorted(users_root.iterdir()) if users_root.is_dir() else []:
        folder = profile / "AppData" / "Local" / paths.APP
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    machine = paths.machine_config_file()
    if machine.exists():
        machine.unlink()
        removed.append(machine)
    return removed


def main(argv: Sequence[str]) -> int:
    """``--provision NAME=value…`` or ``--remove-user-data [ROOT]`` (argv after the flag)."""
    flag, *rest = argv
    try:
        if flag == "--provision":
            path = write_machine_config(parse_assignments(rest))
            print(f"machine configuration written: {path}")
        else:
            for folder in remove_user_data(Path(rest[0]) if rest else None):
                print(f"removed {folder}")
    except (ValueError, OSError) as exc:
        print(f"sampark {flag}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK
