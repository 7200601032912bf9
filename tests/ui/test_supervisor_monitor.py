"""Listen / Whisper / Barge / Stop from the board window with real parts: the supervisor's
engine in this process, the real central server (uvicorn, SQLite) issuing grants and serving
the board (the caller posts presence; the row's ``sip_uri`` is what is dialled), and a real
caller's softphone in a subprocess (its own pjsua2 endpoint, the real ``GrantVerifier`` gate,
in a call of its own: tests/ui/supervisor_caller_peer.py). The PBX backend is checked against
sipp, which records the INVITE's Request-URI."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from netports import free_port, free_rtp_base
from PySide6.QtCore import Qt
from sqlalchemy import update
from supervisor_standin import board_row

from server.tables import users
from softphone.campaign.lanes import Lane
from softphone.journal import Journal
from softphone.journal.monitoring import MonitorJournal
from softphone.monitor.board import BoardSnapshot, BoardStream
from softphone.monitor.supervisor import PBX, PbxCodes, Phase, SupervisorSession
from softphone.sip.events import MonitorMode
from softphone.sync.client import SyncClient
from ui.supervisor_window import SupervisorWindow

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from server_live import Live

HERE = Path(__file__).resolve().parent
UAS_ANSWER = HERE.parent / "integration" / "sipp" / "uas-answer.xml"
CLICK = Qt.MouseButton.LeftButton


class CallerPeer:
    """The caller's softphone process; collects its Monitor* events."""

    def __init__(self, public_key: str, agent_id: int, journal: Path) -> None:
        self.journal = journal
        peer = str(HERE / "supervisor_caller_peer.py")
        cmd = [sys.executable, peer, public_key, str(agent_id), str(journal)]
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True,
        )  # fmt: skip
        self.events: list[dict] = []
        self.port = 0
        self._cv = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        self.wait(lambda: self.port > 0, 20, "caller ready")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            kind, _, rest = line.partition(" ")
            with self._cv:
                if kind == "EVENT":
                    self.events.append(json.loads(rest))
                elif kind == "READY":
                    self.port = json.loads(rest)["port"]
                self._cv.notify_all()

    def wait(self, cond, timeout: float = 10.0, what: str = "peer") -> None:
        with self._cv:
            if not self._cv.wait_for(cond, timeout):
                raise AssertionError(f"timed out waiting for {what}; events: {self.events}")

    def kinds(self) -> list[tuple[str, str]]:
        with self._cv:
            return [(e["event"], e.get("mode") or e.get("reason", "")) for e in self.events]

    def wait_event(self, kind: str, detail: str = "") -> None:
        self.wait(lambda: any(k == kind and detail in d for k, d in self.kinds()), 10, kind)

    @property
    def uri(self) -> str:
        return f"sip:caller@127.0.0.1:{self.port}"

    def hang_up_own_call(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("hangup\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Live]:
    with Live.running(f"sqlite:///{tmp_path_factory.mktemp('srv') / 'server.db'}") as live:
        yield live


@pytest.fixture
def room(server: Live, tmp_path: Path) -> Iterator[dict]:
    """Two callers and a supervisor of one centre, a caller of another centre, and the first
    caller's softphone in a call."""
    world = server.setup(contacts=2, callers=2)
    elsewhere = server.setup(contacts=0, callers=1)
    sup = server.login(world.supervisor).login_reply  # type: ignore[attr-defined]
    http = requests.Session()
    client = SyncClient(server.url, http, token=sup["token"])
    ids = [world.user_ids[name] for name in world.callers]
    peer = CallerPeer(sup["server_public_key"], ids[0], tmp_path / "caller-journal.db")
    try:
        yield {"client": client, "ids": ids, "peer": peer, "server": server, "world": world,
               "token": sup["token"],
               "stranger": elsewhere.user_ids[elsewhere.callers[0]]}  # fmt: skip
    finally:
        peer.close()
        http.close()


def first_caller_on_the_real_board(room: dict) -> None:
    """The first caller's SIP identity is the peer's address; they log in and post presence
    on_call with a leased contact: the real server's board shows them monitorable."""
    server, world, peer = room["server"], room["world"], room["peer"]
    name = world.callers[0]
    with server.engine.begin() as conn:
        domain = f"127.0.0.1:{peer.port}"
        query = update(users).where(users.c.username == name)
        conn.execute(query.values(sip_username="caller", sip_domain=domain))
    http = server.login(name)
    reply = http.post("/leases", json={"campaign_id": world.campaign_id, "count": 1})
    contact = reply.json()["leases"][0]["contact"]
    started = (datetime.now(UTC) - timedelta(seconds=3)).isoformat()
    body = {"state": "on_call", "contact_id": contact["id"], "call_started_at": started}
    assert http.post("/presence", json=body).status_code == 200


def board_session(line, room: dict, lane: Lane) -> SupervisorSession:
    """A session fed by the real server's board feed."""
    token = room["token"]
    stream = BoardStream(room["server"].url, lambda: token, on_snapshot=lambda s: None)
    return SupervisorSession(line.engine, line.agent, room["client"], lane, stream=stream)


def open_live_board(qtbot, line, settings, session: SupervisorSession, agent: int):
    window = SupervisorWindow(session, line.engine, settings, username="Sup")
    session.setParent(window)
    qtbot.addWidget(window, before_close_func=lambda _w: session.close())
    window.show()
    session.start()
    qtbot.waitUntil(lambda: session.can_monitor(agent, MonitorMode.LISTEN), timeout=5000)
    return window


def open_board(qtbot, line, settings, session: SupervisorSession, rows: list[dict]):
    window = SupervisorWindow(session, line.engine, settings, username="Sup")
    session.setParent(window)
    qtbot.addWidget(window, before_close_func=lambda _w: session.close())
    window.show()
    session.apply_snapshot(BoardSnapshot.from_dict({"version": 1, "agents": rows}))
    return window


def button(window: SupervisorWindow, agent_id: int, name: str):
    buttons = window.board.buttons_for(agent_id)
    assert buttons is not None
    return buttons.buttons[name]


def test_listen_whisper_barge_stop_against_a_real_caller(qtbot, line, settings, room) -> None:
    peer, (agent, _other) = room["peer"], room["ids"]
    first_caller_on_the_real_board(room)
    lane = Lane("net")
    session = board_session(line, room, lane)
    window = open_live_board(qtbot, line, settings, session, agent)
    name = session.row(agent).name
    assert session.row(agent).sip_uri == peer.uri
    try:
        t0 = time.monotonic()
        qtbot.mouseClick(button(window, agent, "listen"), CLICK)
        assert session.status.phase == Phase.GRANTING
        assert not button(window, agent, "whisper").isEnabled()  # busy until connected
        qtbot.waitUntil(lambda: session.status.phase == Phase.CONNECTED, timeout=10000)
        listen_s = time.monotonic() - t0
        peer.wait_event("monitor_started", "listen")
        assert session.status.mode is MonitorMode.LISTEN
        assert button(window, agent, "listen").isChecked()
        assert not button(window, agent, "listen").isEnabled()
        assert (
            button(window, agent, "whisper").isEnabled()
            and button(window, agent, "stop").isEnabled()
        )
        assert f"Listening to {name}" in window.monitor_label.text()
        call_id = session.call_id
        for mode in (MonitorMode.WHISPER, MonitorMode.BARGE):
            qtbot.mouseClick(button(window, agent, mode.value), CLICK)
            qtbot.waitUntil(
                lambda m=mode: session.status == (agent, m, Phase.CONNECTED), timeout=10000
            )
            peer.wait_event("monitor_mode", mode.value)
            assert session.call_id == call_id  # switched by INFO, no redial
        assert f"In the call with {name}" in window.monitor_label.text()
        qtbot.mouseClick(button(window, agent, "stop"), CLICK)
        assert session.status.agent_id is None
        peer.wait_event("monitor_ended")
        assert [k for k, _d in peer.kinds()] == [
            "monitor_started", "monitor_mode", "monitor_mode", "monitor_ended",
        ]  # fmt: skip
        logging.getLogger(__name__).info("Listen → connected in %.3f s", listen_s)
        assert listen_s < 3.0
    finally:
        session.close()
        lane.shutdown()
    peer.close()  # the caller's journal records the session with every mode it went through
    with Journal(peer.journal) as journal:
        (record,) = MonitorJournal(journal).sessions()
        used = journal.connection.execute("SELECT COUNT(*) FROM monitor_jti").fetchone()[0]
    assert [mode for mode, _at in record.modes] == ["listen", "whisper", "barge"]
    assert (
        record.ended_at is not None
        and record.supervisor_id == room["world"].user_ids[room["world"].supervisor]
    )
    assert used == 3  # one grant per mode, each kept as used


def test_refusals_become_sentences(qtbot, line, settings, room) -> None:
    peer, client, (_agent, other) = room["peer"], room["client"], room["ids"]
    lane = Lane("net")
    session = SupervisorSession(line.engine, line.agent, client, lane)
    problems: list[str] = []
    session.problem.connect(problems.append)
    rows = [
        # the server grants for "other", but the softphone at this address is agent's: 403
        board_row(other, "bablu", "on_call", call_seconds=3, sip_uri=peer.uri),
        # a caller of another centre: the server refuses the grant
        board_row(room["stranger"], "zara", "on_call", call_seconds=3, sip_uri=peer.uri),
    ]
    window = open_board(qtbot, line, settings, session, rows)
    try:
        qtbot.mouseClick(button(window, other, "listen"), CLICK)
        qtbot.waitUntil(lambda: bool(problems), timeout=10000)
        assert "refused the monitoring request (403)" in problems[-1]
        assert session.status.agent_id is None and session.call_id is None
        peer.wait_event("monitor_refused", "wrong_agent")
        qtbot.mouseClick(button(window, room["stranger"], "barge"), CLICK)
        qtbot.waitUntil(lambda: len(problems) == 2, timeout=10000)
        assert problems[-1] == "The server does not allow monitoring Zara."
        assert session.status.agent_id is None
        assert "Zara" in window.statusBar().currentMessage()
        assert [k for k, _d in peer.kinds()] == ["monitor_refused"]  # no second attempt
    finally:
        session.close()
        lane.shutdown()


def test_pbx_backend_dials_feature_codes(qtbot, line, settings, tmp_path: Path) -> None:
    port, messages = free_port(), tmp_path / "uas.msg"
    cmd = ["sipp", "-sf", str(UAS_ANSWER), "-i", "127.0.0.1", "-p", str(port),
           "-mp", str(free_rtp_base()), "-m", "2", "-nostdin", "-rtp_echo",
           "-timeout", "30s", "-trace_msg", "-message_file", str(messages)]  # fmt: skip
    sipp = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    session = SupervisorSession(
        line.engine, line.agent, None, Lane("net"), backend=PBX,
        pbx_codes=PbxCodes("*222", "*223", "*224"),
    )  # fmt: skip
    rows = [board_row(11, "asha", "on_call", call_seconds=3, sip_uri=f"sip:1001@127.0.0.1:{port}")]
    window = open_board(qtbot, line, settings, session, rows)
    try:
        time.sleep(0.3)  # let sipp bind
        qtbot.mouseClick(button(window, 11, "listen"), CLICK)
        qtbot.waitUntil(lambda: session.status.phase == Phase.CONNECTED, timeout=10000)
        first = session.call_id
        qtbot.mouseClick(button(window, 11, "whisper"), CLICK)  # another code: a new call
        qtbot.waitUntil(
            lambda: session.status == (11, MonitorMode.WHISPER, Phase.CONNECTED), timeout=10000
        )
        assert session.call_id != first
        qtbot.mouseClick(window.stop_button, CLICK)
        assert sipp.wait(15) == 0
        text = messages.read_text(errors="replace")
        uris = [line.split()[1] for line in text.splitlines() if line.startswith("INVITE ")]
        assert uris == [f"sip:*2221001@127.0.0.1:{port}", f"sip:*2231001@127.0.0.1:{port}"]
        assert "X-Sampark-Monitor" not in text  # no grant involved
    finally:
        session.close()
        if sipp.poll() is None:
            sipp.kill()
            sipp.wait()


def test_the_callers_call_ending_ends_monitoring(qtbot, line, settings, room) -> None:
    peer, (agent, _other) = room["peer"], room["ids"]
    first_caller_on_the_real_board(room)
    lane = Lane("net")
    session = board_session(line, room, lane)
    problems: list[str] = []
    session.problem.connect(problems.append)
    window = open_live_board(qtbot, line, settings, session, agent)
    name = session.row(agent).name
    try:
        qtbot.mouseClick(button(window, agent, "barge"), CLICK)
        qtbot.waitUntil(
            lambda: session.status == (agent, MonitorMode.BARGE, Phase.CONNECTED), timeout=10000
        )
        peer.hang_up_own_call()
        qtbot.waitUntil(lambda: session.status.agent_id is None, timeout=10000)
        assert session.call_id is None and problems == [f"Monitoring of {name} ended."]
        peer.wait_event("monitor_ended")
        assert button(window, agent, "listen").isEnabled()  # the board still says on_call
        assert "Not monitoring" in window.monitor_label.text()
    finally:
        session.close()
        lane.shutdown()


def test_pbx_switching_to_another_caller_stops_the_first(
    qtbot, line, settings, tmp_path: Path
) -> None:
    port, messages = free_port(), tmp_path / "uas.msg"
    cmd = ["sipp", "-sf", str(UAS_ANSWER), "-i", "127.0.0.1", "-p", str(port),
           "-mp", str(free_rtp_base()), "-m", "2", "-nostdin", "-rtp_echo",
           "-timeout", "30s", "-trace_msg", "-message_file", str(messages)]  # fmt: skip
    sipp = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    session = SupervisorSession(line.engine, line.agent, None, Lane("net"), backend=PBX)
    rows = [
        board_row(11, "asha", "on_call", call_seconds=3, sip_uri=f"sip:1001@127.0.0.1:{port}"),
        board_row(12, "bablu", "on_call", call_seconds=9, sip_uri=f"sip:1002@127.0.0.1:{port}"),
    ]
    window = open_board(qtbot, line, settings, session, rows)
    try:
        time.sleep(0.3)  # let sipp bind
        qtbot.mouseClick(button(window, 11, "listen"), CLICK)
        qtbot.waitUntil(lambda: session.status.phase == Phase.CONNECTED, timeout=10000)
        assert button(window, 12, "listen").isEnabled()  # switching caller = stop + new
        assert not button(window, 12, "stop").isEnabled()
        qtbot.mouseClick(button(window, 12, "listen"), CLICK)
        qtbot.waitUntil(
            lambda: session.status == (12, MonitorMode.LISTEN, Phase.CONNECTED), timeout=10000
        )
        assert button(window, 12, "stop").isEnabled() and not button(window, 11, "stop").isEnabled()
        qtbot.mouseClick(button(window, 12, "stop"), CLICK)
        assert sipp.wait(15) == 0  # both calls ended with BYE
        text = messages.read_text(errors="replace")
        uris = [line.split()[1] for line in text.splitlines() if line.startswith("INVITE ")]
        assert uris == [f"sip:*2221001@127.0.0.1:{port}", f"sip:*2221002@127.0.0.1:{port}"]
        assert text.count("BYE sip:") == 2
    finally:
        session.close()
        if sipp.poll() is None:
            sipp.kill()
            sipp.wait()
