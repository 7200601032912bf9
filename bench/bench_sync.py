"""Sync drain: how long the sync worker takes to deliver 10,000 queued outcomes.

    python bench/bench_sync.py [--outcomes N] [--runs R] [--pg] [--batch B]

A real ``sampark-server serve`` runs in its own process on loopback (an SQLite file; with
``--pg`` also a fresh PostgreSQL database on 127.0.0.1:5432). The outcomes are saved once
into a journal (``Journal.save_outcome``, durable), which is copied for every run; each run
gets a fresh server database (``seed-demo``), starts a ``SyncWorker`` on the copy and times
``drain()`` until the outbox is empty. Prints each run and the median (target ≤ 5 s).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from netports import free_port  # noqa: E402
from pgtest import database  # noqa: E402

from softphone.journal import CallRecord, Journal, Outcome  # noqa: E402
from softphone.sync import SyncClient, SyncWorker  # noqa: E402

TARGET_S = 5.0
SERVER = [sys.executable, "-m", "server.cli"]


def seed(url: str) -> dict[str, Any]:
    out = subprocess.run(
        [*SERVER, "seed-demo", "--json", "--database-url", url],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout)


@contextmanager
def serve(url: str):  # type: ignore[no-untyped-def]
    port = free_port()
    proc = subprocess.Popen(
        [*SERVER, "serve", "--database-url", url, "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(base + "/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def contact_ids(base: str, token: str, campaign_id: int) -> list[int]:
    client = SyncClient(base, requests.Session(), token=token)
    leases = client.lease(campaign_id, 50).leases
    ids = [lease.contact.id for lease in leases]
    client.release(ids)
    return ids


def fill_journal(path: Path, n: int, campaign_id: int, contacts: list[int]) -> None:
    end = datetime.now(UTC)
    with Journal(path) as journal:
        for i in range(n):
            call = CallRecord(
                number_dialled=f"+9198{i:08d}",
                started_at=end - timedelta(seconds=95),
                contact_id=contacts[i % len(contacts)],
                answered_at=end - timedelta(seconds=90),
                ended_at=end,
                sip_code=200,
                sip_reason="OK",
                media_stats={"mos": 4.3, "jitter_ms": 2.0, "loss_pct": 0.0, "codec": "PCMU"},
                script_version=1,
            )
            outcome = Outcome(
                contact_id=contacts[i % len(contacts)],
                campaign_id=campaign_id,
                disposition="no_answer",
                survey_answers={"q1": "yes"},
                notes="interested in the scheme; call again after harvest",
                script_version=1,
                language="hi",
            )
            journal.save_outcome(outcome, call)
        journal.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def login(base: str, world: dict[str, Any]) -> str:
    caller = next(u for u in world["users"] if u["role"] == "caller")
    client = SyncClient(base, requests.Session())
    return client.login(caller["username"], caller["password"]).token


def one_run(url: str, template: Path, folder: Path, n: int, batch: int) -> float:
    world = seed(url)
    with serve(url) as base:
        token = login(base, world)
        path = folder / f"run-{uuid.uuid4().hex[:6]}.sqlite3"
        shutil.copy(template, path)
        with Journal(path) as journal:
            assert journal.counts().waiting == n
            client = SyncClient(base, requests.Session(), token=token, timeout=(3.05, 60))
            worker = SyncWorker(
                client,
                journal,
                campaign_id=world["campaign_id"],
                lease_ahead=0,
                batch_size=batch,
            )
            t0 = time.perf_counter()
            worker.start()
            done = worker.drain(300)
            elapsed = time.perf_counter() - t0
            worker.stop()
            assert done, f"not drained: {journal.counts()}"
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outcomes", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--pg", action="store_true", help="also run against PostgreSQL")
    parser.add_argument("--dir", type=Path, default=None, help="folder for journals and DBs")
    args = parser.parse_args()
    os.environ.setdefault("SAMPARK_DATA_DIR", tempfile.mkdtemp(prefix="bench-sync-data-"))
    kinds = ["sqlite", "postgresql"] if args.pg else ["sqlite"]
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        template = folder / "template.sqlite3"
        with database("sqlite", folder, "sampark_bench") as url:
            world = seed(url)
            with serve(url) as base:
                contacts = contact_ids(base, login(base, world), world["campaign_id"])
        t0 = time.perf_counter()
        fill_journal(template, args.outcomes, world["campaign_id"], contacts)
        print(f"queued {args.outcomes} outcomes in {time.perf_counter() - t0:.1f} s (setup)")
        print(
            f"sync drain of {args.outcomes} outcomes, batches of {args.batch}, target <= "
            f"{TARGET_S:.0f} s"
        )
        for kind in kinds:
            times = []
            for _ in range(args.runs):
                with database(kind, folder, "sampark_bench") as url:
                    times.append(one_run(url, template, folder, args.outcomes, args.batch))
            median = statistics.median(times)
            verdict = "ok" if median <= TARGET_S else "OVER TARGET"
            runs = " ".join(f"{t:.2f}" for t in times)
            rate = args.outcomes / median
            print(f"{kind:<11} runs {runs} s  median {median:.2f} s  ({rate:,.0f}/s)  {verdict}")


if __name__ == "__main__":
    main()
