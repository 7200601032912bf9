"""Outgoing calls against sipp as the far end (UAS) on loopback: outcomes, codes, media."""

from __future__ import annotations

import pytest
from siptest import wait_until

from softphone.sip.events import CallState, CallStateChanged, MediaStats
from softphone.sip.spec import AccountSpec

pytestmark = [pytest.mark.sipp, pytest.mark.timeout(60)]
LOCAL = AccountSpec(user="alice", domain="127.0.0.1")


def dial(engine, sp, user: str = "service") -> int:
    account = engine.add_account(LOCAL, use_headset=True)
    return engine.make_call(account, f"sip:{user}@{sp.uri_host}")


def finish(engine, events, sp, call_id: int) -> CallStateChanged:
    end = events.wait_call(call_id, CallState.DISCONNECTED)
    assert sp.wait() == 0, sp.diagnostics()
    wait_until(lambda: engine.active_call_ids() == [], 2, "no calls left")
    return end


def test_answered_call_has_rtp_both_ways(engine, events, sipp):
    sp = sipp("uas-answer.xml", "-rtp_echo")
    call = dial(engine, sp)
    events.wait_call(call, CallState.CONFIRMED)
    stats = events.wait_for(
        lambda e: isinstance(e, MediaStats) and e.call_id == call and e.rx_packets > 20, 5
    )
    engine.hangup(call)
    end = finish(engine, events, sp, call)
    assert isinstance(stats, MediaStats)
    assert stats.tx_packets > 0 and stats.rx_packets > 0
    assert stats.codec.startswith("PCMU")
    assert stats.rx_loss_pct == 0.0 and 4.0 <= stats.mos <= 4.5
    assert not stats.srtp
    states = events.call_states(call)
    assert states[0] is CallState.CALLING
    assert states[-3:] == [CallState.CONNECTING, CallState.CONFIRMED, CallState.DISCONNECTED]
    assert CallState.EARLY in states
    assert end.code == 200
    assert any(e.media_active for e in events.of(CallStateChanged, call_id=call))


@pytest.mark.parametrize(
    ("scenario", "code", "reason"),
    [("uas-486.xml", 486, "Busy Here"), ("uas-603.xml", 603, "Decline")],
)
def test_rejected_call_reports_code_and_reason(engine, events, sipp, scenario, code, reason):
    sp = sipp(scenario)
    call = dial(engine, sp)
    end = finish(engine, events, sp, call)
    assert (end.code, end.reason) == (code, reason)
    assert CallState.CONFIRMED not in events.call_states(call)


def test_ring_no_answer_then_cancel(engine, events, sipp):
    sp = sipp("uas-ring-cancel.xml")
    call = dial(engine, sp)
    ringing = events.wait_call(call, CallState.EARLY)
    assert ringing.code == 180
    engine.hangup(call)
    end = finish(engine, events, sp, call)
    assert end.code == 487
    assert events.call_states(call) == [CallState.CALLING, CallState.EARLY, CallState.DISCONNECTED]


def test_401_challenge_answered_with_digest(engine, events, sipp):
    sp = sipp("uas-auth-401.xml", "-rtp_echo")
    account = engine.add_account(
        AccountSpec(user="alice", domain="127.0.0.1", password="Al1ce-s3cret")
    )
    call = engine.make_call(account, f"sip:service@{sp.uri_host}")
    events.wait_call(call, CallState.CONFIRMED)
    engine.hangup(call)
    finish(engine, events, sp, call)
    assert 'response="' in sp.messages()  # sipp checked the Authorization header (check_it)


def test_remote_bye_ends_call(engine, events, sipp):
    sp = sipp("uas-remote-bye.xml", "-rtp_echo")
    call = dial(engine, sp)
    events.wait_call(call, CallState.CONFIRMED)
    end = finish(engine, events, sp, call)  # no hangup from our side
    assert end.code == 200
    assert end.reason  # pjsip names the cause; the code is the BYE's 200


def test_hold_and_resume_reinvite(engine, events, sipp):
    sp = sipp("uas-hold-resume.xml", "-rtp_echo")
    call = dial(engine, sp)
    events.wait_call(call, CallState.CONFIRMED)
    engine.hold(call)
    events.wait_for(lambda e: isinstance(e, CallStateChanged) and e.on_hold, 5)
    engine.resume(call)
    events.wait_for(
        lambda e: (
            isinstance(e, CallStateChanged)
            and not e.on_hold
            and e.media_active
            and e.ts > events.of(CallStateChanged, call_id=call, on_hold=True)[0].ts
        ),
        5,
    )
    engine.hangup(call)
    finish(engine, events, sp, call)  # sipp's check_it fails the run without sendonly/sendrecv
    messages = sp.messages()
    assert "a=sendonly" in messages and "a=recvonly" in messages


def test_early_media_183(engine, events, sipp):
    sp = sipp("uas-183-early-media.xml", "-rtp_echo")
    call = dial(engine, sp)
    early = events.wait_for(
        lambda e: (
            isinstance(e, CallStateChanged)
            and e.call_id == call
            and e.state is CallState.EARLY
            and e.media_active
        ),
        5,
    )
    assert early.code == 183
    early_stats = events.wait_for(
        lambda e: isinstance(e, MediaStats) and e.call_id == call and e.rx_packets > 0, 3
    )
    events.wait_call(call, CallState.CONFIRMED)
    engine.hangup(call)
    finish(engine, events, sp, call)
    confirmed = events.of(CallStateChanged, call_id=call, state=CallState.CONFIRMED)[0]
    assert early_stats.ts < confirmed.ts  # media flowed before the answer


def test_200_without_to_tag(engine, events, sipp):
    """A broken far end (pjsip ticket #1096 shape): the call is usable and ends cleanly."""
    sp = sipp("uas-200-no-to-tag.xml")
    call = dial(engine, sp)
    events.wait_call(call, CallState.CONFIRMED)
    engine.hangup(call)
    end = finish(engine, events, sp, call)  # sipp saw our BYE and answered it
    assert end.code == 200
    assert events.call_states(call) == [
        CallState.CALLING,
        CallState.CONNECTING,
        CallState.CONFIRMED,
        CallState.DISCONNECTED,
    ]
