"""Build ``Sampark-<version>-x64.msi`` from the Windows one-folder bundle and sampark.wxs.

    python installer/build_msi.py --bundle dist/Sampark --out dist [--toolset auto|wixl|wix]

``wixl`` (Linux, Debian ``wixl`` + ``msitools``): the bundle is harvested with ``wixl-heat``
into a fragment (component group ``CG.Bundle``), ``wixl -a x64`` links it with
``installer/sampark.wxs``, then ``msibuild`` applies what wixl 0.101 cannot express: the
public properties become Secure (``SecureCustomProperties``) and ``RemoveExistingProducts``
moves right after ``InstallValidate`` (a whole uninstall of the old version before the new one
is installed). ``wix`` (Windows, WiX 3 on PATH): ``heat dir`` + ``candle`` + ``light``, which
honour the same source natively. The version comes from the package metadata (pyproject).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WXS = ROOT / "installer" / "sampark.wxs"
SECURE = ("SERVER_URL", "CENTRE_ID", "SIP_DOMAIN", "SIP_TRANSPORT", "REMOVE_USER_DATA")
EXE = "Sampark.exe"


def msi_version(version: str) -> str:
    """MSI ProductVersion: three numeric fields (major.minor.build)."""
    nums = [int(n) for n in re.findall(r"\d+", version.split("+")[0])[:3]]
    return ".".join(str(n) for n in [*nums, 0, 0, 0][:3])


def run(cmd: list[str], cwd: Path | None = None) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def harvest_wixl(bundle: Path, work: Path) -> tuple[Path, str]:
    """(fragment, File Id of Sampark.exe) from wixl-heat over the bundle's files."""
    files = sorted(
        p.relative_to(bundle.parent).as_posix() for p in bundle.rglob("*") if p.is_file()
    )
    cmd = ["wixl-heat", "--var", "var.SourceDir", "-p", f"{bundle.name}/"]
    cmd += ["--component-group", "CG.Bundle", "--directory-ref", "INSTALLDIR", "--win64"]
    proc = subprocess.run(
        cmd, input="\n".join(files) + "\n", capture_output=True, text=True, cwd=bundle.parent
    )
    if proc.returncode != 0:
        raise SystemExit(f"wixl-heat failed: {proc.stderr}")
    fragment = work / "bundle.wxs"
    fragment.write_text(proc.stdout, encoding="utf-8")
    return fragment, exe_file_id(proc.stdout)


def exe_file_id(fragment_text: str) -> str:
    match = re.search(r'<File\b[^>]*Id="([^"]+)"[^>]*Source="[^"]*[/\\]' + EXE + '"', fragment_text)
    if match is None:
        raise SystemExit(f"{EXE} is not in the bundle: build the Windows bundle first")
    return match.group(1)


def sql(msi: Path, query: str) -> None:
    run(["msibuild", str(msi), "-q", query])


def patch_wixl(msi: Path) -> None:
    rows = run(["msiinfo", "export", str(msi), "Property"]).splitlines()
    current = next(
        (r.split("\t", 1)[1] for r in rows if r.startswith("SecureCustomProperties\t")), ""
    )
    names = [n for n in current.split(";") if n] + [n for n in SECURE if n not in current]
    sql(
        msi,
        f"UPDATE `Property` SET `Value` = '{';'.join(names)}' "
        "WHERE `Property` = 'SecureCustomProperties'",
    )
    sql(
        msi,
        "UPDATE `InstallExecuteSequence` SET `Sequence` = 1401 "
        "WHERE `Action` = 'RemoveExistingProducts'",
    )


def build_wixl(bundle: Path, out: Path, version: str) -> None:
    with tempfile.TemporaryDirectory(prefix="sampark-msi-") as tmp:
        fragment, exe_id = harvest_wixl(bundle, Path(tmp))
        defines = {
            "Version": version,
            "SourceDir": bundle.name,  # wixl finds File sources relative to its cwd only
            "Win64": "yes",
            "ExeFileId": exe_id,
        }
        cmd = ["wixl", "-a", "x64", "-o", str(out)]
        for key, value in defines.items():
            cmd += ["-D", f"{key}={value}"]
        run([*cmd, str(WXS), str(fragment)], cwd=bundle.parent)
    patch_wixl(out)


def build_wix(bundle: Path, out: Path, version: str) -> None:
    """WiX 3 on Windows: heat + candle + light (the Sampark.exe File Id is fixed by heat's
    -suid, so the custom actions can name it)."""
    with tempfile.TemporaryDirectory(prefix="sampark-msi-") as tmp:
        work = Path(tmp)
        fragment = work / "bundle.wxs"
        run(["heat", "dir", str(bundle), "-nologo", "-gg", "-sfrag", "-srd", "-suid", "-sreg",
             "-cg", "CG.Bundle", "-dr", "INSTALLDIR", "-var", "var.SourceDir",
             "-out", str(fragment), "-platform", "x64"])  # fmt: skip
        exe_id = exe_file_id(fragment.read_text(encoding="utf-8"))
        defines = [f"-dVersion={version}", f"-dSourceDir={bundle}", "-dWin64=yes"]
        defines.append(f"-dExeFileId={exe_id}")
        run(["candle", "-nologo", "-arch", "x64", *defines, "-out", f"{work}\\",
             str(WXS), str(fragment)])  # fmt: skip
        run(["light", "-nologo", "-sval", "-out", str(out), str(work / "sampark.wixobj"),
             str(work / "bundle.wixobj")])  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "Sampark")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--version", default=metadata.version("sampark"))
    parser.add_argument("--toolset", choices=["auto", "wixl", "wix"], default="auto")
    args = parser.parse_args(argv)
    bundle = args.bundle.resolve()
    if not (bundle / EXE).is_file():
        raise SystemExit(f"{bundle / EXE} missing: the MSI packs the Windows bundle")
    toolset = args.toolset
    if toolset == "auto":
        toolset = "wix" if shutil.which("candle") else "wixl"
    version = msi_version(args.version)
    args.out.mkdir(parents=True, exist_ok=True)
    out = (args.out / f"Sampark-{version}-x64.msi").resolve()
    (build_wix if toolset == "wix" else build_wixl)(bundle, out, version)
    print(f"{out}: {out.stat().st_size / 1e6:.1f} MB ({toolset})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
