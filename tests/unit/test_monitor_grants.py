"""GrantVerifier: every refusal reason, the skew window, single use, strict parsing."""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from softphone.monitor.grants import (
    REASONS,
    GrantRefused,
    GrantVerifier,
    MemoryJtiStore,
    grant_gate,
)
from softphone.sip.events import MonitorMode

T0 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
AGENT = 7


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pub(key: Ed25519PrivateKey) -> str:
    return b64(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def claims(**over: Any) -> dict[str, Any]:
    base = {"sup": 3, "agt": AGENT, "mode": "listen", "iat": int(T0.timestamp()),
            "exp": int(T0.timestamp()) + 60, "jti": "a1b2c3"}  # fmt: skip
    base.update(over)
    return base


def token(key: Ed25519PrivateKey, body: Any = None, raw: bytes | None = None) -> str:
    data = raw if raw is not None else json.dumps(body or claims(), sort_keys=True).encode()
    head = b64(data)
    return f"{head}.{b64(key.sign(head.encode()))}"


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def clock() -> Clock:
    return Clock(T0 + timedelta(seconds=5))


@pytest.fixture
def verifier(key: Ed25519PrivateKey, clock: Clock) -> GrantVerifier:
    return GrantVerifier(pub(key), AGENT, now=clock, jti_store=MemoryJtiStore(clock))


def refused(verifier: GrantVerifier, tok: str | None) -> str:
    with pytest.raises(GrantRefused) as info:
        verifier.verify(tok)
    assert info.value.reason in REASONS
    if tok:
        assert tok not in str(info.value)  # the log sentence never carries the token
    return info.value.reason


def test_valid_grant(verifier: GrantVerifier, key: Ed25519PrivateKey) -> None:
    grant = verifier.verify(token(key, claims(mode="whisper")))
    assert grant.mode is MonitorMode.WHISPER
    assert (grant.supervisor_id, grant.agent_id, grant.jti) == (3, AGENT, "a1b2c3")
    assert grant.issued_at == T0 and grant.expires_at == T0 + timedelta(seconds=60)


@pytest.mark.parametrize("tok", [None, "", "   "])
def test_missing(verifier: GrantVerifier, tok: str | None) -> None:
    assert refused(verifier, tok) == "missing"


def test_shape_and_encoding(verifier: GrantVerifier, key: Ed25519PrivateKey) -> None:
    good = token(key)
    head, sig = good.split(".")
    for bad in [head, f"{good}.x", f"{head}=.{sig}", f"{head}.{sig}+", "é.é", "a" * 2000,
                f"{head}.", f".{sig}", f"{head}.{sig[:-1]}==="]:  # fmt: skip
        assert refused(verifier, bad) in ("malformed", "bad_signature"), bad


def test_signature_checks(verifier: GrantVerifier, key: Ed25519PrivateKey) -> None:
    good = token(key)
    head, sig = good.split(".")
    forged_head = b64(json.dumps(claims(mode="barge"), sort_keys=True).encode())
    assert refused(verifier, f"{forged_head}.{sig}") == "bad_signature"  # claims changed
    flipped = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]
    assert refused(verifier, f"{head}.{flipped}") == "bad_signature"
    assert refused(verifier, f"{head}.{b64(b'short')}") == "bad_signature"
    other = Ed25519PrivateKey.generate()
    assert refused(verifier, token(other)) == "bad_signature"  # a different key


@pytest.mark.parametrize(
    "raw",
    [b"not json", b"[1, 2]", b'"text"', b"\xff\xfe",
     json.dumps({k: v for k, v in claims().items() if k != "jti"}).encode(),
     json.dumps(claims(sup="3")).encode(), json.dumps(claims(agt=True)).encode(),
     json.dumps(claims(iat=1.5)).encode(), json.dumps(claims(jti="")).encode(),
     json.dumps(claims(jti="x" * 200)).encode(), json.dumps(claims(mode=1)).encode(),
     json.dumps(claims(exp=10**20)).encode()],
)  # fmt: skip
def test_claims_are_strict(verifier: GrantVerifier, key: Ed25519PrivateKey, raw: bytes) -> None:
    assert refused(verifier, token(key, raw=raw)) in ("malformed", "too_long")


def test_mode_agent_lifetime(verifier: GrantVerifier, key: Ed25519PrivateKey) -> None:
    assert refused(verifier, token(key, claims(mode="spy"))) == "bad_mode"
    assert refused(verifier, token(key, claims(agt=AGENT + 1))) == "wrong_agent"
    t = int(T0.timestamp())
    assert refused(verifier, token(key, claims(exp=t + 3600))) == "too_long"
    assert refused(verifier, token(key, claims(exp=t - 1))) == "too_long"
    assert verifier.verify(token(key, claims(exp=t + 64, jti="slack"))).jti == "slack"


def test_expiry_uses_injected_clock_with_skew(
    verifier: GrantVerifier, key: Ed25519PrivateKey, clock: Clock
) -> None:
    clock.now = T0 + timedelta(seconds=60 + 29)
    assert verifier.verify(token(key, claims(jti="in-skew"))).jti == "in-skew"
    clock.now = T0 + timedelta(seconds=60 + 31)
    assert refused(verifier, token(key, claims(jti="late"))) == "expired"
    clock.now = T0 - timedelta(seconds=29)
    assert verifier.verify(token(key, claims(jti="early-ok"))).jti == "early-ok"
    clock.now = T0 - timedelta(seconds=31)
    assert refused(verifier, token(key, claims(jti="early"))) == "not_yet_valid"


def test_replay_and_refusals_do_not_burn_the_jti(key: Ed25519PrivateKey, clock: Clock) -> None:
    store = MemoryJtiStore(clock)
    mine = GrantVerifier(pub(key), AGENT, now=clock, jti_store=store)
    theirs = GrantVerifier(pub(key), AGENT + 1, now=clock, jti_store=store)
    tok = token(key)
    assert refused(theirs, tok) == "wrong_agent"  # checked before the jti is claimed
    assert mine.verify(tok).jti == "a1b2c3"
    assert refused(mine, tok) == "replayed"
    assert refused(mine, token(key, claims(mode="barge"))) == "replayed"  # same jti


def test_jti_store_prunes_after_expiry(clock: Clock) -> None:
    store = MemoryJtiStore(clock, keep=timedelta(seconds=60))
    exp = clock.now + timedelta(seconds=60)
    assert store.claim("j1", exp) and not store.claim("j1", exp)
    assert len(store) == 1
    clock.now = exp + timedelta(seconds=61)
    assert len(store) == 0
    assert store.claim("j1", exp)  # long dead: it could not pass the expiry check anyway


def test_public_key_must_be_ed25519_raw(clock: Clock) -> None:
    with pytest.raises(ValueError):
        GrantVerifier(b64(b"short"), AGENT, now=clock, jti_store=MemoryJtiStore(clock))


def test_gate_decides_and_logs(
    verifier: GrantVerifier, key: Ed25519PrivateKey, caplog: pytest.LogCaptureFixture
) -> None:
    gate = grant_gate(verifier)
    with caplog.at_level(logging.INFO, logger="sampark.monitor"):
        ok = gate(token(key, claims(mode="barge")))
        bad = gate(token(key, claims(agt=99, jti="other")))
        none = gate(None)
    assert ok.accept and ok.mode is MonitorMode.BARGE and ok.supervisor_id == 3
    assert not bad.accept and bad.reason == "wrong_agent" and bad.mode is None
    assert none.reason == "missing"
    text = caplog.text
    assert "refused (wrong_agent)" in text and "refused (missing)" in text
