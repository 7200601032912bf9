"""Lease-ahead for the net lane: keep enough contacts leased to call through an outage.

The keeper holds at least ``lease_ahead`` contacts whose lease has at least
``min_lease_left`` to run, judged by the server's clock (the journal's ``server_now``, which
uses the worker's learned offset). Held contacts that run low are renewed; new ones are
leased in requests of at most 50. Contacts the caller already has an unsynced outcome for
are never cached again (the server may re-offer them until it sees the outcome). When the
campaign's lease is shorter than ``min_lease_left``, half the lease length is used instead,
so a fresh lease never counts as "low". Contacts the caller handed back are not taken again
for ``RELEASED_HOLD_S`` (the server may offer them first); if offered, they go back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from softphone.journal import Journal
from softphone.sync.client import SyncClient
from softphone.sync.wire import Lease

log = logging.getLogger(__name__)

MAX_PER_REQUEST = 50
REFUSED_RETRY_S = 60.0
RELEASED_HOLD_S = 600.0


class LeaseKeeper:
    """Used only on the net lane's thread."""

    def __init__(
        self,
        client: SyncClient,
        journal: Journal,
        campaign_id: int,
        lease_ahead: int,
        min_lease_left: timedelta,
        check_s: float,
        on_contacts: Callable[[], None],
    ) -> None:
        self.client, self.journal, self.campaign_id = client, journal, campaign_id
        self.lease_ahead = max(0, lease_ahead)
        self.min_lease_left = min_lease_left
        self.check_s = check_s
        self.on_contacts = on_contacts
        self.refused_reason: str | None = None
        self._span: timedelta | None = None  # the campaign's lease length, once seen
        self._next_check = 0.0
        self._refused_until = 0.0
        self._released: dict[str, float] = {}  # contact id → monotonic time to forget it
        self._dirty = False

    def released(self, contact_ids: list[int]) -> None:
        """The caller handed these back: do not take them again for a while."""
        until = time.monotonic() + RELEASED_HOLD_S
        self._released.update({str(c): until for c in contact_ids})
        self._dirty = True
        self._next_check = 0.0

    def _recently_released(self) -> set[str]:
        now = time.monotonic()
        self._released = {c: t for c, t in self._released.items() if t > now}
        return set(self._released)

    def seconds_to_next_check(self) -> float:
        if self.lease_ahead == 0:
            return 3600.0
        return max(self._next_check - time.monotonic(), 0.0)

    def keep(self, force: bool) -> None:
        """Renew what runs low, lease what is missing; raises SyncError (nothing lost)."""
        if self.lease_ahead == 0 or (not force and time.monotonic() < self._next_check):
            self._notify()
            return
        self._next_check = time.monotonic() + self.check_s
        now = self.journal.server_now()
        busy = self.journal.contacts_with_unsynced_outcomes()
        expiries = {c: e for c, e in self.journal.lease_expiries().items() if c not in busy}
        threshold = self._threshold()
        good = [c for c, e in expiries.items() if e - now >= threshold]
        low = [c for c, e in expiries.items() if now < e < now + threshold]
        if self.journal.purge_expired_contacts(now):
            self._dirty = True
        if low:
            good += self._renew(low)
        missing = self.lease_ahead - len(good)
        if missing > 0 and self._may_lease():
            self._lease(missing, busy | self._recently_released())
        self._notify()

    def _threshold(self) -> timedelta:
        if self._span is None:
            return self.min_lease_left
        return min(self.min_lease_left, self._span / 2)

    def _may_lease(self) -> bool:
        if self.refused_reason is None:
            return True
        return time.monotonic() >= self._refused_until

    def _renew(self, contact_ids: list[str]) -> list[str]:
        reply = self.client.renew([int(c) for c in contact_ids])
        renewed = {str(c) for c in reply.renewed}
        lost = [c for c in contact_ids if c not in renewed]
        if lost:  # someone else has them now, or they closed
            self.journal.release_contacts(lost)
            self._dirty = True
        if renewed and reply.expires_at is not None:
            self._learn_span(reply.expires_at, reply.server_time)
            self._extend(renewed, reply.expires_at)
        return sorted(renewed)

    def _extend(self, contact_ids: set[str], expires_at: datetime) -> None:
        cached = [c for c in self.journal.leased_contacts() if str(c.get("id")) in contact_ids]
        self.journal.cache_contacts(cached, self.campaign_id, expires_at)

    def _lease(self, missing: int, unwanted: set[str]) -> None:
        """Lease ``missing`` contacts; ``unwanted`` ones (an unsynced outcome, handed back
        recently) are asked for on top, not cached, and handed back at once."""
        count = min(missing + len(unwanted), MAX_PER_REQUEST)
        reply = self.client.lease(self.campaign_id, count)
        if not reply.leases:
            self.refused_reason = reply.refused_reason or "no_contacts_available"
            self._refused_until = time.monotonic() + min(REFUSED_RETRY_S, self.check_s * 2)
            return
        self.refused_reason = None
        self._learn_span(reply.leases[0].expires_at, reply.server_time)
        fresh = [lease for lease in reply.leases if str(lease.contact.id) not in unwanted]
        keep = fresh[:missing]
        self._cache(keep)
        self._dirty = True
        kept = {lease.contact.id for lease in keep}
        back = [lease.contact.id for lease in reply.leases if lease.contact.id not in kept]
        if back:
            self.client.release(back)

    def _cache(self, leases: list[Lease]) -> None:
        by_expiry: dict[datetime, list[dict]] = {}
        for lease in leases:
            contact = lease.contact.model_dump(mode="json")
            by_expiry.setdefault(lease.expires_at, []).append(contact)
        for expires_at, contacts in by_expiry.items():
            self.journal.cache_contacts(contacts, self.campaign_id, expires_at)

    def _learn_span(self, expires_at: datetime, server_time: datetime) -> None:
        span = expires_at - server_time
        if span > timedelta(0):
            self._span = span

    def _notify(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        try:
            self.on_contacts()
        except Exception:
            log.warning("on_contacts callback failed", exc_info=True)
