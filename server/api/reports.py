"""Reports: outcome counts by disposition, booth, scheme, caller or centre; CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from sqlalchemy import String, cast, func, literal, select

from server import campaigns as rules
from server import db, schema
from server.deps import EngineDep, SupervisorDep
from server.errors import ApiError
from server.tables import contacts, outcomes, users

router = APIRouter(tags=["reports"])
CampaignQ = Annotated[int, Query(ge=1, le=2_147_483_647)]


class GroupBy(StrEnum):
    disposition = "disposition"
    booth = "booth"
    scheme = "scheme"
    caller = "caller"
    centre = "centre"


def _key(group_by: GroupBy) -> Any:
    if group_by is GroupBy.booth:
        return (
            contacts.c.state
            + literal(" / ")
            + contacts.c.assembly_constituency
            + literal(" / ")
            + contacts.c.booth_number
        )
    return {
        GroupBy.disposition: outcomes.c.disposition,
        GroupBy.scheme: outcomes.c.scheme,
        GroupBy.caller: users.c.username,
        GroupBy.centre: cast(outcomes.c.centre_id, String),
    }[group_by]


def _window(query: Any, since: datetime | None, until: datetime | None) -> Any:
    try:
        if since is not None:
            query = query.where(outcomes.c.ended_at >= db.to_db(since))
        if until is not None:
            query = query.where(outcomes.c.ended_at < db.to_db(until))
    except OverflowError as exc:
        raise ApiError(422, "validation_error", "time out of range") from exc
    return query


def _joined() -> Any:
    return outcomes.join(contacts, contacts.c.id == outcomes.c.contact_id).join(
        users, users.c.id == outcomes.c.user_id
    )


@router.get("/reports/outcomes", response_model=schema.ReportOut)
def outcome_counts(
    campaign_id: CampaignQ,
    _user: SupervisorDep,
    engine: EngineDep,
    group_by: GroupBy = GroupBy.disposition,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Any:
    """Count a campaign's outcomes grouped by ``group_by``, optionally within a time range."""
    key = _key(group_by).label("key")
    query = (
        select(key, func.count().label("n"))
        .select_from(_joined())
        .where(outcomes.c.campaign_id == campaign_id)
        .group_by(key)
        .order_by(func.count().desc(), key)
    )
    with db.read(engine) as conn:
        rules.get_campaign(conn, campaign_id)
        rows = conn.execute(_window(query, since, until)).all()
    out = [schema.ReportRow(key=None if r.key is None else str(r.key), count=r.n) for r in rows]
    return schema.ReportOut(
        campaign_id=campaign_id, group_by=group_by.value, rows=out, total=sum(r.count for r in out)
    )


CSV_COLUMNS = (
    "uuid",
    "ended_at",
    "duration_s",
    "disposition",
    "scheme",
    "language",
    "script_version",
    "caller",
    "centre_id",
    "contact_id",
    "name",
    "role",
    "state",
    "parliamentary_constituency",
    "assembly_constituency",
    "booth_number",
    "phone",
    "notes",
    "callback_at",
    "sip_status",
)


@router.get(
    "/reports/outcomes.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def outcome_csv(
    campaign_id: CampaignQ,
    _user: SupervisorDep,
    engine: EngineDep,
    since: datetime | None = None,
    until: datetime | None = None,
) -> StreamingResponse:
    """Every outcome of the campaign with the contact's booth hierarchy, as CSV."""
    query = (
        select(
            outcomes,
            users.c.username.label("caller"),
            contacts.c.name,
            contacts.c.role,
            contacts.c.state,
            contacts.c.parliamentary_constituency,
            contacts.c.assembly_constituency,
            contacts.c.booth_number,
        )
        .select_from(_joined())
        .where(outcomes.c.campaign_id == campaign_id)
    )
    query = _window(query, since, until).order_by(outcomes.c.ended_at, outcomes.c.uuid)
    with db.read(engine) as conn:
        rules.get_campaign(conn, campaign_id)
        rows = conn.execute(query).mappings().all()
    name = f"outcomes-campaign-{campaign_id}.csv"
    return StreamingResponse(
        _csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _csv(rows: Sequence[Any]) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])
        if buf.tell() > 64 * 1024:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return db.utc(value).isoformat()  # type: ignore[union-attr]
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # no formula injection when opened in a spreadsheet
    return value
