"""Data flows one way (README, Architecture): `assistant` and `ingest` never import `ui` or `cli`,
and `ui` never imports `cli`; only the top-level `cli` package may import all of them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"assistant": {"ui", "cli"}, "ingest": {"ui", "cli"}, "ui": {"cli"}}


def imported_packages(path: Path) -> set[str]:
    """Top-level package of every absolute import in a module, wherever the import sits."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_one_way(package):
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {path: names for path, names in wrong.items() if names} == {}


def test_the_entry_point_is_the_top_level_cli():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'flanders-assistant = "cli.main:app"' in text
