"""Faults 2, 4, 6 and 7 against the real server over HTTP on loopback.

2. The server is down for the whole first part, then comes back: offline with everything
   waiting, then drained and online. 4. A reply lost after the server stored the batch: the
   retry is answered ``duplicate`` (SQLite and PostgreSQL). 6. The client clock is 2 h fast
   or slow. 7. An invalid outcome is refused at save; server-side rejections and conflicts
   are kept locally with their reason and never retried.
After each, every outcome the caller saved is on the server exactly once."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from hostile import Hostile
from server_live import UvicornThread
from sqlalchemy import select
from syncfix import (
    assert_exactly_once,
    journal_outcome_uuids,
    make_pair,
    make_worker,
    open_journal,
    reserve_port,
    save_many,
    wait_for,
)

from server.app import create_app
from server.tables import outcomes
from softphone.journal import InvalidOutcome, Journal
from softphone.sync import ServerClock, SyncClient, SyncStatus


def test_server_down_for_the_whole_save_then_back(caller, journal: Journal) -> None:  # type: ignore[no-untyped-def]
    sock = reserve_port()  # bound, not listening: connections are refused
    port = sock.getsockname()[1]
    statuses: list[SyncStatus] = []
    worker = make_worker(
        f"http://127.0.0.1:{port}", caller.token, journal, caller.campaign_id, statuses=statuses
    )
    worker.start()
    app = server = None
    try:
        save_many(journal, caller.contacts, caller.campaign_id, 30)
        worker.wake()
        wait_for(
            lambda: statuses and not statuses[-1].online and statuses[-1].waiting == 30,
            what="offline with 30 waiting",
        )
        time.sleep(1.0)  # several failed rounds
        assert "Cannot reach the server" in (statuses[-1].last_error or "")
        assert (
            min(item.attempts for item in journal.pending(now=datetime.max.replace(tzinfo=UTC)))
            >= 1
        )
        assert journal.counts().waiting == 30
        app = create_app(caller.database_url)
        server = UvicornThread(app, sock=sock).start()
        wait_for(
            lambda: statuses[-1].online and statuses[-1].waiting == 0,
            timeout=20,
            what="online and drained",
        )
        assert statuses[-1].last_error is None and statuses[-1].last_synced_at is not None
    finally:
        worker.stop()
        if server is not None:
            server.stop()
        if app is not None:
            app.state.engine.dispose()
    assert_exactly_once(caller.engine, caller.campaign_id, journal_outcome_uuids(journal))


@pytest.mark.parametrize("server_db", ["sqlite", "postgresql"], indirect=True)
def test_lost_reply_is_answered_duplicate_and_stored_once(caller, journal: Journal) -> None:  # type: ignore[no-untyped-def]
    proxy = Hostile(upstream=caller.url).start()
    proxy.queue.extend(["drop", "drop"])  # the server stores two batches, the client hears nothing
    worker = make_worker(proxy.url, caller.token, journal, caller.campaign_id, batch_size=10)
    try:
        save_many(journal, caller.contacts, caller.campaign_id, 25)
        worker.start()
        assert worker.drain(20)
    finally:
        worker.stop()
        proxy.stop()
    replies = b"\n".join(proxy.replies)
    assert replies.count(b'"status":"duplicate"') == 20  # the two dropped batches, re-sent
    assert replies.count(b'"status":"accepted"') == 25
    assert b'"conflict"' not in replies
    assert_exactly_once(caller.engine, caller.campaign_id, journal_outcome_uuids(journal))


def _ended_at(engine: Any, uuid: str) -> datetime:
    with engine.connect() as conn:
        value = conn.execute(select(outcomes.c.ended_at).where(outcomes.c.uuid == uuid)).scalar()
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@pytest.mark.parametrize("hours", [2, -2])
def test_client_clock_skew(caller, tmp_path: Path, hours: int) -> None:  # type: ignore[no-untyped-def]
    skew = timedelta(hours=hours)

    def now() -> datetime:
        return datetime.now(UTC) + skew

    journal = open_journal(tmp_path / "skewed.sqlite3", now=now)
    client = SyncClient(
        caller.url, requests.Session(), token=caller.token, clock=ServerClock(now=now)
    )
    worker = make_worker(
        caller.url,
        caller.token,
        journal,
        caller.campaign_id,
        client=client,
        lease_ahead=5,
        lease_check_s=0.1,
    )
    tail = caller.contacts[-3:]
    early = journal.save_outcome(*make_pair(tail[0], caller.campaign_id, 0, now=now()))
    try:
        worker.start()
        wait_for(lambda: len(journal.leased_contacts()) >= 5, what="five leased contacts")
        assert abs((client.clock.offset + skew).total_seconds()) < 5
        time.sleep(0.6)  # several lease checks: fresh leases must not look expired or low
        assert len(client.leases()) == 5
        later = [
            journal.save_outcome(*make_pair(c, caller.campaign_id, i, now=now()))
            for i, c in enumerate(tail[1:], 1)
        ]
        worker.wake()
        assert worker.drain(15)
    finally:
        worker.stop()
    true_now = datetime.now(UTC)
    for uuid in later:  # corrected with the learned offset: true times on the server
        assert abs((_ended_at(caller.engine, uuid) - true_now).total_seconds()) < 60
    # saved before any reply: sent as the local clock said, and still accepted
    assert abs((_ended_at(caller.engine, early) - (true_now + skew)).total_seconds()) < 60
    assert_exactly_once(caller.engine, caller.campaign_id, journal_outcome_uuids(journal))
    journal.close()
    with open_journal(tmp_path / "skewed.sqlite3", now=now) as reopened:  # after a restart,
        remembered = reopened.server_offset()  # offline: the offset is still known
        assert remembered is not None and abs((remembered + skew).total_seconds()) < 5


class CountingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.uploads = 0

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if url.endswith("/outcomes/batch"):
            self.uploads += 1
        return super().request(method, url, *args, **kwargs)


def test_invalid_refused_at_save_and_rejections_kept_not_retried(
    caller, journal: Journal, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    c0 = caller.contacts[0]
    with pytest.raises(InvalidOutcome, match="disposition"):
        journal.save_outcome(*make_pair(c0, caller.campaign_id, disposition="x" * 41))
    with pytest.raises(ValueError, match="contact_id"):
        journal.save_outcome(*make_pair(-5, caller.campaign_id))
    assert journal_outcome_uuids(journal) == set() and journal.counts().waiting == 0

    good = save_many(journal, caller.contacts, caller.campaign_id, 4)
    bad = {
        journal.save_outcome(*make_pair(2_000_000, caller.campaign_id, 1)): "unknown_contact",
        journal.save_outcome(*make_pair(c0, caller.campaign_id, 2, disposition="made_up")): (
            "unknown_disposition"
        ),
        journal.save_outcome(*make_pair(c0, caller.campaign_id, 3, disposition="callback")): (
            "callback_at_required"
        ),
    }
    # The same UUID as an accepted outcome, with another payload, from a second install.
    other = open_journal(tmp_path / "other.sqlite3")
    first = journal.outcome(good[0])
    assert first is not None
    twin = other.save_outcome(replace(first, notes="changed elsewhere", phone="+919876500000"))
    session = CountingSession()
    statuses: list[SyncStatus] = []
    worker = make_worker(
        caller.url, caller.token, journal, caller.campaign_id, session=session, statuses=statuses
    )
    other_worker = make_worker(caller.url, caller.token, other, caller.campaign_id)
    try:
        worker.start()
        assert worker.drain(15)
        other_worker.start()
        assert other_worker.drain(15)
        uploads = session.uploads
        for _ in range(5):
            worker.wake()
            time.sleep(0.1)
        assert session.uploads == uploads  # rejected items are never sent again
    finally:
        worker.stop()
        other_worker.stop()
    wait_for(lambda: statuses[-1].rejected == 3 and statuses[-1].waiting == 0, what="status")
    reasons = {item.uuid: item.reason or "" for item in journal.problems()}
    assert set(reasons) == set(bad)
    assert all(reasons[u].startswith(code) for u, code in bad.items())
    history = {row.uuid: row for row in journal.history(20)}
    assert {u for u, row in history.items() if row.sync_state == "rejected"} == set(bad)
    assert all(history[u].sync_state == "synced" for u in good)
    (conflict,) = other.problems()
    assert (conflict.uuid, conflict.state, other.sync_state(twin)) == (twin, "conflict", "conflict")
    other.close()
    assert_exactly_once(caller.engine, caller.campaign_id, set(good))
