"""The wire models softphone uses, re-exported from ``server/schema.py``.

``server/schema.py`` is the one module of request/response models both sides share
(DESIGN.md §1). Only ``softphone/sync`` imports it (the layering test enforces this); the
rest of ``softphone`` takes the models from here.
"""

from __future__ import annotations

from server.schema import (
    CampaignOut,
    ContactOut,
    DncEntry,
    ErrorResponse,
    ItemStatus,
    Lease,
    LeaseReleaseResponse,
    LeaseResponse,
    LoginResponse,
    MonitorGrantOut,
    OutcomeBatchResponse,
    OutcomeIn,
    OutcomeResult,
    PresenceAck,
    PresenceState,
    ScriptOut,
    ServerTime,
)

__all__ = [
    "CampaignOut",
    "ContactOut",
    "DncEntry",
    "ErrorResponse",
    "ItemStatus",
    "Lease",
    "LeaseReleaseResponse",
    "LeaseResponse",
    "LoginResponse",
    "MonitorGrantOut",
    "OutcomeBatchResponse",
    "OutcomeIn",
    "OutcomeResult",
    "PresenceAck",
    "PresenceState",
    "ScriptOut",
    "ServerTime",
]
