"""A call attempt's records and the wrap-up form's validation (callback times, unknown
dispositions and schemes, survey values), and the session built from a login reply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from test_campaign_model import wire_campaign, wire_contact

from server import schema
from softphone.campaign.attempt import CallAttempt, OutcomeForm, build_records, validate
from softphone.campaign.records import outcome_payload
from softphone.campaign.session import Session
from softphone.sip.events import MediaStats

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)


def test_valid_forms() -> None:
    campaign = wire_campaign()
    assert validate(OutcomeForm("completed", {"aware": "yes"}), campaign, NOW) is None
    later = NOW + timedelta(hours=2)
    assert validate(OutcomeForm("callback", callback_at=later), campaign, NOW) is None
    ist = later.astimezone(ZoneInfo("Asia/Kolkata"))
    assert validate(OutcomeForm("callback", callback_at=ist), campaign, NOW) is None
    survey = {"a": ["x", "y"], "b": 3, "c": None, "d": True}
    assert validate(OutcomeForm("answered", survey), campaign, NOW) is None


def test_refused_forms_say_why() -> None:
    campaign = wire_campaign()
    cases = [
        (OutcomeForm("nope"), "not a disposition"),
        (OutcomeForm("callback"), "when to call back"),
        (OutcomeForm("callback", callback_at=NOW), "future"),
        (OutcomeForm("callback", callback_at=NOW - timedelta(seconds=1)), "future"),
        (OutcomeForm("callback", callback_at=datetime(2026, 11, 29, 9)), "time zone"),
        (OutcomeForm("callback", callback_at=NOW + timedelta(days=400)), "year"),
        (OutcomeForm("busy", notes="x" * 4001), "4000"),
        (OutcomeForm("busy", scheme="Free Moon"), "scheme"),
        (OutcomeForm("busy", {"q": {"nested": 1}}), "survey"),
    ]
    for form, words in cases:
        reason = validate(form, campaign, NOW)
        assert reason is not None and words in reason, (form, reason)


def test_records_of_an_answered_call_fit_the_wire_payload() -> None:
    contact, campaign = wire_contact(), wire_campaign()
    attempt = CallAttempt(contact, contact.phones[0], NOW, language="hi", script_version=2)
    attempt.answered_at = NOW + timedelta(seconds=5)
    attempt.ended_at = NOW + timedelta(seconds=65)
    attempt.sip_code, attempt.sip_reason = 200, "Normal call clearing"
    attempt.stats = MediaStats(call_id=1, codec="PCMA", mos=4.3, jitter_ms=2.5)
    assert attempt.duration_s == 60 and attempt.suggestion(campaign) is None
    call = attempt.call_record()
    assert call.media_stats["codec"] == "PCMA" and "call_id" not in call.media_stats
    outcome = build_records(call, contact, campaign, OutcomeForm("completed"), "hi", 2)
    assert outcome.call_uuid == call.uuid and outcome.scheme == "PM-KISAN"
    payload = outcome_payload(outcome, call)
    assert payload["duration_s"] == 60 and payload["media"]["mos"] == 4.3
    assert (payload["language"], payload["script_version"], payload["phone"]) == (
        "hi",
        2,
        contact.phones[0],
    )


def test_unanswered_attempt_suggests_by_status_and_ring_timeout() -> None:
    contact, campaign = wire_contact(), wire_campaign()
    attempt = CallAttempt(contact, contact.phones[0], NOW)
    attempt.sip_code = 486
    assert attempt.suggestion(campaign) == "busy" and attempt.duration_s == 0
    attempt.ring_timed_out, attempt.sip_code = True, 487
    assert attempt.suggestion(campaign) == "no_answer"


def test_session_from_login_keeps_no_password() -> None:
    now = datetime(2026, 11, 28, 8, tzinfo=UTC)
    reply = schema.LoginResponse(
        token="secret-token",
        expires_at=now,
        user=schema.UserOut(id=3, username="asha", display_name="Asha", role=schema.Role.caller),
        centre=None,
        sip=schema.SipIdentity(username="1001", password="pw", domain="pbx", transport="udp"),
        campaign=None,
        server_public_key="pk",
        server_time=now,
        heartbeat_interval_s=15,
    )
    session = Session.from_login(reply, "https://s/")
    assert session.role == "caller" and session.server_url == "https://s"
    assert session.sip is not None and session.sip.keyring_key == "1001@pbx"
    assert "secret-token" not in repr(session) and "'pw'" not in repr(session)
