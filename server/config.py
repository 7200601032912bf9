"""Server settings from the environment: where the database lives and token lifetimes.

The server does not import ``softphone``; it mirrors only the ``SAMPARK_DATA_DIR`` override so
an unconfigured ``sampark-server serve`` puts its SQLite file beside the softphone's data.

* ``SAMPARK_SERVER_DATABASE_URL``  SQLAlchemy URL (default: SQLite file in the data folder)
* ``SAMPARK_DATA_DIR``             data folder override
* ``SAMPARK_SERVER_TOKEN_CACHE_SECONDS``  token cache lifetime per process (default 5, 0 = off)
* ``SAMPARK_SERVER_DB_POOL``       database connections (and request threads) per process (8)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DATABASE_URL_ENV = "SAMPARK_SERVER_DATABASE_URL"
TOKEN_TTL_SECONDS = 16 * 3600  # one long shift
HEARTBEAT_INTERVAL_SECONDS = 15
# Token look-ups are cached this long per process (a revoked token may still work on another
# process for this long); 0 turns the cache off.
TOKEN_CACHE_SECONDS = float(os.environ.get("SAMPARK_SERVER_TOKEN_CACHE_SECONDS", "5"))
PRESENCE_STALE_SECONDS = 3 * HEARTBEAT_INTERVAL_SECONDS
MAX_BATCH_ITEMS = 500
MAX_LEASE_COUNT = 50
MAX_HELD_LEASES = 100
LOGIN_FAILURES_BEFORE_LOCK = 10
LOGIN_LOCK_SECONDS = 5 * 60


def data_dir() -> Path:
    env = os.environ.get("SAMPARK_DATA_DIR")
    if env:
        return Path(env)
    home = Path(os.path.expanduser("~"))
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local")) / "Sampark"
    return Path(os.environ.get("XDG_DATA_HOME", home / ".local" / "share")) / "sampark"


def default_database_url() -> str:
    """The URL from the environment, else an SQLite file in the data folder."""
    env = os.environ.get(DATABASE_URL_ENV)
    if env:
        return env
    folder = data_dir() / "server"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'sampark-server.db'}"
