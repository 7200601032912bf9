"""Smoke test for ``bench/bench_softphone.py``: a very short run must produce every figure.

Not a performance test (no targets are checked): it keeps the benchmark from rotting as the
engine, the audio devices and the window evolve. Real peers: sipp, baresip, JACK dummy.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_prints_all_figures(tmp_path: Path) -> None:
    raw = tmp_path / "bench.json"
    cmd = [sys.executable, str(ROOT / "bench" / "bench_softphone.py"), "--json", str(raw)]
    cmd += ["--idle-s", "1", "--call-s", "2", "--settle-s", "0.5", "--calls", "2"]
    cmd += ["--busy-s", "2"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "dial→CONFIRMED" in proc.stdout
    data = json.loads(raw.read_text())
    for side in ("baresip", "sampark"):
        for key in ("cpu_idle", "cpu_call", "dial_ms", "rss_idle", "rss_call"):
            value = data[side][key]
            assert math.isfinite(value) and value >= 0, (side, key, proc.stdout)
        assert data[side]["notes"] == [], data[side]["notes"]  # e.g. "no RTP flowing"
    assert data["sampark"]["dial_ms"] > 0 and data["baresip"]["dial_ms"] > 0
    gui = data["gui"]
    assert gui["notes"] == [], gui["notes"]
    assert 20 < gui["rss_call"] < 1000
    assert 5 < gui["cb_p99"] < 1000 and gui["cb_count"] >= 50  # ~50 callbacks/s on JACK
