"""Literal values read from the tree: `string_value` must agree with Python on every literal,
also where it skips libcst's `ast.literal_eval` (a plain one-line literal without escapes)."""

from __future__ import annotations

import ast
import warnings

import libcst as cst
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from dqn_lint.model.source import string_value

PREFIXES = ["", "r", "u", "b", "R", "U", "rb", "f"]
QUOTES = ["'", '"', "'''", '"""']


def _python_value(literal: str):
    value = ast.literal_eval(literal)
    return value if isinstance(value, str) else None


@given(st.sampled_from(PREFIXES), st.sampled_from(QUOTES), st.text(max_size=12))
@example("", "'", "")
@example("", '"', "'''")
@example("", "'", "a\\\\b")
@example("", "'", "\\n")
@example("", '"', "say 'hi'")
def test_string_value_is_the_value_python_gives(prefix, quote, body):
    literal = f"{prefix}{quote}{body}{quote}"
    with warnings.catch_warnings():  # `'\W'`: an invalid escape is a warning, its value still defined
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", SyntaxWarning)
        try:
            node = cst.parse_expression(literal)
            expected = _python_value(literal)
        except (SyntaxError, ValueError, cst.ParserSyntaxError):
            assume(False)
        assume(isinstance(node, cst.SimpleString))
        assert string_value(node) == expected


@pytest.mark.parametrize(
    ("literal", "expected"),
    [("'target'", "target"), ('""', ""), ("'a\\tb'", "a\tb"), ("b'x'", None), ("'''q'''", "q"), ("r'\\d'", "\\d")],
)
def test_string_value_of_common_literals(literal, expected):
    assert string_value(cst.parse_expression(literal)) == expected


def test_a_non_string_has_no_string_value():
    assert string_value(cst.parse_expression("4")) is None
    assert string_value(cst.parse_expression("f'{x}'")) is None
