"""SQLAlchemy Core tables of the central server (the Alembic migrations create them).

Times are stored as naive UTC ``DateTime`` values on both SQLite and PostgreSQL; the API
converts them to timezone-aware UTC at the boundary (``server.db.utc``).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

centres = Table(
    "centres",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("campaign_id", Integer, nullable=True),  # the campaign its callers work on
    Column("created_at", DateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(20), nullable=False),  # caller | supervisor | admin
    Column("centre_id", Integer, ForeignKey("centres.id"), nullable=True),
    Column("sip_username", String(100), nullable=True),
    Column("sip_password", String(200), nullable=True),
    Column("sip_domain", String(200), nullable=True),
    Column("sip_transport", String(10), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime, nullable=True),
    Column("created_at", DateTime, nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("token_hash", LargeBinary(32), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("timezone", String(64), nullable=False),
    Column("window_start", String(5), nullable=False),  # "HH:MM" local
    Column("window_end", String(5), nullable=False),
    Column("max_calls_per_day", Integer, nullable=False),
    Column("max_calls_per_week", Integer, nullable=False),
    Column("lease_seconds", Integer, nullable=False),
    Column("callback_grace_seconds", Integer, nullable=False),
    Column("retry_gap_seconds", Integer, nullable=False),  # between unanswered attempts
    Column("dispositions", JSON, nullable=False),  # campaign-specific extras
    Column("pause_reasons", JSON, nullable=False),
    Column("schemes", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

scripts = Table(
    "scripts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False),
    Column("language", String(10), nullable=False),
    Column("version", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("sections", JSON, nullable=False),
    Column("questions", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("campaign_id", "language", "version", name="uq_scripts_version"),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("role", String(100), nullable=False),
    Column("state", String(100), nullable=False),
    Column("parliamentary_constituency", String(200), nullable=False),
    Column("assembly_constituency", String(200), nullable=False),
    Column("booth_number", String(20), nullable=False),
    Column("language", String(10), nullable=False),
    Column("phones", JSON, nullable=False),
    Column("variables", JSON, nullable=False),
    Column("status", String(10), nullable=False),  # open | done
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_attempt_at", DateTime, nullable=True),
    Column("last_disposition", String(40), nullable=True),
    Column("lease_owner", Integer, ForeignKey("users.id"), nullable=True),
    Column("lease_expires_at", DateTime, nullable=True),
    Column("callback_at", DateTime, nullable=True),
    Column("callback_user_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("created_at", DateTime, nullable=False),
    Index("ix_contacts_pool", "campaign_id", "status", "lease_expires_at"),
    Index("ix_contacts_lease_owner", "lease_owner"),
)

contact_phones = Table(
    "contact_phones",
    metadata,
    Column("campaign_id", Integer, primary_key=True),
    Column("phone", String(20), primary_key=True),
    Column("contact_id", Integer, ForeignKey("contacts.id"), nullable=False, index=True),
)

dnc = Table(
    "dnc",
    metadata,
    Column("phone", String(20), primary_key=True),
    Column("reason", String(200), nullable=False),
    Column("added_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("added_at", DateTime, nullable=False, index=True),
)

outcomes = Table(
    "outcomes",
    metadata,
    Column("uuid", String(36), primary_key=True),
    Column("payload_hash", String(64), nullable=False),
    Column("contact_id", Integer, ForeignKey("contacts.id"), nullable=False),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("centre_id", Integer, nullable=True),
    Column("disposition", String(40), nullable=False),
    Column("phone", String(20), nullable=False),
    Column("started_at", DateTime, nullable=True),
    Column("ended_at", DateTime, nullable=False),
    Column("duration_s", Float, nullable=False),
    Column("scheme", String(100), nullable=True),
    Column("language", String(10), nullable=True),
    Column("script_version", Integer, nullable=True),
    Column("notes", Text, nullable=False),
    Column("survey", JSON, nullable=False),
    Column("media", JSON, nullable=False),
    Column("sip_status", Integer, nullable=True),
    Column("callback_at", DateTime, nullable=True),
    Column("received_at", DateTime, nullable=False),
    Index("ix_outcomes_contact_ended", "contact_id", "ended_at"),
    Index("ix_outcomes_campaign_ended", "campaign_id", "ended_at"),
)

presence = Table(
    "presence",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("state", String(20), nullable=False),
    Column("reason", String(100), nullable=True),
    Column("contact_id", Integer, nullable=True),
    Column("since", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("call_started_at", DateTime, nullable=True),  # when talk time began
    Column("mos", Float, nullable=True),  # last media statistics of the call
    Column("loss_pct", Float, nullable=True),
    Column("jitter_ms", Float, nullable=True),
)

server_keys = Table(
    "server_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("private_key", LargeBinary(32), nullable=False),
    Column("created_at", DateTime, nullable=False),
)

monitor_grants = Table(
    "monitor_grants",
    metadata,
    Column("jti", String(32), primary_key=True),
    Column("supervisor_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("agent_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("mode", String(10), nullable=False),
    Column("issued_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
)

monitor_audit = Table(
    "monitor_audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),  # who asked
    Column("user_role", String(20), nullable=False),
    Column("centre_id", Integer, nullable=True),  # the asker's centre
    Column("agent_id", Integer, nullable=False),  # as asked: may name no user
    Column("agent_centre_id", Integer, nullable=True),
    Column("mode", String(10), nullable=False),
    Column("granted", Boolean, nullable=False),
    Column("reason", String(40), nullable=False),  # granted | not_supervisor | ...
    Column("jti", String(32), nullable=True),
    Index("ix_monitor_audit_centre", "centre_id", "id"),
    Index("ix_monitor_audit_agent_centre", "agent_centre_id", "id"),
)
