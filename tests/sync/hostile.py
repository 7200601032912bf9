"""A tiny hostile HTTP server (stdlib, in a thread, on a free loopback port).

In ``proxy`` mode it forwards every request to the real server; in ``drop`` mode it forwards
the request and then closes the connection without answering (the server has the outcomes,
the client never hears so); every other mode answers with one kind of bad reply. ``queue``
holds modes to use for the next requests (then ``mode`` applies). Every request's path and
``Authorization`` header is recorded.
"""

from __future__ import annotations

import http.client
import json
import threading
import uuid
from collections import deque
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

NOW = datetime.now(UTC).isoformat()


def _items(body: bytes) -> list[dict[str, Any]]:
    try:
        return list(json.loads(body or b"{}").get("items", []))
    except ValueError:
        return []


def _results(items: list[dict[str, Any]], status: str = "accepted") -> list[dict[str, Any]]:
    return [{"uuid": item.get("uuid"), "status": status, "reason": None} for item in items]


class Hostile:
    def __init__(self, upstream: str | None = None) -> None:
        self.upstream = upstream
        self.mode = "proxy"
        self.queue: deque[str] = deque()
        self.seen: list[tuple[str, str, str | None]] = []  # method, path, Authorization
        self.replies: list[bytes] = []  # upstream reply bodies (proxy and drop modes)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> Hostile:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def next_mode(self) -> str:
        return self.queue.popleft() if self.queue else self.mode

    def forward(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict, bytes]:
        assert self.upstream is not None, "no upstream for proxy mode"
        target = urlsplit(self.upstream)
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        keep = {k: v for k, v in headers.items() if k.lower() in ("authorization", "content-type")}
        conn.request(method, path, body=body or None, headers=keep)
        reply = conn.getresponse()
        data = reply.read()
        self.replies.append(data)
        out = {k: v for k, v in reply.getheaders() if k.lower() in ("content-type", "retry-after")}
        conn.close()
        return reply.status, out, data


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *_args: Any) -> None:
        return None

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        owner: Hostile = self.server.owner  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        owner.seen.append((method, self.path, self.headers.get("Authorization")))
        mode = owner.next_mode()
        if mode in ("proxy", "drop"):
            status, headers, data = owner.forward(method, self.path, self.headers, body)
            if mode == "drop":
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self._send(status, data, headers.get("Content-Type", "application/json"), headers)
            return
        BAD[mode](self, body)

    def _send(self, status: int, data: bytes, ctype: str | None, extra: dict | None = None) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for key, value in (extra or {}).items():
            if key.lower() != "content-type":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def json(self, status: int, value: Any, ctype: str = "application/json", **hdr: str) -> None:
        self._send(status, json.dumps(value).encode(), ctype, hdr)


def _huge(h: _Handler, _body: bytes) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.end_headers()
    h.wfile.write(b'{"results": [' + b'{"uuid": "x", "status": "accepted"},' * 40000)
    h.close_connection = True


def _announced(h: _Handler, _body: bytes) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(10**10))
    h.end_headers()
    h.wfile.write(b'{"results": [')
    h.close_connection = True


def _truncated(h: _Handler, _body: bytes) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", "500")
    h.end_headers()
    h.wfile.write(b'{"results": [')
    h.close_connection = True


def _deep(h: _Handler, _body: bytes) -> None:
    h._send(200, b"[" * 20000 + b"]" * 20000, "application/json")


BAD: dict[str, Any] = {
    "text": lambda h, b: h._send(200, b"hello, world", "text/plain"),
    "html502": lambda h, b: h._send(
        502, b"<html><body><h1>502 Bad Gateway</h1>nginx</body></html>", "text/html"
    ),
    "shape": lambda h, b: h.json(200, {"results": "nope", "server_time": NOW}),
    "count": lambda h, b: h.json(200, {"results": _results(_items(b))[:-1], "server_time": NOW}),
    "uuids": lambda h, b: h.json(
        200,
        {
            "results": [{"uuid": str(uuid.uuid4()), "status": "accepted"} for _ in _items(b)],
            "server_time": NOW,
        },
    ),
    "huge": _huge,
    "announced": _announced,
    "truncated": _truncated,
    "deep": _deep,
    "ctype": lambda h, b: h.json(
        200, {"results": _results(_items(b)), "server_time": NOW}, "application/xml"
    ),
    "error200": lambda h, b: h.json(200, {"error": {"code": "oops", "message": "try later"}}),
    "retry_garbage": lambda h, b: h.json(
        503, {"error": {"code": "unavailable", "message": "busy"}}, **{"Retry-After": "soon-ish"}
    ),
    "nan": lambda h, b: h._send(200, b'{"results": NaN, "server_time": 1}', "application/json"),
    "badutf8": lambda h, b: h._send(200, b'{"results": "\xff\xfe"}', "application/json"),
    "redirect": lambda h, b: h._send(
        302, b"", "text/html", {"Location": "http://127.0.0.1:9/login"}
    ),
    "empty200": lambda h, b: h._send(200, b"", "application/json"),
    "status401": lambda h, b: h.json(
        401, {"error": {"code": "unauthenticated", "message": "token expired"}}
    ),
    "status403": lambda h, b: h.json(403, {"error": {"code": "forbidden", "message": "no"}}),
    "status409": lambda h, b: h.json(409, {"error": {"code": "conflict", "message": "again"}}),
    "status422": lambda h, b: h.json(
        422, {"error": {"code": "validation_error", "message": "bad body"}}
    ),
    "status404": lambda h, b: h.json(404, {"error": {"code": "not_found", "message": "no"}}),
    "status429": lambda h, b: h.json(
        429, {"error": {"code": "locked", "message": "slow down"}}, **{"Retry-After": "7"}
    ),
    "status503": lambda h, b: h.json(
        503, {"error": {"code": "unavailable", "message": "db busy"}}, **{"Retry-After": "2"}
    ),
    "status500html": lambda h, b: h._send(500, b"Internal Server Error", "text/plain"),
}
