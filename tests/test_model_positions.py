"""The model's positions are libcst's `PositionProvider`'s, node for node, computed faster."""

from __future__ import annotations

from pathlib import Path

import libcst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from dqn_lint.model import positions

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted([*ROOT.glob("fixtures/**/*.py"), *ROOT.glob("tests/cases/*.py"), *ROOT.glob("rules/*.py")])

# What is hard to track: line continuations, \r and \r\n endings, tabs, wide characters, f-strings,
# decorators, nested brackets, comments and blank lines inside blocks, a file with no final newline.
AWKWARD = [
    "x = (1 +\n     2)\r\ny = \\\n  3\rz = 4",
    "def f(a,\tb):\n\t# comment\n\n\treturn f'{a!r:>{b}}' + \"γ🙂\"\n",
    "@decorator(\n    arg,\n)\nclass C(Base, metaclass=M):\n    x: int = 1\n    def g(self): return [i for i in (1, 2) if i]\n",
    "async def h():\n    async with a as b, c:\n        await (yield)\n    try:\n        pass\n    except* E:\n        pass\n",
    "match v:\n    case [1, *rest] if rest:\n        pass\n    case {'k': _}:\n        pass\n",
    "",
    "\n\n# only a comment",
]


def libcst_positions(module: libcst.Module) -> dict:
    ranges = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return {node: (r.start.line, r.start.column, r.end.line, r.end.column) for node, r in ranges.items()}


@pytest.mark.parametrize("text", AWKWARD, ids=range(len(AWKWARD)))
def test_awkward_code_gets_libcsts_positions(text):
    module = libcst.parse_module(text)
    assert positions.module_positions(module) == libcst_positions(module)


def test_every_fixture_rule_and_review_case_gets_libcsts_positions():
    assert len(SOURCES) > 100
    for path in SOURCES:
        module = libcst.parse_module(path.read_bytes())
        assert positions.module_positions(module) == libcst_positions(module), path


def test_without_libcsts_codegen_state_the_provider_itself_is_used(monkeypatch):
    module = libcst.parse_module(AWKWARD[1])
    monkeypatch.setattr(positions, "CodegenState", None)
    assert positions.module_positions(module) == libcst_positions(module)


@pytest.mark.parametrize("text", AWKWARD, ids=range(len(AWKWARD)))
def test_the_same_pass_gives_the_modules_code(text):
    module = libcst.parse_module(text)
    found, code = positions.module_positions_and_code(module)
    assert code == module.code == text
    assert found == libcst_positions(module)
