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
from sqlalchemy import Connection, Engine, select

from server import campaigns as rules
from server import db, phones, schema
from server.deps import CurrentUser
from server.errors import ApiError
from server.tables import campaigns, contacts, dnc, outcomes

MAX_FUTURE = timedelta(hours=6)  # client clocks may be off by a couple of hours
S = schema.ItemStatus


@dataclass
class _Batch:
    conn: Connection
    user: CurrentUser
    now: datetime
    campaigns: dict[int, Any] = field(default_factory=dict)

    def campaign(self, campaign_id: int) -> Any:
        if campaign_id not in self.campaigns:
            query = select(campaigns).where(campaigns.c.id == campaign_id)
            self.campaigns[campaign_id] = self.conn.execute(query).first()
        return self.campaigns[campaign_id]


def ingest(engine: Engine, user: CurrentUser, items: list[dict[str, Any]]) -> list[Any]:
    """Answer every item, in the order sent, storing the batch in one transaction.

    Items are processed sorted by contact and UUID so that concurrent batches take row
    locks in the same order (no deadlocks between overlapping re-sends).
    """
    order = sorted(range(len(items)), key=lambda i: _lock_key(items[i]))
    results: list[Any] = [None] * len(items)
    with engine.begin() as conn:
        batch = _Batch(conn, user, db.now())
        for i in order:
            results[i] = _one(batch, items[i])
    return results


def _lock_key(raw: dict[str, Any]) -> tuple[int, str]:
    contact = raw.get("contact_id")
    return (contact if isinstance(contact, int) else 0, str(raw.get("uuid")))


def _result(uuid: Any, status: schema.ItemStatus, reason: str | None = None) -> Any:
    return schema.OutcomeResult(
        uuid=str(uuid) if uuid is not None else None, status=status, reason=reason
    )


def _one(batch: _Batch, raw: dict[str, Any]) -> schema.OutcomeResult:
    hint = raw.get("uuid") if isinstance(raw.get("uuid"), str) else None
    try:
        item = schema.OutcomeIn.model_validate(raw)
    except ValidationError as exc:
        return _result(hint, S.rejected, "invalid_payload: " + _summary(exc))
    digest = payload_hash(item)
    known = _existing(batch.conn, item)
    if known is not None:
        return _result(item.uuid, S.duplicate if known == digest else S.conflict)
    reason = _check(batch, item)
    if reason:
        return _result(item.uuid, S.rejected, reason)
    return _store(batch, item, digest)


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


def _existing(conn: Connection, item: schema.OutcomeIn) -> str | None:
    query = select(outcomes.c.payload_hash).where(outcomes.c.uuid == str(item.uuid))
    return conn.execute(query).scalar()


def _check(batch: _Batch, item: schema.OutcomeIn) -> str | None:
    campaign = batch.campaign(item.campaign_id)
    if campaign is None:
        return "unknown_campaign"
    query = select(contacts.c.campaign_id).where(contacts.c.id == item.contact_id)
    if batch.conn.execute(query).scalar() != item.campaign_id:
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


def _store(batch: _Batch, item: schema.OutcomeIn, digest: str) -> schema.OutcomeResult:
    values = _row(batch, item, digest)
    stmt = insert_outcome(batch.conn).values(**values).returning(outcomes.c.uuid)
    inserted = batch.conn.execute(stmt).first()  # rowcount is not reliable on every driver
    if inserted is None:  # a concurrent request stored the same UUID first
        known = _existing(batch.conn, item)
        return _result(item.uuid, S.duplicate if known == digest else S.conflict)
    _apply(batch, item)
    return _result(item.uuid, S.accepted)


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


def _apply(batch: _Batch, item: schema.OutcomeIn) -> None:
    """Update the contact: attempts, final state, callback, lease; DNC list on ``dnc``."""
    conn, ended = batch.conn, db.to_db(item.ended_at)
    row = conn.execute(select(contacts).where(contacts.c.id == item.contact_id)).first()
    if row is None:
        raise ApiError(409, "contact_vanished", "contact removed during ingest")
    final = {d.code for d in rules.dispositions(batch.campaign(item.campaign_id)) if d.final}
    values: dict[str, Any] = {"attempts": row.attempts + 1}
    newest = row.last_attempt_at is None or ended >= row.last_attempt_at  # type: ignore[operator]
    if newest:
        values.update(last_attempt_at=ended, last_disposition=item.disposition)
        is_callback = item.disposition == "callback"
        values["callback_at"] = db.to_db(item.callback_at) if is_callback else None
        values["callback_user_id"] = batch.user.id if is_callback else None
    if item.disposition in final:
        values["status"] = "done"
    if row.lease_owner == batch.user.id:
        values.update(lease_owner=None, lease_expires_at=None)
    conn.execute(contacts.update().where(contacts.c.id == row.id).values(**values))
    if item.disposition == "dnc":
        phone = phones.normalise(item.phone) or item.phone
        conn.execute(
            db.insert_ignore(conn.engine, dnc).values(
                phone=phone,
                reason="caller: do not call",
                added_by=batch.user.id,
                added_at=batch.now,
            )
        )
