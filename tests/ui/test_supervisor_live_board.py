"""The board window on the real server's feed (``GET /api/v1/board/events``, uvicorn, SQLite):
a caller logs in and posts presence with the real sync client; the board follows within 2 s
(ready → on call with the contact, call start and quality), the Listen button is enabled only
on the caller who is on a call; a caller's token is refused (403, not a re-login)."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from PySide6.QtCore import Qt

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from server_live import Live

from softphone.campaign.lanes import Lane
from softphone.monitor.board import BoardLink, BoardStream
from softphone.monitor.supervisor import SupervisorSession
from softphone.sync.client import SyncClient
from ui.supervisor_board import COLOUR_ROLE, COLUMNS, ROW_ROLE
from ui.supervisor_window import SupervisorWindow


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    with Live.running(f"sqlite:///{tmp_path / 'server.db'}") as server:
        yield server


def cell(window: SupervisorWindow, agent_id: int, column: str, role=Qt.ItemDataRole.DisplayRole):
    proxy = window.board.proxy
    for r in range(proxy.rowCount()):
        if proxy.data(proxy.index(r, 0), ROW_ROLE).user_id == agent_id:
            return proxy.index(r, COLUMNS.index(column)).data(role)
    raise AssertionError(f"agent {agent_id} not on the board")


def test_board_follows_a_real_caller_on_the_real_server(qtbot, line, settings, live) -> None:
    world = live.setup(contacts=3, callers=2)
    sup_token = live.login(world.supervisor).login_reply["token"]  # type: ignore[attr-defined]
    first, second = (world.user_ids[name] for name in world.callers)
    http = [requests.Session(), requests.Session()]
    caller = SyncClient(live.url, http[0])
    caller.login(world.callers[0], "correct horse battery staple")
    stream = BoardStream(live.url, lambda: sup_token, on_snapshot=lambda s: None,
                         retry_base_s=0.1, retry_cap_s=0.5)  # fmt: skip
    lane = Lane("net")
    grants = SyncClient(live.url, http[1], token=sup_token)
    session = SupervisorSession(line.engine, line.agent, grants, lane, stream=stream)
    window = SupervisorWindow(session, line.engine, settings, username="Sup")
    session.setParent(window)
    qtbot.addWidget(window, before_close_func=lambda _w: session.close())
    window.show()
    session.start()
    try:
        qtbot.waitUntil(lambda: window.board.proxy.rowCount() == 2, timeout=5000)
        assert "Board live" in window.link_label.text()
        assert cell(window, first, "state", COLOUR_ROLE) == "light"  # logged out
        t0 = time.monotonic()
        caller.presence("ready")
        qtbot.waitUntil(lambda: cell(window, first, "state") == "Ready", timeout=2500)
        ready_s = time.monotonic() - t0
        contact = caller.lease(world.campaign_id, 1).leases[0].contact
        started = datetime.now(UTC) - timedelta(seconds=5)
        body = {"state": "on_call", "contact_id": contact.id,
                "call_started_at": started.isoformat(),
                "quality": {"mos": 4.3, "loss_pct": 0.2, "jitter_ms": 4.0}}  # fmt: skip
        t0 = time.monotonic()
        assert live.client(caller.token).post("/presence", json=body).status_code == 200
        qtbot.waitUntil(lambda: cell(window, first, "state") == "On call", timeout=2500)
        on_call_s = time.monotonic() - t0
        assert cell(window, first, "contact") == contact.name
        assert cell(window, first, "booth").endswith(f"/ {contact.booth_number}")
        assert cell(window, first, "quality") == "4.3"
        assert cell(window, first, "quality", COLOUR_ROLE) == "green"
        assert cell(window, first, "time") in ("0:05", "0:06", "0:07")
        buttons = window.board.buttons_for(first)
        assert buttons is not None and buttons.buttons["listen"].isEnabled()
        other = window.board.buttons_for(second)
        assert other is not None and not other.buttons["listen"].isEnabled()
        logging.getLogger(__name__).info(
            "presence → board: ready %.3f s, on call %.3f s", ready_s, on_call_s
        )
        assert ready_s < 2.0 and on_call_s < 2.0, (ready_s, on_call_s)
    finally:
        session.close()
        lane.shutdown()
        for h in http:
            h.close()


def test_a_callers_token_is_refused_without_asking_to_log_in_again(live) -> None:
    world = live.setup(contacts=0, callers=1)
    token = live.login(world.callers[0]).login_reply["token"]  # type: ignore[attr-defined]
    links: list[BoardLink] = []
    stream = BoardStream(live.url, lambda: token, on_snapshot=lambda s: None,
                         on_link=links.append, retry_base_s=0.1)  # fmt: skip
    stream.start()
    try:
        deadline = time.monotonic() + 5
        while not links and time.monotonic() < deadline:
            time.sleep(0.02)
        assert links and links[0].status == 403
        assert links[0].auth_refused and not links[0].auth_required
    finally:
        stream.stop()
