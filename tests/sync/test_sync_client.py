"""``SyncClient`` against the real server: every endpoint's reply validates with the wire
models, the server clock is learned, and the token is dropped at logout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from server_live import PASSWORD

from softphone.sync import AuthError, RequestRejected, ServerClock, SyncClient


def test_every_endpoint_round_trip(caller) -> None:  # type: ignore[no-untyped-def]
    skew = timedelta(minutes=-7)
    clock = ServerClock(now=lambda: datetime.now(UTC) + skew)
    client = SyncClient(caller.url, requests.Session(), clock=clock)
    assert not clock.known and clock.known_offset() is None
    login = client.login(caller.username, PASSWORD)
    assert client.token == login.token and login.campaign is not None
    assert login.token not in repr(client)
    assert clock.known and abs((clock.offset + skew).total_seconds()) < 5
    assert abs((clock.now() - datetime.now(UTC)).total_seconds()) < 5
    assert client.campaign(caller.campaign_id).id == caller.campaign_id
    (script,) = client.scripts(caller.campaign_id)
    assert script.language == "en" and script.version >= 1
    leased = client.lease(caller.campaign_id, 3)
    ids = [lease.contact.id for lease in leased.leases]
    assert len(ids) == 3 and {lease.contact.id for lease in client.leases()} == set(ids)
    renewed = client.renew(ids[:2])
    assert sorted(renewed.renewed) == sorted(ids[:2]) and renewed.expires_at is not None
    assert sorted(client.release(ids)) == sorted(ids)
    assert client.presence("ready").state == "ready"
    assert client.dnc() == []
    assert client.time().server_time.tzinfo is not None
    with pytest.raises(RequestRejected) as caught:
        client.presence("paused", reason="not a reason")
    assert caught.value.status == 422 and caught.value.code == "bad_pause_reason"
    client.logout()
    assert client.token is None
    with pytest.raises(AuthError) as refused:
        SyncClient(caller.url, requests.Session(), token=login.token).leases()
    assert refused.value.status == 401


def test_wrong_password_is_an_auth_error_without_the_password(caller) -> None:  # type: ignore[no-untyped-def]
    client = SyncClient(caller.url, requests.Session())
    with pytest.raises(AuthError) as caught:
        client.login(caller.username, "hunter2-wrong")
    assert caught.value.code == "invalid_credentials"
    assert "hunter2" not in str(caught.value) and client.token is None
