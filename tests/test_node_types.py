"""The analysis tests libcst node types by exact type (`type(node) is cst.Name`) in its hot paths,
and tells nodes from other values by their MRO. Both rest on facts about libcst checked here, so
that a libcst upgrade that breaks them fails a test instead of silently changing findings."""

from __future__ import annotations

import inspect

import libcst as cst
import pytest

from dqn_lint.model.node_types import is_node_type


def _node_classes() -> set[type]:
    found: set[type] = set()
    stack = [cst.CSTNode]
    while stack:
        for subclass in stack.pop().__subclasses__():
            if subclass.__module__.startswith("libcst.") and subclass not in found:
                found.add(subclass)
                stack.append(subclass)
    return found


def test_no_concrete_libcst_node_class_has_a_subclass():
    concrete = [kind for kind in _node_classes() if not inspect.isabstract(kind) and not kind.__name__.startswith("Base")]
    assert len(concrete) > 150
    assert [kind.__name__ for kind in concrete if kind.__subclasses__()] == []


@pytest.mark.parametrize("value", ["x", None, (), [], 1, cst.MaybeSentinel.DEFAULT])
def test_a_value_that_is_not_a_node_is_told_apart(value):
    assert is_node_type(type(value)) is isinstance(value, cst.CSTNode) is False


def test_every_libcst_node_class_is_a_node_type():
    assert all(is_node_type(kind) for kind in _node_classes())
