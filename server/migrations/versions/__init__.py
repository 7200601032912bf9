"""Alembic revisions, one module each, applied in order by ``server.migrate``."""
