"""Supervisor monitoring cost and speed on loopback (issue 4). Prints numbers.

    python bench/bench_monitor.py [--window-s 10] [--windows 3] [--tries 7] [--mode barge]

Three real parties (``tests/integration/monitor_rig.py``): the caller's ``SipEngine`` in this
process (tone headset), a remote party and a supervisor engine in subprocesses, Kamailio, and
the central server (uvicorn thread) issuing real grants.

* **added CPU** — CPU time of this (the caller's) process (``psutil``, all threads) during
  ``--windows`` windows of ``--window-s`` seconds: the caller's call alone, then the same call
  while monitored in ``--mode``; medians, % of one core, and the added share (target ≤ +50 %).
* **Listen → audio** — from the "Listen" click (grant request to the server, then the dial)
  to the first frame the supervisor's engine plays that carries the caller's 1000 Hz tone
  (detected per frame in the supervisor process; same monotonic clock); also from the dial
  alone. Median of ``--tries`` sessions (target ≤ 300 ms).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "integration"), str(ROOT / "tests"), str(ROOT)]

from monitor_rig import HEADER, MonitorRig  # noqa: E402

from softphone.sip.events import MonitorEnded, MonitorStarted  # noqa: E402


def cpu_windows(seconds: float, count: int) -> list[float]:
    proc = psutil.Process()
    out = []
    for _ in range(count):
        t0, c0 = time.monotonic(), proc.cpu_times()
        time.sleep(seconds)
        t1, c1 = time.monotonic(), proc.cpu_times()
        out.append(100.0 * ((c1.user + c1.system) - (c0.user + c0.system)) / (t1 - t0))
    return out


def start_monitor(rig: MonitorRig, mode: str) -> tuple[int, float, float, float]:
    """(supervisor call id, click time, dial time, heard time), all monotonic."""
    assert rig.sup is not None
    heard_before = len(rig.sup.heard)
    since = time.time()
    click = time.monotonic()
    token = rig.grant(mode)
    sid, dial = rig.sup.call(rig.alice_uri, {HEADER: token})
    rig.sup.wait(lambda: len(rig.sup.heard) > heard_before, 10, "caller's tone at supervisor")  # type: ignore[union-attr]
    rig.events.wait_for(lambda e: isinstance(e, MonitorStarted) and e.ts > since, 5)
    return sid, click, dial, rig.sup.heard[heard_before]


def stop_monitor(rig: MonitorRig, sid: int) -> None:
    assert rig.sup is not None
    since = time.time()
    rig.sup.send(cmd="hangup", call=sid)
    rig.sup.call_state(sid, "disconnected")
    rig.events.wait_for(lambda e: isinstance(e, MonitorEnded) and e.ts > since, 5)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--window-s", type=float, default=10.0)
    p.add_argument("--windows", type=int, default=3)
    p.add_argument("--tries", type=int, default=7)
    p.add_argument("--mode", default="barge", choices=["listen", "whisper", "barge"])
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-monitor-") as tmp:
        rig = MonitorRig(Path(tmp))
        try:
            rig.start()
            rig.call_remote()
            time.sleep(2)  # settle
            alone = cpu_windows(args.window_s, args.windows)
            sid, *_ = start_monitor(rig, args.mode)
            time.sleep(1)
            watched = cpu_windows(args.window_s, args.windows)
            stop_monitor(rig, sid)
            click_ms, dial_ms = [], []
            for _ in range(args.tries):
                sid, click, dial, heard = start_monitor(rig, "listen")
                click_ms.append(1000 * (heard - click))
                dial_ms.append(1000 * (heard - dial))
                stop_monitor(rig, sid)
                time.sleep(0.3)
        finally:
            rig.stop()
    report(args, alone, watched, click_ms, dial_ms)
    return 0


def report(
    args, alone: list[float], watched: list[float], click: list[float], dial: list[float]
) -> None:
    a, w = statistics.median(alone), statistics.median(watched)
    added = 100.0 * (w - a) / a if a else float("nan")
    print(f"caller process CPU, call alone      : {a:6.2f} % of a core  {_fmt(alone)}")
    print(f"caller process CPU, monitored {args.mode:7s}: {w:6.2f} % of a core  {_fmt(watched)}")
    print(f"added CPU while monitored           : {added:+6.1f} %   (target <= +50 %)")
    print(f"Listen click -> supervisor hears     : {statistics.median(click):6.1f} ms median "
          f"of {len(click)} {_fmt(click)}   (target <= 300 ms)")  # fmt: skip
    print(f"  of which dial -> supervisor hears  : {statistics.median(dial):6.1f} ms median "
          f"{_fmt(dial)}")  # fmt: skip
    print(f"windows {args.windows} x {args.window_s:g} s; load average {psutil.getloadavg()}")


def _fmt(values: list[float]) -> str:
    return "[" + " ".join(f"{v:.1f}" for v in values) + "]"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
