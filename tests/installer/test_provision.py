"""``Sampark --provision`` / ``--remove-user-data`` (the MSI's custom actions), run as real
processes; ``softphone.config`` then reads what was written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from softphone import config

ROOT = Path(__file__).resolve().parents[2]


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, SAMPARK_MACHINE_CONFIG=str(tmp_path / "ProgramData/Sampark/sampark.ini"))
    return subprocess.run(
        [sys.executable, "-m", "ui.launcher", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
    )


def test_install_then_upgrade_keeps_and_overrides(tmp_path: Path, monkeypatch) -> None:
    ini = tmp_path / "ProgramData/Sampark/sampark.ini"
    monkeypatch.setenv("SAMPARK_MACHINE_CONFIG", str(ini))
    first = run(
        tmp_path,
        "--provision",
        "SERVER_URL=https://sampark.centre12.example",
        "CENTRE_ID=12",
        "SIP_DOMAIN=pbx.centre12.example",
        "SIP_TRANSPORT=TCP",
    )
    assert first.returncode == 0, first.stderr
    settings = config.load()
    assert settings.server_url == "https://sampark.centre12.example"
    assert (settings.centre_id, settings.sip_domain) == ("12", "pbx.centre12.example")
    assert settings.sip_transport == "tcp"
    # An upgrade without properties keeps everything; a new SERVER_URL wins.
    assert run(tmp_path, "--provision", "SERVER_URL=", "CENTRE_ID=").returncode == 0
    assert config.load().server_url == "https://sampark.centre12.example"
    assert run(tmp_path, "--provision", "SERVER_URL=https://new.example").returncode == 0
    settings = config.load()
    assert settings.server_url == "https://new.example" and settings.centre_id == "12"
    assert not settings.problems


def test_bad_values_write_nothing(tmp_path: Path) -> None:
    ini = tmp_path / "ProgramData/Sampark/sampark.ini"
    bad = run(tmp_path, "--provision", "SERVER_URL=ftp://x", "CENTRE_ID=3")
    assert bad.returncode == 2 and "SERVER_URL" in bad.stderr
    assert run(tmp_path, "--provision", "SIP_TRANSPORT=sctp").returncode == 2
    assert run(tmp_path, "--provision", "PASSWORD=x").returncode == 2
    assert not ini.exists()


def test_remove_user_data(tmp_path: Path) -> None:
    users = tmp_path / "Users"
    for user in ("asha", "ravi"):
        data = users / user / "AppData/Local/Sampark"
        (data / "logs").mkdir(parents=True)
        (data / "journal.sqlite3").write_bytes(b"x")
    (users / "ravi/AppData/Local/Other").mkdir(parents=True)
    assert run(tmp_path, "--provision", "CENTRE_ID=4").returncode == 0
    done = run(tmp_path, "--remove-user-data", str(users))
    assert done.returncode == 0, done.stderr
    assert not (users / "asha/AppData/Local/Sampark").exists()
    assert not (users / "ravi/AppData/Local/Sampark").exists()
    assert (users / "ravi/AppData/Local/Other").is_dir()
    assert not (tmp_path / "ProgramData/Sampark/sampark.ini").exists()
