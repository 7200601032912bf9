"""The server benchmark runs end to end: a short run, no errors, and every outcome the load
generator had acknowledged is in the database exactly once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_server_smoke(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    args = ["--workers", "1", "--duration", "2", "--runs", "1", "--warmup", "0.5"]
    args += ["--callers", "20", "--connections", "8", "--json", str(out)]
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_server.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no lost or doubled writes: ok" in done.stdout
    report = json.loads(out.read_text())
    (result,) = report["results"]
    run = result["median_run"]
    assert result["non_2xx"] == 0 and not result["errors"]
    assert result["rps_median"] > 0 and run["p50_ms"] > 0 and run["p99_ms"] >= run["p50_ms"]
    assert {"presence", "outcomes"} <= set(run["by_kind"])
    assert run["by_kind"]["presence"] > run["by_kind"]["outcomes"] > 0
    assert result["healthz"]["rps"] > 0 and result["healthz"]["non_2xx"] == 0
    assert report["db_outcomes"] == result["items_accepted"] == result["items_sent"] > 0
    assert 0 < run["cpu_pct_of_core"] < 100 and run["server_cpu_pct"] > 0
