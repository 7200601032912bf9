"""The frozen Linux app (PyInstaller, ``installer/sampark.spec``) passes its own self-test.

The bundle is built into ``build/test-bundle/`` by ``installer/build_bundle.py`` and reused
while nothing that goes into it changed (a fresh build takes ~1.5 min on 2 cores). The
frozen ``Sampark --self-test`` then imports every module, creates the pjsua2 endpoint,
checks PortAudio, TLS and the journal, offscreen, and must exit 0; a frozen headless call
through the embedded demo callee proves pjsua2 and the audio bridge work frozen.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "installer"))
import build_bundle  # noqa: E402

DIST = ROOT / "build" / "test-bundle"


@pytest.fixture(scope="module")
def app() -> Path:
    built, seconds = build_bundle.build(DIST, ROOT / "build" / "test-bundle-work")
    size = build_bundle.size_bytes(DIST / "Sampark") / 1e6
    what = f"built in {seconds:.0f} s" if built else "cached"
    print(f"\nbundle {what}; {size:.0f} MB")
    return build_bundle.executable(DIST)


def frozen_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.pop("SAMPARK_SERVER_URL", None)
    env.update(QT_QPA_PLATFORM="offscreen", SAMPARK_DATA_DIR=str(tmp_path / "data"))
    return env


def test_frozen_self_test_passes(app: Path, tmp_path: Path) -> None:
    start = time.monotonic()
    proc = subprocess.run(
        [str(app), "--self-test", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=frozen_env(tmp_path),
    )
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1, (proc.stdout, proc.stderr[-3000:])
    report = json.loads(lines[0])
    assert proc.returncode == 0 and report["ok"], report["failures"]
    for check in ("modules", "pjsua2", "portaudio", "tls", "server", "registrar", "journal"):
        assert check in report
    assert report["modules"]["loaded"] > 100 and not report["modules"]["failed"]
    assert report["pjsua2"]["pjsip_version"].startswith("2.15.1")
    assert Path(report["tls"]["ca_bundle"]).is_relative_to(app.parent)
    assert report["version"][0].isdigit()
    print(f"frozen self-test: {time.monotonic() - start:.1f} s")


def test_frozen_text_report_and_failure(app: Path, tmp_path: Path) -> None:
    env = frozen_env(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    (data / "journal.sqlite3").write_bytes(b"not a database at all" * 100)
    proc = subprocess.run(
        [str(app), "--self-test"], capture_output=True, text=True, timeout=120, env=env
    )
    for heading in ("Modules: OK", "TLS: OK", "Journal: FAILED", "pjsua2:", "Registrar:"):
        assert heading in proc.stdout, proc.stdout
    assert proc.returncode == 1 and "FAILED: journal:" in proc.stdout


def test_frozen_headless_demo_call(app: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(app), "demo", "--headless", "--call-only", "--duration", "1", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=frozen_env(tmp_path),
    )
    assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-3000:])
