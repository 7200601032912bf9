"""The caller's side of supervisor monitoring, wired for one shift (DESIGN.md §4).

``CallerMonitor.install()`` puts a grant gate on the shift's SIP account: a monitor INVITE
(or mode-change INFO) is accepted only with a grant signed by the server's key from login,
naming this caller, not expired (±30 s against the *server's* clock learned by the sync
client), and never used before — used grant ids are kept in the journal, so a restart does
not make a grant usable again. Every session (with each mode it went through) and every
refused attempt is written to the journal (``softphone.journal.monitoring``).
``uninstall()`` takes the gate away (the engine then refuses every monitor attempt).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from softphone.journal import Journal
from softphone.journal.errors import JournalError
from softphone.journal.monitoring import MonitorJournal
from softphone.monitor.grants import GrantVerifier, grant_gate
from softphone.sip.engine import SipEngine
from softphone.sip.events import (
    Event,
    MonitorEnded,
    MonitorModeChanged,
    MonitorRefused,
    MonitorStarted,
)

log = logging.getLogger("sampark.monitor")

KEEP_USED_GRANTS = timedelta(seconds=90)  # past exp + skew: such a grant fails anyway


class JournalJtiStore:
    """``JtiStore`` backed by the journal: single use survives a restart of the softphone."""

    def __init__(self, records: MonitorJournal, now: Callable[[], datetime]) -> None:
        self.records, self._now = records, now

    def claim(self, jti: str, expires_at: datetime) -> bool:
        try:
            return self.records.claim_jti(jti, expires_at + KEEP_USED_GRANTS, self._now())
        except JournalError as exc:  # cannot prove it is unused: refuse
            log.error("monitor grant refused: the journal cannot record it (%s)", exc)
            return False


class CallerMonitor:
    """Gate + journaling for one shift's account on ``engine``."""

    def __init__(
        self,
        engine: SipEngine,
        account_id: int,
        journal: Journal,
        *,
        public_key: str,
        agent_id: int,
        now: Callable[[], datetime],
    ) -> None:
        self.engine, self.account_id, self._now = engine, account_id, now
        self.records = MonitorJournal(journal)
        self.verifier = GrantVerifier(
            public_key, agent_id, now=now, jti_store=JournalJtiStore(self.records, now)
        )
        self._installed = False

    def install(self) -> None:
        self.engine.add_listener(self._on_event)
        self.engine.set_monitor_gate(self.account_id, grant_gate(self.verifier))
        self._installed = True

    def uninstall(self) -> None:
        if not self._installed:
            return
        self._installed = False
        try:
            self.engine.set_monitor_gate(self.account_id, None)
        except Exception as exc:  # the engine may be stopping
            log.debug("monitor gate not removed: %s", exc)
        self.engine.remove_listener(self._on_event)

    def _on_event(self, event: Event) -> None:
        """SIP thread: journal the monitoring facts (never raises into the engine)."""
        at = datetime.fromtimestamp(getattr(event, "ts", 0) or 0, UTC)
        try:
            if isinstance(event, MonitorStarted):
                self.records.started(event.call_id, event.supervisor_id, event.mode.value, at)
            elif isinstance(event, MonitorModeChanged):
                self.records.mode_changed(event.call_id, event.mode.value, at)
            elif isinstance(event, MonitorEnded):
                self.records.ended(event.call_id, event.reason, at)
            elif isinstance(event, MonitorRefused):
                self.records.refused(event.remote_uri, event.reason, at)
        except JournalError as exc:
            log.error("monitoring not journaled: %s", exc)
