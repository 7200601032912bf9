"""Fault 1: malformed and hostile server replies.

The client raises ``MalformedReply`` (or the right error of the tree) with a plain sentence
for every bad reply; the worker keeps the outcomes, and once the hostile server turns into
an honest proxy of the real server every outcome is on the server exactly once. The token
never appears in an error or a log line."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import requests
from hostile import Hostile
from syncfix import assert_exactly_once, journal_outcome_uuids, make_worker, save_many, wait_for

from softphone.journal import Journal
from softphone.sync import (
    AuthError,
    ConflictError,
    MalformedReply,
    RequestRejected,
    ServerError,
    SyncClient,
    SyncError,
    TransportError,
)

SENTENCE = {
    "text": "instead of JSON",
    "html502": "text/html instead of JSON",
    "shape": "wrong shape",
    "count": "answered 2 results for 3 outcomes",
    "uuids": "names other outcomes",
    "huge": "too large",
    "announced": "too large",
    "deep": "not valid JSON",
    "ctype": "application/xml instead of JSON",
    "error200": "HTTP 200 but with an error (oops): try later",
    "retry_garbage": "unusable Retry-After",
    "nan": "not valid JSON",
    "badutf8": "not valid JSON",
    "redirect": "unexpected HTTP 302",
    "empty200": "wrong shape",
    "status500html": "instead of JSON",
}


@pytest.fixture
def hostile() -> Iterator[Hostile]:
    server = Hostile().start()
    yield server
    server.stop()


def _client(url: str, token: str = "s3cret-token-value") -> SyncClient:
    return SyncClient(url, requests.Session(), token=token, timeout=(2, 5), max_reply_bytes=65536)


def _items(journal: Journal, n: int = 3) -> list[dict]:
    save_many(journal, [101, 102], 7, n)  # the hostile server checks nothing
    return [item.payload for item in journal.pending(limit=n)]


@pytest.mark.parametrize("mode", sorted(SENTENCE))
def test_bad_reply_is_malformed_with_a_sentence(
    mode: str, hostile: Hostile, journal: Journal, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    hostile.mode = mode
    client = _client(hostile.url)
    with pytest.raises(MalformedReply) as caught:
        client.upload_outcomes(_items(journal))
    message = str(caught.value)
    assert SENTENCE[mode] in message
    assert "Traceback" not in message and len(message) < 300
    assert caught.value.__cause__ is None or not isinstance(caught.value.__cause__, KeyError)
    assert "s3cret-token-value" not in message + caplog.text
    assert isinstance(caught.value, ServerError)  # retried later, never dropped


@pytest.mark.parametrize(
    ("mode", "error", "status", "code"),
    [
        ("status401", AuthError, 401, "unauthenticated"),
        ("status403", AuthError, 403, "forbidden"),
        ("status409", ConflictError, 409, "conflict"),
        ("status422", RequestRejected, 422, "validation_error"),
        ("status404", RequestRejected, 404, "not_found"),
        ("status429", ServerError, 429, "locked"),
        ("status503", ServerError, 503, "unavailable"),
    ],
)
def test_statuses_map_onto_the_error_tree(
    mode: str, error: type[SyncError], status: int, code: str, hostile: Hostile
) -> None:
    hostile.mode = mode
    with pytest.raises(error) as caught:
        _client(hostile.url).presence("ready")
    assert (caught.value.status, caught.value.code) == (status, code)
    assert not isinstance(caught.value, MalformedReply)
    if mode == "status429":
        assert caught.value.retry_after == 7.0  # type: ignore[attr-defined]
    if mode == "status503":
        assert caught.value.retry_after == 2.0  # type: ignore[attr-defined]


def test_truncated_reply_and_refused_connection_are_transport_errors(hostile: Hostile) -> None:
    hostile.mode = "truncated"
    with pytest.raises(TransportError, match="connection failed or was cut"):
        _client(hostile.url).time()
    with pytest.raises(TransportError, match="Cannot reach the server"):
        _client("http://127.0.0.1:9").time()


def test_tls_failure_is_a_transport_error(hostile: Hostile) -> None:
    """An https URL to a plain-HTTP port: the TLS handshake fails (verification is on)."""
    client = _client(hostile.url.replace("http://", "https://"))
    assert client.verify is True
    with pytest.raises(TransportError, match=r"TLS|connection"):
        client.time()


def test_worker_keeps_everything_through_hostile_replies_then_delivers(
    hostile: Hostile, caller, journal: Journal, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    hostile.upstream = caller.url
    save_many(journal, caller.contacts, caller.campaign_id, 12)
    hostile.mode = "count"  # claims "accepted" for all but one: must not be believed
    statuses: list = []
    client = SyncClient(
        hostile.url, requests.Session(), token=caller.token, timeout=(2, 5), max_reply_bytes=65536
    )
    worker = make_worker(
        hostile.url,
        caller.token,
        journal,
        caller.campaign_id,
        statuses=statuses,
        client=client,
        batch_size=5,
    )
    worker.start()
    try:
        for mode in ("count", "uuids", "html502", "huge", "error200", "retry_garbage", "shape"):
            hostile.mode = mode
            seen = len(hostile.seen)
            wait_for(lambda s=seen: len(hostile.seen) >= s + 2, what=f"retries through {mode}")
            assert journal.counts().waiting == 12, mode
        wait_for(lambda: statuses and not statuses[-1].online, what="offline status")
        last = statuses[-1]
        assert last.waiting == 12 and last.last_error and "Traceback" not in last.last_error
        hostile.mode = "proxy"
        assert worker.drain(20)
        wait_for(lambda: statuses[-1].online and statuses[-1].waiting == 0, what="online")
    finally:
        worker.stop()
    assert_exactly_once(caller.engine, caller.campaign_id, journal_outcome_uuids(journal))
    assert caller.token not in caplog.text
    assert all(auth == f"Bearer {caller.token}" for _, _, auth in hostile.seen)
