"""Wrap the watched expressions of one module: `expr` becomes `__dqn_lint_probe__(ID, expr)`.

The call returns its second argument unchanged, so the program computes exactly what it did; only
the nodes found at the planned spans change, and the rest of the text is kept byte for byte
(libcst round-trips it).
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

PROBE_NAME = "__dqn_lint_probe__"


def rewrite(text: str, sites: Sequence[tuple[int, tuple[int, int], tuple[int, int]]]) -> tuple[str, list[int]]:
    """The text with each site's expression wrapped, and the ids of the sites found in it."""
    from dqn_lint.model.positions import module_positions

    module = cst.parse_module(text)
    positions = module_positions(module)
    wanted = {(start[0], start[1] - 1, end[0], end[1] - 1): site_id for site_id, start, end in sites}
    chosen: dict[cst.CSTNode, int] = {}

    class Finder(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            key = positions.get(node)
            if isinstance(node, cst.BaseExpression) and key in wanted and wanted[key] not in chosen.values():
                chosen[node] = wanted[key]
            return True

    module.visit(Finder())

    class Wrapper(cst.CSTTransformer):
        def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):
            site_id = chosen.get(original)
            if site_id is None:
                return updated
            inner = updated.with_changes(lpar=[], rpar=[]) if isinstance(updated, cst.BaseExpression) else updated
            call = cst.Call(
                func=cst.Name(PROBE_NAME),
                args=[cst.Arg(cst.Integer(str(site_id))), cst.Arg(inner)],
                lpar=list(getattr(updated, "lpar", [])),
                rpar=list(getattr(updated, "rpar", [])),
            )
            return call

    return module.visit(Wrapper()).code, sorted(chosen.values())
