"""The dependency direction, checked on every import (lazy ones too): a module may import only
from its own layer or the layers below it. Layers, bottom up:

- `shared.errors`, then `shared.core` (pure: no I/O, no azure), then `shared.settings`;
- `shared.adapters` (Azure, formats, storage) and `shared.services` side by side: services know
  the ports, never an adapter; adapters never a service;
- `shared.bootstrap`, the one composition root;
- `shared.entrypoints` (HTTP, CLI) and `shared.demo`; `functions` and `function_app.py` on top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ALLOWED: dict[str, tuple[str, ...]] = {
    "shared": (),
    "shared.errors": (),
    "shared.core": ("shared.errors", "shared.core"),
    "shared.settings": ("shared.errors", "shared.core", "shared.settings"),
    "shared.adapters": ("shared.errors", "shared.core", "shared.settings", "shared.adapters"),
    "shared.services": ("shared.errors", "shared.core", "shared.settings", "shared.services"),
    "shared.bootstrap": (
        "shared.errors", "shared.core", "shared.settings", "shared.adapters", "shared.services",
    ),
    "shared.entrypoints": (
        "shared.errors", "shared.core", "shared.settings", "shared.services", "shared.bootstrap",
        "shared.entrypoints", "shared.demo",
    ),
    "shared.demo": (
        "shared.errors", "shared.core", "shared.settings", "shared.adapters.formats", "shared.demo",
    ),
    "shared.cli": ("shared.entrypoints.cli",),
    "functions": (
        "shared.errors", "shared.core", "shared.settings", "shared.services", "shared.bootstrap",
        "shared.adapters.storage.allocation_tables", "functions",
    ),
    "function_app": ("functions", "shared.entrypoints.http"),
}  # fmt: skip
PURE_FORBIDDEN = ("azure", "fastapi", "requests", "urllib3", "httpx", "socket", "sqlite3")


def modules() -> list[tuple[str, Path]]:
    found = [
        (p, ".".join(p.relative_to(ROOT).with_suffix("").parts))
        for p in ROOT.glob("shared/**/*.py")
    ]
    found += [
        (p, ".".join(p.relative_to(ROOT).with_suffix("").parts))
        for p in ROOT.glob("functions/*.py")
    ]
    found.append((ROOT / "function_app.py", "function_app"))
    return [(name.removesuffix(".__init__"), path) for path, name in found]


def layer_of(module: str) -> str:
    matches = [layer for layer in ALLOWED if module == layer or module.startswith(layer + ".")]
    assert matches, f"{module} belongs to no layer: add it to ALLOWED"
    return max(matches, key=len)


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


def ours(name: str) -> bool:
    return name.split(".")[0] in ("shared", "functions", "function_app")


@pytest.mark.parametrize("module,path", modules(), ids=lambda v: str(v))
def test_every_import_points_down_or_sideways_within_its_layer(module: str, path: Path) -> None:
    allowed = ALLOWED[layer_of(module)]
    bad = []
    for line, name in imports_of(path):
        if not ours(name) or not _is_module(name):
            continue
        if not any(name == a or name.startswith(a + ".") for a in allowed):
            bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    "module,path", [m for m in modules() if m[0].startswith("shared.core")], ids=lambda v: str(v)
)
def test_the_core_does_no_io(module: str, path: Path) -> None:
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for line, name in imports_of(path)
        if name.split(".")[0] in PURE_FORBIDDEN
    ]
    assert not bad, "\n".join(bad)


def _is_module(name: str) -> bool:
    """Whether a dotted name is a module or package of ours (not a name imported from one)."""
    path = ROOT.joinpath(*name.split("."))
    return (
        path.with_suffix(".py").exists()
        or (path / "__init__.py").exists()
        or (name == "function_app")
    )


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    """A core module importing an adapter is a violation (the rule itself can fail)."""
    allowed = ALLOWED[layer_of("shared.core.money")]
    assert not any("shared.adapters.storage.costs_table".startswith(a + ".") for a in allowed)
    assert layer_of("shared.adapters.storage.costs_table") == "shared.adapters"
