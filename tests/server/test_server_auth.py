"""Login, tokens, roles and error shapes over real HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from server_live import PASSWORD, Live


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_login_returns_shift_configuration(live: Live) -> None:
    world = live.setup(contacts=0)
    reply = live.client().post("/login", json={"username": world.callers[0], "password": PASSWORD})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert len(body["token"]) >= 40
    assert body["user"]["role"] == "caller"
    assert body["centre"]["id"] == world.centre_id
    assert body["sip"]["username"] == world.callers[0] and body["sip"]["password"]
    assert body["campaign"]["id"] == world.campaign_id
    assert body["campaign"]["languages"] == ["en"]
    codes = {d["code"] for d in body["campaign"]["dispositions"]}
    assert {"completed", "no_answer", "busy", "wrong_number", "callback", "dnc"} <= codes
    assert len(_b64(body["server_public_key"])) == 32
    skew = datetime.fromisoformat(body["server_time"]) - datetime.now(UTC)
    assert abs(skew.total_seconds()) < 5


def test_bad_credentials_and_tokens_are_401_json(live: Live) -> None:
    world = live.setup(contacts=0)
    anon = live.client()
    wrong = anon.post("/login", json={"username": world.callers[0], "password": "nope"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "invalid_credentials"
    nobody = anon.post("/login", json={"username": "ghost", "password": "nope"})
    assert nobody.status_code == 401
    assert anon.get("/leases").status_code == 401
    bad = live.client("not-a-token").get("/leases")
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "unauthenticated"


def test_logout_revokes_the_token(live: Live) -> None:
    world = live.setup(contacts=0)
    caller = live.login(world.callers[0])
    assert caller.get("/leases").status_code == 200
    assert caller.post("/logout").status_code == 204
    assert caller.get("/leases").status_code == 401


def test_tokens_are_stored_hashed(live: Live) -> None:
    world = live.setup(contacts=0)
    token = live.login(world.callers[0]).login_reply["token"]  # type: ignore[attr-defined]
    with live.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT token_hash FROM tokens").scalars().all()
    assert stored and all(token.encode() not in bytes(s) for s in stored)


def test_callers_cannot_use_supervisor_endpoints(live: Live) -> None:
    world = live.setup(contacts=0)
    caller = live.login(world.callers[0])
    denied = caller.get("/presence")
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"
    sup = live.login(world.supervisor)
    assert sup.get("/presence").status_code == 200


def test_bad_input_is_a_clear_4xx_never_500(live: Live) -> None:
    world = live.setup(contacts=1)
    caller = live.login(world.callers[0])
    cases = [
        caller.post("/leases", content=b"{not json", headers={"content-type": "application/json"}),
        caller.post("/leases", json={"campaign_id": 2**70, "count": 1}),
        caller.post("/leases", json={"campaign_id": "x"}),
        caller.post("/presence", json={"state": "ready", "reason": "a\x00b"}),
        caller.post("/outcomes/batch", json={"items": []}),
        caller.get("/campaigns/99999999999"),
        caller.get("/campaigns/424242"),
        caller.post("/leases", json={"campaign_id": 424242, "count": 1}),
    ]
    statuses = [r.status_code for r in cases]
    assert statuses == [422, 422, 422, 422, 422, 422, 404, 404]
    assert all("error" in r.json() for r in cases)


def test_monitor_grant_is_signed_with_the_login_key(live: Live) -> None:
    world = live.setup(contacts=0)
    sup = live.login(world.supervisor)
    agent = world.user_ids[world.callers[0]]
    reply = sup.post("/monitor-grants", json={"agent_id": agent, "mode": "whisper"})
    assert reply.status_code == 201, reply.text
    head, sig = reply.json()["token"].split(".")
    key = Ed25519PublicKey.from_public_bytes(_b64(sup.login_reply["server_public_key"]))  # type: ignore[attr-defined]
    key.verify(_b64(sig), head.encode())  # raises if the signature is wrong
    claims = json.loads(_b64(head))
    assert claims["agt"] == agent and claims["mode"] == "whisper"
    assert 0 < claims["exp"] - claims["iat"] <= 60
    caller = live.login(world.callers[0])
    assert (
        caller.post("/monitor-grants", json={"agent_id": agent, "mode": "listen"}).status_code
        == 403
    )


def test_repeated_wrong_passwords_lock_the_account(live: Live) -> None:
    world = live.setup(contacts=0, callers=2)
    anon = live.client()
    target, other = world.callers
    for _ in range(9):
        assert anon.post("/login", json={"username": target, "password": "x"}).status_code == 401
    live.login(target)  # a success resets the count
    for _ in range(10):
        assert anon.post("/login", json={"username": target, "password": "x"}).status_code == 401
    locked = anon.post("/login", json={"username": target, "password": PASSWORD})
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "locked"
    live.login(other)  # other accounts are unaffected
