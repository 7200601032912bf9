"""The board feed: SSE parsing, board rows, and ``BoardStream`` over real HTTP on loopback
(a stand-in serving the documented shapes; tests/ui/supervisor_standin.py): the snapshot at
once, an update within a second, reconnect with capped jittered backoff after a cut, a refused
login shown as such, a silent link treated as dead, stop() never waits for the server."""

from __future__ import annotations

import random
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ui"))
from supervisor_standin import TOKEN, BoardStandIn, board_row, contact

from softphone.monitor.board import BoardLink, BoardRow, BoardSnapshot, BoardStream, SseParser
from softphone.monitor.supervisor import pbx_uri


def wait_for(cond, timeout: float = 5.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


# -- SSE ------------------------------------------------------------------------------------


def test_sse_parser_handles_split_lines_crlf_comments_and_multiline_data() -> None:
    parser = SseParser()
    stream = ': keep-alive\r\n\r\nevent: board\r\ndata: {"a":\r\ndata:  1}\r\n\r\ndata: x\n\n'
    raw = stream.encode()
    events = []
    for i in range(len(raw)):  # one byte at a time: CRLF and UTF-8 split across chunks
        events += parser.feed(raw[i : i + 1])
    assert [(e.event, e.data) for e in events] == [("board", '{"a":\n 1}'), ("message", "x")]


def test_sse_parser_keeps_utf8_split_across_chunks_and_refuses_huge_events() -> None:
    parser = SseParser(max_event_bytes=64)
    raw = "event: board\ndata: सुनीता\n\n".encode()
    events = parser.feed(raw[:22]) + parser.feed(raw[22:])
    assert events[0].data == "सुनीता"
    with pytest.raises(ValueError):
        parser.feed(b"data: " + b"x" * 100 + b"\n")


# -- rows -----------------------------------------------------------------------------------


def test_board_row_from_the_documented_shape() -> None:
    data = board_row(7, "caller_one", "on_call", call_seconds=65, mos=4.2,
                     contact=contact("सुनीता देवी", booth="104"))  # fmt: skip
    row = BoardRow.from_dict(data)
    assert (row.user_id, row.state, row.monitorable) == (7, "on_call", True)
    assert row.contact is not None and row.contact.booth == "Bihar / Bankipur / 104"
    assert row.quality is not None and row.quality.mos == 4.2
    assert row.call_started_at is not None and row.call_started_at.tzinfo is not None
    empty = BoardRow.from_dict(board_row(8, "c2", "on_call", sip_uri=""))
    assert empty.monitorable is False  # nothing to dial


@pytest.mark.parametrize(
    "bad",
    [
        {"agents": {}},
        {"agents": [{"state": "ready"}]},
        {"agents": [{**board_row(1, "a"), "since": "2024-01-01T00:00:00"}]},  # naive time
        {"agents": [{**board_row(1, "a"), "contact": "x"}]},
        [],
    ],
)
def test_wrong_board_shapes_are_refused(bad) -> None:
    with pytest.raises(ValueError):
        BoardSnapshot.from_dict(bad)


def test_pbx_uri_puts_the_feature_code_before_the_extension() -> None:
    assert pbx_uri("*222", "sip:1001@pbx.example:5060") == "sip:*2221001@pbx.example:5060"
    with pytest.raises(ValueError):
        pbx_uri("*222", "sip:nohost")


# -- the stream over real HTTP -----------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.snapshots: list[BoardSnapshot] = []
        self.links: list[BoardLink] = []
        self.lock = threading.Lock()

    def snapshot(self, snap: BoardSnapshot) -> None:
        with self.lock:
            self.snapshots.append(snap)

    def link(self, link: BoardLink) -> None:
        with self.lock:
            self.links.append(link)


@pytest.fixture(params=[False, True], ids=["http10", "chunked"])
def standin(request):
    server = BoardStandIn(chunked=request.param, keepalive_s=0.2)
    yield server
    server.stop()


def make_stream(url: str, rec: Recorder, **kw) -> BoardStream:
    kw.setdefault("retry_base_s", 0.05)
    kw.setdefault("retry_cap_s", 0.2)
    kw.setdefault("read_timeout_s", 2.0)
    return BoardStream(url, lambda: TOKEN, on_snapshot=rec.snapshot, on_link=rec.link, **kw)


def test_stream_gets_the_snapshot_at_once_and_each_change_quickly(standin) -> None:
    standin.publish([board_row(1, "caller_one")])
    rec = Recorder()
    stream = make_stream(standin.url, rec)
    stream.start()
    try:
        wait_for(lambda: rec.snapshots, what="first snapshot")
        assert rec.links[0].online and rec.snapshots[0].rows[0].state == "ready"
        t0 = time.monotonic()
        standin.publish([board_row(1, "caller_one", "on_call", call_seconds=0)])
        wait_for(lambda: rec.snapshots[-1].rows[0].state == "on_call", what="update")
        assert time.monotonic() - t0 < 1.0
        time.sleep(0.5)  # keep-alive comments only: no extra snapshots
        assert len(rec.snapshots) == 2
        assert standin.requests[0]["Accept"] == "text/event-stream"
    finally:
        stream.stop()


def test_stream_reconnects_after_a_cut_and_shows_offline_meanwhile(standin) -> None:
    standin.publish([board_row(1, "caller_one")])
    rec = Recorder()
    stream = make_stream(standin.url, rec)
    stream.start()
    try:
        wait_for(lambda: rec.snapshots, what="first snapshot")
        standin.refuse = 503
        standin.drop_all()
        wait_for(lambda: sum(not link.online for link in rec.links) >= 3, what="retries")
        offline = [link for link in rec.links if not link.online]
        assert all(link.error and link.retry_in_s is not None for link in offline)
        assert all(link.retry_in_s <= 0.2 for link in offline)  # type: ignore[operator]
        standin.refuse = None
        wait_for(lambda: rec.links[-1].online, what="back online")
        assert len(rec.snapshots) >= 2 and standin.connections == 2
    finally:
        stream.stop()


def test_refused_login_is_told_apart(standin) -> None:
    rec = Recorder()
    stream = BoardStream(standin.url, lambda: "wrong", on_snapshot=rec.snapshot,
                         on_link=rec.link, retry_base_s=0.05, retry_cap_s=0.1)  # fmt: skip
    stream.start()
    try:
        wait_for(lambda: rec.links, what="a link state")
        assert rec.links[0].auth_refused and not rec.links[0].online
        assert rec.links[0].auth_required  # 401: log in again
        assert "log in again" in (rec.links[0].error or "")
        assert not rec.snapshots
    finally:
        stream.stop()
    standin.refuse = 403  # not a supervisor: refused, but a new login would not help
    rec = Recorder()
    stream = make_stream(standin.url, rec)
    stream.start()
    try:
        wait_for(lambda: rec.links, what="a link state")
        assert rec.links[0].auth_refused and not rec.links[0].auth_required
        assert "supervisors only" in (rec.links[0].error or "")
    finally:
        stream.stop()


def test_reconnect_now_skips_the_backoff(standin) -> None:
    standin.refuse = 503
    rec = Recorder()
    stream = make_stream(standin.url, rec, retry_base_s=30.0, retry_cap_s=60.0)
    stream.start()
    try:
        wait_for(lambda: rec.links, what="offline")
        assert rec.links[0].retry_in_s is not None and rec.links[0].retry_in_s >= 15
        standin.refuse = None
        t0 = time.monotonic()
        stream.reconnect_now()
        wait_for(lambda: rec.snapshots, timeout=2.0, what="snapshot after reconnect_now")
        assert time.monotonic() - t0 < 1.0 and rec.links[-1].online
    finally:
        stream.stop()


def test_a_silent_link_is_dropped_and_stop_does_not_wait() -> None:
    server = BoardStandIn(keepalive_s=30)  # silent after the first snapshot
    server.publish([board_row(1, "caller_one")])
    rec = Recorder()
    stream = make_stream(server.url, rec, read_timeout_s=0.5)
    stream.start()
    try:
        wait_for(lambda: any(not link.online for link in rec.links), what="silence noticed")
        assert "silent" in (rec.links[-1].error or "")
        wait_for(lambda: server.connections >= 2, what="reconnect")
        t0 = time.monotonic()
        stream.stop()
        assert time.monotonic() - t0 < 1.0 and not stream.running
    finally:
        stream.stop()
        server.stop()


def test_backoff_is_capped_and_jittered() -> None:
    stream = BoardStream("http://127.0.0.1:9", lambda: None, on_snapshot=lambda s: None,
                         rng=random.Random(4), retry_base_s=1.0, retry_cap_s=30.0)  # fmt: skip
    delays = [stream.backoff(n) for n in range(12)]
    assert all(0.5 * min(30, 2**n) <= d < min(30, 2**n) for n, d in enumerate(delays))
    assert max(delays) < 30 and len({round(d, 6) for d in delays[6:]}) == 6  # jitter
