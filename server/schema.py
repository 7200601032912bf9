"""Wire schema of the central server API (request and response models).

Plain pydantic data with no server imports, so ``softphone/sync`` can share it later.
Times on the wire are ISO 8601 with a UTC offset.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

JsonScalar = str | int | float | bool | None
Id = Annotated[int, Field(ge=1, le=2_147_483_647)]


def _sane_time(value: datetime) -> datetime:
    if not 2000 <= value.year <= 2200:
        raise ValueError("time must be between the years 2000 and 2200")
    return value


Moment = Annotated[AwareDatetime, AfterValidator(_sane_time)]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class Role(StrEnum):
    caller = "caller"
    supervisor = "supervisor"
    admin = "admin"


class PresenceState(StrEnum):
    ready = "ready"
    on_call = "on_call"
    wrap_up = "wrap_up"
    paused = "paused"
    logged_out = "logged_out"


class ItemStatus(StrEnum):
    accepted = "accepted"
    duplicate = "duplicate"
    rejected = "rejected"
    conflict = "conflict"


class Strict(BaseModel):
    """Base of request bodies: unknown fields, NaN/Infinity and NUL characters are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if _has_nul(data):
            raise ValueError("NUL characters are not allowed")
        return data


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[dict[str, Any]] | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


# --- login -------------------------------------------------------------------------------


class LoginRequest(Strict):
    username: Annotated[str, Field(min_length=1, max_length=100)]
    password: Annotated[str, Field(min_length=1, max_length=200)]


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role


class CentreOut(BaseModel):
    id: int
    name: str


class SipIdentity(BaseModel):
    username: str
    password: str
    domain: str
    transport: str


class Disposition(BaseModel):
    code: str
    label: str
    final: bool = Field(description="the contact is done after this outcome")
    system: bool = True


class CallingWindow(BaseModel):
    timezone: str
    start: str = Field(description="HH:MM local time")
    end: str = Field(description="HH:MM local time; 24:00 allowed")


class CampaignOut(BaseModel):
    id: int
    name: str
    active: bool
    calling_window: CallingWindow
    max_calls_per_day: int
    max_calls_per_week: int
    lease_seconds: int
    callback_grace_seconds: int
    retry_gap_seconds: int
    dispositions: list[Disposition]
    pause_reasons: list[str]
    schemes: list[str]
    languages: list[str]


class LoginResponse(BaseModel):
    token: str
    expires_at: datetime
    user: UserOut
    centre: CentreOut | None
    sip: SipIdentity | None
    campaign: CampaignOut | None
    server_public_key: str = Field(description="Ed25519 raw public key, base64url")
    server_time: datetime
    heartbeat_interval_s: int


# --- scripts -----------------------------------------------------------------------------


class ScriptSection(BaseModel):
    title: Annotated[str, Field(max_length=200)]
    text: Annotated[str, Field(max_length=20000, description="may contain {{variables}}")]


class SurveyQuestion(BaseModel):
    key: Annotated[str, Field(min_length=1, max_length=60)]
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    options: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=50)] = []


class ScriptIn(Strict):
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]
    title: Annotated[str, Field(min_length=1, max_length=200)]
    sections: Annotated[list[ScriptSection], Field(min_length=1, max_length=100)]
    questions: Annotated[list[SurveyQuestion], Field(max_length=100)] = []


class ScriptOut(BaseModel):
    id: int
    campaign_id: int
    language: str
    version: int
    title: str
    sections: list[ScriptSection]
    questions: list[SurveyQuestion]
    created_at: datetime


# --- contacts and leases -----------------------------------------------------------------


class Attempt(BaseModel):
    ended_at: datetime
    disposition: str
    phone: str
    notes: str


class ContactOut(BaseModel):
    id: int
    campaign_id: int
    name: str
    role: str
    state: str
    parliamentary_constituency: str
    assembly_constituency: str
    booth_number: str
    language: str
    phones: list[str]
    variables: dict[str, str]
    attempts: int
    last_attempt_at: datetime | None
    last_disposition: str | None
    callback_at: datetime | None
    history: list[Attempt] = []


class LeaseRequest(Strict):
    campaign_id: Id
    count: Annotated[int, Field(ge=1, le=50)] = 5


class Lease(BaseModel):
    contact: ContactOut
    expires_at: datetime


class LeaseResponse(BaseModel):
    leases: list[Lease]
    refused_reason: str | None = Field(
        None, description="why nothing was leased, e.g. outside_calling_window"
    )
    server_time: datetime


class LeaseRelease(Strict):
    contact_ids: Annotated[list[Id], Field(min_length=1, max_length=200)]


class LeaseReleaseResponse(BaseModel):
    released: list[int]
    renewed: list[int] = []
    expires_at: datetime | None = None
    server_time: datetime


# --- outcomes ----------------------------------------------------------------------------


class OutcomeIn(Strict):
    """One recorded call result. Validated per item: a bad item is rejected, not the batch."""

    uuid: UUID
    contact_id: Id
    campaign_id: Id
    disposition: Annotated[str, Field(min_length=1, max_length=40)]
    phone: Annotated[str, Field(min_length=1, max_length=20)]
    started_at: Moment | None = None
    ended_at: Moment
    duration_s: Annotated[float, Field(ge=0, le=86400)] = 0
    scheme: Annotated[str, Field(max_length=100)] | None = None
    language: Annotated[str, Field(max_length=10)] | None = None
    script_version: Annotated[int, Field(ge=0)] | None = None
    notes: Annotated[str, Field(max_length=4000)] = ""
    survey: dict[Annotated[str, Field(max_length=60)], JsonScalar | list[str]] = {}
    media: dict[Annotated[str, Field(max_length=60)], JsonScalar] = {}
    sip_status: Annotated[int, Field(ge=100, le=699)] | None = None
    callback_at: Moment | None = None
    call_uuid: UUID | None = None


class OutcomeBatch(Strict):
    items: Annotated[
        list[dict[str, Any]],
        Field(
            min_length=1,
            max_length=500,
            description="OutcomeIn objects; each is validated and answered on its own",
        ),
    ]


class OutcomeResult(BaseModel):
    uuid: str | None
    status: ItemStatus
    reason: str | None = None


class OutcomeBatchResponse(BaseModel):
    results: list[OutcomeResult]
    server_time: datetime


# --- presence ----------------------------------------------------------------------------


class Quality(Strict):
    """The call's last media statistics (as the caller's engine measured them)."""

    mos: Annotated[float, Field(ge=0, le=5)] | None = None
    loss_pct: Annotated[float, Field(ge=0, le=100)] | None = None
    jitter_ms: Annotated[float, Field(ge=0, le=100_000)] | None = None


class PresenceIn(Strict):
    state: PresenceState
    reason: Annotated[str, Field(max_length=100)] | None = Field(
        None, description="required when paused: one of the campaign's pause reasons"
    )
    contact_id: Id | None = None
    call_started_at: Moment | None = Field(None, description="when talk time began")
    quality: Quality | None = Field(None, description="last media statistics of the call")


class PresenceAck(BaseModel):
    state: PresenceState
    server_time: datetime
    heartbeat_interval_s: int


class AgentPresence(BaseModel):
    user_id: int
    username: str
    display_name: str
    state: PresenceState
    reason: str | None
    contact_id: int | None
    since: datetime | None
    updated_at: datetime | None


class BoardContact(BaseModel):
    id: int
    name: str
    role: str
    state: str
    parliamentary_constituency: str
    assembly_constituency: str
    booth_number: str


class BoardQuality(BaseModel):
    mos: float | None
    loss_pct: float | None
    jitter_ms: float | None


class BoardRow(BaseModel):
    user_id: int
    username: str
    display_name: str
    state: PresenceState
    reason: str | None
    since: datetime | None
    updated_at: datetime | None
    sip_uri: str = Field(description='"sip:user@domain" of the caller\'s shift identity, or ""')
    contact: BoardContact | None
    call_started_at: datetime | None
    quality: BoardQuality | None
    monitorable: bool = Field(description="on a call, and the supervisor may monitor it")


class Board(BaseModel):
    version: int = Field(description="changes with the content (ms of the newest update)")
    server_time: datetime
    agents: list[BoardRow]


class MonitorAuditEntry(BaseModel):
    id: int
    at: datetime
    user_id: int = Field(description="who asked for the grant")
    user_role: str
    centre_id: int | None
    agent_id: int = Field(description="the caller asked for (may name no user)")
    agent_centre_id: int | None
    mode: str
    granted: bool
    reason: str = Field(
        description="granted | not_supervisor | unknown_agent | other_centre | no_centre"
    )
    jti: str | None


# --- DNC, import, reports, monitor -------------------------------------------------------


class DncIn(Strict):
    phone: Annotated[str, Field(pattern=r"^\+?[0-9][0-9 ().-]{8,18}$")]
    reason: Annotated[str, Field(max_length=200)] = "requested"


class DncEntry(BaseModel):
    phone: str
    reason: str
    added_at: datetime


class RejectedRow(BaseModel):
    line: int
    reasons: list[str]


class ImportReport(BaseModel):
    campaign_id: int
    imported: int
    rejected: list[RejectedRow]
    committed: bool


class ReportRow(BaseModel):
    key: str | None
    count: int


class ReportOut(BaseModel):
    campaign_id: int
    group_by: str
    rows: list[ReportRow]
    total: int


class MonitorGrantIn(Strict):
    agent_id: Id
    mode: Annotated[str, Field(pattern=r"^(listen|whisper|barge)$")]


class MonitorGrantOut(BaseModel):
    token: str
    expires_at: datetime


class ServerTime(BaseModel):
    server_time: datetime
