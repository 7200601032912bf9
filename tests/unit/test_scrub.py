"""The log scrubber removes passwords, Authorization values, digest nonces and SDES keys."""

from __future__ import annotations

from softphone.sip._scrub import REDACTED, Scrubber, scrub

REGISTER = (
    "TX 612 bytes Request msg REGISTER/cseq=1 to UDP 127.0.0.1:5060:\r\n"
    "REGISTER sip:127.0.0.1 SIP/2.0\r\n"
    'Authorization: Digest username="alice", realm="test", nonce="abc123", '
    'uri="sip:127.0.0.1", response="0123456789abcdef0123456789abcdef", algorithm=MD5\r\n'
    'proxy-authorization:Digest username="alice", response="feedface"\r\n'
    'WWW-Authenticate: Digest realm="test", nonce="n0nc3-value", qop="auth"\r\n'
    "Content-Length: 0\r\n"
)
SDP = (
    "m=audio 4000 RTP/SAVP 0\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
    "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:32\r\n"
    "a=crypto:2 AES_256_CM_HMAC_SHA1_80 "
    "inline:aWoV16Z/Pz5qRdQqqlgZYVGWOiqBB5GX0UI4fSr+06lClqAhHJ3gzbh3gszvpA==\r\n"
)


def test_authorization_headers_are_redacted_whole():
    out = scrub(REGISTER)
    assert "0123456789abcdef" not in out and "feedface" not in out
    assert f"Authorization: {REDACTED}" in out
    assert f"proxy-authorization: {REDACTED}" in out
    assert "REGISTER sip:127.0.0.1 SIP/2.0" in out and "Content-Length: 0" in out


def test_nonces_are_redacted_but_realm_kept():
    out = scrub(REGISTER)
    assert "n0nc3-value" not in out and "abc123" not in out
    assert 'realm="test"' in out


def test_sdes_keys_are_redacted_but_suite_kept():
    out = scrub(SDP)
    assert "WVNfX19zZW1jdGwg" not in out and "aWoV16Z" not in out
    assert "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<redacted>|2^20|1:32" in out
    assert "m=audio 4000 RTP/SAVP 0" in out


def test_registered_secrets_are_redacted_anywhere():
    scrubber = Scrubber()
    scrubber.add_secret("hunter2")
    scrubber.add_secret("")  # ignored
    out = scrubber.scrub("acc password is hunter2; again:hunter2")
    assert "hunter2" not in out
    assert out.count(REDACTED) == 2


def test_password_parameters_are_redacted():
    assert "s3cr3t" not in scrub("turn password=s3cr3t user=x")


def test_plain_lines_pass_unchanged():
    line = "pjsua_call.c Making call with acc #0 to sip:service@127.0.0.1"
    assert scrub(line) == line
