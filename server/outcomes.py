"""Outcome ingest: batches of call results, idempotent by the client's UUID.

Each item is answered on its own: ``accepted`` (stored now), ``duplicate`` (already stored
with the same payload — as good as accepted), ``conflict`` (the UUID is stored with a
different payload; never overwritten) or ``rejected`` (invalid; the reason says why).
The payload is compared by the SHA-256 of its canonical JSON after validation, so spelling
differences (e.g. ``+05:30`` vs ``Z`` for the same instant) are not conflicts.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import JSON, Connection, Engine, bindparam, select

from server import campaigns as rules
from server import db, phones, schema
from server.deps import CurrentUser
from server.errors import ApiError
from server.tables import campaigns, contacts, dnc, outcomes

MAX_FUTURE = timedelta(hours=6)  # client clocks may be off by a couple of hours
S = schema.ItemStatus


@dataclass
class _Batch:
    """One batch in its transaction: the campaigns and (locked) contacts it touches."""

    conn: Connection
    user: CurrentUser
    now: datetime
    campaigns: dict[int, Any] = field(default_factory=dict)
    contacts: dict[int, dict[str, Any]] = field(default_factory=dict)
    stored: dict[str, str] = field(default_factory=dict)  # uuid → payload hash, so far

    def campaign(self, campaign_id: int) -> Any:
        if campaign_id not in self.campaigns:
            query = select(campaigns).where(campaigns.c.id == campaign_id)
            self.campaigns[campaign_id] = self.conn.execute(query).first()
        return self.campaigns[campaign_id]


@dataclass
class _Item:
    index: int
    item: schema.OutcomeIn
    digest: str


class _RacedError(Exception):
    """Another request stored one of this batch's UUIDs after we looked: start again."""


ATTEMPTS = 3


def ingest(engine: Engine, user: CurrentUser, items: list[dict[str, Any]]) -> list[Any]:
    """Answer every item, in the order sent, storing the batch in one transaction.

    A handful of statements per batch, whatever its size: one look-up of the UUIDs already
    stored, one ``SELECT … FOR UPDATE`` of the contacts (in id order, so concurrent batches
    lock in the same order and cannot deadlock), one ``INSERT … ON CONFLICT DO NOTHING``
    (executemany: psycopg pipelines it), one ``UPDATE`` per touched contact (executemany).
    Items are judged in (contact, UUID) order, as if stored one after the other. If the
    insert stored fewer rows than expected, a concurrent request stored one of the UUIDs
    in between: the transaction is rolled back and the batch judged again.
    PostgreSQL: the same in three round trips with raw psycopg (``server.outcomes_pg``).
    """
    if engine.dialect.name == "postgresql":
        from server import outcomes_pg

        return outcomes_pg.ingest(engine, user, items)
    answered: list[Any] = [None] * len(items)
    valid = _validate(items, answered)
    for _attempt in range(ATTEMPTS):
        results = list(answered)
        try:
            with engine.begin() as conn:
                _store_batch(conn, user, valid, results)
            return results
        except _RacedError:
            continue
    raise ApiError(409, "concurrent_upload", "the same outcomes are being stored; retry")


def _store_batch(
    conn: Connection, user: CurrentUser, valid: list[_Item], results: list[Any]
) -> None:
    batch = _Batch(conn, user, db.now())
    batch.stored = _existing(conn, {str(v.item.uuid) for v in valid})
    batch.contacts = _lock_contacts(conn, {v.item.contact_id for v in valid})
    fresh = [v for v in valid if not _judge(batch, v, results)]
    if fresh:
        rows = [_row(batch, v.item, v.digest) for v in fresh]
        if _insert(conn, rows) != len(rows):
            raise _RacedError
    _apply_all(batch, fresh, results)


def _validate(items: list[dict[str, Any]], results: list[Any]) -> list[_Item]:
    """Parse every item; invalid ones are answered now. The rest in (contact, UUID) order."""
    valid = []
    for i, raw in enumerate(items):
        try:
            item = schema.OutcomeIn.model_validate(raw)
        except ValidationError as exc:
            hint = raw.get("uuid") if isinstance(raw.get("uuid"), str) else None
            results[i] = _result(hint, S.rejected, "invalid_payload: " + _summary(exc))
            continue
        valid.append(_Item(i, item, payload_hash(item)))
    valid.sort(key=lambda v: (v.item.contact_id, str(v.item.uuid)))
    return valid


def _judge(batch: _Batch, v: _Item, results: list[Any]) -> bool:
    """Answer ``v`` if it is a duplicate, a conflict or invalid; False if it is to be stored."""
    uuid = str(v.item.uuid)
    known = batch.stored.get(uuid)
    if known is not None:
        results[v.index] = _result(uuid, S.duplicate if known == v.digest else S.conflict)
        return True
    reason = _check(batch, v.item)
    if reason:
        results[v.index] = _result(uuid, S.rejected, reason)
        return True
    batch.stored[uuid] = v.digest  # a repeat later in this batch is a duplicate
    return False


def _result(uuid: Any, status: schema.ItemStatus, reason: str | None = None) -> Any:
    return schema.OutcomeResult(
        uuid=str(uuid) if uuid is not None else None, status=status, reason=reason
    )


def _summary(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err.get("loc", ())) or "item"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


def payload_hash(item: schema.OutcomeIn) -> str:
    data = item.model_dump(mode="json")
    for key in ("started_at", "ended_at", "callback_at"):
        value = getattr(item, key)
        data[key] = db.to_db(value).isoformat() if value else None
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _existing(conn: Connection, uuids: set[str]) -> dict[str, str]:
    if not uuids:
        return {}
    rows = conn.execute(_EXISTING, {"uuids": sorted(uuids)})
    return {row.uuid: row.payload_hash for row in rows}


_EXISTING = select(outcomes.c.uuid, outcomes.c.payload_hash).where(
    outcomes.c.uuid.in_(bindparam("uuids", expanding=True))
)


_CONTACT_COLUMNS = (
    contacts.c.id,
    contacts.c.campaign_id,
    contacts.c.attempts,
    contacts.c.last_attempt_at,
    contacts.c.last_disposition,
    contacts.c.callback_at,
    contacts.c.callback_user_id,
    contacts.c.status,
    contacts.c.lease_owner,
    contacts.c.lease_expires_at,
)


_LOCK_CONTACTS = (
    select(*_CONTACT_COLUMNS)
    .where(contacts.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(contacts.c.id)
    .with_for_update()
)


def _lock_contacts(conn: Connection, ids: set[int]) -> dict[int, dict[str, Any]]:
    """The batch's contacts, locked until commit (PostgreSQL; SQLite holds the write lock)."""
    if not ids:
        return {}
    rows = conn.execute(_LOCK_CONTACTS, {"ids": sorted(ids)})
    return {row.id: dict(row._mapping) for row in rows}


def _check(batch: _Batch, item: schema.OutcomeIn) -> str | None:
    campaign = batch.campaign(item.campaign_id)
    if campaign is None:
        return "unknown_campaign"
    contact = batch.contacts.get(item.contact_id)
    if contact is None or contact["campaign_id"] != item.campaign_id:
        return "unknown_contact: not in this campaign"
    codes = {d.code for d in rules.dispositions(campaign)}
    if item.disposition not in codes:
        return f"unknown_disposition: {item.disposition!r}"
    if item.disposition == "callback" and item.callback_at is None:
        return "callback_at_required: a callback needs callback_at"
    if item.started_at and item.started_at > item.ended_at:
        return "invalid_times: ended_at before started_at"
    if db.to_db(item.ended_at) > batch.now + MAX_FUTURE:  # type: ignore[operator]
        return "invalid_times: ended_at is in the future"
    return None


def _insert(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """Insert ``rows`` (skipping UUIDs already stored); how many were inserted.

    PostgreSQL: psycopg's ``executemany`` of the compiled statement (pipelined; its row
    count is exact, SQLAlchemy's multi-row insert reports -1). SQLite: the writer holds the
    database lock since the batch's first statement, so nothing can race the insert.
    """
    if conn.dialect.name != "postgresql":
        conn.execute(insert_outcome(conn), rows)
        return len(rows)
    params = {
        c.name: [json.dumps(r[c.name]) if c.name in _JSON_COLUMNS else r[c.name] for r in rows]
        for c in outcomes.c
    }
    return int(conn.exec_driver_sql(_PG_INSERT, params).rowcount)


_JSON_COLUMNS = {c.name for c in outcomes.c if isinstance(c.type, JSON)}
# One statement for the whole batch whose text never changes (column arrays, unnest): its
# row count is exact, unlike SQLAlchemy's multi-row insert, and it is parsed once.
_PG_INSERT = (
    f"INSERT INTO outcomes ({', '.join(c.name for c in outcomes.c)}) SELECT * FROM unnest("
    + ", ".join(f"%({c.name})s::{db.pg_array_type(c)}" for c in outcomes.c)
    + ") ON CONFLICT DO NOTHING"
)


def insert_outcome(conn: Connection) -> Any:
    return db.insert_ignore(conn.engine, outcomes)


def _row(batch: _Batch, item: schema.OutcomeIn, digest: str) -> dict[str, Any]:
    return {
        "uuid": str(item.uuid),
        "payload_hash": digest,
        "contact_id": item.contact_id,
        "campaign_id": item.campaign_id,
        "user_id": batch.user.id,
        "centre_id": batch.user.centre_id,
        "disposition": item.disposition,
        "phone": phones.normalise(item.phone) or item.phone,
        "started_at": db.to_db(item.started_at),
        "ended_at": db.to_db(item.ended_at),
        "duration_s": item.duration_s,
        "scheme": item.scheme,
        "language": item.language,
        "script_version": item.script_version,
        "notes": item.notes,
        "survey": item.survey,
        "media": item.media,
        "sip_status": item.sip_status,
        "callback_at": db.to_db(item.callback_at),
        "received_at": batch.now,
    }


def _apply_all(batch: _Batch, stored: list[_Item], results: list[Any]) -> None:
    """Answer the stored items and write each touched contact once (and the DNC list)."""
    touched: dict[int, dict[str, Any]] = {}
    dnc_phones: set[str] = set()
    for v in stored:  # already in (contact, UUID) order
        results[v.index] = _result(v.item.uuid, S.accepted)
        touched[v.item.contact_id] = _apply(batch, v.item)
        if v.item.disposition == "dnc":
            dnc_phones.add(phones.normalise(v.item.phone) or v.item.phone)
    if touched and batch.conn.dialect.name == "postgresql":
        values = list(touched.values())
        params = {name: [c[name] for c in values] for name in ("id", *_UPDATED)}
        batch.conn.exec_driver_sql(_PG_CONTACT_UPDATE, params)
    elif touched:
        batch.conn.execute(_CONTACT_UPDATE, [_update_params(c) for c in touched.values()])
    if dnc_phones:
        rows = [
            {"phone": phone, "reason": "caller: do not call", "added_by": batch.user.id}
            | {"added_at": batch.now}
            for phone in sorted(dnc_phones)
        ]
        batch.conn.execute(db.insert_ignore(batch.conn.engine, dnc), rows)


_UPDATED = (
    "attempts",
    "last_attempt_at",
    "last_disposition",
    "callback_at",
    "callback_user_id",
    "status",
    "lease_owner",
    "lease_expires_at",
)
_CONTACT_UPDATE = (
    contacts.update()
    .where(contacts.c.id == bindparam("b_id"))
    .values({name: bindparam(f"b_{name}") for name in _UPDATED})
)


_PG_CONTACT_UPDATE = (  # every touched contact in one statement (see _PG_INSERT)
    "UPDATE contacts SET "
    + ", ".join(f"{name} = v.{name}" for name in _UPDATED)
    + " FROM unnest("
    + ", ".join(f"%({n})s::{db.pg_array_type(contacts.c[n])}" for n in ("id", *_UPDATED))
    + f") AS v(id, {', '.join(_UPDATED)}) WHERE contacts.id = v.id"
)


def _update_params(contact: dict[str, Any]) -> dict[str, Any]:
    return {"b_id": contact["id"]} | {f"b_{name}": contact[name] for name in _UPDATED}


def _apply(batch: _Batch, item: schema.OutcomeIn) -> dict[str, Any]:
    """Apply one stored outcome to its (locked, in-memory) contact: attempts, final state,
    callback, lease. Returns the contact."""
    row, ended = batch.contacts[item.contact_id], db.to_db(item.ended_at)
    final = {d.code for d in rules.dispositions(batch.campaign(item.campaign_id)) if d.final}
    row["attempts"] += 1
    last = row["last_attempt_at"]
    if last is None or ended >= last:  # type: ignore[operator]
        is_callback = item.disposition == "callback"
        row.update(last_attempt_at=ended, last_disposition=item.disposition)
        row["callback_at"] = db.to_db(item.callback_at) if is_callback else None
        row["callback_user_id"] = batch.user.id if is_callback else None
    if item.disposition in final:
        row["status"] = "done"
    if row["lease_owner"] == batch.user.id:
        row.update(lease_owner=None, lease_expires_at=None)
    return row
