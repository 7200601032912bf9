"""Administrative writes used by the CLI, the demo seed and tests: centres, campaigns, users."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Connection, insert, select

from server import db, schema
from server.campaigns import DEFAULT_PAUSE_REASONS, add_script_version
from server.security import hash_password
from server.tables import campaigns, centres, users


def create_campaign(conn: Connection, name: str, **options: Any) -> int:
    values = {
        "name": name,
        "active": True,
        "timezone": "Asia/Kolkata",
        "window_start": "09:00",
        "window_end": "21:00",
        "max_calls_per_day": 3,
        "max_calls_per_week": 10,
        # 60 min: contacts leased ahead survive a 30-minute outage of the centre's link.
        "lease_seconds": 60 * 60,
        "callback_grace_seconds": 15 * 60,
        "retry_gap_seconds": 30 * 60,
        "dispositions": [],
        "pause_reasons": list(DEFAULT_PAUSE_REASONS),
        "schemes": [],
        "created_at": db.now(),
    }
    values.update(options)
    return db.new_id(conn.execute(insert(campaigns).values(**values)))


def add_script(conn: Connection, campaign_id: int, script: dict[str, Any]) -> int:
    row = add_script_version(conn, campaign_id, schema.ScriptIn.model_validate(script))
    return int(row.version)


def create_centre(conn: Connection, name: str, campaign_id: int | None) -> int:
    query = insert(centres).values(name=name, campaign_id=campaign_id, created_at=db.now())
    return db.new_id(conn.execute(query))


def create_user(
    conn: Connection,
    username: str,
    role: str,
    centre_id: int | None,
    password: str | None = None,
    sip_domain: str = "127.0.0.1",
    password_hash: str | None = None,
) -> tuple[int, str]:
    """Create a user; returns its id and the (possibly generated) password.

    ``password_hash`` (a hash of ``password`` made earlier) skips the deliberately slow KDF.
    """
    password = password or secrets.token_urlsafe(12)
    sip = role == "caller"
    new_id = db.new_id(
        conn.execute(
            insert(users).values(
                username=username,
                display_name=username.replace("_", " ").title(),
                password_hash=password_hash or hash_password(password),
                role=role,
                centre_id=centre_id,
                sip_username=username if sip else None,
                sip_password=secrets.token_urlsafe(12) if sip else None,
                sip_domain=sip_domain if sip else None,
                sip_transport="udp" if sip else None,
                active=True,
                failed_logins=0,
                created_at=db.now(),
            )
        )
    )
    return new_id, password


def set_password(conn: Connection, username: str, password: str) -> bool:
    query = users.update().where(users.c.username == username)
    return bool(conn.execute(query.values(password_hash=hash_password(password))).rowcount)


def find_centre(conn: Connection, name: str) -> Any:
    return conn.execute(select(centres).where(centres.c.name == name)).first()
