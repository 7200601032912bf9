"""The engine's Qt signals reach a receiver on the GUI thread; threads and lifecycle hold."""

from __future__ import annotations

import threading

import pytest
from siptest import LOOPBACK, EventLog, make_engine

from softphone.sip.engine import SipEngine, SipEngineError
from softphone.sip.events import CallState, CallStateChanged, EngineError, MediaStats
from softphone.sip.spec import AccountSpec, EndpointSpec

pytestmark = [pytest.mark.sipp, pytest.mark.timeout(60)]


def test_signals_arrive_on_the_gui_thread(qtbot, engine, sipp):
    sp = sipp("uas-answer.xml", "-rtp_echo")
    seen: list[tuple[str, bool]] = []
    gui = threading.current_thread()

    def record(event) -> None:
        seen.append((type(event).__name__, threading.current_thread() is gui))

    engine.call_state_changed.connect(record)
    engine.media_stats_updated.connect(record)
    account = engine.add_account(AccountSpec(user="alice", domain=LOOPBACK))
    with qtbot.waitSignal(
        engine.call_state_changed,
        check_params_cb=lambda e: e.state is CallState.CONFIRMED,
        timeout=5000,
    ):
        call = engine.make_call(account, f"sip:service@{sp.uri_host}")
    with qtbot.waitSignal(engine.media_stats_updated, timeout=3000) as stats:
        pass
    assert isinstance(stats.args[0], MediaStats)
    with qtbot.waitSignal(
        engine.call_state_changed,
        check_params_cb=lambda e: e.state is CallState.DISCONNECTED,
        timeout=5000,
    ):
        engine.hangup(call)
    assert sp.wait() == 0, sp.diagnostics()
    assert ("CallStateChanged", True) in seen and ("MediaStats", True) in seen
    assert all(on_gui for _, on_gui in seen)


def test_bad_commands_become_error_events(engine, events):
    engine.hangup(4242)
    error = events.wait_for(lambda e: isinstance(e, EngineError), 3)
    assert error.where == "hangup" and error.call_id == 4242
    account = engine.add_account(AccountSpec(user="alice", domain=LOOPBACK))
    call = engine.make_call(account, "not a sip uri")
    end = events.wait_call(call, CallState.DISCONNECTED, 3)
    assert isinstance(end, CallStateChanged)
    assert events.of(EngineError, where="make_call")[0].code != 0


def test_lifecycle_errors_are_clear():
    engine = SipEngine()
    with pytest.raises(SipEngineError):
        engine.make_call(1, "sip:x@127.0.0.1")  # not started
    events = EventLog()
    eng = make_engine(events)
    try:
        with pytest.raises(SipEngineError):
            eng.start()
        assert set(eng.local_ports) == {"udp", "tcp"}
        assert all(port > 0 for port in eng.local_ports.values())
    finally:
        eng.stop()
    assert not any(t.name == "sip" for t in threading.enumerate())


def test_restart_after_stop_and_start_failure():
    events = EventLog()
    eng = make_engine(events)
    eng.stop()
    assert eng.local_ports == {} and eng.active_call_ids() == []
    eng.start()  # the same object starts again
    try:
        assert eng.local_ports["udp"] > 0
    finally:
        eng.stop()
    holder = make_engine(events)
    try:
        second = SipEngine(EndpointSpec(bind_address=LOOPBACK))
        with pytest.raises(SipEngineError, match="already running"):
            second.start()  # pjsua2 allows one endpoint per process
        with pytest.raises(SipEngineError, match="already running"):
            SipEngine.build_info()
        assert not second.is_running
    finally:
        holder.stop()
    info = SipEngine.build_info()  # fine once nothing runs
    assert info["pjsip_version"] and "PCMU/8000/1" in info["codecs"]
