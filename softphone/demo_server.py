"""The embedded demo server (DESIGN.md §8): the real central server on a throwaway SQLite file.

``start_demo_server()`` creates a temporary SQLite database (or uses ``data_dir``), runs the
server's migrations, seeds the demo centre — the "Jan Samvad demo" campaign with Hindi and
English scripts, survey questions, a dozen contacts, a calling window open all day and a short
retry gap — plus two callers and a supervisor, and serves the real FastAPI app
(``server.app.create_app``) under uvicorn in a background thread on a free loopback port.

The demo callers' SIP domain is what the softphone completes plain numbers with, so a contact's
``+91…`` number becomes ``sip:+91…@<sip_domain>``. Pass the engine's loopback address and port
(``127.0.0.1:<udp port>``) as ``sip_domain`` (or call ``DemoServer.set_sip_domain`` later) and
every contact number reaches the simulated callee: pjsua hands a request that matches no
account's user to the first account created, which is the ``DemoCallee`` when it is started
before the caller's account (see ``softphone.demo``).

This is the only ``softphone`` module that imports ``server`` (docs/caller-workflow.md); it
needs the ``server`` extra (FastAPI, uvicorn, SQLAlchemy, Alembic).
"""

from __future__ import annotations

import logging
import secrets
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("sampark.demo_server")

DEMO_HOST = "127.0.0.1"
CENTRE = "Demo Centre"
CAMPAIGN = "Jan Samvad demo"
CALLERS = ("caller1", "caller2")
SUPERVISOR = "supervisor1"
RETRY_GAP_SECONDS = 60  # a contact left open may be dialled again a minute later
DB_NAME = "sampark-demo-server.db"


@dataclass
class DemoServer:
    """A running embedded server and the credentials the demo logs in with."""

    url: str  # http://127.0.0.1:<port>, no trailing slash
    caller_username: str
    caller_password: str
    supervisor_username: str
    supervisor_password: str
    campaign_id: int
    centre_id: int
    database_path: Path
    sip_domain: str
    startup_seconds: float
    other_callers: dict[str, str] = field(default_factory=dict)  # username -> password
    _uvicorn: Any = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _sock: socket.socket | None = field(default=None, repr=False)
    _engine: Any = field(default=None, repr=False)
    _temp_dir: Path | None = field(default=None, repr=False)

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/v1"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def set_sip_domain(self, domain: str) -> None:
        """Point the demo callers' SIP identity (returned at the next login) at ``domain``."""
        from server.tables import users

        with self._engine.begin() as conn:
            conn.execute(users.update().where(users.c.role == "caller").values(sip_domain=domain))
        self.sip_domain = domain

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving; delete the database unless it lives in a caller-given ``data_dir``."""
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._engine is not None:
            self._engine.dispose()
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    def __enter__(self) -> DemoServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_demo_server(
    data_dir: Path | None = None,
    host: str = DEMO_HOST,
    *,
    sip_domain: str = DEMO_HOST,
    startup_timeout: float = 20.0,
) -> DemoServer:
    """Migrate, seed and serve the demo database; returns once the server accepts requests.

    ``data_dir``: keep the database there (``sampark-demo-server.db``, reused and kept on
    ``stop()``); default: a temporary folder deleted on ``stop()``.
    """
    started = time.perf_counter()
    temp_dir = None if data_dir is not None else Path(tempfile.mkdtemp(prefix="sampark-demo-"))
    folder = data_dir if data_dir is not None else temp_dir
    assert folder is not None
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / DB_NAME
    try:
        app = _create_app(db_path)
        seeded = seed(app.state.engine, sip_domain)
        sock, server, thread = _serve(app, host, startup_timeout)
    except BaseException:
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
        raise
    port = sock.getsockname()[1]
    demo = DemoServer(
        url=f"http://{host}:{port}",
        caller_username=CALLERS[0],
        caller_password=seeded["password"],
        supervisor_username=SUPERVISOR,
        supervisor_password=seeded["password"],
        campaign_id=seeded["campaign_id"],
        centre_id=seeded["centre_id"],
        database_path=db_path,
        sip_domain=sip_domain,
        startup_seconds=round(time.perf_counter() - started, 3),
        other_callers={name: seeded["password"] for name in CALLERS[1:]},
        _uvicorn=server,
        _thread=thread,
        _sock=sock,
        _engine=app.state.engine,
        _temp_dir=temp_dir,
    )
    log.info("demo server at %s (started in %.2f s)", demo.url, demo.startup_seconds)
    return demo


def _create_app(db_path: Path) -> Any:
    from server.app import create_app

    return create_app(f"sqlite:///{db_path}")


def seed(engine: Any, sip_domain: str) -> dict[str, Any]:
    """Create the demo centre, campaign, contacts and users, or refresh an existing seed.

    All demo users share one fresh random password per start (hashed once: the KDF is
    deliberately slow). Returns ``{"password", "campaign_id", "centre_id"}``.
    """
    from server import admin, importer
    from server.security import hash_password

    password = secrets.token_urlsafe(12)
    password_hash = hash_password(password)
    with engine.begin() as conn:
        centre = admin.find_centre(conn, CENTRE)
        if centre is not None:
            _refresh_users(conn, password_hash, sip_domain)
            return {"password": password, "campaign_id": centre.campaign_id, "centre_id": centre.id}
        campaign_id = _create_campaign(conn)
        centre_id = admin.create_centre(conn, CENTRE, campaign_id)
        for name, role in [(c, "caller") for c in CALLERS] + [(SUPERVISOR, "supervisor")]:
            admin.create_user(
                conn, name, role, centre_id, password, sip_domain, password_hash=password_hash
            )
    from server import seed as server_seed

    report = importer.import_csv(engine, campaign_id, server_seed.demo_csv(), strict=True)
    if not report.committed:
        raise RuntimeError(f"demo contacts not imported: {report.rejected}")
    return {"password": password, "campaign_id": campaign_id, "centre_id": centre_id}


def _create_campaign(conn: Any) -> int:
    from server import admin
    from server import seed as server_seed

    campaign_id: int = admin.create_campaign(
        conn,
        CAMPAIGN,
        window_start="00:00",
        window_end="24:00",  # the demo works at any hour
        retry_gap_seconds=RETRY_GAP_SECONDS,
        schemes=list(server_seed.SCHEMES),
        dispositions=[
            {"code": "supporter_confirmed", "label": "Confirmed supporter", "final": True}
        ],
    )
    admin.add_script(conn, campaign_id, server_seed.SCRIPT_HI)
    admin.add_script(conn, campaign_id, server_seed.SCRIPT_EN)
    return campaign_id


def _refresh_users(conn: Any, password_hash: str, sip_domain: str) -> None:
    from server.tables import users

    names = [*CALLERS, SUPERVISOR]
    conn.execute(
        users.update()
        .where(users.c.username.in_(names))
        .values(password_hash=password_hash, failed_logins=0, locked_until=None)
    )
    conn.execute(users.update().where(users.c.role == "caller").values(sip_domain=sip_domain))


def _serve(app: Any, host: str, timeout: float) -> tuple[socket.socket, Any, threading.Thread]:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((host, 0))
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on", log_config=None
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="sampark-demo-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            sock.close()
            raise RuntimeError("the embedded demo server did not start")
        time.sleep(0.01)
    return sock, server, thread
