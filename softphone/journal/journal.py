"""The softphone's local journal: one SQLite file per user profile (WAL mode).

``Journal.save_outcome`` stores the call record, the outcome and the outcome's outbox entry
(the exact wire ``OutcomeIn`` payload, validated before anything is written) in one
transaction committed with ``synchronous=FULL``, so an acknowledged outcome survives power
loss. The outbox API (``pending`` / ``mark_*`` / ``schedule_retry`` / ``counts``) is for the
sync worker; everything lives in the file, so it resumes after a restart. ``history`` and
``sync_state`` feed the call-history panel. Thread-safe (one lock).

The local clock is injected (``now``); ``use_server_offset`` lets the sync worker share the
learned server-clock offset, which corrects payload times and lease-expiry decisions.
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from softphone import paths
from softphone.journal import backoff
from softphone.journal.errors import JournalCorrupt, JournalError, JournalFull, JournalReadOnly
from softphone.journal.migrations import migrate
from softphone.journal.models import (
    CallRecord,
    HistoryEntry,
    OutboxCounts,
    OutboxItem,
    Outcome,
    from_utc_text,
    to_utc_text,
    utc_now,
)

WAL_PAGES = 128  # 512 KiB; p99 of a durable save measured no worse than the default 1000
_SQLITE_READONLY, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_NOTADB = 8, 11, 13, 26


def default_path() -> Path:
    return paths.data_dir() / "journal.sqlite3"


def _translate(exc: sqlite3.Error, path: Path) -> JournalError:
    code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    if code == _SQLITE_FULL:
        return JournalFull(f"journal {path}: disk is full, nothing was saved ({exc})")
    if code == _SQLITE_READONLY:
        return JournalReadOnly(f"journal {path}: file is read-only, nothing was saved ({exc})")
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return JournalCorrupt(f"journal {path}: file is damaged or not a journal ({exc})")
    return JournalError(f"journal {path}: {exc}")


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


class Journal:
    """Open (creating or upgrading) the journal at ``path``; close it with ``close()``."""

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        rng: random.Random | None = None,
        now: Callable[[], datetime] = utc_now,
        backoff_base: float = backoff.BASE_SECONDS,
        backoff_cap: float = backoff.CAP_SECONDS,
    ):
        self.path = Path(path) if path is not None else default_path()
        self._rng = rng or random.Random()
        self._now = now
        self._backoff = (backoff_base, backoff_cap)
        self._offset_source: Callable[[], timedelta | None] = lambda: None
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise JournalError(f"journal {self.path}: cannot open ({exc})") from exc
        try:
            self._setup()
        except sqlite3.Error as exc:
            self._conn.close()
            raise _translate(exc, self.path) from exc

    def _setup(self) -> None:
        self._conn.execute("PRAGMA busy_timeout = 5000")
        mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise JournalError(f"journal {self.path}: WAL mode refused ({mode})")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        # A small WAL: most data lives in the main file, where pages freed by acknowledged
        # outbox rows are reused, so a nearly full disk still takes new outcomes.
        self._conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_PAGES}")
        self._conn.execute(f"PRAGMA journal_size_limit = {WAL_PAGES * 4096 * 2}")
        migrate(self._conn)
        self._check()

    def _check(self) -> None:
        result = self._conn.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise JournalCorrupt(f"journal {self.path}: integrity check failed ({result})")

    @property
    def connection(self) -> sqlite3.Connection:
        """The raw connection (tests and diagnostics only)."""
        return self._conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- clocks ---------------------------------------------------------------------------

    def use_server_offset(self, source: Callable[[], timedelta | None]) -> None:
        """Where to read the server-clock offset (None while unknown); the sync worker's."""
        self._offset_source = source

    def server_offset(self) -> timedelta | None:
        offset = self._offset_source()
        if offset is None:
            stored = self.meta("server_offset_s")
            offset = timedelta(seconds=float(stored)) if stored else None
        return offset

    def local_now(self) -> datetime:
        return self._now()

    def server_now(self) -> datetime:
        """Best guess of the server's clock: lease expiries are compared against this."""
        return self._now() + (self.server_offset() or timedelta(0))

    def meta(self, key: str) -> str | None:
        rows = self._read("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self._write() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self, durable: bool = False) -> Iterator[sqlite3.Connection]:
        """One transaction; errors become JournalError and roll everything back."""
        with self._lock:
            conn = self._conn
            try:
                if durable:
                    conn.execute("PRAGMA synchronous = FULL")
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                error = _translate(exc, self.path)
                if isinstance(error, JournalFull):
                    self._reclaim()
                raise error from exc
            finally:
                if durable:
                    conn.execute("PRAGMA synchronous = NORMAL")

    def _reclaim(self) -> None:
        """After a full disk: fold the WAL into the database and truncate it (best effort),
        so space freed since (acknowledged outbox rows, other files) can be used again."""
        with suppress(sqlite3.Error):
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _read(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                cursor = self._conn.execute(sql, args)
                cursor.row_factory = sqlite3.Row
                return cursor.fetchall()
            except sqlite3.Error as exc:
                raise _translate(exc, self.path) from exc

    # -- saving ---------------------------------------------------------------------------

    def save_outcome(self, outcome: Outcome, call: CallRecord | None = None) -> str:
        """Durably store ``outcome`` (and its ``call``) with its outbox entry; return its UUID.

        The outbox entry is the wire payload (``campaign.records.outcome_payload``); an
        outcome the server would refuse raises ``InvalidOutcome`` and nothing is stored.
        Saving the same outcome again is a no-op; the same UUID with different content raises
        JournalError (never a silent overwrite)."""
        from softphone.campaign.records import outcome_payload  # domain → wire; no cycle

        if call is not None and outcome.call_uuid is None:
            outcome = replace(outcome, call_uuid=call.uuid)
        existing = self.outcome(outcome.uuid)
        if existing is not None:
            if existing.to_dict() == outcome.to_dict():
                return outcome.uuid
            raise JournalError(f"outcome {outcome.uuid} already saved with different content")
        payload = outcome_payload(outcome, call, offset=self.server_offset())
        now = to_utc_text(self._now())
        with self._write(durable=True) as conn:
            if call is not None:
                self._insert_call(conn, call)
            self._insert_outcome(conn, outcome)
            self._enqueue(conn, "outcome", outcome.uuid, payload, now)
        return outcome.uuid

    @staticmethod
    def _insert_call(conn: sqlite3.Connection, call: CallRecord) -> None:
        row = call.to_dict()
        row["media_stats"] = _dump(row["media_stats"])
        conn.execute(
            "INSERT INTO calls (uuid, contact_id, number_dialled, started_at, answered_at,"
            " ended_at, sip_code, sip_reason, media_stats, script_version) VALUES (:uuid,"
            " :contact_id, :number_dialled, :started_at, :answered_at, :ended_at, :sip_code,"
            " :sip_reason, :media_stats, :script_version)",
            row,
        )

    @staticmethod
    def _insert_outcome(conn: sqlite3.Connection, outcome: Outcome) -> None:
        row = outcome.to_dict()
        row["survey_answers"] = _dump(row["survey_answers"])
        conn.execute(
            "INSERT INTO outcomes (uuid, call_uuid, contact_id, campaign_id, disposition,"
            " survey_answers, notes, callback_at, created_at, script_version, phone, language,"
            " scheme, contact_name) VALUES (:uuid, :call_uuid, :contact_id, :campaign_id,"
            " :disposition, :survey_answers, :notes, :callback_at, :created_at,"
            " :script_version, :phone, :language, :scheme, :contact_name)",
            row,
        )

    @staticmethod
    def _enqueue(
        conn: sqlite3.Connection, kind: str, uuid: str, payload: dict[str, Any], now: str | None
    ) -> None:
        conn.execute(
            "INSERT INTO outbox (uuid, kind, payload, created_at, attempts, next_attempt_at)"
            " VALUES (?, ?, ?, ?, 0, ?)",
            (uuid, kind, _dump(payload), now, now),
        )

    # -- reading --------------------------------------------------------------------------

    def outcome(self, uuid: str) -> Outcome | None:
        rows = self._read("SELECT * FROM outcomes WHERE uuid = ?", (uuid,))
        if not rows:
            return None
        row = dict(rows[0])
        row["survey_answers"] = json.loads(row["survey_answers"] or "{}")
        row["callback_at"] = from_utc_text(row["callback_at"])
        row["created_at"] = from_utc_text(row["created_at"])
        for key in ("contact_id", "campaign_id", "script_version"):
            row[key] = _number(row[key])
        row["contact_name"] = row["contact_name"] or ""
        return Outcome(**row)

    def call(self, uuid: str) -> CallRecord | None:
        rows = self._read("SELECT * FROM calls WHERE uuid = ?", (uuid,))
        if not rows:
            return None
        row = dict(rows[0])
        row["media_stats"] = json.loads(row["media_stats"] or "{}")
        for key in ("started_at", "answered_at", "ended_at"):
            row[key] = from_utc_text(row[key])
        for key in ("contact_id", "script_version"):
            row[key] = _number(row[key])
        return CallRecord(**row)

    # -- outbox (for the sync worker) -----------------------------------------------------

    def pending(
        self, limit: int = 100, now: datetime | None = None, *, ignore_schedule: bool = False
    ) -> list[OutboxItem]:
        """Items due for upload at ``now`` (every waiting one with ``ignore_schedule``),
        oldest first."""
        if ignore_schedule:
            sql = "SELECT * FROM outbox WHERE state = 'pending' ORDER BY created_at, rowid LIMIT ?"
            rows = self._read(sql, (limit,))
        else:
            rows = self._read(
                "SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?"
                " ORDER BY created_at, rowid LIMIT ?",
                (to_utc_text(now or self._now()), limit),
            )
        return [_item(row) for row in rows]

    def problems(self) -> list[OutboxItem]:
        """Rejected and conflicting items (kept locally so the caller can see them)."""
        rows = self._read("SELECT * FROM outbox WHERE state != 'pending' ORDER BY created_at")
        return [_item(row) for row in rows]

    def mark_accepted(self, uuids: Iterable[str]) -> None:
        """The server has the items (accepted or duplicate): drop them from the outbox."""
        with self._write() as conn:
            conn.executemany("DELETE FROM outbox WHERE uuid = ?", [(u,) for u in uuids])

    def mark_rejected(self, uuid: str, reason: str) -> None:
        self._set_state(uuid, "rejected", reason)

    def mark_conflict(self, uuid: str, reason: str) -> None:
        self._set_state(uuid, "conflict", reason)

    def _set_state(self, uuid: str, state: str, reason: str) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE outbox SET state = ?, reason = ? WHERE uuid = ?", (state, reason, uuid)
            )

    def schedule_retry(self, uuids: Iterable[str], error: str, now: datetime | None = None) -> None:
        """Upload failed: back off exponentially (with jitter, capped) and remember the error."""
        start = now or self._now()
        with self._write() as conn:
            for uuid in uuids:
                row = conn.execute("SELECT attempts FROM outbox WHERE uuid = ?", (uuid,)).fetchone()
                if row is None:
                    continue
                attempts = int(row[0]) + 1
                due = start + timedelta(seconds=backoff.delay(attempts, self._rng, *self._backoff))
                conn.execute(
                    "UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ?"
                    " WHERE uuid = ?",
                    (attempts, to_utc_text(due), error, uuid),
                )

    def next_due(self) -> datetime | None:
        """When the earliest waiting item is due (local clock), None when nothing waits."""
        rows = self._read("SELECT MIN(next_attempt_at) AS due FROM outbox WHERE state = 'pending'")
        return from_utc_text(rows[0]["due"]) if rows else None

    def counts(self) -> OutboxCounts:
        rows = self._read("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state")
        by_state = {row["state"]: int(row["n"]) for row in rows}
        return OutboxCounts(
            waiting=by_state.get("pending", 0),
            rejected=by_state.get("rejected", 0),
            conflict=by_state.get("conflict", 0),
        )

    # -- leased contact cache ---------------------------------------------------------------

    def cache_contacts(
        self, contacts: Iterable[dict[str, Any]], campaign_id: int | str, expires_at: datetime
    ) -> None:
        """Keep leased contacts (each a dict with an ``id``) until their lease expires
        (``expires_at`` in server time). Renewing a cached contact keeps its place."""
        now, expiry = to_utc_text(self.server_now()), to_utc_text(expires_at)
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO contacts (contact_id, campaign_id, data, leased_at,"
                " lease_expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(contact_id) DO UPDATE"
                " SET data = excluded.data, lease_expires_at = excluded.lease_expires_at",
                [(str(c["id"]), str(campaign_id), _dump(c), now, expiry) for c in contacts],
            )

    def leased_contacts(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Contacts whose lease is still valid at ``now`` (default: server time), in lease
        order, without those that already have an outcome waiting to sync."""
        rows = self._read(
            "SELECT data FROM contacts WHERE lease_expires_at > ? AND contact_id NOT IN"
            " (SELECT o.contact_id FROM outcomes o JOIN outbox b ON b.uuid = o.uuid"
            " WHERE b.state = 'pending')"
            " ORDER BY leased_at, rowid",
            (to_utc_text(now or self.server_now()),),
        )
        return [json.loads(row["data"]) for row in rows]

    def lease_expiries(self) -> dict[str, datetime]:
        """Every cached contact id with its lease expiry (server time)."""
        rows = self._read("SELECT contact_id, lease_expires_at FROM contacts")
        return {
            row["contact_id"]: from_utc_text(row["lease_expires_at"]) or utc_now() for row in rows
        }

    def release_contact(self, contact_id: int | str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM contacts WHERE contact_id = ?", (str(contact_id),))

    def release_contacts(self, contact_ids: Iterable[int | str]) -> None:
        """Drop these contacts from the cache (their lease ended or was handed back)."""
        with self._write() as conn:
            conn.executemany(
                "DELETE FROM contacts WHERE contact_id = ?", [(str(c),) for c in contact_ids]
            )

    def contacts_with_unsynced_outcomes(self) -> set[str]:
        """Contact ids (as text) with an outcome waiting to sync: not offered again until the
        server has it (a rejected outcome does not count: the server never saw it)."""
        rows = self._read(
            "SELECT DISTINCT o.contact_id FROM outcomes o JOIN outbox b ON b.uuid = o.uuid"
            " WHERE b.state = 'pending'"
        )
        return {str(row["contact_id"]) for row in rows}

    def purge_expired_contacts(self, now: datetime | None = None) -> int:
        with self._write() as conn:
            cursor = conn.execute(
                "DELETE FROM contacts WHERE lease_expires_at <= ?",
                (to_utc_text(now or self.server_now()),),
            )
            return cursor.rowcount

    # -- call history ---------------------------------------------------------------------

    def history(self, limit: int = 50) -> list[HistoryEntry]:
        """The newest outcomes with their calls and sync state, newest first."""
        return [_history_entry(row) for row in self._read(_HISTORY_SQL, (limit,))]

    def sync_state(self, uuid: str) -> str | None:
        """ "waiting", "synced", "rejected" or "conflict"; None for an unknown outcome."""
        rows = self._read(
            "SELECT b.state FROM outcomes o LEFT JOIN outbox b ON b.uuid = o.uuid WHERE o.uuid = ?",
            (uuid,),
        )
        return _sync_state(rows[0]["state"]) if rows else None


def _item(row: sqlite3.Row) -> OutboxItem:
    return OutboxItem(
        uuid=row["uuid"],
        kind=row["kind"],
        payload=json.loads(row["payload"]),
        created_at=from_utc_text(row["created_at"]) or utc_now(),
        attempts=int(row["attempts"]),
        next_attempt_at=from_utc_text(row["next_attempt_at"]) or utc_now(),
        last_error=row["last_error"],
        state=row["state"],
        reason=row["reason"],
    )


def _number(value: Any) -> Any:
    """Ids and versions read back from TEXT columns as ints (older rows may hold text)."""
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def _sync_state(outbox_state: str | None) -> str:
    if outbox_state is None:
        return "synced"
    return "waiting" if outbox_state == "pending" else outbox_state


_HISTORY_SQL = (
    "SELECT o.uuid, o.created_at, o.contact_id, o.contact_name, o.phone, o.disposition,"
    " c.number_dialled, c.started_at, c.answered_at, c.ended_at, c.media_stats,"
    " b.state, b.reason, json_extract(k.data, '$.name') AS cached_name"
    " FROM outcomes o LEFT JOIN calls c ON c.uuid = o.call_uuid"
    " LEFT JOIN outbox b ON b.uuid = o.uuid LEFT JOIN contacts k ON k.contact_id = o.contact_id"
    " ORDER BY o.created_at DESC, o.rowid DESC LIMIT ?"
)


def _history_entry(row: sqlite3.Row) -> HistoryEntry:
    media = json.loads(row["media_stats"] or "{}")
    started = from_utc_text(row["started_at"])
    answered, ended = from_utc_text(row["answered_at"]), from_utc_text(row["ended_at"])
    talk = (ended - answered).total_seconds() if answered and ended else 0.0
    mos = media.get("mos")
    quality = media.get("quality")
    return HistoryEntry(
        uuid=row["uuid"],
        time=started or from_utc_text(row["created_at"]) or utc_now(),
        contact_id=_number(row["contact_id"]),
        contact_name=row["contact_name"] or row["cached_name"] or "",
        phone=row["phone"] or row["number_dialled"],
        duration_s=max(talk, 0.0),
        disposition=row["disposition"],
        mos=float(mos) if isinstance(mos, int | float) and not isinstance(mos, bool) else None,
        quality=str(quality) if isinstance(quality, str) else None,
        sync_state=_sync_state(row["state"]),
        reason=row["reason"],
    )
