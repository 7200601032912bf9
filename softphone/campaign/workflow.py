"""The caller workflow: the state machine behind the caller's screen (docs/caller-workflow.md).

``CallerWorkflow`` lives on the GUI thread. It takes the next contact from the journal's
leased-contact cache (the ``SyncWorker`` keeps it filled), shows the contact and the script
rendered in the contact's language, checks and places the call through ``Phone``, follows the
call to wrap-up with a suggested disposition, and saves the caller's outcome on the db lane
(never on the GUI thread). Every state change is sent as presence through the sync worker.
Problems reach the UI as ``problem``/``refused`` sentences; no exception escapes into Qt.

States: LOGGED_OUT → FETCHING (no contact yet) ⇄ PREVIEW → DIALING → IN_CALL → WRAP_UP →
PREVIEW/FETCHING; PAUSED from PREVIEW, FETCHING or WRAP_UP (after the save).
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from pydantic import ValidationError
from PySide6.QtCore import QObject, Qt, QTimer, Signal

from softphone.campaign.attempt import CallAttempt, OutcomeForm, WrapUp, build_records, validate
from softphone.campaign.lanes import LaneLike
from softphone.campaign.model import (
    Campaign,
    Contact,
    RenderedScript,
    Script,
    check_dial,
    choose_language,
    normalise_phone,
)
from softphone.campaign.session import Session, close_shift
from softphone.journal import CallRecord, Journal, JournalError, JournalFull
from softphone.journal.models import HistoryEntry
from softphone.phone import CallInfo, Phone
from softphone.sip.events import CallState, MediaStats

if TYPE_CHECKING:
    from softphone.sync.client import SyncClient
    from softphone.sync.worker import SyncWorker

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")
DEFAULT_RING_TIMEOUT_S = 45.0
REFERENCE_RETRY_S = 30.0


class WorkflowState(StrEnum):
    LOGGED_OUT = "logged_out"
    FETCHING = "fetching"
    PREVIEW = "preview"
    DIALING = "dialing"
    IN_CALL = "in_call"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"


PRESENCE = {
    WorkflowState.LOGGED_OUT: "logged_out",
    WorkflowState.FETCHING: "ready",
    WorkflowState.PREVIEW: "ready",
    WorkflowState.DIALING: "on_call",
    WorkflowState.IN_CALL: "on_call",
    WorkflowState.WRAP_UP: "wrap_up",
    WorkflowState.PAUSED: "paused",
}
QUALITY_S = 5.0  # presence with fresh call quality at least this often during a call
_WITH_CONTACT = {
    WorkflowState.PREVIEW,
    WorkflowState.DIALING,
    WorkflowState.IN_CALL,
    WorkflowState.WRAP_UP,
}


def guarded(method: Callable[P, R]) -> Callable[P, R | None]:
    """Run a command or slot; an unexpected exception is logged and becomes ``problem``."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | None:
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            log.exception("caller workflow: %s failed", method.__name__)
            workflow = args[0]
            assert isinstance(workflow, CallerWorkflow)
            workflow.problem.emit(f"Something went wrong ({type(exc).__name__}); see the log.")
            return None

    return wrapper


class CallerWorkflow(QObject):
    """The caller's shift, one contact at a time (GUI thread)."""

    state_changed = Signal(object)  # WorkflowState
    contact_changed = Signal(object)  # Contact | None
    script_changed = Signal(object)  # RenderedScript | None
    wrap_up_started = Signal(object)  # WrapUp
    outcome_saved = Signal(str)  # outcome uuid, after the durable commit
    history_changed = Signal()
    sync_status_changed = Signal(object)  # SyncStatus
    refused = Signal(str)  # why a dial was refused
    problem = Signal(str)  # a sentence for the status bar

    _contacts_notified = Signal()  # from the sync worker's thread
    _status_notified = Signal(object)
    _reference_notified = Signal(object)

    def __init__(
        self,
        phone: Phone,
        journal: Journal,
        session: Session,
        worker: SyncWorker | None,
        db_lane: LaneLike,
        *,
        client: SyncClient | None = None,
        net_lane: LaneLike | None = None,
        clock: Callable[[], datetime] | None = None,
        ring_timeout_s: float = DEFAULT_RING_TIMEOUT_S,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._phone, self._journal, self._session = phone, journal, session
        self._worker, self._db_lane = worker, db_lane
        self._client, self._net_lane = client, net_lane
        self._clock = clock or (client.clock.now if client is not None else _utc_now)
        self._state = WorkflowState.LOGGED_OUT
        self._scripts: dict[str, Script] = {}
        self._dnc: set[str] = set()
        self._done: set[int] = set()  # contacts with an outcome saved in this shift
        self._skipped: set[int] = set()
        self._contact: Contact | None = None
        self._language: str | None = None
        self._rendered: RenderedScript | None = None
        self._attempt: CallAttempt | None = None
        self._quality_sent = 0.0  # monotonic time of the last presence with call quality
        self._call: CallRecord | None = None
        self._wrap: WrapUp | None = None
        self._saving = False
        self._pause_reason: str | None = None
        self._pause_after_save: str | None = None
        self._sync_counts: tuple[object, ...] = ()
        self._ring_timer = QTimer(self)
        self._ring_timer.setSingleShot(True)
        self._ring_timer.setInterval(int(ring_timeout_s * 1000))
        self._ring_timer.timeout.connect(self._on_ring_timeout)
        queued = Qt.ConnectionType.QueuedConnection
        self._contacts_notified.connect(self._on_contacts, queued)
        self._status_notified.connect(self._on_status, queued)
        self._reference_notified.connect(self._apply_reference, queued)
        phone.call_updated.connect(self._on_call_updated)
        phone.call_ended.connect(self._on_call_ended)
        phone.media_stats_updated.connect(self._on_stats)

    # -- what the UI reads ------------------------------------------------------------------

    @property
    def state(self) -> WorkflowState:
        return self._state

    @property
    def contact(self) -> Contact | None:
        return self._contact

    @property
    def script(self) -> RenderedScript | None:
        return self._rendered

    @property
    def campaign(self) -> Campaign | None:
        return self._session.campaign

    @property
    def session(self) -> Session:
        return self._session

    @property
    def wrap_up(self) -> WrapUp | None:
        return self._wrap

    @property
    def pause_reason(self) -> str | None:
        return self._pause_reason if self._state is WorkflowState.PAUSED else None

    @property
    def dnc(self) -> frozenset[str]:
        """The do-not-call numbers in force (normalised)."""
        return frozenset(self._dnc)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self._scripts))

    # -- reference data (scripts, DNC) and notifications from the net lane -------------------

    def set_scripts(self, scripts: Iterable[Script]) -> None:
        """Use these scripts (the newest per language); re-renders the current contact."""
        self._scripts = {s.language: s for s in scripts}
        if self._contact is not None:
            self._choose_language(keep=True)
            self._render()

    def set_dnc(self, numbers: Iterable[str]) -> None:
        self._dnc = {normalise_phone(n) for n in numbers}

    def refresh_reference(self) -> None:
        """Fetch scripts and the DNC list through ``client`` on the net lane (if given)."""
        client, lane, campaign = self._client, self._net_lane, self.campaign
        if client is None or lane is None or campaign is None:
            return

        def fetch() -> tuple[list[Script], list[str]]:
            scripts = [Script.from_wire(s) for s in client.scripts(campaign.id)]
            return scripts, [entry.phone for entry in client.dnc()]

        lane.submit(fetch, self._reference_notified.emit, self._reference_failed)

    def notify_contacts(self) -> None:
        """The leased cache changed (thread-safe: the sync worker's ``on_contacts``)."""
        self._contacts_notified.emit()

    def notify_status(self, status: object) -> None:
        """A new ``SyncStatus`` (thread-safe: the sync worker's ``on_status``)."""
        self._status_notified.emit(status)

    @guarded
    def _apply_reference(self, result: tuple[list[Script], list[str]]) -> None:
        scripts, dnc = result
        self.set_dnc(dnc)
        self.set_scripts(scripts)

    def _reference_failed(self, exc: BaseException) -> None:
        """Offline or refused: say so and try again later (the caller keeps working)."""
        self.problem.emit(f"Scripts and the do-not-call list could not be fetched: {exc}")
        if self._state is not WorkflowState.LOGGED_OUT:
            QTimer.singleShot(int(REFERENCE_RETRY_S * 1000), self, self._retry_reference)

    def _retry_reference(self) -> None:
        if self._state is not WorkflowState.LOGGED_OUT:
            self.refresh_reference()

    @guarded
    def _on_contacts(self) -> None:
        if self._state is WorkflowState.FETCHING:
            self._advance()

    @guarded
    def _on_status(self, status: object) -> None:
        self.sync_status_changed.emit(status)
        counts = tuple(getattr(status, k, None) for k in ("waiting", "rejected", "conflict"))
        if counts != self._sync_counts:  # an upload changed some outcome's sync state
            self._sync_counts = counts
            self.history_changed.emit()

    # -- commands -------------------------------------------------------------------------

    @guarded
    def go_ready(self) -> None:
        """Start the shift (from LOGGED_OUT) or resume (from PAUSED)."""
        if self._state is WorkflowState.PAUSED:
            self.resume()
            return
        if self._state is not WorkflowState.LOGGED_OUT:
            return
        if self.campaign is None:
            self.problem.emit("This account has no campaign for this shift.")
            return
        self.refresh_reference()
        self._advance()

    @guarded
    def next_contact(self) -> None:
        """From FETCHING: look at the cache again. From PREVIEW: skip this contact (its lease
        is handed back) and show the next one."""
        if self._state is WorkflowState.PREVIEW and self._contact is not None:
            self._skipped.add(self._contact.id)
            self._release([self._contact.id])
            self._advance()
        elif self._state is WorkflowState.FETCHING:
            self._advance()

    @guarded
    def dial(self, phone_index: int = 0) -> None:
        contact, campaign = self._contact, self.campaign
        if self._state is not WorkflowState.PREVIEW or contact is None or campaign is None:
            self.refused.emit("There is no contact to call right now.")
            return
        if not 0 <= phone_index < len(contact.phones):
            self.refused.emit(f"{contact.name} has no number {phone_index + 1}.")
            return
        number = contact.phones[phone_index]
        reason = check_dial(contact, number, campaign, self._dnc, self._clock())
        if reason is not None:
            self.refused.emit(reason)
            return
        if not self._phone.can_dial():
            self.refused.emit("The phone is not ready to dial (not registered, or in a call).")
            return
        script = self._scripts.get(self._language or "")
        self._attempt = CallAttempt(
            contact,
            number,
            self._clock(),
            language=self._language,
            script_version=script.version if script else None,
        )
        call_id = self._phone.dial(number)
        if call_id is None:
            self._attempt = None
            failure = self._phone.last_failure
            self.problem.emit(f"The call could not start: {failure.reason if failure else '?'}")
            return
        self._attempt.call_id = call_id
        self._ring_timer.start()
        self._set_state(WorkflowState.DIALING)

    @guarded
    def hangup(self) -> None:
        if self._state in (WorkflowState.DIALING, WorkflowState.IN_CALL):
            self._phone.hangup()

    @guarded
    def set_language(self, language: str) -> None:
        """Show the script in ``language`` (also mid-call); recorded with the outcome."""
        if self._contact is None:
            return
        if language not in self._scripts:
            self.problem.emit(f"There is no script in “{language}”.")
            return
        self._language = language
        attempt = self._attempt
        if attempt is not None and self._state in (WorkflowState.DIALING, WorkflowState.IN_CALL):
            attempt.language = language
            attempt.script_version = self._scripts[language].version
        self._render()

    @guarded
    def save_outcome(
        self,
        disposition: str,
        survey: Mapping[str, Any] | None = None,
        notes: str = "",
        callback_at: datetime | None = None,
        *,
        scheme: str | None = None,
    ) -> None:
        """Validate and save the wrap-up on the db lane; then the next contact appears."""
        contact, campaign = self._contact, self.campaign
        if self._state is not WorkflowState.WRAP_UP or contact is None or campaign is None:
            self.problem.emit("There is no call to record an outcome for.")
            return
        if self._saving:
            return
        form = OutcomeForm(disposition, dict(survey or {}), notes, callback_at, scheme)
        error = validate(form, campaign, self._clock())
        if error is not None:
            self.problem.emit(error)
            return
        attempt = self._attempt
        language = attempt.language if attempt is not None else self._language
        version = attempt.script_version if attempt is not None else None
        outcome = build_records(self._call, contact, campaign, form, language, version)
        self._saving = True
        call, journal = self._call, self._journal

        def store() -> str:
            uuid = journal.save_outcome(outcome, call)
            journal.release_contact(contact.id)
            return uuid

        self._db_lane.submit(store, self._on_saved, self._on_save_failed)

    @guarded
    def pause(self, reason: str) -> None:
        campaign = self.campaign
        if campaign is None or reason not in campaign.pause_reasons:
            self.problem.emit(f"“{reason}” is not a pause reason of this campaign.")
            return
        if self._state in (WorkflowState.PREVIEW, WorkflowState.FETCHING, WorkflowState.PAUSED):
            self._pause_reason = reason
            self._set_state(WorkflowState.PAUSED)
        elif self._state is WorkflowState.WRAP_UP:
            self._pause_after_save = reason  # pauses once this outcome is saved
        else:
            self.problem.emit("Finish the call before pausing.")

    @guarded
    def resume(self) -> None:
        if self._state is not WorkflowState.PAUSED:
            return
        self._pause_reason = None
        contact = self._contact
        if contact is not None and contact.id in {c.id for c in self._available()}:
            self._set_state(WorkflowState.PREVIEW)
        else:
            self._advance()

    @guarded
    def logout(self) -> None:
        """End the shift: hand back unused leases, send logged_out, forget the token, stop
        the sync worker. Refused during a call or before the wrap-up is saved."""
        if self._state in (WorkflowState.DIALING, WorkflowState.IN_CALL):
            self.problem.emit("Hang up before logging out.")
            return
        if self._state is WorkflowState.WRAP_UP:
            self.problem.emit("Save the outcome before logging out.")
            return
        if self._state is WorkflowState.LOGGED_OUT:
            return
        unused = [c.id for c in self._available(include_skipped=True)]
        self._release(unused)
        self._show(None, WorkflowState.LOGGED_OUT)
        self._session.forget_token()
        self._db_lane.submit(
            functools.partial(close_shift, self._worker, self._journal, unused),
            None,
            self._cleanup_failed,
        )

    def history(self, limit: int = 50) -> list[HistoryEntry]:
        """The caller's latest calls and outcomes, newest first (a journal read)."""
        try:
            return self._journal.history(limit)
        except JournalError as exc:
            self.problem.emit(f"The call history cannot be read: {exc}")
            return []

    # -- contacts and scripts ---------------------------------------------------------------

    def _available(self, include_skipped: bool = False) -> list[Contact]:
        """Leased contacts still to call in this shift, in lease order."""
        try:
            rows = self._journal.leased_contacts(self._clock())
        except JournalError as exc:
            self.problem.emit(f"The contact cache cannot be read: {exc}")
            return []
        contacts = []
        campaign_id = self.campaign.id if self.campaign else None
        for row in rows:
            try:
                contact = Contact.from_dict(row)
            except ValidationError:
                log.warning("skipping a malformed cached contact %r", row.get("id"))
                continue
            if contact.id in self._done or contact.campaign_id != campaign_id:
                continue
            if contact.id in self._skipped and not include_skipped:
                continue
            contacts.append(contact)
        return contacts

    def _advance(self) -> None:
        """Show the next contact (PREVIEW), or wait for the sync worker (FETCHING)."""
        contacts = self._available()
        if contacts:
            self._show(contacts[0], WorkflowState.PREVIEW)
        else:
            self._show(None, WorkflowState.FETCHING)
            if self._worker is not None:
                self._worker.wake()

    def _show(self, contact: Contact | None, state: WorkflowState) -> None:
        changed = contact != self._contact
        self._contact = contact
        self._attempt, self._call, self._wrap = None, None, None
        if changed:
            self._choose_language(keep=False)
            self.contact_changed.emit(contact)
            self._render()
        self._set_state(state, force=changed)

    def _choose_language(self, keep: bool) -> None:
        if keep and self._language in self._scripts:
            return
        campaign = self.campaign
        wanted = self._contact.language if self._contact else None
        languages = campaign.languages if campaign else ()
        self._language = choose_language(self._scripts, wanted, languages)

    def _render(self) -> None:
        script = self._scripts.get(self._language or "")
        contact = self._contact
        rendered = script.render(contact, self.languages) if script and contact else None
        self._rendered = rendered
        self.script_changed.emit(rendered)

    # -- the call -------------------------------------------------------------------------

    def _mine(self, call_id: int) -> CallAttempt | None:
        attempt = self._attempt
        if attempt is None or self._state not in (WorkflowState.DIALING, WorkflowState.IN_CALL):
            return None
        return attempt if attempt.call_id in (None, call_id) else None

    @guarded
    def _on_call_updated(self, info: CallInfo) -> None:
        attempt = self._mine(info.call_id)
        if attempt is None or info.ended:
            return
        if info.stats is not None:
            attempt.stats = info.stats
        if info.state is CallState.CONFIRMED and attempt.answered_at is None:
            attempt.answered_at = self._clock()
            self._ring_timer.stop()
            self._set_state(WorkflowState.IN_CALL)

    @guarded
    def _on_stats(self, stats: MediaStats) -> None:
        attempt = self._mine(stats.call_id)
        if attempt is not None:
            attempt.stats = stats
            now = time.monotonic()
            if self._state is WorkflowState.IN_CALL and now - self._quality_sent >= QUALITY_S:
                self._send_presence()  # live quality on the supervisor's board

    @guarded
    def _on_call_ended(self, info: CallInfo) -> None:
        attempt = self._mine(info.call_id)
        campaign = self.campaign
        if attempt is None or campaign is None:
            return
        self._ring_timer.stop()
        attempt.ended_at = self._clock()
        attempt.sip_code, attempt.sip_reason = info.code, info.reason
        if info.stats is not None:
            attempt.stats = info.stats
        self._call = attempt.call_record()
        self._wrap = WrapUp(
            attempt.contact,
            self._call,
            attempt.suggestion(campaign),
            attempt.duration_s,
            attempt.language,
            attempt.script_version,
        )
        self._set_state(WorkflowState.WRAP_UP)
        self.wrap_up_started.emit(self._wrap)

    @guarded
    def _on_ring_timeout(self) -> None:
        attempt = self._attempt
        if attempt is not None and self._state is WorkflowState.DIALING:
            attempt.ring_timed_out = True
            self._phone.hangup()

    # -- saving -----------------------------------------------------------------------------

    @guarded
    def _on_saved(self, uuid: str) -> None:
        self._saving = False
        if self._contact is not None:
            self._done.add(self._contact.id)
        self.outcome_saved.emit(uuid)
        self.history_changed.emit()
        if self._worker is not None:
            self._worker.wake()
        reason, self._pause_after_save = self._pause_after_save, None
        if reason is not None:
            self._pause_reason = reason
            self._show(None, WorkflowState.PAUSED)
        else:
            self._advance()

    @guarded
    def _on_save_failed(self, exc: BaseException) -> None:
        self._saving = False
        if isinstance(exc, JournalFull):
            self.problem.emit(
                f"Disk full: the outcome was not saved; free some space and save again. ({exc})"
            )
        elif isinstance(exc, JournalError):
            self.problem.emit(f"The outcome was not saved: {exc}")
        else:
            log.error("saving an outcome failed", exc_info=exc)
            self.problem.emit(f"The outcome was not saved ({type(exc).__name__}); see the log.")

    def _cleanup_failed(self, exc: BaseException) -> None:
        log.warning("logout clean-up failed: %s", exc)

    # -- state and presence -----------------------------------------------------------------

    def _set_state(self, state: WorkflowState, force: bool = False) -> None:
        if state is self._state and not force:
            return
        self._state = state
        self.state_changed.emit(state)
        self._send_presence()

    def _send_presence(self) -> None:
        worker = self._worker
        if worker is None:
            return
        state = self._state
        reason = self._pause_reason if state is WorkflowState.PAUSED else None
        contact = self._contact if state in _WITH_CONTACT else None
        attempt = self._attempt if state is WorkflowState.IN_CALL else None
        started = attempt.answered_at if attempt is not None else None
        quality = _quality(attempt.stats) if attempt is not None else None
        self._quality_sent = time.monotonic()
        try:
            worker.set_presence(
                PRESENCE[state],
                reason,
                contact.id if contact else None,
                call_started_at=started,
                quality=quality,
            )
        except Exception:
            log.exception("presence could not be queued")

    def _release(self, contact_ids: list[int]) -> None:
        if contact_ids and self._worker is not None:
            self._worker.release(contact_ids)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _quality(stats: MediaStats | None) -> dict[str, float | None] | None:
    """The board's ``quality`` from the last media statistics (within the server's bounds)."""
    if stats is None:
        return None
    mos = _bounded(stats.mos, 5.0)
    return {
        "mos": mos if mos else None,  # 0: not measured yet
        "loss_pct": _bounded(stats.rx_loss_pct, 100.0),
        "jitter_ms": _bounded(stats.jitter_ms, 100_000.0),
    }


def _bounded(value: float, top: float) -> float | None:
    if not math.isfinite(value):
        return None
    return round(min(max(value, 0.0), top), 2)


__all__ = ["PRESENCE", "CallerWorkflow", "HistoryEntry", "WorkflowState", "WrapUp"]
