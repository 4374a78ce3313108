"""Each layer of the package imports only its own layer and the layers below it (see
docs/architecture.md). Every import counts: at module level, inside functions, under TYPE_CHECKING."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. A module belongs to the layer of its longest matching prefix.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("data", ("dqn_lint", "dqn_lint.diagnostics", "dqn_lint.experiment", "dqn_lint.sources", "dqn_lint.selection",
              "dqn_lint.suppression", "dqn_lint.config", "dqn_lint.discovery", "dqn_lint.project",
              "dqn_lint.runtime")),
    ("model", ("dqn_lint.model",)),
    ("edits", ("dqn_lint.fixes.edits", "dqn_lint.fixes.builders", "dqn_lint.fixes.imports")),
    ("rules", ("dqn_lint.rule", "dqn_lint.rules", "dqn_lint.registry")),
    ("pipeline", ("dqn_lint.parsing", "dqn_lint.reparse", "dqn_lint.engine", "dqn_lint.cache", "dqn_lint.linting", "dqn_lint.file_rules")),
    ("outputs", ("dqn_lint.fixes", "dqn_lint.noqa_writer", "dqn_lint.reporters")),
    ("server", ("dqn_lint.lsp",)),
    ("verify", ("dqn_lint.verify", "dqn_lint.probe")),
    ("commands", ("dqn_lint.cli", "dqn_lint.__main__")),
)


def layer_of(module: str) -> int:
    best, best_length = -1, -1
    for index, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix if prefix == "dqn_lint" else module == prefix or module.startswith(prefix + ".")
            if matches and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    if best < 0:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS and docs/architecture.md")
    return best


def package_modules() -> dict[str, Path]:
    modules = {}
    for path in sorted((ROOT / "dqn_lint").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    for path in sorted((ROOT / "rules").glob("*.py")):  # installed as dqn_lint.rules
        modules["dqn_lint.rules" if path.stem == "__init__" else f"dqn_lint.rules.{path.stem}"] = path
    return modules


def imported(module: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules `module` imports (`from dqn_lint import engine` imports dqn_lint.engine)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "dqn_lint")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            if name.split(".")[0] != "dqn_lint":
                continue
            submodules = {f"{name}.{alias.name}" for alias in node.names} & known
            found.update(submodules or {name})
    return found


def test_every_module_of_the_package_has_a_layer():
    for module in package_modules():
        layer_of(module)


@pytest.mark.parametrize("module", sorted(package_modules()))
def test_a_module_imports_nothing_from_a_layer_above_its_own(module):
    modules = package_modules()
    own = layer_of(module)
    above = sorted(
        f"{name} ({LAYERS[layer_of(name)][0]})"
        for name in imported(module, modules[module], set(modules))
        if layer_of(name) > own
    )
    assert not above, f"{module} ({LAYERS[own][0]}) imports from above: {above}"


def test_an_import_from_above_is_found_in_any_form(tmp_path):
    """The layering test can fail: each way of writing an import of the verifier is seen."""
    modules = package_modules()
    rule = tmp_path / "dqn099_example.py"
    rule.write_text(
        "from typing import TYPE_CHECKING\n"
        "from dqn_lint import verify\n"
        "if TYPE_CHECKING:\n"
        "    from dqn_lint.verify.runner import Task\n"
        "def f():\n"
        "    import dqn_lint.cli\n"
        "    from ..verify import describe\n",
        encoding="utf-8",
    )
    found = imported("dqn_lint.rules.dqn099_example", rule, set(modules))
    assert {"dqn_lint.verify", "dqn_lint.verify.runner", "dqn_lint.cli", "dqn_lint.verify.describe"} <= found
    assert all(layer_of(name) > layer_of("dqn_lint.rules.dqn099_example") for name in found)
