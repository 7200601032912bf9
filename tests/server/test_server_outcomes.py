"""Outcome batches: accepted / duplicate / conflict / rejected per item, idempotent under
concurrent re-sends, contact state updated exactly once."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from server_live import Live
from sqlalchemy import func, select

from server.tables import contacts, outcomes


def _item(contact_id: int, campaign_id: int, **extra: Any) -> dict[str, Any]:
    item = {
        "uuid": str(uuid.uuid4()),
        "contact_id": contact_id,
        "campaign_id": campaign_id,
        "disposition": "no_answer",
        "phone": "+91 90000 00000",
        "started_at": "2026-01-05T10:00:00+05:30",
        "ended_at": "2026-01-05T10:00:30+05:30",
        "duration_s": 30,
        "scheme": "PM-KISAN",
        "language": "hi",
        "script_version": 1,
        "notes": "rang out",
        "survey": {"aware": "yes"},
        "media": {"mos": 4.2, "jitter_ms": 3},
        "sip_status": 480,
    }
    item.update(extra)
    return item


def _send(client: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    reply = client.post("/outcomes/batch", json={"items": items})
    assert reply.status_code == 200, reply.text
    return reply.json()["results"]


def _stored(live: Live) -> int:
    with live.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(outcomes)).scalar_one()


def _first_contact(live: Live, campaign_id: int) -> int:
    with live.engine.connect() as conn:
        query = select(func.min(contacts.c.id)).where(contacts.c.campaign_id == campaign_id)
        return conn.execute(query).scalar_one()


def test_accepted_then_duplicate_then_conflict(live: Live) -> None:
    world = live.setup(contacts=1)
    caller = live.login(world.callers[0])
    item = _item(_first_contact(live, world.campaign_id), world.campaign_id)
    assert _send(caller, [item]) == [{"uuid": item["uuid"], "status": "accepted", "reason": None}]
    assert _send(caller, [item])[0]["status"] == "duplicate"
    same_instant = dict(item, ended_at="2026-01-05T04:30:30Z", started_at="2026-01-05T04:30:00Z")
    assert _send(caller, [same_instant])[0]["status"] == "duplicate"
    changed = dict(item, notes="somebody else's note")
    assert _send(caller, [changed])[0]["status"] == "conflict"
    assert _stored(live) == 1
    with live.engine.connect() as conn:
        notes = conn.execute(select(outcomes.c.notes)).scalar_one()
    assert notes == "rang out", "a conflict never overwrites"


def test_bad_items_are_rejected_with_reasons_and_the_rest_accepted(live: Live) -> None:
    world = live.setup(contacts=2)
    caller = live.login(world.callers[0])
    cid, camp = _first_contact(live, world.campaign_id), world.campaign_id
    items = [
        _item(cid, camp),
        {"uuid": "not-a-uuid", "contact_id": cid},
        _item(cid, camp, disposition="teleported"),
        _item(999_999, camp),
        _item(cid, camp, disposition="callback"),
        _item(cid, camp, ended_at="2026-01-05T10:00:30"),  # no offset
        _item(cid, camp, started_at="2026-01-05T11:00:00+05:30"),
        _item(cid, camp, ended_at=(datetime.now(UTC) + timedelta(days=2)).isoformat()),
        _item(cid, camp, duration_s=-1),
        _item(cid, camp, unexpected="field"),
        _item(cid, camp),
    ]
    results = _send(caller, items)
    assert [r["status"] for r in results] == ["accepted"] + ["rejected"] * 9 + ["accepted"]
    reasons = [r["reason"] for r in results[1:10]]
    assert reasons[0].startswith("invalid_payload: uuid")
    assert reasons[1].startswith("unknown_disposition")
    assert reasons[2].startswith("unknown_contact")
    assert reasons[3].startswith("callback_at_required")
    assert reasons[4].startswith("invalid_payload: ended_at")
    assert reasons[5] == "invalid_times: ended_at before started_at"
    assert reasons[6] == "invalid_times: ended_at is in the future"
    assert reasons[7].startswith("invalid_payload: duration_s")
    assert reasons[8].startswith("invalid_payload: unexpected")
    assert results[1]["uuid"] == "not-a-uuid"
    assert _stored(live) == 2


def test_client_clock_two_hours_off_is_accepted(live: Live) -> None:
    world = live.setup(contacts=1)
    caller = live.login(world.callers[0])
    ahead = datetime.now(timezone(timedelta(hours=5, minutes=30))) + timedelta(hours=2)
    item = _item(
        _first_contact(live, world.campaign_id),
        world.campaign_id,
        started_at=None,
        ended_at=ahead.isoformat(),
    )
    assert _send(caller, [item])[0]["status"] == "accepted"


def test_concurrent_resends_store_each_outcome_exactly_once(live: Live) -> None:
    """Eight clients re-send the same 40 outcomes at once (a lost reply, retried)."""
    world = live.setup(contacts=4, callers=1)
    first = _first_contact(live, world.campaign_id)
    items = [_item(first + i % 4, world.campaign_id) for i in range(40)]
    clients = [live.login(world.callers[0]) for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda c: _send(c, items), clients))
    for i in range(40):
        statuses = [a[i]["status"] for a in answers]
        assert statuses.count("accepted") == 1, statuses
        assert set(statuses) <= {"accepted", "duplicate"}
    assert _stored(live) == 40
    with live.engine.connect() as conn:
        attempts = conn.execute(
            select(func.sum(contacts.c.attempts)).where(contacts.c.campaign_id == world.campaign_id)
        ).scalar_one()
    assert attempts == 40, "contact attempts counted once per outcome"


def test_concurrent_batches_on_the_same_contacts_lose_no_attempt(live: Live) -> None:
    """Eight clients send different outcomes for the same two contacts at once: every
    attempt is counted and the newest ended_at wins (no lost update under row locks)."""
    world = live.setup(contacts=2, callers=1)
    first = _first_contact(live, world.campaign_id)
    base = datetime(2026, 1, 5, 4, 30, tzinfo=UTC)
    batches = [
        [
            _item(
                first + i % 2,
                world.campaign_id,
                ended_at=(base + timedelta(minutes=5 * b + i)).isoformat(),
            )
            for i in range(5)
        ]
        for b in range(8)
    ]
    clients = [live.login(world.callers[0]) for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(_send, clients, batches))
    assert all(r["status"] == "accepted" for a in answers for r in a)
    with live.engine.connect() as conn:
        rows = conn.execute(
            select(contacts.c.attempts, contacts.c.last_attempt_at)
            .where(contacts.c.campaign_id == world.campaign_id)
            .order_by(contacts.c.id)
        ).all()
    assert [r.attempts for r in rows] == [24, 16]  # 3 + 2 per batch
    newest = base + timedelta(minutes=5 * 7 + 3)  # batch 7, item 3
    assert rows[1].last_attempt_at == newest.replace(tzinfo=None)


def test_outcome_updates_contact_and_releases_lease(live: Live) -> None:
    world = live.setup(contacts=1)
    caller = live.login(world.callers[0])
    [lease] = caller.post("/leases", json={"campaign_id": world.campaign_id, "count": 1}).json()[
        "leases"
    ]
    cid = lease["contact"]["id"]
    item = _item(cid, world.campaign_id, ended_at=datetime.now(UTC).isoformat(), started_at=None)
    assert _send(caller, [item])[0]["status"] == "accepted"
    assert caller.get("/leases").json() == []
    [again] = caller.post("/leases", json={"campaign_id": world.campaign_id, "count": 1}).json()[
        "leases"
    ]
    assert again["contact"]["attempts"] == 1
    assert again["contact"]["last_disposition"] == "no_answer"
    assert again["contact"]["history"][0]["notes"] == "rang out"


def test_batch_shape_errors_are_422(live: Live) -> None:
    world = live.setup(contacts=0)
    caller = live.login(world.callers[0])
    assert caller.post("/outcomes/batch", json={"items": [1, 2]}).status_code == 422
    assert caller.post("/outcomes/batch", json={"items": [{}] * 501}).status_code == 422
    assert caller.post("/outcomes/batch", json=[]).status_code == 422
