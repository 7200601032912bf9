"""Fault 3: ``kill -9`` of the softphone at each step of a sync.

A child process saves outcomes and syncs them against the real server, then SIGKILLs
itself: before the upload goes out, after the server stored it but before the reply is
journaled, in the middle of saving outcomes (from a second thread), and while the second
batch's ack is being journaled. Then a new worker on the same journal file finishes the
job: the journal opens cleanly, every outcome whose save returned is intact, and every
outcome in the journal is on the server exactly once (the re-sent ones are answered
``duplicate``, never conflict)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from syncfix import (
    assert_exactly_once,
    journal_outcome_uuids,
    make_worker,
    open_journal,
    server_outcomes,
)

CHILD = Path(__file__).resolve().parent / "child_sync.py"


def _run_child(caller, path: Path, mode: str, n: int = 120) -> list[str]:  # type: ignore[no-untyped-def]
    cfg = {
        "mode": mode,
        "journal": str(path),
        "url": caller.url,
        "token": caller.token,
        "campaign_id": caller.campaign_id,
        "contacts": caller.contacts,
        "n": n,
    }
    proc = subprocess.run(
        [sys.executable, str(CHILD), json.dumps(cfg)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == -signal.SIGKILL, proc.stdout[-500:] + proc.stderr[-2000:]
    lines = proc.stdout.split()
    assert "DRAINED" not in lines
    return lines


@pytest.mark.parametrize(
    ("mode", "on_server_before"),
    [("before_send", 0), ("after_send", 50), ("during_save", None), ("during_ack", 100)],
)
def test_kill_9_at_each_sync_step(caller, tmp_path: Path, mode: str, on_server_before) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "journal.sqlite3"
    acknowledged = _run_child(caller, path, mode)
    assert acknowledged, "the child saved nothing before it was killed"
    before = server_outcomes(caller.engine, caller.campaign_id)
    if on_server_before is not None:
        assert len(before) == on_server_before  # 50: one batch stored, the client never knew
    journal = open_journal(path)  # opens cleanly (quick_check) after the kill
    try:
        saved = journal_outcome_uuids(journal)
        assert set(acknowledged) <= saved  # every save that returned survived
        assert len(saved) - len(acknowledged) <= 1  # at most one committed but not yet printed
        assert set(before) <= saved
        worker = make_worker(caller.url, caller.token, journal, caller.campaign_id)
        worker.start()
        try:
            assert worker.drain(30)
        finally:
            worker.stop()
        counts = journal.counts()
        assert (counts.waiting, counts.rejected, counts.conflict) == (0, 0, 0)
        assert_exactly_once(caller.engine, caller.campaign_id, saved)
    finally:
        journal.close()
