"""Leasing: exclusive under concurrency (also across two server instances), expiry, release,
renewal, callbacks, DNC, call-frequency limit and calling window."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from server_live import Live, UvicornThread

from server.app import create_app


def _lease(client: httpx.Client, campaign_id: int, count: int = 5) -> list[int]:
    reply = client.post("/leases", json={"campaign_id": campaign_id, "count": count})
    assert reply.status_code == 200, reply.text
    return [lease["contact"]["id"] for lease in reply.json()["leases"]]


def _outcome(contact_id: int, campaign_id: int, disposition: str, **extra: Any) -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "contact_id": contact_id,
        "campaign_id": campaign_id,
        "disposition": disposition,
        "phone": "9000000000",
        "ended_at": datetime.now(UTC).isoformat(),
        "duration_s": 12.5,
        **extra,
    }


def _drain(client: httpx.Client, campaign_id: int) -> list[int]:
    got: list[int] = []
    while batch := _lease(client, campaign_id, 3):
        got += batch
    return got


def test_no_contact_is_leased_to_two_callers_at_once(live: Live) -> None:
    """Ten callers on two server instances grab a 60-contact pool concurrently."""
    world = live.setup(contacts=60, callers=10)
    second_app = create_app(str(live.engine.url.render_as_string(hide_password=False)))
    second = UvicornThread(second_app).start()
    try:
        clients = [
            live.login(name, base_url=(live.url, second.url)[i % 2])
            for i, name in enumerate(world.callers)
        ]
        with ThreadPoolExecutor(len(clients)) as pool:
            results = list(pool.map(lambda c: _drain(c, world.campaign_id), clients))
        held = [len(c.get("/leases").json()) for c in clients]
    finally:
        second.stop()
        second_app.state.engine.dispose()
    counts = Counter(cid for got in results for cid in got)
    assert len(counts) == 60, "every contact leased"
    assert max(counts.values()) == 1, f"leased twice: {[c for c, n in counts.items() if n > 1]}"
    assert sum(1 for got in results if got) >= 2, "the work was spread over several callers"
    assert held == [len(got) for got in results]


def test_lease_carries_the_contact_card(live: Live) -> None:
    world = live.setup(contacts=1)
    caller = live.login(world.callers[0])
    reply = caller.post("/leases", json={"campaign_id": world.campaign_id, "count": 1}).json()
    contact = reply["leases"][0]["contact"]
    assert contact["name"] == "Person 0" and contact["booth_number"] == "100"
    assert contact["phones"][0].startswith("+919") and contact["variables"]["scheme"] == "PM-KISAN"
    expires = datetime.fromisoformat(reply["leases"][0]["expires_at"])
    assert timedelta(minutes=59) < expires - datetime.now(UTC) <= timedelta(minutes=60, seconds=5)


def test_expired_and_released_leases_return_to_the_pool(live: Live) -> None:
    world = live.setup(contacts=3, lease_seconds=1)
    first, second = (live.login(n) for n in world.callers)
    taken = _lease(first, world.campaign_id, 3)
    assert len(taken) == 3
    empty = second.post("/leases", json={"campaign_id": world.campaign_id, "count": 3}).json()
    assert empty["leases"] == [] and empty["refused_reason"] == "no_contacts_available"
    time.sleep(1.2)
    assert sorted(_lease(second, world.campaign_id, 3)) == sorted(taken)
    released = second.post("/leases/release", json={"contact_ids": taken[:2]}).json()
    assert released["released"] == sorted(taken[:2])
    assert sorted(_lease(first, world.campaign_id, 3)) == sorted(taken[:2])


def test_renew_extends_only_own_leases(live: Live) -> None:
    world = live.setup(contacts=2)
    first, second = (live.login(n) for n in world.callers)
    mine = _lease(first, world.campaign_id, 1)
    theirs = _lease(second, world.campaign_id, 1)
    reply = first.post("/leases/renew", json={"contact_ids": mine + theirs}).json()
    assert reply["renewed"] == mine and reply["expires_at"]


def test_callback_goes_to_its_caller_first_then_anyone(live: Live) -> None:
    world = live.setup(contacts=1, callback_grace_seconds=2)
    first, second = (live.login(n) for n in world.callers)
    [contact] = _lease(first, world.campaign_id, 1)
    due = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    item = _outcome(contact, world.campaign_id, "callback", callback_at=due)
    result = first.post("/outcomes/batch", json={"items": [item]}).json()["results"][0]
    assert result["status"] == "accepted", result
    assert _lease(second, world.campaign_id, 1) == [], "within the grace period"
    assert _lease(first, world.campaign_id, 1) == [contact], "the scheduling caller gets it"
    first.post("/leases/release", json={"contact_ids": [contact]})
    time.sleep(1.5)
    assert _lease(second, world.campaign_id, 1) == [contact], "anyone after the grace period"


def test_future_callback_is_not_leased_early(live: Live) -> None:
    world = live.setup(contacts=1)
    caller = live.login(world.callers[0])
    [contact] = _lease(caller, world.campaign_id, 1)
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    caller.post(
        "/outcomes/batch",
        json={"items": [_outcome(contact, world.campaign_id, "callback", callback_at=later)]},
    )
    assert _lease(caller, world.campaign_id, 1) == []


def test_dnc_numbers_and_final_outcomes_are_never_leased(live: Live) -> None:
    world = live.setup(contacts=3)
    caller, sup = live.login(world.callers[0]), live.login(world.supervisor)
    ids = _lease(caller, world.campaign_id, 3)
    cards = {x["contact"]["id"]: x["contact"] for x in caller.get("/leases").json()}
    caller.post("/leases/release", json={"contact_ids": ids})
    phone = cards[ids[0]]["phones"][0]
    assert sup.post("/dnc", json={"phone": phone, "reason": "asked"}).status_code == 201
    assert phone in {e["phone"] for e in caller.get("/dnc").json()}
    done = [
        _outcome(ids[1], world.campaign_id, "completed"),
        _outcome(ids[2], world.campaign_id, "dnc", phone=cards[ids[2]]["phones"][0]),
    ]
    statuses = [
        r["status"] for r in caller.post("/outcomes/batch", json={"items": done}).json()["results"]
    ]
    assert statuses == ["accepted", "accepted"]
    assert _lease(caller, world.campaign_id, 3) == []
    assert cards[ids[2]]["phones"][0] in {e["phone"] for e in caller.get("/dnc").json()}


def test_call_frequency_limit_per_day(live: Live) -> None:
    world = live.setup(contacts=1, max_calls_per_day=1)
    caller = live.login(world.callers[0])
    [contact] = _lease(caller, world.campaign_id, 1)
    caller.post(
        "/outcomes/batch", json={"items": [_outcome(contact, world.campaign_id, "no_answer")]}
    )
    assert _lease(caller, world.campaign_id, 1) == []


def test_outside_calling_window_refuses_to_lease(live: Live) -> None:
    now = datetime.now(UTC)
    start, end = (
        (now + timedelta(hours=2)).strftime("%H:%M"),
        (now + timedelta(hours=3)).strftime("%H:%M"),
    )
    if start > end:  # keep the window inside one day
        start, end = "00:00", (now - timedelta(hours=1)).strftime("%H:%M")
    world = live.setup(contacts=1, timezone="UTC", window_start=start, window_end=end)
    reply = (
        live.login(world.callers[0])
        .post("/leases", json={"campaign_id": world.campaign_id, "count": 1})
        .json()
    )
    assert reply["leases"] == [] and reply["refused_reason"] == "outside_calling_window"


def test_unanswered_contact_rests_before_the_next_attempt(live: Live) -> None:
    world = live.setup(contacts=2, retry_gap_seconds=1)
    caller = live.login(world.callers[0])
    first = _lease(caller, world.campaign_id, 1)
    caller.post("/outcomes/batch", json={"items": [_outcome(first[0], world.campaign_id, "busy")]})
    second = _lease(caller, world.campaign_id, 2)
    assert second and first[0] not in second, "the busy contact rests"
    caller.post("/leases/release", json={"contact_ids": second})
    time.sleep(1.2)
    assert first[0] in _lease(caller, world.campaign_id, 2)


def test_due_callbacks_come_first_in_the_batch(live: Live) -> None:
    world = live.setup(contacts=4)
    caller = live.login(world.callers[0])
    ids = _lease(caller, world.campaign_id, 4)
    due = (datetime.now(UTC) - timedelta(seconds=5)).isoformat()
    last = ids[-1]
    caller.post(
        "/outcomes/batch",
        json={"items": [_outcome(last, world.campaign_id, "callback", callback_at=due)]},
    )
    caller.post("/leases/release", json={"contact_ids": ids})
    assert _lease(caller, world.campaign_id, 4)[0] == last
