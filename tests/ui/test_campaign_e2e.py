"""End to end, offscreen: the real server (uvicorn on loopback, SQLite), the real SIP engine
with the simulated callee, the real ``CallerWorkflow`` + ``SyncWorker`` built by
``ui.campaign_app.CampaignApp`` exactly as ``sampark gui`` builds them.

Login through the login dialog → F5 → the leased contact's card → Enter dials the callee →
Esc hangs up → key 1 (completed) → Enter saves → the outcome is on the server with its
disposition and media statistics; the status bar shows online / 0 waiting. With the server
stopped, a saved outcome shows offline / 1 waiting, then online / 0 once it is back.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from server_live import PASSWORD, Live, UvicornThread, World

from server import admin
from server.app import create_app
from server.tables import outcomes, users
from softphone.audio.files import FileDevice
from softphone.campaign.workflow import WorkflowState
from softphone.demo import DemoCallee
from softphone.phone import Phone
from softphone.sip.engine import SipEngine
from softphone.sip.spec import EndpointSpec
from ui.campaign_app import CampaignApp

KEY = Qt.Key
HINDI = {
    "language": "hi",
    "title": "परिचय",
    "sections": [{"title": "नमस्ते", "text": "नमस्ते {{name}} जी, बूथ {{booth_number}} से।"}],
    "questions": [{"key": "aware", "text": "क्या आपने सुना?", "options": ["हाँ", "नहीं"]}],
}
FAST_RETRY = {"retry_base_s": 0.3, "retry_cap_s": 1.0, "lease_check_s": 1.0}


class Server:
    """The real app under uvicorn; ``stop()`` and ``start()`` again on the same port."""

    def __init__(self, db: Path) -> None:
        self.app = create_app(f"sqlite:///{db}")
        self.thread = UvicornThread(self.app).start()
        self.live = Live(self.app, self.thread)
        self.url = self.thread.url

    def stop(self) -> None:
        self.thread.stop()

    def start(self) -> None:
        self.thread = UvicornThread(self.app, port=self.thread.port).start()

    def close(self) -> None:
        self.live.close()
        self.thread.stop()
        self.app.state.engine.dispose()

    def outcomes(self) -> list[Any]:
        with self.app.state.engine.connect() as conn:
            return list(conn.execute(select(outcomes)))


@dataclass
class Rig:
    server: Server
    world: World
    engine: SipEngine
    callee: DemoCallee
    app: CampaignApp

    @property
    def caller(self) -> str:
        return self.world.callers[0]


@pytest.fixture
def rig(tmp_path: Path, qapp, settings, ring) -> Iterator[Rig]:
    server = Server(tmp_path / "server.db")
    world = server.live.setup(contacts=4, callers=1)
    spec = EndpointSpec(bind_address="127.0.0.1", udp_port=0, tcp_port=None, log_level=1)
    engine = SipEngine(spec, audio_device=FileDevice(record=tmp_path / "heard.wav"))
    engine.start()
    callee = DemoCallee(engine, domain="127.0.0.1")
    callee.start()  # the first account: every contact number reaches it
    with server.live.engine.begin() as conn:
        admin.add_script(conn, world.campaign_id, HINDI)
        conn.execute(users.update().values(sip_domain=callee.dial_domain()))
    phone = Phone(engine)
    app = CampaignApp(
        engine,
        phone,
        settings,
        server_url=server.url,
        journal_path=tmp_path / "journal.sqlite3",
        registers=False,
        lease_ahead=3,
        worker_options=FAST_RETRY,
    )
    try:
        yield Rig(server, world, engine, callee, app)
    finally:
        app.close()
        callee.stop()
        engine.stop()
        server.close()


def log_in(qtbot, rig: Rig, wrong_first: bool = False) -> Any:
    dialog = rig.app.show_login()
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    assert dialog.server.text() == rig.server.url and dialog.server.isReadOnly()
    qtbot.keyClicks(dialog.username, rig.caller)
    if wrong_first:
        qtbot.keyClicks(dialog.password, "not the password")
        qtbot.keyClick(dialog.password, KEY.Key_Return)
        assert dialog.busy  # on the login lane; the GUI thread goes on
        qtbot.waitUntil(lambda: not dialog.busy, timeout=15000)
        assert dialog.error_label.text() == "Wrong user name or password."
        assert rig.app.window is None and dialog.isVisible()
    dialog.password.setText(PASSWORD)
    qtbot.keyClick(dialog.password, KEY.Key_Return)
    qtbot.waitUntil(lambda: rig.app.window is not None, timeout=15000)
    window = rig.app.window  # owned by the CampaignApp (deleted at logout)
    qtbot.waitExposed(window)
    # Monitoring is possible only through the server's grants for this very caller.
    shift = rig.app.shift
    assert shift.monitor.verifier.agent_id == shift.session.user.id
    assert not window.monitor_indicator.isVisible()
    return window


def key(qtbot, window, k: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(window.focusWidget() or window, k, modifier)


def wait_state(qtbot, window, state: WorkflowState, timeout_s: float = 15) -> None:
    qtbot.waitUntil(lambda: window.workflow.state is state, timeout=int(timeout_s * 1000))


def call_and_wrap_up(qtbot, window) -> None:
    key(qtbot, window, KEY.Key_F5)
    wait_state(qtbot, window, WorkflowState.PREVIEW)
    panel = window.campaign_view.script_panel
    qtbot.waitUntil(lambda: "नमस्ते" in panel.text(), timeout=10000)  # scripts fetched
    key(qtbot, window, KEY.Key_Return)
    wait_state(qtbot, window, WorkflowState.IN_CALL)
    qtbot.wait(1500)  # the greeting plays; RTP statistics accumulate
    key(qtbot, window, KEY.Key_Escape)
    wait_state(qtbot, window, WorkflowState.WRAP_UP)


def test_login_call_dispose_by_key_outcome_reaches_the_server(qtbot, rig: Rig) -> None:
    window = log_in(qtbot, rig, wrong_first=True)
    view = window.campaign_view
    assert rig.caller in window.windowTitle()
    call_and_wrap_up(qtbot, window)
    contact = window.workflow.contact
    assert view.contact_card.name_label.text() == contact.name
    assert f"नमस्ते {contact.name} जी" in view.script_panel.text()  # the contact's language
    key(qtbot, window, KEY.Key_1)
    view.wrap_up.survey["aware"].setCurrentIndex(1)
    with qtbot.waitSignal(window.workflow.outcome_saved, timeout=5000) as saved:
        key(qtbot, window, KEY.Key_Return)
    uuid = saved.args[0]
    qtbot.waitUntil(lambda: any(r.uuid == uuid for r in rig.server.outcomes()), timeout=15000)
    (row,) = [r for r in rig.server.outcomes() if r.uuid == uuid]
    assert row.disposition == "completed"
    assert row.contact_id == contact.id and row.phone == contact.phones[0]
    assert row.language == "hi" and row.script_version == 1
    assert row.survey == {"aware": "हाँ"}
    assert row.media and row.media.get("rx_packets", 0) > 0, row.media
    assert row.duration_s > 1.0
    indicator = window.sync_indicator
    qtbot.waitUntil(lambda: indicator.online and indicator.waiting == 0, timeout=10000)
    assert "Online" in indicator.text() and "0 waiting to sync" in indicator.text()
    qtbot.waitUntil(
        lambda: view.history.rowCount() == 1 and view.history.cell_text(0, "sync") == "synced",
        timeout=10000,
    )
    wait_state(qtbot, window, WorkflowState.PREVIEW)  # the next contact is on screen

    key(
        qtbot,
        window,
        KEY.Key_L,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: rig.app.window is None and rig.app.dialog is not None, timeout=5000)
    assert rig.app.dialog.username.text() == rig.caller


def test_server_down_shows_offline_and_queued_then_online(qtbot, rig: Rig) -> None:
    window = log_in(qtbot, rig)
    indicator = window.sync_indicator
    call_and_wrap_up(qtbot, window)
    qtbot.waitUntil(lambda: indicator.online, timeout=10000)
    rig.server.stop()
    key(qtbot, window, KEY.Key_3)  # no answer
    with qtbot.waitSignal(window.workflow.outcome_saved, timeout=5000) as saved:
        key(qtbot, window, KEY.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not indicator.online and indicator.waiting == 1, timeout=15000)
    assert "Offline" in indicator.text() and "1 waiting to sync" in indicator.text()
    assert window.campaign_view.history.cell_text(0, "sync") == "waiting"
    rig.server.start()
    qtbot.waitUntil(lambda: indicator.online and indicator.waiting == 0, timeout=30000)
    assert [r.disposition for r in rig.server.outcomes() if r.uuid == saved.args[0]] == [
        "no_answer"
    ]


def test_revoked_token_asks_for_the_password_and_the_shift_goes_on(qtbot, rig: Rig) -> None:
    window = log_in(qtbot, rig)
    token = rig.app.shift.session.token()
    assert token and rig.server.live.client(token).post("/logout").status_code == 204
    key(qtbot, window, KEY.Key_F5)  # presence "ready" goes out with the revoked token
    qtbot.waitUntil(lambda: rig.app.dialog is not None, timeout=15000)
    dialog = rig.app.dialog
    assert "expired" in dialog.error_label.text()
    assert dialog.username.text() == rig.caller and dialog.username.isReadOnly()
    assert "log in again" in window.sync_indicator.text()
    dialog.password.setText(PASSWORD)
    qtbot.keyClick(dialog.password, KEY.Key_Return)
    qtbot.waitUntil(lambda: rig.app.dialog is None, timeout=15000)
    assert rig.app.window is window  # the same shift, no second window
    indicator = window.sync_indicator
    qtbot.waitUntil(
        lambda: indicator.online and "log in again" not in indicator.text(), timeout=15000
    )
    wait_state(qtbot, window, WorkflowState.PREVIEW)
