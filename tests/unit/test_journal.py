"""Journal: round trip, atomicity, migrations, outbox backoff and states, restart, errors."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from softphone.journal import (
    CallRecord,
    InvalidOutcome,
    Journal,
    JournalCorrupt,
    JournalError,
    JournalFull,
    JournalReadOnly,
    Outcome,
    backoff,
)
from softphone.journal.migrations import LATEST, migrate, schema_version

T0 = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)


def _call(**kw: object) -> CallRecord:
    base: dict[str, object] = {
        "number_dialled": "+919812345678",
        "started_at": T0,
        "contact_id": 1,
        "answered_at": T0 + timedelta(seconds=4),
        "ended_at": T0 + timedelta(seconds=95),
        "sip_code": 200,
        "sip_reason": "OK",
        "media_stats": {"mos": 4.3, "jitter_ms": 3.5, "loss_pct": 0.1},
        "script_version": 7,
    }
    base.update(kw)
    return CallRecord(**base)  # type: ignore[arg-type]


def _outcome(**kw: object) -> Outcome:
    base: dict[str, object] = {
        "contact_id": 1,
        "campaign_id": 1,
        "disposition": "completed",
        "survey_answers": {"q1": "yes", "q2": ["ujjwala", "pm-kisan"]},
        "notes": "पुनः संपर्क",
        "callback_at": T0 + timedelta(days=1),
        "script_version": 7,
        "phone": "+919812345678",
        "language": "hi",
        "scheme": "PM-KISAN",
        "contact_name": "Ramesh Kumar",
    }
    base.update(kw)
    return Outcome(**base)  # type: ignore[arg-type]


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    j = Journal(tmp_path / "journal.sqlite3", rng=random.Random(1))
    yield j  # type: ignore[misc]
    j.close()


def _count(j: Journal, table: str) -> int:
    return int(j.connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_opens_in_wal_mode_at_latest_schema(journal: Journal) -> None:
    conn = journal.connection
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert schema_version(conn) == LATEST == 4


def test_round_trip_call_and_outcome(journal: Journal) -> None:
    call, outcome = _call(), _outcome()
    uid = journal.save_outcome(outcome, call)
    assert uid == outcome.uuid
    stored = journal.outcome(uid)
    assert stored is not None
    assert stored.call_uuid == call.uuid
    assert stored.to_dict() == {**outcome.to_dict(), "call_uuid": call.uuid}
    assert journal.call(call.uuid) == call
    row = journal.connection.execute("SELECT created_at FROM outcomes").fetchone()
    assert row[0].endswith("+00:00")
    kinds = [(item.kind, item.uuid) for item in journal.pending(now=T0 + timedelta(days=400))]
    assert kinds == [("outcome", uid)]  # the call travels inside the outcome's payload


def test_client_uuids_are_unique_uuid4() -> None:
    import uuid

    ids = {_outcome().uuid for _ in range(50)}
    assert len(ids) == 50
    assert all(uuid.UUID(i).version == 4 for i in ids)


def test_naive_times_are_taken_as_utc_and_offsets_converted() -> None:
    ist = datetime(2026, 11, 28, 11, 30, tzinfo=UTC).astimezone()
    naive = _call(started_at=datetime(2026, 11, 28, 6, 0))
    assert naive.to_dict()["started_at"] == "2026-11-28T06:00:00.000000+00:00"
    assert _call(started_at=ist).to_dict()["started_at"] == "2026-11-28T11:30:00.000000+00:00"


def test_same_outcome_twice_is_idempotent_and_different_content_refused(journal: Journal) -> None:
    outcome = _outcome()
    journal.save_outcome(outcome)
    journal.save_outcome(outcome)
    assert _count(journal, "outcomes") == 1
    with pytest.raises(JournalError, match="different content"):
        journal.save_outcome(
            Outcome(
                **{
                    **outcome.to_dict(),
                    "notes": "changed",
                    "callback_at": None,
                    "created_at": outcome.created_at,
                }
            )
        )


def test_failure_mid_write_leaves_nothing(journal: Journal) -> None:
    # The outbox insert fails after the call and outcome rows were written.
    journal.connection.execute(
        "CREATE TEMP TRIGGER fail BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'boom'); END"
    )
    with pytest.raises(JournalError, match="boom"):
        journal.save_outcome(_outcome(), _call())
    for table in ("calls", "outcomes", "outbox"):
        assert _count(journal, table) == 0, table
    journal.connection.execute("DROP TRIGGER fail")
    journal.save_outcome(_outcome(), _call())  # the journal is still usable
    assert _count(journal, "outbox") == 1


def test_upgrades_a_v1_database(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=1) == 1
    conn.execute(
        "INSERT INTO outbox (uuid, kind, payload, created_at, attempts, next_attempt_at)"
        " VALUES ('u-old', 'outcome', '{\"x\": 1}', '2026-01-01T00:00:00.000000+00:00', 2,"
        " '2026-01-01T00:00:00.000000+00:00')"
    )
    conn.close()
    with Journal(path) as j:
        assert schema_version(j.connection) == LATEST
        # A v1/v2 outbox entry has no wire payload: kept, shown, never retried.
        counts = j.counts()
        assert (counts.waiting, counts.rejected) == (0, 1)
        (item,) = j.problems()
        assert (item.uuid, item.state, item.attempts, item.payload) == (
            "u-old",
            "rejected",
            2,
            {"x": 1},
        )
        assert item.reason is not None and "older version" in item.reason
        j.cache_contacts([{"id": "c-9", "name": "A"}], "camp-1", T0 + timedelta(minutes=30))
        assert j.leased_contacts(now=T0) == [{"id": "c-9", "name": "A"}]


def test_pending_is_oldest_first_limited_and_only_due(journal: Journal) -> None:
    ids = [journal.save_outcome(_outcome()) for _ in range(5)]
    assert [i.uuid for i in journal.pending(limit=3)] == ids[:3]
    now = datetime.now(UTC) + timedelta(seconds=1)  # outbox entries are stamped with real time
    journal.schedule_retry([ids[0]], "timeout", now=now)
    due_now = [i.uuid for i in journal.pending(now=now)]
    assert ids[0] not in due_now and due_now == ids[1:]
    assert [i.uuid for i in journal.pending(now=now + timedelta(minutes=10))] == ids


def test_backoff_doubles_and_caps_with_jitter_bounds() -> None:
    assert [backoff.ceiling(n) for n in (1, 2, 3, 4)] == [5.0, 10.0, 20.0, 40.0]
    assert backoff.ceiling(7) == 300.0 and backoff.ceiling(10_000) == 300.0
    rng = random.Random(42)
    for attempts in range(1, 15):
        draws = [backoff.delay(attempts, rng) for _ in range(200)]
        top = backoff.ceiling(attempts)
        assert all(top / 2 <= d <= top for d in draws)
        assert max(draws) - min(draws) > top / 10  # it really jitters


def test_schedule_retry_records_error_and_grows_delay(journal: Journal) -> None:
    uid = journal.save_outcome(_outcome())
    gaps = []
    for attempt in range(1, 10):
        journal.schedule_retry([uid], f"HTTP 503 #{attempt}", now=T0)
        (row,) = journal.pending(now=T0 + timedelta(hours=1))
        assert row.attempts == attempt and row.last_error == f"HTTP 503 #{attempt}"
        gaps.append((row.next_attempt_at - T0).total_seconds())
    assert 2.5 <= gaps[0] <= 5.0
    assert 5.0 <= gaps[1] <= 10.0
    assert all(150.0 <= g <= 300.0 for g in gaps[6:])


def test_accepted_duplicate_rejected_conflict(journal: Journal) -> None:
    a, b, c, d = (journal.save_outcome(_outcome()) for _ in range(4))
    journal.mark_accepted([a])  # accepted
    journal.mark_accepted([b])  # duplicate: the same as accepted
    journal.mark_rejected(c, "unknown campaign")
    journal.mark_conflict(d, "same UUID, different payload")
    counts = journal.counts()
    assert (counts.waiting, counts.rejected, counts.conflict) == (0, 1, 1)
    assert journal.pending(now=T0 + timedelta(days=400)) == []
    problems = {(p.uuid, p.state, p.reason) for p in journal.problems()}
    assert problems == {
        (c, "rejected", "unknown campaign"),
        (d, "conflict", "same UUID, different payload"),
    }
    assert journal.outcome(a) is not None  # the local record is kept after upload


def test_reopen_resumes_outbox(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    with Journal(path) as j:
        first = j.save_outcome(_outcome(), _call())
        second = j.save_outcome(_outcome())
        j.schedule_retry([first], "offline", now=T0)
        j.mark_rejected(second, "bad disposition")
    with Journal(path) as j:
        counts = j.counts()
        assert (counts.waiting, counts.rejected) == (1, 1)
        (retry,) = [i for i in j.pending(now=T0 + timedelta(hours=1)) if i.uuid == first]
        assert retry.attempts == 1 and retry.last_error == "offline"


def test_disk_full_is_clear_and_earlier_outcomes_intact(journal: Journal) -> None:
    kept = journal.save_outcome(_outcome(), _call())
    conn = journal.connection
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(JournalFull, match="disk is full"):
        journal.save_outcome(_outcome(survey_answers={"q": "x" * 200_000}), _call())
    assert journal.outcome(kept) is not None
    assert (_count(journal, "outcomes"), _count(journal, "calls"), _count(journal, "outbox")) == (
        1,
        1,
        1,
    )


@pytest.mark.parametrize(
    "content", [b"this is not a database" * 100, b"SQLite format 3\x00" + b"\xff" * 200]
)
def test_corrupt_file_raises_journal_corrupt(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.sqlite3"
    path.write_bytes(content)
    with pytest.raises(JournalCorrupt, match="damaged"):
        Journal(path)


def test_corrupt_pages_in_a_real_journal(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    with Journal(path) as j:
        for _ in range(50):
            j.save_outcome(_outcome(notes="n" * 500), _call())
        j.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(2 * page, len(data), page):
        data[offset : offset + 64] = b"\xa5" * 64
    path.write_bytes(bytes(data))
    with pytest.raises(JournalCorrupt):
        Journal(path)


def test_default_path_is_under_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SAMPARK_DATA_DIR", str(tmp_path / "data"))
    with Journal() as j:
        assert j.path == tmp_path / "data" / "journal.sqlite3"
        assert j.path.exists()


def test_outcome_commit_is_synchronous_full_then_back_to_normal(journal: Journal) -> None:
    statements: list[str] = []
    journal.connection.set_trace_callback(statements.append)
    journal.save_outcome(_outcome(), _call())
    journal.connection.set_trace_callback(None)
    full = statements.index("PRAGMA synchronous = FULL")
    begin, commit = statements.index("BEGIN IMMEDIATE"), statements.index("COMMIT")
    assert full < begin < commit
    assert statements.index("PRAGMA synchronous = NORMAL") > commit
    assert journal.connection.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_read_only_journal_raises_clear_error(journal: Journal) -> None:
    kept = journal.save_outcome(_outcome())
    journal.connection.execute("PRAGMA query_only = ON")  # what a read-only file looks like
    with pytest.raises(JournalReadOnly, match="read-only"):
        journal.save_outcome(_outcome())
    assert journal.outcome(kept) is not None and journal.counts().waiting == 1


def test_contact_cache_keeps_valid_leases_only(journal: Journal) -> None:
    journal.cache_contacts([{"id": "a"}, {"id": "b"}], "camp-1", T0 + timedelta(minutes=10))
    journal.cache_contacts([{"id": "c"}], "camp-1", T0 + timedelta(minutes=1))
    assert [c["id"] for c in journal.leased_contacts(now=T0)] == ["a", "b", "c"]
    assert [c["id"] for c in journal.leased_contacts(now=T0 + timedelta(minutes=5))] == ["a", "b"]
    journal.release_contact("a")
    assert journal.purge_expired_contacts(now=T0 + timedelta(minutes=5)) == 1
    assert [c["id"] for c in journal.leased_contacts(now=T0)] == ["b"]


def test_outbox_holds_the_wire_payload(journal: Journal) -> None:
    call = _call(media_stats={"mos": 4.3, "nan": float("nan"), "nested": {"a": 1}, "codec": "PCMU"})
    uid = journal.save_outcome(_outcome(), call)
    (item,) = journal.pending(now=T0 + timedelta(days=400))
    payload = item.payload
    assert payload["uuid"] == uid and payload["call_uuid"] == call.uuid
    assert (payload["contact_id"], payload["campaign_id"], payload["script_version"]) == (1, 1, 7)
    assert payload["phone"] == "+919812345678" and payload["language"] == "hi"
    assert payload["started_at"] == "2026-11-28T06:00:00.000000+00:00"
    assert payload["ended_at"] == "2026-11-28T06:01:35.000000+00:00"
    assert payload["duration_s"] == 91.0  # talk time: answered → ended
    assert payload["media"] == {"mos": 4.3, "codec": "PCMU", "sip_reason": "OK"}
    assert payload["sip_status"] == 200 and payload["survey"]["q1"] == "yes"
    assert "contact_name" not in payload  # local only


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"contact_id": 0}, "contact_id"),
        ({"disposition": ""}, "disposition"),
        ({"notes": "n" * 4001}, "notes"),
        ({"phone": None}, "phone"),
        ({"survey_answers": {"q": {"nested": 1}}}, "survey"),
    ],
)
def test_invalid_outcome_is_refused_before_anything_is_stored(
    journal: Journal, change: dict[str, object], field: str
) -> None:
    call = None if field == "phone" else _call()
    with pytest.raises(InvalidOutcome, match=field) as caught:
        journal.save_outcome(_outcome(**change), call)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, JournalError)
    assert "Nothing was stored" in str(caught.value)
    for table in ("calls", "outcomes", "outbox"):
        assert _count(journal, table) == 0, table


def test_payload_times_use_the_learned_server_offset(tmp_path: Path) -> None:
    skew = timedelta(hours=2)  # the local clock is two hours fast
    with Journal(tmp_path / "j.sqlite3", now=lambda: T0 + skew) as j:
        j.use_server_offset(lambda: -skew)
        j.save_outcome(_outcome(), _call(started_at=T0 + skew, ended_at=T0 + skew))
        (item,) = j.pending(now=T0 + timedelta(days=1))
        assert item.payload["ended_at"] == "2026-11-28T06:00:00.000000+00:00"
        assert j.server_now() == T0
        j.cache_contacts([{"id": 5}], 1, T0 + timedelta(minutes=1))
        assert j.leased_contacts() == [{"id": 5}]  # judged by server time, not the local clock


def test_history_and_sync_state(journal: Journal) -> None:
    synced = journal.save_outcome(_outcome(disposition="no_answer"), _call(answered_at=None))
    waiting = journal.save_outcome(_outcome(contact_name="", contact_id=2))
    rejected = journal.save_outcome(_outcome())
    journal.mark_accepted([synced])
    journal.mark_rejected(rejected, "unknown_contact: not in this campaign")
    journal.cache_contacts([{"id": 2, "name": "Sita Devi"}], 1, T0 + timedelta(days=400))
    rows = {row.uuid: row for row in journal.history(10)}
    assert [journal.sync_state(u) for u in (synced, waiting, rejected)] == [
        "synced",
        "waiting",
        "rejected",
    ]
    assert journal.sync_state("nope") is None
    assert rows[synced].duration_s == 0 and rows[synced].mos == 4.3
    assert rows[synced].disposition == "no_answer" and rows[synced].time == T0
    assert rows[waiting].contact_name == "Sita Devi"  # from the lease cache
    assert rows[rejected].reason == "unknown_contact: not in this campaign"
    assert len(journal.history(2)) == 2
    assert journal.leased_contacts(now=T0) == []  # contact 2 has an unsynced outcome
