"""A lean load generator for the central server: raw HTTP/1.1 keep-alive over asyncio.

Run as its own process by ``bench/bench_server.py`` so its CPU is not the server's:

    python bench/loadgen.py CONFIG.json   →   one JSON object with the results on stdout

CONFIG: ``{"host", "port", "connections", "duration", "mode": "mix"|"healthz",
"tokens": [...], "contacts": [[ids of token 0], ...], "campaign_id", "outcome_every",
"lease_every", "batch_items"}``.

Each connection is a closed loop (send, read the whole reply, send the next). In ``mix``
mode request ``n`` of a connection is an outcome batch when ``n % outcome_every ==
outcome_every - 1``, a lease request when ``n % lease_every == lease_every // 2``, else a
heartbeat; the token rotates over all tokens so every request comes from another caller.
At the deadline no new request starts and the ones in flight are awaited, so the count of
outcome items acknowledged is exact (the bench compares it with the database).
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

try:
    import uvloop
except ImportError:  # pragma: no cover - uvicorn[standard] brings it
    uvloop = None  # type: ignore[assignment]

STATES = ("ready", "ready", "on_call", "wrap_up")


class Stats:
    """Counters and latencies shared by all connections of one run."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.by_kind_latencies: dict[str, list[float]] = {}
        self.by_kind: dict[str, int] = {}
        self.statuses: dict[int, int] = {}
        self.errors: list[str] = []
        self.items_sent = 0
        self.items_accepted = 0
        self.item_statuses: dict[str, int] = {}


class Mix:
    """Builds the request bytes for request ``n`` of connection ``conn_no``."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        self.cfg = cfg
        self.host = f"{cfg['host']}:{cfg['port']}"
        self.tokens: list[str] = cfg.get("tokens", [])
        self.contacts: list[list[int]] = cfg.get("contacts", [])
        self.outcome_every = int(cfg.get("outcome_every", 10))
        self.lease_every = int(cfg.get("lease_every", 40))
        self.batch_items = int(cfg.get("batch_items", 5))
        self.connections = int(cfg["connections"])

    def request(self, conn_no: int, n: int) -> tuple[str, bytes, int]:
        if self.cfg.get("mode") == "healthz":
            return "healthz", self._raw("GET", "/healthz", None, None), 0
        slot = conn_no + n * self.connections
        who = slot % len(self.tokens)
        token = self.tokens[who]
        if n % self.outcome_every == self.outcome_every - 1:
            body = self._batch(self.contacts[who], slot)
            return (
                "outcomes",
                self._raw("POST", "/api/v1/outcomes/batch", token, body),
                (self.batch_items),
            )
        if self.lease_every and n % self.lease_every == self.lease_every // 2:
            body = {"campaign_id": self.cfg["campaign_id"], "count": 1}
            return "leases", self._raw("POST", "/api/v1/leases", token, body), 0
        state = STATES[slot % len(STATES)]
        presence: dict[str, Any] = {"state": state}
        if state != "ready":
            presence["contact_id"] = self.contacts[who][slot % len(self.contacts[who])]
        return "presence", self._raw("POST", "/api/v1/presence", token, presence), 0

    def _batch(self, contact_ids: list[int], slot: int) -> dict[str, Any]:
        ended = datetime.now(UTC).isoformat()
        items = [
            {
                "uuid": str(uuid.uuid4()),
                "contact_id": contact_ids[(slot + i) % len(contact_ids)],
                "campaign_id": self.cfg["campaign_id"],
                "disposition": "no_answer",
                "phone": "+91 90000 00000",
                "ended_at": ended,
                "duration_s": 12.5,
                "sip_status": 480,
                "media": {"mos": 4.2},
            }
            for i in range(self.batch_items)
        ]
        return {"items": items}

    def _raw(self, method: str, path: str, token: str | None, body: Any) -> bytes:
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"
        if token:
            head += f"Authorization: Bearer {token}\r\n"
        if body is None:
            return (head + "\r\n").encode()
        data = json.dumps(body, separators=(",", ":")).encode()
        head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        return head.encode() + data


async def _read_reply(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    body = await reader.readexactly(length) if length else b""
    return status, body


async def _connection(mix: Mix, conn_no: int, deadline: float, stats: Stats) -> None:
    reader, writer = await asyncio.open_connection(mix.cfg["host"], mix.cfg["port"])
    n = 0
    try:
        while time.perf_counter() < deadline:
            kind, raw, items = mix.request(conn_no, n)
            n += 1
            start = time.perf_counter()
            writer.write(raw)
            status, body = await _read_reply(reader)
            elapsed = time.perf_counter() - start
            stats.latencies.append(elapsed)
            stats.by_kind_latencies.setdefault(kind, []).append(elapsed)
            stats.by_kind[kind] = stats.by_kind.get(kind, 0) + 1
            stats.statuses[status] = stats.statuses.get(status, 0) + 1
            if status >= 300 and len(stats.errors) < 5:
                stats.errors.append(f"{kind} {status} {body[:200]!r}")
            if items:
                stats.items_sent += items
                if status == 200:
                    _count_items(stats, body)
    finally:
        writer.close()


def _count_items(stats: Stats, body: bytes) -> None:
    for result in json.loads(body)["results"]:
        status = result["status"]
        stats.item_statuses[status] = stats.item_statuses.get(status, 0) + 1
        if status == "accepted":
            stats.items_accepted += 1


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


async def run(cfg: dict[str, Any]) -> dict[str, Any]:
    mix, stats = Mix(cfg), Stats()
    cpu0 = _cpu()
    start = time.perf_counter()
    deadline = start + float(cfg["duration"])
    await asyncio.gather(*(_connection(mix, i, deadline, stats) for i in range(mix.connections)))
    wall = time.perf_counter() - start
    cpu = _cpu() - cpu0
    lat = sorted(stats.latencies)
    return {
        "requests": len(lat),
        "wall_s": wall,
        "rps": len(lat) / wall,
        "p50_ms": _percentile(lat, 0.50) * 1000,
        "p99_ms": _percentile(lat, 0.99) * 1000,
        "by_kind": stats.by_kind,
        "by_kind_ms": {
            kind: {"p50": _percentile(v, 0.5) * 1000, "p99": _percentile(v, 0.99) * 1000}
            for kind, v in ((k, sorted(v)) for k, v in stats.by_kind_latencies.items())
        },
        "statuses": {str(k): v for k, v in stats.statuses.items()},
        "non_2xx": sum(v for k, v in stats.statuses.items() if not 200 <= k < 300),
        "errors": stats.errors,
        "items_sent": stats.items_sent,
        "items_accepted": stats.items_accepted,
        "item_statuses": stats.item_statuses,
        "cpu_s": cpu,
        "cpu_pct_of_core": 100 * cpu / wall,
    }


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str]) -> int:
    with open(argv[1], encoding="utf-8") as f:
        cfg = json.load(f)
    runner = uvloop.run if uvloop is not None else asyncio.run
    print(json.dumps(runner(run(cfg))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
