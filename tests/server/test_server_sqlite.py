"""SQLite specifics: readers are not queued behind a writer (WAL + deferred read
transactions), and writers wait for the write lock instead of failing."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from server_live import Live, UvicornThread

from server.app import create_app


def test_reads_pass_a_held_write_lock_and_writes_wait(tmp_path: Path) -> None:
    path = tmp_path / "server.db"
    app = create_app(f"sqlite:///{path}")
    live = Live(app, UvicornThread(app).start())
    try:
        world = live.setup(contacts=2)
        caller = live.login(world.callers[0])
        blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        blocker.execute("BEGIN IMMEDIATE")  # another process writing
        started = time.monotonic()
        assert caller.get(f"/campaigns/{world.campaign_id}").status_code == 200
        assert caller.get("/leases").status_code == 200
        assert time.monotonic() - started < 2, "reads must not wait for the writer"
        threading.Timer(0.5, lambda: blocker.execute("COMMIT")).start()
        reply = caller.post("/leases", json={"campaign_id": world.campaign_id, "count": 1})
        assert reply.status_code == 200 and len(reply.json()["leases"]) == 1
        assert time.monotonic() - started >= 0.5, "the lease waited for the write lock"
        blocker.close()
    finally:
        live.close()
        live.server.stop()
        app.state.engine.dispose()
