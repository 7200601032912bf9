"""Run the Alembic migrations programmatically (``create_app`` and ``sampark-server`` call it).

On PostgreSQL an advisory lock serialises concurrent starters (several workers or hosts);
on SQLite the first migration statement takes the write lock. Within one process a lock
serialises callers too (Alembic keeps its context in module globals).
"""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_KEY = 0x5A4D50  # "SMP"
_IN_PROCESS = threading.Lock()  # Alembic's context proxy is process-global, not thread-safe


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision."""
    cfg = alembic_config(engine)
    with _IN_PROCESS, engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
            conn.commit()
        try:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        finally:
            if engine.dialect.name == "postgresql":
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
                conn.commit()
