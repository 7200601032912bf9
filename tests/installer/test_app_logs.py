"""``softphone.logs``: rotating files in the data folder, nothing secret on disk."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from softphone import logs, paths


@pytest.fixture
def log_folder(tmp_path: Path) -> Iterator[Path]:
    folder = logs.setup(tmp_path / "logs", max_bytes=4000, backups=3)
    yield folder
    logs.shutdown()


def test_default_folder_is_under_the_data_dir(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SAMPARK_DATA_DIR", str(tmp_path))
    assert logs.current_folder() == tmp_path / "logs" == paths.log_dir()


def test_secrets_never_reach_the_file(log_folder: Path) -> None:
    logs.add_secret("s3cr3t-pass")
    log = logging.getLogger("sampark.test")
    log.warning(
        'REGISTER\r\nAuthorization: Digest username="u", nonce="abc", response="%s"',
        "0123456789abcdef",
    )
    log.info("password given: %s", "s3cr3t-pass")
    log.info("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz")
    try:
        raise ValueError("bad login s3cr3t-pass")
    except ValueError:
        log.exception("failed")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = (log_folder / "sampark.log").read_text("utf-8")
    for secret in ("s3cr3t-pass", "0123456789abcdef", 'abc"', "WVNfX19zZW1jdGwg"):
        assert secret not in text, text
    assert text.count("<redacted>") >= 4 and "ValueError" in text
    assert logs.current_folder() == log_folder


def test_files_rotate_and_stay_capped(log_folder: Path) -> None:
    log = logging.getLogger("sampark.test")
    for i in range(400):
        log.info("line %d %s", i, "x" * 80)
    files = sorted(p.name for p in log_folder.iterdir())
    assert files == ["sampark.log", "sampark.log.1", "sampark.log.2", "sampark.log.3"]
    assert all(p.stat().st_size <= 4000 + 200 for p in log_folder.iterdir())
