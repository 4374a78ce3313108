"""The language server's reparse: a version spliced from the last parse and a parse of the edited
statements must be the tree a whole parse gives, node for node, with the same positions."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from dqn_lint import engine, parsing, registry
from dqn_lint.model import positions as node_positions
from dqn_lint.reparse import Reparser

ROOT = Path(__file__).resolve().parent.parent
FILES = [
    ROOT / "fixtures" / "reference_dqn.py",
    ROOT / "fixtures" / "twins" / "dqn003_truncation_as_termination.py",
    ROOT / "fixtures" / "twins" / "dqn011_autoreset_transition.py",
]


def _nodes(module: cst.CSTNode) -> list[cst.CSTNode]:
    found, stack = [], [module]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(reversed(node.children))
    return found


def _assert_same_as_whole(module: cst.Module, text: str) -> None:
    whole = cst.parse_module(text)
    assert module.deep_equals(whole)
    assert module.code == whole.code
    spliced_positions, spliced_code = node_positions.module_positions_and_code(module)
    whole_positions, _ = node_positions.module_positions_and_code(whole)
    assert spliced_code == text
    assert len(spliced_positions) == len(whole_positions)
    for ours, theirs in zip(_nodes(module), _nodes(whole), strict=True):
        assert spliced_positions[ours] == whole_positions[theirs], type(ours).__name__


def _edits(lines: list[str]) -> list[tuple[str, list[str]]]:
    """Edits a person makes while typing, at the start, the middle and the end of the file."""
    middle = next(i for i in range(len(lines) // 2, len(lines)) if lines[i].startswith("        ") and "=" in lines[i])
    first_def = next(i for i, line in enumerate(lines) if line.startswith(("def ", "class ")))
    return [
        ("a comment appended", [*lines, "# note\n"]),
        ("a line changed in a function", [*lines[:middle], lines[middle].replace("=", "= 0 +", 1), *lines[middle + 1:]]),
        ("a line deleted in a function", [*lines[:middle], *lines[middle + 1:]]),
        ("a statement added to a block", [*lines[:middle], lines[middle], lines[middle], *lines[middle + 1:]]),
        ("a comment at column 0 before a definition", [*lines[:first_def], "# about it\n", *lines[first_def:]]),
        ("an import added at the top", ["import math\n", *lines]),
        ("the last line removed", lines[:-1]),
        ("a blank line typed inside a block", [*lines[:middle], "\n", *lines[middle:]]),
    ]


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_each_edit_is_reparsed_into_the_tree_and_positions_of_a_whole_parse(path):
    text = path.read_text()
    reparser = Reparser()
    reparser.parse(text, "doc.py")
    parsed = 0
    for _label, edited in _edits(text.splitlines(keepends=True)):
        new = "".join(edited)
        try:
            cst.parse_module(new)
        except cst.ParserSyntaxError:  # an edit half typed: the reparse fails as the whole parse does
            with pytest.raises(cst.ParserSyntaxError):
                reparser.parse(new, "doc.py")
            continue
        _assert_same_as_whole(reparser.parse(new, "doc.py"), new)
        parsed += 1
    assert parsed >= 6


def test_the_statements_before_and_after_an_edit_are_kept_not_parsed_again():
    text = FILES[0].read_text()
    lines = text.splitlines(keepends=True)
    reparser = Reparser()
    before = reparser.parse(text, "doc.py")
    middle = len(lines) // 2
    while not lines[middle].startswith("        ") or "=" not in lines[middle]:
        middle += 1
    after = reparser.parse("".join([*lines[:middle], lines[middle].replace("=", "= 0 +", 1), *lines[middle + 1:]]), "doc.py")
    kept = [new is old for new, old in zip(after.body, before.body)]
    assert kept[0] and not all(kept)  # the imports are the same objects; the edited statement is new
    assert after.body[-1] is before.body[-1]


SEAMS = {
    # each (old, new): the new text's edit falls at a seam where a splice could go wrong
    "an indented comment typed after a block": (
        "import os\n\ndef f():\n    return 1\n\nx = 2\n",
        "import os\n\ndef f():\n    return 1\n    # later\n\nx = 2\n",
    ),
    "a whitespace-only line at the block's indent": (
        "import os\n\n\nclass A:\n    a = 1\n\n\nx = 2\n",
        "import os\n\n\nclass A:\n    a = 2\n\n    \nx = 2\n",
    ),
    "a whitespace-only line typed at the indent of the block before": (
        "import os\n\n\nclass A:\n    a = 1\n\n\nclass B:\n    b = 2\n",
        "import os\n\n\nclass A:\n    a = 1\n\n    \nclass B:\n    b = 2\n",
    ),
    "an indented comment typed before the next definition": (
        "import os\n\n\ndef f():\n    return 1\n\n\ndef g():\n    return 2\n",
        "import os\n\n\ndef f():\n    return 1\n\n    # about f\ndef g():\n    return 2\n",
    ),
    "an else typed after an if": (
        "import os\nif os.sep:\n    a = 1\nb = 2\nc = 3\n",
        "import os\nif os.sep:\n    a = 1\nelse:\n    a = 0\nb = 2\nc = 3\n",
    ),
    "a statement indented into the block above": (
        "import os\n\ndef f():\n    a = 1\n\nb = 2\nc = 3\n",
        "import os\n\ndef f():\n    a = 1\n\n    b = 2\nc = 3\n",
    ),
    "a decorator typed above a definition": (
        "import os\n\n\ndef f():\n    pass\n\n\ndef g():\n    pass\n",
        "import os\n\n\ndef f():\n    pass\n\n\n@staticmethod\ndef g():\n    pass\n",
    ),
    "a file with two-space indents": (
        "import os\n\ndef f():\n  a = 1\n  return a\n\ndef g():\n  return 2\n",
        "import os\n\ndef f():\n  a = 2\n  return a\n\ndef g():\n  return 2\n",
    ),
    "CRLF line endings": (
        "import os\r\n\r\ndef f():\r\n    return 1\r\n\r\nx = 2\r\n",
        "import os\r\n\r\ndef f():\r\n    return 2\r\n\r\nx = 2\r\n",
    ),
    "no newline at the end": ("import os\nx = 1\ny = 2", "import os\nx = 1\ny = 3"),
    "the module's first lines": ("# head\n\nimport os\nx = 1\n", "# head, edited\n\nimport os\nx = 1\n"),
    "a comment after the last statement": ("import os\nx = 1\n", "import os\nx = 1\n\n# the end\n"),
}


@pytest.mark.parametrize("old, new", SEAMS.values(), ids=SEAMS.keys())
def test_an_edit_at_a_seam_gives_the_whole_parse_s_tree(old, new):
    reparser = Reparser()
    reparser.parse(old, "doc.py")
    _assert_same_as_whole(reparser.parse(new, "doc.py"), new)


def test_an_edit_that_opens_a_string_fails_as_a_whole_parse_does():
    old = 'import os\n\ndef f():\n    return 1\n\nx = 2\n'
    new = 'import os\n\ndef f():\n    return """1\n\nx = 2\n'
    reparser = Reparser()
    reparser.parse(old, "doc.py")
    with pytest.raises(cst.ParserSyntaxError):
        cst.parse_module(new)
    with pytest.raises(cst.ParserSyntaxError):
        reparser.parse(new, "doc.py")
    _assert_same_as_whole(reparser.parse(old, "doc.py"), old)  # and the next good version parses


def test_findings_of_an_edited_twin_are_the_same_with_reparsing(monkeypatch):
    path = ROOT / "fixtures" / "twins" / "dqn004_missing_terminal_mask.py"
    text = path.read_text()
    rules = registry.all_rules()
    edited = text.replace("\n\n\ndef ", "\n\n\n# a note typed here\ndef ", 1) + "# and at the end\n"
    expected = engine.lint_text(edited, path.name, rules)
    monkeypatch.setattr(parsing, "_reparser", Reparser())
    engine.lint_text(text, path.name, rules)
    found = engine.lint_text(edited, path.name, rules)
    assert expected and found == expected
