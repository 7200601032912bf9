"""A softphone process whose journal lives on a real, tiny filesystem (a 2 MiB tmpfs
mounted in a private user+mount namespace by ``test_sync_disk.py``).

It fills the disk with outcomes until the journal refuses one (``JournalFull``), checks that
every earlier outcome is intact, tries to sync while the disk is still full, frees some
space (deletes a ballast file, as a caller would), syncs everything, saves a few more,
syncs again, reopens the journal and prints a JSON report on the last line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from syncfix import make_pair, make_worker, open_journal

from softphone.journal import JournalFull


def sizes(folder: Path, stage: str) -> None:
    """Diagnostics on stderr: the files on the tiny filesystem and the space left."""
    import os

    files = {p.name: p.stat().st_size for p in folder.iterdir()}
    st = os.statvfs(folder)
    print(f"{stage}: free={st.f_bavail * st.f_frsize} {files}", file=sys.stderr, flush=True)


def main() -> None:
    cfg = json.loads(sys.argv[1])
    folder = Path(cfg["dir"])
    ballast = folder / "ballast.bin"
    ballast.write_bytes(b"\0" * 512 * 1024)
    journal = open_journal(folder / "journal.sqlite3")
    contacts, campaign = cfg["contacts"], cfg["campaign_id"]
    acknowledged, full_error = [], None
    for i in range(20_000):
        outcome, call = make_pair(contacts[i % len(contacts)], campaign, i, notes="n" * 1500)
        try:
            acknowledged.append(journal.save_outcome(outcome, call))
        except JournalFull as exc:
            full_error = str(exc)
            break
    sizes(folder, "full")
    intact = all(journal.outcome(u) is not None for u in acknowledged)
    worker = make_worker(cfg["url"], cfg["token"], journal, campaign, batch_size=100)
    worker.start()
    drained_while_full = worker.drain(5)
    sizes(folder, f"after sync while full ({drained_while_full})")
    ballast.unlink()
    drained = worker.drain(30)
    sizes(folder, f"after freeing space and sync ({drained})")
    after = [journal.save_outcome(*make_pair(contacts[0], campaign, i)) for i in range(3)]
    worker.wake()
    drained_after = worker.drain(30)
    worker.stop()
    journal.close()
    reopened = open_journal(folder / "journal.sqlite3")
    uuids = [row[0] for row in reopened.connection.execute("SELECT uuid FROM outcomes")]
    report = {
        "full_error": full_error,
        "acknowledged": acknowledged,
        "after": after,
        "intact": intact,
        "drained_while_full": drained_while_full,
        "drained": drained and drained_after,
        "journal": uuids,
        "waiting": reopened.counts().waiting,
    }
    reopened.close()
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
