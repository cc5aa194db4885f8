"""The layout rules of docs/architecture.md that import-linter does not check."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from graph.config import PROJECT_ROOT

PACKAGES = ("api", "cli", "graph", "loaders", "schema")
MAX_LINES = 600


def _modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (PROJECT_ROOT / package).rglob("*.py"))


def _package_of(path: Path) -> str:
    return ".".join(path.relative_to(PROJECT_ROOT).parent.parts)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_module_is_small_and_imports_no_private_module_of_another_package(path: Path) -> None:
    text = path.read_text()
    assert text.count("\n") <= MAX_LINES, f"{path.name} has more than {MAX_LINES} lines"
    here = _package_of(path)
    for node in ast.walk(ast.parse(text)):
        names = (
            [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else []
        )
        for name in names:
            parts = name.split(".")
            private = [i for i, part in enumerate(parts) if part.startswith("_")]
            if parts[0] in PACKAGES and private:
                owner = ".".join(parts[: private[0]])
                assert owner == here, f"{path.name} imports {name}, private to {owner}"


@pytest.mark.parametrize(
    "init",
    sorted(p for package in PACKAGES for p in (PROJECT_ROOT / package).rglob("__init__.py")),
    ids=lambda p: str(p.relative_to(PROJECT_ROOT)),
)
def test_every_package_says_what_it_owns(init: Path) -> None:
    assert ast.get_docstring(ast.parse(init.read_text())), f"{init} has no docstring"
