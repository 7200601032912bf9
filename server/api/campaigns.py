"""Campaigns, versioned scripts, contact import and the do-not-call list."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from server import campaigns as rules
from server import db, importer, phones, schema
from server.deps import EngineDep, SupervisorDep, UserDep
from server.errors import ApiError, not_found
from server.tables import campaigns, dnc, scripts

router = APIRouter(tags=["campaigns"])
CampaignId = Annotated[int, Path(ge=1, le=2_147_483_647)]
MAX_CSV_BYTES = 20 * 1024 * 1024


@router.get("/campaigns", response_model=list[schema.CampaignOut])
def list_campaigns(_user: UserDep, engine: EngineDep) -> Any:
    with db.read(engine) as conn:
        rows = conn.execute(select(campaigns).order_by(campaigns.c.id)).all()
        return [rules.campaign_out(conn, r) for r in rows]


@router.get("/campaigns/{campaign_id}", response_model=schema.CampaignOut)
def get_campaign(campaign_id: CampaignId, _user: UserDep, engine: EngineDep) -> Any:
    with db.read(engine) as conn:
        return rules.campaign_out(conn, rules.get_campaign(conn, campaign_id))


@router.get("/campaigns/{campaign_id}/scripts", response_model=list[schema.ScriptOut])
def get_scripts(
    campaign_id: CampaignId,
    _user: UserDep,
    engine: EngineDep,
    language: Annotated[str | None, Query(pattern=r"^[a-z]{2,3}$")] = None,
    all_versions: bool = False,
) -> Any:
    """The newest script per language (or every version with ``all_versions``)."""
    with db.read(engine) as conn:
        rules.get_campaign(conn, campaign_id)
        query = select(scripts).where(scripts.c.campaign_id == campaign_id)
        if language:
            query = query.where(scripts.c.language == language)
        if not all_versions:
            newest = (
                select(scripts.c.language, func.max(scripts.c.version).label("v"))
                .where(scripts.c.campaign_id == campaign_id)
                .group_by(scripts.c.language)
                .subquery()
            )
            query = query.join(
                newest,
                (newest.c.language == scripts.c.language) & (newest.c.v == scripts.c.version),
            )
        rows = conn.execute(query.order_by(scripts.c.language, scripts.c.version)).all()
    return [_script_out(r) for r in rows]


def _script_out(row: Any) -> schema.ScriptOut:
    return schema.ScriptOut(
        id=row.id,
        campaign_id=row.campaign_id,
        language=row.language,
        version=row.version,
        title=row.title,
        sections=row.sections,
        questions=row.questions,
        created_at=db.utc(row.created_at),
    )


@router.post("/campaigns/{campaign_id}/scripts", response_model=schema.ScriptOut, status_code=201)
def add_script(
    campaign_id: CampaignId, body: schema.ScriptIn, _user: SupervisorDep, engine: EngineDep
) -> Any:
    """Publish a new version of the campaign's script in one language."""
    with engine.begin() as conn:
        rules.get_campaign(conn, campaign_id)
        return _script_out(rules.add_script_version(conn, campaign_id, body))


@router.post(
    "/campaigns/{campaign_id}/contacts/import",
    response_model=schema.ImportReport,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def import_contacts(
    campaign_id: CampaignId,
    request: Request,
    _user: SupervisorDep,
    engine: EngineDep,
    strict: bool = False,
) -> Any:
    """Import contacts from a CSV body (UTF-8); see docs/api.md for the columns."""
    raw = await request.body()
    if len(raw) > MAX_CSV_BYTES:
        raise ApiError(413, "too_large", "CSV larger than 20 MiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(422, "bad_encoding", "CSV must be UTF-8") from exc
    return await run_in_threadpool(importer.import_csv, engine, campaign_id, text, strict)


@router.get("/dnc", response_model=list[schema.DncEntry])
def list_dnc(
    _user: UserDep,
    engine: EngineDep,
    since: datetime | None = None,
) -> Any:
    """The do-not-call list (optionally only entries added after ``since``)."""
    query = select(dnc).order_by(dnc.c.added_at, dnc.c.phone)
    if since is not None:
        try:
            query = query.where(dnc.c.added_at > db.to_db(since))
        except OverflowError as exc:
            raise ApiError(422, "validation_error", "since out of range") from exc
    with db.read(engine) as conn:
        rows = conn.execute(query).all()
    return [
        schema.DncEntry(phone=r.phone, reason=r.reason, added_at=db.utc(r.added_at)) for r in rows
    ]


@router.post("/dnc", response_model=schema.DncEntry, status_code=201)
def add_dnc(body: schema.DncIn, user: SupervisorDep, engine: EngineDep) -> Any:
    """Add a number to the do-not-call list (idempotent)."""
    phone = phones.normalise(body.phone)
    if phone is None:
        raise ApiError(422, "bad_number", f"not a valid number: {body.phone!r}")
    with engine.begin() as conn:
        conn.execute(
            db.insert_ignore(engine, dnc).values(
                phone=phone, reason=body.reason, added_by=user.id, added_at=db.now()
            )
        )
        row = conn.execute(select(dnc).where(dnc.c.phone == phone)).first()
    if row is None:
        raise not_found("dnc entry")
    return schema.DncEntry(phone=row.phone, reason=row.reason, added_at=db.utc(row.added_at))
