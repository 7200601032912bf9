"""Real campaign data for the campaign-screen tests: a Hindi/English campaign, its scripts,
contacts (Devanagari names) as the server's ``ContactOut`` dicts, and a ``Session``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from server import schema
from server.campaigns import SYSTEM_DISPOSITIONS
from softphone.campaign.model import Campaign, Contact, Script
from softphone.campaign.session import Centre, Session, SipAccount, User

CAMPAIGN_ID = 7
PAUSE_REASONS = ["break", "meal", "training", "technical"]


def campaign_wire(**overrides: Any) -> schema.CampaignOut:
    data: dict[str, Any] = {
        "id": CAMPAIGN_ID,
        "name": "Jan Samvad",
        "active": True,
        "calling_window": {"timezone": "Asia/Kolkata", "start": "00:00", "end": "24:00"},
        "max_calls_per_day": 3,
        "max_calls_per_week": 10,
        "lease_seconds": 3600,
        "callback_grace_seconds": 600,
        "retry_gap_seconds": 0,
        "dispositions": [d.model_dump() for d in SYSTEM_DISPOSITIONS],
        "pause_reasons": PAUSE_REASONS,
        "schemes": ["PM-KISAN"],
        "languages": ["hi", "en"],
    }
    data.update(overrides)
    return schema.CampaignOut.model_validate(data)


def campaign(**overrides: Any) -> Campaign:
    return Campaign.from_wire(campaign_wire(**overrides))


HINDI_SCRIPT = {
    "language": "hi",
    "title": "जन संवाद",
    "sections": [
        {"title": "नमस्ते", "text": "नमस्ते {{name}} जी, बूथ {{booth_number}} से बात कर रहे हैं।"},
        {"title": "योजना", "text": "क्या आपने {{scheme}} के बारे में सुना है?"},
    ],
    "questions": [{"key": "aware", "text": "क्या योजना की जानकारी है?", "options": ["हाँ", "नहीं"]}],
}
ENGLISH_SCRIPT = {
    "language": "en",
    "title": "Jan Samvad",
    "sections": [
        {"title": "Greeting", "text": "Namaste {{name}}, calling about booth {{booth_number}}."},
        {"title": "Scheme", "text": "Have you heard of {{scheme}}?"},
    ],
    "questions": [{"key": "aware", "text": "Aware of the scheme?", "options": ["yes", "no"]}],
}


def scripts() -> list[Script]:
    now = datetime.now(UTC)
    out = []
    for number, body in enumerate((HINDI_SCRIPT, ENGLISH_SCRIPT), start=1):
        wire = schema.ScriptOut(
            id=number, campaign_id=CAMPAIGN_ID, version=3, created_at=now, **body
        )
        out.append(Script.from_wire(wire))
    return out


def contact_dict(index: int, phones: list[str], **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": 100 + index,
        "campaign_id": CAMPAIGN_ID,
        "name": ["रामेश्वर प्रसाद", "सुनीता देवी", "Anil Kumar"][index % 3],
        "role": "booth president",
        "state": "बिहार",
        "parliamentary_constituency": "पटना साहिब",
        "assembly_constituency": "बांकीपुर",
        "booth_number": str(120 + index),
        "language": "hi" if index % 3 != 2 else "en",
        "phones": phones,
        "variables": {"scheme": "PM-KISAN"},
        "attempts": 1,
        "last_attempt_at": None,
        "last_disposition": "no_answer",
        "callback_at": None,
        "history": [
            {
                "ended_at": "2026-11-27T10:15:00+00:00",
                "disposition": "no_answer",
                "phone": phones[0],
                "notes": "फ़ोन नहीं उठाया",
            }
        ],
    }
    data.update(overrides)
    return schema.ContactOut.model_validate(data).model_dump(mode="json")


def contact(index: int = 0, phones: list[str] | None = None) -> Contact:
    return Contact.from_dict(contact_dict(index, phones or ["+919876543210", "+919812345678"]))


def lease_expiry() -> datetime:
    return datetime.now(UTC) + timedelta(hours=1)


def session(server_url: str = "http://127.0.0.1:9", sip_domain: str = "127.0.0.1") -> Session:
    return Session(
        user=User(5, "caller1", "Caller One", "caller"),
        centre=Centre(1, "Patna"),
        campaign=campaign(),
        sip=SipAccount("caller1", sip_domain, "udp"),
        server_public_key="",
        heartbeat_interval_s=15,
        server_url=server_url,
    )
