"""Helpers for the server tests: uvicorn in a thread on a free port, test data, logins."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

from server import admin, importer
from server.security import hash_password

PASSWORD = "correct horse battery staple"
_HASH = hash_password(PASSWORD)


class UvicornThread:
    """One uvicorn server in a background thread on a loopback socket: a free port by default,
    ``port`` to come back on the port clients keep trying (a server restart), or ``sock``, a
    socket bound earlier (``reserve_port``: connections are refused until the server starts)."""

    def __init__(self, app: FastAPI, port: int = 0, sock: socket.socket | None = None) -> None:
        if sock is None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))
        self.sock = sock
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def start(self) -> UvicornThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.sock.close()


@dataclass
class World:
    campaign_id: int
    centre_id: int
    callers: list[str]
    supervisor: str
    user_ids: dict[str, int] = field(default_factory=dict)


class Live:
    """The running server plus helpers to populate it and log in over HTTP."""

    def __init__(self, app: FastAPI, server: UvicornThread) -> None:
        self.app, self.server, self.url = app, server, server.url
        self.engine: Engine = app.state.engine
        self._clients: list[httpx.Client] = []

    def client(self, token: str | None = None, base_url: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = httpx.Client(
            base_url=(base_url or self.url) + "/api/v1", headers=headers, timeout=30
        )
        self._clients.append(client)
        return client

    def login(self, username: str, base_url: str | None = None) -> httpx.Client:
        reply = self.client(base_url=base_url).post(
            "/login", json={"username": username, "password": PASSWORD}
        )
        assert reply.status_code == 200, reply.text
        client = self.client(reply.json()["token"], base_url)
        client.login_reply = reply.json()  # type: ignore[attr-defined]
        return client

    def setup(self, contacts: int = 10, callers: int = 2, **campaign: Any) -> World:
        tag = uuid.uuid4().hex[:8]
        campaign.setdefault("window_start", "00:00")
        campaign.setdefault("window_end", "24:00")
        campaign.setdefault("retry_gap_seconds", 0)
        with self.engine.begin() as conn:
            campaign_id = admin.create_campaign(conn, f"campaign {tag}", **campaign)
            admin.add_script(conn, campaign_id, SCRIPT)
            centre_id = admin.create_centre(conn, f"centre {tag}", campaign_id)
            names = [f"caller{i}_{tag}" for i in range(callers)]
            world = World(campaign_id, centre_id, names, f"sup_{tag}")
            for name in names:
                world.user_ids[name] = self._user(conn, name, "caller", centre_id)
            world.user_ids[world.supervisor] = self._user(
                conn, world.supervisor, "supervisor", centre_id
            )
        if contacts:
            report = importer.import_csv(self.engine, campaign_id, contacts_csv(contacts, tag))
            assert report.committed and not report.rejected, report
        return world

    @staticmethod
    def _user(conn: Any, name: str, role: str, centre_id: int) -> int:
        return admin.create_user(conn, name, role, centre_id, PASSWORD, password_hash=_HASH)[0]

    def close(self) -> None:
        for client in self._clients:
            client.close()

    @classmethod
    @contextmanager
    def running(cls, database_url: str) -> Iterator[Live]:
        """The real app on ``database_url`` under uvicorn on a free loopback port; clients,
        server and engine are closed on exit."""
        from server.app import create_app

        app = create_app(database_url)
        server = UvicornThread(app).start()
        helper = cls(app, server)
        try:
            yield helper
        finally:
            helper.close()
            server.stop()
            app.state.engine.dispose()


SCRIPT = {
    "language": "en",
    "title": "Test script",
    "sections": [{"title": "Hello", "text": "Namaste {{name}} of booth {{booth_number}}"}],
    "questions": [{"key": "aware", "text": "Heard of it?", "options": ["yes", "no"]}],
}
CSV_HEADER = (
    "name,role,state,parliamentary_constituency,assembly_constituency,booth_number,"
    "language,phones,scheme\n"
)


def contacts_csv(count: int, tag: str) -> str:
    """``count`` valid contact rows with numbers unique to ``tag``."""
    base = int(tag, 16) % 10_000
    rows = [
        f"Person {i},booth president,Bihar,Patna Sahib,Bankipur,{100 + i % 5},hi,"
        f"9{base:04d}{i:05d},PM-KISAN\n"
        for i in range(count)
    ]
    return CSV_HEADER + "".join(rows)
