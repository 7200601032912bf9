"""The frozen app (PyInstaller one-folder bundle): launch-to-registered time and size.

    python bench/bench_bundle.py [--runs 5] [--dist build/test-bundle] [--windows]

Builds the bundle if needed (``installer/build_bundle.py``, cached), starts a local Kamailio
registrar on loopback (the integration tests' config, digest auth), then launches the frozen
``Sampark answer --json`` (the engine, the SIP account and its registration, exactly what the
window does at start, without the window) N times, timing from the process spawn to the
``registration registered`` line on its stdout. Prints the median (target ≤ 1.0 s), the
spread, and the bundle's size on disk (and the size of its largest parts).

``--windows`` (``make bench-bundle-windows``) also measures the real Windows ``Sampark.exe``
(``dist/windows``, built under Wine by ``installer/windows/winebuild.py``) the same way under
Wine, against the same Kamailio in the same run, and the MSI's size (wixl). Wine's own start
is in that number; a real Windows PC must still be measured (docs/deploying.md).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "installer"), str(ROOT / "tests"), str(ROOT / "tests" / "integration")]
sys.path.insert(0, str(ROOT / "installer" / "windows"))
import build_bundle  # noqa: E402
import winebuild  # noqa: E402
from netports import free_port  # noqa: E402
from procs import stop  # noqa: E402
from siptest import TEST_PASSWORDS, Kamailio  # noqa: E402

TARGET_S = 1.0
USER = "alice"


def launch_to_registered(
    app: Path, kam: Kamailio, timeout: float = 20.0, wine: winebuild.Wine | None = None
) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "SAMPARK_SIP"))}
    if wine is not None:
        env = wine.env()
    env.update(QT_QPA_PLATFORM="offscreen", SAMPARK_BENCH_PW=TEST_PASSWORDS[USER])
    cmd = ["wine"] if wine is not None else []
    cmd += [str(app), "answer", "--user", USER, "--domain", kam.domain]
    cmd += ["--registrar", f"sip:{kam.domain}", "--password-env", "SAMPARK_BENCH_PW"]
    cmd += ["--listen", f"127.0.0.1:{free_port()}", "--json", "--timeout", str(timeout)]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        for raw in proc.stdout:
            if not raw.startswith(b"{"):
                continue
            event = json.loads(raw)
            if event.get("event") == "registration" and event.get("state") == "registered":
                return time.monotonic() - start
            if event.get("event") == "error":
                raise RuntimeError(f"frozen app: {event}")
        raise RuntimeError(f"frozen app exited ({proc.wait()}) without registering")
    finally:
        stop(proc)
        if wine is not None:
            wine.wait()


def largest_parts(folder: Path, count: int = 5) -> list[tuple[str, float]]:
    inner = folder / "_internal" if (folder / "_internal").is_dir() else folder
    sizes = [
        (p.name, build_bundle.size_bytes(p) if p.is_dir() else p.stat().st_size)
        for p in inner.iterdir()
    ]
    return [(name, size / 1e6) for name, size in sorted(sizes, key=lambda s: -s[1])[:count]]


def wine_start(wine: winebuild.Wine) -> float:
    """Seconds for ``wine cmd /c exit 0``: Wine's own cost of starting a Windows process."""
    start = time.monotonic()
    subprocess.run(["wine", "cmd", "/c", "exit", "0"], env=wine.env(), check=True)
    return time.monotonic() - start


def summary(label: str, times: list[float]) -> float:
    median = statistics.median(times)
    verdict = "meets" if median <= TARGET_S else "MISSES"
    print(f"launch to registered ({label}, Kamailio on loopback, {len(times)} runs):")
    print(
        f"  median {median:.3f} s  min {min(times):.3f} s  max {max(times):.3f} s"
        f"  — {verdict} the ≤ {TARGET_S:.1f} s target"
    )
    return median


def windows_parts(workdir: Path) -> tuple[Path, winebuild.Wine, float]:
    """(Sampark.exe, the build prefix, MSI size in MB) for the Windows measurements."""
    folder = winebuild.bundle()
    subprocess.run(
        [sys.executable, str(ROOT / "installer" / "build_msi.py"), "--bundle", str(folder),
         "--out", str(workdir)],
        check=True, capture_output=True,
    )  # fmt: skip
    msi = next(workdir.glob("Sampark-*-x64.msi"))
    return (
        folder / "Sampark.exe",
        winebuild.Wine(winebuild.BUILD / "prefix"),
        msi.stat().st_size / 1e6,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dist", type=Path, default=ROOT / "build" / "test-bundle")
    parser.add_argument("--windows", action="store_true", help="also the Windows exe under Wine")
    args = parser.parse_args()
    built, seconds = build_bundle.build(args.dist, args.dist.parent / "test-bundle-work")
    app = build_bundle.executable(args.dist)
    what = f"built in {seconds:.0f} s" if built else "cached build"
    print(f"bundle: {app} ({what})")
    with tempfile.TemporaryDirectory(prefix="sampark-bench-bundle-") as tmp:
        workdir = Path(tmp)
        windows = windows_parts(workdir) if args.windows else None
        kam = Kamailio(free_port(), workdir)
        kam.start()
        win_times: list[float] = []
        baseline = 0.0
        try:
            launch_to_registered(app, kam)  # warm the page cache once, not counted
            times = [launch_to_registered(app, kam) for _ in range(args.runs)]
            if windows is not None:
                exe, wine = windows[0], windows[1]
                launch_to_registered(exe, kam, 60, wine)  # warm Wine and the page cache
                win_times = [launch_to_registered(exe, kam, 60, wine) for _ in range(args.runs)]
                baseline = statistics.median(wine_start(wine) for _ in range(args.runs))
        finally:
            kam.stop()
    median = summary(f"frozen, {sys.platform}", times)
    total = build_bundle.size_bytes(args.dist / "Sampark") / 1e6
    print(f"bundle size: {total:.0f} MB on disk (one-folder, {sys.platform})")
    for name, size in largest_parts(args.dist / "Sampark"):
        print(f"  {name}: {size:.1f} MB")
    if windows is not None:
        win_median = summary("frozen Windows exe under Wine 8", win_times)
        print(f"  ratio Windows-under-Wine / {sys.platform}: {win_median / median:.1f}x")
        print(
            f"  of which Wine starting a process (`wine cmd /c exit 0`, median): {baseline:.3f} s"
        )
        folder = windows[0].parent
        print(f"Windows bundle size: {build_bundle.size_bytes(folder) / 1e6:.0f} MB on disk")
        for name, size in largest_parts(folder):
            print(f"  {name}: {size:.1f} MB")
        print(f"MSI size: {windows[2]:.1f} MB (wixl, {folder})")
    return 0 if median <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
