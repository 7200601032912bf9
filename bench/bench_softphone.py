"""Sampark vs baresip, side by side, against the same sipp echo UAS. Prints one table.

    python bench/bench_softphone.py [--idle-s 10] [--call-s 10] [--calls 7] [--no-gui]

Both user agents run in their own process (CPU and RSS are per process) and are measured one
after the other in the same run, against one ``sipp -sn uas -rtp_echo`` on loopback, with
null audio: a tone as capture, playback discarded (baresip: ``aufile`` source, no player;
Sampark: the engine's tone device through the headset bridge).

Measured, medians throughout:
* CPU idle — % of one core while registered-nothing/idle (median of 1 s windows);
* CPU in call — % of one core during a confirmed call with RTP flowing both ways;
* dial→CONFIRMED — from the dial command to the "established/confirmed" event, seen from
  this harness for both (median over ``--calls`` calls);
* RSS — idle and in call (Sampark headless engine), and the whole app (caller window,
  offscreen) in a call;
* audio callback interval p99 while the window is resized and repainted in a loop — the
  PortAudio bridge on JACK's dummy driver (``jackd -d dummy -r 16000 -p 320``).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import queue
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from procs import stop  # noqa: E402

MIB = 1024 * 1024
SWITCH_INTERVAL: float | None = None  # --switch-interval: passed to every Sampark process
CLOCK_RATE: int | None = None  # --clock-rate: passed to every Sampark process


# -- ports and processes ---------------------------------------------------------------------


def free_port(kind: int = socket.SOCK_DGRAM, also_tcp: bool = False) -> int:
    """A port currently free on 127.0.0.1 (UDP, and TCP too if asked)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if not also_tcp:
            return port
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            try:
                t.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def free_port_block(size: int) -> int:
    """Base of ``size`` consecutive UDP ports that are free right now (even base)."""
    for _ in range(200):
        base = free_port() & ~1
        socks = []
        try:
            for p in range(base, base + size):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(s)
                s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port block")


# SIGTERM, then SIGKILL after 5 s (tests/procs.py).
stop_process = functools.partial(stop, sig=signal.SIGTERM, timeout=5.0)


@contextmanager
def sipp_echo_uas() -> Iterator[str]:
    """``sipp -sn uas -rtp_echo`` on loopback; yields the URI to call."""
    port, media = free_port(), free_port_block(4)
    cmd = ["sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", str(port), "-mp", str(media)]
    cmd += ["-rtp_echo", "-nostdin", "-trace_err", "-error_file", os.devnull]
    proc = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        time.sleep(0.5)
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"sipp exited: {err}")
        yield f"sip:echo@127.0.0.1:{port}"
    finally:
        stop_process(proc)


# -- measurement -----------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """CPU time used so far by all live threads of a process, in seconds.

    Read from ``/proc/PID/task/*/schedstat`` (nanoseconds): ``cpu_times()`` counts clock ticks,
    too coarse (1 % of a core per 1 s window) for an idle figure near 0.1 %.
    """
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with suppress(OSError), open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
    except OSError:
        return sum(psutil.Process(pid).cpu_times()[:2])
    return total / 1e9


def thread_cpu(pid: int) -> dict[str, tuple[str, int]]:
    """Per thread: (name, CPU ns so far)."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        with suppress(OSError):
            base = f"/proc/{pid}/task/{tid}"
            with open(f"{base}/comm") as c, open(f"{base}/schedstat") as st:
                out[tid] = (c.read().strip(), int(st.read().split()[0]))
    return out


def by_thread_name(
    before: dict[str, tuple[str, int]], after: dict[str, tuple[str, int]], seconds: float
) -> dict[str, float]:
    """% of a core per thread name (threads with the same name added up), largest first."""
    use: dict[str, float] = {}
    for tid, (name, ns) in after.items():
        delta = ns - before.get(tid, (name, 0))[1]
        use[name] = use.get(name, 0.0) + 100.0 * delta / 1e9 / seconds
    return dict(sorted(use.items(), key=lambda kv: -kv[1]))


def cpu_windows(pid: int, seconds: float, window: float = 1.0) -> list[float]:
    """CPU use of one process, % of one core, in consecutive windows."""
    out = []
    prev_t, prev_c = time.perf_counter(), cpu_seconds(pid)
    end = prev_t + seconds
    while prev_t < end - window / 2:
        time.sleep(window)
        t, c = time.perf_counter(), cpu_seconds(pid)
        out.append(100.0 * (c - prev_c) / (t - prev_t))
        prev_t, prev_c = t, c
    return out


def rss_mib(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / MIB


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


@dataclass
class UaResult:
    name: str
    cpu_idle: float = float("nan")
    cpu_call: float = float("nan")
    dial_ms: float = float("nan")
    rss_idle: float = float("nan")
    rss_call: float = float("nan")
    threads: dict[str, float] = field(default_factory=dict)  # in call, % of a core by name
    notes: list[str] = field(default_factory=list)


# -- user agents -----------------------------------------------------------------------------


class UserAgent:
    """A UA process under test: commands out, events in (on a queue), timed by the harness."""

    name = "ua"
    proc: subprocess.Popen[Any]

    def __init__(self) -> None:
        self.events: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def start(self) -> None:
        raise NotImplementedError

    def dial(self, uri: str) -> None:
        raise NotImplementedError

    def hangup(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def is_established(self, ev: dict[str, Any]) -> bool:
        raise NotImplementedError

    def is_closed(self, ev: dict[str, Any]) -> bool:
        raise NotImplementedError

    def wait_event(
        self, pred: Callable[[dict[str, Any]], bool], timeout: float = 10.0
    ) -> tuple[float, dict[str, Any]]:
        """Waits for an event matching ``pred``; returns when it arrived, and the event."""
        end = time.perf_counter() + timeout
        while True:
            left = end - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"{self.name}: no matching event in {timeout} s")
            with suppress(queue.Empty):
                t, ev = self.events.get(timeout=left)
                if pred(ev):
                    return t, ev

    def wait_for(self, pred: Callable[[dict[str, Any]], bool], timeout: float = 10.0) -> float:
        return self.wait_event(pred, timeout)[0]

    def drain(self) -> list[dict[str, Any]]:
        out = []
        with suppress(queue.Empty):
            while True:
                out.append(self.events.get_nowait()[1])
        return out


def make_tone_wav(path: Path, rate: int = 8000, seconds: int = 120, freq: float = 440.0) -> None:
    import numpy as np

    t = np.arange(rate * seconds) / rate
    samples = (0.3 * 32767 * np.sin(2 * np.pi * freq * t)).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())


BARESIP_CONFIG = """\
poll_method		epoll
sip_listen		127.0.0.1:{sip_port}
call_max_calls		4
audio_source		aufile,{tone}
audio_player		none,none
audio_alert		none,none
audio_srate		8000
audio_channels		1
rtp_ports		{rtp_lo}-{rtp_hi}
module_path		{module_path}
module			g711.so
module			aufile.so
module			ctrl_tcp.so
module_app		account.so
module_app		menu.so
ctrl_tcp_listen		127.0.0.1:{ctrl_port}
"""


class Baresip(UserAgent):
    """Debian's baresip with null audio, driven over its ``ctrl_tcp`` netstring JSON socket."""

    name = "baresip"

    def __init__(self, workdir: Path) -> None:
        super().__init__()
        self.dir = workdir / "baresip"
        self.sock: socket.socket | None = None

    def _configure(self) -> int:
        self.dir.mkdir(parents=True, exist_ok=True)
        tone = self.dir / "tone.wav"
        make_tone_wav(tone)
        ctrl_port, rtp_lo = free_port(socket.SOCK_STREAM), free_port_block(16)
        (self.dir / "config").write_text(
            BARESIP_CONFIG.format(
                sip_port=free_port(also_tcp=True),
                tone=tone,
                rtp_lo=rtp_lo,
                rtp_hi=rtp_lo + 15,
                module_path="/usr/lib/baresip/modules",
                ctrl_port=ctrl_port,
            )
        )
        (self.dir / "accounts").write_text("<sip:bench@127.0.0.1>;regint=0\n")
        return ctrl_port

    def start(self) -> None:
        ctrl_port = self._configure()
        self.log = open(self.dir / "stdout.log", "wb")  # noqa: SIM115 — closed in stop()
        self.proc = subprocess.Popen(
            ["baresip", "-f", str(self.dir)],
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while self.sock is None:
            try:
                self.sock = socket.create_connection(("127.0.0.1", ctrl_port), timeout=1)
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("baresip did not open its control port") from None
                time.sleep(0.05)
        threading.Thread(target=self._reader, daemon=True).start()

    def _send(self, command: str, params: str = "") -> None:
        data = json.dumps({"command": command, "params": params, "token": command}).encode()
        assert self.sock is not None
        self.sock.sendall(b"%d:%s," % (len(data), data))

    def _reader(self) -> None:
        buf = b""
        assert self.sock is not None
        self.sock.settimeout(None)
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while (colon := buf.find(b":")) > 0 and len(buf) > colon + int(buf[:colon]):
                n = int(buf[:colon])
                msg, buf = buf[colon + 1 : colon + 1 + n], buf[colon + 2 + n :]
                self.events.put((time.perf_counter(), json.loads(msg)))

    def dial(self, uri: str) -> None:
        self._send("dial", uri)

    def hangup(self) -> None:
        self._send("hangup")

    def is_established(self, ev: dict[str, Any]) -> bool:
        return ev.get("type") == "CALL_ESTABLISHED"

    def is_closed(self, ev: dict[str, Any]) -> bool:
        return ev.get("type") == "CALL_CLOSED"

    def media_flowing(self, events: list[dict[str, Any]]) -> bool:
        return any(ev.get("type") == "CALL_RTPESTAB" for ev in events)

    def stop(self) -> None:
        with suppress(OSError):
            self._send("quit")
        with suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        stop_process(self.proc)
        if self.sock:
            self.sock.close()
        self.log.close()


class Sampark(UserAgent):
    """``bench/sampark_driver.py`` in a subprocess: JSON lines out, commands in."""

    name = "sampark"

    def __init__(self, extra_args: list[str] | None = None, env: dict[str, str] | None = None):
        super().__init__()
        self.extra_args = extra_args or []
        self.env = env
        self.stderr_lines: list[str] = []

    def start(self, timeout: float = 20.0) -> None:
        cmd = [sys.executable, str(ROOT / "bench" / "sampark_driver.py")]
        cmd += ["--rtp-port", str(free_port_block(16)), *self.extra_args]
        if SWITCH_INTERVAL:
            cmd += ["--switch-interval", str(SWITCH_INTERVAL)]
        if CLOCK_RATE:
            cmd += ["--clock-rate", str(CLOCK_RATE)]
        env = dict(os.environ, **(self.env or {}))
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            env=env,
            cwd=ROOT,
        )
        threading.Thread(target=self._reader, daemon=True).start()
        threading.Thread(target=self._err_reader, daemon=True).start()
        try:
            self.wait_for(lambda ev: ev.get("event") == "ready", timeout)
        except TimeoutError:
            stop_process(self.proc)
            err = "".join(self.stderr_lines[-30:])
            raise RuntimeError(f"sampark driver failed:\n{err}") from None

    def _reader(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with suppress(ValueError):
                self.events.put((time.perf_counter(), json.loads(line)))

    def _err_reader(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr_lines.append(line)

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def dial(self, uri: str) -> None:
        self.send(f"dial {uri}")

    def hangup(self) -> None:
        self.send("hangup")

    def _state(self, ev: dict[str, Any]) -> str:
        return str(ev.get("state", "")) if "call_id" in ev and "state" in ev else ""

    def is_established(self, ev: dict[str, Any]) -> bool:
        return self._state(ev) == "confirmed"

    def is_closed(self, ev: dict[str, Any]) -> bool:
        return self._state(ev) == "disconnected"

    def media_flowing(self, events: list[dict[str, Any]]) -> bool:
        rx = [ev.get("rx_packets", 0) for ev in events if "rx_packets" in ev]
        tx = [ev.get("tx_packets", 0) for ev in events if "tx_packets" in ev]
        return bool(rx and tx and max(rx) > 0 and max(tx) > 0)

    def stop(self) -> None:
        with suppress(OSError, ValueError):
            self.send("quit")
        with suppress(subprocess.TimeoutExpired):
            self.proc.wait(15)
        stop_process(self.proc)


# -- the runs --------------------------------------------------------------------------------


def place_call(ua: UserAgent, uri: str) -> float:
    """Dial, wait until established; returns dial→established in ms."""
    ua.drain()
    t0 = time.perf_counter()
    ua.dial(uri)
    t1 = ua.wait_for(ua.is_established)
    return 1000.0 * (t1 - t0)


def end_call(ua: UserAgent) -> None:
    ua.hangup()
    ua.wait_for(ua.is_closed)


def measure_ua(ua: Any, uri: str, args: argparse.Namespace) -> UaResult:
    res = UaResult(ua.name)
    ua.start()
    try:
        time.sleep(args.settle_s)
        res.cpu_idle = statistics.median(cpu_windows(ua.pid, args.idle_s))
        res.rss_idle = rss_mib(ua.pid)
        dials = []
        for _ in range(args.calls):
            dials.append(place_call(ua, uri))
            end_call(ua)
            time.sleep(0.3)
        res.dial_ms = statistics.median(dials)
        place_call(ua, uri)
        time.sleep(args.settle_s)
        before, t0 = thread_cpu(ua.pid), time.perf_counter()
        res.cpu_call = statistics.median(cpu_windows(ua.pid, args.call_s))
        res.threads = by_thread_name(before, thread_cpu(ua.pid), time.perf_counter() - t0)
        res.rss_call = rss_mib(ua.pid)
        if not ua.media_flowing(ua.drain()):
            res.notes.append(f"{ua.name}: no evidence of RTP flowing in the measured call")
        end_call(ua)
    finally:
        ua.stop()
    return res


@contextmanager
def jack_dummy() -> Iterator[str]:
    """A private JACK server on the dummy driver (paced like a sound card); yields its name."""
    name = f"sampark-bench-{os.getpid()}"
    cmd = ["jackd", "-n", name, "-d", "dummy", "-r", "16000", "-p", "320"]
    proc = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        env = dict(os.environ, JACK_DEFAULT_SERVER=name)
        subprocess.run(
            ["jack_wait", "-w", "-t", "10"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # it reports every failed connect while it polls
            timeout=15,
        )
        yield name
    finally:
        stop_process(proc)


def gui_whole_app(uri: str, args: argparse.Namespace) -> dict[str, Any]:
    """The caller window + engine (tone device) in a call: RSS and CPU of the whole app."""
    ua = Sampark(["--gui"], env=args.gui_env)
    ua.start()
    try:
        time.sleep(args.settle_s)
        out: dict[str, Any] = {"rss_idle": rss_mib(ua.pid)}
        place_call(ua, uri)
        time.sleep(args.settle_s)
        out["cpu_call"] = statistics.median(cpu_windows(ua.pid, args.call_s / 2))
        out["rss_call"] = rss_mib(ua.pid)
        end_call(ua)
    finally:
        ua.stop()
    return out


def busy_intervals(ua: Sampark, verb: str, seconds: float) -> tuple[list[float], int]:
    ua.drain()
    ua.send(f"{verb} {seconds}")
    _, done = ua.wait_event(lambda ev: ev.get("event") == "busy_done", seconds + 30)
    per_stream: dict[str, list[float]] = done["intervals_ms"]
    worst: list[float] = max(per_stream.values(), key=lambda v: p99(v) if v else 0.0, default=[])
    return worst, int(done.get("repaints", 0))


def gui_callback_intervals(uri: str, args: argparse.Namespace) -> dict[str, Any]:
    """PortAudio bridge on JACK dummy in a call; callback intervals while the window is busy."""
    with jack_dummy() as server:
        env = {**args.gui_env, "JACK_DEFAULT_SERVER": server}
        ua = Sampark(["--gui", "--portaudio", ""], env=env)
        ua.start()
        try:
            place_call(ua, uri)
            time.sleep(args.settle_s)
            quiet, _ = busy_intervals(ua, "quiet", args.busy_s / 2)
            busy, repaints = busy_intervals(ua, "busy", args.busy_s)
            end_call(ua)
        finally:
            ua.stop()
    if not busy:
        return {"notes": ["no PortAudio callbacks recorded while busy"]}
    return {
        "cb_p99": p99(busy),
        "cb_max": max(busy),
        "cb_p99_quiet": p99(quiet) if quiet else float("nan"),
        "cb_count": len(busy),
        "repaints_per_s": repaints / args.busy_s,
    }


@contextmanager
def xvfb_display() -> Iterator[str]:
    """A private Xvfb server; yields its DISPLAY value."""
    read_fd, write_fd = os.pipe()
    cmd = ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"]
    proc = subprocess.Popen(
        cmd,
        pass_fds=(write_fd,),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as f:
            number = f.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        yield f":{number}"
    finally:
        stop_process(proc)


def measure_gui(uri: str, args: argparse.Namespace) -> dict[str, Any]:
    if not args.xvfb:
        args.gui_env = {"QT_QPA_PLATFORM": "offscreen"}
        return measure_gui_phases(uri, args)
    with xvfb_display() as display:
        args.gui_env = {"QT_QPA_PLATFORM": "xcb", "DISPLAY": display}
        return measure_gui_phases(uri, args)


def measure_gui_phases(uri: str, args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {"notes": [], "platform": args.gui_env["QT_QPA_PLATFORM"]}
    for label, step in (("whole app", gui_whole_app), ("callback", gui_callback_intervals)):
        print(f"measuring sampark ({label}) ...", file=sys.stderr, flush=True)
        try:
            res = step(uri, args)
        except Exception as exc:  # one failed phase must not hide the other numbers
            out["notes"].append(f"{label}: {type(exc).__name__}: {exc}")
            continue
        out["notes"] += res.pop("notes", [])
        out.update(res)
    return out


# -- report ----------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    baresip: str
    sampark: str
    target: str
    ok: bool | None  # None: no verdict (not measured or informational)


def fmt(value: float, unit: str, digits: int = 1) -> str:
    return "n/a" if value != value else f"{value:.{digits}f} {unit}"


def verdict(value: float, limit: float) -> bool | None:
    return None if value != value or limit != limit else value <= limit


def extra_lines(gui: dict[str, Any]) -> list[str]:
    """Context for the GUI figures (informational, no target)."""
    lines = []
    if "cpu_call" in gui:
        lines.append(
            f"whole app in call: CPU {gui['cpu_call']:.2f} % of a core (window idle, "
            f"Qt platform {gui['platform']})"
        )
    if "cb_p99" in gui:
        lines.append(
            f"callback intervals while busy: n={gui['cb_count']}, max {gui['cb_max']:.2f} ms, "
            f"{gui['repaints_per_s']:.0f} resize+repaints/s; "
            f"p99 with the window quiet: {gui['cb_p99_quiet']:.2f} ms"
        )
    return lines


def build_rows(b: UaResult, s: UaResult, gui: dict[str, Any]) -> list[Row]:
    rows = [
        Row(
            "CPU idle (% of a core)",
            fmt(b.cpu_idle, "%", 2),
            fmt(s.cpu_idle, "%", 2),
            "≤ 0.3 %",
            verdict(s.cpu_idle, 0.3),
        ),
        Row(
            "CPU in call (% of a core)",
            fmt(b.cpu_call, "%", 2),
            fmt(s.cpu_call, "%", 2),
            f"≤ 2.5× baresip = {fmt(2.5 * b.cpu_call, '%', 2)}",
            verdict(s.cpu_call, 2.5 * b.cpu_call),
        ),
        Row(
            "dial→CONFIRMED (median)",
            fmt(b.dial_ms, "ms", 2),
            fmt(s.dial_ms, "ms", 2),
            f"≤ 1.5× baresip = {fmt(1.5 * b.dial_ms, 'ms', 2)}",
            verdict(s.dial_ms, 1.5 * b.dial_ms),
        ),
        Row(
            "RSS idle, engine headless",
            fmt(b.rss_idle, "MiB"),
            fmt(s.rss_idle, "MiB"),
            "≤ 35 MiB",
            verdict(s.rss_idle, 35),
        ),
        Row(
            "RSS in call, engine headless",
            fmt(b.rss_call, "MiB"),
            fmt(s.rss_call, "MiB"),
            "≤ 35 MiB",
            verdict(s.rss_call, 35),
        ),
        Row(
            "RSS in call, whole app (window)",
            "—",
            fmt(gui.get("rss_call", float("nan")), "MiB"),
            "≤ 120 MiB",
            verdict(gui.get("rss_call", float("nan")), 120),
        ),
        Row(
            "audio callback interval p99, GUI busy",
            "—",
            fmt(gui.get("cb_p99", float("nan")), "ms", 2),
            "≤ 22 ms",
            verdict(gui.get("cb_p99", float("nan")), 22),
        ),
    ]
    return rows


def print_table(rows: list[Row], out: Any = sys.stdout) -> None:
    head = Row("metric", "baresip", "sampark", "target", None)
    cols = [
        max(len(getattr(r, a)) for r in [head, *rows])
        for a in ("label", "baresip", "sampark", "target")
    ]
    mark = {True: "ok", False: "MISS", None: ""}
    for r in [head, *rows]:
        cells = (r.label, r.baresip, r.sampark, r.target)
        line = "  ".join(c.ljust(w) for c, w in zip(cells, cols, strict=True))
        print(f"{line}  {mark[r.ok] if r is not head else 'verdict'}".rstrip(), file=out)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--idle-s", type=float, default=10.0, help="idle CPU window (s)")
    ap.add_argument("--call-s", type=float, default=10.0, help="in-call CPU window (s)")
    ap.add_argument("--settle-s", type=float, default=2.0, help="wait before measuring (s)")
    ap.add_argument("--calls", type=int, default=7, help="calls for dial→CONFIRMED")
    ap.add_argument("--busy-s", type=float, default=10.0, help="GUI-busy window (s)")
    ap.add_argument("--no-gui", action="store_true", help="skip the window measurements")
    ap.add_argument(
        "--switch-interval",
        type=float,
        metavar="S",
        help="experiment: Sampark's GIL switch interval (default: the app's)",
    )
    ap.add_argument(
        "--clock-rate",
        type=int,
        metavar="HZ",
        help="experiment: Sampark's conference clock rate (default: the app's)",
    )
    ap.add_argument("--xvfb", action="store_true", help="show the window on Xvfb, not offscreen")
    ap.add_argument("--only", choices=["baresip", "sampark"], help="measure one side only")
    ap.add_argument("--json", metavar="FILE", help="also write the raw numbers as JSON")
    return ap.parse_args(argv)


def measure_safely(ua: UserAgent, uri: str, args: argparse.Namespace, notes: list[str]) -> UaResult:
    """``measure_ua``, but a failing side becomes a note instead of hiding the other side."""
    print(f"measuring {ua.name} ...", file=sys.stderr, flush=True)
    try:
        return measure_ua(ua, uri, args)
    except Exception as exc:
        notes.append(f"{ua.name}: {type(exc).__name__}: {exc}")
        return UaResult(ua.name)


def main(argv: list[str] | None = None) -> int:
    global SWITCH_INTERVAL, CLOCK_RATE
    args = parse_args(argv)
    SWITCH_INTERVAL = args.switch_interval
    CLOCK_RATE = args.clock_rate
    for tool in ("sipp", "baresip"):
        if not shutil.which(tool):
            print(f"missing {tool}: run scripts/install-deps.sh --test", file=sys.stderr)
            return 2
    results: dict[str, UaResult] = {}
    gui: dict[str, Any] = {}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="sampark-bench-") as tmp, sipp_echo_uas() as uri:
        notes: list[str] = []
        if args.only != "sampark":
            results["baresip"] = measure_safely(Baresip(Path(tmp)), uri, args, notes)
        if args.only != "baresip":
            results["sampark"] = measure_safely(Sampark(), uri, args, notes)
            if not args.no_gui:
                gui = measure_gui(uri, args)
    b = results.get("baresip", UaResult("baresip"))
    s = results.get("sampark", UaResult("sampark"))
    print_table(build_rows(b, s, gui))
    for res in (b, s):
        if res.threads:
            top = ", ".join(f"{n} {v:.2f} %" for n, v in list(res.threads.items())[:5])
            print(f"{res.name} in call, by thread: {top}")
    for line in extra_lines(gui):
        print(line)
    notes.append(
        f"load average (1 min) {load_before:.2f} before, {os.getloadavg()[0]:.2f} after, "
        f"on {os.cpu_count()} cores: other load skews every figure"
    )
    for note in notes + b.notes + s.notes + list(gui.get("notes", [])):
        print(f"note: {note}")
    if args.json:
        raw = {k: vars(v) for k, v in results.items()} | {"gui": gui}
        Path(args.json).write_text(json.dumps(raw, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
