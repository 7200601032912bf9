"""Log scrubbing: remove secrets from pjsip log lines before they reach Python logging.

What is removed: known passwords (registered by the engine), the values of
``Authorization``/``Proxy-Authorization`` headers, digest ``nonce``/``response``/``cnonce``
parameters anywhere (also in ``WWW-Authenticate``), and SDES keys in ``a=crypto`` lines.
The scrubber is deliberately conservative: it redacts more than strictly needed.
"""

from __future__ import annotations

import re
import threading

REDACTED = "<redacted>"

_AUTH_HEADER = re.compile(
    r"^(?P<name>(?:Proxy-)?Authorization)[ \t]*:[^\r\n]*", re.IGNORECASE | re.MULTILINE
)
_DIGEST_PARAM = re.compile(
    r"\b(?P<name>nonce|cnonce|response|opaque|password|passwd)(?P<eq>[ \t]*=[ \t]*)"
    r"(?P<val>\"[^\"\r\n]*\"|[^,;\s]+)",
    re.IGNORECASE,
)
_CRYPTO_KEY = re.compile(r"(?P<head>inline:)[^|\s\r\n]+", re.IGNORECASE)


class Scrubber:
    """Thread-safe redactor; the engine registers each account password with ``add_secret``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()

    def add_secret(self, secret: str) -> None:
        if not secret:
            return
        with self._lock:
            if secret not in self._secrets:
                # Longest first so a secret containing another is fully replaced.
                self._secrets = tuple(sorted((*self._secrets, secret), key=len, reverse=True))

    def scrub(self, text: str) -> str:
        text = _AUTH_HEADER.sub(lambda m: f"{m.group('name')}: {REDACTED}", text)
        text = _DIGEST_PARAM.sub(lambda m: f"{m.group('name')}{m.group('eq')}{REDACTED}", text)
        text = _CRYPTO_KEY.sub(lambda m: f"{m.group('head')}{REDACTED}", text)
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


def scrub(text: str) -> str:
    """Scrub with the patterns only (no registered secrets)."""
    return _DEFAULT.scrub(text)


_DEFAULT = Scrubber()
