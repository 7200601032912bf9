"""Secrets go to the OS keyring (a real ``KeyringBackend`` set programmatically here), under
the services and key formats the launcher reads; without a working keyring they stay in
memory with one warning. Never in a settings file, the data folder or a log line."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from memkeyring import MemoryKeyring

from server import schema
from softphone import secrets
from softphone.campaign.session import Session, login

TOKEN = "tok-3f9a1c7e5b2d4a6f8e0c"
SIP_PASSWORD = "sip-pw-7d2e9b4c1a6f"


@pytest.fixture
def ring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    secrets._memory.clear()
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
        secrets._memory.clear()


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    secrets._memory.clear()
    secrets._warned = False
    try:
        yield
    finally:
        keyring.set_keyring(previous)
        secrets._memory.clear()


def test_token_and_sip_password_land_in_the_keyring(ring: MemoryKeyring) -> None:
    secrets.store_token("https://sampark.example/", "asha", TOKEN)
    secrets.store_sip_password("1001", "pbx.example", SIP_PASSWORD)
    assert ring.values == {
        ("sampark-token", "asha@https://sampark.example"): TOKEN,
        ("sampark-sip", "1001@pbx.example"): SIP_PASSWORD,
    }
    assert secrets.token("https://sampark.example", "asha") == TOKEN
    assert secrets.sip_password("1001", "pbx.example") == SIP_PASSWORD
    assert not secrets.memory_only()


def test_the_launchers_key_format_reads_the_sip_password(ring: MemoryKeyring) -> None:
    secrets.store_sip_password("1001", "pbx.example", SIP_PASSWORD)
    assert keyring.get_password("sampark-sip", "1001@pbx.example") == SIP_PASSWORD


def test_forget_removes_the_token_and_optionally_the_sip_password(ring: MemoryKeyring) -> None:
    secrets.store_token("https://s", "asha", TOKEN)
    secrets.store_sip_password("1001", "pbx", SIP_PASSWORD)
    secrets.forget("https://s", "asha")
    assert secrets.token("https://s", "asha") is None
    assert secrets.sip_password("1001", "pbx") == SIP_PASSWORD
    secrets.forget("https://s", "asha", sip_user="1001", sip_domain="pbx")
    assert secrets.sip_password("1001", "pbx") is None
    secrets.forget("https://s", "asha")  # nothing stored: no error


def test_without_a_keyring_secrets_stay_in_memory_with_one_warning(
    no_keyring: None, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    with caplog.at_level(logging.DEBUG):
        secrets.store_token("https://s", "asha", TOKEN)
        secrets.store_sip_password("1001", "pbx", SIP_PASSWORD)
        assert secrets.token("https://s", "asha") == TOKEN
        assert secrets.sip_password("1001", "pbx") == SIP_PASSWORD
    warnings = [r for r in caplog.records if "in memory" in r.getMessage()]
    assert len(warnings) == 1
    assert secrets.memory_only()
    secrets.forget("https://s", "asha", sip_user="1001", sip_domain="pbx")
    assert secrets.token("https://s", "asha") is None


def _login_reply() -> schema.LoginResponse:
    now = datetime(2026, 11, 28, 8, tzinfo=UTC)
    return schema.LoginResponse(
        token=TOKEN,
        expires_at=now,
        user=schema.UserOut(id=3, username="asha", display_name="Asha", role=schema.Role.caller),
        centre=schema.CentreOut(id=1, name="Patna"),
        sip=schema.SipIdentity(
            username="1001", password=SIP_PASSWORD, domain="pbx.example", transport="udp"
        ),
        campaign=None,
        server_public_key="pk",
        server_time=now,
        heartbeat_interval_s=15,
    )


class ReplyClient:
    def login(self, username: str, password: str) -> schema.LoginResponse:
        assert (username, password) == ("asha", "pw")
        return _login_reply()


def test_login_keeps_secrets_in_the_keyring_only(
    ring: MemoryKeyring, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        session = login(ReplyClient(), "asha", "pw", "https://sampark.example/")
    assert isinstance(session, Session)
    assert session.token() == TOKEN
    assert session.sip is not None and session.sip.password() == SIP_PASSWORD
    assert ring.values[("sampark-sip", "1001@pbx.example")] == SIP_PASSWORD
    text = repr(session) + str(session)
    assert TOKEN not in text and SIP_PASSWORD not in text
    assert all(
        TOKEN not in r.getMessage() and SIP_PASSWORD not in r.getMessage() for r in caplog.records
    )
    session.forget_token()
    assert session.token() is None


def test_no_secret_in_any_file_of_the_profile(no_keyring: None) -> None:
    """Without a keyring (the fallback), nothing under the config/data/XDG folders holds a
    secret (tests/conftest.py points them all into one session folder)."""
    login(ReplyClient(), "asha", "pw", "https://sampark.example")
    roots = [Path(os.environ[k]) for k in ("SAMPARK_CONFIG_DIR", "SAMPARK_DATA_DIR")]
    roots.append(Path(os.environ["XDG_CONFIG_HOME"]).parent)
    for root in roots:
        for path in root.rglob("*") if root.exists() else []:
            if path.is_file():
                data = path.read_bytes()
                assert TOKEN.encode() not in data and SIP_PASSWORD.encode() not in data, path
