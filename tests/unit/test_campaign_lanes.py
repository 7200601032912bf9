"""Background lanes: jobs run off the GUI thread one at a time, in order; results and errors
come back on the GUI thread; a failing callback never escapes into Qt."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from softphone.campaign.lanes import InlineLane, Lane


@pytest.fixture
def lane(qapp: Any) -> Any:
    made = Lane("db")
    yield made
    made.shutdown()


def test_results_come_back_on_the_gui_thread(lane: Lane, qtbot: Any) -> None:
    gui = threading.get_ident()
    ran_on: list[int] = []
    got: list[tuple[int, int]] = []

    def job() -> int:
        ran_on.append(threading.get_ident())
        return 42

    lane.submit(job, lambda value: got.append((value, threading.get_ident())))
    qtbot.waitUntil(lambda: bool(got), timeout=2000)
    assert got == [(42, gui)] and ran_on and ran_on[0] != gui


def test_jobs_are_serialised_in_order(lane: Lane, qtbot: Any) -> None:
    active, peak, order = [0], [0], []
    lock = threading.Lock()

    def job(i: int) -> int:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.005)
        with lock:
            active[0] -= 1
        return i

    for i in range(10):
        lane.submit(lambda i=i: job(i), order.append)
    qtbot.waitUntil(lambda: len(order) == 10, timeout=3000)
    assert order == list(range(10)) and peak[0] == 1


def test_errors_go_to_on_error_and_bad_callbacks_are_contained(lane: Lane, qtbot: Any) -> None:
    errors: list[BaseException] = []
    after: list[str] = []

    def boom() -> None:
        raise OSError("disk gone")

    def bad_callback(_value: object) -> None:
        raise RuntimeError("callback bug")

    lane.submit(boom, None, errors.append)
    lane.submit(lambda: 1, bad_callback)
    lane.submit(lambda: "still running", after.append)
    qtbot.waitUntil(lambda: bool(after), timeout=2000)
    assert isinstance(errors[0], OSError) and after == ["still running"]


def test_submit_after_shutdown_reports_an_error(qapp: Any) -> None:
    lane = Lane("net")
    lane.shutdown()
    errors: list[BaseException] = []
    assert lane.submit(lambda: 1, None, errors.append) is None
    assert isinstance(errors[0], RuntimeError)


def test_inline_lane_runs_at_once() -> None:
    lane = InlineLane()
    got: list[Any] = []
    lane.submit(lambda: 5, got.append)
    lane.submit(lambda: 1 / 0, None, got.append)
    assert got[0] == 5 and isinstance(got[1], ZeroDivisionError)
