"""Contact leasing: hand a caller the next contacts with an expiry, never to two at once.

PostgreSQL picks candidates with ``SELECT ... FOR UPDATE SKIP LOCKED`` so concurrent callers
skip each other's rows instead of queueing; SQLite transactions start ``BEGIN IMMEDIATE``
(see ``server.db``), which serialises writers. On both, the claiming UPDATE repeats the
"free" condition, so a contact is only claimed if nobody holds an unexpired lease on it.
Expired leases need no sweeper: an expired lease simply counts as free.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Integer, and_, bindparam, case, exists, func, or_, select

from server import campaigns as rules
from server import config, db, schema
from server.deps import CurrentUser
from server.tables import contact_phones, contacts, dnc, outcomes

HISTORY_LIMIT = 5


def _free(now: datetime) -> Any:
    return or_(contacts.c.lease_expires_at.is_(None), contacts.c.lease_expires_at <= now)


def _calls_since(since: Any) -> Any:
    return (
        select(func.count())
        .select_from(outcomes)
        .where(outcomes.c.contact_id == contacts.c.id, outcomes.c.ended_at >= since)
        .scalar_subquery()
    )


# The pick's statements are built once with bind parameters (``_params``): building the
# expression per request cost more CPU than the database spent on it.
_P = bindparam
_CALLBACK_OK = or_(
    contacts.c.callback_at.is_(None),
    and_(
        contacts.c.callback_at <= _P("l_now"),
        or_(contacts.c.callback_user_id == _P("l_user"), contacts.c.callback_at <= _P("l_grace")),
    ),
)
_RESTED = or_(
    contacts.c.last_attempt_at.is_(None),
    contacts.c.last_attempt_at <= _P("l_retry"),
    contacts.c.callback_at.is_not(None),  # a due callback overrides the gap
)
# The conditions on the contact's own row: open, free, callback due for us, rested.
_CHEAP = and_(
    contacts.c.campaign_id == _P("l_campaign"),
    contacts.c.status == "open",
    or_(contacts.c.lease_expires_at.is_(None), contacts.c.lease_expires_at <= _P("l_now")),
    _CALLBACK_OK,
    _RESTED,
)
_ELIGIBLE = and_(
    _CHEAP,
    ~exists().where(
        contact_phones.c.contact_id == contacts.c.id, contact_phones.c.phone == dnc.c.phone
    ),
    _calls_since(_P("l_day")) < _P("l_max_day"),
    _calls_since(_P("l_week")) < _P("l_max_week"),
)
_ORDER = (
    case(
        (contacts.c.callback_user_id == _P("l_user"), 0),
        (contacts.c.callback_at.is_not(None), 1),
        else_=2,
    ),
    contacts.c.attempts,
    contacts.c.id,
)
_CANDIDATES = (
    select(contacts.c.id)
    .where(_CHEAP)
    .order_by(*_ORDER)
    .offset(_P("l_offset", type_=Integer))
    .limit(_P("l_limit", type_=Integer))
)
_LOCK = {
    locking: (
        select(contacts.c.id)
        .where(contacts.c.id.in_(_P("l_ids", expanding=True)), _ELIGIBLE)
        .order_by(*_ORDER)
        .limit(_P("l_count", type_=Integer))
    )
    for locking in (False, True)
}
_LOCK[True] = _LOCK[True].with_for_update(skip_locked=True, of=contacts)


def _params(campaign: Any, user_id: int, now: datetime) -> dict[str, Any]:
    return {
        "l_campaign": campaign.id,
        "l_user": user_id,
        "l_now": now,
        "l_grace": now - timedelta(seconds=campaign.callback_grace_seconds),
        "l_retry": now - timedelta(seconds=campaign.retry_gap_seconds),
        "l_day": now - timedelta(days=1),
        "l_week": now - timedelta(days=7),
        "l_max_day": campaign.max_calls_per_day,
        "l_max_week": campaign.max_calls_per_week,
    }


WINDOW_FACTOR, MIN_WINDOW, MAX_WINDOWS = 4, 20, 8
_ALL = 2_147_483_647


def _pick(conn: Connection, campaign: Any, user_id: int, count: int, now: datetime) -> list[int]:
    """The next ``count`` eligible contacts, locked (PostgreSQL) in priority order.

    Two steps, so the per-contact call counts and the DNC check run only for a few rows
    instead of the whole campaign: a window of candidates in priority order by the
    conditions on the contact row alone (no locks), then the full eligibility on that
    window with ``FOR UPDATE SKIP LOCKED``; the next window if it yields too few (after
    ``MAX_WINDOWS``, the rest of the campaign at once). The claiming UPDATE repeats the
    "free" condition, so exclusivity does not depend on the window (a contact taken
    meanwhile is skipped or not claimed)."""
    params = _params(campaign, user_id, now)
    lock = _LOCK[conn.dialect.name == "postgresql"]
    window = max(count * WINDOW_FACTOR, MIN_WINDOW)
    picked: list[int] = []
    for step in range(MAX_WINDOWS + 1):
        limit = _ALL if step == MAX_WINDOWS else window
        ids = list(
            conn.execute(
                _CANDIDATES, {**params, "l_offset": step * window, "l_limit": limit}
            ).scalars()
        )
        if ids:
            wanted = {**params, "l_ids": ids, "l_count": count - len(picked)}
            picked += conn.execute(lock, wanted).scalars()
        if len(picked) >= count or len(ids) < limit or step == MAX_WINDOWS:
            break
    return picked


def _held(conn: Connection, user_id: int, now: datetime) -> int:
    query = select(func.count()).where(
        contacts.c.lease_owner == user_id, contacts.c.lease_expires_at > now
    )
    return int(conn.execute(query).scalar() or 0)


def lease(engine: Engine, user: CurrentUser, req: schema.LeaseRequest) -> schema.LeaseResponse:
    now = db.now()
    with engine.begin() as conn:
        campaign = rules.get_campaign(conn, req.campaign_id)
        room = config.MAX_HELD_LEASES - _held(conn, user.id, now)
        refused = _refusal(campaign, room, now)
        if refused:
            return schema.LeaseResponse(leases=[], refused_reason=refused, server_time=db.utc(now))
        ids = _pick(conn, campaign, user.id, min(req.count, room), now)
        expires = now + timedelta(seconds=campaign.lease_seconds)
        rows = _claim(conn, user.id, ids, now, expires)
        leases = [schema.Lease(contact=c, expires_at=db.utc(expires)) for c in rows]
    reason = None if leases else "no_contacts_available"
    return schema.LeaseResponse(leases=leases, refused_reason=reason, server_time=db.utc(now))


def _refusal(campaign: Any, room: int, now: datetime) -> str | None:
    if not campaign.active:
        return "campaign_inactive"
    if not rules.within_window(campaign, db.utc(now)):
        return "outside_calling_window"
    if room <= 0:
        return "too_many_leases"
    return None


def _claim(
    conn: Connection, user_id: int, ids: list[int], now: datetime, expires: datetime
) -> list[schema.ContactOut]:
    """Lease the still free contacts of ``ids`` to the user; they are returned by the same
    statement (``UPDATE … RETURNING``), in the order they were picked."""
    if not ids:
        return []
    claim = (
        contacts.update()
        .where(contacts.c.id.in_(ids), _free(now))
        .values(lease_owner=user_id, lease_expires_at=expires)
        .returning(*contacts.c)
    )
    rows = sorted(conn.execute(claim).all(), key=lambda r: ids.index(r.id))
    return [contact_out(conn, r) for r in rows]


def contact_out(conn: Connection, row: Any) -> schema.ContactOut:
    history = conn.execute(
        select(outcomes.c.ended_at, outcomes.c.disposition, outcomes.c.phone, outcomes.c.notes)
        .where(outcomes.c.contact_id == row.id)
        .order_by(outcomes.c.ended_at.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    return schema.ContactOut(
        id=row.id,
        campaign_id=row.campaign_id,
        name=row.name,
        role=row.role,
        state=row.state,
        parliamentary_constituency=row.parliamentary_constituency,
        assembly_constituency=row.assembly_constituency,
        booth_number=row.booth_number,
        language=row.language,
        phones=list(row.phones),
        variables=dict(row.variables or {}),
        attempts=row.attempts,
        last_attempt_at=db.utc(row.last_attempt_at),
        last_disposition=row.last_disposition,
        callback_at=db.utc(row.callback_at),
        history=[
            schema.Attempt(
                ended_at=db.utc(h.ended_at), disposition=h.disposition, phone=h.phone, notes=h.notes
            )
            for h in history
        ],
    )


def current(engine: Engine, user: CurrentUser) -> list[schema.Lease]:
    now = db.now()
    with db.read(engine) as conn:
        rows = conn.execute(
            select(contacts)
            .where(contacts.c.lease_owner == user.id, contacts.c.lease_expires_at > now)
            .order_by(contacts.c.id)
        ).all()
        return [
            schema.Lease(contact=contact_out(conn, r), expires_at=db.utc(r.lease_expires_at))
            for r in rows
        ]


def release(engine: Engine, user: CurrentUser, ids: list[int]) -> list[int]:
    """Give the caller's leases on ``ids`` back to the pool; returns those released."""
    now = db.now()
    mine = and_(
        contacts.c.id.in_(ids), contacts.c.lease_owner == user.id, contacts.c.lease_expires_at > now
    )
    with engine.begin() as conn:
        held = list(conn.execute(select(contacts.c.id).where(mine)).scalars())
        if held:
            conn.execute(
                contacts.update()
                .where(contacts.c.id.in_(held))
                .values(lease_owner=None, lease_expires_at=None)
            )
    return sorted(held)


def renew(engine: Engine, user: CurrentUser, ids: list[int]) -> tuple[list[int], datetime]:
    """Extend the caller's leases (also lapsed ones nobody else has taken since)."""
    now = db.now()
    with engine.begin() as conn:
        owned = select(contacts.c.id, contacts.c.campaign_id).where(
            contacts.c.id.in_(ids), contacts.c.lease_owner == user.id, contacts.c.status == "open"
        )
        rows = conn.execute(owned).all()
        if not rows:
            return [], db.utc(now)  # type: ignore[return-value]
        campaign = rules.get_campaign(conn, rows[0].campaign_id)
        expires = now + timedelta(seconds=campaign.lease_seconds)
        held = [r.id for r in rows]
        conn.execute(
            contacts.update().where(contacts.c.id.in_(held)).values(lease_expires_at=expires)
        )
    return sorted(held), db.utc(expires)  # type: ignore[return-value]
