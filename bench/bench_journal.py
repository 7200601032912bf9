"""Outcome save-to-durable latency of the local journal.

    python bench/bench_journal.py [--saves N] [--dir PATH]

Each save is ``Journal.save_outcome(outcome, call)``: the wire payload is built and validated,
then the call row, the outcome row and its outbox entry are written in one transaction
committed with ``synchronous=FULL`` (fsync of the WAL). Times are
wall-clock from the call to its return, i.e. until the outcome is durable. The journal lives in
a fresh temporary folder (``--dir`` picks the disk to measure; the default is the system temp
folder, which may be tmpfs and then flatters the numbers).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from softphone.journal import CallRecord, Journal, Outcome

TARGET_P99_MS = 10.0


def _pair(i: int) -> tuple[Outcome, CallRecord]:
    start = datetime.now(UTC)
    call = CallRecord(
        number_dialled=f"+9198{i:08d}",
        started_at=start,
        contact_id=1 + i % 1000,
        answered_at=start + timedelta(seconds=3),
        ended_at=start + timedelta(seconds=90),
        sip_code=200,
        sip_reason="OK",
        media_stats={"mos": 4.3, "jitter_ms": 2.0, "loss_pct": 0.0, "rtt_ms": 40},
        script_version=1,
    )
    outcome = Outcome(
        contact_id=1 + i % 1000,
        campaign_id=1,
        disposition="completed",
        survey_answers={"q1": "yes", "q2": "ujjwala"},
        notes="interested in the scheme; call again after harvest",
        script_version=1,
        language="hi",
        scheme="PM-KISAN",
    )
    return outcome, call


def measure(folder: Path, saves: int) -> list[float]:
    """Milliseconds per durable save."""
    samples = []
    with Journal(folder / "journal.sqlite3") as journal:
        for i in range(saves):
            outcome, call = _pair(i)
            t0 = time.perf_counter()
            journal.save_outcome(outcome, call)
            samples.append((time.perf_counter() - t0) * 1000.0)
    return samples


def _percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100.0 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=2000)
    parser.add_argument("--dir", type=Path, default=None, help="folder on the disk to measure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        samples = measure(Path(tmp), args.saves)
    p50, p99 = statistics.median(samples), _percentile(samples, 99)
    verdict = "ok" if p99 <= TARGET_P99_MS else "OVER TARGET"
    print(f"journal outcome save-to-durable, {args.saves} saves (synchronous=FULL, WAL)")
    print(f"{'metric':<8} {'ms':>8} {'target':>10}")
    print(f"{'p50':<8} {p50:>8.3f} {'':>10}")
    print(f"{'p99':<8} {p99:>8.3f} {'<= ' + format(TARGET_P99_MS, '.1f'):>10}  {verdict}")
    print(f"{'max':<8} {max(samples):>8.3f} {'':>10}")


if __name__ == "__main__":
    main()
