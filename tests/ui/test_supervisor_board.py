"""The supervisor's board window (offscreen) on the real server's feed (uvicorn, SQLite,
``GET /api/v1/board/events``): six callers log in and post presence over HTTP; state and
quality colours, the time column ticks, a change reaches the board within 2 s, filter and
sort, buttons enabled only where they can work (a real engine places the monitor call), Hindi
applies live. The fault test (the feed down, offline shown, back) and two tests that need no
particular board use a real-HTTP stand-in of the feed (tests/ui/supervisor_standin.py), which
can refuse on demand."""

from __future__ import annotations

import socket
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import update
from supervisor_standin import TOKEN, BoardStandIn, board_row

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from server_live import _HASH, PASSWORD, Live

from server import admin
from server.tables import users
from softphone.campaign.lanes import InlineLane
from softphone.monitor.board import BoardStream
from softphone.monitor.supervisor import PBX, Phase, SupervisorSession
from softphone.sip.events import MonitorMode
from ui.supervisor_board import COLOUR_ROLE, COLUMNS, ROW_ROLE
from ui.supervisor_window import SupervisorWindow

NAMES = ("Asha", "Bablu", "Chetan", "Dinesh", "Esha", "Farid")


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[Live]:
    with Live.running(f"sqlite:///{tmp_path_factory.mktemp('board') / 'server.db'}") as server:
        yield server


class Room:
    """Six callers of one centre on the real server, each in a different state:
    Asha on a call (65 s, MOS 4.3), Bablu ready, Chetan paused (meal), Dinesh in wrap-up
    (MOS 3.7), Esha never logged in, Farid on a call (MOS 3.1) but with no SIP identity."""

    def __init__(self, live: Live) -> None:
        self.live = live
        world = live.setup(contacts=8, callers=0)
        self.campaign_id = world.campaign_id
        tag = uuid.uuid4().hex[:6]
        self.id: dict[str, int] = {}
        with live.engine.begin() as conn:
            for name in NAMES:
                self.id[name] = admin.create_user(
                    conn, f"{name.lower()}_{tag}", "caller", world.centre_id, PASSWORD,
                    password_hash=_HASH,
                )[0]  # fmt: skip
                conn.execute(update(users).where(users.c.id == self.id[name])
                             .values(display_name=name))  # fmt: skip
            sup = f"sup_{tag}"
            admin.create_user(conn, sup, "supervisor", world.centre_id, PASSWORD,
                              password_hash=_HASH)  # fmt: skip
            conn.execute(update(users).where(users.c.id == self.id["Farid"])
                         .values(sip_username=None))  # fmt: skip
        self.token = live.login(sup).login_reply["token"]  # type: ignore[attr-defined]
        self.http = {n: live.login(f"{n.lower()}_{tag}") for n in NAMES if n != "Esha"}
        self.contact: dict[str, Any] = {}
        self.post("Asha", "on_call", call_s=65, mos=4.3)
        self.post("Bablu", "ready")
        self.post("Chetan", "paused", reason="meal")
        self.post("Dinesh", "wrap_up", mos=3.7)
        self.post("Farid", "on_call", call_s=5, mos=3.1)

    def post(self, name: str, state: str, *, call_s: float | None = None,
             mos: float | None = None, reason: str | None = None) -> None:  # fmt: skip
        http = self.http[name]
        body: dict[str, Any] = {"state": state}
        if state in ("on_call", "wrap_up"):
            reply = http.post("/leases", json={"campaign_id": self.campaign_id, "count": 1})
            contact = reply.json()["leases"][0]["contact"]
            self.contact[name] = contact
            body["contact_id"] = contact["id"]
        if call_s is not None:
            body["call_started_at"] = (datetime.now(UTC) - timedelta(seconds=call_s)).isoformat()
        if mos is not None:
            body["quality"] = {"mos": mos, "loss_pct": 0.5, "jitter_ms": 10.0}
        if reason is not None:
            body["reason"] = reason
        reply = http.post("/presence", json=body)
        assert reply.status_code == 200, reply.text

    def set_sip_domain(self, name: str, domain: str) -> None:
        with self.live.engine.begin() as conn:
            conn.execute(update(users).where(users.c.id == self.id[name])
                         .values(sip_domain=domain))  # fmt: skip


@pytest.fixture
def room(live: Live) -> Room:
    return Room(live)


@pytest.fixture
def standin() -> Iterator[BoardStandIn]:
    server = BoardStandIn(keepalive_s=0.5)
    yield server
    server.stop()


def make_window(qtbot, line, settings, url: str, token: str, *, account=True, backend="builtin"):
    stream = BoardStream(url, lambda: token, on_snapshot=lambda s: None,
                         retry_base_s=0.05, retry_cap_s=0.2)  # fmt: skip
    session = SupervisorSession(
        line.engine, line.agent if account else None, None, InlineLane(),
        backend=backend, stream=stream,
    )  # fmt: skip
    window = SupervisorWindow(session, line.engine, settings, username="Sup One")
    session.setParent(window)
    qtbot.addWidget(window, before_close_func=lambda _w: session.close())
    window.show()
    session.start()
    qtbot.waitUntil(lambda: window.board.proxy.rowCount() > 0, timeout=5000)
    return window, session


def open_room(qtbot, line, settings, room: Room, **kw):
    return make_window(qtbot, line, settings, room.live.url, room.token, **kw)


def cell(window: SupervisorWindow, agent_id: int, column: str, role=Qt.ItemDataRole.DisplayRole):
    proxy = window.board.proxy
    for r in range(proxy.rowCount()):
        if proxy.data(proxy.index(r, 0), ROW_ROLE).user_id == agent_id:
            return proxy.index(r, COLUMNS.index(column)).data(role)
    raise AssertionError(f"agent {agent_id} not on the board")


def enabled(window: SupervisorWindow, agent_id: int) -> dict[str, bool]:
    buttons = window.board.buttons_for(agent_id)
    assert buttons is not None
    return {name: b.isEnabled() for name, b in buttons.buttons.items()}


def test_board_follows_the_server_with_colours_and_ticking_time(
    qtbot, line, settings, room
) -> None:
    window, _session = open_room(qtbot, line, settings, room)
    a = room.id
    assert window.board.proxy.rowCount() == 6 and "Board live" in window.link_label.text()
    colours = {n: cell(window, a[n], "state", COLOUR_ROLE) for n in NAMES}
    assert colours == {"Asha": "blue", "Bablu": "green", "Chetan": "grey", "Dinesh": "amber",
                       "Esha": "light", "Farid": "blue"}  # fmt: skip
    assert cell(window, a["Chetan"], "state") == "Paused (meal)"
    qualities = [cell(window, a[n], "quality", COLOUR_ROLE) for n in ("Asha", "Dinesh", "Farid")]
    assert qualities == ["green", "amber", "red"]
    assert cell(window, a["Asha"], "quality") == "4.3" and cell(window, a["Bablu"], "quality") == ""
    contact = room.contact["Asha"]
    assert cell(window, a["Asha"], "contact") == contact["name"]
    assert cell(window, a["Asha"], "booth") == (
        f"{contact['state']} / {contact['assembly_constituency']} / {contact['booth_number']}"
    )
    assert cell(window, a["Esha"], "time") == ""  # never logged in
    first = cell(window, a["Asha"], "time")
    assert first in ("1:05", "1:06", "1:07")
    qtbot.waitUntil(lambda: cell(window, a["Asha"], "time") != first, timeout=2500)
    # a caller's state changes on the server: the board follows within 2 s
    assert not enabled(window, a["Bablu"])["listen"]
    room.post("Bablu", "on_call", call_s=0)
    qtbot.waitUntil(lambda: cell(window, a["Bablu"], "state", COLOUR_ROLE) == "blue", timeout=2000)
    assert cell(window, a["Bablu"], "contact") == room.contact["Bablu"]["name"]
    assert enabled(window, a["Bablu"])["listen"]


def test_buttons_are_enabled_only_where_they_can_work(qtbot, line, settings, room) -> None:
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # takes the INVITE, never answers
    silent.bind(("127.0.0.1", 0))
    room.set_sip_domain("Asha", f"127.0.0.1:{silent.getsockname()[1]}")
    try:
        window, session = open_room(qtbot, line, settings, room, backend=PBX)
        a = room.id
        assert enabled(window, a["Asha"]) == {
            "listen": True, "whisper": True, "barge": True, "stop": False,
        }  # fmt: skip
        for name in ("Bablu", "Chetan", "Dinesh", "Esha", "Farid"):  # no call, or no SIP address
            assert not any(enabled(window, a[name]).values()), name
        qtbot.mouseClick(window.board.buttons_for(a["Asha"]).buttons["listen"],
                         Qt.MouseButton.LeftButton)  # fmt: skip
        assert session.status.phase == Phase.CALLING and session.status.mode is MonitorMode.LISTEN
        assert enabled(window, a["Asha"]) == {
            "listen": False, "whisper": False, "barge": False, "stop": True,
        }  # fmt: skip
        assert (
            window.stop_button.isEnabled() and "Connecting to Asha" in window.monitor_label.text()
        )
        qtbot.mouseClick(window.stop_button, Qt.MouseButton.LeftButton)
        assert session.status.agent_id is None and session.call_id is None
        assert enabled(window, a["Asha"])["listen"] and not window.stop_button.isEnabled()
    finally:
        silent.close()


def test_no_sip_account_means_no_monitor_buttons(qtbot, line, settings, standin) -> None:
    standin.publish([board_row(1, "asha", "on_call", call_seconds=3)])
    window, _session = make_window(qtbot, line, settings, standin.url, TOKEN, account=False)
    assert not any(enabled(window, 1).values())


def test_filter_and_sort(qtbot, line, settings, room) -> None:
    window, _session = open_room(qtbot, line, settings, room)
    view = window.board
    assert view.proxy_texts("caller") == list(NAMES)
    qtbot.keyClicks(window.filter, room.contact["Dinesh"]["name"].upper())
    assert view.proxy_texts("caller") == ["Dinesh"]
    window.filter.setText("PAUSED")
    assert view.proxy_texts("caller") == ["Chetan"]
    window.filter.setText("on call")  # the state as shown
    assert view.proxy_texts("caller") == ["Asha", "Farid"]
    window.filter.setText("bankipur")  # the booth
    assert set(view.proxy_texts("caller")) == {"Asha", "Dinesh", "Farid"}
    assert view.buttons_for(room.id["Asha"]) is not None
    assert view.buttons_for(room.id["Bablu"]) is None
    window.filter.clear()
    view.sortByColumn(COLUMNS.index("time"), Qt.SortOrder.DescendingOrder)
    assert view.proxy_texts("caller")[0] == "Asha"
    view.sortByColumn(COLUMNS.index("quality"), Qt.SortOrder.DescendingOrder)
    assert view.proxy_texts("caller")[:3] == ["Asha", "Dinesh", "Farid"]
    view.sortByColumn(COLUMNS.index("state"), Qt.SortOrder.AscendingOrder)
    assert view.proxy_texts("state")[0] == "Ready"
    view.sortByColumn(COLUMNS.index("caller"), Qt.SortOrder.DescendingOrder)
    assert view.proxy_texts("caller") == list(reversed(NAMES))
    for name in NAMES:  # every visible row still has its own buttons
        assert view.buttons_for(room.id[name]) is not None


def test_offline_is_shown_while_the_feed_is_down(qtbot, line, settings, standin) -> None:
    standin.publish([board_row(1, "asha"), board_row(2, "bablu", "on_call", call_seconds=3)])
    window, session = make_window(qtbot, line, settings, standin.url, TOKEN)
    qtbot.waitUntil(lambda: "Board live" in window.link_label.text(), timeout=5000)
    standin.refuse = 503
    standin.drop_all()
    qtbot.waitUntil(lambda: "offline" in window.link_label.text(), timeout=5000)
    assert window.board.proxy.rowCount() == 2  # the last board stays visible
    standin.refuse = None
    qtbot.waitUntil(lambda: "Board live" in window.link_label.text(), timeout=5000)
    session.close()
    assert not session.stream.running


def test_logout_shortcut_and_settings_dialog(qtbot, line, settings, standin) -> None:
    standin.publish([board_row(1, "asha")])
    window, _session = make_window(qtbot, line, settings, standin.url, TOKEN)
    with qtbot.waitSignal(window.logout_requested, timeout=1000):
        window.logout_action.trigger()
    dialog = window.open_settings()
    assert dialog.isVisible()
    dialog.reject()


def test_hindi_applies_live_to_the_board_and_the_session_sentences(
    qtbot, line, settings, room, qapp
) -> None:
    from ui import i18n

    window, session = open_room(qtbot, line, settings, room)
    a = room.id
    problems: list[str] = []
    session.problem.connect(problems.append)
    try:
        assert i18n.install(qapp, "hi")
        qtbot.waitUntil(lambda: window.windowTitle().startswith("संपर्क — पर्यवेक्षक"))
        assert window.board.buttons_for(a["Asha"]).buttons["listen"].text() == "सुनें"
        assert cell(window, a["Bablu"], "state") == "तैयार"
        assert window.board.model().headerData(0, Qt.Orientation.Horizontal) == "कॉलर"
        window.filter.setText("विराम")  # the state as shown in Hindi
        assert window.board.proxy_texts("caller") == ["Chetan"]
        session.listen(a["Bablu"])  # not on a call
        assert problems == ["Bablu ऐसी कॉल पर नहीं हैं जिसकी निगरानी हो सके।"]
    finally:
        i18n.install(qapp, "en")
