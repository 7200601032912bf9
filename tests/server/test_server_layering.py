"""The server shares only its wire schema with the softphone: ``server/`` never imports
``softphone``/``ui``/Qt, and ``server/schema.py`` imports nothing from the server."""

from __future__ import annotations

import ast
from pathlib import Path

SERVER = Path(__file__).resolve().parents[2] / "server"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_server_does_not_import_the_client() -> None:
    files = list(SERVER.rglob("*.py"))
    assert len(files) > 10
    for path in files:
        bad = {n for n in _imports(path) if n.split(".")[0] in {"softphone", "ui", "PySide6"}}
        assert not bad, f"{path} imports {bad}"


def test_wire_schema_is_standalone() -> None:
    imported = _imports(SERVER / "schema.py")
    assert not {n for n in imported if n.split(".")[0] == "server"}, imported
    assert {n.split(".")[0] for n in imported} <= {
        "__future__",
        "datetime",
        "enum",
        "typing",
        "uuid",
        "pydantic",
    }
