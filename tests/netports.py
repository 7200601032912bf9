"""Free loopback ports for tests that start real peers (sipp, Kamailio, engines).

Shared by every test folder: ``tests/`` is on ``sys.path`` through ``tests/conftest.py``.
"""

from __future__ import annotations

import socket

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A port free for both UDP and TCP on loopback (tried a few times)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((LOOPBACK, 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((LOOPBACK, port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port")


def free_rtp_base() -> int:
    """An even port with the next few ports free (pjsua steps upward from it)."""
    for _ in range(50):
        base = free_port() & ~1
        if all(udp_free(base + i) for i in range(4)):
            return base
    raise RuntimeError("no free RTP range")


def udp_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind((LOOPBACK, port))
        except OSError:
            return False
    return True
