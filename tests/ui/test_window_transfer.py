"""Blind transfer from the window: Ctrl+T, type the target, the REFER reaches sipp, sipp's
NOTIFY reports 200, the window shows it and the engine hangs up the transferred call."""

from __future__ import annotations

from PySide6.QtCore import Qt

from softphone.sip.events import CallState, TransferProgress


def wait_for(qtbot, predicate, timeout_s: float = 10.0) -> None:
    qtbot.waitUntil(lambda: bool(predicate()), timeout=int(timeout_s * 1000))


def test_blind_transfer_from_keyboard(qtbot, window, line, sipp_uas) -> None:
    uas = sipp_uas("uas-transfer")
    phone = window.phone
    progress: list[TransferProgress] = []
    phone.transfer_progressed.connect(progress.append)
    entry = window.dial_panel.entry
    entry.setText(uas.uri())
    qtbot.keyClick(entry, Qt.Key.Key_Return)
    wait_for(qtbot, lambda: phone.call is not None and phone.call.state is CallState.CONFIRMED)
    assert "Ctrl+T" in window.actions["transfer"].toolTip()

    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    dialog = window.transfer_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.setTextValue("3003")
    dialog.accept()

    wait_for(qtbot, lambda: any(p.final for p in progress))
    final = next(p for p in progress if p.final)
    assert final.code == 200, progress
    assert "Transfer: 200" in window.statusBar().currentMessage()
    wait_for(qtbot, lambda: phone.call is None)  # transferred: the engine hangs up
    assert uas.wait() == 0, uas.output()
