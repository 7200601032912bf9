"""The caller workflow end to end, headless, with real parts only: the central server over
HTTP on loopback (SQLite, a campaign open 00:00–24:00), a real journal file, the real
``SyncClient``/``SyncWorker``, a real ``SipEngine`` + ``Phone`` dialling the demo callee
(answers, plays its greeting) or sipp (486 Busy Here), under the session's Qt application.

login → next contact → dial → answered → hang up → wrap-up → save → the outcome is on the
server exactly once with the media statistics; a busy call pre-selects ``busy`` (and a full
disk keeps the wrap-up so the outcome can be saved once space is back); a DNC number and a
pause are refused or honoured as the contract says; logout hands the unused leases back.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from memkeyring import MemoryKeyring
from siptest import LOOPBACK, EventLog, Sipp, make_engine
from sqlalchemy import select

from server import admin
from server.app import create_app
from server.tables import contacts, outcomes
from softphone.audio.files import FileDevice
from softphone.campaign.lanes import Lane
from softphone.campaign.model import normalise_phone
from softphone.campaign.session import Session, login
from softphone.campaign.workflow import CallerWorkflow, WorkflowState, WrapUp
from softphone.demo import DemoCallee
from softphone.journal import Journal
from softphone.phone import Phone
from softphone.sip.engine import SipEngine
from softphone.sip.spec import AccountSpec
from softphone.sync.client import SyncClient
from softphone.sync.worker import SyncWorker

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from server_live import PASSWORD, Live, UvicornThread, World

HINDI_SCRIPT = {
    "language": "hi",
    "title": "परिचय",
    "sections": [{"title": "नमस्ते", "text": "नमस्ते {{name}} जी, बूथ {{booth_number}} से।"}],
    "questions": [{"key": "aware", "text": "क्या आपने सुना?", "options": ["हाँ", "नहीं"]}],
}


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    app = create_app(f"sqlite:///{tmp_path / 'server.db'}")
    server = UvicornThread(app).start()
    helper = Live(app, server)
    yield helper
    helper.close()
    helper.server.stop()  # a test may have replaced it (outage)
    app.state.engine.dispose()


@dataclass
class Rig:
    """Everything a caller's softphone runs, wired as the application wires it."""

    live: Live
    world: World
    session: Session
    journal: Journal
    engine: SipEngine
    phone: Phone
    worker: SyncWorker
    workflow: CallerWorkflow
    lanes: list[Lane]
    problems: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    states: list[WorkflowState] = field(default_factory=list)

    def server_outcomes(self) -> list[Any]:
        with self.live.engine.connect() as conn:
            return list(conn.execute(select(outcomes)))

    def leased_to_me(self) -> list[int]:
        with self.live.engine.connect() as conn:
            rows = conn.execute(
                select(contacts.c.id).where(
                    contacts.c.lease_owner == self.world.user_ids[self.user],
                    contacts.c.lease_expires_at.is_not(None),
                )
            )
            return [r.id for r in rows]

    def presence(self) -> dict[str, Any]:
        supervisor = self.live.login(self.world.supervisor)
        (me,) = [a for a in supervisor.get("/presence").json() if a["username"] == self.user]
        return me

    def wait_presence(self, qtbot: Any, state: str, timeout_ms: int = 10_000) -> dict[str, Any]:
        """Presence travels through the sync worker: wait until the server has it."""
        seen: list[dict[str, Any]] = []

        def arrived() -> bool:
            seen.append(self.presence())
            return seen[-1]["state"] == state

        try:
            qtbot.waitUntil(arrived, timeout=timeout_ms)
        except Exception as exc:
            why = f"presence {seen[-1:]} != {state}; {self.worker.status}"
            raise AssertionError(why) from exc
        return seen[-1]

    @property
    def user(self) -> str:
        return self.world.callers[0]


@pytest.fixture
def rig_factory(
    live: Live, tmp_path: Path, qtbot: Any, ring: MemoryKeyring
) -> Iterator[Callable[..., Rig]]:
    made: list[Rig] = []

    def build(
        target: Callable[[SipEngine], str], contacts: int = 3, ring_timeout_s: float = 45.0
    ) -> Rig:
        world = live.setup(contacts=contacts, callers=1)
        with live.engine.begin() as conn:
            admin.add_script(conn, world.campaign_id, HINDI_SCRIPT)
        client = SyncClient(live.url, requests.Session())
        session = login(client, world.callers[0], PASSWORD, live.url)
        assert ring.values[("sampark-token", f"{world.callers[0]}@{live.url}")]
        journal = Journal(tmp_path / f"journal-{len(made)}.db")
        holder: list[CallerWorkflow] = []
        worker = SyncWorker(
            client,
            journal,
            campaign_id=world.campaign_id,
            lease_ahead=contacts,
            heartbeat_s=1.0,
            on_contacts=lambda: holder[0].notify_contacts() if holder else None,
            on_status=lambda status: holder[0].notify_status(status) if holder else None,
        )
        engine = make_engine(
            EventLog(), FileDevice(record=tmp_path / f"heard-{len(made)}.wav"), tcp_port=None
        )
        domain = target(engine)  # the callee's account first: it takes plain numbers
        account = engine.add_account(AccountSpec(user="caller", domain=LOOPBACK))
        phone = Phone(engine)
        phone.attach_account(account, domain, registers=False)
        db_lane, net_lane = Lane("db"), Lane("net-reference")
        reference = SyncClient(live.url, requests.Session(), token=session.token())
        workflow = CallerWorkflow(
            phone,
            journal,
            session,
            worker,
            db_lane,
            client=reference,
            net_lane=net_lane,
            ring_timeout_s=ring_timeout_s,
        )
        holder.append(workflow)
        rig = Rig(
            live, world, session, journal, engine, phone, worker, workflow, [db_lane, net_lane]
        )
        workflow.problem.connect(rig.problems.append)
        workflow.refused.connect(rig.refusals.append)
        workflow.state_changed.connect(rig.states.append)
        made.append(rig)
        worker.start()
        return rig

    yield build
    for rig in made:
        rig.worker.stop()
        rig.engine.stop()
        for lane in rig.lanes:
            lane.shutdown()
        rig.journal.close()


def demo_callee(engine: SipEngine) -> str:
    callee = DemoCallee(engine)
    callee.start()
    engine._test_callee = callee  # type: ignore[attr-defined]  # keep a reference
    return callee.dial_domain()


def ready(rig: Rig, qtbot: Any) -> None:
    """Log-in done: go ready and wait for the first contact with its script."""
    rig.workflow.go_ready()
    qtbot.waitUntil(
        lambda: rig.workflow.state is WorkflowState.PREVIEW and rig.workflow.script is not None,
        timeout=15_000,
    )


def test_call_the_demo_callee_and_save_the_outcome_once(
    rig_factory: Callable[..., Rig], qtbot: Any, ring: MemoryKeyring
) -> None:
    rig = rig_factory(demo_callee)
    wf = rig.workflow
    ready(rig, qtbot)
    contact = wf.contact
    assert contact is not None and wf.script is not None
    assert wf.script.language == "hi"  # the contact's language (the CSV says hi)
    assert set(wf.script.languages) == {"en", "hi"}
    assert f"नमस्ते {contact.name} जी" in wf.script.sections[0].text
    rig.wait_presence(qtbot, "ready")

    assert len(rig.leased_to_me()) == 3
    wf.dial(0)
    assert wf.state is WorkflowState.DIALING, rig.problems + rig.refusals
    qtbot.waitUntil(lambda: wf.state is WorkflowState.IN_CALL, timeout=10_000)
    with qtbot.waitSignal(wf.script_changed, timeout=2_000) as switched:
        wf.set_language("en")  # mid-call
    assert switched.args[0].language == "en" and contact.name in switched.args[0].sections[0].text
    qtbot.waitUntil(
        lambda: rig.phone.call is not None and rig.phone.call.stats is not None, timeout=5_000
    )
    rig.wait_presence(qtbot, "on_call")
    with qtbot.waitSignal(wf.wrap_up_started, timeout=10_000) as ended:
        wf.hangup()
    wrap: WrapUp = ended.args[0]
    assert wrap.suggested is None  # answered: the caller chooses
    assert wrap.call.answered_at is not None and wrap.call.media_stats.get("mos", 0) > 0
    assert wrap.language == "en" and wrap.script_version == 1
    assert wf.state is WorkflowState.WRAP_UP

    with qtbot.waitSignal(wf.outcome_saved, timeout=5_000) as saved:
        wf.save_outcome("completed", {"aware": "yes"}, "पूरी बात हुई", None)
    uuid = saved.args[0]
    assert wf.state is WorkflowState.PREVIEW and wf.contact != contact
    assert rig.worker.drain(10.0), rig.worker.status
    rows = [r for r in rig.server_outcomes() if r.uuid == uuid]
    assert len(rows) == 1 and len(rig.server_outcomes()) == 1
    row = rows[0]
    assert (row.disposition, row.contact_id, row.language, row.script_version) == (
        "completed",
        contact.id,
        "en",
        1,
    )
    assert row.media["mos"] > 0 and row.media["codec"] and row.duration_s > 0
    assert row.survey == {"aware": "yes"} and row.notes == "पूरी बात हुई"
    (entry,) = wf.history()
    assert (entry.uuid, entry.sync_state, entry.contact_name) == (uuid, "synced", contact.name)
    assert entry.mos is not None and entry.duration_s > 0

    wf.logout()
    assert wf.state is WorkflowState.LOGGED_OUT and wf.contact is None
    assert rig.session.token() is None
    assert not any(k[0] == "sampark-token" for k in ring.values)
    rig.wait_presence(qtbot, "logged_out")
    qtbot.waitUntil(lambda: not rig.leased_to_me(), timeout=10_000)  # unused leases back
    assert rig.journal.leased_contacts() == []
    assert rig.workflow.state is WorkflowState.LOGGED_OUT and not rig.problems


def sipp_uas(sipp: Callable[..., Sipp], scenario: str) -> Callable[[SipEngine], str]:
    def target(engine: SipEngine) -> str:
        del engine
        return sipp(scenario).uri_host

    return target


@pytest.mark.sipp
def test_ring_timeout_hangs_up_and_suggests_no_answer(
    rig_factory: Callable[..., Rig], sipp: Callable[..., Sipp], qtbot: Any
) -> None:
    rig = rig_factory(sipp_uas(sipp, "uas-ring-cancel.xml"), contacts=1, ring_timeout_s=1.0)
    wf = rig.workflow
    ready(rig, qtbot)
    started = time.monotonic()
    with qtbot.waitSignal(wf.wrap_up_started, timeout=10_000) as ended:
        wf.dial(0)
    assert 0.9 <= time.monotonic() - started < 8
    wrap: WrapUp = ended.args[0]
    assert wrap.suggested == "no_answer" and wrap.call.sip_code == 487
    with qtbot.waitSignal(wf.outcome_saved, timeout=5_000):
        wf.save_outcome("no_answer")
    assert wf.state is WorkflowState.FETCHING and wf.contact is None  # the cache is empty


@pytest.mark.sipp
def test_busy_preselects_busy_and_a_full_disk_keeps_the_wrap_up(
    rig_factory: Callable[..., Rig], sipp: Callable[..., Sipp], qtbot: Any
) -> None:
    rig = rig_factory(sipp_uas(sipp, "uas-486.xml"), contacts=2)
    wf = rig.workflow
    ready(rig, qtbot)
    with qtbot.waitSignal(wf.wrap_up_started, timeout=10_000) as ended:
        wf.dial(0)
    wrap: WrapUp = ended.args[0]
    assert wrap.suggested == "busy" and wrap.call.sip_code == 486
    assert wrap.call.answered_at is None and wf.state is WorkflowState.WRAP_UP
    rig.wait_presence(qtbot, "wrap_up")

    # Validation: a past callback and an unknown disposition are refused with a sentence.
    wf.save_outcome("callback", {}, "", datetime.now(UTC) - timedelta(minutes=1))
    wf.save_outcome("no_such_code", {}, "", None)
    assert any("future" in p for p in rig.problems) and any(
        "no_such_code" in p for p in rig.problems
    )
    wf.logout()
    assert "Save the outcome" in rig.problems[-1] and wf.state is WorkflowState.WRAP_UP
    wf.pause("break")  # in wrap-up: takes effect after the save

    # A full disk: the save fails with a sentence, the wrap-up stays, nothing is lost.
    conn = rig.journal.connection
    with rig.journal._lock:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
    rig.problems.clear()
    wf.save_outcome("busy", {"aware": "x" * 200_000}, "tried", None)
    qtbot.waitUntil(lambda: bool(rig.problems), timeout=5_000)
    assert rig.problems[0].startswith("Disk full"), rig.problems
    assert wf.state is WorkflowState.WRAP_UP and wf.wrap_up == wrap
    with rig.journal._lock:
        conn.execute("PRAGMA max_page_count = 1073741823")

    with qtbot.waitSignal(wf.outcome_saved, timeout=5_000) as saved:
        wf.save_outcome("busy", {}, "tried", None)
    assert wf.state is WorkflowState.PAUSED and wf.pause_reason == "break"
    assert rig.worker.drain(10.0)
    (row,) = rig.server_outcomes()
    assert (row.uuid, row.disposition, row.sip_status, row.duration_s) == (
        saved.args[0],
        "busy",
        486,
        0,
    )
    rig.wait_presence(qtbot, "paused")
    assert rig.presence()["reason"] == "break"


def test_dnc_refuses_the_dial_and_pause_resume_keeps_the_contact(
    rig_factory: Callable[..., Rig], qtbot: Any
) -> None:
    rig = rig_factory(demo_callee, contacts=2)
    wf = rig.workflow
    ready(rig, qtbot)
    contact = wf.contact
    assert contact is not None
    supervisor = rig.live.login(rig.world.supervisor)
    spaced = f"{contact.phones[0][3:8]} {contact.phones[0][8:]}"  # "98765 43210"
    reply = supervisor.post("/dnc", json={"phone": spaced, "reason": "requested"})
    assert reply.status_code in (200, 201), reply.text
    wf.refresh_reference()
    qtbot.waitUntil(lambda: normalise_phone(spaced) in wf.dnc, timeout=10_000)
    wf.dial(0)
    assert rig.refusals and "do-not-call" in rig.refusals[-1], rig.refusals
    assert rig.phone.call is None and wf.state is WorkflowState.PREVIEW

    wf.pause("lunch on the moon")
    assert wf.state is WorkflowState.PREVIEW and "pause reason" in rig.problems[-1]
    wf.pause("meal")
    assert wf.state is WorkflowState.PAUSED
    rig.wait_presence(qtbot, "paused")
    wf.dial(0)
    assert rig.refusals[-1] == "There is no contact to call right now."
    wf.resume()
    assert wf.state is WorkflowState.PREVIEW and wf.contact == contact
    qtbot.waitUntil(lambda: rig.presence()["state"] == "ready", timeout=10_000)
    assert rig.presence()["contact_id"] == contact.id

    wf.set_language("ta")
    assert "no script" in rig.problems[-1] and wf.script is not None
    wf.next_contact()  # skip: the lease is handed back, the next contact shows
    second = wf.contact
    assert wf.state is WorkflowState.PREVIEW and second not in (None, contact)
    wf.next_contact()  # skipped contacts stay skipped this shift, even if leased again
    assert wf.state is WorkflowState.FETCHING and wf.contact is None
    qtbot.waitUntil(lambda: rig.presence()["contact_id"] is None, timeout=10_000)
    assert rig.presence()["state"] == "ready"


def test_calling_goes_on_through_a_server_outage(
    rig_factory: Callable[..., Rig], qtbot: Any
) -> None:
    """The leased-ahead contacts carry the caller through an outage: the server goes away,
    four calls are made and their outcomes saved offline, the window shows them waiting; the
    server comes back and each outcome is stored exactly once."""
    rig = rig_factory(demo_callee, contacts=6)
    wf = rig.workflow
    ready(rig, qtbot)
    qtbot.waitUntil(lambda: len(rig.journal.leased_contacts()) == 6, timeout=10_000)
    now = rig.journal.server_now()
    assert all(e - now >= timedelta(minutes=30) for e in rig.journal.lease_expiries().values())

    port = rig.live.server.port
    rig.live.server.stop()  # the centre's WAN is down from here on
    saved: list[str] = []
    called: list[int] = []
    for _ in range(4):
        assert wf.state is WorkflowState.PREVIEW and wf.contact is not None, rig.problems
        called.append(wf.contact.id)
        wf.dial(0)
        qtbot.waitUntil(lambda: wf.state is WorkflowState.IN_CALL, timeout=10_000)
        with qtbot.waitSignal(wf.wrap_up_started, timeout=10_000):
            wf.hangup()
        with qtbot.waitSignal(wf.outcome_saved, timeout=5_000) as done:
            wf.save_outcome("completed", {"aware": "yes"})
        saved.append(done.args[0])
    assert len(set(called)) == 4
    # The status is refreshed by the worker's next failed round (the fourth save may come after
    # the round that first found the server gone).
    qtbot.waitUntil(
        lambda: not rig.worker.status.online and rig.worker.status.waiting == 4, timeout=15_000
    )
    assert [e.sync_state for e in wf.history()] == ["waiting"] * 4

    back = UvicornThread(rig.live.app, port=port).start()  # on the port the worker tries
    try:
        assert rig.worker.drain(30.0), rig.worker.status
        stored = [r.uuid for r in rig.server_outcomes()]
        assert sorted(stored) == sorted(saved)  # every outcome, exactly once
        qtbot.waitUntil(lambda: rig.worker.status.online, timeout=15_000)
        assert rig.worker.status.waiting == 0
    finally:
        rig.live.server = back  # the fixture stops whichever server is running
