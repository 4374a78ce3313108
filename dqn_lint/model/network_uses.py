"""Everything a program does with one network binding, and whether the model can read all of it.

"This target network is never synced" is a claim about every line of the program, so it may only
be made when every use of the binding is understood: run (`target(s2)`), switched (`.eval()`,
`.to(device)`), frozen (`for p in target.parameters(): p.requires_grad = False`), synced (a
`Sync` of `model.networks`), read into a call (`torch.save(target.state_dict(), path)`), or handed
to a helper of the project whose parameter is used only in these ways. Anything else (a
`load_state_dict` of a checkpoint, a library call, an alias, an attribute reached through it) is
*opaque*: it may write the network's values, and the claim is not made.

A network held by an object (`self.target`) is in view only when that object's class is seen being
instantiated in the analysed code and inherits nothing from outside the project (a library base
class, as tianshou's, may sync it in a method the model never sees).
"""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property

import libcst as cst

from dqn_lint.model import torch_api
from dqn_lint.model.dataflow import Dataflow, Obj, Ref
from dqn_lint.model.networks import Sync
from dqn_lint.model.source import walk

# Module methods that switch mode or device, or run the network: none writes its values.
_HARMLESS_METHODS = torch_api.SELF_RETURNING_MODULE_METHODS | {"forward", "zero_grad", "__call__"}
# Calls that read a network or its state dict and never write into it.
_READING_CALLS = frozenset(
    {"copy.deepcopy", "torch.save", "builtins.print", "builtins.id", "builtins.isinstance", "builtins.type",
     "builtins.hasattr", "builtins.repr", "builtins.str", "builtins.sum", "builtins.len",
     "torch.nn.utils.parameters_to_vector"}
) | torch_api.MODULE_WRAPPERS
_DISK_LOADS = frozenset({"torch.load", "safetensors.torch.load_file"})
_PARAMETER_ITERATORS = frozenset({"parameters", "named_parameters"})
_BASES_WITHOUT_WRITES = frozenset({"builtins.object", "object", "torch.nn.Module", "torch.nn.modules.module.Module"})
_MAX_HELPER_DEPTH = 4


class NetworkUses:
    def __init__(self, dataflow: Dataflow, syncs: tuple[Sync, ...]) -> None:
        self.df = dataflow
        self.src = dataflow.src
        self.syncs = syncs

    # ---- indexes ------------------------------------------------------------------------------------
    @cached_property
    def _attributes_by_name(self) -> dict[str, list[cst.Attribute]]:
        table: dict[str, list[cst.Attribute]] = defaultdict(list)
        for node in self.src.nodes_of_type(cst.Attribute):
            table[node.attr.value].append(node)
        return table

    @cached_property
    def _names_by_value(self) -> dict[str, list[cst.Name]]:
        table: dict[str, list[cst.Name]] = defaultdict(list)
        for node in self.src.nodes_of_type(cst.Name):
            table[node.value].append(node)
        return table

    @cached_property
    def _sync_nodes(self) -> frozenset[cst.CSTNode]:
        return frozenset(node for sync in self.syncs for node in (sync.node, sync.via) if node is not None)

    # ---- the questions ------------------------------------------------------------------------------
    def uses(self, binding: cst.BaseExpression) -> list[cst.BaseExpression]:
        """Every expression that names the same variable or attribute as `binding`."""
        if isinstance(binding, cst.Attribute):
            candidates = self._attributes_by_name.get(binding.attr.value, ())
        elif isinstance(binding, cst.Name):
            candidates = self._names_by_value.get(binding.value, ())
        else:
            return []
        return [node for node in candidates if node is binding or self.df.same_storage(node, binding)]

    def creations(self, binding: cst.BaseExpression) -> list[cst.CSTNode]:
        """The statements that bind a network to it (`= None` placeholders and `x = x.to(d)` left out)."""
        found = []
        for use in self.uses(binding):
            statement = self._bound_by(use)
            if statement is None:
                continue
            value = statement.value
            if isinstance(value, cst.Name) and value.value == "None":
                continue
            if self._rewraps(value, binding):
                continue
            found.append(statement)
        return found

    def made_once(self, binding: cst.BaseExpression, creations: list[cst.CSTNode]) -> bool:
        """Whether the one creation runs once for the many uses: at module level or in `__init__`, or
        in a function that then uses the network in a loop of its own. A copy made inside a
        function that each training step calls (`def learn(...): target = copy.deepcopy(online)`)
        is made again at every call: a sync, not a frozen copy."""
        if len(creations) != 1:
            return False
        creation = creations[0]
        function = self.src.enclosing_function(creation)
        if self.src.in_loop(creation, function):
            return False
        if function is None or function.name.value == "__init__":
            return True
        return any(
            self.src.enclosing_function(use) is function and self.src.in_loop(use, function, outside=creation)
            for use in self.uses(binding)
        )


    def opaque_uses(self, binding: cst.BaseExpression) -> list[cst.CSTNode]:
        """Uses of the binding that may write its values in a way the model does not read."""
        return [use for use in self.uses(binding) if self._bound_by(use) is None and not self._understood(use, 0)]

    def bindings(self, network: cst.BaseExpression, depth: int = 0) -> list[cst.BaseExpression] | None:
        """The variables or attributes a network expression stands for: itself, or for a helper's
        parameter the argument of each call (`td_loss(q_net, target_net, batch)`). None when some
        call passes something that is not a plain binding, or the helper is never called."""
        param = self.df.sole_parameter(network)
        if param is None:
            return [network] if isinstance(network, (cst.Name, cst.Attribute)) else None
        function = self.df.function_of_param(param)
        if not isinstance(function, cst.FunctionDef) or depth >= _MAX_HELPER_DEPTH:
            return None
        sites = self.df.call_sites(function)
        if not sites:
            return None
        found: list[cst.BaseExpression] = []
        for site in sites:
            argument = self.df.argument_for(site.call, function, param, site.bound)
            inner = self.bindings(argument, depth + 1) if argument is not None else None
            if inner is None:
                return None
            found.extend(inner)
        return found

    def holder_in_view(self, binding: cst.BaseExpression) -> bool:
        """Whether every piece of code that can reach the binding is in the analysed files."""
        if isinstance(binding, cst.Name):
            return True
        if not isinstance(binding, cst.Attribute):
            return False
        holders = self.df.objects(Ref(binding.value))
        if not holders:
            return False
        return all(self._holder_class_in_view(holder) for holder in holders)

    # ---- classification -----------------------------------------------------------------------------
    def _bound_by(self, use: cst.BaseExpression) -> cst.Assign | cst.AnnAssign | None:
        parent = self.src.parent(use)
        while isinstance(parent, (cst.Element, cst.Tuple, cst.List)):
            parent = self.src.parent(parent)
        if isinstance(parent, cst.AssignTarget):
            statement = self.src.parent(parent)
            if isinstance(statement, cst.Assign):
                return statement
        if isinstance(parent, cst.AnnAssign) and parent.target is use and parent.value is not None:
            return parent
        return None

    def _rewraps(self, value: cst.BaseExpression, binding: cst.BaseExpression) -> bool:
        """`target = target.to(device)`, `target = torch.compile(target)`: the same network again."""
        while isinstance(value, cst.Call):
            if isinstance(value.func, cst.Attribute) and value.func.attr.value in torch_api.SELF_RETURNING_MODULE_METHODS:
                value = value.func.value
            elif not self.src.qualified_names(value.func).isdisjoint(torch_api.MODULE_WRAPPERS) and value.args:
                value = value.args[0].value
            else:
                return False
        return isinstance(value, (cst.Name, cst.Attribute)) and self.df.same_storage(value, binding)

    def _understood(self, use: cst.BaseExpression, depth: int) -> bool:
        parent = self.src.parent(use)
        if isinstance(parent, cst.Call) and parent.func is use:
            return True  # run
        if isinstance(parent, cst.Attribute) and parent.value is use:
            call = self.src.parent(parent)
            if not (isinstance(call, cst.Call) and call.func is parent):
                return False  # a submodule or parameter reached through it
            return self._method_understood(parent.attr.value, call)
        if isinstance(parent, cst.Arg):
            call = self.src.parent(parent)
            return isinstance(call, cst.Call) and self._argument_understood(call, parent, depth)
        if isinstance(parent, cst.Comparison):
            return True  # `if target is None`
        return False

    def _method_understood(self, method: str, call: cst.Call) -> bool:
        if method in _HARMLESS_METHODS:
            return True
        if method == "state_dict":
            return self._state_dict_understood(call)
        if method == "load_state_dict":
            return call in self._sync_nodes or self._loads_from_disk(call)
        if method in _PARAMETER_ITERATORS:
            return self._parameters_understood(call)
        return False

    def _state_dict_understood(self, call: cst.Call) -> bool:
        """`torch.save(t.state_dict(), p)`, a sync into another network, or the tutorial's
        `sd = t.state_dict()` whose entries are replaced before `t.load_state_dict(sd)`."""
        parent = self.src.parent(call)
        while isinstance(parent, (cst.DictElement, cst.Dict, cst.Element, cst.Tuple, cst.List)):
            parent = self.src.parent(parent)  # `torch.save({"target": t.state_dict()}, path)`
        if isinstance(parent, cst.Arg):
            return True
        if not (isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name)):
            return False
        held = parent.targets[0].target
        for use in self._names_by_value.get(held.value, ()):
            if use is held or not self.df.same_storage(use, held):
                continue
            container = self.src.parent(use)
            if isinstance(container, cst.Subscript) and container.value is use:
                if isinstance(self.src.parent(container), cst.Attribute):
                    return False  # `sd[k].copy_(...)` writes the network's own tensor
                continue
            if isinstance(container, cst.Arg) and self.src.parent(container) in self._sync_nodes:
                continue
            if isinstance(container, cst.For) and container.iter is use:
                continue  # `for key in sd:`
            return False
        return True

    def _loads_from_disk(self, call: cst.Call) -> bool:
        """`t.load_state_dict(torch.load(path))`, `t.load_state_dict(checkpoint["target"])`: a restore
        from a file, which copies no network of the program into it."""
        if not call.args:
            return False
        leaves = self.df.resolve(Ref(call.args[0].value))
        return bool(leaves) and all(
            isinstance(leaf.node, cst.Call) and not self.src.qualified_names(leaf.node.func).isdisjoint(_DISK_LOADS)
            for leaf in leaves
        )

    def _parameters_understood(self, call: cst.Call) -> bool:
        """`for p in t.parameters(): p.requires_grad = False`, or the loop of a sync."""
        node: cst.CSTNode | None = self.src.parent(call)
        while isinstance(node, (cst.Arg, cst.Call)) and not isinstance(node, cst.For):
            node = self.src.parent(node)  # `zip(t.parameters(), o.parameters())`, `list(...)`
        if not isinstance(node, cst.For):
            return False
        if any(inner in self._sync_nodes for inner in walk(node.body)):
            return True
        body = node.body
        if isinstance(body, cst.SimpleStatementSuite):  # `for p in t.parameters(): p.requires_grad = False`
            return self._freezes(cst.SimpleStatementLine(body=body.body))
        return all(self._freezes(statement) for statement in body.body)

    @staticmethod
    def _freezes(statement: cst.CSTNode) -> bool:
        if not isinstance(statement, cst.SimpleStatementLine):
            return False
        for small in statement.body:
            if isinstance(small, cst.Assign) and all(
                isinstance(t.target, cst.Attribute) and t.target.attr.value == "requires_grad" for t in small.targets
            ):
                continue
            if (
                isinstance(small, cst.Expr)
                and isinstance(small.value, cst.Call)
                and isinstance(small.value.func, cst.Attribute)
                and small.value.func.attr.value == "requires_grad_"
            ):
                continue
            return False
        return True

    def _argument_understood(self, call: cst.Call, arg: cst.Arg, depth: int) -> bool:
        if call in self._sync_nodes:
            return True  # `soft_update(target, online, tau)`
        if not self.src.qualified_names(call.func).isdisjoint(_READING_CALLS):
            return True
        if depth >= _MAX_HELPER_DEPTH:
            return False
        functions = self.df.callee_functions(call)
        if not functions:
            return False
        for function, bound in functions:
            param = self._parameter_for(call, function, arg, bound)
            if param is None:
                return False
            uses = [
                name for name in self._names_by_value.get(param.name.value, ())
                if self.src.enclosing_function(name) is function and self._is_param_use(name, param)
            ]
            if any(self._bound_by(name) is not None or not self._understood(name, depth + 1) for name in uses):
                return False
        return True

    def _parameter_for(self, call: cst.Call, function: cst.FunctionDef, arg: cst.Arg, bound: bool) -> cst.Param | None:
        for param in (*function.params.posonly_params, *function.params.params, *function.params.kwonly_params):
            argument = self.df.argument_for(call, function, param, bound)
            if argument is arg.value:
                return param
        return None

    def _is_param_use(self, name: cst.Name, param: cst.Param) -> bool:
        definitions = self.df.definitions(name) or ()
        return any(ref.node is param for ref in definitions)

    def _holder_class_in_view(self, holder: Obj) -> bool:
        if holder.kind != "instance" or not isinstance(holder.site, cst.ClassDef):
            return False
        cls = holder.site
        if not self._bases_in_view(cls, set()):
            return False
        family = {cls.name.value} | {base.name.value for base in self.df.base_classes(cls)}
        family |= {sub.name.value for sub in self.df.subclasses(cls)}
        return any(
            self.df.local_class(call.func) is not None
            for name in family
            for call in self.src.calls_by_callee_name.get(name, ())
        )

    def _bases_in_view(self, cls: cst.ClassDef, seen: set[int]) -> bool:
        if id(cls) in seen:
            return True
        seen.add(id(cls))
        for arg in cls.bases:
            base = self.df.local_class(arg.value)
            if base is not None:
                if not self._bases_in_view(base, seen):
                    return False
                continue
            if self.src.qualified_names(arg.value).isdisjoint(_BASES_WITHOUT_WRITES):
                return False
        return True


__all__ = ["NetworkUses"]
