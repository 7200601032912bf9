"""Build the PyInstaller one-folder app (``installer/sampark.spec``), skipping the build when
nothing that goes into it changed.

    python installer/build_bundle.py [--dist dist] [--work build/pyinstaller] [--force]

The fingerprint covers the spec, its entry script and hooks, pyproject.toml, every file of
``softphone/``, ``ui/``, ``server/`` and ``resources/``, and the installed packages
(``importlib.metadata``); it is stored next to the bundle (``<dist>/Sampark.fingerprint``).
Prints the bundle path, whether it was built, the build time and the bundle size.
``make bundle`` and the bundle test use it.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("softphone", "ui", "server", "resources", "installer/hooks")
SPEC_FILES = ("installer/sampark.spec", "installer/sampark_main.py", "pyproject.toml")
NAME = "Sampark"


def fingerprint() -> str:
    digest = hashlib.sha256()
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    for name in SPEC_FILES:
        digest.update((ROOT / name).read_bytes())
    packages = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    digest.update("\n".join(packages).encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def executable(dist: Path) -> Path:
    return dist / NAME / (NAME + (".exe" if sys.platform == "win32" else ""))


def size_bytes(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def build(dist: Path, work: Path, force: bool = False) -> tuple[bool, float]:
    """(built?, seconds): runs PyInstaller unless the stored fingerprint matches."""
    stamp = dist / f"{NAME}.fingerprint"
    current = fingerprint()
    fresh = executable(dist).exists() and stamp.exists()
    if not force and fresh and stamp.read_text().strip() == current:
        return False, 0.0
    stamp.unlink(missing_ok=True)
    shutil.rmtree(dist / NAME, ignore_errors=True)
    start = time.monotonic()
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN"]
    cmd += ["--distpath", str(dist), "--workpath", str(work), str(ROOT / "installer/sampark.spec")]
    subprocess.run(cmd, check=True, cwd=ROOT)
    seconds = time.monotonic() - start
    stamp.write_text(current + "\n")
    return True, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller")
    parser.add_argument("--force", action="store_true", help="build even if unchanged")
    args = parser.parse_args(argv)
    built, seconds = build(args.dist, args.work, args.force)
    size = size_bytes(args.dist / NAME) / 1e6
    what = f"built in {seconds:.0f} s" if built else "up to date (not rebuilt)"
    print(f"{executable(args.dist)}: {what}; {size:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
