"""One call attempt to a contact, from dial to saved outcome.

``CallAttempt`` collects what the caller workflow learns while a call runs (times, SIP status,
the last media statistics, the script version and language shown); ``WrapUp`` is what the
wrap-up panel receives when the call ends; ``OutcomeForm`` is what the caller entered there,
checked by ``validate`` before anything is written. ``build_records`` turns an attempt and a
form into the journal's ``CallRecord`` and ``Outcome``. No Qt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from softphone.campaign.model import Campaign, Contact, disposition_for_failure
from softphone.journal import CallRecord, Outcome
from softphone.sip.events import MediaStats

MAX_NOTES = 4000
MAX_CALLBACK_AHEAD = timedelta(days=366)
_MEDIA_SKIP = {"kind", "call_id", "ts"}


def media_dict(stats: MediaStats | None) -> dict[str, Any]:
    """The call's last media statistics as flat JSON scalars (no event bookkeeping)."""
    if stats is None:
        return {}
    return {k: v for k, v in stats.to_dict().items() if k not in _MEDIA_SKIP}


@dataclass
class CallAttempt:
    """Mutable while the call runs (GUI thread only); frozen into records at save."""

    contact: Contact
    phone: str
    started_at: datetime
    language: str | None = None
    script_version: int | None = None
    call_id: int | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    sip_code: int = 0
    sip_reason: str = ""
    stats: MediaStats | None = None
    ring_timed_out: bool = False

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def duration_s(self) -> float:
        """Talk time: from answer to hang-up (0 when never answered)."""
        if self.answered_at is None or self.ended_at is None:
            return 0.0
        return max(0.0, (self.ended_at - self.answered_at).total_seconds())

    def suggestion(self, campaign: Campaign) -> str | None:
        """The disposition to pre-select, if the campaign has it."""
        code = disposition_for_failure(self.sip_code, self.answered, self.ring_timed_out)
        return code if code is not None and campaign.disposition(code) else None

    def call_record(self) -> CallRecord:
        return CallRecord(
            number_dialled=self.phone,
            started_at=self.started_at,
            contact_id=self.contact.id,
            answered_at=self.answered_at,
            ended_at=self.ended_at,
            sip_code=self.sip_code or None,
            sip_reason=self.sip_reason or None,
            media_stats=media_dict(self.stats),
            script_version=self.script_version,
        )


@dataclass(frozen=True)
class WrapUp:
    """What the wrap-up panel shows when a call ends."""

    contact: Contact
    call: CallRecord
    suggested: str | None  # disposition code to pre-select (None: the caller chooses)
    duration_s: float = 0.0
    language: str | None = None
    script_version: int | None = None


@dataclass(frozen=True)
class OutcomeForm:
    """The caller's wrap-up entries."""

    disposition: str
    survey: Mapping[str, Any] = field(default_factory=dict)
    notes: str = ""
    callback_at: datetime | None = None
    scheme: str | None = None


def validate(form: OutcomeForm, campaign: Campaign, now: datetime) -> str | None:
    """Why ``form`` cannot be saved, as a sentence; ``None`` when it can."""
    if campaign.disposition(form.disposition) is None:
        return f"“{form.disposition}” is not a disposition of this campaign."
    if len(form.notes) > MAX_NOTES:
        return f"Notes are limited to {MAX_NOTES} characters."
    if form.disposition == "callback" and form.callback_at is None:
        return "Choose when to call back."
    if form.callback_at is not None:
        when = form.callback_at
        if when.tzinfo is None:
            return "The callback time needs a time zone."
        if when <= now:
            return "The callback time must be in the future."
        if when - now > MAX_CALLBACK_AHEAD:
            return "The callback time is more than a year away."
    if form.scheme and campaign.schemes and form.scheme not in campaign.schemes:
        return f"“{form.scheme}” is not a scheme of this campaign."
    for key, value in form.survey.items():
        if not isinstance(key, str) or not _survey_value_ok(value):
            return f"The survey answer for “{key}” cannot be saved."
    return None


def _survey_value_ok(value: Any) -> bool:
    if value is None or isinstance(value, str | int | float | bool):
        return True
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def scheme_for(form: OutcomeForm, contact: Contact, campaign: Campaign) -> str | None:
    """The scheme discussed: the caller's choice, else the contact's ``scheme`` variable,
    else the campaign's only scheme."""
    if form.scheme:
        return form.scheme
    if contact.variables.get("scheme"):
        return contact.variables["scheme"][:100]
    return campaign.schemes[0] if len(campaign.schemes) == 1 else None


def build_records(
    call: CallRecord | None,
    contact: Contact,
    campaign: Campaign,
    form: OutcomeForm,
    language: str | None = None,
    script_version: int | None = None,
) -> Outcome:
    """The journal's outcome for one saved wrap-up (``call`` is ``None`` if nothing was
    dialled). ``call`` is built once when the call ends (``CallAttempt.call_record``), so the
    outcome and the wrap-up panel refer to the same call UUID."""
    callback = form.callback_at.astimezone(UTC) if form.callback_at is not None else None
    return Outcome(
        contact_id=contact.id,
        campaign_id=campaign.id,
        disposition=form.disposition,
        call_uuid=call.uuid if call is not None else None,
        survey_answers=dict(form.survey),
        notes=form.notes,
        callback_at=callback,
        script_version=script_version,
        phone=call.number_dialled if call is not None else None,
        language=language,
        scheme=scheme_for(form, contact, campaign),
        contact_name=contact.name,
    )


__all__ = [
    "CallAttempt",
    "OutcomeForm",
    "WrapUp",
    "build_records",
    "media_dict",
    "scheme_for",
    "validate",
]
