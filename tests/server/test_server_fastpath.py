"""The raw-ASGI fast path for heartbeats and outcome batches answers exactly as the FastAPI
routes do (errors fall back to them), and coalesced presence writes keep their promises:
``since`` is the start of the state, an older buffered heartbeat never overwrites a newer
one, a logout is not undone by a buffered heartbeat, a state change is in the database
within the flush interval. On SQLite and PostgreSQL against the real server."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

from server_live import Live
from sqlalchemy import select

from server import db, fastpath
from server.presence_buffer import PresenceBuffer
from server.tables import presence


def test_fast_path_serves_good_requests_and_falls_back_for_errors(live: Live) -> None:
    world = live.setup(contacts=2, callers=1)
    caller = live.login(world.callers[0])
    before = dict(fastpath.served)
    ack = caller.post("/presence", json={"state": "ready"})
    assert ack.status_code == 200 and set(ack.json()) == {
        "state",
        "server_time",
        "heartbeat_interval_s",
    }
    assert ack.headers["content-type"] == "application/json"
    assert fastpath.served[fastpath.PRESENCE] == before[fastpath.PRESENCE] + 1
    card = caller.post("/leases", json={"campaign_id": world.campaign_id, "count": 1}).json()
    contact = card["leases"][0]["contact"]
    item = {
        "uuid": str(uuid.uuid4()),
        "contact_id": contact["id"],
        "campaign_id": world.campaign_id,
        "disposition": "no_answer",
        "phone": contact["phones"][0],
        "ended_at": datetime.now(UTC).isoformat(),
    }
    reply = caller.post("/outcomes/batch", json={"items": [item, {"uuid": "x"}]}).json()
    assert [r["status"] for r in reply["results"]] == ["accepted", "rejected"]
    assert fastpath.served[fastpath.OUTCOMES] == before[fastpath.OUTCOMES] + 1
    again = caller.post("/outcomes/batch", json={"items": [item]}).json()
    assert again["results"][0]["status"] == "duplicate"
    # errors: the FastAPI routes answer, with their documented shapes
    served = dict(fastpath.served)
    anonymous = live.client()
    no_token = anonymous.post("/presence", json={"state": "ready"})
    assert no_token.status_code == 401 and no_token.json()["error"]["code"] == "unauthenticated"
    bad = live.client("not-a-token").post("/outcomes/batch", json={"items": [item]})
    assert bad.status_code == 401
    invalid = caller.post("/presence", json={"state": "asleep"})
    assert invalid.status_code == 422 and invalid.json()["error"]["code"] == "validation_error"
    assert invalid.json()["error"]["details"][0]["loc"][0] == "body"
    pause = caller.post("/presence", json={"state": "paused", "reason": "nap"})
    assert pause.status_code == 422 and pause.json()["error"]["code"] == "bad_pause_reason"
    empty = caller.post("/outcomes/batch", json={"items": []})
    assert empty.status_code == 422
    broken = caller.post(
        "/presence", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 422
    nan = caller.post(
        "/presence",
        content=b'{"state": "on_call", "quality": {"mos": NaN}}',
        headers={"content-type": "application/json"},
    )
    assert nan.status_code == 422
    assert fastpath.served == served, "no error was answered by the fast path"
    ok = caller.post("/presence", json={"state": "paused", "reason": "meal"})
    assert (
        ok.status_code == 200
        and fastpath.served[fastpath.PRESENCE] == served[fastpath.PRESENCE] + 1
    )


def _row(live: Live, user_id: int) -> object:
    with live.engine.connect() as conn:
        return conn.execute(select(presence).where(presence.c.user_id == user_id)).first()


def test_coalesced_presence_keeps_since_and_order(live: Live) -> None:
    world = live.setup(contacts=0, callers=1)
    user_id = world.user_ids[world.callers[0]]
    first, second = PresenceBuffer(live.engine), PresenceBuffer(live.engine)  # two processes
    start = db.now()
    extras = {"call_started_at": None, "mos": None, "loss_pct": None, "jitter_ms": None}
    first.record(user_id, "on_call", None, None, extras, start, False)
    first.record(user_id, "on_call", None, None, extras, start + timedelta(seconds=1), False)
    second.record(user_id, "wrap_up", None, None, extras, start + timedelta(seconds=2), False)
    first.record(user_id, "on_call", None, None, extras, start + timedelta(seconds=1.5), False)
    second.flush()
    first.flush()  # older than what the other process wrote: ignored
    row = _row(live, user_id)
    assert row.state == "wrap_up" and row.since == start + timedelta(seconds=2)  # type: ignore[attr-defined]
    second.record(user_id, "wrap_up", None, None, extras, start + timedelta(seconds=3), False)
    second.flush()
    row = _row(live, user_id)
    assert row.since == start + timedelta(seconds=2), "same state: since kept"  # type: ignore[attr-defined]
    assert row.updated_at == start + timedelta(seconds=3)  # type: ignore[attr-defined]
    third = PresenceBuffer(live.engine)
    third.record(user_id, "ready", None, None, extras, start + timedelta(seconds=4), False)
    third.record(user_id, "ready", None, None, extras, start + timedelta(seconds=5), False)
    third.flush()
    row = _row(live, user_id)
    assert (row.state, row.since) == ("ready", start + timedelta(seconds=4))  # type: ignore[attr-defined]
    assert third.flushes == 1


def test_state_change_is_stored_within_the_flush_interval(live: Live) -> None:
    world = live.setup(contacts=0, callers=1)
    caller = live.login(world.callers[0])
    user_id = world.user_ids[world.callers[0]]
    sent = time.monotonic()
    caller.post("/presence", json={"state": "on_call"})
    while (row := _row(live, user_id)) is None or row.state != "on_call":  # type: ignore[attr-defined]
        assert time.monotonic() - sent < 2, "not stored"
        time.sleep(0.01)
    took = time.monotonic() - sent
    print(f"heartbeat → database: {took * 1000:.0f} ms")
    assert took < 1.0
    caller.post("/presence", json={"state": "ready"})
    caller.post("/logout")  # the buffered "ready" must not come back after the logout
    time.sleep(0.6)
    assert _row(live, user_id).state == "logged_out"  # type: ignore[attr-defined]
