"""The real Windows Sampark.exe and its MSI, under Wine's ``msiexec /qn`` (``make test-windows``).

The bundle is built under Wine by ``installer/windows/winebuild.py`` (CPython 3.11 for
Windows, the pinned win_amd64 wheels, PyInstaller running ``installer/sampark.spec``) and
cached in ``dist/windows``; the MSIs come from ``installer/build_msi.py`` (wixl) with four
versions of the same bundle. Every install runs in a fresh Wine prefix of this module.

The tests run in file order, each continuing the machine the previous one left, as IT would:
install with properties → the installed exe's self-test against a real server and Kamailio →
it registers → upgrade keeping everything → upgrade with a new SERVER_URL → downgrade refused
→ uninstall keeping the users' journals → uninstall with REMOVE_USER_DATA=1.
"""

from __future__ import annotations

import configparser
import json
import os
import pwd
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from netports import free_port

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "installer" / "windows"), str(ROOT / "tests" / "integration")]
sys.path.insert(0, str(ROOT / "tests" / "server"))
import winebuild  # noqa: E402
from server_live import UvicornThread  # noqa: E402
from siptest import TEST_PASSWORDS, Kamailio  # noqa: E402
from winebuild import Wine, winpath  # noqa: E402

from server.app import create_app  # noqa: E402
from softphone.journal import Journal, Outcome  # noqa: E402

pytestmark = pytest.mark.timeout(1800)
VERSIONS = ("1.0.0", "1.1.0", "1.2.0", "0.9.0")
PROGRAM = r"C:\Program Files\Sampark\Sampark.exe"
UNINSTALL_KEY = r"HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall"


@pytest.fixture(scope="module")
def msis(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    bundle = winebuild.bundle()  # cached in dist/windows while nothing it is built from changed
    out = tmp_path_factory.mktemp("msi")
    for version in VERSIONS:
        proc = subprocess.run(
            [sys.executable, str(ROOT / "installer/build_msi.py"), "--bundle", str(bundle),
             "--out", str(out), "--version", version],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-3000:]
    size = (out / "Sampark-1.0.0-x64.msi").stat().st_size / 1e6
    print(f"\nWindows bundle {bundle}; MSI {size:.1f} MB")
    return {v: out / f"Sampark-{v}-x64.msi" for v in VERSIONS}


@pytest.fixture(scope="module")
def machine(tmp_path_factory: pytest.TempPathFactory) -> Wine:
    """A fresh Windows PC: a new Wine prefix (offscreen Qt, no audio, ProcessPrng)."""
    wine = Wine(tmp_path_factory.mktemp("pc") / "prefix")
    winebuild.make_prefix(wine)
    return wine


@pytest.fixture(scope="module")
def peers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[UvicornThread, Kamailio]]:
    """The centre's real server (SQLite) and a real Kamailio registrar, on loopback."""
    work = tmp_path_factory.mktemp("peers")
    server = UvicornThread(create_app(f"sqlite:///{work / 'server.sqlite3'}")).start()
    kam = Kamailio(free_port(), work)
    kam.start()
    yield server, kam
    kam.stop()
    server.stop()


class Msiexec:
    def __init__(self, wine: Wine, logs: Path) -> None:
        self.wine, self.logs, self.count = wine, logs, 0

    def __call__(self, action: str, msi: Path, **props: str) -> tuple[int, str]:
        """``msiexec /i|/x MSI PROP=… /qn`` → (exit code, verbose log)."""
        self.count += 1
        log = self.logs / f"msiexec-{self.count}.log"
        args = " ".join(f'{k}="{v}"' for k, v in props.items())
        line = f'msiexec {action} "{winpath(msi)}" {args} /qn /l*v "{winpath(log)}"'
        # Windows-side redirection: the custom action's Sampark.exe must not inherit Unix files.
        code = self.wine.cmd(f'{line} > "{winpath(self.logs / "msiexec.out")}" 2>&1')
        raw = log.read_bytes() if log.exists() else b""
        utf16 = raw[:2] in (b"\xff\xfe", b"\xfe\xff")  # Windows writes UTF-16, Wine UTF-8
        return code, raw.decode("utf-16" if utf16 else "utf-8", "replace")


@pytest.fixture(scope="module")
def msiexec(machine: Wine, tmp_path_factory: pytest.TempPathFactory) -> Msiexec:
    return Msiexec(machine, tmp_path_factory.mktemp("msilogs"))


def machine_ini(wine: Wine) -> dict[str, str]:
    path = wine.drive_c / "ProgramData" / "Sampark" / "sampark.ini"
    parser = configparser.ConfigParser()
    assert parser.read(path, encoding="utf-8"), f"no {path}"
    return {k: v for section in parser.sections() for k, v in parser[section].items()}


def user_data(wine: Wine) -> Path:
    """%LOCALAPPDATA%\\Sampark of the Wine user (named after the Unix user)."""
    user = pwd.getpwuid(os.getuid()).pw_name
    return wine.drive_c / "users" / user / "AppData" / "Local" / "Sampark"


def sampark_versions(wine: Wine) -> list[str]:
    """DisplayVersion of every Sampark product in Windows' uninstall list."""
    versions, current_is_sampark = [], False
    for line in wine.reg_query(UNINSTALL_KEY, recursive=True).splitlines():
        if line.startswith("HKEY_"):
            current_is_sampark = False
        elif "DisplayName" in line and line.rstrip().endswith("Sampark"):
            current_is_sampark = True
        elif "DisplayVersion" in line and current_is_sampark:
            versions.append(line.split()[-1])
    return versions


def self_test(wine: Wine, logs: Path) -> tuple[int, dict]:
    """The installed exe's ``--self-test --json``, output redirected on the Windows side."""
    out = logs / "selftest.json"
    out.unlink(missing_ok=True)
    code = wine.cmd(f'"{PROGRAM}" --self-test --json --probe-timeout 3 > "{winpath(out)}" 2>&1')
    text = out.read_bytes().decode("utf-8", "replace")
    lines = [line for line in text.splitlines() if line.startswith("{")]
    assert lines, f"no JSON report (exit {code}):\n{text[-3000:]}"
    return code, json.loads(lines[-1])


# -- the exe itself --------------------------------------------------------------------------


def test_exe_is_a_windowed_x64_program_stamped_with_the_package_version(msis) -> None:
    """No console window (PE subsystem GUI), x64, and the version resource carries the
    package version (pyproject) as FileVersion and ProductVersion."""
    exe = (winebuild.DIST / "Sampark" / "Sampark.exe").read_bytes()
    pe = int.from_bytes(exe[0x3C:0x40], "little")
    assert exe[:2] == b"MZ" and exe[pe : pe + 4] == b"PE\0\0"
    assert int.from_bytes(exe[pe + 4 : pe + 6], "little") == 0x8664  # AMD64
    subsystem = int.from_bytes(exe[pe + 24 + 68 : pe + 24 + 70], "little")
    assert subsystem == 2, f"subsystem {subsystem}: 2 is GUI (no console), 3 is console"
    version = metadata.version("sampark")
    for name in ("FileVersion", "ProductVersion"):
        entry = f"{name}\0".encode("utf-16-le")
        at = exe.find(entry)
        assert at > 0, f"no {name} in the version resource"
        assert f"{version}\0".encode("utf-16-le") in exe[at : at + 100], name


# -- the install sequence --------------------------------------------------------------------


def test_install_with_properties_writes_machine_config(msis, machine, msiexec, peers) -> None:
    server, kam = peers
    code, log = msiexec(
        "/i", msis["1.0.0"], SERVER_URL=server.url, CENTRE_ID="7", SIP_DOMAIN=kam.domain,
        SIP_TRANSPORT="UDP",
    )  # fmt: skip
    assert code == 0, log[-3000:]
    assert (machine.drive_c / "Program Files" / "Sampark" / "Sampark.exe").is_file()
    ini = machine_ini(machine)
    assert ini["server_url"] == server.url and ini["centre_id"] == "7"
    assert ini["sip_domain"] == kam.domain and ini["sip_transport"] == "udp"
    assert sampark_versions(machine) == ["1.0.0"]


def test_uri_handlers_and_start_menu_shortcut(machine) -> None:
    for scheme in ("tel", "sip", "callto"):
        command = machine.reg_query(rf"HKLM\Software\Classes\{scheme}\shell\open\command")
        assert "Sampark.exe" in command and "%1" in command, (scheme, command)
    # Wine 8 puts the per-machine shortcut in the user's Start menu (Windows: ProgramData's).
    shortcuts = [p for p in machine.drive_c.rglob("Sampark.lnk") if "Start Menu" in str(p)]
    assert shortcuts, "no Start-menu shortcut"


def test_installed_exe_self_test_checks_server_and_registrar(machine, msiexec, peers) -> None:
    _, kam = peers
    code, report = self_test(machine, msiexec.logs)
    assert code == 0 and report["failures"] == [], report["failures"]
    assert report["modules"]["ok"] and report["modules"]["loaded"] > 100, report["modules"]
    assert report["server"]["ok"] and report["server"]["answer"]["status"] == "ok"
    assert report["registrar"]["ok"], report["registrar"]
    assert report["pjsua2"]["ok"] and report["tls"]["ok"]
    # It can fail: with the registrar down, the same self-test names it and exits non-zero.
    kam.stop()
    try:
        code, report = self_test(machine, msiexec.logs)
    finally:
        kam.start()
    assert code != 0 and any(f.startswith("registrar") for f in report["failures"]), report


def test_installed_exe_registers_with_the_registrar(machine, peers) -> None:
    """``Sampark.exe answer``: the engine, the account and its registration, as the window
    does at start — from the installed Windows app to Kamailio over loopback."""
    _, kam = peers
    cmd = ["wine", PROGRAM, "answer", "--user", "alice", "--domain", kam.domain]
    cmd += ["--registrar", f"sip:{kam.domain}", "--password-env", "SAMPARK_TEST_PW"]
    cmd += ["--listen", f"127.0.0.1:{free_port()}", "--json", "--timeout", "30"]
    env = machine.env({"SAMPARK_TEST_PW": TEST_PASSWORDS["alice"]})
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    events = []
    try:
        assert proc.stdout is not None
        for raw in proc.stdout:
            if raw.startswith(b"{"):
                events.append(json.loads(raw))
                event = events[-1]
                if event.get("event") == "error" or event.get("state") == "registered":
                    break
                if event.get("event") == "registration" and event.get("code", 0) >= 300:
                    break
    finally:
        proc.terminate()
        proc.wait(30)
        machine.wait()
    seconds = time.monotonic() - start
    assert events and events[-1].get("state") == "registered", events
    print(f"\ninstalled Sampark.exe under Wine: launch → registered in {seconds:.2f} s")
    assert TEST_PASSWORDS["alice"] not in json.dumps(events)


def wait_for_log(path: Path, text: str, proc: subprocess.Popen, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        content = path.read_text("utf-8", "replace") if path.exists() else ""
        if text in content:
            return content
        assert proc.poll() is None, f"Sampark.exe exited {proc.returncode}:\n{content[-3000:]}"
        time.sleep(0.3)
    raise AssertionError(f"{text!r} not in {path} after {timeout} s")


def test_second_launch_hands_a_tel_uri_to_the_running_window(machine) -> None:
    """The URI handler's command line (``Sampark.exe tel:…``) while Sampark runs: the second
    process hands the number to the first over the per-user named pipe and exits."""
    log = user_data(machine) / "logs" / "sampark.log"
    log.unlink(missing_ok=True)
    first = subprocess.Popen(
        ["wine", PROGRAM], env=machine.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_log(log, "single instance: listening as", first)
        second = subprocess.run(
            ["wine", PROGRAM, "tel:+91-98765-43210"], env=machine.env(), capture_output=True,
            timeout=120,
        )  # fmt: skip
        assert second.returncode == 0, second.stderr[-2000:]
        text = wait_for_log(log, "click-to-dial received: +919876543210", first)
        assert "handed 'dial +919876543210' to the running Sampark" in text
        assert first.poll() is None, "the running window must stay"
    finally:
        first.terminate()
        first.wait(30)
        machine.wait()


def test_upgrade_without_properties_keeps_config_and_journal(msis, machine, msiexec) -> None:
    data = user_data(machine)
    journal = Journal(data / "journal.sqlite3")
    journal.save_outcome(Outcome(101, 1, "completed", phone="+919876543210", notes="pre-upgrade"))
    journal.close()
    before = machine_ini(machine)
    code, log = msiexec("/i", msis["1.1.0"])
    assert code == 0, log[-3000:]
    assert machine_ini(machine) == before
    assert sampark_versions(machine) == ["1.1.0"]  # the old product is gone, one is left
    code, report = self_test(machine, msiexec.logs)
    assert code == 0 and report["journal"]["waiting"] == 1, report["journal"]


def test_upgrade_with_a_new_server_url_takes_it_and_keeps_the_rest(msis, machine, msiexec) -> None:
    before = machine_ini(machine)
    new_url = f"http://127.0.0.1:{free_port()}"
    code, log = msiexec("/i", msis["1.2.0"], SERVER_URL=new_url)
    assert code == 0, log[-3000:]
    assert machine_ini(machine) == {**before, "server_url": new_url}
    assert sampark_versions(machine) == ["1.2.0"]


def test_downgrade_is_refused(msis, machine, msiexec) -> None:
    before = machine_ini(machine)
    code, log = msiexec("/i", msis["0.9.0"], SERVER_URL="http://127.0.0.1:9")
    assert code != 0, "msiexec installed an older version over a newer one"
    # Refused by the MajorUpgrade launch condition (Wine's log omits its message text).
    assert "WIX_DOWNGRADE_DETECTED = {" in log and "InstallFiles" not in log, log[-3000:]
    assert machine_ini(machine) == before and sampark_versions(machine) == ["1.2.0"]


def test_uninstall_keeps_the_users_journals(msis, machine, msiexec) -> None:
    code, log = msiexec("/x", msis["1.2.0"])
    assert code == 0, log[-3000:]
    assert not (machine.drive_c / "Program Files" / "Sampark" / "Sampark.exe").exists()
    assert sampark_versions(machine) == []
    assert "Sampark" not in machine.reg_query(r"HKLM\Software\Classes\tel\shell\open\command")
    with sqlite3.connect(user_data(machine) / "journal.sqlite3") as conn:
        waiting = conn.execute("select count(*) from outbox").fetchone()[0]
    assert waiting == 1
    assert machine_ini(machine)["centre_id"] == "7"


def test_uninstall_with_remove_user_data_removes_journals_and_config(
    msis, machine, msiexec
) -> None:
    code, log = msiexec("/i", msis["1.2.0"])
    assert code == 0, log[-3000:]
    code, log = msiexec("/x", msis["1.2.0"], REMOVE_USER_DATA="1")
    assert code == 0, log[-3000:]
    assert not user_data(machine).exists()
    assert not (machine.drive_c / "ProgramData" / "Sampark" / "sampark.ini").exists()
    assert sampark_versions(machine) == []
