"""Presence heartbeats and the supervisor board; reports and CSV export; scripts."""

from __future__ import annotations

import csv
import io
import time
import uuid
from datetime import UTC, datetime

import pytest
from server_live import Live

from server import config


def test_presence_heartbeat_and_board(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    world = live.setup(contacts=0, callers=2)
    first, second = (live.login(n) for n in world.callers)
    sup = live.login(world.supervisor)
    ack = first.post("/presence", json={"state": "ready"}).json()
    assert ack["state"] == "ready" and ack["heartbeat_interval_s"] == 15
    paused = second.post("/presence", json={"state": "paused", "reason": "meal"})
    assert paused.status_code == 200
    bad = second.post("/presence", json={"state": "paused", "reason": "nap"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "bad_pause_reason"
    assert first.post("/presence", json={"state": "sleeping"}).status_code == 422
    board = {a["username"]: a for a in sup.get("/presence").json()}
    assert board[world.callers[0]]["state"] == "ready"
    assert board[world.callers[1]]["state"] == "paused"
    assert board[world.callers[1]]["reason"] == "meal"
    since = board[world.callers[0]]["since"]
    first.post("/presence", json={"state": "ready"})
    first.post("/presence", json={"state": "on_call", "contact_id": 5})
    board = {a["username"]: a for a in sup.get("/presence").json()}
    assert board[world.callers[0]]["state"] == "on_call"
    assert board[world.callers[0]]["since"] > since
    monkeypatch.setattr(config, "PRESENCE_STALE_SECONDS", 1)
    time.sleep(1.2)
    second.post("/presence", json={"state": "wrap_up"})
    board = {a["username"]: a for a in sup.get("/presence").json()}
    assert board[world.callers[0]]["state"] == "logged_out", "silent agents fall off"
    assert board[world.callers[1]]["state"] == "wrap_up"


def test_logout_shows_logged_out(live: Live) -> None:
    world = live.setup(contacts=0, callers=1)
    caller, sup = live.login(world.callers[0]), live.login(world.supervisor)
    caller.post("/presence", json={"state": "ready"})
    caller.post("/logout")
    [agent] = sup.get("/presence").json()
    assert agent["state"] == "logged_out"


def _outcome(contact: dict, campaign_id: int, disposition: str, scheme: str) -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "contact_id": contact["id"],
        "campaign_id": campaign_id,
        "disposition": disposition,
        "phone": contact["phones"][0],
        "scheme": scheme,
        "ended_at": datetime.now(UTC).isoformat(),
        "duration_s": 20,
        "notes": "=cmd|x",
    }


def test_reports_by_disposition_booth_scheme_and_csv(live: Live) -> None:
    world = live.setup(contacts=4, max_calls_per_day=5)
    caller, sup = live.login(world.callers[0]), live.login(world.supervisor)
    leases = caller.post("/leases", json={"campaign_id": world.campaign_id, "count": 4}).json()
    cards = [lease["contact"] for lease in leases["leases"]]
    plan = [
        ("completed", "PM-KISAN"),
        ("busy", "Ujjwala"),
        ("busy", "PM-KISAN"),
        ("no_answer", "PM-KISAN"),
    ]
    items = [_outcome(c, world.campaign_id, d, s) for c, (d, s) in zip(cards, plan, strict=True)]
    caller.post("/outcomes/batch", json={"items": items})

    def report(group_by: str) -> dict:
        reply = sup.get(
            "/reports/outcomes", params={"campaign_id": world.campaign_id, "group_by": group_by}
        )
        assert reply.status_code == 200, reply.text
        return {r["key"]: r["count"] for r in reply.json()["rows"]}

    assert report("disposition") == {"busy": 2, "completed": 1, "no_answer": 1}
    assert report("scheme") == {"PM-KISAN": 3, "Ujjwala": 1}
    booths = report("booth")
    assert sum(booths.values()) == 4 and all(k.startswith("Bihar / Bankipur / ") for k in booths)
    assert report("caller") == {world.callers[0]: 4}
    assert (
        caller.get("/reports/outcomes", params={"campaign_id": world.campaign_id}).status_code
        == 403
    )
    export = sup.get("/reports/outcomes.csv", params={"campaign_id": world.campaign_id})
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert len(rows) == 4 and {r["uuid"] for r in rows} == {i["uuid"] for i in items}
    assert all(r["booth_number"] and r["assembly_constituency"] == "Bankipur" for r in rows)
    assert rows[0]["notes"] == "'=cmd|x", "spreadsheet formulas are neutralised"


def test_scripts_are_versioned_per_language(live: Live) -> None:
    world = live.setup(contacts=0)
    sup, caller = live.login(world.supervisor), live.login(world.callers[0])
    script = {
        "language": "hi",
        "title": "नमस्ते",
        "sections": [{"title": "a", "text": "{{name}} जी"}],
    }
    assert sup.post(f"/campaigns/{world.campaign_id}/scripts", json=script).json()["version"] == 1
    second = sup.post(f"/campaigns/{world.campaign_id}/scripts", json=dict(script, title="v2"))
    assert second.status_code == 201 and second.json()["version"] == 2
    newest = caller.get(f"/campaigns/{world.campaign_id}/scripts").json()
    assert {(s["language"], s["version"]) for s in newest} == {("en", 1), ("hi", 2)}
    every = caller.get(
        f"/campaigns/{world.campaign_id}/scripts", params={"language": "hi", "all_versions": "true"}
    ).json()
    assert [s["version"] for s in every] == [1, 2]
    assert caller.post(f"/campaigns/{world.campaign_id}/scripts", json=script).status_code == 403
    campaign = caller.get(f"/campaigns/{world.campaign_id}").json()
    assert campaign["languages"] == ["en", "hi"]


def test_on_call_heartbeat_keeps_the_lease_alive(live: Live) -> None:
    world = live.setup(contacts=1, lease_seconds=1)
    first, second = (live.login(n) for n in world.callers)
    reply = first.post("/leases", json={"campaign_id": world.campaign_id, "count": 1}).json()
    contact = reply["leases"][0]["contact"]["id"]
    for _ in range(3):
        time.sleep(0.5)
        first.post("/presence", json={"state": "on_call", "contact_id": contact})
    taken = second.post("/leases", json={"campaign_id": world.campaign_id, "count": 1}).json()
    assert taken["leases"] == [], "the call in progress kept the lease"
    time.sleep(1.2)
    taken = second.post("/leases", json={"campaign_id": world.campaign_id, "count": 1}).json()
    assert [lease["contact"]["id"] for lease in taken["leases"]] == [contact]
