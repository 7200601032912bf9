"""The caller's session: what login to the central server returned, minus the secrets.

``login(client, username, password, server_url)`` asks the server (through the sync client),
puts the API token and the shift's SIP password into the OS keyring (``softphone.secrets``)
and returns a ``Session``: user, role, centre, campaign, SIP identity (no password), the
server's public key (for monitor grants) and the heartbeat interval. The token is reached
through ``Session.token()``, never kept as a field, so it cannot leak into a repr or a log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from server import schema
from softphone import secrets
from softphone.campaign.model import Campaign

if TYPE_CHECKING:
    from softphone.journal import Journal
    from softphone.sync.worker import SyncWorker

log = logging.getLogger(__name__)
LOGOUT_DRAIN_S = 5.0


class LoginClient(Protocol):
    def login(self, username: str, password: str) -> schema.LoginResponse: ...


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str


@dataclass(frozen=True)
class Centre:
    id: int
    name: str


@dataclass(frozen=True)
class SipAccount:
    """The shift's SIP identity; the password stays in the keyring (``sip_password()``)."""

    username: str
    domain: str
    transport: str

    @property
    def keyring_key(self) -> str:
        return f"{self.username}@{self.domain}"

    def password(self) -> str | None:
        return secrets.sip_password(self.username, self.domain)


@dataclass(frozen=True)
class Session:
    user: User
    centre: Centre | None
    campaign: Campaign | None
    sip: SipAccount | None
    server_public_key: str
    heartbeat_interval_s: int
    server_url: str
    expires_at: datetime | None = None

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def username(self) -> str:
        return self.user.username

    def token(self) -> str | None:
        """The API token from the keyring (``None`` after logout or if it was never stored)."""
        return secrets.token(self.server_url, self.user.username)

    def forget_token(self) -> None:
        secrets.forget(self.server_url, self.user.username)

    @classmethod
    def from_login(cls, reply: schema.LoginResponse, server_url: str) -> Session:
        user = reply.user
        sip = reply.sip
        return cls(
            user=User(user.id, user.username, user.display_name, str(user.role)),
            centre=Centre(reply.centre.id, reply.centre.name) if reply.centre else None,
            campaign=Campaign.from_wire(reply.campaign) if reply.campaign else None,
            sip=SipAccount(sip.username, sip.domain, sip.transport) if sip else None,
            server_public_key=reply.server_public_key,
            heartbeat_interval_s=reply.heartbeat_interval_s,
            server_url=server_url.rstrip("/"),
            expires_at=reply.expires_at,
        )


def login(client: LoginClient, username: str, password: str, server_url: str) -> Session:
    """Log in, keep the token and the SIP password in the keyring, return the session.

    Raises what the client raises (``softphone.sync.errors.SyncError`` subclasses)."""
    reply = client.login(username, password)
    session = Session.from_login(reply, server_url)
    secrets.store_token(session.server_url, session.user.username, reply.token)
    if reply.sip is not None:
        secrets.store_sip_password(reply.sip.username, reply.sip.domain, reply.sip.password)
    return session


def close_shift(worker: SyncWorker | None, journal: Journal, unused: list[int]) -> None:
    """Logout's background part (db lane): let just-saved outcomes go out, stop the net lane,
    then (its thread gone, so its client is free) hand back every lease still held (the
    worker may have topped the cache up meanwhile), send logged_out and revoke the token on
    the server, all best effort; the local cache forgets the handed-back contacts."""
    if worker is not None:
        worker.drain(LOGOUT_DRAIN_S)
        worker.stop()
    held = sorted({*unused, *(int(c["id"]) for c in journal.leased_contacts())})
    for contact_id in held:
        journal.release_contact(contact_id)
    if worker is None:
        return
    client = worker.client
    steps: list[Callable[[], object]] = [lambda: client.presence("logged_out"), client.logout]
    if held:
        steps.insert(0, lambda: client.release(held))
    for step in steps:
        try:
            step()
        except Exception as exc:  # offline at logout: leases expire on their own
            log.info("logout: %s", exc)


__all__ = ["Centre", "LoginClient", "Session", "SipAccount", "User", "close_shift", "login"]
