"""Campaign rules: the system disposition set, the calling window and campaign look-ups."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, insert, select

from server import db, schema
from server.errors import not_found
from server.tables import campaigns, scripts

SYSTEM_DISPOSITIONS: tuple[schema.Disposition, ...] = (
    schema.Disposition(code="completed", label="Answered — completed", final=True),
    schema.Disposition(code="answered", label="Answered — not completed", final=False),
    schema.Disposition(code="no_answer", label="No answer", final=False),
    schema.Disposition(code="busy", label="Busy", final=False),
    schema.Disposition(code="not_reachable", label="Switched off / not reachable", final=False),
    schema.Disposition(code="wrong_number", label="Wrong number", final=True),
    schema.Disposition(code="callback", label="Call back later", final=False),
    schema.Disposition(code="language_barrier", label="Language barrier", final=False),
    schema.Disposition(code="dnc", label="Do not call", final=True),
)
DEFAULT_PAUSE_REASONS = ["break", "meal", "training", "technical"]


def dispositions(row: Any) -> list[schema.Disposition]:
    extra = [schema.Disposition(**d, system=False) for d in (row.dispositions or [])]
    return [*SYSTEM_DISPOSITIONS, *extra]


def get_campaign(conn: Connection, campaign_id: int) -> Any:
    row = conn.execute(select(campaigns).where(campaigns.c.id == campaign_id)).first()
    if row is None:
        raise not_found("campaign")
    return row


def languages(conn: Connection, campaign_id: int) -> list[str]:
    query = select(scripts.c.language).where(scripts.c.campaign_id == campaign_id).distinct()
    return sorted(conn.execute(query).scalars())


def campaign_out(conn: Connection, row: Any) -> schema.CampaignOut:
    return schema.CampaignOut(
        id=row.id,
        name=row.name,
        active=row.active,
        calling_window=schema.CallingWindow(
            timezone=row.timezone, start=row.window_start, end=row.window_end
        ),
        max_calls_per_day=row.max_calls_per_day,
        max_calls_per_week=row.max_calls_per_week,
        lease_seconds=row.lease_seconds,
        callback_grace_seconds=row.callback_grace_seconds,
        retry_gap_seconds=row.retry_gap_seconds,
        dispositions=dispositions(row),
        pause_reasons=list(row.pause_reasons or []),
        schemes=list(row.schemes or []),
        languages=languages(conn, row.id),
    )


def _hhmm(value: str) -> time | None:
    if value == "24:00":
        return None
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def within_window(row: Any, moment: datetime) -> bool:
    """Is the aware ``moment`` inside the campaign's local calling window?"""
    local = moment.astimezone(ZoneInfo(row.timezone)).time()
    start, end = _hhmm(row.window_start), _hhmm(row.window_end)
    start = start or time(0, 0)
    return start <= local and (end is None or local < end)


def add_script_version(conn: Connection, campaign_id: int, body: schema.ScriptIn) -> Any:
    """Store ``body`` as the next version of the campaign's script in its language."""
    current = conn.execute(
        select(func.max(scripts.c.version)).where(
            scripts.c.campaign_id == campaign_id, scripts.c.language == body.language
        )
    ).scalar()
    stmt = insert(scripts).values(
        campaign_id=campaign_id,
        language=body.language,
        version=(current or 0) + 1,
        title=body.title,
        sections=[s.model_dump() for s in body.sections],
        questions=[q.model_dump() for q in body.questions],
        created_at=db.now(),
    )
    new_id = db.new_id(conn.execute(stmt))
    return conn.execute(select(scripts).where(scripts.c.id == new_id)).first()
