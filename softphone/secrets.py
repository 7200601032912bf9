"""Secrets in the OS keyring: the server API token and the shift's SIP password.

Two keyring services: ``"sampark-token"`` (key ``username@server_url``) and ``"sampark-sip"``
(key ``user@domain``, the format the launcher reads). When no keyring backend works (a bare
Linux box without a Secret Service) the value is kept in this process's memory only, for this
run, and a warning says so once. A secret is never written to a file or a log: log lines name
the service and the key, never the value.
"""

from __future__ import annotations

import logging
import threading

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

log = logging.getLogger(__name__)

TOKEN_SERVICE = "sampark-token"
SIP_SERVICE = "sampark-sip"

_memory: dict[tuple[str, str], str] = {}
_lock = threading.Lock()
_warned = False


def _token_key(server_url: str, username: str) -> str:
    return f"{username}@{server_url.rstrip('/')}"


def _sip_key(user: str, domain: str) -> str:
    return f"{user}@{domain}"


def _warn_memory_only(exc: BaseException) -> None:
    global _warned
    if not _warned:
        _warned = True
        log.warning(
            "no working OS keyring (%s): secrets are kept in memory for this run only",
            type(exc).__name__,
        )


def _set(service: str, key: str, value: str) -> None:
    try:
        keyring.set_password(service, key, value)
    except (KeyringError, RuntimeError, OSError) as exc:
        _warn_memory_only(exc)
        with _lock:
            _memory[(service, key)] = value
        return
    with _lock:
        _memory.pop((service, key), None)


def _get(service: str, key: str) -> str | None:
    with _lock:
        if (service, key) in _memory:
            return _memory[(service, key)]
    try:
        return keyring.get_password(service, key)
    except (KeyringError, RuntimeError, OSError) as exc:
        _warn_memory_only(exc)
        return None


def _delete(service: str, key: str) -> None:
    with _lock:
        _memory.pop((service, key), None)
    try:
        keyring.delete_password(service, key)
    except PasswordDeleteError:
        pass  # nothing stored
    except (KeyringError, RuntimeError, OSError) as exc:
        # Without a keyring (already reported once) there is nothing to remove there.
        level = logging.DEBUG if _warned else logging.WARNING
        log.log(level, "could not remove %s for %s from the keyring: %s", service, key, exc)


def store_token(server_url: str, username: str, token: str) -> None:
    _set(TOKEN_SERVICE, _token_key(server_url, username), token)


def token(server_url: str, username: str) -> str | None:
    return _get(TOKEN_SERVICE, _token_key(server_url, username))


def store_sip_password(user: str, domain: str, password: str) -> None:
    _set(SIP_SERVICE, _sip_key(user, domain), password)


def sip_password(user: str, domain: str) -> str | None:
    return _get(SIP_SERVICE, _sip_key(user, domain))


def forget(
    server_url: str, username: str, *, sip_user: str | None = None, sip_domain: str | None = None
) -> None:
    """Remove the API token (and the SIP password when ``sip_user``/``sip_domain`` are given)."""
    _delete(TOKEN_SERVICE, _token_key(server_url, username))
    if sip_user and sip_domain:
        _delete(SIP_SERVICE, _sip_key(sip_user, sip_domain))


def memory_only() -> bool:
    """True when some secret of this run lives only in memory (no working keyring)."""
    with _lock:
        return bool(_memory)


__all__ = [
    "SIP_SERVICE",
    "TOKEN_SERVICE",
    "forget",
    "memory_only",
    "sip_password",
    "store_sip_password",
    "store_token",
    "token",
]
