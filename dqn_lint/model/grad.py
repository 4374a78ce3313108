"""Autograd facts: where grad mode is off, and which forward passes a value carries gradient from.

A forward pass runs without autograd inside `with torch.no_grad()` / `inference_mode()` /
`set_grad_enabled(False)`, in a function decorated with them, or in a helper whose every call in
the file is in such a place. A value stops carrying gradient at `.detach()`, `.data`, `.item()`,
numpy, integer results (argmax) and comparisons; a network whose parameters were frozen
contributes none.
"""

from __future__ import annotations

from functools import cached_property

import libcst as cst

from dqn_lint.model import torch_api
from dqn_lint.model.dataflow import STORE, Dataflow, Obj, Ref
from dqn_lint.model.memo import RecursiveMemo
from dqn_lint.model.source import keyword_arg, positional_args

_OPERATIONS = (
    cst.Call,
    cst.BinaryOperation,
    cst.UnaryOperation,
    cst.Subscript,
    cst.IfExp,
    cst.BooleanOperation,
    cst.Comparison,
)


class GradAnalysis:
    def __init__(self, dataflow: Dataflow, is_forward_call, network_of) -> None:
        self.df = dataflow
        self.src = dataflow.src
        self._is_forward_call = is_forward_call
        self._network_of = network_of
        self._function_memo: dict[cst.FunctionDef | cst.Lambda, bool] = {}
        self.inside_helpers: set[cst.Call] = set()  # forward passes reached through a lifted helper call
        self._sources_memo: RecursiveMemo[frozenset[cst.Call]] = RecursiveMemo(frozenset())

    # ---- grad mode at a place ------------------------------------------------------------------
    def grad_free_at(self, node: cst.CSTNode) -> bool:
        child = node
        for ancestor in self.src.ancestors(node):
            if isinstance(ancestor, cst.With):
                mode = self._with_mode(ancestor)
                if mode is not None:
                    return mode
            elif isinstance(ancestor, (cst.IndentedBlock, cst.Module)):
                mode = self._switched_before(ancestor, child)
                if mode is not None:
                    return mode
            elif isinstance(ancestor, (cst.FunctionDef, cst.Lambda)):
                return self._function_grad_free(ancestor)
            child = ancestor
        return False

    def _switched_before(self, block: cst.IndentedBlock | cst.Module, statement: cst.CSTNode) -> bool | None:
        """`torch.set_grad_enabled(False)` called as a statement earlier in the same block."""
        body = list(block.body)
        position = next((i for i, item in enumerate(body) if item is statement), None)
        for earlier in reversed(body[:position] if position is not None else []):
            if type(earlier) is not cst.SimpleStatementLine:  # hot: exact types, see node_types
                continue
            for small in reversed(earlier.body):
                call = small.value if type(small) is cst.Expr else None
                if type(call) is cst.Call and call.args and self.src.names_any(call.func, torch_api.GRAD_SWITCHES):
                    flag = call.args[0].value
                    if isinstance(flag, cst.Name) and flag.value in ("True", "False"):
                        return flag.value == "False"
        return None

    def _with_mode(self, with_node: cst.With) -> bool | None:
        """True when the with-statement turns grad off, False when it turns it on, None otherwise."""
        for item in with_node.items:
            expr = item.item
            func = expr.func if isinstance(expr, cst.Call) else expr
            names = self.src.qualified_names(func)
            if not names.isdisjoint(torch_api.GRAD_FREE_CONTEXTS):
                # `inference_mode(False)` / `inference_mode(mode=flag)` with a False flag is normal mode
                mode_arg = expr.args[0].value if isinstance(expr, cst.Call) and expr.args else None
                return mode_arg is None or not self._always_false(mode_arg)
            if not names.isdisjoint(torch_api.GRAD_ENABLING_CONTEXTS):
                return False
            if not names.isdisjoint(torch_api.GRAD_SWITCHES) and isinstance(expr, cst.Call) and expr.args:
                flag = expr.args[0].value
                if isinstance(flag, cst.Name) and flag.value in ("False", "True"):
                    return flag.value == "False"
        return None

    def _always_false(self, node: cst.BaseExpression) -> bool:
        leaves = self.df.resolve(Ref(node))
        return bool(leaves) and all(
            isinstance(leaf.node, cst.Name) and leaf.node.value == "False" and not leaf.path for leaf in leaves
        )

    def _function_grad_free(self, function: cst.FunctionDef | cst.Lambda) -> bool:
        cached = self._function_memo.get(function)
        if cached is not None:
            return cached
        self._function_memo[function] = False  # a recursive helper is not proven grad-free
        result = self._decorated_grad_free(function)
        if not result:
            sites = self.df.call_sites(function)
            result = bool(sites) and all(self.grad_free_at(site.call) for site in sites)
        self._function_memo[function] = result
        return result

    def _decorated_grad_free(self, function: cst.FunctionDef | cst.Lambda) -> bool:
        for decorator in getattr(function, "decorators", ()):  # a lambda has none
            expr = decorator.decorator
            func = expr.func if isinstance(expr, cst.Call) else expr
            if not self.src.qualified_names(func).isdisjoint(torch_api.GRAD_FREE_CONTEXTS):
                return True
        return False

    # ---- frozen networks ------------------------------------------------------------------------
    @cached_property
    def frozen_objects(self) -> frozenset[Obj]:
        frozen: set[Obj] = set()
        for call in self.df.method_calls.get("requires_grad_", ()):
            if _is_false_arg(call):
                receiver = call.func.value
                if _is_call_of(receiver, "parameters"):
                    continue
                loop_network = self.df.parameters_loop_owner(receiver)
                if loop_network is not None:
                    frozen |= self.df.objects(Ref(loop_network))
                else:
                    frozen |= self.df.objects(Ref(receiver))
        for node in self.src.nodes_of_type(cst.Assign):
            for target in node.targets:
                attribute = target.target
                if (
                    isinstance(attribute, cst.Attribute)
                    and attribute.attr.value == "requires_grad"
                    and isinstance(node.value, cst.Name)
                    and node.value.value == "False"
                ):
                    network = self.df.parameters_loop_owner(attribute.value)
                    if network is not None:
                        frozen |= self.df.objects(Ref(network))
        return frozenset(frozen)

    def is_frozen(self, network: cst.BaseExpression) -> bool:
        objects = self.df.objects(Ref(network))
        return bool(objects) and all(self._frozen(obj) for obj in objects)

    def _frozen(self, obj: Obj) -> bool:
        """Frozen itself, or made by a factory that freezes what it makes (`def make_target(net):
        t = copy.deepcopy(net); for p in t.parameters(): p.requires_grad_(False); return t`)."""
        while True:
            if obj in self.frozen_objects:
                return True
            site = obj.site
            if obj.kind != "new" or not (isinstance(site, tuple) and len(site) == 2 and isinstance(site[0], cst.Call)):
                return False
            obj = Obj("new", site[1], obj.shallow_of)  # the object the factory makes, at any of its calls

    # ---- gradient sources -------------------------------------------------------------------------
    def grad_sources(self, ref: Ref) -> frozenset[cst.Call]:
        """Forward calls whose output reaches `ref` with autograd still attached."""
        return self._sources_memo((id(ref.node), ref.path), lambda: frozenset(self._grad_sources(ref)))

    def _union(self, nodes) -> set[cst.Call]:
        out: set[cst.Call] = set()
        for node in nodes:
            if node is not None:
                out |= self.grad_sources(Ref(node))
        return out

    def _grad_sources(self, ref: Ref) -> set[cst.Call]:
        node = ref.node
        if isinstance(node, cst.Name):
            if self._detached_in_place(node):
                return set()
            definitions = self.df.definitions(node, ref.path)
            if definitions is None:
                return set()
            out: set[cst.Call] = set()
            for definition in definitions:
                out |= self.grad_sources(definition)
            return out
        if isinstance(node, cst.Attribute) and node.attr.value == "data":
            return set()
        if ref.path == (STORE,):
            value = self.df.stored_value(node)
            return set(self.grad_sources(value)) if value is not None else set()
        if isinstance(node, cst.Call) and self._is_forward_call(node):
            if self.grad_free_at(node) or self.is_frozen(self._network_of(node)):
                return set()
            # a helper run here with grad on: the forward passes inside it carry gradient too
            inner: set[cst.Call] = set()
            for function, bound in self.df.callee_functions(node):
                for value in self.df.return_values_for(node, function, bound):
                    inner |= self.grad_sources(value)
            self.inside_helpers |= inner
            return {node} | inner
        leaves = self.df.resolve(ref)
        if leaves != (ref,):
            out = set()
            for leaf in leaves:
                out |= self.grad_sources(leaf)
            return out
        if isinstance(node, _OPERATIONS) and self.grad_free_at(node):
            return set()
        if isinstance(node, cst.Call):
            return self._call_sources(node, ref)
        if isinstance(node, cst.BinaryOperation):
            return self._union([node.left, node.right])
        if isinstance(node, cst.UnaryOperation):
            return set() if isinstance(node.operator, cst.Not) else self._union([node.expression])
        if isinstance(node, cst.Subscript):
            return self._union([node.value])
        if isinstance(node, cst.IfExp):
            return self._union([node.body, node.orelse])
        if isinstance(node, (cst.Tuple, cst.List)):
            return self._union([element.value for element in node.elements])
        if isinstance(node, cst.AugAssign):
            return self._union([node.value])
        return set()

    def _call_sources(self, call: cst.Call, ref: Ref) -> set[cst.Call]:
        names = self.src.qualified_names(call.func)
        if names:
            if not names.isdisjoint(torch_api.GRAD_CUTTING_FUNCTIONS) or any(
                name.startswith(torch_api.GRAD_CUTTING_FUNCTIONS_PREFIXES) for name in names
            ):
                return set()
            if ref.path and ref.path[0][:2] == ("item", 1) and not names.isdisjoint(torch_api.MAX_FUNCTIONS):
                return set()
            return self._union(arg.value for arg in call.args)
        if isinstance(call.func, cst.Attribute):
            method = call.func.attr.value
            if method in torch_api.GRAD_CUTTING_METHODS:
                return set()
            if method in torch_api.MAX_METHODS and ref.path and ref.path[0][:2] == ("item", 1):
                return set()
            if method in torch_api.GATHER_METHODS:
                return self._union([call.func.value])
            return self._union([call.func.value, *(arg.value for arg in call.args)])
        return self._union(arg.value for arg in call.args)

    def volatile_variables(self, call: cst.Call) -> list[cst.Call]:
        """`Variable(x, volatile=True)` among a forward pass's inputs: pre-0.4 PyTorch's no-grad,
        which has done nothing since 0.4 (the author meant no-grad; autograd still records)."""
        found = []
        inputs = []
        for arg in positional_args(call):  # `critic([s, a])`: each element of a listed input too
            inputs.append(arg.value)
            if isinstance(arg.value, (cst.List, cst.Tuple)):
                inputs.extend(element.value for element in arg.value.elements if not isinstance(element, cst.StarredElement))
        for value in inputs:
            for leaf in self.df.resolve(Ref(value)):
                node = leaf.node
                while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and not self.src.qualified_names(node.func):
                    if node.func.attr.value not in torch_api.VALUE_PRESERVING_METHODS:
                        break
                    node = node.func.value  # `Variable(x, volatile=True).cuda()`
                if (
                    isinstance(node, cst.Call)
                    and self.src.names_any(node.func, torch_api.VARIABLE_CLASSES)
                    and self._volatile_at(node, value)
                    and node not in found
                ):
                    found.append(node)
        return found

    def _volatile_at(self, variable: cst.Call, argument: cst.BaseExpression) -> bool:
        """`volatile=True` on the `Variable(...)` itself, or passed to the helper that makes it:
        `to_tensor(x, volatile=True)` with `def to_tensor(a, volatile=False): return Variable(..., volatile=volatile)`."""
        keyword = keyword_arg(variable, "volatile")
        if _is_true(keyword):
            return True
        if keyword is None or not isinstance(keyword.value, cst.Name) or not isinstance(argument, cst.Call):
            return False
        for function, bound in self.df.callee_functions(argument):
            for param in function.params.params:
                if param.name.value == keyword.value.value and self.src.enclosing_function(variable) is function:
                    passed = self.df.argument_for(argument, function, param, bound)
                    if isinstance(passed, cst.Name) and passed.value == "True":
                        return True
        return False

    def _detached_in_place(self, name: cst.Name) -> bool:
        for call in self.df.method_calls.get("detach_", ()):
            if isinstance(self.src.parent(call), cst.Expr) and self.df.same_storage(call.func.value, name):
                return True
        for call in self.df.method_calls.get("requires_grad_", ()):
            if _is_false_arg(call) and isinstance(self.src.parent(call), cst.Expr) and self.df.same_storage(call.func.value, name):
                return True
        return False


def forward_network(call: cst.Call) -> cst.BaseExpression:
    """The network a forward call runs: `net` in `net(x)` and in `net.forward(x)`."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value == "forward":
        return func.value
    return func


def _is_call_of(node: cst.CSTNode, method: str) -> bool:
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == method


def _is_true(arg: cst.Arg | None) -> bool:
    return arg is not None and isinstance(arg.value, cst.Name) and arg.value.value == "True"


def _is_false_arg(call: cst.Call) -> bool:
    args = positional_args(call)
    value = args[0].value if args else next((a.value for a in call.args if a.keyword and a.keyword.value == "requires_grad"), None)
    return isinstance(value, cst.Name) and value.value == "False"
