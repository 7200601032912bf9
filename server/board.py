"""The supervisor's live board: one snapshot of a centre's callers (docs/monitoring.md).

``snapshot(engine, centre_id)`` reads every active caller of the centre (``None``: every
centre) with their presence, the SIP identity of their shift and the contact their last
heartbeat named, in one query. A caller not heard from for ``PRESENCE_STALE_SECONDS`` (45 s)
is shown ``logged_out`` with no contact, call or quality. ``Snapshot.key`` is the content
without the heartbeat times, so a stream sends an event only when something a supervisor
sees has changed (a heartbeat that changes nothing but ``updated_at`` sends nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, false, select

from server import config, db, schema
from server.tables import contacts, presence, users

_CONTACT_FIELDS = (
    "name",
    "role",
    "state",
    "parliamentary_constituency",
    "assembly_constituency",
    "booth_number",
)
_QUERY = (
    select(
        users.c.id,
        users.c.username,
        users.c.display_name,
        users.c.sip_username,
        users.c.sip_domain,
        presence.c.state,
        presence.c.reason,
        presence.c.since,
        presence.c.updated_at,
        presence.c.contact_id,
        presence.c.call_started_at,
        presence.c.mos,
        presence.c.loss_pct,
        presence.c.jitter_ms,
        contacts.c.id.label("c_id"),
        *(contacts.c[name].label(f"c_{name}") for name in _CONTACT_FIELDS),
    )
    .select_from(
        users.outerjoin(presence, presence.c.user_id == users.c.id).outerjoin(
            contacts, contacts.c.id == presence.c.contact_id
        )
    )
    .where(users.c.role == "caller", users.c.active.is_(True))
    .order_by(users.c.username)
)


@dataclass(frozen=True)
class Snapshot:
    board: schema.Board
    key: tuple[Any, ...]  # what a supervisor sees, without heartbeat times

    def event(self) -> bytes:
        """The ``board`` server-sent event carrying this snapshot."""
        return b"event: board\ndata: " + self.board.model_dump_json().encode() + b"\n\n"


def snapshot(engine: Engine, centre_id: int | None, *, every_centre: bool = False) -> Snapshot:
    """The board of ``centre_id`` (``every_centre``: all callers, for admins)."""
    now = db.now()
    stale = now - timedelta(seconds=config.PRESENCE_STALE_SECONDS)
    query = _QUERY
    if not every_centre:
        query = query.where(users.c.centre_id == centre_id if centre_id is not None else false())
    with db.read(engine) as conn:
        rows = conn.execute(query).all()
    agents = [_row(r, stale) for r in rows]
    newest = max((r.updated_at for r in rows if r.updated_at is not None), default=None)
    version = int(db.utc(newest).timestamp() * 1000) if newest is not None else 0
    board = schema.Board(version=version, server_time=db.utc(now), agents=agents)
    key = tuple(a.model_copy(update={"updated_at": None}) for a in agents)
    return Snapshot(board, tuple(k.model_dump_json() for k in key))


def sip_uri(username: str | None, domain: str | None) -> str:
    """``sip:user@domain`` of a shift identity; ``""`` when the caller has none."""
    if not username or not domain:
        return ""
    return f"sip:{username}@{domain}"


def _row(row: Any, stale: Any) -> schema.BoardRow:
    alive = row.updated_at is not None and row.updated_at >= stale and row.state
    state = schema.PresenceState(row.state if alive else "logged_out")
    contact = quality = None
    if alive and row.c_id is not None:
        contact = schema.BoardContact(
            id=row.c_id, **{name: getattr(row, f"c_{name}") for name in _CONTACT_FIELDS}
        )
    if alive and (row.mos, row.loss_pct, row.jitter_ms) != (None, None, None):
        quality = schema.BoardQuality(mos=row.mos, loss_pct=row.loss_pct, jitter_ms=row.jitter_ms)
    return schema.BoardRow(
        user_id=row.id,
        username=row.username,
        display_name=row.display_name,
        state=state,
        reason=row.reason if alive else None,
        since=db.utc(row.since),
        updated_at=db.utc(row.updated_at),
        sip_uri=sip_uri(row.sip_username, row.sip_domain),
        contact=contact,
        call_started_at=db.utc(row.call_started_at) if alive else None,
        quality=quality,
        monitorable=state == schema.PresenceState.on_call,
    )
