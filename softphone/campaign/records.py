"""Records of the caller's work as the server wants them: the wire ``OutcomeIn`` payload.

``outcome_payload(outcome, call)`` is built once, when the outcome is saved, and stored in
the journal's outbox; a resend after a lost reply is then byte-for-byte the same request, so
the server answers ``duplicate``, never ``conflict`` (docs/caller-workflow.md).

The call's data travel inside the outcome (the server has no call endpoint): ``started_at``,
``duration_s`` (talk time, answered → ended; 0 when unanswered), ``media`` (the call's media
statistics, finite numbers and short strings only), ``sip_status`` (100–699 only),
``call_uuid`` and ``phone`` (the number dialled). Machine-measured instants (``started_at``,
``ended_at``) are shifted by the learned server-clock offset when one is known, so a client
clock that is hours off still yields true times; ``callback_at`` is what the caller chose
and is sent as is.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from softphone.journal.errors import InvalidOutcome
from softphone.journal.models import CallRecord, Outcome
from softphone.sync.wire import OutcomeIn

MEDIA_KEY_MAX = 60
MEDIA_TEXT_MAX = 200
MEDIA_MAX_KEYS = 40


def _wire_time(value: datetime | None, offset: timedelta | None = None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if offset is not None:
        value = value + offset
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _media_value(value: Any) -> Any:
    """A number or short string (JSON-safe), or ``_SKIP``."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else _SKIP
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else _SKIP
    if isinstance(value, str):
        return value.replace("\x00", "")[:MEDIA_TEXT_MAX]
    return _SKIP


_SKIP = object()


def media_payload(call: CallRecord | None) -> dict[str, Any]:
    """The call's media statistics as the server accepts them (nested values dropped)."""
    if call is None:
        return {}
    media: dict[str, Any] = {}
    for key, raw in call.media_stats.items():
        value = _media_value(raw)
        if value is _SKIP or not isinstance(key, str) or len(key) > MEDIA_KEY_MAX:
            continue
        media[key] = value
        if len(media) >= MEDIA_MAX_KEYS:
            break
    if call.sip_reason and "sip_reason" not in media:
        media["sip_reason"] = call.sip_reason.replace("\x00", "")[:MEDIA_TEXT_MAX]
    return media


def talk_seconds(call: CallRecord | None) -> float:
    """Seconds from answer to hang-up; 0 for an unanswered or unfinished call."""
    if call is None or call.answered_at is None or call.ended_at is None:
        return 0.0
    return round(max((call.ended_at - call.answered_at).total_seconds(), 0.0), 3)


def _sip_status(call: CallRecord | None) -> int | None:
    code = call.sip_code if call is not None else None
    return code if isinstance(code, int) and 100 <= code <= 699 else None


def outcome_payload(
    outcome: Outcome, call: CallRecord | None = None, *, offset: timedelta | None = None
) -> dict[str, Any]:
    """The ``OutcomeIn`` dict for ``outcome`` (and its ``call``), validated.

    ``offset`` is server time minus local time when known. Raises ``InvalidOutcome`` (a
    ``JournalError`` and a ``ValueError``) with a sentence naming the bad field."""
    ended = call.ended_at if call is not None and call.ended_at is not None else None
    payload: dict[str, Any] = {
        "uuid": outcome.uuid,
        "contact_id": outcome.contact_id,
        "campaign_id": outcome.campaign_id,
        "disposition": outcome.disposition,
        "phone": outcome.phone or (call.number_dialled if call is not None else None),
        "started_at": _wire_time(call.started_at if call is not None else None, offset),
        "ended_at": _wire_time(ended or outcome.created_at, offset),
        "duration_s": talk_seconds(call),
        "scheme": outcome.scheme,
        "language": outcome.language,
        "script_version": (
            outcome.script_version
            if outcome.script_version is not None
            else (call.script_version if call is not None else None)
        ),
        "notes": outcome.notes or "",
        "survey": dict(outcome.survey_answers),
        "media": media_payload(call),
        "sip_status": _sip_status(call),
        "callback_at": _wire_time(outcome.callback_at),
        "call_uuid": call.uuid if call is not None else outcome.call_uuid,
    }
    validate_payload(payload)
    return payload


def validate_payload(payload: dict[str, Any]) -> None:
    """Refuse what the server would reject as ``invalid_payload`` (and non-JSON values)."""
    try:
        OutcomeIn.model_validate(payload)
        json.dumps(payload, allow_nan=False)
    except ValidationError as exc:
        problems = []
        for err in exc.errors()[:3]:
            where = ".".join(str(p) for p in err.get("loc", ())) or "outcome"
            problems.append(f"{where}: {err.get('msg', 'invalid')}")
        raise InvalidOutcome(
            "The outcome cannot be saved: " + "; ".join(problems) + ". Nothing was stored."
        ) from None
    except (TypeError, ValueError) as exc:
        raise InvalidOutcome(
            f"The outcome cannot be saved: a value is not plain data ({exc}). Nothing was stored."
        ) from None
