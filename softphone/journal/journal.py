"""The softphone's local journal: one SQLite file per user profile (WAL mode).

``Journal.save_outcome`` stores the call record, the outcome and their outbox entries in one
transaction committed with ``synchronous=FULL``, so an acknowledged outcome survives power loss.
The outbox API (``pending`` / ``mark_*`` / ``schedule_retry`` / ``counts``) is for the sync
worker; everything lives in the file, so it resumes after a restart. Thread-safe (one lock).
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
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
    OutboxCounts,
    OutboxItem,
    Outcome,
    from_utc_text,
    to_utc_text,
    utc_now,
)

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

    def __init__(self, path: Path | str | None = None, *, rng: random.Random | None = None):
        self.path = Path(path) if path is not None else default_path()
        self._rng = rng or random.Random()
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
                raise _translate(exc, self.path) from exc
            finally:
                if durable:
                    conn.execute("PRAGMA synchronous = NORMAL")

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
        """Durably store ``outcome`` (and its ``call``) with outbox entries; return its UUID.

        Saving the same outcome again is a no-op; the same UUID with different content raises
        JournalError (never a silent overwrite)."""
        if call is not None and outcome.call_uuid is None:
            outcome = replace(outcome, call_uuid=call.uuid)
        existing = self.outcome(outcome.uuid)
        if existing is not None:
            if existing.to_dict() == outcome.to_dict():
                return outcome.uuid
            raise JournalError(f"outcome {outcome.uuid} already saved with different content")
        now = to_utc_text(utc_now())
        with self._write(durable=True) as conn:
            if call is not None:
                self._insert_call(conn, call)
                self._enqueue(conn, "call", call.uuid, call.to_dict(), now)
            self._insert_outcome(conn, outcome)
            self._enqueue(conn, "outcome", outcome.uuid, outcome.to_dict(), now)
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
            " survey_answers, notes, callback_at, created_at, script_version) VALUES (:uuid,"
            " :call_uuid, :contact_id, :campaign_id, :disposition, :survey_answers, :notes,"
            " :callback_at, :created_at, :script_version)",
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
        return Outcome(**row)

    def call(self, uuid: str) -> CallRecord | None:
        rows = self._read("SELECT * FROM calls WHERE uuid = ?", (uuid,))
        if not rows:
            return None
        row = dict(rows[0])
        row["media_stats"] = json.loads(row["media_stats"] or "{}")
        for key in ("started_at", "answered_at", "ended_at"):
            row[key] = from_utc_text(row[key])
        return CallRecord(**row)

    # -- outbox (for the sync worker) -----------------------------------------------------

    def pending(self, limit: int = 100, now: datetime | None = None) -> list[OutboxItem]:
        """Items due for upload at ``now``, oldest first."""
        rows = self._read(
            "SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?"
            " ORDER BY created_at, rowid LIMIT ?",
            (to_utc_text(now or utc_now()), limit),
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
        start = now or utc_now()
        with self._write() as conn:
            for uuid in uuids:
                row = conn.execute("SELECT attempts FROM outbox WHERE uuid = ?", (uuid,)).fetchone()
                if row is None:
                    continue
                attempts = int(row[0]) + 1
                due = start + timedelta(seconds=backoff.delay(attempts, self._rng))
                conn.execute(
                    "UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ?"
                    " WHERE uuid = ?",
                    (attempts, to_utc_text(due), error, uuid),
                )

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
        self, contacts: Iterable[dict[str, Any]], campaign_id: str, expires_at: datetime
    ) -> None:
        """Keep leased contacts (each a dict with an ``id``) until their lease expires."""
        now, expiry = to_utc_text(utc_now()), to_utc_text(expires_at)
        with self._write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO contacts (contact_id, campaign_id, data, leased_at,"
                " lease_expires_at) VALUES (?, ?, ?, ?, ?)",
                [(str(c["id"]), campaign_id, _dump(c), now, expiry) for c in contacts],
            )

    def leased_contacts(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Contacts whose lease is still valid at ``now``, in lease order."""
        rows = self._read(
            "SELECT data FROM contacts WHERE lease_expires_at > ? ORDER BY leased_at, rowid",
            (to_utc_text(now or utc_now()),),
        )
        return [json.loads(row["data"]) for row in rows]

    def release_contact(self, contact_id: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM contacts WHERE contact_id = ?", (contact_id,))

    def purge_expired_contacts(self, now: datetime | None = None) -> int:
        with self._write() as conn:
            cursor = conn.execute(
                "DELETE FROM contacts WHERE lease_expires_at <= ?", (to_utc_text(now or utc_now()),)
            )
            return cursor.rowcount


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
