"""A softphone process for the kill -9 tests: it saves outcomes into a journal and runs the
sync worker against the real server, then SIGKILLs itself at one step of a sync.

    python child_sync.py '{"mode": ..., "journal": ..., "url": ..., "token": ...,
                           "campaign_id": ..., "contacts": [...], "n": ...}'

Modes: ``before_send`` (killed as the first upload is about to go out), ``after_send`` (the
server has stored the batch; killed before the reply is read or journaled), ``during_save``
(killed from a second thread while the main thread saves outcomes back to back),
``during_ack`` (killed from a second thread within a few milliseconds of starting to
journal the second batch's acknowledgement).
Every outcome whose save returned is printed (its UUID, one per line, flushed) first.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from syncfix import make_pair, make_worker, open_journal


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class KillingSession(requests.Session):
    def __init__(self, when: str) -> None:
        super().__init__()
        self.when = when

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        upload = url.endswith("/outcomes/batch")
        if upload and self.when == "before_send":
            die()
        response = super().request(method, url, *args, **kwargs)
        if upload and self.when == "after_send":
            die()
        return response


def killer(low: float, high: float) -> None:
    time.sleep(random.uniform(low, high))
    die()


def kill_during_second_ack(journal: Any) -> None:
    original = journal.mark_accepted
    calls = []

    def mark_accepted(uuids: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            threading.Thread(target=killer, args=(0.0, 0.004), daemon=True).start()
        original(uuids)
        if len(calls) == 2:
            time.sleep(5)  # the kill lands during the write or just after it

    journal.mark_accepted = mark_accepted


def save(journal: Any, cfg: dict[str, Any], n: int) -> None:
    contacts = cfg["contacts"]
    for i in range(n):
        uuid = journal.save_outcome(*make_pair(contacts[i % len(contacts)], cfg["campaign_id"], i))
        print(uuid, flush=True)


def main() -> None:
    cfg = json.loads(sys.argv[1])
    mode = cfg["mode"]
    journal = open_journal(Path(cfg["journal"]))
    if mode == "during_save":
        threading.Thread(target=killer, args=(0.05, 0.4), daemon=True).start()
        save(journal, cfg, 100_000)
        return
    save(journal, cfg, cfg["n"])
    session = KillingSession(mode)
    worker = make_worker(
        cfg["url"], cfg["token"], journal, cfg["campaign_id"], session=session, batch_size=50
    )
    if mode == "during_ack":
        kill_during_second_ack(journal)
    worker.start()
    worker.drain(60)
    print("DRAINED", flush=True)  # the kill should have come first


if __name__ == "__main__":
    main()
