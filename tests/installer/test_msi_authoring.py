"""The MSI as authored (installer/sampark.wxs via installer/build_msi.py and wixl), read back
with msiinfo: per-machine x64, fixed UpgradeCode, major upgrade with the old version removed
first and downgrades refused, Secure public properties handed to ``Sampark.exe --provision``,
user data removed only with REMOVE_USER_DATA=1, a Start-menu shortcut, tel:/sip:/callto:.

The bundle is a stand-in (Sampark.exe and a few files): what is checked is the installer's
logic, which is the same for the real Windows bundle.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UPGRADE_CODE = "{41652F0D-DE3E-424B-9739-72E34AB86E93}"


@pytest.fixture(scope="module")
def msi(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("msi")
    bundle = tmp / "Sampark"
    (bundle / "_internal" / "PySide6").mkdir(parents=True)
    (bundle / "Sampark.exe").write_bytes(b"MZ stand-in")
    (bundle / "_internal" / "python311.dll").write_bytes(b"dll")
    (bundle / "_internal" / "PySide6" / "Qt6Core.dll").write_bytes(b"dll")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "installer/build_msi.py"), "--bundle", str(bundle),
         "--out", str(tmp / "out"), "--version", "1.2.3"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    path = tmp / "out" / "Sampark-1.2.3-x64.msi"
    assert path.is_file()
    return path


def table(msi: Path, name: str) -> list[list[str]]:
    out = subprocess.run(
        ["msiinfo", "export", str(msi), name], capture_output=True, text=True, check=True
    ).stdout
    return [line.split("\t") for line in out.splitlines()[3:]]


def as_dict(rows: list[list[str]]) -> dict[str, str]:
    return {row[0]: row[1] for row in rows}


def test_per_machine_x64_with_fixed_upgrade_code(msi: Path) -> None:
    info = subprocess.run(["msiinfo", "suminfo", str(msi)], capture_output=True, text=True)
    assert "Template: x64;1033" in info.stdout
    props = as_dict(table(msi, "Property"))
    assert props["ALLUSERS"] == "1" and props["ProductVersion"] == "1.2.3"
    assert props["UpgradeCode"].upper() == UPGRADE_CODE
    assert props["REMOVE_USER_DATA"] == "0"
    secure = props["SecureCustomProperties"].split(";")
    for name in ("SERVER_URL", "CENTRE_ID", "SIP_DOMAIN", "SIP_TRANSPORT", "REMOVE_USER_DATA"):
        assert name in secure
    dirs = {row[0]: row for row in table(msi, "Directory")}
    assert "ProgramFiles64Folder" in dirs and dirs["INSTALLDIR"][2].endswith("Sampark")


def test_major_upgrade_and_downgrade_refused(msi: Path) -> None:
    upgrade = table(msi, "Upgrade")
    assert {row[0] for row in upgrade} == {UPGRADE_CODE}
    assert {row[-1] for row in upgrade} == {"WIX_UPGRADE_DETECTED", "WIX_DOWNGRADE_DETECTED"}
    assert as_dict(table(msi, "LaunchCondition")) == {
        "NOT WIX_DOWNGRADE_DETECTED": "A newer version of Sampark is already installed."
    }
    seq = {row[0]: (row[1], int(row[2])) for row in table(msi, "InstallExecuteSequence")}
    assert seq["InstallValidate"][1] < seq["RemoveExistingProducts"][1]
    assert seq["RemoveExistingProducts"][1] < seq["InstallInitialize"][1]


def test_provision_and_user_data_actions(msi: Path) -> None:
    files = {row[0]: row[2] for row in table(msi, "File")}
    actions = {row[0]: row for row in table(msi, "CustomAction")}
    provision, remove = actions["Provision"], actions["RemoveUserData"]
    assert files[provision[2]] == "Sampark.exe" == files[remove[2]]
    assert int(provision[1]) & 0x3F == 18 and int(provision[1]) & 0x800  # exe, no impersonation
    for name in ("SERVER_URL", "CENTRE_ID", "SIP_DOMAIN", "SIP_TRANSPORT"):
        assert f'"{name}=[{name}]"' in provision[3]
    assert provision[3].startswith("--provision ") and remove[3] == "--remove-user-data"
    seq = {row[0]: (row[1], int(row[2])) for row in table(msi, "InstallExecuteSequence")}
    assert seq["Provision"][0] == "NOT REMOVE"
    assert seq["InstallFiles"][1] < seq["Provision"][1] < seq["InstallFinalize"][1]
    condition, order = seq["RemoveUserData"]
    assert 'REMOVE_USER_DATA="1"' in condition and "NOT UPGRADINGPRODUCTCODE" in condition
    assert seq["InstallInitialize"][1] < order < seq["RemoveFiles"][1]


def test_shortcut_and_uri_handlers(msi: Path) -> None:
    shortcuts = table(msi, "Shortcut")
    assert len(shortcuts) == 1 and shortcuts[0][1] == "ProgramMenuFolder"
    assert shortcuts[0][4] == "[INSTALLDIR]Sampark.exe"
    registry = {(row[2], row[3]): row[4] for row in table(msi, "Registry")}
    for scheme in ("tel", "sip", "callto"):
        command = registry[(f"Software\\Classes\\{scheme}\\shell\\open\\command", "")]
        assert command == '"[INSTALLDIR]Sampark.exe" "%1"'
        assert (f"Software\\Classes\\{scheme}", "URL Protocol") in registry
        key = ("Software\\Sampark\\Capabilities\\URLAssociations", scheme)
        assert registry[key] == "Sampark.Uri"
    assert all(row[1] == "2" for row in table(msi, "Registry"))  # HKLM
