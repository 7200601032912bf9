"""A supervisor logging in through the real login screen and the real server gets the board
window (not the caller window), with a SIP account to monitor from and the board feed
running; logout (Ctrl+Shift+L) revokes the token and shows the login screen again. A caller's
login on the same app still opens the caller window."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from memkeyring import MemoryKeyring

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from server_live import PASSWORD, Live

from softphone.phone import Phone
from ui.campaign_app import CampaignApp
from ui.main_window import MainWindow
from ui.supervisor_window import SupervisorWindow


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        with Live.running(f"sqlite:///{tmp_path / 'server.db'}") as server:
            yield server
    finally:
        keyring.set_keyring(previous)


def log_in(qtbot, app: CampaignApp, username: str):
    dialog = app.show_login(username, PASSWORD)
    dialog.submit()
    qtbot.waitUntil(lambda: app.window is not None or not dialog.busy, timeout=15000)
    assert app.window is not None, dialog.error_label.text()
    return app.window


def test_supervisor_login_opens_the_board_and_logout_returns(qtbot, line, settings, live):
    world = live.setup(contacts=2, callers=1)
    app = CampaignApp(line.engine, Phone(line.engine), settings, server_url=live.url,
                      registers=False, board_options={"retry_base_s": 0.1})  # fmt: skip
    try:
        window = log_in(qtbot, app, world.supervisor)
        assert isinstance(window, SupervisorWindow) and window.isVisible()
        shift = app.shift
        assert shift is not None and shift.account_id is not None
        monitor = shift.monitor
        assert monitor.stream.running and monitor.client.token
        assert world.supervisor.replace("_", " ").title() in window.windowTitle()
        token = monitor.client.token
        window.logout_action.trigger()
        qtbot.waitUntil(lambda: app.dialog is not None and app.shift is None, timeout=5000)
        assert not monitor.stream.running
        assert live.client(token).get("/leases").status_code == 401  # the token was revoked
        # a caller on the same app still gets the caller window
        app.dialog.close()
        caller_window = log_in(qtbot, app, world.callers[0])
        assert isinstance(caller_window, MainWindow)
    finally:
        app.close()


def test_a_revoked_token_asks_for_the_password_and_the_board_comes_back(
    qtbot, line, settings, live
) -> None:
    world = live.setup(contacts=0, callers=1)
    app = CampaignApp(line.engine, Phone(line.engine), settings, server_url=live.url,
                      registers=False, board_options={"retry_base_s": 0.1,
                                                      "retry_cap_s": 0.5})  # fmt: skip
    try:
        window = log_in(qtbot, app, world.supervisor)
        qtbot.waitUntil(lambda: "Board live" in window.link_label.text(), timeout=5000)
        old = app.shift.monitor.client.token
        assert live.client(old).post("/logout").status_code == 204  # revoked elsewhere
        qtbot.waitUntil(lambda: app.dialog is not None, timeout=10000)
        dialog = app.dialog
        assert "expired" in dialog.error_label.text() and dialog.username.isReadOnly()
        assert "offline" in window.link_label.text()
        dialog.password.setText(PASSWORD)
        dialog.submit()
        qtbot.waitUntil(lambda: "Board live" in window.link_label.text(), timeout=10000)
        assert app.window is window and app.shift.monitor.client.token != old
    finally:
        app.close()
