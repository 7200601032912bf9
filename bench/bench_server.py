"""Central server throughput: heartbeats + outcome batches + leases on PostgreSQL.

    .venv/bin/python bench/bench_server.py [--workers N[,N...]] [--duration S] [--runs R]
                                           [--connections C] [--callers K] [--sqlite]
                                           [--json FILE]

A fresh database (PostgreSQL on 127.0.0.1:5432 as user ``postgres``, or an SQLite file with
``--sqlite``) gets a campaign, a centre, ``--callers`` logged-in callers (tokens) and ten
contacts each. For every worker count, ``sampark-server serve --workers N`` runs as a
subprocess on a free loopback port and ``bench/loadgen.py`` (a separate process) drives it:
a warm-up, then ``--runs`` runs of the mix (per 40 requests of a connection: 35 heartbeats
from rotating callers, 4 outcome batches of 5 items, 1 lease), then the same generator
against ``GET /healthz`` as the stack's ceiling on this machine. Printed: requests/s (median
of the runs), p50/p99 latency, non-2xx count, CPU of the server (all workers), of PostgreSQL
and of the generator. At the end the outcomes in the database are counted and must equal
the items the generator had acknowledged (no lost or doubled writes). Exit status 1 on any
error or mismatch.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from netports import free_port  # noqa: E402
from pgtest import database  # noqa: E402

from server import admin, importer, migrate  # noqa: E402
from server.db import make_engine, now  # noqa: E402
from server.security import hash_password, new_token  # noqa: E402
from server.tables import contacts, outcomes, tokens  # noqa: E402

CONTACTS_PER_CALLER = 10
SCRIPT = {"language": "en", "title": "Bench", "sections": [{"title": "Hi", "text": "{{name}}"}]}


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default=str(os.cpu_count() or 1), help="e.g. 1,2,3")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--callers", type=int, default=200)
    parser.add_argument("--sqlite", action="store_true", help="SQLite file instead of PostgreSQL")
    parser.add_argument(
        "--token-cache-seconds", type=float, default=None, help="server token cache (0 = off)"
    )
    parser.add_argument(
        "--outcome-every", type=int, default=10, help="every Nth request is an outcome batch"
    )
    parser.add_argument(
        "--lease-every", type=int, default=40, help="every Nth request is a lease (0 = none)"
    )
    parser.add_argument("--json", type=Path, help="write the raw numbers here")
    return parser.parse_args(argv)


def seed(url: str, callers: int) -> dict[str, Any]:
    """Campaign, centre, callers with tokens, contacts; returns what the generator needs."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    pw_hash = hash_password("bench password")
    with engine.begin() as conn:
        campaign_id = admin.create_campaign(
            conn,
            "bench",
            window_start="00:00",
            window_end="24:00",
            retry_gap_seconds=0,
            max_calls_per_day=1_000_000,
            max_calls_per_week=1_000_000,
        )
        admin.add_script(conn, campaign_id, SCRIPT)
        centre_id = admin.create_centre(conn, "bench centre", campaign_id)
        raw_tokens = []
        for i in range(callers):
            user_id, _ = admin.create_user(
                conn, f"caller{i:05d}", "caller", centre_id, "x", password_hash=pw_hash
            )
            token, digest = new_token()
            raw_tokens.append(token)
            conn.execute(
                insert(tokens).values(
                    token_hash=digest, user_id=user_id, created_at=now(), expires_at=_later()
                )
            )
    report = importer.import_csv(engine, campaign_id, _contacts_csv(callers * CONTACTS_PER_CALLER))
    assert report.committed and not report.rejected, report
    with engine.connect() as conn:
        ids = conn.execute(
            select(contacts.c.id).where(contacts.c.campaign_id == campaign_id).order_by("id")
        ).scalars()
        ids = list(ids)
    engine.dispose()
    per = CONTACTS_PER_CALLER
    return {
        "campaign_id": campaign_id,
        "tokens": raw_tokens,
        "contacts": [ids[i * per : (i + 1) * per] for i in range(callers)],
    }


def _later() -> Any:
    from datetime import timedelta

    return now() + timedelta(hours=16)


def _contacts_csv(count: int) -> str:
    head = (
        "name,role,state,parliamentary_constituency,assembly_constituency,booth_number,"
        "language,phones,scheme\n"
    )
    rows = (
        f"Person {i},booth president,Bihar,Patna Sahib,Bankipur,{100 + i % 50},hi,"
        f"9{i:09d},PM-KISAN\n"
        for i in range(count)
    )
    return head + "".join(rows)


def count_outcomes(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(outcomes)).scalar_one()
    engine.dispose()
    return int(total)


class Server:
    """``sampark-server serve --workers N`` in its own process group."""

    def __init__(
        self, url: str, workers: int, log: Path, env: dict[str, str] | None = None
    ) -> None:
        self.port = free_port()
        cmd = [sys.executable, "-m", "server.cli", "serve", "--database-url", url]
        cmd += ["--port", str(self.port), "--workers", str(workers), "--log-level", "warning"]
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )
        self.workers = workers

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            spawned = len(psutil.Process(self.proc.pid).children())
            if (self.workers == 1 or spawned >= self.workers) and _healthy(self.port):
                time.sleep(0.5 if self.workers == 1 else 2.0)  # let every worker finish starting
                return
            time.sleep(0.1)
        raise RuntimeError("server did not start")

    def cpu(self) -> float:
        procs = [psutil.Process(self.proc.pid)]
        procs += procs[0].children(recursive=True)
        return sum(_cpu_of(p) for p in procs)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def _healthy(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return sock.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def _cpu_of(proc: psutil.Process) -> float:
    try:
        times = proc.cpu_times()
    except psutil.Error:
        return 0.0
    return float(times.user + times.system)


def postgres_cpu() -> dict[int, float]:
    """CPU seconds of every PostgreSQL process, by pid (read only)."""
    result = {}
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] in ("postgres", "postmaster"):
            result[proc.pid] = _cpu_of(proc)
    return result


def _pg_delta(before: dict[int, float]) -> float:
    after = postgres_cpu()
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def drive(
    server: Server, data: dict[str, Any], mode: str, duration: float, conns: int, **mix: Any
) -> dict:
    """One run of ``bench/loadgen.py`` against ``server``; CPU of server and PostgreSQL too."""
    cfg = {
        **data,
        "host": "127.0.0.1",
        "port": server.port,
        "connections": conns,
        "duration": duration,
        "mode": mode,
        "outcome_every": 10,
        "lease_every": 40,
        "batch_items": 5,
        **mix,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(cfg, f)
    cpu0, pg0 = server.cpu(), postgres_cpu()
    try:
        done = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "loadgen.py"), f.name],
            capture_output=True,
            text=True,
            timeout=duration + 120,
        )
    finally:
        os.unlink(f.name)
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    wall = result["wall_s"]
    result["server_cpu_pct"] = 100 * (server.cpu() - cpu0) / wall
    result["postgres_cpu_pct"] = 100 * _pg_delta(pg0) / wall
    return result


def bench_workers(url: str, data: dict[str, Any], workers: int, args: argparse.Namespace) -> dict:
    """Warm-up, ``args.runs`` runs of the mix and one ``/healthz`` run on N workers."""
    log = Path(tempfile.gettempdir()) / f"sampark-bench-server-{os.getpid()}-{workers}.log"
    env = {}
    if args.token_cache_seconds is not None:
        env["SAMPARK_SERVER_TOKEN_CACHE_SECONDS"] = str(args.token_cache_seconds)
    server = Server(url, workers, log, env)
    try:
        server.wait_ready()
        mix = {"outcome_every": args.outcome_every, "lease_every": args.lease_every}
        runs = [drive(server, data, "mix", args.warmup, args.connections, **mix)]
        for _ in range(args.runs):
            runs.append(drive(server, data, "mix", args.duration, args.connections, **mix))
        peer = drive(server, data, "healthz", args.duration, args.connections)
    finally:
        server.stop()
    measured = runs[1:]
    median = sorted(measured, key=lambda r: r["rps"])[len(measured) // 2]
    return {
        "workers": workers,
        "rps_median": statistics.median(r["rps"] for r in measured),
        "rps_runs": [round(r["rps"]) for r in measured],
        "median_run": median,
        "healthz": peer,
        "non_2xx": sum(r["non_2xx"] for r in runs),
        "errors": [e for r in runs for e in r["errors"]][:5],
        "items_sent": sum(r["items_sent"] for r in runs),
        "items_accepted": sum(r["items_accepted"] for r in runs),
    }


def _print(results: list[dict], db_outcomes: int, args: argparse.Namespace) -> None:
    print(
        f"\nserver throughput, {'SQLite' if args.sqlite else 'PostgreSQL'}, "
        f"{args.connections} connections, {args.callers} callers, "
        f"{args.duration:g} s × {args.runs} runs (median), {os.cpu_count()} CPUs"
    )
    head = f"{'workers':>7} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>7} "
    head += f"{'server%':>8} {'pg%':>6} {'gen%':>6} {'healthz/s':>9} {'hz gen%':>8}  runs"
    print(head)
    for r in results:
        m, hz = r["median_run"], r["healthz"]
        print(
            f"{r['workers']:>7} {r['rps_median']:>7.0f} {m['p50_ms']:>7.1f} {m['p99_ms']:>7.1f} "
            f"{r['non_2xx']:>7} {m['server_cpu_pct']:>8.0f} {m['postgres_cpu_pct']:>6.0f} "
            f"{m['cpu_pct_of_core']:>6.0f} {hz['rps']:>9.0f} {hz['cpu_pct_of_core']:>8.0f}  "
            f"{r['rps_runs']}"
        )
    mix = results[-1]["median_run"]["by_kind"]
    print(f"mix of one run: {mix}; CPU in % of one core (server = all workers)")
    for r in results:
        kinds = r["median_run"]["by_kind_ms"].items()
        text = ", ".join(f"{k} {v['p50']:.0f}/{v['p99']:.0f}" for k, v in sorted(kinds))
        print(f"  {r['workers']} workers, p50/p99 ms by kind: {text}")
    print(f"load average before / after: {args.load_before} / {_load()}")
    for r in results:
        m, hz = r["median_run"], r["healthz"]
        server, pg = _per_req(m, "server_cpu_pct"), _per_req(m, "postgres_cpu_pct")
        gen, peer = _per_req(m, "cpu_pct_of_core"), _per_req(hz, "server_cpu_pct")
        print(
            f"  {r['workers']} workers, CPU per request: server {server}, PostgreSQL {pg}, "
            f"generator {gen}; /healthz: server {peer}"
        )
    accepted = sum(r["items_accepted"] for r in results)
    sent = sum(r["items_sent"] for r in results)
    verdict = "ok" if db_outcomes == accepted == sent else "MISMATCH"
    print(f"outcomes: sent {sent}, acknowledged accepted {accepted}, in database {db_outcomes}")
    print(f"no lost or doubled writes: {verdict}")
    for r in results:
        for err in r["errors"]:
            print(f"  error ({r['workers']} workers): {err}")


def _per_req(run: dict, key: str) -> str:
    """CPU time per request in ms (less sensitive to the machine's other load than req/s)."""
    return f"{run[key] / 100 / max(run['rps'], 1e-9) * 1000:.2f} ms"


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    worker_counts = [int(w) for w in args.workers.split(",")]
    args.load_before = _load()
    with (
        tempfile.TemporaryDirectory(prefix="sampark-bench-") as tmp,
        database("sqlite" if args.sqlite else "postgresql", Path(tmp), "sampark_bench") as url,
    ):
        data = seed(url, args.callers)
        results = [bench_workers(url, data, n, args) for n in worker_counts]
        db_outcomes = count_outcomes(url)
    _print(results, db_outcomes, args)
    if args.json:
        summary = {"results": results, "db_outcomes": db_outcomes, "args": vars(args)}
        args.json.write_text(json.dumps(summary, indent=2, default=str))
    sent = sum(r["items_sent"] for r in results)
    accepted = sum(r["items_accepted"] for r in results)
    bad = any(r["non_2xx"] for r in results) or not db_outcomes == accepted == sent
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
