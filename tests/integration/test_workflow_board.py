"""The caller's workflow feeds the supervisor's live board: on a call its presence carries
the call's start and the last media quality (refreshed during the call), read back from
the real server's ``GET /api/v1/board``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from test_workflow import Rig, demo_callee, live, ready, rig_factory  # noqa: F401

from softphone.campaign import workflow as workflow_module
from softphone.campaign.workflow import WorkflowState


def test_on_call_presence_shows_call_start_and_live_quality(
    rig_factory: Callable[..., Rig],  # noqa: F811
    qtbot: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(workflow_module, "QUALITY_S", 1.0)
    rig = rig_factory(demo_callee)
    wf = rig.workflow
    ready(rig, qtbot)
    contact = wf.contact
    assert contact is not None
    supervisor = rig.live.login(rig.world.supervisor)

    def row() -> dict[str, Any]:
        agents = supervisor.get("/board").json()["agents"]
        (me,) = [a for a in agents if a["username"] == rig.user]
        return me

    wf.dial(0)
    qtbot.waitUntil(lambda: wf.state is WorkflowState.IN_CALL, timeout=10_000)
    qtbot.waitUntil(lambda: (row()["quality"] or {}).get("mos") is not None, timeout=10_000)
    me = row()
    assert me["state"] == "on_call" and me["monitorable"] and me["contact"]["id"] == contact.id
    assert me["sip_uri"].startswith("sip:") and me["call_started_at"]
    started = datetime.fromisoformat(me["call_started_at"])
    now = datetime.fromisoformat(supervisor.get("/board").json()["server_time"])
    assert 0 <= (now - started).total_seconds() < 30
    assert 1 <= me["quality"]["mos"] <= 5 and me["quality"]["loss_pct"] is not None
    with qtbot.waitSignal(wf.wrap_up_started, timeout=10_000):
        wf.hangup()
    qtbot.waitUntil(lambda: row()["state"] == "wrap_up", timeout=10_000)
    assert row()["call_started_at"] is None and row()["quality"] is None
