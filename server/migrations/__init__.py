"""Alembic environment and revisions of the central server schema (see README.md)."""
