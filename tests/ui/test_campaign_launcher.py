"""``sampark gui`` with a central server configured starts at the login screen (and explains
an unreachable server); ``sampark demo`` logs the demo caller in to the embedded server and
the whole loop runs from the keyboard: F5, Enter dials the contact (the simulated callee
answers), Esc, 1, Enter — and the outcome is acknowledged by the server."""

from __future__ import annotations

import socket

from PySide6.QtCore import Qt

from softphone import config
from softphone.campaign.workflow import WorkflowState
from ui import launcher

KEY = Qt.Key


def refused_port() -> int:
    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gui_with_a_server_starts_at_login_and_explains_unreachable(qtbot, profile) -> None:
    url = f"http://127.0.0.1:{refused_port()}"
    parts = launcher.build_gui(config.load({"server_url": url, "audio_backend": "null"}))
    try:
        assert parts.campaign is not None and parts.window is None
        parts.show()
        dialog = parts.campaign.dialog
        assert dialog is not None and dialog.isVisible()
        assert dialog.server.text() == url and dialog.server.isReadOnly()
        qtbot.keyClicks(dialog.username, "caller1")
        qtbot.keyClicks(dialog.password, "secret")
        qtbot.keyClick(dialog.password, KEY.Key_Return)
        qtbot.waitUntil(lambda: not dialog.busy, timeout=10000)
        assert "cannot be reached" in dialog.error_label.text()
        assert parts.campaign.window is None
    finally:
        parts.shutdown()


def test_demo_logs_in_and_the_loop_runs_from_the_keyboard(qtbot, profile) -> None:
    parts = launcher.build_demo(config.load({"audio_backend": "null"}))
    try:
        window = parts.window
        assert window is not None and window.campaign_view is not None
        window.show()
        qtbot.waitExposed(window)
        target = window.focusWidget() or window
        qtbot.keyClick(target, KEY.Key_F5)
        qtbot.waitUntil(lambda: window.workflow.state is WorkflowState.PREVIEW, timeout=15000)
        panel = window.campaign_view.script_panel
        qtbot.waitUntil(lambda: "नमस्ते" in panel.text() or "Namaste" in panel.text())
        qtbot.keyClick(window.focusWidget() or window, KEY.Key_Return)
        qtbot.waitUntil(lambda: window.workflow.state is WorkflowState.IN_CALL, timeout=10000)
        qtbot.wait(1000)
        qtbot.keyClick(window.focusWidget() or window, KEY.Key_Escape)
        qtbot.waitUntil(lambda: window.workflow.state is WorkflowState.WRAP_UP, timeout=10000)
        qtbot.keyClick(window.focusWidget() or window, KEY.Key_1)
        qtbot.keyClick(window.focusWidget() or window, KEY.Key_Return)
        history = window.campaign_view.history
        qtbot.waitUntil(
            lambda: history.rowCount() == 1 and history.cell_text(0, "sync") == "synced",
            timeout=15000,
        )
        assert history.cell_text(0, "outcome") == "Answered — completed"
        assert [r.what for r in parts.callee.reactions()][:1] == ["answered"]
    finally:
        parts.shutdown()
