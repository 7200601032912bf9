"""Soak: many consecutive calls in one process leak no calls, threads or memory."""

from __future__ import annotations

import gc
import threading
import time

import psutil
import pytest
from siptest import wait_until

from softphone.sip.events import CallState, CallStateChanged
from softphone.sip.spec import AccountSpec

pytestmark = [pytest.mark.sipp, pytest.mark.soak, pytest.mark.timeout(180)]
CALLS = 200
WARM_UP = 30
MAX_RSS_GROWTH = 10 * 1024 * 1024
# pjlib's select ioqueue has 64 socket slots and frees a closed socket's slot 500 ms later;
# each call's RTP+RTCP take two. A short gap keeps churn far below that (real agents dial
# seconds apart); back-to-back calls at >60 calls/s abort inside pjlib (see docs/sip-engine.md).
GAP_S = 0.05


def one_call(engine, events, account: int, target: str) -> None:
    call = engine.make_call(account, target)
    events.wait_for(
        lambda e: (
            isinstance(e, CallStateChanged)
            and e.call_id == call
            and e.state is CallState.CONFIRMED
            and e.media_active
        ),
        5,
    )
    engine.hangup(call)
    events.wait_call(call, CallState.DISCONNECTED, 5)
    events.all.clear()  # keep the test's own memory flat
    time.sleep(GAP_S)


def test_200_calls_leak_nothing(engine, events, sipp):
    sp = sipp("uas-answer.xml", calls=CALLS, timeout_s=150)
    account = engine.add_account(AccountSpec(user="alice", domain="127.0.0.1"))
    target = f"sip:service@{sp.uri_host}"
    proc = psutil.Process()
    for _ in range(WARM_UP):
        one_call(engine, events, account, target)
    gc.collect()
    rss_start, threads_start = proc.memory_info().rss, proc.num_threads()
    py_threads_start = threading.active_count()
    for _ in range(CALLS - WARM_UP):
        one_call(engine, events, account, target)
    assert sp.wait(30) == 0, sp.diagnostics()
    wait_until(lambda: engine.active_call_ids() == [], 3, "no calls left")
    gc.collect()
    growth = proc.memory_info().rss - rss_start
    print(f"soak: RSS growth after warm-up {growth / 2**20:.2f} MiB over {CALLS - WARM_UP} calls")
    assert proc.num_threads() <= threads_start
    assert threading.active_count() <= py_threads_start
    assert growth < MAX_RSS_GROWTH
