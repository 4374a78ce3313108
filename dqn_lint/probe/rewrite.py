"""Wrap the watched expressions of one module: `expr` becomes `__dqn_lint_probe__(ID, expr)`.

The call returns its second argument unchanged, so the program computes exactly what it did; only
the nodes found at the planned spans change, and the rest of the text is kept byte for byte
(libcst round-trips it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

import libcst as cst

PROBE_NAME = "__dqn_lint_probe__"
_T = TypeVar("_T")


def expressions_at(module: cst.Module, positions: Mapping, spans: Mapping[tuple[int, int, int, int], _T]) -> dict[cst.CSTNode, _T]:
    """For each span (libcst's 1-based line, 0-based column pairs), the outermost expression whose
    range is exactly that span, with the span's value."""
    found: dict[cst.CSTNode, _T] = {}
    taken: set[tuple[int, int, int, int]] = set()

    class Finder(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            key = positions.get(node)
            if isinstance(node, cst.BaseExpression) and key in spans and key not in taken:
                taken.add(key)  # pre-order: the first one met is the outermost
                found[node] = spans[key]
            return len(taken) < len(spans)

    module.visit(Finder())
    return found


def rewrite(text: str, sites: Sequence[tuple[int, tuple[int, int], tuple[int, int]]]) -> tuple[str, list[int]]:
    """The text with each site's expression wrapped, and the ids of the sites found in it. Sites
    on one expression (two findings watching the same network) wrap it once each, nested."""
    from dqn_lint.model.positions import module_positions

    module = cst.parse_module(text)
    positions = module_positions(module)
    wanted: dict[tuple[int, int, int, int], list[int]] = {}
    for site_id, start, end in sites:
        wanted.setdefault((start[0], start[1] - 1, end[0], end[1] - 1), []).append(site_id)
    chosen = expressions_at(module, positions, wanted)

    class Wrapper(cst.CSTTransformer):
        def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):
            site_ids = chosen.get(original)
            if site_ids is None:
                return updated
            wrapped = updated.with_changes(lpar=[], rpar=[]) if isinstance(updated, cst.BaseExpression) else updated
            for site_id in site_ids:
                wrapped = cst.Call(func=cst.Name(PROBE_NAME), args=[cst.Arg(cst.Integer(str(site_id))), cst.Arg(wrapped)])
            return wrapped.with_changes(lpar=list(getattr(updated, "lpar", [])), rpar=list(getattr(updated, "rpar", [])))

    return module.visit(Wrapper()).code, sorted(site_id for site_ids in chosen.values() for site_id in site_ids)
