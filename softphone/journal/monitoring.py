"""The journal's record of supervisor monitoring on this caller's phone (DESIGN.md §4).

* ``claim_jti``: a grant id is used once, also across a restart of the softphone (grants live
  ≤ 60 s, so rows are kept only until they could no longer pass the expiry check).
* ``started`` / ``mode_changed`` / ``ended``: one row per monitoring session with every mode it
  went through, so the caller's own records show who listened, how and for how long.
* ``refused``: every refused attempt (bad grant, nothing to monitor, …) with its reason.

Plain Python on top of ``Journal``'s transactions; safe from any thread (the engine's monitor
gate and listeners run on the SIP thread, where these short writes are acceptable: they happen
once per attempt, never per audio frame).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from softphone.journal.journal import Journal
from softphone.journal.models import from_utc_text, to_utc_text


@dataclass(frozen=True)
class MonitorSession:
    """One supervisor's monitoring of one of the caller's calls."""

    id: int
    supervisor_id: int
    modes: list[tuple[str, datetime]]
    started_at: datetime
    ended_at: datetime | None
    end_reason: str | None


class MonitorJournal:
    """Monitoring rows in ``journal``; ``call_id`` is the engine's id of the monitor call."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._open: dict[int, int] = {}  # monitor call id → session row id

    def claim_jti(self, jti: str, keep_until: datetime, now: datetime) -> bool:
        """Remember ``jti`` until ``keep_until``; False if it was already used."""
        with self.journal._write() as conn:
            conn.execute("DELETE FROM monitor_jti WHERE keep_until < ?", (to_utc_text(now),))
            cursor = conn.execute(
                "INSERT OR IGNORE INTO monitor_jti (jti, keep_until) VALUES (?, ?)",
                (jti, to_utc_text(keep_until)),
            )
            return cursor.rowcount == 1

    def started(self, call_id: int, supervisor_id: int, mode: str, at: datetime) -> None:
        modes = json.dumps([[mode, to_utc_text(at)]])
        with self.journal._write() as conn:
            cursor = conn.execute(
                "INSERT INTO monitor_sessions (supervisor_id, call_id, modes, started_at)"
                " VALUES (?, ?, ?, ?)",
                (supervisor_id, call_id, modes, to_utc_text(at)),
            )
            self._open[call_id] = int(cursor.lastrowid or 0)

    def mode_changed(self, call_id: int, mode: str, at: datetime) -> None:
        row_id = self._open.get(call_id)
        if row_id is None:
            return
        with self.journal._write() as conn:
            (modes,) = conn.execute(
                "SELECT modes FROM monitor_sessions WHERE id = ?", (row_id,)
            ).fetchone()
            updated = [*json.loads(modes), [mode, to_utc_text(at)]]
            conn.execute(
                "UPDATE monitor_sessions SET modes = ? WHERE id = ?", (json.dumps(updated), row_id)
            )

    def ended(self, call_id: int, reason: str, at: datetime) -> None:
        row_id = self._open.pop(call_id, None)
        if row_id is None:
            return
        with self.journal._write() as conn:
            conn.execute(
                "UPDATE monitor_sessions SET ended_at = ?, end_reason = ? WHERE id = ?",
                (to_utc_text(at), reason, row_id),
            )

    def refused(self, remote_uri: str, reason: str, at: datetime) -> None:
        with self.journal._write() as conn:
            conn.execute(
                "INSERT INTO monitor_refusals (at, remote_uri, reason) VALUES (?, ?, ?)",
                (to_utc_text(at), remote_uri, reason),
            )

    def sessions(self, limit: int = 50) -> list[MonitorSession]:
        rows = self.journal._read(
            "SELECT * FROM monitor_sessions ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [_session(dict(row)) for row in rows]

    def refusals(self, limit: int = 50) -> list[dict[str, Any]]:
        rows = self.journal._read(
            "SELECT at, remote_uri, reason FROM monitor_refusals ORDER BY rowid DESC LIMIT ?",
            (limit,),
        )
        return [dict(row) for row in rows]


def _session(row: dict[str, Any]) -> MonitorSession:
    modes = [(mode, from_utc_text(at)) for mode, at in json.loads(row["modes"])]
    return MonitorSession(
        id=int(row["id"]),
        supervisor_id=int(row["supervisor_id"] or 0),
        modes=[(m, t) for m, t in modes if t is not None],
        started_at=from_utc_text(row["started_at"]) or datetime.min,
        ended_at=from_utc_text(row["ended_at"]),
        end_reason=row["end_reason"],
    )
