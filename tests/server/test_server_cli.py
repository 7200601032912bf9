"""``sampark-server`` commands as subprocesses: seed-demo --json, migrate, and serve with
several worker processes sharing one database."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_seed_demo_json_then_login(database_url: str) -> None:
    done = _cli("seed-demo", "--database-url", database_url, "--json")
    assert done.returncode == 0, done.stderr
    users = json.loads(done.stdout)["users"]
    roles = sorted(u["role"] for u in users)
    assert roles == ["caller", "caller", "supervisor"]
    assert all(u["username"] and len(u["password"]) >= 12 for u in users)
    again = json.loads(_cli("seed-demo", "--database-url", database_url, "--json").stdout)
    assert [u["username"] for u in again["users"]] == [u["username"] for u in users]
    assert again["users"][0]["password"] != users[0]["password"], "re-seed rotates passwords"


def test_default_database_is_a_file_in_the_data_folder(tmp_path: Path) -> None:
    env = {**os.environ, "SAMPARK_DATA_DIR": str(tmp_path)}
    env.pop("SAMPARK_SERVER_DATABASE_URL", None)
    done = _cli("migrate", env=env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "server" / "sampark-server.db").stat().st_size > 0


@pytest.fixture
def served(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    seeded = _cli(
        "seed-demo", "--database-url", database_url, "--json", "--calling-window", "00:00-24:00"
    )
    assert seeded.returncode == 0, seeded.stderr
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "server.cli",
            "serve",
            "--database-url",
            database_url,
            "--port",
            str(port),
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url, json.loads(seeded.stdout)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def _wait_healthy(url: str, proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "server exited early"
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("server did not become healthy")


def test_serve_with_two_workers(served) -> None:  # type: ignore[no-untyped-def]
    url, seeded = served
    callers = [u for u in seeded["users"] if u["role"] == "caller"]
    leased: list[int] = []
    for user in callers:
        with httpx.Client(base_url=f"{url}/api/v1", timeout=30) as client:
            login = client.post(
                "/login", json={"username": user["username"], "password": user["password"]}
            )
            assert login.status_code == 200, login.text
            client.headers["Authorization"] = f"Bearer {login.json()['token']}"
            reply = client.post("/leases", json={"campaign_id": seeded["campaign_id"], "count": 8})
            assert reply.status_code == 200, reply.text
            leased += [lease["contact"]["id"] for lease in reply.json()["leases"]]
            ack = client.post("/presence", json={"state": "ready"})
            assert ack.status_code == 200
    assert len(leased) == 12 and len(set(leased)) == 12, "the demo's dozen contacts, once each"
