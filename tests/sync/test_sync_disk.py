"""Fault 5: the disk fills up.

Simulated with ``PRAGMA max_page_count`` in-process, and for real: a child process whose
journal is on a 2 MiB tmpfs mounted in a private user+mount namespace (``unshare -rm``,
no root needed). Either way the save that does not fit raises ``JournalFull`` with a clear
sentence, the earlier outcomes are intact, and once there is room again everything
reaches the server exactly once."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from syncfix import (
    assert_exactly_once,
    journal_outcome_uuids,
    make_pair,
    make_worker,
    save_many,
)

from softphone.journal import Journal, JournalFull

CHILD = Path(__file__).resolve().parent / "child_disk.py"


def test_page_limit_full_then_room_again(caller, journal: Journal) -> None:  # type: ignore[no-untyped-def]
    kept = save_many(journal, caller.contacts, caller.campaign_id, 20)
    conn = journal.connection
    conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
    big = make_pair(caller.contacts[0], caller.campaign_id, 99, notes="x" * 4000)
    with pytest.raises(JournalFull, match="disk is full, nothing was saved"):
        for _ in range(200):
            journal.save_outcome(
                *make_pair(caller.contacts[0], caller.campaign_id, notes="x" * 4000)
            )
    assert all(journal.outcome(u) is not None for u in kept)
    worker = make_worker(caller.url, caller.token, journal, caller.campaign_id)
    worker.start()
    try:
        assert worker.drain(15)  # acks still fit: deleting outbox rows needs no new pages
        conn.execute("PRAGMA max_page_count = 1073741823")
        journal.save_outcome(*big)
        worker.wake()
        assert worker.drain(15)
    finally:
        worker.stop()
    assert_exactly_once(caller.engine, caller.campaign_id, journal_outcome_uuids(journal))


def test_real_full_filesystem_in_a_user_namespace(caller, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    unshare = shutil.which("unshare")
    assert unshare, "util-linux unshare is needed (scripts/install-deps.sh)"
    mount_dir = tmp_path / "tiny"
    mount_dir.mkdir()
    cfg = {
        "dir": str(mount_dir),
        "url": caller.url,
        "token": caller.token,
        "campaign_id": caller.campaign_id,
        "contacts": caller.contacts,
    }
    script = 'mount -t tmpfs -o size=2m none "$1" && df -k "$1" >&2 && exec "$2" "$3" "$4"'
    proc = subprocess.run(
        [
            unshare,
            "-rm",
            "sh",
            "-c",
            script,
            "sh",
            str(mount_dir),
            sys.executable,
            str(CHILD),
            json.dumps(cfg),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "2048" in proc.stderr  # df saw the tiny filesystem
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["full_error"] and "disk is full" in report["full_error"]
    assert len(report["acknowledged"]) >= 20 and report["intact"]
    assert set(report["acknowledged"]) | set(report["after"]) == set(report["journal"])
    assert report["drained"] and report["waiting"] == 0
    assert_exactly_once(caller.engine, caller.campaign_id, set(report["journal"]))
