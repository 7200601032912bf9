"""Rotating log files under the user's local app data (``paths.log_dir()``), scrubbed.

``setup(...)`` attaches one ``RotatingFileHandler`` (``sampark.log``, size-capped, a few
backups) to the root logger. Every record passes through ``ScrubFilter`` first: the message,
its arguments and any traceback text are run through ``softphone.sip._scrub`` (digest
parameters, ``Authorization`` headers, SDES keys, and any secret registered with
``add_secret``), so no password reaches the disk. Calling ``setup`` again is a no-op that
returns the same folder.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from softphone import paths
from softphone.sip._scrub import Scrubber

LOG_NAME = "sampark.log"
MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"

_SCRUBBER = Scrubber()
_handler: logging.Handler | None = None


def add_secret(secret: str) -> None:
    """Redact ``secret`` from every later log line (a password, a token)."""
    _SCRUBBER.add_secret(secret)


class ScrubFilter(logging.Filter):
    """Replaces a record's message (and traceback text) by its scrubbed form."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: log it raw rather than lose it
            message = str(record.msg)
        record.msg, record.args = _SCRUBBER.scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None
        if record.exc_text:
            record.exc_text = _SCRUBBER.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = _SCRUBBER.scrub(record.stack_info)
        return True


def level_of(name: str) -> int:
    """A level name from settings (``log_level``: DEBUG, INFO, …); INFO if unknown."""
    level = logging.getLevelName(name.strip().upper())
    return level if isinstance(level, int) else logging.INFO


def setup(
    folder: Path | None = None,
    level: int = logging.INFO,
    max_bytes: int = MAX_BYTES,
    backups: int = BACKUPS,
) -> Path:
    """Start logging to ``folder`` (default ``paths.log_dir()``); returns the folder.

    A folder that cannot be created leaves logging as it was and returns the folder anyway
    (the About box still shows where logs would go)."""
    global _handler
    folder = folder or paths.log_dir()
    if _handler is not None:
        return Path(getattr(_handler, "baseFilename", folder / LOG_NAME)).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            folder / LOG_NAME, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
        )
    except OSError:
        return folder
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(ScrubFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    _handler = handler
    return folder


def shutdown() -> None:
    """Detach and close the file handler (tests; the app lets logging close it at exit)."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
        _handler = None


def current_folder() -> Path:
    """Where logs are written (or would be): shown in the About box."""
    if _handler is not None:
        return Path(getattr(_handler, "baseFilename", "")).parent
    return paths.log_dir()
