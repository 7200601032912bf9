"""Generate ``ring.wav``: a soft three-note marimba-like chime, twice, then a pause.

    python resources/sounds/make_ring.py

16 kHz mono 16-bit, ~3.2 s (the ringer loops it). Notes have a quick attack, exponential
decay and a few soft harmonics, so the tone is pleasant on cheap headsets and laptop speakers.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

RATE = 16000
NOTES = (659.25, 783.99, 1046.50)  # E5, G5, C6
NOTE_S, GAP_S, PHRASE_GAP_S, TAIL_S = 0.16, 0.02, 0.25, 1.2


def note(freq: float, seconds: float) -> np.ndarray:
    t = np.arange(int(RATE * seconds * 3)) / RATE  # let it ring past the next note
    env = np.minimum(t / 0.005, 1.0) * np.exp(-t * 6.0)
    partials = [(1.0, 1.0), (0.25, 2.0), (0.08, 3.0), (0.04, 4.01)]
    return env * sum(a * np.sin(2 * np.pi * freq * m * t) for a, m in partials)


def phrase() -> np.ndarray:
    step = int(RATE * (NOTE_S + GAP_S))
    out = np.zeros(step * len(NOTES) + int(RATE * NOTE_S * 3))
    for i, f in enumerate(NOTES):
        n = note(f, NOTE_S)
        out[i * step : i * step + len(n)] += n
    return out


def ringtone() -> np.ndarray:
    p = phrase()
    gap = int(RATE * PHRASE_GAP_S)
    out = np.zeros(2 * len(p) + gap + int(RATE * TAIL_S))
    out[: len(p)] += p
    out[len(p) + gap - int(RATE * NOTE_S * 2) :][: len(p)] += p
    out *= 0.6 / np.max(np.abs(out))
    fade = int(RATE * 0.3)
    out[-fade:] *= np.linspace(1, 0, fade)  # loop point is silent
    return np.round(out * 32767).astype("<i2")


def main() -> None:
    path = Path(__file__).with_name("ring.wav")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(ringtone().tobytes())
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
