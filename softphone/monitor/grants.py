"""Monitor grant verification on the caller's PC (DESIGN.md §4, docs/monitoring.md).

A grant is ``base64url(claims JSON) "." base64url(Ed25519 signature over the first part)``,
signed by the central server. ``GrantVerifier.verify`` checks, in this order: size and shape,
signature (server public key from login), claim types, lifetime, mode, agent, expiry against
the server-corrected clock with a skew allowance, and last the single-use ``jti`` — claimed
only once every other check has passed, so a refused token never burns a jti.

Pure Python + ``cryptography``: no Qt, no pjsua2. Runs on the SIP thread (about 0.1 ms).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from softphone.sip.events import MonitorDecision, MonitorMode

log = logging.getLogger("sampark.monitor")
MAX_TOKEN_CHARS = 1024  # a real grant is about 250 characters
MAX_LIFETIME = timedelta(seconds=60)
LIFETIME_SLACK = timedelta(seconds=5)
_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_CLAIMS = {"sup": int, "agt": int, "mode": str, "iat": int, "exp": int, "jti": str}

REASONS = (
    "missing",
    "malformed",
    "bad_signature",
    "wrong_agent",
    "expired",
    "not_yet_valid",
    "replayed",
    "bad_mode",
    "mode_not_granted",
    "too_long",
)


class GrantRefused(Exception):  # noqa: N818 — the contract name (docs/monitoring.md)
    """A grant that must not open the call. ``reason`` is a short code from ``REASONS``;
    ``str()`` is a sentence for the log (never contains the token)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Grant:
    supervisor_id: int
    agent_id: int
    mode: MonitorMode
    issued_at: datetime
    expires_at: datetime
    jti: str


class JtiStore(Protocol):
    def claim(self, jti: str, expires_at: datetime) -> bool:
        """Record ``jti``; False if it was seen before (a replay)."""
        ...


class MemoryJtiStore:
    """In-memory jti set; an entry is dropped once its grant could no longer pass the expiry
    check (``expires_at + keep``), so the set stays small over a long shift."""

    def __init__(
        self, now: Callable[[], datetime], keep: timedelta = timedelta(seconds=60)
    ) -> None:
        self._now = now
        self._keep = keep
        self._seen: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def claim(self, jti: str, expires_at: datetime) -> bool:
        with self._lock:
            self._prune()
            if jti in self._seen:
                return False
            self._seen[jti] = expires_at + self._keep
            return True

    def _prune(self) -> None:
        now = self._now()
        for jti in [j for j, until in self._seen.items() if until < now]:
            del self._seen[jti]

    def __len__(self) -> int:
        with self._lock:
            self._prune()
            return len(self._seen)


def _b64decode(part: str) -> bytes:
    if not part or not set(part) <= _B64URL or len(part) % 4 == 1:
        raise GrantRefused("malformed", "grant is not base64url")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise GrantRefused("malformed", "grant is not base64url") from None


def _claims(raw: bytes) -> dict[str, Any]:
    try:
        claims = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise GrantRefused("malformed", "grant claims are not JSON") from None
    if not isinstance(claims, dict):
        raise GrantRefused("malformed", "grant claims are not a JSON object")
    for name, kind in _CLAIMS.items():
        value = claims.get(name)
        # bool is an int subclass: refuse it explicitly
        if not isinstance(value, kind) or isinstance(value, bool):
            raise GrantRefused("malformed", f"grant claim {name!r} missing or not {kind.__name__}")
    if not claims["jti"] or len(claims["jti"]) > 128:
        raise GrantRefused("malformed", "grant jti is empty or too long")
    return claims


def _time(seconds: int) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise GrantRefused("malformed", "grant time out of range") from None


class GrantVerifier:
    """Verifies grants for one agent against the server's Ed25519 public key."""

    def __init__(
        self,
        public_key_b64url: str,
        agent_id: int,
        *,
        now: Callable[[], datetime],
        jti_store: JtiStore,
        skew: timedelta = timedelta(seconds=30),
    ) -> None:
        raw = _b64decode(public_key_b64url)
        if len(raw) != 32:
            raise ValueError("server public key must be 32 raw bytes (Ed25519)")
        self._key = Ed25519PublicKey.from_public_bytes(raw)
        self.agent_id = agent_id
        self._now = now
        self._jtis = jti_store
        self.skew = skew

    def verify(self, token: str | None) -> Grant:
        """The grant, or ``GrantRefused``. Claims the jti only when every check passed."""
        if token is None or not token.strip():
            raise GrantRefused("missing", "no grant")
        if len(token) > MAX_TOKEN_CHARS:
            raise GrantRefused("malformed", "grant too large")
        head, sep, sig = token.strip().partition(".")
        if not sep or "." in sig:
            raise GrantRefused("malformed", "grant is not two dot-separated parts")
        claims_raw, signature = _b64decode(head), _b64decode(sig)
        try:
            self._key.verify(signature, head.encode("ascii"))
        except InvalidSignature:
            raise GrantRefused("bad_signature", "grant signature does not verify") from None
        grant = self._grant(_claims(claims_raw))
        self._check_time(grant)
        if grant.agent_id != self.agent_id:
            raise GrantRefused("wrong_agent", f"grant is for agent {grant.agent_id}")
        if not self._jtis.claim(grant.jti, grant.expires_at):
            raise GrantRefused("replayed", "grant was already used")
        return grant

    def _grant(self, claims: dict[str, Any]) -> Grant:
        try:
            mode = MonitorMode(claims["mode"])
        except ValueError:
            raise GrantRefused("bad_mode", "grant mode is not listen/whisper/barge") from None
        return Grant(
            supervisor_id=claims["sup"],
            agent_id=claims["agt"],
            mode=mode,
            issued_at=_time(claims["iat"]),
            expires_at=_time(claims["exp"]),
            jti=claims["jti"],
        )

    def _check_time(self, grant: Grant) -> None:
        lifetime = grant.expires_at - grant.issued_at
        if lifetime < timedelta(0) or lifetime > MAX_LIFETIME + LIFETIME_SLACK:
            raise GrantRefused("too_long", f"grant lifetime {lifetime} exceeds 60 s")
        now = self._now()
        if now > grant.expires_at + self.skew:
            raise GrantRefused("expired", "grant expired")
        if now < grant.issued_at - self.skew:
            raise GrantRefused("not_yet_valid", "grant issued in the future")


def grant_gate(verifier: GrantVerifier) -> Callable[[str | None], MonitorDecision]:
    """The engine's monitor gate (``SipEngine.set_monitor_gate``) for one verifier: every
    refusal is logged with its reason (never the token)."""

    def gate(token: str | None) -> MonitorDecision:
        try:
            grant = verifier.verify(token)
        except GrantRefused as exc:
            log.warning("monitor grant refused (%s): %s", exc.reason, exc)
            return MonitorDecision(False, None, exc.reason)
        log.info("monitor grant accepted: supervisor %s, %s", grant.supervisor_id, grant.mode)
        return MonitorDecision(True, grant.mode, "ok", grant.supervisor_id)

    return gate


__all__ = [
    "REASONS",
    "Grant",
    "GrantRefused",
    "GrantVerifier",
    "JtiStore",
    "MemoryJtiStore",
    "grant_gate",
]
