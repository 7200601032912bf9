"""The whole caller app for the benchmark: ``SipEngine`` + ``Phone`` + the caller window.

Used by ``sampark_driver.py --gui``. Commands arrive on stdin (read on a helper thread and
handed to the GUI thread through a queued signal): ``dial URI`` and ``hangup`` go through
``Phone`` like the window's own buttons; ``busy SECONDS`` resizes and repaints the window as
fast as the GUI thread can for that long, then reports the audio callback intervals seen in
that window (``{"event": "busy_done", "intervals_ms": {...}, "repaints": N}``); ``quiet
SECONDS`` reports the same with the window left alone (the baseline); ``quit``.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from softphone import config
from softphone.audio.device import AudioDevice
from softphone.phone import Phone
from softphone.sip.engine import SipEngine
from ui.main_window import MainWindow

Emit = Callable[[dict[str, Any]], None]
SIZES = ((420, 560), (640, 720))


class _StdinBridge(QObject):
    line_read = Signal(str)

    def start(self) -> None:
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        for raw in sys.stdin:
            self.line_read.emit(raw.strip())
        self.line_read.emit("quit")


class BusyLoop(QObject):
    """Resizes and repaints a window back to back on the GUI thread for a fixed time."""

    def __init__(self, window: MainWindow, done: Callable[[int], None]) -> None:
        super().__init__(window)
        self.window, self.done = window, done
        self.timer = QTimer(self)
        self.timer.setInterval(0)
        self.timer.timeout.connect(self._tick)
        self.repaints = 0
        self.until = 0.0

    def run_for(self, seconds: float) -> None:
        self.repaints, self.until = 0, time.perf_counter() + seconds
        self.timer.start()

    def wait_for(self, seconds: float) -> None:
        """The same window of time with the GUI left alone (the baseline)."""
        QTimer.singleShot(round(seconds * 1000), lambda: self.done(0))

    def _tick(self) -> None:
        w, h = SIZES[self.repaints % 2]
        self.window.resize(w, h)
        self.window.repaint()
        self.repaints += 1
        if time.perf_counter() >= self.until:
            self.timer.stop()
            self.done(self.repaints)


class GuiDriver(QObject):
    def __init__(self, phone: Phone, window: MainWindow, device: AudioDevice, emit: Emit):
        super().__init__()
        self.phone, self.window, self.device, self.report = phone, window, device, emit
        self.busy = BusyLoop(window, self._busy_done)
        self._ticks_before: dict[str, int] = {}

    def on_line(self, line: str) -> None:
        verb, _, arg = line.partition(" ")
        if verb == "dial":
            self.phone.dial(arg)
        elif verb == "hangup":
            self.phone.hangup()
        elif verb in ("busy", "quiet"):
            self._ticks_before = {n: c.count for n, c in self._clocks().items()}
            run = self.busy.run_for if verb == "busy" else self.busy.wait_for
            run(float(arg or 10))
        elif verb == "quit":
            QApplication.quit()
        else:
            self.report({"event": "error", "reason": f"unknown command {line!r}"})

    def _clocks(self) -> dict[str, Any]:
        names = ("capture_clock", "playback_clock")
        return {n: getattr(self.device, n) for n in names if hasattr(self.device, n)}

    def _busy_done(self, repaints: int) -> None:
        intervals: dict[str, list[float]] = {}
        for name, clock in self._clocks().items():
            all_ms = clock.intervals_ms().tolist()
            new = min(clock.count - self._ticks_before.get(name, 0) - 1, len(all_ms))
            intervals[name] = all_ms[len(all_ms) - new :] if new > 0 else []
        self.report({"event": "busy_done", "repaints": repaints, "intervals_ms": intervals})


def run_gui(
    args: argparse.Namespace,
    device: AudioDevice,
    make_engine: Callable[[argparse.Namespace, AudioDevice], tuple[SipEngine, int]],
    emit: Emit,
    event_dict: Callable[[Any], dict[str, Any]],
) -> None:
    app = QApplication.instance() or QApplication(["sampark-bench"])
    engine, account_id = make_engine(args, device)
    engine.add_listener(lambda ev: emit(event_dict(ev)))
    phone = Phone(engine)
    phone.attach_account(account_id, "127.0.0.1", registers=False)
    window = MainWindow(phone, config.load())
    window.resize(*SIZES[0])
    window.show()
    driver = GuiDriver(phone, window, device, emit)
    bridge = _StdinBridge()
    bridge.line_read.connect(driver.on_line)
    bridge.start()
    QTimer.singleShot(0, lambda: emit({"event": "ready", "ports": engine.local_ports}))
    try:
        app.exec()
    finally:
        window.close()
        engine.stop()
