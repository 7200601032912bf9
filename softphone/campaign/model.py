"""The campaign as the caller sees it: contacts, scripts, dispositions and the calling rules.

Frozen dataclasses built from the wire models of ``server/schema.py`` (the sync client
validates every reply with those models; this module turns them into what the UI shows).
Also the pure rules the caller workflow applies: ``render`` fills a script's ``{{variables}}``
from a contact, ``disposition_for_failure`` maps a failed call to a suggested disposition,
``disposition_keys`` binds digits 1–9 to dispositions and ``check_dial`` refuses a dial that
would break the do-not-call list or the calling window. No Qt, no I/O.
"""

from __future__ import annotations

import html
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from server import schema

log = logging.getLogger(__name__)

FALLBACK_LANGUAGE = "en"


# --- contacts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """One earlier call to a contact (from any centre), newest first on the wire."""

    ended_at: datetime
    disposition: str
    phone: str
    notes: str = ""


@dataclass(frozen=True)
class Contact:
    """A leased contact: who to call, where they sit in the booth hierarchy, their numbers."""

    id: int
    campaign_id: int
    name: str
    role: str = ""
    state: str = ""
    parliamentary_constituency: str = ""
    assembly_constituency: str = ""
    booth_number: str = ""
    language: str = ""
    phones: tuple[str, ...] = ()
    variables: Mapping[str, str] = field(default_factory=dict)
    attempts: int = 0
    last_attempt_at: datetime | None = None
    last_disposition: str | None = None
    callback_at: datetime | None = None
    history: tuple[Attempt, ...] = ()

    @classmethod
    def from_wire(cls, wire: schema.ContactOut) -> Contact:
        return cls(
            id=wire.id,
            campaign_id=wire.campaign_id,
            name=wire.name,
            role=wire.role,
            state=wire.state,
            parliamentary_constituency=wire.parliamentary_constituency,
            assembly_constituency=wire.assembly_constituency,
            booth_number=wire.booth_number,
            language=wire.language,
            phones=tuple(wire.phones),
            variables=dict(wire.variables),
            attempts=wire.attempts,
            last_attempt_at=wire.last_attempt_at,
            last_disposition=wire.last_disposition,
            callback_at=wire.callback_at,
            history=tuple(
                Attempt(a.ended_at, a.disposition, a.phone, a.notes) for a in wire.history
            ),
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Contact:
        """From a cached ``ContactOut`` dict (validated again: the cache is a file on disk)."""
        return cls.from_wire(schema.ContactOut.model_validate(data))


# --- scripts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScriptSection:
    title: str
    text: str


@dataclass(frozen=True)
class SurveyQuestion:
    key: str
    text: str
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenderedSection:
    """A script section with the contact's values filled in: plain text and escaped HTML."""

    title: str
    text: str
    html: str


@dataclass(frozen=True)
class RenderedScript:
    """What the script panel shows for one contact in one language."""

    language: str
    version: int
    title: str
    sections: tuple[RenderedSection, ...]
    questions: tuple[SurveyQuestion, ...]
    languages: tuple[str, ...]  # the languages the caller may switch to


@dataclass(frozen=True)
class Script:
    """One version of a campaign's script in one language."""

    id: int
    campaign_id: int
    language: str
    version: int
    title: str
    sections: tuple[ScriptSection, ...]
    questions: tuple[SurveyQuestion, ...] = ()

    @classmethod
    def from_wire(cls, wire: schema.ScriptOut) -> Script:
        return cls(
            id=wire.id,
            campaign_id=wire.campaign_id,
            language=wire.language,
            version=wire.version,
            title=wire.title,
            sections=tuple(ScriptSection(s.title, s.text) for s in wire.sections),
            questions=tuple(
                SurveyQuestion(q.key, q.text, tuple(q.options)) for q in wire.questions
            ),
        )

    def render(self, contact: Contact, languages: Iterable[str] = ()) -> RenderedScript:
        sections = tuple(
            RenderedSection(
                render(s.title, contact), render(s.text, contact), render_html(s.text, contact)
            )
            for s in self.sections
        )
        return RenderedScript(
            language=self.language,
            version=self.version,
            title=render(self.title, contact),
            sections=sections,
            questions=self.questions,
            languages=tuple(languages) or (self.language,),
        )


def choose_language(
    available: Iterable[str], wanted: str | None, campaign_languages: Iterable[str] = ()
) -> str | None:
    """The contact's language if a script exists in it, else the campaign's first language,
    else English, else any language a script exists in (``None`` when there is none)."""
    have = list(available)
    for candidate in (wanted, *list(campaign_languages)[:1], FALLBACK_LANGUAGE):
        if candidate and candidate in have:
            return candidate
    return have[0] if have else None


# --- rendering {{variables}} ---------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]{1,80})\s*\}\}")
CONTACT_FIELDS = (
    "name",
    "role",
    "state",
    "parliamentary_constituency",
    "assembly_constituency",
    "booth_number",
    "language",
)
_warned: set[str] = set()
_warned_lock = threading.Lock()


def _is_word(part: str) -> bool:
    """Letters (any script, with their combining marks), digits and ``_`` only."""
    return bool(part) and all(ch == "_" or unicodedata.category(ch)[0] in "LMN" for ch in part)


def _lookup(name: str, contact: Contact) -> str | None:
    """The value of one placeholder, from a fixed set of names: never an attribute walk."""
    if not all(_is_word(part) for part in name.split(".", 1)):
        return None
    if name in CONTACT_FIELDS:
        return str(getattr(contact, name))
    if name == "phone":
        return contact.phones[0] if contact.phones else ""
    prefix, _, key = name.partition(".")
    if key:
        return contact.variables.get(key) if prefix == "variables" else None
    return contact.variables.get(name)


def _unknown(name: str) -> str:
    with _warned_lock:
        first = name not in _warned
        if first:
            _warned.add(name)
    if first:
        log.warning("script placeholder {{%s}} has no value for this contact", name[:80])
    return f"[{name}]"


def render(text: str, contact: Contact) -> str:
    """``text`` with each ``{{name}}`` replaced by the contact's value, in one pass.

    Names: the contact fields (``name``, ``booth_number``, …), ``phone`` (the first number),
    ``variables.x`` or plain ``x`` for the contact's imported variables. An unknown name shows
    as ``[name]`` and is logged once. Values are inserted literally: they are never rendered
    again, never formatted and never evaluated.
    """

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        value = _lookup(name, contact)
        return _unknown(name) if value is None else value

    return _PLACEHOLDER.sub(substitute, text)


def render_html(text: str, contact: Contact) -> str:
    """Like ``render`` but HTML-escaped throughout (template and values), newlines as <br>,
    for a rich-text label: a contact named ``<b>x</b>`` shows those characters literally."""
    parts: list[str] = []
    last = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(html.escape(text[last : match.start()]))
        name = match.group(1)
        value = _lookup(name, contact)
        parts.append(html.escape(_unknown(name) if value is None else value))
        last = match.end()
    parts.append(html.escape(text[last:]))
    return "".join(parts).replace("\r\n", "\n").replace("\n", "<br>")


# --- dispositions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Disposition:
    code: str
    label: str
    final: bool  # the contact is done after this outcome
    system: bool = True


_FAILURE_DISPOSITIONS: dict[int, str] = {
    486: "busy",
    600: "busy",
    408: "no_answer",
    480: "no_answer",
    487: "no_answer",
    404: "wrong_number",
    484: "wrong_number",
    604: "wrong_number",
    **{code: "not_reachable" for code in (0, 403, 410, 500, 502, 503, 504, 603)},
}


def disposition_for_failure(code: int, answered: bool, ring_timeout: bool = False) -> str | None:
    """The disposition to pre-select after a call: ``None`` when it was answered (the caller
    chooses), ``no_answer`` after our ring timeout, else by SIP status; an unlisted failure
    status counts as not reachable."""
    if answered:
        return None
    if ring_timeout:
        return "no_answer"
    return _FAILURE_DISPOSITIONS.get(code, "not_reachable")


# --- campaign ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallingWindow:
    """Local times (``HH:MM``, end may be ``24:00``) in an IANA time zone."""

    timezone: str
    start: str
    end: str

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def contains(self, moment: datetime) -> bool:
        """Is ``moment`` (aware; naive means UTC) inside the window? Start inclusive, end
        exclusive; a window whose end is before its start runs over midnight."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        local = moment.astimezone(self.zone()).time()
        start, end = _clock(self.start) or time(0, 0), _clock(self.end)
        if end is None:
            return local >= start
        if start <= end:
            return start <= local < end
        return local >= start or local < end


def _clock(value: str) -> time | None:
    """``HH:MM`` as a time; ``24:00`` is ``None`` (the end of the day)."""
    if value.strip() == "24:00":
        return None
    hours, _, minutes = value.strip().partition(":")
    return time(int(hours), int(minutes or 0))


@dataclass(frozen=True)
class Campaign:
    id: int
    name: str
    calling_window: CallingWindow
    dispositions: tuple[Disposition, ...]
    pause_reasons: tuple[str, ...] = ()
    schemes: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    active: bool = True
    max_calls_per_day: int = 0
    max_calls_per_week: int = 0
    lease_seconds: int = 0

    @classmethod
    def from_wire(cls, wire: schema.CampaignOut) -> Campaign:
        window = wire.calling_window
        return cls(
            id=wire.id,
            name=wire.name,
            calling_window=CallingWindow(window.timezone, window.start, window.end),
            dispositions=tuple(
                Disposition(d.code, d.label, d.final, d.system) for d in wire.dispositions
            ),
            pause_reasons=tuple(wire.pause_reasons),
            schemes=tuple(wire.schemes),
            languages=tuple(wire.languages),
            active=wire.active,
            max_calls_per_day=wire.max_calls_per_day,
            max_calls_per_week=wire.max_calls_per_week,
            lease_seconds=wire.lease_seconds,
        )

    def disposition(self, code: str) -> Disposition | None:
        return next((d for d in self.dispositions if d.code == code), None)


def disposition_keys(campaign: Campaign) -> dict[str, str]:
    """Digits ``"1"``–``"9"`` bound to the first nine dispositions, in campaign order."""
    return {str(i): d.code for i, d in enumerate(campaign.dispositions[:9], start=1)}


# --- dialling rules ------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s\-().]")


def normalise_phone(raw: str) -> str:
    """A comparable form of an Indian number: ``+91`` and ten digits when it looks like one
    (``98765 43210``, ``098765-43210``, ``919876543210``), else the digits (and leading +)."""
    digits = _SEPARATORS.sub("", raw.strip())
    if digits.startswith("+91") and len(digits) == 13:
        return digits
    if len(digits) == 12 and digits.startswith("91") and digits.isdigit():
        return "+" + digits
    if len(digits) == 11 and digits.startswith("0") and digits.isdigit():
        return "+91" + digits[1:]
    if len(digits) == 10 and digits.isdigit():
        return "+91" + digits
    return digits


def check_dial(
    contact: Contact, phone: str, campaign: Campaign, dnc: Iterable[str], now: datetime
) -> str | None:
    """Why dialling ``phone`` for ``contact`` now is refused, as a sentence; ``None`` if fine."""
    if not campaign.active:
        return f"The campaign “{campaign.name}” is not active."
    number = normalise_phone(phone)
    if number not in {normalise_phone(p) for p in contact.phones}:
        return f"{phone} is not one of {contact.name}'s numbers."
    if number in {normalise_phone(d) for d in dnc}:
        return f"{phone} is on the do-not-call list."
    window = campaign.calling_window
    try:
        inside = window.contains(now)
    except (ZoneInfoNotFoundError, ValueError):
        return f"The campaign's calling window ({window.timezone}) cannot be read."
    if not inside:
        local = (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(window.zone())
        return (
            f"Outside the calling window ({window.start}–{window.end} {window.timezone}); "
            f"it is {local:%H:%M} there."
        )
    return None
