"""TLS: the client verifies the server's certificate by default. A server with a
self-signed certificate is refused (``TransportError``) until the client is given that
certificate as its CA bundle (``verify=path``); then every reply flows as usual."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import uvicorn
from server_live import PASSWORD
from syncfix import reserve_port
from tlscert import self_signed

from softphone.sync import SyncClient, TransportError


@pytest.fixture
def tls_url(caller, tmp_path: Path) -> Iterator[tuple[str, Path]]:  # type: ignore[no-untyped-def]
    cert, key = self_signed(tmp_path)
    sock = reserve_port()
    config = uvicorn.Config(
        caller.live.app,
        log_level="warning",
        ssl_certfile=str(cert),
        ssl_keyfile=str(key),
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn (TLS) did not start"
        time.sleep(0.02)
    try:
        yield f"https://127.0.0.1:{sock.getsockname()[1]}", cert
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


def test_certificate_is_verified_by_default(caller, tls_url) -> None:  # type: ignore[no-untyped-def]
    url, cert = tls_url
    with requests.Session() as session, pytest.raises(TransportError, match="secure connection"):
        SyncClient(url, session).login(caller.username, PASSWORD)
    with requests.Session() as session:
        trusted = SyncClient(url, session, verify=str(cert))
        assert trusted.login(caller.username, PASSWORD).token
        assert trusted.time().server_time is not None
