"""``sampark doctor`` / ``--self-test`` as IT runs it: real subprocesses, a real server.

The failure paths must fail: an unreachable server and a corrupt journal each give a
non-zero exit and name the failing check; a healthy setup (the real server on loopback,
a real journal with a waiting outcome) passes and reports the counts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from netports import free_port

from softphone.journal import Journal

ROOT = Path(__file__).resolve().parents[2]


def run_doctor(tmp_path: Path, *args: str, **env: str) -> tuple[int, dict]:
    full = {k: v for k, v in os.environ.items() if k != "SAMPARK_SERVER_URL"}
    full.update(SAMPARK_DATA_DIR=str(tmp_path / "data"), **env)
    proc = subprocess.run(
        [sys.executable, "-m", "ui.launcher", *args, "--json", "--probe-timeout", "2"],
        capture_output=True,
        text=True,
        timeout=90,
        env=full,
        cwd=ROOT,
    )
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1, (proc.stdout, proc.stderr[-2000:])
    return proc.returncode, json.loads(lines[0])


def test_unreachable_server_fails(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    code, report = run_doctor(tmp_path, "doctor", SAMPARK_SERVER_URL=url)
    assert code == 1
    assert report["server"]["ok"] is False
    assert any(f.startswith(f"server {url}/healthz") for f in report["failures"]), report


def test_corrupt_journal_fails(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "journal.sqlite3").write_bytes(b"SQLite format 3\x00" + os.urandom(8192))
    code, report = run_doctor(tmp_path, "doctor")
    assert code == 1
    assert report["journal"]["ok"] is False and report["journal"]["exists"] is True
    assert any(f.startswith("journal:") for f in report["failures"]), report


@pytest.fixture
def live_server(tmp_path: Path):
    sys.path.insert(0, str(ROOT / "tests" / "server"))
    from server_live import UvicornThread

    from server.app import create_app

    server = UvicornThread(create_app(f"sqlite:///{tmp_path / 'server.sqlite3'}")).start()
    yield server.url
    server.stop()


def test_self_test_passes_with_server_and_journal(tmp_path: Path, live_server: str) -> None:
    journal = Journal(tmp_path / "data" / "journal.sqlite3")
    journal.close()
    code, report = run_doctor(tmp_path, "--self-test", SAMPARK_SERVER_URL=live_server)
    assert report["failures"] == [] and code == 0, report["failures"]
    assert report["modules"]["ok"] and report["modules"]["loaded"] > 100, report["modules"]
    assert report["server"]["ok"] and report["server"]["answer"]["status"] == "ok"
    assert report["journal"] == {**report["journal"], "ok": True, "exists": True, "waiting": 0}
    assert report["tls"]["ok"] and report["pjsua2"]["ok"]
    assert report["version"][0].isdigit(), report["version"]


def test_self_test_text_report_lists_every_check(tmp_path: Path) -> None:
    full = dict(os.environ, SAMPARK_DATA_DIR=str(tmp_path / "data"))
    full.pop("SAMPARK_SERVER_URL", None)
    proc = subprocess.run(
        [sys.executable, "-m", "ui.launcher", "--self-test"],
        capture_output=True,
        text=True,
        timeout=90,
        env=full,
        cwd=ROOT,
    )
    for heading in ("Modules: OK", "TLS: OK", "Server:", "Journal: OK", "pjsua2:", "PortAudio"):
        assert heading in proc.stdout, proc.stdout
    assert proc.returncode == 0 and proc.stdout.rstrip().endswith("OK"), proc.stdout
