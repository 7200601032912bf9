"""Passwords (Argon2id, memory-hard), API tokens (random, stored as SHA-256) and the server's
Ed25519 signing key (kept in the database so every server process signs with the same key).
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from server import db
from server.tables import server_keys

_hasher = PasswordHasher()  # Argon2id, 64 MiB, t=3
# Verified against when the user does not exist, so timing does not reveal usernames.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> tuple[str, bytes]:
    """A fresh bearer token and the digest that is stored instead of it."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def load_signing_key(engine: Engine) -> Ed25519PrivateKey:
    """The server key, created on first use; concurrent first starts agree on one row."""
    with engine.begin() as conn:
        raw = _read_key(conn)
        if raw is None:
            try:
                with conn.begin_nested():
                    fresh = secrets.token_bytes(32)
                    conn.execute(
                        server_keys.insert().values(id=1, private_key=fresh, created_at=db.now())
                    )
            except IntegrityError:
                pass
            raw = _read_key(conn)
    assert raw is not None
    return Ed25519PrivateKey.from_private_bytes(raw)


def _read_key(conn: Connection) -> bytes | None:
    return conn.execute(select(server_keys.c.private_key).where(server_keys.c.id == 1)).scalar()


def public_key_b64(key: Ed25519PrivateKey) -> str:
    return b64url(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
