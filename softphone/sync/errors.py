"""The sync client's error tree (docs/caller-workflow.md): the only exceptions it raises.

``str(exc)`` is always a sentence a caller may see (never a traceback, never a secret).
Every error carries ``status`` (the HTTP status, ``None`` when no reply arrived) and
``code`` (the server's error code from ``{"error": {"code": ...}}``, when it sent one).
"""

from __future__ import annotations


class SyncError(Exception):
    """Base of every sync failure."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class TransportError(SyncError):
    """No usable answer: DNS, connection refused or reset, timeout, TLS failure."""


class AuthError(SyncError):
    """401 (token expired or revoked, wrong password) or 403 (not allowed)."""


class ConflictError(SyncError):
    """409: something was stored concurrently; retrying later is fine."""


class ServerError(SyncError):
    """5xx or 429; ``retry_after`` is the server's hint in seconds (None when absent)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ):
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


class MalformedReply(ServerError):  # noqa: N818 (name fixed by the contract)
    """The reply was not what the API promises: not JSON, wrong shape, too big, inconsistent."""


class RequestRejected(SyncError):  # noqa: N818 (name fixed by the contract)
    """Another 4xx (422, 404, 413): our request was wrong; sending it again will not help."""


__all__ = [
    "AuthError",
    "ConflictError",
    "MalformedReply",
    "RequestRejected",
    "ServerError",
    "SyncError",
    "TransportError",
]
