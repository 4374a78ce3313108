"""TD targets: `reward + discount * bootstrap(next state) [* mask]`, found by shape and dataflow.

A TD target is an addition (or `+=`) one of whose terms is a product with a discount factor and a
bootstrap value: a network's forward output reduced over actions (`max`, `amax`, `gather`, an
index pair), traced through assignments and helper functions. The other factors, masking
operations on the bootstrap path and the conditions the target sits under are its masks.
Supervised code with a variable called `target` has no such shape and is never a TD target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import NamedTuple

import libcst as cst

from dqn_lint.model import torch_api
from dqn_lint.model.dataflow import STORE, Dataflow, Obj, Ref
from dqn_lint.model.memo import RecursiveMemo
from dqn_lint.model.flags import UNKNOWN, FlagAnalysis
from dqn_lint.model.grad import forward_network
from dqn_lint.model.source import int_value, keyword_arg, number_value, positional_args, walk

_PROJECTIONS = ("index_add_", "scatter_add_")  # how C51 puts probabilities on the atoms
_SUPPORT_MAKERS = frozenset({"torch.linspace", "numpy.linspace"})
_GAMMA_NAME = re.compile(r"gamma|γ", re.IGNORECASE)
_DISCOUNT_NAME = re.compile(r"discount", re.IGNORECASE)
_TENSOR_METHODS = (
    torch_api.VALUE_PRESERVING_METHODS
    | torch_api.MAX_METHODS
    | torch_api.GATHER_METHODS
    | torch_api.INDEX_METHODS
    | torch_api.GRAD_CUTTING_METHODS
    | {"min", "softmax", "log_softmax", "exp", "log", "abs", "pow", "sqrt", "std", "var", "sigmoid", "tanh", "relu"}
)


class MaskKind(str, Enum):
    """How a mask zeroes the bootstrap term."""

    FACTOR = "factor"  # a non-discount factor of the bootstrap term: `gamma * q2 * (1 - done)`
    DISCOUNT = "discount"  # a per-transition discount that may hold the mask: `gammas`, `gamma * (1 - done)`
    BOOTSTRAP = "bootstrap"  # applied on the way to the bootstrap value: `q2 = q2 * mask`, `masked_fill(done, 0)`
    CONDITION = "condition"  # a test choosing the target: `if done: y = r`, `torch.where(done, r, ...)`
    OVERWRITE = "overwrite"  # the index of entries written: `q2[done] = 0`, `q2[non_final] = net(s2).max(1)[0]`


class MaskUse(NamedTuple):  # a NamedTuple, as dataflow's records
    """An expression that can zero the bootstrap term, and how it does so."""

    node: cst.BaseExpression
    kind: MaskKind


class _Frame(NamedTuple):
    """A helper being traced through, entered by `call`: its parameters are that call's arguments."""

    call: cst.Call
    function: cst.FunctionDef
    bound: bool


_CONCATENATIONS = frozenset({"torch.cat", "torch.concat", "torch.concatenate", "torch.hstack", "numpy.concatenate"})

# Helpers of helpers are traced with their callers' arguments this deep; deeper, a parameter
# takes the arguments of every call site of its function.
_MAX_FRAMES = 4


@dataclass
class _Trace:
    calls: dict[cst.Call, bool] = field(default_factory=dict)  # forward call -> reduced over actions
    masks: list[MaskUse] = field(default_factory=list)
    maxima: dict[cst.Call, tuple[cst.Call, ...]] = field(default_factory=dict)  # forward call -> its max calls

    def merge(self, other: _Trace) -> None:
        for call, reduced in other.calls.items():
            self.calls[call] = self.calls.get(call, False) or reduced
        self.masks.extend(mask for mask in other.masks if mask not in self.masks)
        for call, maxima in other.maxima.items():
            self.maxima[call] = tuple(dict.fromkeys(self.maxima.get(call, ()) + maxima))

    def reduced(self, by_max: cst.Call | None = None) -> _Trace:
        maxima = dict(self.maxima)
        if by_max is not None:
            for call in self.calls:
                maxima[call] = maxima.get(call, ()) + (by_max,)
        return _Trace({call: True for call in self.calls}, list(self.masks), maxima)


@dataclass(frozen=True)
class TDTarget:
    node: cst.CSTNode  # the BinaryOperation or AugAssign
    reward: cst.BaseExpression
    bootstrap_term: cst.BaseExpression
    bootstrap_calls: tuple[cst.Call, ...]
    masks: tuple[MaskUse, ...]
    discount_is_scalar: bool
    maxima: tuple[tuple[cst.Call, cst.Call], ...] = ()  # (forward call, the max that reduces its output)
    actor_critic: bool = False  # every bootstrap is a critic at a policy's action (DDPG, TD3, SAC), none a max
    distributional: bool = False  # C51's `r + gamma * support`, projected onto the atoms


class TDTargetFinder:
    def __init__(self, dataflow: Dataflow, flags: FlagAnalysis) -> None:
        self.df = dataflow
        self.src = dataflow.src
        self.flags = flags
        self._memo: RecursiveMemo[_Trace] = RecursiveMemo(_Trace())
        self._memo_reaches: RecursiveMemo[bool] = RecursiveMemo(False)
        self._forward_memo: dict[cst.Call, bool] = {}
        self._lifted_memo: dict[cst.Call, cst.BaseExpression | None] = {}
        self._lifted_reduced: dict[cst.Call, bool] = {}  # the helper already reduces over actions
        self._lifted_inner: dict[cst.Call, set[cst.Call]] = {}  # the forward calls inside a lifted helper
        self._under_policy: set[cst.Call] = set()  # critic calls averaged over a policy's actions
        # `r + gamma * critic_t(s2, a2)` whose action `a2` no network is seen to make here: it may be
        # made in another module (SAC's `actor.evaluate`), so the file is worth its project
        self.unreduced_candidates: list[cst.CSTNode] = []
        self._discount_memo: RecursiveMemo[str | None] = RecursiveMemo(None)
        self._frames: tuple[_Frame, ...] = ()  # the helpers the current trace is inside, innermost first

    # ---- forward calls ---------------------------------------------------------------------------
    def is_forward_call(self, call: cst.Call) -> bool:
        cached = self._forward_memo.get(call)
        if cached is None:
            cached = self._forward_memo[call] = self._is_forward_call(call)
        return cached

    def network_of(self, call: cst.Call) -> cst.BaseExpression:
        """The network a forward call runs; for a lifted helper call, the network argument."""
        lifted = self._lifted_network(call)
        return lifted if lifted is not None else forward_network(call)

    def runs_inside(self, call: cst.Call) -> frozenset[cst.Call]:
        """The forward calls a helper call runs its network with (empty for any other call)."""
        self._lifted_network(call)
        return frozenset(self._lifted_inner.get(call, ()))

    def _lifted_network(self, call: cst.Call) -> cst.BaseExpression | None:
        """`q_values(target_net, s2)` where `def q_values(model, x): return model(x)`.

        A helper that runs the network it receives is analysed at each call site, where the
        network argument and the grad context are known, instead of merging all its callers.
        """
        if call in self._lifted_memo:
            return self._lifted_memo[call]
        self._lifted_memo[call] = None
        found = None
        for function, bound in self.df.helper_functions(call):
            for value in self._returned_values(call, function, bound):
                for inner, reduced in self.trace(value).calls.items():
                    network = self.network_of(inner)
                    param = self._parameter_named_by(network, function)
                    if param is not None:
                        chosen = self.df.argument_for(call, function, param, bound)
                    elif bound and self._runs_own_module(network, function, call):
                        chosen = call.func.value  # `target_net.quantiles(x)` runs `self.quantile_net`: target_net's
                    else:
                        chosen = self._network_chosen_by_flag(network, function, call, bound)
                    if chosen is not None and found is None:
                        found = chosen
                        self._lifted_reduced[call] = reduced
                    if chosen is not None:
                        self._lifted_inner.setdefault(call, set()).add(inner)
        self._lifted_memo[call] = found
        return found

    def _returned_values(self, call: cst.Call, function: cst.FunctionDef, bound: bool) -> list[Ref]:
        """What a helper returns, each element of a returned tuple on its own (`return
        self.q1(s, a), self.q2(s, a)`: both are runs of the object's own modules)."""
        values: list[Ref] = []
        for value in self.df.return_values_for(call, function, bound):
            if not value.path and isinstance(value.node, (cst.Tuple, cst.List)):
                values.extend(Ref(element.value) for element in value.node.elements if not isinstance(element, cst.StarredElement))
            else:
                values.append(value)
        return values

    def _runs_own_module(self, network: cst.BaseExpression, function: cst.FunctionDef, call: cst.Call) -> bool:
        """A method of a network class running the network itself or one of its submodules
        (`self(x)`, `self.forward(x)`, `self.quantile_net(h)`): called on a network object
        (`target_net.calculate_quantiles(...)`), it is a forward pass of that object."""
        if not isinstance(call.func, cst.Attribute):
            return False
        root = network
        while isinstance(root, cst.Attribute):
            root = root.value
        if not isinstance(root, cst.Name):
            return False
        definitions = self.df.definitions(root) or []
        if len(definitions) != 1 or not isinstance(definitions[0].node, cst.Param):
            return False
        cls = self.df.is_self_parameter(definitions[0].node)
        if cls is None or self.df.function_of_param(definitions[0].node) is not function:
            return False
        # a network class, here or used like one where its base class is out of view
        if not (self.df.is_module_class(cls) or not self.df.objects(Ref(call.func.value)).isdisjoint(self._used_like_modules)):
            return False
        # Inside the class, `self.quantile_net` is the submodule of every instance at once; the
        # receiver tells the online instance from the target one. A class made once (a holder of
        # `policy_net` and `target_net`) needs no lifting: its fields are networks of their own.
        return self._instances_made(cls) > 1

    def _instances_made(self, cls: cst.ClassDef) -> int:
        """How many networks of this class the program makes: constructions and deep copies."""
        made = [call for call in self.src.calls_by_callee_name.get(cls.name.value, ()) if self.df.local_class(call.func) is cls]
        copies = 0
        for call in self.src.calls_by_callee_name.get("deepcopy", ()):
            args = positional_args(call)
            if args and "copy.deepcopy" in self.src.qualified_names(call.func):
                objects = self.df.objects(Ref(args[0].value))
                copies += any(self.df.class_of(obj) is cls for obj in objects)
        return len(made) + copies

    def _network_chosen_by_flag(self, network, function, call, bound) -> cst.BaseExpression | None:
        """`net = target if use_target else online` inside the helper, with `use_target=True` at the call."""
        if not isinstance(network, cst.Name):
            return None
        definitions = self.df.definitions(network) or []
        if len(definitions) != 1 or definitions[0].path or not isinstance(definitions[0].node, cst.IfExp):
            return None
        choice = definitions[0].node
        flag = self._parameter_named_by(choice.test, function)
        if flag is None:
            return None
        value = self.df.argument_for(call, function, flag, bound)
        if value is None and keyword_arg(call, flag.name.value) is None:
            value = flag.default
        if not (isinstance(value, cst.Name) and value.value in ("True", "False")):
            return None
        chosen = choice.body if value.value == "True" else choice.orelse
        return chosen if isinstance(chosen, (cst.Name, cst.Attribute)) else None

    def _parameter_named_by(self, network: cst.BaseExpression, function: cst.FunctionDef) -> cst.Param | None:
        if not isinstance(network, cst.Name):
            return None
        for assignment in self.src.referents(network):
            node = getattr(assignment, "node", None)
            if isinstance(node, cst.Param) and self.df.function_of_param(node) is function:
                return None if self.df.is_self_parameter(node) is not None else node
        return None

    def _is_forward_call(self, call: cst.Call) -> bool:
        if self._lifted_network(call) is not None:
            return True
        func = call.func
        if isinstance(func, cst.Attribute):
            if func.attr.value == "forward":
                return True
            if func.attr.value in _TENSOR_METHODS:
                return False
        elif not isinstance(func, (cst.Name, cst.Subscript)):  # `net(x)`, `nets["target"](x)`
            return False
        if self.src.qualified_names(func):
            return False
        if self.df.callee_functions(call) or self.df.local_class(func) is not None:
            return False
        objects = self.df.objects(Ref(func))
        if any(obj.kind == "new" and self._is_loss_constructor(obj.site) for obj in objects):
            return False
        return any(self._is_network_object(obj, called_as_attribute=isinstance(func, cst.Attribute)) for obj in objects)

    def _is_network_object(self, obj: Obj, depth: int = 0, called_as_attribute: bool = False) -> bool:
        """A value that may be a network: a module constructed or copied, a parameter we cannot see
        the caller of, an attribute of `self`, or anything used like a module.

        `obj.attr(x)` on an object we know nothing about is a method call (`env.step(a)`), not a
        forward pass, unless `obj.attr` is used like a module elsewhere.
        """
        if obj in self._used_like_modules:
            return True
        if obj.kind == "param":
            return not called_as_attribute
        if obj.kind == "new":
            site = obj.site
            if isinstance(site, tuple):
                return True
            if isinstance(site, cst.Call):
                return isinstance(site.func, cst.Name) or bool(self.src.qualified_names(site.func))
            return False
        if obj.kind == "projection" and depth < 4:
            base, _path = obj.site
            if not isinstance(base, frozenset):
                return False
            if len(_path) == 1 and any(other.kind == "instance" and not self._is_env(other) for other in base):
                return True  # `self.q_net(x)`: a field set up outside this file (a base class), not `self.env.step(a)`
            return not called_as_attribute and any(
                other.kind == "param" or (other.kind == "projection" and self._is_network_object(other, depth + 1))
                for other in base
            )
        return False

    def _is_env(self, obj: Obj) -> bool:
        """An instance of a gym wrapper or env class of the project: its attributes are the
        library's methods (`step`, `reset`), never networks."""
        cls = self.df.class_of(obj)
        return cls is not None and self.df.is_env_class(cls)

    @cached_property
    def _used_like_modules(self) -> frozenset[Obj]:
        """Objects whose `parameters()`, `state_dict()`, `load_state_dict()`, `eval()` or `train()` is called."""
        found: set[Obj] = set()
        for method in ("parameters", "named_parameters", "state_dict", "load_state_dict", "eval", "train"):
            for call in self.df.method_calls.get(method, ()):
                found |= self.df.objects(Ref(call.func.value))
        return frozenset(found)

    def _is_loss_constructor(self, site: object) -> bool:
        if not isinstance(site, cst.Call):
            return False
        return any(name.startswith("torch.nn.") and name.endswith("Loss") for name in self.src.qualified_names(site.func))

    # ---- finding TD targets ----------------------------------------------------------------------
    def find(self) -> list[TDTarget]:
        targets: list[TDTarget] = []
        for node in self.src.nodes_of_type((cst.BinaryOperation, cst.AugAssign)):
            if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
                for term, reward in ((node.right, node.left), (node.left, node.right)):
                    target = self._as_td_target(node, term, reward)
                    if target is not None:
                        targets.append(target)
                        break
            elif isinstance(node, cst.AugAssign) and isinstance(node.operator, cst.AddAssign):
                target = self._as_td_target(node, node.value, node.target)
                if target is not None:
                    targets.append(target)
        targets.extend(self._categorical_targets())
        return targets

    # ---- distributional (C51) targets ---------------------------------------------------------------
    def _categorical_targets(self) -> list[TDTarget]:
        """C51's projected target: `Tz = r + gamma * support [* mask]` decides where the next
        state's probabilities land (`m.view(-1).index_add_(0, index(Tz), p * (u - b))`). The
        bootstrap is the network run for those probabilities; the masks are Tz's."""
        found: dict[cst.CSTNode, TDTarget] = {}
        for method in _PROJECTIONS:
            for call in self.df.method_calls.get(method, ()):
                args = positional_args(call)
                if len(args) < 3:
                    continue
                probabilities = self.trace(Ref(args[2].value))
                if not probabilities.calls:
                    continue
                for addition in self._additions_feeding(args[1].value):
                    if addition not in found:
                        target = self._as_categorical_target(addition, probabilities)
                        if target is not None:
                            found[addition] = target
        return list(found.values())

    def _additions_feeding(self, index: cst.BaseExpression) -> list[cst.BinaryOperation]:
        """The additions an index is computed from: `(l + offset).view(-1)`, `l = b.floor().long()`,
        `b = (Tz - v_min) / delta_z`, `Tz = (r + gamma * z).clamp(v_min, v_max)`."""
        found: list[cst.BinaryOperation] = []
        seen: set[int] = set()
        pending: list[tuple[cst.BaseExpression, int]] = [(index, 0)]
        while pending:
            node, depth = pending.pop()
            if id(node) in seen or depth > 12:
                continue
            seen.add(id(node))
            for leaf in self.df.resolve(Ref(node), follow_calls=False):
                value = leaf.node
                if leaf.path or not isinstance(value, cst.BaseExpression):
                    continue
                if isinstance(value, cst.BinaryOperation):
                    if isinstance(value.operator, cst.Add):
                        found.append(value)
                    pending += [(value.left, depth + 1), (value.right, depth + 1)]
                elif isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and not self.src.qualified_names(value.func):
                    pending.append((value.func.value, depth + 1))  # `.floor()`, `.long()`, `.clamp(...)`, `.view(-1)`
                elif isinstance(value, cst.Call) and positional_args(value):
                    pending.append((positional_args(value)[0].value, depth + 1))  # `torch.clamp(Tz, ...)`
        return found

    def _as_categorical_target(self, addition: cst.BinaryOperation, probabilities: _Trace) -> TDTarget | None:
        for term, reward in ((addition.right, addition.left), (addition.left, addition.right)):
            factors = _factors(term)
            if len(factors) < 2 or any(self.trace(Ref(factor)).calls for factor in factors):
                continue
            kinds = {id(factor): self.discount_kind(factor) for factor in factors}
            supports = [factor for factor in factors if kinds[id(factor)] is None and self._is_support(factor)]
            if not supports or not any(kind is not None for kind in kinds.values()):
                continue
            masks = [
                MaskUse(factor, MaskKind.DISCOUNT if kinds[id(factor)] == "vector" else MaskKind.FACTOR)
                for factor in factors
                if factor not in supports and kinds[id(factor)] != "scalar"
            ]
            # the probabilities' own factors are the projection's weights (`u - b`), not masks
            masks += self._enclosing_masks(addition, reward)
            calls = probabilities.calls
            return TDTarget(
                node=addition,
                reward=reward,
                bootstrap_term=term,
                bootstrap_calls=_bootstrap_calls(calls),
                masks=tuple(masks),
                discount_is_scalar=all(kinds[id(factor)] in (None, "scalar") for factor in factors),
                distributional=True,
            )
        return None

    def _is_support(self, factor: cst.BaseExpression, depth: int = 0) -> bool:
        """The atoms of a categorical distribution: made by `torch.linspace(v_min, v_max, atoms)`
        (through reshapes, device moves and the attribute that holds them)."""
        if depth > 6:
            return False
        for leaf in self.df.resolve(Ref(factor), follow_calls=False):
            value = leaf.node
            if len(leaf.path) == 1 and leaf.path[0][0] == "attr" and isinstance(value, cst.BaseExpression):
                # `target_model.support`: what the network's class keeps there
                fields = self.df.instance_field_values(value, leaf.path[0][1])
                if any(self._is_support(field.node, depth + 1) for field in fields if not field.path):
                    return True
                continue
            if not isinstance(value, cst.Call) or leaf.path:
                continue
            if not self.src.qualified_names(value.func).isdisjoint(_SUPPORT_MAKERS):
                return True
            if isinstance(value.func, cst.Attribute) and value.func.attr.value in torch_api.VALUE_PRESERVING_METHODS:
                if self._is_support(value.func.value, depth + 1):
                    return True
        return False

    def _as_td_target(self, node, term, reward) -> TDTarget | None:
        factors = _factors(term)
        if len(factors) < 2:
            factors = self._discounted_just_before(term)
        if len(factors) < 2:
            return None
        traces = {id(factor): self.trace(Ref(factor)) for factor in factors}
        bootstrap = [factor for factor in factors if any(traces[id(factor)].calls.values())]
        if not bootstrap:
            if any(len(call.args) >= 2 for factor in factors for call in traces[id(factor)].calls) and any(
                self.discount_kind(factor) is not None for factor in factors if not traces[id(factor)].calls
            ):
                self.unreduced_candidates.append(node)  # a critic at an action made elsewhere, maybe
            return None
        others = [factor for factor in factors if factor not in bootstrap]
        kinds = {id(factor): self.discount_kind(factor) for factor in others}
        if not any(kind is not None for kind in kinds.values()):
            return None
        if self._is_prediction_or_loss(Ref(reward)):
            return None  # `td_loss + alpha * cql_loss`, `Q(s2).max + gamma * Q(s3).max`: no reward here
        masks: list[MaskUse] = []
        for factor in others:
            kind = kinds[id(factor)]
            if kind is None:
                masks.append(MaskUse(factor, MaskKind.FACTOR))
            elif kind == "vector":
                masks.append(MaskUse(factor, MaskKind.DISCOUNT))
        calls: dict[cst.Call, bool] = {}
        maxima: dict[tuple[cst.Call, cst.Call], None] = {}
        for factor in bootstrap:
            trace = traces[id(factor)]
            for call, reduced in trace.calls.items():
                calls[call] = calls.get(call, False) or reduced
            masks.extend(mask for mask in trace.masks if mask not in masks)
            for call, found in trace.maxima.items():
                maxima.update(dict.fromkeys((call, each) for each in found))
        masks.extend(self._enclosing_masks(node, reward))
        return TDTarget(
            node=node,
            reward=reward,
            bootstrap_term=term,
            bootstrap_calls=_bootstrap_calls(calls),
            masks=tuple(masks),
            discount_is_scalar=all(kind == "scalar" for kind in kinds.values() if kind is not None)
            and all(kinds[id(factor)] is not None for factor in others),
            maxima=tuple(maxima),
            actor_critic=all(self._critic_at_policy_action(call) for call in calls),
        )

    def _critic_at_policy_action(self, call: cst.Call) -> bool:
        """The call, or a forward pass inside the helper it calls, runs a critic at a policy's action."""
        return (self._at_policy_action(call) or call in self._under_policy
                or any(self._at_policy_action(inner) for inner in self.runs_inside(call)))

    def _discounted_just_before(self, term: cst.BaseExpression) -> list[cst.BaseExpression]:
        """The factors of a product a variable was set to on the way here, when that is the one
        value it holds: `y = gamma * (1 - d) * y_next` then `y = y + r` (QUOTA's targets)."""
        if not isinstance(term, cst.Name):
            return []
        definitions = self.df.definitions(term)
        if not definitions or len(definitions) != 1 or definitions[0].path:
            return []
        value = definitions[0].node
        if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Multiply):
            return _factors(value)
        return []

    def _is_prediction_or_loss(self, ref: Ref) -> bool:
        """A reward comes from the environment: a term made from a network's output or a loss is not one."""
        return self._memo_reaches((id(ref.node), ref.path), lambda: self._reaches_prediction_or_loss(ref))

    def _reaches_prediction_or_loss(self, ref: Ref) -> bool:
        if self.trace(ref).calls:
            return True
        for leaf in self.df.resolve(ref, follow_calls=False):
            node = leaf.node
            if isinstance(node, cst.Call):
                names = self.src.qualified_names(node.func)
                if any(name.startswith("torch.nn.functional.") and "loss" in name for name in names):
                    return True
                # follow values only: `td_loss.mean()`, `torch.as_tensor(x)`; not `env.step(action)`
                if isinstance(node.func, cst.Attribute) and not names:
                    operands = [node.func.value] if node.func.attr.value in torch_api.VALUE_PRESERVING_METHODS else []
                elif not names.isdisjoint(torch_api.VALUE_PRESERVING_FUNCTIONS):
                    operands = [arg.value for arg in node.args[:1]]
                else:
                    continue
            elif isinstance(node, cst.BinaryOperation):
                operands = [node.left, node.right]
            elif isinstance(node, cst.UnaryOperation):
                operands = [node.expression]
            else:
                continue
            if any(self._is_prediction_or_loss(Ref(operand)) for operand in operands):
                return True
        return False

    # ---- the bootstrap value's provenance ----------------------------------------------------------------
    def trace(self, ref: Ref) -> _Trace:
        key = (id(ref.node), ref.path, tuple(id(frame.call) for frame in self._frames))
        return self._memo(key, lambda: self._trace(ref))

    def _trace(self, ref: Ref) -> _Trace:
        result = _Trace()
        for leaf in self.df.resolve(ref, follow_calls=False, stop_at_names=True):
            if isinstance(leaf.node, cst.Name) and leaf.path != (STORE,):
                result.merge(self._trace_name(leaf))
            else:
                result.merge(self._trace_leaf(leaf))
        return result

    def _trace_name(self, ref: Ref) -> _Trace:
        """A variable: its definitions; a parameter of the helper being traced through takes the
        argument of the call that entered it, not the arguments of every call of the helper."""
        definitions = self.df.definitions(ref.node, ref.path)
        if definitions is None:
            return _Trace()
        result = _Trace()
        for definition in definitions:
            argument = self._argument_in_frame(definition)
            if argument is None:
                result.merge(self.trace(definition))
                continue
            value, outer = argument
            inner, self._frames = self._frames, outer
            try:
                result.merge(self.trace(value) if value is not None else _Trace())
            finally:
                self._frames = inner
        return result

    def _argument_in_frame(self, definition: Ref) -> tuple[Ref | None, tuple[_Frame, ...]] | None:
        """(the argument the entering call passes, the frames outside it), for a parameter of the
        innermost helper being traced through; None for anything else (traced as before)."""
        param = definition.node
        if not self._frames or not isinstance(param, cst.Param):
            return None
        frame = self._frames[0]
        if self.df.function_of_param(param) is not frame.function:
            return None
        value = self.df.argument_for(frame.call, frame.function, param, frame.bound)
        if value is not None:
            return Ref(value, definition.path), self._frames[1:]
        if any(arg.star for arg in frame.call.args) or param in (frame.function.params.star_arg, frame.function.params.star_kwarg):
            return None  # which argument lands here is not known: every call site, as before
        if param.default is not None:
            return Ref(param.default, definition.path), self._frames[1:]
        return None, self._frames[1:]

    def _sub(self, node: cst.CSTNode | None, path: tuple = ()) -> _Trace:
        return self.trace(Ref(node, path)) if node is not None else _Trace()

    def _trace_leaf(self, leaf: Ref) -> _Trace:
        node, path = leaf.node, leaf.path
        if path == (STORE,) and isinstance(node, cst.Subscript):  # `x[index] = value`
            value = self.df.stored_value(node)
            result = _Trace()
            if value is not None:
                result.merge(self.trace(value))
            result.masks.append(MaskUse(_index_expression(node), MaskKind.OVERWRITE))
            return result
        if isinstance(node, cst.Call):
            return self._trace_call(node, path)
        if isinstance(node, cst.Subscript):
            inner = self._sub(node.value)
            if len(node.slice) < 2 or _constant_last_index(node):
                return inner  # `v[:, 0]`: the one column of a value head, not a choice among actions
            return inner.reduced()
        if isinstance(node, cst.BinaryOperation):
            left, right = self._sub(node.left), self._sub(node.right)
            if isinstance(node.operator, (cst.Divide, cst.Power)):
                return left
            if not isinstance(node.operator, (cst.Multiply, cst.Add, cst.Subtract)):
                return _Trace()
            result = _Trace()
            result.merge(left)
            result.merge(right)
            if isinstance(node.operator, cst.Multiply):
                for side, other in ((left, node.right), (right, node.left)):
                    if side.calls and not self._sub(other).calls and self.discount_kind(other) is None:
                        result.masks.append(MaskUse(other, MaskKind.BOOTSTRAP))
            return result
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
            return self._sub(node.expression)
        if isinstance(node, cst.IfExp):
            result = _Trace()
            result.merge(self._sub(node.body))
            result.merge(self._sub(node.orelse))
            if result.calls and _is_mask_like(node.test):
                result.masks.append(MaskUse(node.test, MaskKind.CONDITION))  # judged by the caller's reward
            return result
        if isinstance(node, (cst.ListComp, cst.GeneratorExp)) and not path:
            # `torch.stack([q_next[i].index_select(0, best[i]) for i in range(n)])`: its elements
            return self._sub(node.elt)
        if isinstance(node, cst.AugAssign):
            result = self._sub(node.value)
            if isinstance(node.operator, cst.MultiplyAssign):
                copy = _Trace(dict(result.calls), list(result.masks))
                copy.masks.append(MaskUse(node.value, MaskKind.BOOTSTRAP))
                return copy
            return result
        return _Trace()

    def _trace_call(self, call: cst.Call, path: tuple) -> _Trace:
        if self.is_forward_call(call):
            return _Trace({call: self._lifted_reduced.get(call, False) or self._at_policy_action(call)})
        functions = self.df.helper_functions(call)
        if functions:
            result = _Trace()
            for function, bound in functions:
                outer = self._frames
                if len(outer) < _MAX_FRAMES:
                    self._frames = (_Frame(call, function, bound),) + outer
                try:
                    for value in self.df.return_values_for(call, function, bound):
                        result.merge(self.trace(value.project(*path) if path else value))
                finally:
                    self._frames = outer
            return result
        names = self.src.qualified_names(call.func)
        args = positional_args(call)
        wants_indices = bool(path) and (path[0][:2] == ("item", 1) or path[0] == ("attr", "indices"))
        if names:
            if not names.isdisjoint(torch_api.MAX_FUNCTIONS):
                if wants_indices or not args:
                    return _Trace()
                result = _Trace()
                for arg in args:
                    result.merge(self._sub(arg.value))
                return result.reduced(call)
            if not names.isdisjoint(torch_api.GATHER_FUNCTIONS):
                return self._sub(args[0].value).reduced() if args else _Trace()
            if "torch.sum" in names and args:
                return self._expectation(args[0].value)
            if "torch.where" in names and len(args) == 3:
                result = _Trace()
                result.merge(self._sub(args[1].value))
                result.merge(self._sub(args[2].value))
                if result.calls:
                    result.masks.append(MaskUse(args[0].value, MaskKind.CONDITION))
                return result
            if not names.isdisjoint({"torch.min", "torch.minimum", "builtins.min", "numpy.minimum"}) or not names.isdisjoint(
                torch_api.VALUE_PRESERVING_FUNCTIONS
            ):
                result = _Trace()
                for arg in args:
                    result.merge(self._sub(arg.value))
                return result
            return _Trace()
        if not isinstance(call.func, cst.Attribute):
            return _Trace()
        method = call.func.attr.value
        receiver = call.func.value
        if method in torch_api.MAX_METHODS:
            if wants_indices:
                return _Trace()
            return self._sub(receiver).reduced(call)
        if method in torch_api.GATHER_METHODS or (method == "index_select" and len(args) == 2):
            # `q_next[i].index_select(0, best_actions[i])`: one sample's values of the chosen action
            return self._sub(receiver).reduced()
        if method in torch_api.INDEX_METHODS:
            return _Trace()
        if method in ("masked_fill", "masked_fill_", "mul", "mul_") and args:
            inner = self._sub(receiver)
            result = _Trace(dict(inner.calls), list(inner.masks))
            if result.calls:
                result.masks.append(MaskUse(args[0].value, MaskKind.BOOTSTRAP))
            return result
        if method == "sum":
            return self._expectation(receiver)
        if method in torch_api.VALUE_PRESERVING_METHODS or method == "min":
            return self._sub(receiver)
        return _Trace()

    def _expectation(self, summed: cst.BaseExpression) -> _Trace:
        """`(probs * q_next).sum(1)`: a critic's values for every action weighted by another network's
        output for the same step (a policy's probabilities), summed: the expectation over the
        policy's actions that discrete SAC and expected SARSA take where DQN takes the max. The
        critic's calls are reduced over actions; the policy's own calls (its `log_pi` in an
        entropy term) are not bootstraps. Any other sum keeps the value it sums."""
        result = self._sub(summed)
        critics = self._weighted_by_policy(summed)
        if not critics:
            return result
        self._under_policy.update(critics)
        return _Trace({call: reduced or call in critics for call, reduced in result.calls.items()},
                      list(result.masks), dict(result.maxima))

    def _weighted_by_policy(self, summed: cst.BaseExpression) -> frozenset[cst.Call]:
        found: set[cst.Call] = set()
        for leaf in self.df.resolve(Ref(summed), follow_calls=False):
            product = leaf.node
            if leaf.path or not (isinstance(product, cst.BinaryOperation) and isinstance(product.operator, cst.Multiply)):
                continue
            left, right = self._sub(product.left), self._sub(product.right)
            sides = ((left, product.right), (right, product.left))
            for values, weights in sides:
                if not self._is_probabilities(weights):
                    continue
                policies = [self.network_of(call) for call in self._action_makers(weights)]
                found.update(
                    call for call, reduced in values.calls.items()
                    if not reduced and policies
                    and not any(self.df.same_storage(self.network_of(call), policy) for policy in policies)
                )
        return frozenset(found)

    def _at_policy_action(self, call: cst.Call) -> bool:
        """`critic_t(s2, actor_t(s2))`, `critic(torch.cat([s2, actor(s2)], 1))`: a critic evaluated
        at the action another network picks for the same inputs, the actor-critic form of the max
        over actions (DDPG, TD3, SAC). Its action argument comes from a forward pass of another
        network: a recurrent network's hidden state, from its own earlier pass, is no action."""
        args = [arg.value for arg in call.args if not arg.star]
        if len(args) == 1:  # one input: the state and the action concatenated or listed, here or where it was made
            joined = [leaf.node for leaf in self.df.resolve(Ref(args[0]), follow_calls=False) if not leaf.path]
            args = []
            for node in joined:
                if isinstance(node, (cst.List, cst.Tuple)):  # `critic_t([s2, actor_t(s2)])`: forward(self, xs)
                    args.extend(element.value for element in node.elements[1:] if not isinstance(element, cst.StarredElement))
                    continue
                parts = positional_args(node) if isinstance(node, cst.Call) and self.src.names_any(node.func, _CONCATENATIONS) else []
                if parts and isinstance(parts[0].value, (cst.List, cst.Tuple)):
                    args.extend(element.value for element in parts[0].value.elements[1:])
            inputs = args
        else:
            inputs = args[1:]  # the first is the state
        network = self.network_of(call)
        return any(
            inner is not call and not self.df.same_storage(self.network_of(inner), network)  # a recurrent net's own state
            for value in inputs
            for inner in self._action_makers(value)
        )

    def _is_probabilities(self, node: cst.BaseExpression, depth: int = 0) -> bool:
        """A policy's action probabilities: made by a softmax (a function, a method, an `nn.Softmax`
        module or an `nn.Sequential` ending in one), here, in a helper, or in the `forward` of the
        network that returns them."""
        if depth > 4:
            return False
        for leaf in self.df.resolve(Ref(node)):
            value = leaf.node
            if isinstance(value, cst.Attribute) and value.attr.value == "probs" and not leaf.path:
                return True  # `policy(s2).probs`: a torch `Categorical`'s probabilities
            if not isinstance(value, cst.Call):
                continue
            if not leaf.path:
                if self.src.names_any(value.func, _SOFTMAX_FUNCTIONS) or self._is_softmax_module(value.func):
                    return True
                if isinstance(value.func, cst.Attribute) and (
                    value.func.attr.value == "softmax"
                    or value.func.attr.value in torch_api.VALUE_PRESERVING_METHODS
                    and self._is_probabilities(value.func.value, depth + 1)
                ):
                    return True
            for returned in self._returned_by(value):
                returned = returned.project(*leaf.path) if leaf.path else returned
                if not returned.path and self._is_probabilities(returned.node, depth + 1):
                    return True
        return False

    def _returned_by(self, call: cst.Call) -> list[Ref]:
        """What a call may return: a helper's returns, or a network object's `forward` returns."""
        callees = self.df.helper_functions(call)
        if not callees:
            callees = [(forward, True) for forward in self.df.forward_methods(call.func) if forward is not None]
        return [returned for function, bound in callees for returned in self.df.return_values_for(call, function, bound)]

    def _is_softmax_module(self, func: cst.BaseExpression) -> bool:
        """`self.softmax` holding `nn.Softmax(dim=-1)`, or an `nn.Sequential(...)` whose last layer is one."""
        for obj in self.df.objects(Ref(func)):
            site = obj.site[0] if isinstance(obj.site, tuple) else obj.site
            if not isinstance(site, cst.Call):
                continue
            if self.src.names_any(site.func, _SOFTMAX_MODULES):
                return True
            layers = positional_args(site)
            if self.src.names_any(site.func, frozenset({"torch.nn.Sequential"})) and layers:
                last = layers[-1].value
                if isinstance(last, cst.Call) and self.src.names_any(last.func, _SOFTMAX_MODULES):
                    return True
        return False

    def _action_makers(self, value: cst.BaseExpression, depth: int = 0) -> set[cst.Call]:
        """The forward calls an action (or a policy's probabilities) is made from: its value's, or,
        for an action sampled from a distribution (`Normal(mu, std).rsample()` squashed by `tanh`,
        in a helper such as SAC's `evaluate`) or probabilities made by `softmax`, those of what
        they are made from."""
        found = set(self.trace(Ref(value)).calls)
        if found or depth > 4:
            return found
        for leaf in self.df.resolve(Ref(value)):
            node = leaf.node
            if not isinstance(node, cst.Call):
                continue
            callees = self.df.helper_functions(node)
            if callees:  # `action, log_pi = self.actor.evaluate(s2)`: what the helper returns there
                for function, bound in callees:
                    for returned in self.df.return_values_for(node, function, bound):
                        returned = returned.project(*leaf.path) if leaf.path else returned
                        if not returned.path:
                            found |= self._action_makers(returned.node, depth + 1)
                continue
            if isinstance(node.func, cst.Attribute) and (
                node.func.attr.value in _SAMPLING_METHODS or node.func.attr.value in torch_api.VALUE_PRESERVING_METHODS
            ):
                found |= self._action_makers(node.func.value, depth + 1)
            elif self.src.names_any(node.func, _SQUASHING_FUNCTIONS) or self._is_distribution(node):
                for arg in node.args:
                    found |= self._action_makers(arg.value, depth + 1)
        return found

    def _is_distribution(self, call: cst.Call) -> bool:
        return any(name.startswith("torch.distributions.") for name in self.src.qualified_names(call.func))

    # ---- discount factors ---------------------------------------------------------------------------------
    def discount_kind(self, node: cst.BaseExpression) -> str | None:
        """"scalar" for a plain discount (0.99, gamma, gamma ** n), "vector" for one that may hold a
        per-transition mask (a `discounts` batch field, `gamma * (1 - done)`), None for no discount.
        A value built from itself (a recursive helper's `return f(x) * c`) is not known on that path."""
        return self._discount_memo(id(node), lambda: self._discount_kind(node))

    def _discount_kind(self, node: cst.BaseExpression) -> str | None:
        leaves = self.df.resolve(Ref(node))
        kinds = {self._leaf_discount_kind(leaf) for leaf in leaves}
        if not kinds or None in kinds:
            by_name = _discount_kind_by_name(_last_name(node, ()))
            if by_name is not None and leaves and all(_is_batch_slot(leaf) for leaf in leaves):
                return "vector"  # `s, a, r, s2, gammas = buffer.sample(n)`: one discount per transition
            return by_name
        return "vector" if "vector" in kinds else "scalar"

    def _leaf_discount_kind(self, leaf: Ref) -> str | None:
        node, path = leaf.node, leaf.path
        value = number_value(node) if isinstance(node, (cst.Float, cst.Integer)) else None
        if value is not None and not path:
            # an unnamed literal is a discount only in the range discounts take (0.8 <= gamma < 1);
            # 1.0 or 0.5 is far more often a loss weight than a discount
            return "scalar" if isinstance(node, cst.Float) and 0.8 <= value < 1.0 else None
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, cst.Power):
                return self.discount_kind(node.left)
            if isinstance(node.operator, cst.Multiply):
                left, right = self.discount_kind(node.left), self.discount_kind(node.right)
                if left is not None or right is not None:
                    return "vector" if (left is None or right is None or "vector" in (left, right)) else "scalar"
            return None
        if isinstance(node, cst.Call):
            names = self.src.qualified_names(node.func)
            args = positional_args(node)
            if names & {"builtins.float", "torch.tensor", "torch.as_tensor", "numpy.float32", "numpy.power", "torch.pow", "math.pow", "builtins.pow"} and args:
                return self.discount_kind(args[0].value)
            return None
        return _discount_kind_by_name(_last_name(node, path))

    # ---- masks around the target ----------------------------------------------------------------------
    def _enclosing_masks(self, node: cst.CSTNode, reward: cst.BaseExpression) -> list[MaskUse]:
        masks: list[MaskUse] = []
        child = node
        for ancestor in self.src.ancestors(node):
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                break
            if isinstance(ancestor, (cst.If, cst.IfExp)) and child is not ancestor.test:
                if self.is_transition_condition(ancestor.test, reward):
                    masks.append(MaskUse(ancestor.test, MaskKind.CONDITION))
            elif isinstance(ancestor, cst.Call) and "torch.where" in self.src.qualified_names(ancestor.func):
                args = positional_args(ancestor)
                if len(args) == 3 and child is not args[0]:
                    masks.append(MaskUse(args[0].value, MaskKind.CONDITION))
            elif isinstance(ancestor, cst.IndentedBlock):
                masks.extend(self._guards_before(ancestor, child, reward))
            child = ancestor
        statement = self.src.small_statement(node)
        if isinstance(statement, cst.Assign) and statement.value is node:
            for target in statement.targets:
                if isinstance(target.target, cst.Name):
                    masks.extend(self._overwrites(target.target))
                    masks.extend(self._selected_later(target.target))
        return masks

    def _guards_before(self, block: cst.IndentedBlock, statement: cst.CSTNode, reward: cst.BaseExpression) -> list[MaskUse]:
        """`if next_state is None: return reward` (or `continue`) earlier in the block: the target
        after it is computed only when the guard's condition is false."""
        guards = []
        for earlier in block.body:
            if earlier is statement:
                break
            if (
                isinstance(earlier, cst.If)
                and earlier.orelse is None
                and _leaves_the_block(earlier.body)
                and self.is_transition_condition(earlier.test, reward)
            ):
                guards.append(MaskUse(earlier.test, MaskKind.CONDITION))
        return guards

    def _selected_later(self, name: cst.Name) -> list[MaskUse]:
        """`y = torch.where(dones, r, y)`: the target is replaced where the condition holds."""
        found = []
        for call in self._where_calls:
            args = positional_args(call)
            if len(args) == 3 and any(
                isinstance(arg.value, cst.Name) and self.df.same_storage(arg.value, name) for arg in args[1:]
            ):
                found.append(MaskUse(args[0].value, MaskKind.CONDITION))
        return found

    @cached_property
    def _where_calls(self) -> list[cst.Call]:
        return [
            call
            for call in self.src.nodes_of_type(cst.Call)
            if self.src.names_any(call.func, frozenset({"torch.where", "numpy.where"}))
        ]

    def is_transition_condition(self, test: cst.BaseExpression, reward: cst.BaseExpression) -> bool:
        """A condition that selects transitions, not a switch of the program.

        `if not done:` masks a transition when `done` is a terminal flag of `env.step`, comes out of
        the same unpacking as the reward (`for s, a, r, s2, done in batch`), or is a parameter of
        the same function as the reward; `if args.double:` and `if len(buf) > 64:` do not.
        """
        if not _is_mask_like(test):
            return False
        if any(source.kind != UNKNOWN for source in self.flags.sources(Ref(test))):
            return True
        if any(isinstance(comp.operator, (cst.Is, cst.IsNot)) for node in walk(test) if isinstance(node, cst.Comparison) for comp in node.comparisons):
            return True
        reward_groups = {group for name in _names_in(reward) for group in self._binding_groups(name)}
        return any(group in reward_groups for name in _names_in(test) for group in self._binding_groups(name))

    def _binding_groups(self, name: cst.Name) -> set[tuple[str, int]]:
        groups = set()
        for assignment in self.src.referents(name):
            target = getattr(assignment, "node", None)
            if isinstance(target, cst.Param):
                function = self.src.enclosing_function(target)
                if function is not None and self.df.is_self_parameter(target) is None:
                    groups.add(("params", id(function)))
            elif isinstance(target, cst.Name):
                parent = self.src.parent(target)
                if isinstance(parent, cst.Element):
                    while isinstance(parent, (cst.Element, cst.Tuple, cst.List)):
                        parent = self.src.parent(parent)
                    groups.add(("unpack", id(parent)))
        return groups

    def _overwrites(self, name: cst.Name) -> list[MaskUse]:
        found = []
        for subscript, _value, _statement in self.df.element_stores(name):
            found.append(MaskUse(_index_expression(subscript), MaskKind.OVERWRITE))
        return found


def _leaves_the_block(body: cst.BaseSuite) -> bool:
    """The suite ends in `return`, `continue` or `raise`: what follows its `if` runs only when the test is false."""
    last = body.body[-1] if isinstance(body, cst.IndentedBlock) and body.body else body
    if isinstance(last, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        return isinstance(last.body[-1], (cst.Return, cst.Continue, cst.Raise))
    return False


def _names_in(node: cst.CSTNode) -> list[cst.Name]:
    """Variables read by an expression (not attribute names, not inside lambdas or comprehensions)."""
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            found.append(current)
        elif isinstance(current, cst.Attribute):
            stack.append(current.value)
        elif not isinstance(current, (cst.Lambda, cst.ListComp, cst.GeneratorExp)):
            stack.extend(current.children)
    return found


_SAMPLING_METHODS = frozenset({"sample", "rsample"})  # of a torch distribution
_SOFTMAX_FUNCTIONS = frozenset({"torch.softmax", "torch.nn.functional.softmax", "torch.special.softmax"})
_SOFTMAX_MODULES = frozenset({"torch.nn.Softmax"})
# what a policy's action or its probabilities are made with from a network's output
_SQUASHING_FUNCTIONS = frozenset(
    {"torch.tanh", "torch.clamp", "torch.clip", "torch.sigmoid", "torch.softmax", "torch.nn.functional.softmax",
     "torch.log_softmax", "torch.nn.functional.log_softmax", "torch.exp"}
)


def _bootstrap_calls(calls: dict[cst.Call, bool]) -> tuple[cst.Call, ...]:
    """The forward calls reduced over actions (`max`, `gather`); all of them when none is."""
    return tuple(call for call, reduced in calls.items() if reduced) or tuple(calls)


def _factors(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Multiply):
        return _factors(node.left) + _factors(node.right)
    return [node]


def _discount_kind_by_name(name: str | None) -> str | None:
    """`gamma` is a scalar discount; a `discount` that resolves to no literal may be per-sample."""
    if name is None:
        return None
    if _GAMMA_NAME.search(name):
        return "scalar"
    if _DISCOUNT_NAME.search(name):
        return "vector"
    return None


def _is_batch_slot(leaf: Ref) -> bool:
    """A slot of a call's tuple result: a field of a sampled batch."""
    return isinstance(leaf.node, cst.Call) and bool(leaf.path) and leaf.path[0][0] == "item"


def _last_name(node: cst.CSTNode, path: tuple) -> str | None:
    for step in reversed(path):
        if step[0] in ("attr", "key"):
            return step[1]
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Param):
        return node.name.value
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
            value = index.value.evaluated_value
            return value if isinstance(value, str) else None
    return None


def _is_mask_like(test: cst.BaseExpression) -> bool:
    """A condition that tests a per-transition flag (`done`, `not d[i]`, `s2 is None`), not a schedule.

    `len(buffer) >= warmup` and `step % 4 == 0` gate the update, they do not mask a transition.
    """
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, (cst.Not, cst.BitInvert)):
        return _is_mask_like(test.expression)
    if isinstance(test, cst.BooleanOperation):
        return _is_mask_like(test.left) or _is_mask_like(test.right)
    if isinstance(test, (cst.Name, cst.Attribute, cst.Subscript)):
        return True
    if isinstance(test, cst.Call):
        func = test.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("item", "any", "all", "bool"):
            return True
        return isinstance(func, cst.Name) and func.value in ("bool", "int")
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        comparison = test.comparisons[0]
        if isinstance(comparison.operator, (cst.Equal, cst.NotEqual, cst.Is, cst.IsNot)):
            other = comparison.comparator
            return isinstance(other, (cst.Integer, cst.Float)) or (
                isinstance(other, cst.Name) and other.value in ("True", "False", "None")
            )
    return False


def _constant_last_index(subscript: cst.Subscript) -> bool:
    last = subscript.slice[-1].slice
    return isinstance(last, cst.Index) and int_value(last.value) is not None


def _index_expression(subscript: cst.Subscript) -> cst.BaseExpression:
    """What selects the entries written: `done` in `q2[done] = 0` and in `q2[done, :] = 0`; never
    the array written (`self.rew[env_id, step] = rew` is selected by `env_id`, not by the rewards)."""
    for element in subscript.slice:
        if isinstance(element.slice, cst.Index):
            return element.slice.value
    return subscript  # only slices (`q2[:n] = 0`): the write itself
