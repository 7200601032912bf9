"""Synchronous client of the central server's API (docs/api.md), one per net lane.

The HTTP session is injected (STYLE.md 9); TLS verification is on unless the caller passes
``verify=False`` or a CA bundle path. Every reply is validated with the shared wire models
(``server/schema.py`` through ``softphone.sync.wire``); anything else raises a
``SyncError`` subclass with a sentence a caller may see. Every ``server_time`` feeds the
``ServerClock``. The token is sent only in the ``Authorization`` header and never logged.
"""

from __future__ import annotations

import logging
import uuid as uuidlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import requests
from pydantic import TypeAdapter

from softphone.sync import _http
from softphone.sync.clock import ServerClock
from softphone.sync.errors import MalformedReply, SyncError
from softphone.sync.wire import (
    CampaignOut,
    DncEntry,
    Lease,
    LeaseReleaseResponse,
    LeaseResponse,
    LoginResponse,
    MonitorGrantOut,
    OutcomeBatchResponse,
    OutcomeResult,
    PresenceAck,
    ScriptOut,
    ServerTime,
)

log = logging.getLogger(__name__)

_SCRIPTS = TypeAdapter(list[ScriptOut])
_LEASES = TypeAdapter(list[Lease])
_DNC = TypeAdapter(list[DncEntry])


class SyncClient:
    """``base_url`` is the server root (``https://host``); ``/api/v1`` is appended."""

    def __init__(
        self,
        base_url: str,
        session: requests.Session,
        *,
        token: str | None = None,
        clock: ServerClock | None = None,
        timeout: tuple[float, float] = (3.05, 15.0),
        verify: bool | str = True,
        max_reply_bytes: int = 8 << 20,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.token = token
        self.clock = clock or ServerClock()
        self.timeout = timeout
        self.verify = verify
        self.max_reply_bytes = max_reply_bytes

    def __repr__(self) -> str:  # never shows the token
        return f"SyncClient({self.base_url!r}, token={'set' if self.token else 'none'})"

    # -- plumbing -------------------------------------------------------------------------

    def _exchange(
        self, method: str, path: str, what: str, *, json: Any = None, params: Any = None
    ) -> _http.Reply:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        sent = self.clock.local_now()
        try:
            response = self.session.request(
                method,
                f"{self.base_url}/api/v1{path}",
                json=json,
                params=params,
                headers=headers,
                timeout=self.timeout,
                verify=self.verify,
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as exc:
            log.info("%s %s: %s", method, path, type(exc).__name__)
            raise _http.transport_error(exc, what) from None
        try:
            with response:
                raw = _http.read_body(response, self.max_reply_bytes)
        except requests.RequestException as exc:
            raise _http.transport_error(exc, what) from None
        received = self.clock.local_now()
        status = response.status_code
        body = _http.parse_json(raw, status, response.headers.get("Content-Type", ""))
        _http.raise_for_status(status, body, response.headers)
        log.debug("%s %s -> %s", method, path, status)
        return _http.Reply(status, body, sent, received)

    def _call(self, method: str, path: str, what: str, model: Any, **kw: Any) -> Any:
        """One request whose reply must validate as ``model``; learns the server time."""
        try:
            reply = self._exchange(method, path, what, **kw)
            if model is None:
                return None
            value = _http.validate(model, reply.body, what, reply.status)
        except SyncError:
            raise
        except Exception as exc:  # a bug or a reply we did not foresee: never a traceback
            raise _http.guard(exc, what) from None
        server_time = getattr(value, "server_time", None)
        if server_time is not None:
            self.clock.observe(server_time, reply.sent_at, reply.received_at)
        return value

    # -- endpoints ------------------------------------------------------------------------

    def login(self, username: str, password: str) -> LoginResponse:
        """Log in; sets ``self.token``. The password goes only into the request body."""
        body = {"username": username, "password": password}
        reply: LoginResponse = self._call("POST", "/login", "login", LoginResponse, json=body)
        self.token = reply.token
        return reply

    def logout(self) -> None:
        self._call("POST", "/logout", "logout", None)
        self.token = None

    def time(self) -> ServerTime:
        result: ServerTime = self._call("GET", "/time", "the time", ServerTime)
        return result

    def campaign(self, campaign_id: int) -> CampaignOut:
        result: CampaignOut = self._call(
            "GET", f"/campaigns/{int(campaign_id)}", "the campaign", CampaignOut
        )
        return result

    def scripts(self, campaign_id: int) -> list[ScriptOut]:
        """The newest script per language."""
        result: list[ScriptOut] = self._call(
            "GET", f"/campaigns/{int(campaign_id)}/scripts", "the scripts", _SCRIPTS
        )
        return result

    def lease(self, campaign_id: int, count: int) -> LeaseResponse:
        body = {"campaign_id": int(campaign_id), "count": int(count)}
        result: LeaseResponse = self._call(
            "POST", "/leases", "new contacts", LeaseResponse, json=body
        )
        return result

    def leases(self) -> list[Lease]:
        result: list[Lease] = self._call("GET", "/leases", "the held contacts", _LEASES)
        return result

    def release(self, contact_ids: list[int]) -> list[int]:
        body = {"contact_ids": [int(c) for c in contact_ids]}
        reply: LeaseReleaseResponse = self._call(
            "POST", "/leases/release", "releasing contacts", LeaseReleaseResponse, json=body
        )
        return list(reply.released)

    def renew(self, contact_ids: list[int]) -> LeaseReleaseResponse:
        body = {"contact_ids": [int(c) for c in contact_ids]}
        result: LeaseReleaseResponse = self._call(
            "POST", "/leases/renew", "renewing contacts", LeaseReleaseResponse, json=body
        )
        return result

    def upload_outcomes(self, items: list[dict[str, Any]]) -> list[OutcomeResult]:
        """Send a batch; the answer has one result per item, same UUIDs, same order."""
        what = "the outcome upload"
        reply: OutcomeBatchResponse = self._call(
            "POST", "/outcomes/batch", what, OutcomeBatchResponse, json={"items": items}
        )
        _check_results(items, reply.results)
        return list(reply.results)

    def presence(
        self,
        state: str,
        reason: str | None = None,
        contact_id: int | None = None,
        call_started_at: datetime | None = None,
        quality: Mapping[str, float | None] | None = None,
    ) -> PresenceAck:
        """A heartbeat; ``call_started_at`` (aware) and ``quality`` (``mos``, ``loss_pct``,
        ``jitter_ms``) feed the supervisor's live board."""
        body: dict[str, Any] = {"state": state}
        if reason is not None:
            body["reason"] = reason
        if contact_id is not None:
            body["contact_id"] = int(contact_id)
        if call_started_at is not None:
            body["call_started_at"] = call_started_at.isoformat()
        if quality is not None:
            body["quality"] = dict(quality)
        result: PresenceAck = self._call("POST", "/presence", "presence", PresenceAck, json=body)
        return result

    def monitor_grant(self, agent_id: int, mode: str) -> MonitorGrantOut:
        """A signed grant to listen / whisper / barge on a caller (supervisors only)."""
        body = {"agent_id": int(agent_id), "mode": str(mode)}
        result: MonitorGrantOut = self._call(
            "POST", "/monitor-grants", "a monitor grant", MonitorGrantOut, json=body
        )
        return result

    def dnc(self) -> list[DncEntry]:
        result: list[DncEntry] = self._call("GET", "/dnc", "the do-not-call list", _DNC)
        return result


def _same_uuid(sent: Any, answered: str | None) -> bool:
    if answered is None:
        return False
    try:
        return uuidlib.UUID(str(sent)) == uuidlib.UUID(answered)
    except ValueError:
        return False


def _check_results(items: list[dict[str, Any]], results: list[OutcomeResult]) -> None:
    if len(results) != len(items):
        raise MalformedReply(
            f"The server answered {len(results)} results for {len(items)} outcomes; "
            "nothing was marked as sent."
        )
    for item, result in zip(items, results, strict=True):
        if not _same_uuid(item.get("uuid"), result.uuid):
            raise MalformedReply(
                "The server's answer names other outcomes than were sent; "
                "nothing was marked as sent."
            )
