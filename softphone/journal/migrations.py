"""Versioned schema migrations. ``PRAGMA user_version`` is the schema version; each step runs
in its own transaction together with the version bump, so a crash never leaves a half-step."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]


def _v1(db: sqlite_utils.Database) -> None:
    """Calls, outcomes and the outbox."""
    db["calls"].create(  # type: ignore[union-attr]
        {
            "uuid": str,
            "contact_id": str,
            "number_dialled": str,
            "started_at": str,
            "answered_at": str,
            "ended_at": str,
            "sip_code": int,
            "sip_reason": str,
            "media_stats": str,
            "script_version": str,
        },
        pk="uuid",
        not_null={"number_dialled", "started_at"},
    )
    db["outcomes"].create(  # type: ignore[union-attr]
        {
            "uuid": str,
            "call_uuid": str,
            "contact_id": str,
            "campaign_id": str,
            "disposition": str,
            "survey_answers": str,
            "notes": str,
            "callback_at": str,
            "created_at": str,
            "script_version": str,
        },
        pk="uuid",
        not_null={"contact_id", "campaign_id", "disposition", "created_at"},
    )
    db["outbox"].create(  # type: ignore[union-attr]
        {
            "uuid": str,
            "kind": str,
            "payload": str,
            "created_at": str,
            "attempts": int,
            "next_attempt_at": str,
            "last_error": str,
        },
        pk="uuid",
        not_null={"kind", "payload", "created_at", "next_attempt_at"},
        defaults={"attempts": 0},
    )


def _v2(db: sqlite_utils.Database) -> None:
    """Outbox state (pending / rejected / conflict) with a reason, and the leased-contact cache."""
    db.execute("ALTER TABLE outbox ADD COLUMN state TEXT NOT NULL DEFAULT 'pending'")
    db.execute("ALTER TABLE outbox ADD COLUMN reason TEXT")
    db.execute("CREATE INDEX outbox_due ON outbox(state, next_attempt_at, created_at)")
    db["contacts"].create(  # type: ignore[union-attr]
        {
            "contact_id": str,
            "campaign_id": str,
            "data": str,
            "leased_at": str,
            "lease_expires_at": str,
        },
        pk="contact_id",
        not_null={"data", "lease_expires_at"},
    )


def _v3(db: sqlite_utils.Database) -> None:
    """Outcomes carry what the wire payload needs; the outbox holds only wire payloads.

    Calls are no longer queued on their own (the server takes the call's data inside the
    outcome). Queued outcomes from v2 have no wire payload: they are kept, marked rejected
    with a reason, never retried. A ``meta`` table keeps small facts (the server offset)."""
    for column in ("phone", "language", "scheme", "contact_name"):
        db.execute(f"ALTER TABLE outcomes ADD COLUMN {column} TEXT")
    db.execute("CREATE INDEX outcomes_created ON outcomes(created_at)")
    db.execute("CREATE INDEX outbox_order ON outbox(state, created_at)")
    db.execute("DELETE FROM outbox WHERE kind = 'call'")
    db.execute(
        "UPDATE outbox SET state = 'rejected', reason = 'local: saved by an older version"
        " without a wire payload' WHERE state = 'pending' AND json_extract(payload,"
        " '$.ended_at') IS NULL"
    )
    db["meta"].create({"key": str, "value": str}, pk="key")  # type: ignore[union-attr]


def _v4(db: sqlite_utils.Database) -> None:
    """Supervisor monitoring (DESIGN.md §4): used grant ids (single use across restarts) and
    a record of every monitoring session and every refused attempt on this caller's phone."""
    db["monitor_jti"].create({"jti": str, "keep_until": str}, pk="jti")  # type: ignore[union-attr]
    db["monitor_sessions"].create(  # type: ignore[union-attr]
        {
            "id": int,
            "supervisor_id": int,
            "call_id": int,
            "modes": str,  # JSON list of [mode, at] in order
            "started_at": str,
            "ended_at": str,
            "end_reason": str,
        },
        pk="id",
        not_null={"started_at", "modes"},
    )
    db["monitor_refusals"].create(  # type: ignore[union-attr]
        {"at": str, "remote_uri": str, "reason": str}, not_null={"at", "reason"}
    )


MIGRATIONS: list[Migration] = [_v1, _v2, _v3, _v4]
LATEST = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, target: int = LATEST) -> int:
    """Bring the database (autocommit connection) up to ``target``; returns the new version."""
    db = sqlite_utils.Database(conn)
    version = schema_version(conn)
    while version < target:
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[version](db)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        version += 1
    return version
