"""One Sampark window per user: a second launch hands its work to the first and exits.

The running app listens on a per-user local socket (``QLocalServer``: a named pipe on
Windows, a Unix socket elsewhere) named by ``server_name()``. A second launch connects with
``send(message)``; if someone answers, the message (``"show"`` or ``"dial <number>"``) was
delivered and the second process exits. Otherwise the second process becomes the first:
``InstanceServer.listen()`` (removing a stale socket left by a crash).

``dial_target(arg)`` turns a click-to-dial URI (``tel:``, ``sip:``, ``sips:``, ``callto:``)
from a browser or a CRM into what ``Phone.dial`` takes: the number (visual separators
removed) or the SIP URI. QtNetwork only: no widgets here.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import re
from urllib.parse import unquote

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from softphone import paths

log = logging.getLogger("sampark.instance")
SCHEMES = ("tel", "sip", "sips", "callto")
_SEPARATORS = re.compile(r"[\s\-.()/]")
_NUMBER = re.compile(r"^\+?[0-9*#]{1,32}$")
ACK = b"ok\n"
MAX_MESSAGE = 4096


def server_name() -> str:
    """Per user and per data folder (two test profiles never meet)."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in the environment
        user = "user"
    digest = hashlib.sha1(str(paths.data_dir()).encode()).hexdigest()[:10]
    safe = re.sub(r"[^A-Za-z0-9_]", "_", user)[:32]
    return f"sampark-{safe}-{digest}"


def is_dial_uri(arg: str) -> bool:
    scheme, sep, _ = arg.partition(":")
    return bool(sep) and scheme.lower() in SCHEMES


def dial_target(arg: str) -> str | None:
    """The number or SIP URI to dial for a click-to-dial ``arg``; None if it is not one."""
    if not is_dial_uri(arg):
        return None
    scheme, _, rest = arg.partition(":")
    scheme = scheme.lower()
    rest = unquote(rest.strip()).lstrip("/")
    rest = rest.split("?", 1)[0]
    if scheme in ("sip", "sips"):
        return f"{scheme}:{rest}" if rest else None
    rest = rest.split(";", 1)[0]  # tel: parameters (;phone-context=…)
    if "@" in rest:  # callto:user@host is a SIP address in practice
        return f"sip:{rest}"
    number = _SEPARATORS.sub("", rest)
    return number if _NUMBER.match(number) else None


def send(message: str, timeout_ms: int = 2000) -> bool:
    """Deliver ``message`` to the running instance; False if none answers."""
    sock = QLocalSocket()
    sock.connectToServer(server_name())
    if not sock.waitForConnected(timeout_ms):
        return False
    try:
        sock.write(message.encode("utf-8")[:MAX_MESSAGE] + b"\n")
        if not sock.waitForBytesWritten(timeout_ms):
            return False
        reply = b""
        while ACK not in reply and sock.waitForReadyRead(timeout_ms):
            reply += bytes(sock.readAll().data())
        return ACK in reply
    finally:
        sock.disconnectFromServer()


class InstanceServer(QObject):
    """The first instance's listener; emits ``message_received(text)`` per message."""

    message_received = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name()
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self) -> bool:
        """Start listening; a stale socket of a crashed instance is removed first."""
        ok = self._server.listen(self.name)
        if not ok:
            QLocalServer.removeServer(self.name)
            ok = self._server.listen(self.name)
        if ok:
            log.info("single instance: listening as %s", self.name)
        else:
            log.warning("single instance: cannot listen (%s)", self._server.errorString())
        return ok

    def close(self) -> None:
        self._server.close()

    def _accept(self) -> None:
        while (sock := self._server.nextPendingConnection()) is not None:
            self._buffers[sock] = b""
            sock.readyRead.connect(lambda s=sock: self._read(s))
            sock.disconnected.connect(lambda s=sock: self._drop(s))
            if sock.bytesAvailable():
                self._read(sock)

    def _read(self, sock: QLocalSocket) -> None:
        data = self._buffers.get(sock, b"") + bytes(sock.readAll().data())
        while b"\n" in data:
            line, _, data = data.partition(b"\n")
            sock.write(ACK)
            sock.flush()
            self.message_received.emit(line.decode("utf-8", "replace").strip())
        self._buffers[sock] = data[-MAX_MESSAGE:]

    def _drop(self, sock: QLocalSocket) -> None:
        self._buffers.pop(sock, None)
        sock.deleteLater()
