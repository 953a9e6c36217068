"""Data flows one way, and so do imports: a layer never imports from a layer above it, not even lazily
inside a function. The order below is the pipeline's: inventory -> transport -> facts -> checks ->
verdicts -> matrix -> history and reports -> sweeps -> the command line."""

from __future__ import annotations

import ast
from pathlib import Path

import scanner

# Lowest first. Each name is a package or module directly under ``scanner``.
LAYERS: tuple[str, ...] = (
    "model", "errors", "exitcodes", "bundled", "i18n", "credentials", "facts", "directory", "inventory", "transport",
    "probes", "simulator", "collect", "checks", "evaluate", "matrix", "history", "report", "sweep",
    "pipeline", "cli", "__main__",
)

ROOT = Path(scanner.__file__).parent


def _layer(path: Path) -> str:
    return path.relative_to(ROOT).with_suffix("").parts[0]


def _imported_layers(path: Path) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "scanner" and len(parts) > 1:
                found.append((node.lineno, parts[1]))
    return found


def test_every_top_level_part_has_a_place_in_the_order() -> None:
    parts = {p.stem if p.is_file() else p.name for p in ROOT.iterdir()
             if (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists())) and p.stem != "__init__"}
    assert parts <= set(LAYERS), f"place these in LAYERS: {sorted(parts - set(LAYERS))}"


def test_no_layer_imports_from_a_layer_above_it() -> None:
    upward: list[str] = []
    for path in sorted(ROOT.rglob("*.py")):
        me = _layer(path)
        if me == "__init__":
            continue
        for line, target in _imported_layers(path):
            if target in LAYERS and LAYERS.index(target) > LAYERS.index(me):
                upward.append(f"{path.relative_to(ROOT)}:{line}: {me} imports {target}")
    assert upward == []
