"""Is this a libcst node? Answered per type, without going through `ABCMeta`.

libcst's node classes have `ABCMeta` as their metaclass, so `isinstance(x, cst.CSTNode)` costs
~120 ns, and its first answer for each other type (str, None, a sentinel, a tuple) walks all ~250
node classes: 0.3-0.7 ms each, paid again by every process. libcst registers no virtual
subclasses, so a node is exactly an instance of a class with `CSTNode` in its MRO; the tree walks
ask that once per type and remember it.

For the same reason the hottest analysis code tests `type(node) is cst.Name` (or membership of
`type(node)` in a set) instead of `isinstance`: libcst's concrete node classes have no subclasses,
so the answer is the same, 5-20x faster.
"""

from __future__ import annotations

import libcst as cst

KNOWN_NODE_TYPES: dict[type, bool] = {}
"""type -> whether it is a libcst node class; hot loops read it directly before calling `is_node_type`."""


def is_node_type(kind: type) -> bool:
    known = KNOWN_NODE_TYPES.get(kind)
    if known is None:
        known = KNOWN_NODE_TYPES[kind] = cst.CSTNode in kind.__mro__
    return known
