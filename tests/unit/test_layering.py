"""The layering rules of DESIGN.md §1, enforced by walking the source with ``ast``.

* ``softphone/`` never imports ``ui``, ``PySide6.QtWidgets`` or ``PySide6.QtGui``
  (QtCore is fine).
* Only ``softphone/sip/`` imports ``pjsua2``; ``ui/`` never does.
* ``softphone/`` shares only the wire schema with ``server/``: it may import ``server.schema``
  (``softphone/sync`` validates replies with it, ``softphone/campaign`` builds its domain
  objects from it), nothing else from ``server``; the embedded demo server
  (``softphone/demo_server.py``) may import any of ``server``.

A second check imports every ``softphone`` module in a fresh interpreter and verifies that no
widget module was loaded indirectly.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WIDGET_MODULES = ("PySide6.QtWidgets", "PySide6.QtGui")


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    module: str
    rule: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: imports {self.module} ({self.rule})"


def imported_modules(source: str) -> list[tuple[int, str]]:
    """Every absolute module name a source imports, with its line.

    ``from PySide6 import QtWidgets`` yields both ``PySide6`` and ``PySide6.QtWidgets``.
    Relative imports are skipped: they stay inside their own package.
    """
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found.extend((node.lineno, f"{node.module}.{a.name}") for a in node.names)
    return found


def _is_under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _server_rule(parts: tuple[str, ...], module: str, same_line: set[str]) -> str | None:
    """Which ``server`` imports a core file may make (DESIGN.md §1: only the wire schema).

    A bare ``server`` is fine when it is the package of ``from server import schema``."""
    if not _is_under(module, "server") or parts == ("softphone", "demo_server.py"):
        return None
    if _is_under(module, "server.schema"):
        return None
    if module == "server":
        children = {m for m in same_line if m.startswith("server.")}
        if children and all(_is_under(m, "server.schema") for m in children):
            return None
    return "core shares only server.schema with server/"


def check_source(rel_path: str, source: str) -> list[Violation]:
    """Layering violations in one file, given its path relative to the repo root."""
    parts = Path(rel_path).parts
    in_core = parts[0] == "softphone"
    in_sip = parts[:2] == ("softphone", "sip")
    in_ui = parts[0] == "ui"
    violations = []
    found = imported_modules(source)
    for line, module in found:
        same_line = {m for n, m in found if n == line}
        rule = _server_rule(parts, module, same_line) if in_core else None
        if rule:
            pass
        elif in_core and _is_under(module, "ui"):
            rule = "core must not import ui/"
        elif in_core and any(_is_under(module, w) for w in WIDGET_MODULES):
            rule = "core may use QtCore only"
        elif _is_under(module, "pjsua2") and (in_ui or (in_core and not in_sip)):
            rule = "only softphone/sip/ imports pjsua2"
        if rule:
            violations.append(Violation(rel_path, line, module, rule))
    return violations


def _python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_source_tree_is_present() -> None:
    # Guards against the walk silently checking nothing (wrong ROOT, moved packages).
    assert (ROOT / "softphone" / "sip" / "engine.py").is_file()
    assert len(_python_files("softphone")) >= 5


@pytest.mark.parametrize("package", ["softphone", "ui"])
def test_package_respects_layering(package: str) -> None:
    violations = []
    for path in _python_files(package):
        rel = path.relative_to(ROOT).as_posix()
        violations += check_source(rel, path.read_text(encoding="utf-8"))
    assert not violations, "\n".join(map(str, violations))


@pytest.mark.parametrize(
    ("rel_path", "source", "expected"),
    [
        ("softphone/journal/x.py", "import PySide6.QtWidgets\n", "PySide6.QtWidgets"),
        ("softphone/x.py", "from PySide6 import QtCore, QtGui\n", "PySide6.QtGui"),
        ("softphone/x.py", "from PySide6.QtWidgets import QWidget\n", "PySide6.QtWidgets"),
        ("softphone/cli.py", "from ui.main_window import MainWindow\n", "ui.main_window"),
        ("softphone/x.py", "def f():\n    import ui\n", "ui"),
        ("softphone/audio/x.py", "import pjsua2 as pj\n", "pjsua2"),
        ("ui/main_window.py", "from pjsua2 import Call\n", "pjsua2"),
        ("softphone/journal/x.py", "from server.db import now\n", "server.db"),
        ("softphone/sync/client.py", "from server.app import create_app\n", "server.app"),
        ("softphone/sync/client.py", "from server import db, schema\n", "server"),
        ("softphone/campaign/x.py", "import server\n", "server"),
    ],
)
def test_walker_detects_violation(rel_path: str, source: str, expected: str) -> None:
    modules = [v.module for v in check_source(rel_path, source)]
    assert expected in modules


@pytest.mark.parametrize(
    ("rel_path", "source"),
    [
        ("softphone/sip/_pj.py", "import pjsua2 as pj\nfrom PySide6.QtCore import QObject\n"),
        ("softphone/x.py", "from PySide6 import QtCore\nfrom . import ui\n"),
        ("softphone/x.py", "import uix\nimport uikit.ui\n"),
        ("ui/main_window.py", "from PySide6.QtWidgets import QMainWindow\nimport softphone\n"),
        ("softphone/sync/wire.py", "from server.schema import OutcomeIn, LeaseResponse\n"),
        ("softphone/campaign/model.py", "from server import schema\n"),
        ("softphone/demo_server.py", "from server.app import create_app\nimport server.seed\n"),
        ("softphone/x.py", "import serverless\n"),
    ],
)
def test_walker_allows_permitted_imports(rel_path: str, source: str) -> None:
    assert check_source(rel_path, source) == []


def test_importing_core_loads_no_widgets() -> None:
    """Catches widget modules pulled in indirectly (a helper library, a re-export)."""
    probe = (
        "import importlib, pkgutil, sys, softphone\n"
        "for m in pkgutil.walk_packages(softphone.__path__, 'softphone.'):\n"
        "    importlib.import_module(m.name)\n"
        f"bad = [m for m in {WIDGET_MODULES!r} if m in sys.modules]\n"
        "bad += [m for m in sys.modules if m == 'ui' or m.startswith('ui.')]\n"
        "print('LOADED:', bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_headless_engine_loads_neither_qt_nor_numpy() -> None:
    """A headless engine (CLI, line checks) with a tone device runs a real endpoint without
    loading QtCore or numpy: they cost ~25 MiB of RSS (bench/). Signals appear on first use."""
    probe = (
        "import sys\n"
        "from softphone import cli, cli_calls, doctor\n"
        "from softphone.audio.files import ToneDevice\n"
        "from softphone.sip.engine import SipEngine\n"
        "from softphone.sip.spec import EndpointSpec\n"
        "dev = ToneDevice(440.0)\n"
        "e = SipEngine(EndpointSpec(bind_address='127.0.0.1', tcp_port=None, log_level=0), dev)\n"
        "e.start(); e.stop()\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'numpy'))\n"
        "print('LOADED:', heavy)\n"
        "e.call_state_changed  # first signal access brings QtCore in\n"
        "sys.exit(1 if heavy or 'PySide6.QtCore' not in sys.modules else 0)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
