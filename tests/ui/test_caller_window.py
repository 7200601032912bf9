"""The caller window driven like a user would (pytest-qt clicks and keys), over real SIP.

Every call goes through a real ``SipEngine`` on 127.0.0.1: the window's ``agent`` account dials
the auto-answering ``2002`` account on the same engine (RTP over loopback), or sipp's built-in
UAC calls in. Objects whose signals are waited on are kept referenced by the test.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from softphone import config
from softphone.phone import Phone
from softphone.sip.events import CallDirection, CallState, CallStateChanged, DtmfReceived
from softphone.sip.quality import quality_level

CALLEE = "2002"
LEFT = Qt.MouseButton.LeftButton


def wait_for(qtbot, predicate: Callable[[], object], timeout_s: float = 10.0) -> None:
    qtbot.waitUntil(lambda: bool(predicate()), timeout=int(timeout_s * 1000))


def pause(qtbot, seconds: float) -> None:
    qtbot.wait(int(seconds * 1000))


def talking(phone: Phone) -> bool:
    return phone.call is not None and phone.call.state is CallState.CONFIRMED


def dial_from_keyboard(qtbot, window) -> None:
    entry = window.dial_panel.entry
    entry.setFocus()
    qtbot.keyClicks(entry, CALLEE)
    qtbot.keyClick(entry, Qt.Key.Key_Return)
    wait_for(qtbot, lambda: talking(window.phone))


def test_dial_from_pad_connects_runs_timer_and_hangs_up(qtbot, window, line) -> None:
    phone = window.phone
    for digit in CALLEE:
        qtbot.mouseClick(window.dial_panel.pad.buttons[digit], LEFT)
    assert window.dial_panel.number() == CALLEE
    assert window.actions["dial"].isEnabled()
    assert not window.actions["hangup"].isEnabled()

    qtbot.mouseClick(window.dial_panel.dial_button, LEFT)
    wait_for(qtbot, lambda: talking(phone))
    assert phone.call is not None
    assert phone.call.remote_uri == f"sip:{CALLEE}@{line.domain}"
    assert phone.call.direction is CallDirection.OUTGOING
    assert window.call_panel.state_label.text() == "In call"
    assert window.call_panel.remote_label.text() == CALLEE
    assert not window.actions["dial"].isEnabled()
    assert window.actions["hangup"].isEnabled()
    assert window.dial_panel.entry.isReadOnly()  # keyboard digits are DTMF now
    wait_for(qtbot, lambda: window.call_panel.timer_text() == "00:02", 5)  # the timer runs

    ended: list = []
    phone.call_ended.connect(ended.append)
    qtbot.mouseClick(window.call_panel.buttons["hangup"], LEFT)
    wait_for(qtbot, lambda: ended)
    assert ended[0].state is CallState.DISCONNECTED
    assert ended[0].elapsed() >= 2.0
    assert phone.call is None
    assert window.call_panel.state_label.text() == "Call ended"
    assert window.call_panel.timer_text() == "00:00"
    assert window.actions["dial"].isEnabled()
    assert not window.dial_panel.entry.isReadOnly()  # typing numbers again
    wait_for(qtbot, lambda: not line.engine.active_call_ids())


def test_dial_with_keyboard_enter_and_hang_up_with_escape(qtbot, window, line) -> None:
    phone = window.phone
    assert "Esc" in window.actions["hangup"].toolTip()
    assert (
        "Return" in window.actions["dial"].toolTip() or "Enter" in window.actions["dial"].toolTip()
    )
    dial_from_keyboard(qtbot, window)
    ended: list = []
    phone.call_ended.connect(ended.append)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    wait_for(qtbot, lambda: ended)
    assert phone.call is None


def test_hold_mute_dtmf_and_quality_in_call(qtbot, window, line) -> None:
    phone = window.phone
    engine_states: list[CallStateChanged] = []
    dtmf: list[DtmfReceived] = []
    line.engine.call_state_changed.connect(engine_states.append)
    line.engine.dtmf_received.connect(dtmf.append)
    everything: list = []  # shown if a wait below times out
    line.engine.add_listener(everything.append)
    dial_from_keyboard(qtbot, window)
    assert phone.call is not None
    call_id = phone.call.call_id

    def engine_says(**fields: bool) -> bool:
        mine = [e for e in engine_states if e.call_id == call_id]
        return bool(mine) and all(getattr(mine[-1], k) == v for k, v in fields.items())

    hold_button = window.call_panel.buttons["hold"]
    qtbot.mouseClick(hold_button, LEFT)
    wait_for(qtbot, lambda: engine_says(on_hold=True))  # pjsua2 sent the hold re-INVITE
    assert phone.call.on_hold
    assert hold_button.isChecked() and window.actions["hold"].isChecked()
    assert window.call_panel.state_label.text() == "On hold"

    qtbot.mouseClick(hold_button, LEFT)
    wait_for(qtbot, lambda: engine_says(on_hold=False))
    assert not phone.call.on_hold
    assert not hold_button.isChecked()
    assert window.call_panel.state_label.text() == "In call"

    qtbot.keyClick(window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    wait_for(qtbot, lambda: engine_says(muted=True))
    assert phone.call.muted and window.call_panel.buttons["mute"].isChecked()
    qtbot.mouseClick(window.call_panel.buttons["mute"], LEFT)
    wait_for(qtbot, lambda: engine_says(muted=False))
    assert not window.actions["mute"].isChecked()

    # In a call the pad sends DTMF (heard by the callee account) instead of typing.
    qtbot.mouseClick(window.dial_panel.pad.buttons["5"], LEFT)
    try:
        wait_for(
            qtbot, lambda: any(d.digit == "5" and d.call_id in line.callee_calls for d in dtmf)
        )
    except Exception:
        raise AssertionError(f"no DTMF 5 at the callee; events: {everything[-30:]}") from None
    assert window.dial_panel.number() == CALLEE
    # ... and so do digits typed on the keyboard, even with the number entry focused.
    window.dial_panel.entry.setFocus()
    qtbot.keyClicks(window.dial_panel.entry, "7")
    wait_for(qtbot, lambda: any(d.digit == "7" and d.call_id in line.callee_calls for d in dtmf))
    assert window.dial_panel.number() == CALLEE

    quality = window.call_panel.quality
    wait_for(qtbot, lambda: phone.call.stats and phone.call.stats.rx_packets > 0, 5)
    stats = phone.call.stats
    assert stats.rx_loss_pct == 0.0 and quality.stats is stats
    assert quality.colour_name() == quality_level(stats.mos).value
    assert quality.colour_name() in ("green", "amber")  # loopback: no loss, tiny jitter
    assert "MOS" in quality.toolTip() and "Jitter" in quality.toolTip()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    wait_for(qtbot, lambda: phone.call is None)


def test_incoming_call_prompt_answered_with_a_click(qtbot, window, line, sipp_uac, ringer) -> None:
    phone = window.phone
    uac = sipp_uac(pause_ms=1500)
    wait_for(qtbot, lambda: window.incoming_dialog is not None)
    dialog = window.incoming_dialog
    assert dialog.isVisible()
    assert ringer.ringing
    pause(qtbot, 0.3)
    assert ringer.sink.stat().st_size > 44  # ring samples are being written
    assert "sipp" in dialog.caller_label.text()
    assert window.actions["answer"].isEnabled()
    assert not window.actions["dial"].isEnabled()

    qtbot.mouseClick(dialog.answer_button, LEFT)
    wait_for(qtbot, lambda: talking(phone))
    assert phone.call.direction is CallDirection.INCOMING
    assert window.incoming_dialog is None
    assert not ringer.ringing
    wait_for(qtbot, lambda: phone.call is None)  # sipp sends BYE after its pause
    assert uac.wait() == 0, uac.output()


def test_incoming_call_prompt_rejected_with_escape(qtbot, window, line, sipp_uac) -> None:
    phone = window.phone
    states: list[CallStateChanged] = []
    line.engine.call_state_changed.connect(states.append)
    uac = sipp_uac()
    wait_for(qtbot, lambda: window.incoming_dialog is not None)
    dialog = window.incoming_dialog
    call_id = dialog.call.call_id
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    wait_for(
        qtbot,
        lambda: any(s.call_id == call_id and s.state is CallState.DISCONNECTED for s in states),
    )
    assert phone.call is None and phone.incoming is None
    assert window.incoming_dialog is None
    assert not window.ringer.ringing
    assert uac.wait() != 0  # sipp's UAC expected 200 and got 603 Decline


def test_incoming_call_cancelled_by_the_caller_closes_the_prompt(
    qtbot, window, line, sipp_uac
) -> None:
    phone = window.phone
    uac = sipp_uac(scenario="uac-invite-cancel")
    wait_for(qtbot, lambda: window.incoming_dialog is not None)
    assert window.incoming_dialog.caller_label.text() == "Ravi Kumar (9812345678)"
    assert window.ringer.ringing
    wait_for(qtbot, lambda: window.incoming_dialog is None)  # CANCEL after a second
    assert phone.incoming is None and phone.call is None
    assert not window.ringer.ringing
    assert window.actions["dial"].isEnabled()
    assert uac.wait() == 0, uac.output()


def test_audio_device_change_during_call(qtbot, window, line, file_devices) -> None:
    made, _provider = file_devices
    old = line.engine.audio_device
    dial_from_keyboard(qtbot, window)
    wait_for(qtbot, lambda: old.stats.frames_in > 10)

    dialog = window.open_settings()
    dialog.choose_device("capture_device", "File headset B")
    dialog.choose_device("playback_device", "File headset B")
    apply_button = dialog.findChild(QPushButton, "apply_button")
    qtbot.mouseClick(apply_button, LEFT)
    new = window.switcher.current
    assert new is not None and new in made and new.name == "File headset B"
    assert line.engine.audio_device is new
    wait_for(qtbot, lambda: new.stats.frames_in >= 25 and new.stats.frames_out >= 25)
    frozen = old.stats.frames_in
    pause(qtbot, 0.4)
    assert old.stats.frames_in == frozen  # the old device gets nothing after the switch
    assert talking(window.phone)
    saved = config.load()
    assert (saved.capture_device, saved.playback_device) == ("File headset B", "File headset B")
    dialog.accept()  # OK: nothing more changed, so no second switch
    assert window.switcher.current is new
    qtbot.mouseClick(window.call_panel.buttons["hangup"], LEFT)
    wait_for(qtbot, lambda: window.phone.call is None)


def test_failed_call_shows_code_and_reason(qtbot, window, line) -> None:
    phone = window.phone
    failures: list = []
    phone.failure_reported.connect(failures.append)
    qtbot.keyClicks(window.dial_panel.entry, "sip:nobody@127.0.0.1:9")  # discard port
    window.dial_panel.entry.setText(f"sip:nobody@{line.domain}")  # no such account: 404
    qtbot.keyClick(window.dial_panel.entry, Qt.Key.Key_Return)
    wait_for(qtbot, lambda: failures and phone.call is None)
    assert failures[-1].code >= 400, failures
    assert str(failures[-1].code) in window.call_panel.state_label.text()
    assert time.monotonic() > 0
