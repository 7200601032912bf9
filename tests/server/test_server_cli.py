"""``sampark-server`` commands as subprocesses: seed-demo --json, migrate, and serve with
several worker processes sharing one database."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from tlscert import self_signed


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


def _start_serving(database_url: str, tmp_path: Path, *extra: str, scheme: str = "http"):  # type: ignore[no-untyped-def]
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
            "--log-level",
            "warning",
            *extra,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return proc, log, f"{scheme}://127.0.0.1:{port}", json.loads(seeded.stdout)


def _stop(proc: subprocess.Popen, log: Any) -> None:  # type: ignore[type-arg]
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    log.close()


@pytest.fixture
def served(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    proc, log, url, seeded = _start_serving(database_url, tmp_path, "--workers", "2")
    try:
        _wait_healthy(url, proc)
        yield url, seeded
    finally:
        _stop(proc, log)


def _wait_healthy(url: str, proc: subprocess.Popen, verify: Any = True) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "server exited early"
        try:
            if httpx.get(f"{url}/healthz", timeout=2, verify=verify).status_code == 200:
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


def test_serve_https(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    url = f"sqlite:///{tmp_path / 'tls.db'}"
    proc, log, base, seeded = _start_serving(
        url, tmp_path, "--ssl-certfile", str(cert), "--ssl-keyfile", str(key), scheme="https"
    )
    trust = ssl.create_default_context(cafile=str(cert))
    try:
        _wait_healthy(base, proc, verify=trust)
        user = seeded["users"][0]
        reply = httpx.post(
            f"{base}/api/v1/login",
            verify=trust,
            timeout=30,
            json={"username": user["username"], "password": user["password"]},
        )
        assert reply.status_code == 200 and reply.json()["sip"]["password"]
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{base}/healthz", timeout=5)  # untrusted certificate is refused
    finally:
        _stop(proc, log)


def test_serve_stops_promptly_with_open_board_streams(tmp_path: Path) -> None:
    """SIGTERM to `serve --workers 2` with board streams open: every process exits at once
    (the streams end within one poll; uvicorn's graceful shutdown is not held up)."""
    url_db = f"sqlite:///{tmp_path / 'server.db'}"
    proc, log, url, seeded = _start_serving(url_db, tmp_path, "--workers", "2")
    try:
        _wait_healthy(url, proc)
        sup = next(u for u in seeded["users"] if u["role"] == "supervisor")
        with httpx.Client(base_url=f"{url}/api/v1", timeout=30) as client:
            token = client.post(
                "/login", json={"username": sup["username"], "password": sup["password"]}
            ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        clients = [httpx.Client(base_url=f"{url}/api/v1", headers=headers) for _ in range(3)]
        opened = [c.stream("GET", "/board/events") for c in clients]  # keep the managers
        for stream in (manager.__enter__() for manager in opened):
            assert stream.status_code == 200
            assert next(stream.iter_raw()).startswith(b"event: board")
        started = time.monotonic()
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        took = time.monotonic() - started
        print(f"serve --workers 2 stopped with 3 open board streams in {took * 1000:.0f} ms")
        assert took < 5, took
        for client in clients:
            client.close()
    finally:
        _stop(proc, log)
