"""The demo seed: an always-open window and a short retry gap for a quick demo loop."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from server import campaigns as rules
from server import migrate
from server.db import make_engine
from server.seed import seed_demo
from server.tables import campaigns


def test_seed_demo_always_open_with_short_retry_gap(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    migrate.upgrade(engine)
    result = seed_demo(engine, window=("00:00", "24:00"), retry_gap_seconds=5)
    with engine.connect() as conn:
        row = conn.execute(select(campaigns).where(campaigns.c.id == result["campaign_id"])).one()
    engine.dispose()
    assert (row.retry_gap_seconds, row.lease_seconds) == (5, 3600)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert all(rules.within_window(row, start + timedelta(minutes=m)) for m in range(0, 1440, 7))


def test_seed_demo_cli_retry_gap(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    args = ["seed-demo", "--database-url", url, "--json", "--retry-gap-seconds", "0"]
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    campaign_id = json.loads(done.stdout)["campaign_id"]
    engine = make_engine(url)
    with engine.connect() as conn:
        gap = conn.execute(
            select(campaigns.c.retry_gap_seconds).where(campaigns.c.id == campaign_id)
        ).scalar()
    engine.dispose()
    assert gap == 0
    bad = subprocess.run(
        [sys.executable, "-m", "server.cli", *args[:-1], "-1"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "retry-gap" in bad.stderr
