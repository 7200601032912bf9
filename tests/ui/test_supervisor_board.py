"""The supervisor's board window (offscreen): the board follows the feed over real HTTP
(a stand-in serving the documented ``/board/events`` shapes: tests/ui/supervisor_standin.py),
state and quality colours, the time column ticks, filter and sort, buttons enabled only where
they can work (a real engine places the monitor call), offline shown while the feed is down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from supervisor_standin import TOKEN, BoardStandIn, board_row, contact

from softphone.campaign.lanes import InlineLane
from softphone.monitor.board import BoardStream
from softphone.monitor.supervisor import PBX, Phase, SupervisorSession
from softphone.sip.events import MonitorMode
from ui.supervisor_board import COLOUR_ROLE, COLUMNS
from ui.supervisor_window import SupervisorWindow


@pytest.fixture
def standin() -> Iterator[BoardStandIn]:
    server = BoardStandIn(keepalive_s=0.5)
    yield server
    server.stop()


def make_window(qtbot, line, settings, standin, *, account=True, backend="builtin"):
    stream = BoardStream(standin.url, lambda: TOKEN, on_snapshot=lambda s: None,
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
    return window, session


def cell(window: SupervisorWindow, agent_id: int, column: str, role=Qt.ItemDataRole.DisplayRole):
    proxy = window.board.proxy
    for r in range(proxy.rowCount()):
        index = proxy.index(r, COLUMNS.index(column))
        row = proxy.data(proxy.index(r, 0), int(Qt.ItemDataRole.UserRole) + 2)
        if row.user_id == agent_id:
            return index.data(role)
    raise AssertionError(f"agent {agent_id} not on the board")


def enabled(window: SupervisorWindow, agent_id: int) -> dict[str, bool]:
    buttons = window.board.buttons_for(agent_id)
    assert buttons is not None
    return {name: b.isEnabled() for name, b in buttons.buttons.items()}


def room() -> list[dict]:
    """Six callers, their times counted from now."""
    return [
        board_row(1, "asha", "on_call", call_seconds=65, mos=4.3,
                  contact=contact("सुनीता देवी", booth="104"), sip_uri="sip:1001@127.0.0.1:9"),
        board_row(2, "bablu", "ready", since_seconds=30),
        board_row(3, "chetan", "paused", reason="meal", since_seconds=300),
        board_row(4, "dinesh", "wrap_up", mos=3.7, contact=contact("Anil Kumar", booth="101")),
        board_row(5, "esha", "logged_out", since_seconds=4000),
        board_row(6, "farid", "on_call", call_seconds=5, mos=3.1, monitorable=False,
                  contact=contact("Ramesh", booth="102")),
    ]  # fmt: skip


def test_board_follows_the_feed_with_colours_and_ticking_time(
    qtbot, line, settings, standin
) -> None:
    standin.publish(room())
    window, _session = make_window(qtbot, line, settings, standin)
    qtbot.waitUntil(lambda: window.board.proxy.rowCount() == 6, timeout=5000)
    assert "Board live" in window.link_label.text()
    colours = {a: cell(window, a, "state", COLOUR_ROLE) for a in range(1, 6)}
    assert colours == {1: "blue", 2: "green", 3: "grey", 4: "amber", 5: "light"}
    assert cell(window, 3, "state") == "Paused (meal)"
    assert [cell(window, a, "quality", COLOUR_ROLE) for a in (1, 4, 6)] == ["green", "amber", "red"]
    assert cell(window, 1, "quality") == "4.3" and cell(window, 2, "quality") == ""
    assert cell(window, 1, "booth") == "Bihar / Bankipur / 104"
    assert cell(window, 1, "contact") == "सुनीता देवी"
    assert cell(window, 5, "time") in ("1:06:40", "1:06:41")
    first = cell(window, 1, "time")
    assert first in ("1:05", "1:06")
    qtbot.waitUntil(lambda: cell(window, 1, "time") not in (first,), timeout=2500)
    # a caller's state changes on the server: the board follows within 2 s
    changed = room()
    changed[1] = board_row(2, "bablu", "on_call", call_seconds=0, sip_uri="sip:1002@127.0.0.1:9",
                           contact=contact("New Contact", booth="105"))  # fmt: skip
    standin.publish(changed)
    qtbot.waitUntil(lambda: cell(window, 2, "state", COLOUR_ROLE) == "blue", timeout=2000)
    assert cell(window, 2, "contact") == "New Contact"
    assert enabled(window, 2)["listen"]


def test_buttons_are_enabled_only_where_they_can_work(qtbot, line, settings, standin) -> None:
    standin.publish(room())
    window, session = make_window(qtbot, line, settings, standin, backend=PBX)
    qtbot.waitUntil(lambda: window.board.proxy.rowCount() == 6, timeout=5000)
    assert enabled(window, 1) == {"listen": True, "whisper": True, "barge": True, "stop": False}
    for agent in (2, 3, 4, 5, 6):  # not on a call, or the server says not monitorable
        assert not any(enabled(window, agent).values()), agent
    # Listen on asha: the PBX backend dials at once (nobody answers on port 9 → stays CALLING)
    qtbot.mouseClick(window.board.buttons_for(1).buttons["listen"], Qt.MouseButton.LeftButton)
    assert session.status.phase == Phase.CALLING and session.status.mode is MonitorMode.LISTEN
    assert enabled(window, 1) == {"listen": False, "whisper": False, "barge": False, "stop": True}
    assert window.stop_button.isEnabled() and "Connecting to Asha" in window.monitor_label.text()
    qtbot.mouseClick(window.stop_button, Qt.MouseButton.LeftButton)
    assert session.status.agent_id is None and session.call_id is None
    assert enabled(window, 1)["listen"] and not window.stop_button.isEnabled()


def test_no_sip_account_means_no_monitor_buttons(qtbot, line, settings, standin) -> None:
    standin.publish(room())
    window, _session = make_window(qtbot, line, settings, standin, account=False)
    qtbot.waitUntil(lambda: window.board.proxy.rowCount() == 6, timeout=5000)
    assert not any(enabled(window, 1).values())


def test_filter_and_sort(qtbot, line, settings, standin) -> None:
    standin.publish(room())
    window, _session = make_window(qtbot, line, settings, standin)
    view = window.board
    qtbot.waitUntil(lambda: view.proxy.rowCount() == 6, timeout=5000)
    assert view.proxy_texts("caller") == ["Asha", "Bablu", "Chetan", "Dinesh", "Esha", "Farid"]
    qtbot.keyClicks(window.filter, "104")
    assert view.proxy_texts("caller") == ["Asha"]
    window.filter.setText("PAUSED")
    assert view.proxy_texts("caller") == ["Chetan"]
    window.filter.setText("anil")  # the contact's name
    assert view.proxy_texts("caller") == ["Dinesh"]
    window.filter.setText("on call")  # the state as shown
    assert view.proxy_texts("caller") == ["Asha", "Farid"]
    assert view.buttons_for(1) is not None and view.buttons_for(2) is None
    window.filter.clear()
    view.sortByColumn(COLUMNS.index("time"), Qt.SortOrder.DescendingOrder)
    assert view.proxy_texts("caller")[:3] == ["Esha", "Chetan", "Asha"]
    view.sortByColumn(COLUMNS.index("quality"), Qt.SortOrder.DescendingOrder)
    assert view.proxy_texts("caller")[:3] == ["Asha", "Dinesh", "Farid"]
    view.sortByColumn(COLUMNS.index("state"), Qt.SortOrder.AscendingOrder)
    assert view.proxy_texts("state")[0] == "Ready"
    for agent in range(1, 7):  # every visible row still has its own buttons
        assert view.buttons_for(agent) is not None


def test_offline_is_shown_while_the_feed_is_down(qtbot, line, settings, standin) -> None:
    standin.publish(room()[:2])
    window, session = make_window(qtbot, line, settings, standin)
    qtbot.waitUntil(lambda: "Board live" in window.link_label.text(), timeout=5000)
    standin.refuse = 503
    standin.drop_all()
    qtbot.waitUntil(lambda: "offline" in window.link_label.text(), timeout=5000)
    assert window.board.proxy.rowCount() == 2  # the last board stays visible
    standin.refuse = None
    qtbot.waitUntil(lambda: "Board live" in window.link_label.text(), timeout=5000)
    session.close()
    assert not session.stream.running


def test_logout_shortcut_and_settings_dialog(qtbot, line, settings, standin, tmp_path: Path):
    window, _session = make_window(qtbot, line, settings, standin)
    with qtbot.waitSignal(window.logout_requested, timeout=1000):
        window.logout_action.trigger()
    dialog = window.open_settings()
    assert dialog.isVisible()
    dialog.reject()


def test_hindi_applies_live_to_the_board_and_the_session_sentences(
    qtbot, line, settings, standin, qapp
) -> None:
    from ui import i18n

    standin.publish(room())
    window, session = make_window(qtbot, line, settings, standin)
    qtbot.waitUntil(lambda: window.board.proxy.rowCount() == 6, timeout=5000)
    problems: list[str] = []
    session.problem.connect(problems.append)
    try:
        assert i18n.install(qapp, "hi")
        qtbot.waitUntil(lambda: window.windowTitle().startswith("संपर्क — पर्यवेक्षक"))
        assert window.board.buttons_for(1).buttons["listen"].text() == "सुनें"
        assert cell(window, 2, "state") == "तैयार"
        assert window.board.model().headerData(0, Qt.Orientation.Horizontal) == "कॉलर"
        window.filter.setText("विराम")  # the state as shown in Hindi
        assert window.board.proxy_texts("caller") == ["Chetan"]
        session.listen(2)  # not on a call
        assert problems == ["Bablu ऐसी कॉल पर नहीं हैं जिसकी निगरानी हो सके।"]
    finally:
        i18n.install(qapp, "en")
