"""The journal's monitoring records: grant ids are single use across a restart, sessions keep
every mode in order, refusals are kept; the caller's gate refuses when it cannot record."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from softphone.journal import Journal
from softphone.journal.monitoring import MonitorJournal
from softphone.monitor.caller import JournalJtiStore
from softphone.monitor.grants import GrantRefused, GrantVerifier

T0 = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(key: Ed25519PrivateKey, agent: int, mode: str = "listen", jti: str = "") -> str:
    iat = int(T0.timestamp())
    claims = {"sup": 7, "agt": agent, "mode": mode, "iat": iat, "exp": iat + 60,
              "jti": jti or secrets.token_hex(8)}  # fmt: skip
    head = b64(json.dumps(claims).encode())
    return f"{head}.{b64(key.sign(head.encode()))}"


def public(key: Ed25519PrivateKey) -> str:
    return b64(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def test_a_used_grant_stays_used_after_a_restart(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    grant = token(key, agent=3, jti="once")
    with Journal(tmp_path / "j.db") as journal:
        store = JournalJtiStore(MonitorJournal(journal), now=lambda: T0)
        verifier = GrantVerifier(public(key), 3, now=lambda: T0, jti_store=store)
        assert verifier.verify(grant).jti == "once"
    with Journal(tmp_path / "j.db") as journal:  # the softphone restarted
        store = JournalJtiStore(MonitorJournal(journal), now=lambda: T0)
        verifier = GrantVerifier(public(key), 3, now=lambda: T0, jti_store=store)
        with pytest.raises(GrantRefused) as refused:
            verifier.verify(grant)
        assert refused.value.reason == "replayed"


def test_used_grant_ids_are_pruned_once_they_could_not_pass_anyway(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.db") as journal:
        records = MonitorJournal(journal)
        assert records.claim_jti("a", T0 + timedelta(seconds=90), T0)
        assert not records.claim_jti("a", T0 + timedelta(seconds=90), T0)
        assert records.claim_jti("b", T0 + timedelta(hours=1), T0 + timedelta(minutes=5))
        rows = journal.connection.execute("SELECT jti FROM monitor_jti").fetchall()
        assert [r[0] for r in rows] == ["b"]


def test_sessions_and_refusals_are_recorded(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.db") as journal:
        records = MonitorJournal(journal)
        records.started(11, 7, "listen", T0)
        records.mode_changed(11, "whisper", T0 + timedelta(seconds=5))
        records.mode_changed(99, "barge", T0)  # not a session we know: ignored
        records.ended(11, "supervisor hung up", T0 + timedelta(seconds=9))
        records.refused("sip:sup@127.0.0.1", "bad_signature", T0)
        (session,) = records.sessions()
        assert session.supervisor_id == 7 and session.end_reason == "supervisor hung up"
        assert [m for m, _ in session.modes] == ["listen", "whisper"]
        assert session.ended_at == T0 + timedelta(seconds=9)
        assert records.refusals() == [
            {"at": "2026-11-28T08:00:00.000000+00:00", "remote_uri": "sip:sup@127.0.0.1",
             "reason": "bad_signature"}
        ]  # fmt: skip


def test_the_gate_refuses_when_the_journal_cannot_record(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    journal = Journal(tmp_path / "j.db")
    store = JournalJtiStore(MonitorJournal(journal), now=lambda: T0)
    verifier = GrantVerifier(public(key), 3, now=lambda: T0, jti_store=store)
    journal.close()  # e.g. the disk went away: single use cannot be proven
    with pytest.raises(GrantRefused) as refused:
        verifier.verify(token(key, agent=3))
    assert refused.value.reason == "replayed"
