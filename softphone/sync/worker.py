"""The net lane: one daemon thread that does every request to the server.

It uploads the journal's outbox in batches, keeps ``lease_ahead`` contacts leased (using the
server's clock for expiry decisions), renews held leases that run low, sends presence at
once and on a heartbeat, and hands back released contacts. Failures never end the thread:
they are logged (without secrets), shown in ``SyncStatus`` and retried with capped,
jittered backoff — per outbox item in the journal file (so it resumes after a restart) and
for the worker's own probes. ``on_status`` / ``on_contacts`` are called on this thread;
Qt users wrap them in a queued signal. Plain Python, no Qt (docs/caller-workflow.md).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from softphone.journal import Journal, backoff
from softphone.sync.client import SyncClient
from softphone.sync.errors import AuthError, RequestRejected, ServerError, SyncError
from softphone.sync.leases import LeaseKeeper

log = logging.getLogger(__name__)
# state, reason, contact id, call started at, quality items
_Presence = tuple[
    str, str | None, int | None, datetime | None, tuple[tuple[str, float | None], ...] | None
]


@dataclass(frozen=True)
class SyncStatus:
    online: bool  # the last request reached the server and was understood
    waiting: int  # outcomes in the outbox not yet acknowledged
    rejected: int  # kept locally with the server's reason
    conflict: int
    last_error: str | None  # human sentence, None when fine
    last_synced_at: datetime | None
    auth_required: bool = False  # token refused: the caller must log in again


def _noop(*_args: Any) -> None:
    return None


class SyncWorker:
    """See the module docstring; ``start()`` once, ``stop()`` at logout or exit."""

    def __init__(
        self,
        client: SyncClient,
        journal: Journal,
        *,
        campaign_id: int,
        lease_ahead: int = 20,
        min_lease_left: timedelta = timedelta(minutes=30),
        heartbeat_s: float = 15.0,
        batch_size: int = 500,
        on_status: Callable[[SyncStatus], None] = _noop,
        on_contacts: Callable[[], None] = _noop,
        rng: random.Random | None = None,
        retry_base_s: float = backoff.BASE_SECONDS,
        retry_cap_s: float = backoff.CAP_SECONDS,
        lease_check_s: float = 30.0,
    ) -> None:
        self.client = client
        self.journal = journal
        self.campaign_id = campaign_id
        self.heartbeat_s = heartbeat_s
        self.batch_size = max(1, min(batch_size, 500))
        self.on_status = on_status
        self._rng = rng or random.Random()
        self._retry = (retry_base_s, retry_cap_s)
        self._leases = LeaseKeeper(
            client, journal, campaign_id, lease_ahead, min_lease_left, lease_check_s, on_contacts
        )
        journal.use_server_offset(client.clock.known_offset)
        self._wake = threading.Event()
        self._idle = threading.Event()  # set when an upload pass found nothing to send
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._flush_all = True  # first pass after start: send everything, due or not
        self._batch = self.batch_size
        self._failures = 0
        self._retry_at = 0.0  # monotonic: no probe/lease/heartbeat before this after failures
        self._presence: _Presence | None = None
        self._presence_due = 0.0
        self._releases: set[int] = set()
        self._status = SyncStatus(False, 0, 0, 0, None, None)
        self._emitted: SyncStatus | None = None

    # -- commands (any thread) ------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="sync-net-lane", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Finish the current request, then exit."""
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        """Something was saved: upload now."""
        self._wake.set()

    def set_presence(
        self,
        state: str,
        reason: str | None = None,
        contact_id: int | None = None,
        *,
        call_started_at: datetime | None = None,
        quality: Mapping[str, float | None] | None = None,
    ) -> None:
        """Send this presence now and then every heartbeat interval; ``call_started_at``
        and ``quality`` (``mos``, ``loss_pct``, ``jitter_ms``) are shown on the board."""
        frozen = None if quality is None else tuple(sorted(quality.items()))
        with self._lock:
            self._presence = (state, reason, contact_id, call_started_at, frozen)
            self._presence_due = 0.0
        self._wake.set()

    def release(self, contact_ids: list[int]) -> None:
        """Hand contacts back to the pool (best effort; their leases expire anyway)."""
        with self._lock:
            self._releases.update(int(c) for c in contact_ids)
        self._wake.set()

    def set_token(self, token: str) -> None:
        self.client.token = token
        self._set(auth_required=False, last_error=None)
        self._retry_at = 0.0
        self._wake.set()

    @property
    def status(self) -> SyncStatus:
        return self._status

    def drain(self, timeout: float) -> bool:
        """Upload until nothing waits (tests, bench); True when the outbox is empty."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.journal.counts().waiting == 0:
                return True
            self._idle.clear()
            self._flush_all = True
            self._wake.set()
            self._idle.wait(min(0.25, max(deadline - time.monotonic(), 0.0)))
        return self.journal.counts().waiting == 0

    # -- the loop -------------------------------------------------------------------------

    def _run(self) -> None:
        with suppress(Exception):
            self._publish()
        while not self._stopping:
            busy, pause = False, 1.0
            try:  # never end the thread; a bug or a journal error must not stop sync
                busy = self._step()
                self._publish()
                pause = self._sleep_for()
            except Exception as exc:
                log.warning("sync step failed: %s", self._scrub(exc), exc_info=True)
                self._failed(f"Sync hit an unexpected problem ({type(exc).__name__}).")
                pause = max(self._retry_at - time.monotonic(), 0.05)
                with suppress(Exception):
                    self._publish()
            if not busy and not self._stopping:
                self._wake.wait(pause)
                self._wake.clear()

    def _step(self) -> bool:
        """One pass; True when there is more to do at once."""
        if self._status.auth_required or time.monotonic() < self._retry_at:
            return False  # waiting for a new token, or backing off after failures
        try:
            self._send_releases()
            self._send_presence()
            busy = self._upload()
            if not busy:
                self._leases.keep(force=False)
                if not self._status.online:
                    self._probe()
        except AuthError as exc:
            self._set(online=True, auth_required=True, last_error=str(exc))
            return False
        except SyncError as exc:
            self._failed(str(exc), exc)
            return False
        return busy

    def _sleep_for(self) -> float:
        """Seconds until the next thing is due (``wake()`` cuts it short)."""
        now = time.monotonic()
        if self._status.auth_required:
            return 60.0
        if now < self._retry_at:
            return self._retry_at - now
        candidates = [30.0, self._leases.seconds_to_next_check()]
        if self._presence is not None and self._presence[0] != "logged_out":
            candidates.append(max(self._presence_due - now, 0.0))
        due = self.journal.next_due()
        if due is not None:
            candidates.append(max((due - self.journal.local_now()).total_seconds(), 0.0))
        return max(0.01, min(candidates))

    # -- uploads --------------------------------------------------------------------------

    def _upload(self) -> bool:
        items = self.journal.pending(limit=self._batch, ignore_schedule=self._flush_all)
        if not items:
            self._flush_all = False
            self._idle.set()
            return False
        uuids = [item.uuid for item in items]
        try:
            results = self.client.upload_outcomes([item.payload for item in items])
        except RequestRejected as exc:
            self._refused(items, exc)
            return True
        except AuthError:
            raise
        except SyncError as exc:
            self.journal.schedule_retry(uuids, str(exc))
            self._flush_all = False
            self._idle.set()
            raise
        self._apply(items, results)
        return True

    def _refused(self, items: list[Any], exc: RequestRejected) -> None:
        """The whole batch was refused: halve it to find the item at fault; a single item
        refused is kept as rejected (never retried forever)."""
        if len(items) > 1:
            self._batch = max(1, len(items) // 2)
            return
        self.journal.mark_rejected(items[0].uuid, f"request_refused: {exc}")
        self._batch = self.batch_size

    def _apply(self, items: list[Any], results: list[Any]) -> None:
        accepted, contacts = [], []
        for item, result in zip(items, results, strict=True):
            status = str(result.status)
            if status in ("accepted", "duplicate"):
                accepted.append(item.uuid)
                contacts.append(item.payload.get("contact_id"))
            elif status == "conflict":
                self.journal.mark_conflict(item.uuid, result.reason or "conflict")
            else:
                self.journal.mark_rejected(item.uuid, result.reason or "rejected")
        self.journal.mark_accepted(accepted)
        self.journal.release_contacts(c for c in contacts if c is not None)
        self._batch = self.batch_size
        self._succeeded(synced=True)

    # -- presence, releases, probe --------------------------------------------------------

    def _send_presence(self) -> None:
        with self._lock:
            wanted, due = self._presence, self._presence_due
        if wanted is None or time.monotonic() < due:
            return
        if due > 0 and wanted[0] == "logged_out":
            return
        try:
            state, reason, contact_id, started, quality = wanted
            ack = self.client.presence(
                state, reason, contact_id, started, None if quality is None else dict(quality)
            )
        except RequestRejected as exc:  # e.g. a pause reason the campaign does not know
            with self._lock:
                if self._presence == wanted:
                    self._presence = None
            self._succeeded()
            self._set(last_error=str(exc))
            return
        interval = min(float(self.heartbeat_s), float(ack.heartbeat_interval_s or self.heartbeat_s))
        with self._lock:
            if self._presence == wanted:
                self._presence_due = time.monotonic() + max(interval, 0.05)
        self._succeeded()

    def _send_releases(self) -> None:
        with self._lock:
            ids, self._releases = sorted(self._releases), set()
        if not ids:
            return
        self.journal.release_contacts(ids)
        try:
            self.client.release(ids)
        except RequestRejected as exc:
            log.info("release refused: %s", exc)
        except SyncError:
            with self._lock:
                self._releases.update(ids)
            raise
        self._leases.released(ids)
        self._succeeded()

    def _probe(self) -> None:
        self.client.time()
        self._succeeded()

    # -- status ---------------------------------------------------------------------------

    def _succeeded(self, synced: bool = False) -> None:
        if not self._status.online:
            self._flush_all = True  # back online: send what waited, due or not
        self._failures = 0
        self._retry_at = 0.0
        offset = self.client.clock.known_offset()
        if offset is not None:
            self._remember_offset(offset)
        changes: dict[str, Any] = {"online": True, "last_error": None}
        if synced:
            changes["last_synced_at"] = self.client.clock.now()
        self._set(**changes)

    def _failed(self, sentence: str, exc: SyncError | None = None) -> None:
        self._failures += 1
        base, cap = self._retry
        wait = backoff.delay(self._failures, self._rng, base, cap)
        if isinstance(exc, ServerError) and exc.retry_after is not None:
            wait = max(wait, exc.retry_after)
        self._retry_at = time.monotonic() + wait
        log.info("sync offline for %.1f s: %s", wait, self._scrub(sentence))
        self._set(online=False, last_error=sentence)

    def _remember_offset(self, offset: timedelta) -> None:
        stored = self.journal.meta("server_offset_s")
        seconds = offset.total_seconds()
        if stored is None or abs(float(stored) - seconds) > 1.0:
            self.journal.set_meta("server_offset_s", f"{seconds:.3f}")

    def _set(self, **changes: Any) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)

    def _publish(self) -> None:
        try:
            counts = self.journal.counts()
        except Exception as exc:
            log.warning("cannot read the outbox counts: %s", self._scrub(exc))
            return
        self._set(waiting=counts.waiting, rejected=counts.rejected, conflict=counts.conflict)
        status = self._status
        if status != self._emitted:
            self._emitted = status
            try:
                self.on_status(status)
            except Exception:
                log.warning("on_status callback failed", exc_info=True)

    def _scrub(self, value: object) -> str:
        text = str(value)
        token = self.client.token
        return text.replace(token, "<token>") if token else text
