"""A real-HTTP stand-in for the server's board feed (``GET /api/v1/board/events``), serving
the shapes docs/monitoring.md documents, until the server's own endpoint is used.

``BoardStandIn`` is a ``ThreadingHTTPServer`` on 127.0.0.1: each stream gets the current
snapshot at once and again after every ``publish``; ``: keep-alive`` comments every
``keepalive_s``. ``refuse = 401`` answers that status instead; ``drop_all()`` cuts the open
streams; ``chunked=True`` answers HTTP/1.1 with chunked transfer encoding (as uvicorn does),
else HTTP/1.0 with the body ending at close. ``board_row(...)`` builds one documented row.
"""

from __future__ import annotations

import contextlib
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "supervisor-token"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def board_row(
    user_id: int,
    username: str,
    state: str = "ready",
    *,
    sip_uri: str | None = None,
    contact: dict[str, Any] | None = None,
    call_seconds: float | None = None,
    since_seconds: float = 10.0,
    mos: float | None = None,
    monitorable: bool | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    now = datetime.now(UTC)
    on_call = state == "on_call"
    return {
        "user_id": user_id,
        "username": username,
        "display_name": username.replace("_", " ").title(),
        "state": state,
        "reason": reason,
        "since": iso(now - timedelta(seconds=since_seconds)),
        "updated_at": iso(now),
        "sip_uri": sip_uri if sip_uri is not None else f"sip:{username}@127.0.0.1",
        "contact": contact,
        "call_started_at": iso(now - timedelta(seconds=call_seconds))
        if call_seconds is not None
        else None,
        "quality": {"mos": mos, "loss_pct": 0.5, "jitter_ms": 12.0} if mos is not None else None,
        "monitorable": on_call if monitorable is None else monitorable,
    }


def contact(name: str, booth: str = "101", role: str = "booth president") -> dict[str, Any]:
    return {
        "id": abs(hash(name)) % 100000 + 1,
        "name": name,
        "role": role,
        "state": "Bihar",
        "parliamentary_constituency": "Patna Sahib",
        "assembly_constituency": "Bankipur",
        "booth_number": booth,
    }


class BoardStandIn:
    def __init__(
        self, token: str = TOKEN, keepalive_s: float = 15.0, chunked: bool = False
    ) -> None:
        self.token, self.keepalive_s, self.chunked = token, keepalive_s, chunked
        self.agents: list[dict[str, Any]] = []
        self.version = 0
        self.refuse: int | None = None
        self.connections = 0
        self.requests: list[dict[str, str]] = []  # headers of every stream request
        self._cv = threading.Condition()
        self._epoch = 0  # bumped by drop_all
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def publish(self, agents: list[dict[str, Any]]) -> None:
        with self._cv:
            self.agents = [dict(a) for a in agents]
            self.version += 1
            self._cv.notify_all()

    def drop_all(self) -> None:
        with self._cv:
            self._epoch += 1
            self._cv.notify_all()

    def snapshot(self) -> dict[str, Any]:
        return {"version": self.version, "server_time": iso(datetime.now(UTC)),
                "agents": self.agents}  # fmt: skip

    def stop(self) -> None:
        self.drop_all()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if standin.chunked else "HTTP/1.0"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if not self.path.startswith("/api/v1/board/events"):
                    self._error(404, "not_found")
                    return
                standin.requests.append(dict(self.headers.items()))
                if standin.refuse is not None:
                    self._error(standin.refuse, "refused")
                    return
                if self.headers.get("Authorization") != f"Bearer {standin.token}":
                    self._error(401, "unauthenticated")
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream; charset=utf-8")
                self.send_header("Cache-Control", "no-cache")
                if standin.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                with standin._cv:
                    standin.connections += 1
                    epoch = standin._epoch
                with contextlib.suppress(OSError):
                    self._stream(epoch)

            def _stream(self, epoch: int) -> None:
                sent = -1
                while True:
                    with standin._cv:
                        standin._cv.wait_for(
                            lambda s=sent: standin.version != s or standin._epoch != epoch,
                            standin.keepalive_s,
                        )
                        if standin._epoch != epoch:
                            break
                        version, body = standin.version, standin.snapshot()
                    if version != sent:
                        data = json.dumps(body, ensure_ascii=False)
                        self._write(f"event: board\ndata: {data}\n\n")
                        sent = version
                    else:
                        self._write(": keep-alive\n\n")
                if standin.chunked:
                    self.wfile.write(b"0\r\n\r\n")
                self.close_connection = True

            def _write(self, text: str) -> None:
                raw = text.encode("utf-8")
                if standin.chunked:
                    raw = f"{len(raw):x}\r\n".encode() + raw + b"\r\n"
                self.wfile.write(raw)
                self.wfile.flush()

            def _error(self, status: int, code: str) -> None:
                body = json.dumps({"error": {"code": code, "message": code}}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True

        return Handler
