"""Where each node of a module is: the positions libcst's `PositionProvider` gives, computed in a
quarter of its time.

libcst computes positions by generating the module's code while tracking line and column: a regex
split per token, a generator-based context manager and two frozen dataclasses per node. That
cost 85 ms of a 300-line file's 220 ms lint, the largest single step once a file reports
anything (an editor re-lints on every pause in typing). The same code generation runs here with
a cheap token update, a plain context object and tuples; the result is the same position for
every node (`tests/test_model_positions.py` compares them node by node).
"""

from __future__ import annotations

from typing import NamedTuple, Optional

import libcst as cst

try:
    from libcst._nodes.internal import CodegenState
except ImportError:  # a libcst that moved it: its own provider, slower, gives the same positions
    CodegenState = None

# (start line, start column, end line, end column): lines 1-based, columns 0-based, as libcst's
Positions = dict[cst.CSTNode, tuple[int, int, int, int]]


class _Recording:
    """`with state.record_syntactic_position(node, ...)`: the node's syntactic range, hoisted
    from `start_node` / `end_node` when given (as libcst's `PositionProvidingCodegenState`)."""

    __slots__ = ("state", "node", "start_node", "end_node", "line", "column")

    def __init__(self, state: _PositionState, node, start_node, end_node) -> None:
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node
        self.line, self.column = state.line, state.column

    def __enter__(self) -> None:
        return None

    def __exit__(self, *_exc) -> None:
        state = self.state
        computed = state.computed
        if self.start_node is not None:
            start_line, start_column = computed[self.start_node][:2]
        else:
            start_line, start_column = self.line, self.column
        if self.end_node is not None:
            end_line, end_column = computed[self.end_node][2:]
        else:
            end_line, end_column = state.line, state.column
        computed[self.node] = (start_line, start_column, end_line, end_column)


class _PositionState(CodegenState or object):
    """Code generation that tracks line and column, and the range of each node."""

    __slots__ = ("line", "column", "computed", "_stack")

    def __init__(self, module: cst.Module) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.line = 1
        self.column = 0
        self.computed: Positions = {}
        self._stack: list[tuple[int, int]] = []

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        for token in self.indent_tokens:
            self._advance(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self._advance(value)

    def _advance(self, value: str) -> None:
        if "\n" not in value and "\r" not in value:
            self.column += len(value)
            return
        # libcst's NEWLINE_RE: `\r\n`, `\r` and `\n` each end a line
        normalised = value.replace("\r\n", "\n").replace("\r", "\n")
        self.line += normalised.count("\n")
        self.column = len(normalised) - normalised.rfind("\n") - 1

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._stack.append((self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        start_line, start_column = self._stack.pop()
        if node not in self.computed:  # a syntactic position recorded inside stands
            self.computed[node] = (start_line, start_column, self.line, self.column)

    def record_syntactic_position(
        self, node: cst.CSTNode, *, start_node: Optional[cst.CSTNode] = None, end_node: Optional[cst.CSTNode] = None
    ) -> _Recording:
        return _Recording(self, node, start_node, end_node)


def module_positions(module: cst.Module) -> Positions:
    """The range of every node of `module`, as libcst's `PositionProvider` gives it."""
    return module_positions_and_code(module)[0]


def module_positions_and_code(module: cst.Module) -> tuple[Positions, str]:
    """The range of every node of `module`, and its code (`module.code`), from one code generation."""
    provided = _PROVIDED.get(id(module))
    if provided is not None and provided[0] is module:
        return provided[1]()
    if CodegenState is None:
        return _libcst_positions(module), module.code
    state = _PositionState(module)
    module._codegen(state)
    return state.computed, "".join(state.tokens)


def _libcst_positions(module: cst.Module) -> Positions:
    import libcst.metadata as meta

    ranges = meta.MetadataWrapper(module, unsafe_skip_copy=True).resolve(meta.PositionProvider)
    return {node: (r.start.line, r.start.column, r.end.line, r.end.column) for node, r in ranges.items()}


# ---- positions given by a reparse (the language server's, dqn_lint/reparse.py) ------------------------
_PROVIDED: dict[int, tuple[cst.Module, object]] = {}


def provide(module: cst.Module, compute) -> None:
    """Use `compute()` (positions and code) for `module` instead of a code generation: a module
    spliced from kept statements knows where each of them now stands."""
    _PROVIDED[id(module)] = (module, compute)


def forget(module: cst.Module) -> None:
    entry = _PROVIDED.get(id(module))
    if entry is not None and entry[0] is module:
        del _PROVIDED[id(module)]


class StatementPositions(NamedTuple):
    """A module's positions split by top-level statement, as a reparse keeps them."""

    header: Positions
    statements: list[Positions]
    starts: list[int]  # 0-based line where each statement's text (its leading lines first) starts
    footer: Positions
    footer_start: int
    code: str
    span: tuple[int, int, int, int]  # the module's own


class _SplitState(_PositionState):
    """The code generation of `_PositionState`, filing each top-level statement's nodes apart."""

    __slots__ = ("_index", "header", "statements", "starts", "footer", "footer_start")

    def __init__(self, module: cst.Module) -> None:
        super().__init__(module)
        self._index = {statement: i for i, statement in enumerate(module.body)}
        self.header: Positions = self.computed
        self.statements: list[Positions] = [{} for _ in module.body]
        self.starts = [0] * len(module.body)
        self.footer: Positions = {}
        self.footer_start = 0

    def before_codegen(self, node: cst.CSTNode) -> None:
        index = self._index.get(node)
        if index is not None:
            self.computed = self.statements[index]
            self.starts[index] = self.line - 1
        super().before_codegen(node)

    def after_codegen(self, node: cst.CSTNode) -> None:
        super().after_codegen(node)
        if node in self._index:
            self.computed = self.footer
            self.footer_start = self.line - 1


def positions_by_statement(module: cst.Module) -> StatementPositions:
    state = _SplitState(module)
    module._codegen(state)
    if not module.body:
        state.footer_start = state.line - 1
    span = state.footer.pop(module, None) or state.header.pop(module)  # the module's own range changes with every edit
    return StatementPositions(state.header, state.statements, state.starts, state.footer, state.footer_start, "".join(state.tokens), span)
