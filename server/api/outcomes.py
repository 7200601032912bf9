"""Outcome batches: idempotent upload of call results."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from server import db, outcomes, schema
from server.deps import EngineDep, UserDep

router = APIRouter(tags=["outcomes"])


@router.post("/outcomes/batch", response_model=schema.OutcomeBatchResponse)
def upload(body: schema.OutcomeBatch, user: UserDep, engine: EngineDep) -> Any:
    """Store a batch of outcomes; each item is answered accepted, duplicate, conflict or
    rejected (with a reason), in the order sent. Items follow the ``OutcomeIn`` schema."""
    results = outcomes.ingest(engine, user, body.items)
    return schema.OutcomeBatchResponse(results=results, server_time=db.utc(db.now()))
