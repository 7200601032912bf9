"""Local audio: devices (PortAudio bridge, file/tone, null), ringer, device selection.

``use_audio_switch_interval()`` lowers the interpreter's GIL switch interval (DESIGN.md §2)
so a busy GUI or worker thread cannot hold the GIL for the default 5 ms while pjmedia's clock
thread and the PortAudio callback wait to run their per-frame Python code. Measured here
with one pure-Python busy thread: a 20 ms periodic thread wakes 5.2 ms late (median, p99
9.4 ms) at the default 5 ms, 2.2 ms late (p99 2.8 ms) at 2 ms. Call it once at process start
(the app launcher and the CLI), before audio starts.
"""

from __future__ import annotations

import sys

AUDIO_SWITCH_INTERVAL_S = 0.002


def use_audio_switch_interval(seconds: float = AUDIO_SWITCH_INTERVAL_S) -> float:
    """Set ``sys.setswitchinterval`` no higher than ``seconds``; returns the previous value."""
    previous = sys.getswitchinterval()
    if previous > seconds:
        sys.setswitchinterval(seconds)
    return previous
