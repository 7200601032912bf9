"""Presence write coalescing: heartbeats are buffered per process and written together.

Presence is soft state: a heartbeat lost in a crash is resent within 15 s. Each server
process keeps the newest heartbeat per caller (and the leases a call in progress keeps
alive) and a daemon thread writes them every ``FLUSH_SECONDS`` (0.25 s) in **one**
multi-row ``INSERT … ON CONFLICT DO UPDATE`` (PostgreSQL and SQLite) plus one look-up and
one ``executemany`` for lease extensions. A state change therefore reaches the database
within 0.25 s and the board (polled every 0.5 s) well within 2 s. ``since`` stays the time
the state began even when several heartbeats of one caller meet in a buffer, and a row is
only overwritten by a newer heartbeat (``updated_at``), so buffers of several processes
flushing in any order never move a caller back in time (``POST /logout`` writes
``logged_out`` with the current time, after flushing its own process's buffer).

Readers in the same process (``GET /presence``, ``/board``) call ``flush()`` first, so a
single-process server reads its own writes at once.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, case, select

from server import db
from server.tables import campaigns, contacts, presence

log = logging.getLogger("sampark.server.presence")
FLUSH_SECONDS = 0.25
ROWS_PER_STATEMENT = 500


@dataclass
class _Pending:
    values: dict[str, Any]  # the presence row (user_id, state, …, since, updated_at)


class PresenceBuffer:
    """The process's pending heartbeats (module docstring)."""

    def __init__(self, engine: Engine, interval: float = FLUSH_SECONDS) -> None:
        self.engine, self.interval = engine, interval
        self._lock = threading.Lock()  # guards the pending maps
        self._flushing = threading.Lock()  # one flush at a time
        self._rows: dict[int, _Pending] = {}
        self._leases: dict[tuple[int, int], datetime] = {}  # (user, contact) → heartbeat time
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.flushes = 0

    def record(
        self,
        user_id: int,
        state: str,
        reason: str | None,
        contact_id: int | None,
        extras: dict[str, Any],
        now: datetime,
        keep_lease: bool,
    ) -> None:
        """Buffer one heartbeat; ``keep_lease``: extend the caller's lease on the contact."""
        with self._lock:
            old = self._rows.get(user_id)
            since = old.values["since"] if old is not None and old.values["state"] == state else now
            self._rows[user_id] = _Pending(
                {
                    "user_id": user_id,
                    "state": state,
                    "reason": reason,
                    "contact_id": contact_id,
                    "since": since,
                    "updated_at": now,
                    **extras,
                }
            )
            if keep_lease and contact_id is not None:
                self._leases[(user_id, contact_id)] = now
            if self._thread is None:
                self._start()
        self._wake.set()

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="presence-flush", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            if self._stop.wait(self.interval):
                break
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # database unreachable: keep the rows for the next round
                log.warning("presence flush failed; retrying", exc_info=True)
                self._stop.wait(1.0)
                self._wake.set()

    def flush(self) -> None:
        """Write everything pending now (any thread)."""
        with self._flushing:
            with self._lock:
                rows, self._rows = self._rows, {}
                leases, self._leases = self._leases, {}
            if not rows and not leases:
                return
            try:
                self._write(list(rows.values()), leases)
            except Exception:
                with self._lock:  # put back what newer heartbeats did not replace
                    for user_id, pending in rows.items():
                        self._rows.setdefault(user_id, pending)
                    for key, when in leases.items():
                        self._leases.setdefault(key, when)
                raise
            self.flushes += 1

    def close(self) -> None:
        """Stop the thread and write what is left (application shutdown)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(5)
        try:
            self.flush()
        except Exception:
            log.warning("presence: last flush failed", exc_info=True)

    def _write(self, rows: list[_Pending], leases: dict[tuple[int, int], datetime]) -> None:
        with db.single_write(self.engine) as conn:
            if conn.dialect.name == "postgresql":  # one constant statement: compiled once
                values = [p.values for p in rows]
                conn.exec_driver_sql(_PG_UPSERT, {k: [v[k] for v in values] for k in _COLUMNS})
            else:
                for start in range(0, len(rows), ROWS_PER_STATEMENT):
                    chunk = [p.values for p in rows[start : start + ROWS_PER_STATEMENT]]
                    conn.execute(_upsert(self.engine, chunk))
            if leases:
                _extend_leases(conn, leases)


_COLUMNS = {
    "user_id": "int4",
    "state": "text",
    "reason": "text",
    "contact_id": "int4",
    "since": "timestamp",
    "updated_at": "timestamp",
    "call_started_at": "timestamp",
    "mos": "float8",
    "loss_pct": "float8",
    "jitter_ms": "float8",
}
# PostgreSQL: every row in one statement whose text never changes (arrays, unnest), so
# neither SQLAlchemy nor the server compiles it again; same semantics as ``_upsert``.
_PG_UPSERT = (
    f"INSERT INTO presence ({', '.join(_COLUMNS)}) SELECT * FROM unnest("
    + ", ".join(f"%({name})s::{kind}[]" for name, kind in _COLUMNS.items())
    + ") ON CONFLICT (user_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS if c not in ("user_id", "since"))
    + ", since = CASE WHEN presence.state = excluded.state THEN presence.since"
    " ELSE excluded.since END WHERE presence.updated_at <= excluded.updated_at"
)


def _upsert(engine: Engine, rows: list[dict[str, Any]]) -> Any:
    """One multi-row UPSERT; an older heartbeat never overwrites a newer row."""
    stmt = db.upsert(engine, presence).values(rows)
    excluded = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=[presence.c.user_id],
        set_={
            "state": excluded.state,
            "reason": excluded.reason,
            "contact_id": excluded.contact_id,
            "updated_at": excluded.updated_at,
            "call_started_at": excluded.call_started_at,
            "mos": excluded.mos,
            "loss_pct": excluded.loss_pct,
            "jitter_ms": excluded.jitter_ms,
            "since": case(
                (presence.c.state == excluded.state, presence.c.since), else_=excluded.since
            ),
        },
        where=presence.c.updated_at <= excluded.updated_at,
    )


_EXTEND = (
    contacts.update()
    .where(
        contacts.c.id == bindparam("b_contact"),
        contacts.c.lease_owner == bindparam("b_user"),
    )
    .values(lease_expires_at=bindparam("b_expires"))
)


def _extend_leases(conn: Any, leases: dict[tuple[int, int], datetime]) -> None:
    """Calls in progress keep their leases: each by its campaign's ``lease_seconds`` from
    the heartbeat's time, only while the caller still holds the contact."""
    ids = sorted({contact for _user, contact in leases})
    query = (
        select(contacts.c.id, contacts.c.lease_owner, campaigns.c.lease_seconds)
        .join(campaigns, campaigns.c.id == contacts.c.campaign_id)
        .where(contacts.c.id.in_(ids))
    )
    held = {(r.lease_owner, r.id): r.lease_seconds for r in conn.execute(query)}
    params = [
        {"b_contact": contact, "b_user": user, "b_expires": when + timedelta(seconds=seconds)}
        for (user, contact), when in sorted(leases.items(), key=lambda kv: kv[0][1])
        if (seconds := held.get((user, contact)))
    ]
    if params:
        conn.execute(_EXTEND, params)
