"""Helpers for the sync fault tests: a restartable server on a chosen port, outcomes to
save, a worker with fast backoff, and the check that the server holds every saved outcome
exactly once. Used by the tests and by ``child_sync.py`` (run in a separate process)."""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
from sqlalchemy import Engine, func, select

from softphone.journal import CallRecord, Journal, Outcome
from softphone.sync import SyncClient, SyncStatus, SyncWorker

if TYPE_CHECKING:  # tests/server is on sys.path in the test process, not in the children
    from server_live import Live

FAST = {"retry_base_s": 0.1, "retry_cap_s": 0.5}
JOURNAL_FAST = {"backoff_base": 0.1, "backoff_cap": 0.5}


def reserve_port() -> socket.socket:
    """A loopback TCP socket bound to a free port but not listening: connections to it are
    refused (the server is down) and no outgoing connection can take its port meanwhile."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def make_pair(
    contact_id: int, campaign_id: int, i: int = 0, *, now: datetime | None = None, **kw: Any
) -> tuple[Outcome, CallRecord]:
    """A finished, answered call and its outcome (``disposition`` etc. via ``kw``)."""
    end = now or datetime.now(UTC)
    call = CallRecord(
        number_dialled=f"+9198765{i % 100000:05d}",
        started_at=end - timedelta(seconds=95),
        contact_id=contact_id,
        answered_at=end - timedelta(seconds=90),
        ended_at=end,
        sip_code=200,
        sip_reason="OK",
        media_stats={"mos": 4.2, "jitter_ms": 3.0, "loss_pct": 0.0, "codec": "PCMU"},
        script_version=1,
    )
    fields: dict[str, Any] = {
        "contact_id": contact_id,
        "campaign_id": campaign_id,
        "disposition": "no_answer",
        "survey_answers": {"aware": "yes"},
        "notes": f"note {i}",
        "script_version": 1,
        "language": "en",
        "contact_name": f"Person {i}",
        "created_at": end,
    }
    fields.update(kw)
    return Outcome(**fields), call


def save_many(journal: Journal, contact_ids: list[int], campaign_id: int, n: int) -> list[str]:
    return [
        journal.save_outcome(*make_pair(contact_ids[i % len(contact_ids)], campaign_id, i))
        for i in range(n)
    ]


def make_worker(
    url: str,
    token: str,
    journal: Journal,
    campaign_id: int,
    *,
    session: requests.Session | None = None,
    statuses: list[SyncStatus] | None = None,
    lease_ahead: int = 0,
    client: SyncClient | None = None,
    **kw: Any,
) -> SyncWorker:
    client = client or SyncClient(url, session or requests.Session(), token=token, timeout=(2, 5))
    sink: Callable[[SyncStatus], None] = statuses.append if statuses is not None else _noop
    options = {**FAST, **kw}
    return SyncWorker(
        client,
        journal,
        campaign_id=campaign_id,
        lease_ahead=lease_ahead,
        on_status=sink,
        rng=random.Random(7),
        **options,
    )


def _noop(_status: Any) -> None:
    return None


def open_journal(path: Path, **kw: Any) -> Journal:
    return Journal(path, rng=random.Random(3), **{**JOURNAL_FAST, **kw})


def wait_for(predicate: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what or predicate}")


def server_outcomes(engine: Engine, campaign_id: int) -> dict[str, int]:
    """UUID → number of rows on the server for the campaign."""
    from server.tables import outcomes

    query = (
        select(outcomes.c.uuid, func.count())
        .where(outcomes.c.campaign_id == campaign_id)
        .group_by(outcomes.c.uuid)
    )
    with engine.connect() as conn:
        return {str(uuid): int(n) for uuid, n in conn.execute(query)}


def journal_outcome_uuids(journal: Journal) -> set[str]:
    rows = journal.connection.execute("SELECT uuid FROM outcomes").fetchall()
    return {row[0] for row in rows}


def assert_exactly_once(engine: Engine, campaign_id: int, saved: set[str]) -> None:
    """Every outcome the caller saved is on the server, once; nothing else is."""
    on_server = server_outcomes(engine, campaign_id)
    assert set(on_server) == saved, (
        f"missing {len(saved - set(on_server))}, unexpected {len(set(on_server) - saved)}"
    )
    assert all(n == 1 for n in on_server.values())


def contact_ids(engine: Engine, campaign_id: int) -> list[int]:
    from server.tables import contacts

    query = select(contacts.c.id).where(contacts.c.campaign_id == campaign_id)
    with engine.connect() as conn:
        return sorted(int(row[0]) for row in conn.execute(query))


@dataclass
class Caller:
    """A campaign on the live server with one caller logged in over HTTP."""

    live: Live
    campaign_id: int
    token: str
    contacts: list[int]
    username: str
    database_url: str

    @property
    def url(self) -> str:
        return self.live.url

    @property
    def engine(self) -> Any:
        return self.live.engine


def make_caller(live: Live, server_db: str, contacts: int = 20, **campaign: Any) -> Caller:
    """A new campaign (``campaign`` overrides its settings) with one caller logged in."""
    from server_live import PASSWORD

    world = live.setup(contacts=contacts, callers=1, **campaign)
    client = SyncClient(live.url, requests.Session())
    reply = client.login(world.callers[0], PASSWORD)
    ids = contact_ids(live.engine, world.campaign_id)
    return Caller(live, world.campaign_id, reply.token, ids, world.callers[0], server_db)
