"""Sampark sync: the central server's client, its error tree, the server clock and the
net-lane worker that uploads the outbox and keeps contacts leased (docs/caller-workflow.md).
Plain Python (requests + pydantic), no Qt."""

from softphone.sync.client import SyncClient
from softphone.sync.clock import ServerClock
from softphone.sync.errors import (
    AuthError,
    ConflictError,
    MalformedReply,
    RequestRejected,
    ServerError,
    SyncError,
    TransportError,
)
from softphone.sync.worker import SyncStatus, SyncWorker

__all__ = [
    "AuthError",
    "ConflictError",
    "MalformedReply",
    "RequestRejected",
    "ServerClock",
    "ServerError",
    "SyncClient",
    "SyncError",
    "SyncStatus",
    "SyncWorker",
    "TransportError",
]
