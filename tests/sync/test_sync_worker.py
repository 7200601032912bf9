"""The net lane's other duties against the real server: presence (at once and on a
heartbeat), releasing contacts, lease renewal when leases run low, a refused token (pause
until ``set_token``), and surviving unexpected exceptions without losing anything."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import requests
from server_live import PASSWORD
from sqlalchemy import select
from syncfix import (
    assert_exactly_once,
    journal_outcome_uuids,
    make_caller,
    make_worker,
    save_many,
    wait_for,
)

from server.tables import contacts, presence
from softphone.journal import Journal
from softphone.sync import SyncClient, SyncStatus


def _presence(engine, user_state_only: bool = True):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(presence.c.state, presence.c.updated_at)).first()


def _held(engine, campaign_id: int) -> dict[int, object]:  # type: ignore[no-untyped-def]
    query = select(contacts.c.id, contacts.c.lease_expires_at).where(
        contacts.c.campaign_id == campaign_id, contacts.c.lease_owner.is_not(None)
    )
    with engine.connect() as conn:
        return {int(cid): exp for cid, exp in conn.execute(query)}


def test_presence_heartbeat_and_release(caller, journal: Journal) -> None:  # type: ignore[no-untyped-def]
    changed = threading.Event()
    worker = make_worker(
        caller.url,
        caller.token,
        journal,
        caller.campaign_id,
        lease_ahead=4,
        heartbeat_s=0.2,
        on_contacts=changed.set,
    )
    worker.start()
    try:
        wait_for(lambda: len(journal.leased_contacts()) == 4, what="four leased contacts")
        assert changed.is_set() and set(_held(caller.engine, caller.campaign_id)) == {
            c["id"] for c in journal.leased_contacts()
        }
        worker.set_presence("ready")
        wait_for(lambda: (_presence(caller.engine) or ("",))[0] == "ready", what="ready")
        first = _presence(caller.engine)[1]
        wait_for(lambda: _presence(caller.engine)[1] > first, what="a heartbeat")
        worker.set_presence("paused", reason="Tea break")  # not one of the campaign's reasons
        wait_for(lambda: "HTTP 422" in (worker.status.last_error or ""), what="a 422 shown")
        assert worker.status.online and _presence(caller.engine)[0] == "ready"
        worker.set_presence("paused", reason="break")
        wait_for(lambda: _presence(caller.engine)[0] == "paused", what="paused")
        changed.clear()
        gone = journal.leased_contacts()[0]["id"]
        worker.release([gone])
        wait_for(lambda: gone not in _held(caller.engine, caller.campaign_id), what="released")
        assert gone not in {c["id"] for c in journal.leased_contacts()}
        wait_for(changed.is_set, what="on_contacts after release")
        wait_for(lambda: len(journal.leased_contacts()) == 4, what="topped up again")
    finally:
        worker.stop()


def test_leases_running_low_are_renewed_not_replaced(live, server_db, journal: Journal) -> None:  # type: ignore[no-untyped-def]
    short = make_caller(live, server_db, contacts=6, lease_seconds=2)
    worker = make_worker(
        short.url,
        short.token,
        journal,
        short.campaign_id,
        lease_ahead=3,
        min_lease_left=timedelta(minutes=30),
        lease_check_s=0.2,
    )
    worker.start()
    try:
        wait_for(lambda: len(journal.leased_contacts()) == 3, what="three leased")
        ids = {c["id"] for c in journal.leased_contacts()}
        first = dict(journal.lease_expiries())
        wait_for(
            lambda: all(
                journal.lease_expiries().get(str(i), first[str(i)]) > first[str(i)] for i in ids
            ),
            timeout=10,
            what="renewed leases",
        )
        time.sleep(2.5)  # longer than one lease: still the same three, renewed each time
        assert {c["id"] for c in journal.leased_contacts()} == ids
        assert set(_held(short.engine, short.campaign_id)) == ids
    finally:
        worker.stop()


def test_refused_token_pauses_until_a_new_one(caller, journal: Journal) -> None:  # type: ignore[no-untyped-def]
    statuses: list[SyncStatus] = []
    worker = make_worker(caller.url, caller.token, journal, caller.campaign_id, statuses=statuses)
    SyncClient(caller.url, requests.Session(), token=caller.token).logout()  # revoked
    # Saved before the worker starts: its first refused round must already count all five.
    save_many(journal, caller.contacts, caller.campaign_id, 5)
    worker.start()
    try:
        worker.wake()
        wait_for(lambda: statuses and statuses[-1].auth_required, what="auth_required")
        assert statuses[-1].waiting == 5 and "login was refused" in (statuses[-1].last_error or "")
        time.sleep(0.3)
        assert journal.counts().waiting == 5
        fresh = SyncClient(caller.url, requests.Session()).login(caller.username, PASSWORD)
        worker.set_token(fresh.token)
        assert worker.drain(10)
        wait_for(lambda: not statuses[-1].auth_required and statuses[-1].online, what="ok")
    finally:
        worker.stop()
    assert_exactly_once(caller.engine, caller.campaign_id, journal_outcome_uuids(journal))


def test_worker_survives_unexpected_exceptions(caller, journal: Journal) -> None:  # type: ignore[no-untyped-def]
    def bad_callback(_status: SyncStatus) -> None:
        raise RuntimeError("a buggy status handler")

    statuses: list[SyncStatus] = []
    save_many(journal, caller.contacts, caller.campaign_id, 8)
    # Acks cannot be journaled: the delete fails inside the journal.
    journal.connection.execute(
        "CREATE TEMP TRIGGER no_ack BEFORE DELETE ON outbox BEGIN SELECT RAISE(ABORT, 'x'); END"
    )
    worker = make_worker(caller.url, caller.token, journal, caller.campaign_id, statuses=statuses)
    noisy = make_worker(caller.url, caller.token, journal, caller.campaign_id)
    noisy.on_status = bad_callback
    worker.start()
    try:
        wait_for(lambda: statuses and statuses[-1].last_error, what="an error in the status")
        assert "unexpected problem" in (statuses[-1].last_error or "")
        time.sleep(0.5)  # a few more rounds; the thread must still be alive
        assert worker._thread is not None and worker._thread.is_alive()
        assert journal.counts().waiting == 8
        journal.connection.execute("DROP TRIGGER no_ack")
        assert worker.drain(10)  # re-sent, answered duplicate, acknowledged
    finally:
        worker.stop()
    noisy.start()  # a raising on_status does not stop the thread either
    time.sleep(0.2)
    assert noisy._thread is not None and noisy._thread.is_alive()
    noisy.stop()
    assert_exactly_once(caller.engine, caller.campaign_id, journal_outcome_uuids(journal))
