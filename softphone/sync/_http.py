"""One HTTP exchange with the server, defensively: the body is streamed and capped, the
status is mapped onto the error tree, the JSON is parsed and validated with a wire model.

Nothing here logs headers or bodies: the ``Authorization`` header and passwords never reach
a log. Errors quote at most a short, cleaned excerpt of what the server said.
"""

from __future__ import annotations

import email.utils
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from pydantic import TypeAdapter, ValidationError

from softphone.sync.errors import (
    AuthError,
    ConflictError,
    MalformedReply,
    RequestRejected,
    ServerError,
    SyncError,
    TransportError,
)

log = logging.getLogger(__name__)

MAX_RETRY_AFTER_S = 3600.0
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Reply:
    """A status and the parsed JSON body (None for an empty body)."""

    status: int
    body: Any
    sent_at: datetime
    received_at: datetime


def clean(text: str, limit: int = 160) -> str:
    """A short single-line excerpt of untrusted text, safe to show and log."""
    text = _CONTROL.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_body(response: requests.Response, cap: int) -> bytes:
    """The whole body, refusing more than ``cap`` bytes (announced or actually sent)."""
    announced = response.headers.get("Content-Length", "")
    if announced.isdigit() and int(announced) > cap:
        raise MalformedReply(
            f"The server's reply is too large ({int(announced)} bytes; the limit is {cap}).",
            status=response.status_code,
        )
    chunks, total = [], 0
    for chunk in response.iter_content(chunk_size=65536):
        total += len(chunk)
        if total > cap:
            raise MalformedReply(
                f"The server's reply is too large (over {cap} bytes).", status=response.status_code
            )
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(raw: bytes, status: int, content_type: str) -> Any:
    if not raw.strip():
        return None
    if "json" not in content_type.lower():
        kind = clean(content_type.split(";")[0]) or "no content type"
        raise MalformedReply(
            f"The server answered with {kind} instead of JSON (HTTP {status}); "
            "a proxy or captive portal may be in the way.",
            status=status,
        )
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedReply(
            f"The server's reply is not valid JSON (HTTP {status}).", status=status
        ) from exc


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _error_fields(body: Any) -> tuple[str | None, str | None]:
    """The server's ``{"error": {"code", "message"}}`` if the body has that shape."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        code = err.get("code") if isinstance(err.get("code"), str) else None
        message = err.get("message") if isinstance(err.get("message"), str) else None
        return (clean(code, 60) if code else None), (clean(message) if message else None)
    return None, None


def retry_after(value: str | None, status: int) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    text = value.strip()
    seconds: float | None = None
    if re.fullmatch(r"\d{1,9}(\.\d+)?", text):
        seconds = float(text)
    else:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None and when.tzinfo is not None:
            seconds = max(0.0, (when - datetime.now(UTC)).total_seconds())
    if seconds is None or seconds > MAX_RETRY_AFTER_S:
        raise MalformedReply(
            f"The server sent an unusable Retry-After header ({clean(text, 40)!r}).", status=status
        )
    return seconds


def raise_for_status(status: int, body: Any, headers: Any) -> None:
    """Map a non-2xx status (or a 2xx carrying an error) onto the error tree."""
    code, message = _error_fields(body)
    said = f": {message}" if message else "."
    if 200 <= status < 300:
        if code is not None:
            raise MalformedReply(
                f"The server answered HTTP {status} but with an error ({code}){said}",
                status=status,
                code=code,
            )
        return
    if status in (401, 403):
        what = "Your login was refused" if status == 401 else "This is not allowed"
        raise AuthError(f"{what} (HTTP {status}){said}", status=status, code=code)
    if status == 409:
        raise ConflictError(f"The server reported a conflict{said}", status=status, code=code)
    if status == 429 or 500 <= status < 600:
        wait = retry_after(headers.get("Retry-After"), status)
        raise ServerError(
            f"The server is unavailable (HTTP {status}){said}",
            status=status,
            code=code,
            retry_after=wait,
        )
    if 400 <= status < 500:
        raise RequestRejected(
            f"The server refused the request (HTTP {status}){said}", status=status, code=code
        )
    raise MalformedReply(f"The server answered with unexpected HTTP {status}.", status=status)


def transport_error(exc: requests.RequestException, what: str) -> TransportError:
    """A sentence for a failure below HTTP; never includes headers or the request body."""
    if isinstance(exc, requests.exceptions.SSLError):
        reason = "the secure connection (TLS) failed"
    elif isinstance(
        exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError
    ):
        reason = "the connection failed or was cut in the middle of the reply"
    elif isinstance(exc, requests.exceptions.Timeout):
        reason = "it did not answer in time"
    elif isinstance(exc, requests.exceptions.ConnectionError):
        reason = "the connection failed or was cut"
    else:
        reason = "the request failed"
    return TransportError(f"Cannot reach the server for {what}: {reason}.")


def validate(model: Any, body: Any, what: str, status: int) -> Any:
    """The body as ``model`` (a pydantic model class or a ``TypeAdapter``)."""
    adapter = model if isinstance(model, TypeAdapter) else TypeAdapter(model)
    try:
        return adapter.validate_python(body)
    except ValidationError as exc:
        errors = exc.errors()
        first: dict[str, Any] = dict(errors[0]) if errors else {}
        where = ".".join(str(p) for p in first.get("loc", ())) or "reply"
        raise MalformedReply(
            f"The server's answer to {what} has the wrong shape ({clean(where, 60)}: "
            f"{clean(str(first.get('msg', 'invalid')), 80)}).",
            status=status,
        ) from None
    except (RecursionError, TypeError, ValueError):
        raise MalformedReply(
            f"The server's answer to {what} has the wrong shape.", status=status
        ) from None


def guard(exc: Exception, what: str) -> SyncError:
    """Last line of defence: any unexpected exception becomes a MalformedReply sentence."""
    log.warning("unexpected error during %s: %s", what, type(exc).__name__)
    return MalformedReply(f"The server's answer to {what} could not be understood.")
