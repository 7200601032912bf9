"""Retry delays for the outbox: exponential backoff with full jitter, capped."""

from __future__ import annotations

import random

BASE_SECONDS = 5.0
CAP_SECONDS = 300.0


def ceiling(attempts: int, base: float = BASE_SECONDS, cap: float = CAP_SECONDS) -> float:
    """Upper bound of the delay after ``attempts`` failures (1 → base, doubling, capped)."""
    exponent = max(attempts - 1, 0)
    if exponent > 32:  # avoid huge floats; far past the cap anyway
        return cap
    return min(cap, base * 2.0**exponent)


def delay(
    attempts: int,
    rng: random.Random | None = None,
    base: float = BASE_SECONDS,
    cap: float = CAP_SECONDS,
) -> float:
    """A jittered delay in [ceiling/2, ceiling]: never a thundering herd, never below half."""
    top = ceiling(attempts, base, cap)
    draw = (rng or random).random()
    return top / 2 + draw * top / 2
