"""Ending a process the tests or benchmarks started: politely first, then for sure."""

from __future__ import annotations

import signal
import subprocess
from typing import Any


def stop(proc: subprocess.Popen[Any], sig: int = signal.SIGINT, timeout: float = 10) -> None:
    """Send ``sig`` (default SIGINT: the app's clean shutdown, like Ctrl+C), then SIGKILL if
    the process has not ended after ``timeout`` s. Nothing if it already ended."""
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
