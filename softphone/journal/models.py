"""Records the journal stores: frozen dataclasses with client-generated UUIDs and UTC times."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any


def new_uuid() -> str:
    """A fresh client-side UUID (version 4) as text."""
    return str(uuid.uuid4())


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_utc_text(value: datetime | None) -> str | None:
    """ISO-8601 in UTC; naive datetimes are taken to be UTC already."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def from_utc_text(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


@dataclass(frozen=True)
class CallRecord:
    """One call attempt as the softphone saw it."""

    number_dialled: str
    started_at: datetime
    contact_id: int | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    sip_code: int | None = None
    sip_reason: str | None = None
    media_stats: dict[str, Any] = field(default_factory=dict)  # e.g. {"mos": 4.2, ...}
    script_version: int | None = None
    uuid: str = field(default_factory=new_uuid)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("started_at", "answered_at", "ended_at"):
            data[key] = to_utc_text(data[key])
        return data


@dataclass(frozen=True)
class Outcome:
    """What the caller recorded in wrap-up for one contact.

    ``phone`` is the number dialled (defaults to the call's); ``language`` and
    ``script_version`` name the script shown; ``scheme`` the scheme discussed;
    ``contact_name`` is for the local call history only (not sent)."""

    contact_id: int
    campaign_id: int
    disposition: str
    call_uuid: str | None = None
    survey_answers: dict[str, Any] = field(default_factory=dict)
    notes: str = ""
    callback_at: datetime | None = None
    script_version: int | None = None
    created_at: datetime = field(default_factory=utc_now)
    uuid: str = field(default_factory=new_uuid)
    phone: str | None = None
    language: str | None = None
    scheme: str | None = None
    contact_name: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["callback_at"] = to_utc_text(self.callback_at)
        data["created_at"] = to_utc_text(self.created_at)
        return data


@dataclass(frozen=True)
class OutboxItem:
    """One unacknowledged record waiting for the sync worker."""

    uuid: str
    kind: str  # "outcome" (payload: the wire OutcomeIn)
    payload: dict[str, Any]
    created_at: datetime
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    state: str  # "pending", "rejected" or "conflict"
    reason: str | None


@dataclass(frozen=True)
class OutboxCounts:
    """How many outbox items are waiting, were rejected, or are in conflict."""

    waiting: int
    rejected: int
    conflict: int


SYNC_STATES = ("waiting", "synced", "rejected", "conflict")


@dataclass(frozen=True)
class HistoryEntry:
    """One row of the caller's call history: an outcome joined with its call."""

    uuid: str  # the outcome's
    time: datetime  # the call's start, else when the outcome was saved
    contact_id: int | str
    contact_name: str
    phone: str | None
    duration_s: float  # talk time (answered → ended), 0 when not answered
    disposition: str
    mos: float | None  # call quality (media_stats["mos"]) when measured
    quality: str | None  # media_stats["quality"] label when the engine gave one
    sync_state: str  # one of SYNC_STATES
    reason: str | None  # the server's reason when rejected / in conflict
