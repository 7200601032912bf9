"""Session-wide test isolation, applied before any test module is imported.

* Qt runs headless (``QT_QPA_PLATFORM=offscreen``) unless the caller chose a platform
  (e.g. ``xcb`` under Xvfb).
* Sampark's config, data and machine-config locations, and the XDG folders other libraries
  use, point into one temporary folder per session, so no test reads or writes the real user
  profile or ``/etc/sampark``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from memkeyring import MemoryKeyring, memory_keyring

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="sampark-tests-"))
os.environ["SAMPARK_CONFIG_DIR"] = str(_SESSION_DIR / "config")
os.environ["SAMPARK_DATA_DIR"] = str(_SESSION_DIR / "data")
os.environ["SAMPARK_MACHINE_CONFIG"] = str(_SESSION_DIR / "machine" / "sampark.ini")
# Libraries that follow XDG (keyring's file backends, QSettings, caches) stay in there too.
for _name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[_name] = str(_SESSION_DIR / "xdg" / _name.split("_")[1].lower())


def pytest_sessionfinish(session: object, exitstatus: int) -> None:
    """Remove the session's temporary profile."""
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


@pytest.fixture
def ring() -> Iterator[MemoryKeyring]:
    """A fresh in-memory keyring (``tests/memkeyring.py``) for the test."""
    with memory_keyring() as backend:
        yield backend
