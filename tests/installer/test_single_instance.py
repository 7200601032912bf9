"""Single instance and click-to-dial with two real processes (offscreen, plain softphone).

The first ``sampark`` listens on its per-user local socket; a second ``sampark tel:…``
hands the number over and exits at once; the first asks the caller before dialling (its log
says so), or dials straight away when ``auto_dial_uri`` is set. A first launch with a URI
queues it for its own window. The log is the app's real rotating log (``softphone.logs``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from procs import stop

from softphone import single_instance

ROOT = Path(__file__).resolve().parents[2]


class App:
    def __init__(self, data: Path, env: dict[str, str]) -> None:
        self.data, self.env = data, env
        self.log = data / "logs" / "sampark.log"
        self.procs: list[subprocess.Popen] = []

    def start(self, *args: str) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ui.launcher", *args],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.procs.append(proc)
        return proc

    def wait_log(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            content = self.log.read_text("utf-8") if self.log.exists() else ""
            if text in content:
                return content
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not logged; log:\n{content}")


@pytest.fixture
def app_factory(tmp_path: Path) -> Iterator[Callable[..., App]]:
    made: list[App] = []

    def make(**extra: str) -> App:
        data = tmp_path / f"data{len(made)}"
        env = {k: v for k, v in os.environ.items() if k != "SAMPARK_SERVER_URL"}
        env.update(SAMPARK_DATA_DIR=str(data), QT_QPA_PLATFORM="offscreen", **extra)
        app = App(data, env)
        made.append(app)
        return app

    yield make
    for app in made:
        for proc in app.procs:
            stop(proc)


def test_second_launch_hands_the_number_over_and_asks(app_factory) -> None:
    app = app_factory()
    first = app.start()
    app.wait_log("single instance: listening as")
    start = time.monotonic()
    second = app.start("tel:+91%2098765-43210")
    assert second.wait(20) == 0, second.stderr.read() if second.stderr else ""
    handoff_s = time.monotonic() - start
    log = app.wait_log("asking the caller before dialling +919876543210")
    assert "click-to-dial received: +919876543210" in log
    assert "handed 'dial +919876543210' to the running Sampark" in log
    assert first.poll() is None  # still running, one window
    # A plain second launch only brings the window forward.
    third = app.start()
    assert third.wait(20) == 0
    assert first.poll() is None
    print(f"second launch handed over and exited in {handoff_s:.2f} s")


def test_auto_dial_setting_dials_without_asking(app_factory) -> None:
    app = app_factory(SAMPARK_AUTO_DIAL_URI="true")
    app.start()
    app.wait_log("single instance: listening as")
    assert app.start("callto:+91 11 2345 6789").wait(20) == 0
    log = app.wait_log("click-to-dial +911123456789:")
    assert "asking the caller" not in log  # no prompt; no account here, so refused
    assert "click-to-dial +911123456789: refused" in log


def test_first_launch_with_a_uri_queues_it(app_factory) -> None:
    app = app_factory()
    first = app.start("sip:alice@example.org")
    log = app.wait_log("asking the caller before dialling sip:alice@example.org")
    assert "single instance: listening as" in log
    assert first.poll() is None


@pytest.mark.parametrize(
    ("arg", "target"),
    [
        ("tel:+91-98765-43210", "+919876543210"),
        ("tel:+91%2098765%2043210;phone-context=x", "+919876543210"),
        ("TEL:(011) 2345.6789", "01123456789"),
        ("callto://+919876543210", "+919876543210"),
        ("callto:alice@pbx.example", "sip:alice@pbx.example"),
        ("sip:bob@10.0.0.1:5060", "sip:bob@10.0.0.1:5060"),
        ("sips:bob@example.org", "sips:bob@example.org"),
        ("tel:call-me", None),
        ("tel:", None),
        ("http://example.org", None),
        ("doctor", None),
    ],
)
def test_dial_target(arg: str, target: str | None) -> None:
    assert single_instance.dial_target(arg) == target


def test_server_name_is_per_user_and_profile(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SAMPARK_DATA_DIR", str(tmp_path / "a"))
    first = single_instance.server_name()
    monkeypatch.setenv("SAMPARK_DATA_DIR", str(tmp_path / "b"))
    assert single_instance.server_name() != first
    assert first.startswith("sampark-")
