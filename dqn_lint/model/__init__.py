"""The program model: the DQN facts of one file, computed once, that every rule queries.

Rules read like their documentation ("the bootstrap network of a TD target is the trained
network") because the model answers those questions: which expressions are TD targets, which
forward passes bootstrap them, which networks are trained, where gradient flows into a loss,
and what each terminal mask was made from.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

import libcst as cst

from dqn_lint.diagnostics import Finding, Fix, Related, Severity
from dqn_lint.model import torch_api
from dqn_lint.model.autoreset import AutoresetStore, AutoresetTrace
from dqn_lint.model.dataflow import Dataflow, Obj, Ref, projection_roots
from dqn_lint.model.flags import FlagAnalysis, FlagKind
from dqn_lint.model.grad import GradAnalysis
from dqn_lint.model.losses import LossReach
from dqn_lint.model.network_uses import NetworkUses
from dqn_lint.model.networks import Network, Sync, SyncFinder, SyncKind
from dqn_lint.model.optimizers import Optimizer, OptimizerFinder, is_optimizer_construction
from dqn_lint.model.reductions import Reductions
from dqn_lint.model.shapes import Shape, Shapes, TDLoss
from dqn_lint.model.transitions import Slot, TerminalFlag, Transition, Transitions
from dqn_lint.model.source import SourceIndex, SourceUnit, walk
from dqn_lint.model.td_targets import MaskKind, MaskUse, TDTarget, TDTargetFinder
from dqn_lint.model.vector_envs import AutoresetMode, VectorEnv, VectorEnvs

__all__ = [
    "AutoresetMode",
    "AutoresetStore",
    "FlagKind",
    "MaskKind",
    "MaskUse",
    "Network",
    "Optimizer",
    "ProgramModel",
    "Slot",
    "SourceUnit",
    "Sync",
    "SyncKind",
    "TDTarget",
    "TerminalFlag",
    "Transition",
    "VectorEnv",
    "build_model",
]


class ProgramModel:
    """The facts of one file, or of a file with the project modules it is analysed with
    (`context`): a finding then stands in the file that holds its node."""

    def __init__(self, primary: cst.Module | SourceUnit, context: tuple[SourceUnit, ...] = ()) -> None:
        self.source = SourceIndex(primary, context)
        self.dataflow = Dataflow(self.source)
        self.flags = FlagAnalysis(self.dataflow)
        self._finder = TDTargetFinder(self.dataflow, self.flags)
        self.grad = GradAnalysis(self.dataflow, self._finder.is_forward_call, self._finder.network_of)

    # ---- TD targets ---------------------------------------------------------------------------
    @cached_property
    def td_targets(self) -> list[TDTarget]:
        """The TD targets that train: those a loss is computed from. The same shape computed only
        for a replay priority or a log is left out (with no loss in sight, every one is kept)."""
        if not self._all_td_targets:  # most files: no loss needs looking for
            return []
        kept = set(self._loss_reach.training([target.node for target in self._all_td_targets]))
        return [target for target in self._all_td_targets if target.node in kept]

    @cached_property
    def _all_td_targets(self) -> list[TDTarget]:
        return self._finder.find()

    @cached_property
    def _loss_reach(self) -> LossReach:
        return LossReach(self.dataflow, self.loss_roots, lambda node: bool(self.grad.grad_sources(Ref(node))))

    @cached_property
    def holds_training_code(self) -> bool:
        """A TD target, a discounted network output that another module may reduce over actions, or
        an `env.step(action)`: DQN training code, worth analysing with its project."""
        return bool(self._all_td_targets) or bool(self._finder.unreduced_candidates) or any(
            len(call.args) == 1 and call.args[0].keyword is None for call in self.dataflow.method_calls.get("step", ())
        )

    def volatile_variables(self, call: cst.Call) -> list[cst.Call]:
        """`Variable(x, volatile=True)` feeding a forward pass: meant as no-grad, ignored since PyTorch 0.4."""
        return self.grad.volatile_variables(call)

    def bootstrap_network(self, call: cst.Call) -> cst.BaseExpression:
        return self._finder.network_of(call)

    # ---- what a TD loss compares, and the shapes of its sides --------------------------------------
    @cached_property
    def _shapes(self) -> Shapes:
        return Shapes(self.dataflow, self._finder.is_forward_call, self._is_loss_module)

    def shape(self, node: cst.BaseExpression) -> Shape:
        """The trailing shape of a batch of values: `[B]`, `[B, 1]`, ... (see `model.shapes`)."""
        return self._shapes.of(node)

    @cached_property
    def td_losses(self) -> tuple[TDLoss, ...]:
        """Each training TD target compared with a prediction in an element-wise loss."""
        return tuple(loss for loss in self.td_comparisons if self.in_a_loss(loss))

    @cached_property
    def td_comparisons(self) -> tuple[TDLoss, ...]:
        """Each training TD target compared with a prediction, whether or not the comparison flows
        into a loss (`(q - y).detach()` logged as the TD error is one that does not): ask
        `in_a_loss` for the few that matter, since showing that one does not flow into a loss means
        walking back everything the loss is computed from."""
        targets = {target.node: target for target in self.td_targets}
        if not targets:
            return ()
        found: list[TDLoss] = []
        for comparison in self._shapes.comparisons:
            for index, side in enumerate(comparison.sides):
                target = self._td_target_in(side, targets)
                if target is None:
                    continue
                other = comparison.sides[1 - index]
                if self._finder.trace(Ref(other)).calls and self._td_target_in(other, targets) is None:
                    found.append(TDLoss(comparison.node, other, side, target))
                break
        return tuple(found)

    def in_a_loss(self, comparison: TDLoss) -> bool:
        """Whether a comparison's value flows into a loss that is optimised."""
        return bool(self._loss_reach.flow_into_losses([comparison.node]))

    def _td_target_in(self, side: cst.BaseExpression, targets: dict, depth: int = 0) -> TDTarget | None:
        """The TD target a side of a comparison is (through names, reshapes and detaches)."""
        if depth > 6:
            return None
        for leaf in self.dataflow.resolve(Ref(side)):
            node = leaf.node
            if leaf.path:
                continue
            if node in targets:
                return targets[node]
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and not self.source.qualified_names(node.func):
                found = self._td_target_in(node.func.value, targets, depth + 1)
                if found is not None:
                    return found
        return None

    # ---- how a bootstrap is reduced ----------------------------------------------------------------
    @cached_property
    def _reductions(self) -> Reductions:
        return Reductions(self.dataflow)

    def max_over_batch(self, max_call: cst.Call) -> str | None:
        """"all" for a max with no dimension, "first" for dimension 0, else None."""
        return self._reductions.over_batch(max_call)

    def max_dimension(self, max_call: cst.Call) -> cst.BaseExpression | None:
        """The dimension argument a max is given (`dim=0`, the `0` of `q.max(0)`), if any."""
        return self._reductions.dimension(max_call)

    def runs_on_batch(self, forward_call: cst.Call) -> bool:
        """Whether a forward call's input is a whole batch (positive evidence only; see `model.reductions`)."""
        return self._reductions.batched(forward_call)

    # ---- transitions -------------------------------------------------------------------------------
    @cached_property
    def _transitions(self) -> Transitions:
        return Transitions(self.dataflow, self.flags)

    def transition(self, step_call: cst.CSTNode) -> Transition | None:
        """The names `env.step(action)`'s result is unpacked into, by slot."""
        return self._transitions.transition(step_call)

    def terminal_flag(self, target: TDTarget) -> TerminalFlag | None:
        """The terminal flag that comes with a TD target's rewards (see `model.transitions`)."""
        return self._transitions.terminal_flag(target.reward)

    # ---- vector environments and their autoreset ------------------------------------------------------
    @cached_property
    def autoreset_stores(self) -> tuple[AutoresetStore, ...]:
        """Each vector env step whose observations a training TD target bootstraps from, with
        where they are stored and how finished sub-environments are handled (see `model.autoreset`)."""
        calls = [call for target in self.td_targets for call in target.bootstrap_calls]
        if not calls or not self.dataflow.method_calls.get("step"):
            return ()
        trace = AutoresetTrace(self.dataflow, self.flags, VectorEnvs(self.dataflow))
        return tuple(store for store in trace.stores(calls) if store.envs)

    # ---- networks and their syncs ------------------------------------------------------------------
    @cached_property
    def syncs(self) -> tuple[Sync, ...]:
        """Every copy of one network's values into another, hard or soft (see `model.networks`)."""
        return SyncFinder(self.dataflow).syncs

    @cached_property
    def _network_uses(self) -> NetworkUses:
        return NetworkUses(self.dataflow, self.syncs)

    def same_binding(self, a: cst.BaseExpression, b: cst.BaseExpression) -> bool:
        """Whether two expressions name the same variable, or the same attribute of one object."""
        return self.dataflow.same_storage(a, b)

    def network_bindings(self, network: cst.BaseExpression) -> list[cst.BaseExpression] | None:
        """The variables or attributes a network expression stands for; a helper's parameter stands
        for the argument of each of its calls. None when that cannot be told."""
        return self._network_uses.bindings(network)

    @cached_property
    def bootstrap_bindings(self) -> tuple[tuple[cst.BaseExpression, cst.Call], ...]:
        """(binding, bootstrap call) for every network a TD target bootstraps from, as variables or
        attributes (a helper's network parameter stands for each call's argument)."""
        return tuple(
            (binding, call)
            for target in self.td_targets
            for call in target.bootstrap_calls
            for binding in self.network_bindings(self.bootstrap_network(call)) or ()
        )

    def bootstraps_from(self, network: cst.BaseExpression) -> bool:
        """Whether some TD target bootstraps from the network `network` names."""
        return any(self.dataflow.same_storage(network, binding) for binding, _call in self.bootstrap_bindings)

    def network(self, binding: cst.BaseExpression) -> Network:
        """The facts of the network `binding` holds: trained, frozen, shared with the trained one,
        synced, how it is made, and whether every write into it is in view."""
        uses = self._network_uses
        objects = self.dataflow.objects(Ref(binding))
        made_by = tuple(_allocation_call(obj) for obj in objects)
        creations = tuple(uses.creations(binding))
        syncs_in = tuple(sync for sync in self.syncs if self._one_network(sync.destination, binding))
        syncs_out = tuple(sync for sync in self.syncs if self._one_network(sync.source, binding))
        return Network(
            binding=binding,
            trained=self.is_trained_binding(binding),
            shares_parameters_with_trained=self.shares_parameters_with_trained(binding),
            frozen=self.grad.is_frozen(binding),
            syncs_in=syncs_in,
            syncs_out=syncs_out,
            creations=creations,
            made_by=made_by if all(call is not None for call in made_by) else (),
            opaque_uses=tuple(uses.opaque_uses(binding)),
            holder_in_view=uses.holder_in_view(binding),
            made_once=uses.made_once(binding, list(creations)),
            initial_syncs=tuple(
                sync for sync in (*syncs_in, *syncs_out) if self._runs_once_beside(sync.site, creations)
            ),
        )

    def _one_network(self, a: cst.BaseExpression, b: cst.BaseExpression) -> bool:
        """The same binding, or two bindings of one network made at one place (`target` and
        `target_fast = torch.compile(target)`)."""
        if self.dataflow.same_storage(a, b):
            return True
        mine = self.dataflow.objects(Ref(b))
        return bool(mine) and all(obj.kind == "new" for obj in mine) and not mine.isdisjoint(self.dataflow.objects(Ref(a)))

    def _runs_once_beside(self, node: cst.CSTNode, creations: tuple[cst.CSTNode, ...]) -> bool:
        """Whether `node` runs once, right where the network is made: in the same function (or at
        module level) as a creation, and in no loop of it."""
        function = self.source.enclosing_function(node)
        if not any(self.source.enclosing_function(creation) is function for creation in creations):
            return False
        return not self.source.in_loop(node, function)

    # ---- training: optimizers and losses ------------------------------------------------------------
    @cached_property
    def _optimizer_finder(self) -> OptimizerFinder:
        return OptimizerFinder(self.dataflow)

    @cached_property
    def optimizers(self) -> tuple[Optimizer, ...]:
        """Every torch optimizer made in the program, with its steps and what clears its gradients."""
        return self._optimizer_finder.optimizers

    @cached_property
    def backward_calls(self) -> tuple[cst.Call, ...]:
        """`loss.backward()` calls: where gradients are added into `.grad`."""
        return tuple(self.dataflow.method_calls.get("backward", ()))

    def runs_repeatedly(self, node: cst.CSTNode) -> bool:
        """Whether `node` sits in a loop or in a function (which a training loop may call again)."""
        return any(isinstance(a, (cst.For, cst.While, cst.FunctionDef, cst.Lambda)) for a in self.source.ancestors(node))

    def held_in_view(self, expression: cst.BaseExpression) -> bool:
        """Whether every piece of code that can reach `expression` (`self.optimizer`) is analysed:
        a plain variable, or an attribute of an object made in view from a class that inherits
        nothing from outside the project."""
        return self._network_uses.holder_in_view(expression)

    @cached_property
    def optimized_networks(self) -> list[cst.BaseExpression]:
        """Receivers of `.parameters()` handed to a torch optimizer."""
        return [owner for _optimizer, owner in self._optimizer_holdings]

    @cached_property
    def _optimizer_holdings(self) -> list[tuple[cst.Call, cst.BaseExpression]]:
        """(optimizer construction, network whose `.parameters()` it is given)."""
        return [
            (call, owner)
            for call in self._optimizer_finder.constructions
            for arg in call.args
            for owner in self._parameter_owners(arg.value)
        ]

    def target_in_optimizer(self, network: cst.BaseExpression) -> cst.Call | None:
        """The optimizer that holds the parameters of `network`, a separate network (a deep copy
        or its own construction) that bootstraps while another network makes the predictions:
        given directly (`Adam(list(q.parameters()) + list(target.parameters()))`) or as a submodule
        of a container whose parameters it is given (`Adam(agent.parameters())`)."""
        predictions = self.prediction_networks
        if not predictions or any(self.dataflow.same_storage(network, p) for p in predictions):
            return None
        mine = self.dataflow.objects(Ref(network))
        if not mine:
            return None
        if any(obj.kind != "new" for obj in mine):
            return self._container_holding(network)
        if any(not mine.isdisjoint(self.dataflow.objects(Ref(p))) for p in predictions):
            return None  # the prediction network under another name: DQN001 / DQN005
        for first, second, _statement in self.dataflow.parameter_storage_aliases:
            if not mine.isdisjoint(self.dataflow.objects(Ref(first)) | self.dataflow.objects(Ref(second))):
                return None  # `tp.data = p.data`: its parameters are the online ones (DQN001)
        for optimizer, owner in self._optimizer_holdings:
            if self.dataflow.same_storage(owner, network):
                return optimizer
            held = self.dataflow.objects(Ref(owner))
            if mine.isdisjoint(held) and not mine.isdisjoint(self.dataflow.module_components(held)):
                return optimizer  # a submodule of the container the optimizer is given
        return None

    def _container_holding(self, network: cst.BaseExpression) -> cst.Call | None:
        """`agent.q_target` where the optimizer is given `agent.parameters()` and `agent`'s class
        makes `self.q_target` a network of its own (`copy.deepcopy(self.q)`, `QNet(...)`)."""
        if not isinstance(network, cst.Attribute):
            return None
        attribute = network.attr.value
        for optimizer, owner in self._optimizer_holdings:
            if not self.dataflow.same_storage(owner, network.value):
                continue
            classes = {obj.site[1] for obj in self.dataflow.objects(Ref(owner))
                       if obj.kind == "new" and isinstance(obj.site, tuple) and isinstance(obj.site[1], cst.ClassDef)}
            stores = [store for store in self.dataflow.field_stores.get(attribute, ())
                      if self.source.enclosing_class(store.statement) in classes]
            if stores and all(self._makes_own_network(store.value) for store in stores):
                return optimizer
        return None

    def _makes_own_network(self, value: Ref) -> bool:
        """`copy.deepcopy(self.q)`, `QNet(...)`: a call that makes a network, not an alias of one."""
        if not isinstance(value.node, cst.Call) or value.path:
            return False
        objects = self.dataflow.objects(value)
        return bool(objects) and all(obj.kind == "new" for obj in objects)

    def is_optimizer_call(self, call: cst.Call) -> bool:
        """`torch.optim.Adam(...)` under any import name."""
        return is_optimizer_construction(self.source.qualified_names(call.func))

    def _parameter_owners(self, node: cst.BaseExpression) -> list[cst.BaseExpression]:
        owners = []
        for leaf in self.dataflow.resolve(Ref(node)):
            for sub in walk(leaf.node):
                if (
                    isinstance(sub, cst.Call)
                    and isinstance(sub.func, cst.Attribute)
                    and sub.func.attr.value in ("parameters", "named_parameters")
                ):
                    owners.append(sub.func.value)
        return owners

    @cached_property
    def loss_roots(self) -> list[cst.BaseExpression]:
        """Values gradients are taken of: `.backward()` receivers and calls of torch loss functions."""
        roots: list[cst.BaseExpression] = []
        for call in self.dataflow.method_calls.get("backward", ()):
            roots.append(call.func.value)
        for call in self.source.nodes_of_type(cst.Call):
            names = self.source.qualified_names(call.func)
            if names & {"torch.autograd.backward", "torch.autograd.grad"} and call.args:
                roots.append(call.args[0].value)
            elif any(name.startswith("torch.nn.functional.") and "loss" in name for name in names):
                roots.append(call)
            elif isinstance(call.func, (cst.Name, cst.Attribute)) and self._is_loss_module(call.func):
                roots.append(call)
        return roots

    def _is_loss_module(self, func: cst.BaseExpression, constructors: frozenset[str] | None = None) -> bool:
        """Whether `func` may be an object made by `torch.nn.<X>Loss(...)` (one of `constructors`,
        when given): `criterion` of `criterion = nn.MSELoss()`, or `nn.MSELoss()` itself."""
        if isinstance(func, cst.Call):
            names = self.source.qualified_names(func.func)
            return constructors is not None and not names.isdisjoint(constructors)
        if not self._loss_module_constructions:  # most files make none: no callee needs resolving
            return False
        return any(
            obj.kind == "new"
            and obj.site in self._loss_module_constructions
            and (constructors is None or not self.source.qualified_names(obj.site.func).isdisjoint(constructors))
            for obj in self.dataflow.objects(Ref(func))
        )

    @cached_property
    def _loss_module_constructions(self) -> frozenset[cst.Call]:
        return frozenset(
            call
            for call in self.source.nodes_of_type(cst.Call)
            if any(name.startswith("torch.nn.") and name.endswith("Loss") for name in self.source.qualified_names(call.func))
        )

    @cached_property
    def gradient_calls(self) -> frozenset[cst.Call]:
        """Forward calls whose output reaches a loss with autograd attached."""
        calls: set[cst.Call] = set()
        for root in self.loss_roots:
            calls |= self.grad.grad_sources(Ref(root))
        return frozenset(calls)

    @cached_property
    def bootstrap_calls(self) -> frozenset[cst.Call]:
        return frozenset(call for target in self.td_targets for call in target.bootstrap_calls)

    @cached_property
    def trained_networks(self) -> list[cst.BaseExpression]:
        """Networks the optimizer trains: those given to a torch optimizer; when no optimizer is in
        the file, those run on the prediction side of a loss."""
        if self.optimized_networks:
            return list(self.optimized_networks)
        return self.prediction_networks

    @cached_property
    def trained_objects(self) -> frozenset[Obj]:
        objects: set[Obj] = set()
        for network in self.trained_networks:
            objects |= self.dataflow.objects(Ref(network))
        return frozenset(objects)

    @cached_property
    def prediction_networks(self) -> list[cst.BaseExpression]:
        """Networks whose output reaches a loss with gradient outside any TD target: the Q(s, a) side."""
        return [
            self._finder.network_of(call)
            for call in self.gradient_calls
            if call not in self.bootstrap_calls
            and call not in self.grad.inside_helpers
            and self._finder.runs_inside(call).isdisjoint(self.bootstrap_calls)  # a helper making the target
        ]

    def is_trained_binding(self, network: cst.BaseExpression) -> bool:
        """The binding the optimizer trains, or the one that computes the loss's prediction."""
        return any(
            self.dataflow.same_storage(network, trained) for trained in [*self.optimized_networks, *self.prediction_networks]
        )

    @cached_property
    def _trained_components(self) -> frozenset[Obj]:
        return self.dataflow.module_components(self.trained_objects)

    def shares_parameters_with_trained(self, network: cst.BaseExpression) -> bool:
        return self._objects_share(self.dataflow.objects(Ref(network)))

    def _objects_share(self, objects: frozenset[Obj]) -> bool:
        trained = self._trained_components
        mine = self.dataflow.module_components(objects)
        if not trained.isdisjoint(mine):
            return True
        # `target.body = online.body`: a submodule reached through an attribute of a trained network
        return any(obj.kind == "projection" and not (projection_roots(obj) - {obj}).isdisjoint(trained) for obj in mine)

    def aliases_on_every_path(self, network: cst.BaseExpression) -> bool:
        return all(self._objects_share(frozenset({obj})) for obj in self.dataflow.objects(Ref(network)))

    def alias_site(self, network: cst.BaseExpression) -> tuple[cst.CSTNode, str]:
        """Where a bootstrap network became the trained one, and how (for DQN001's report).

        Follows the network's bindings back (assignments, attributes, parameters bound at call
        sites) to the first definition whose value is the trained binding, a shallow copy, a
        conditional holding it, or a constructor given a trained submodule.
        """
        seen: set[int] = set()
        pending: list[cst.BaseExpression] = [network]
        while pending:
            expr = pending.pop(0)
            if id(expr) in seen:
                continue
            seen.add(id(expr))
            for definition, report_at in self._definitions_with_sites(expr):
                value = definition.node
                if isinstance(value, cst.BaseExpression) and definition.path and isinstance(value, (cst.Tuple, cst.List)):
                    index = definition.path[0][1] if definition.path[0][0] == "item" else None
                    if index is not None and index < len(value.elements):
                        value = value.elements[index].value
                if not isinstance(value, cst.BaseExpression):
                    continue
                held = self.dataflow.objects(Ref(value) if value is not definition.node else definition)
                if not self._objects_share(held):
                    continue
                how = self._alias_kind(value, report_at)
                if how is not None:
                    return report_at, how
                if isinstance(value, (cst.Name, cst.Attribute)):
                    pending.append(value)
                elif isinstance(value, cst.Call) and not self.source.qualified_names(value.func) & {torch_api.DEEPCOPY}:
                    pending.extend(arg.value for arg in value.args if isinstance(arg.value, (cst.Name, cst.Attribute)))
        mine = self.dataflow.objects(Ref(network))
        for stores in self.dataflow.field_stores.values():
            for store in stores:
                if not any(obj in projection_roots(base) for base in self.dataflow.objects(Ref(store.base)) for obj in mine):
                    continue
                if self._objects_share(self.dataflow.objects(store.value)):
                    return self.source.statement(store.statement), "shared submodule"
        for first, second, statement in self.dataflow.parameter_storage_aliases:
            if not mine.isdisjoint(self.dataflow.objects(Ref(first)) | self.dataflow.objects(Ref(second))):
                return self.source.statement(statement), "shared storage"
        if isinstance(network, cst.Subscript) and isinstance(network.value, cst.Name):
            for definition in self.dataflow.definitions(network.value) or ():
                return self.source.statement(definition.node), "alias"  # the container holding both
        return network, "alias"

    def _definitions_with_sites(self, expr: cst.BaseExpression):
        """(value, statement to report) for each definition of a binding; a parameter's values are
        the arguments at its call sites, reported at the call."""
        df = self.dataflow
        if isinstance(expr, cst.Name):
            for definition in df.definitions(expr) or ():
                node = definition.node
                if isinstance(node, cst.Param):
                    function = df.function_of_param(node)
                    for site in df.call_sites(function) if function is not None else ():
                        argument = df.argument_for(site.call, function, node, site.bound)
                        if argument is not None:
                            yield Ref(argument), self.source.statement(site.call)
                else:
                    yield definition, self.source.statement(node)
        elif isinstance(expr, cst.Attribute):
            for store in df.field_stores.get(expr.attr.value, ()):
                if not df.objects(Ref(store.base)).isdisjoint(df.objects(Ref(expr.value))):
                    yield store.value, self.source.statement(store.statement)

    def _alias_kind(self, value: cst.BaseExpression, statement: cst.CSTNode) -> str | None:
        while isinstance(value, cst.Call):
            if isinstance(value.func, cst.Attribute) and value.func.attr.value in torch_api.SELF_RETURNING_MODULE_METHODS:
                value = value.func.value  # `online.to(device)` returns `online` itself
            elif self.source.names_any(value.func, torch_api.MODULE_WRAPPERS) and value.args:
                value = value.args[0].value  # `torch.compile(online)` runs online's parameters
            else:
                break
        if any(self.dataflow.same_storage(value, trained) for trained in self.trained_networks):
            return "alias"
        if isinstance(value, cst.IfExp):
            return "conditional alias"
        if isinstance(value, cst.Call):
            names = self.source.qualified_names(value.func)
            if torch_api.SHALLOW_COPY in names:
                return "shallow copy"
            if torch_api.DEEPCOPY in names:
                return None  # an independent copy; the sharing was made somewhere else
            shared_argument = any(self._objects_share(self.dataflow.objects(Ref(arg.value))) for arg in value.args)
            return "shared submodule" if shared_argument else None
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and (
                    len(small.targets) > 1
                    or isinstance(small.value, cst.Tuple)
                    or isinstance(small.targets[0].target, (cst.Tuple, cst.List))
                ):
                    return "alias"  # `a = b = Net()`, `a, b = n, n`, `a, b = [Net()] * 2`
        return None

    def mask_sources(self, mask: MaskUse):
        """What a terminal mask was made from (terminated, truncated, both, old gym done)."""
        return self.flags.sources(Ref(mask.node))

    def frame_limit_setting(self, game_over: cst.Call) -> cst.Call | None:
        """Where the frame limit that an emulator's `game_over()` also reports is set."""
        return self.flags.frame_limit_setting(game_over)

    # ---- building findings ---------------------------------------------------------------------------
    def finding(
        self,
        code: str,
        name: str,
        node: cst.CSTNode,
        message: str,
        severity: Severity,
        related: Iterable[tuple[str, cst.CSTNode]] = (),
        fix: Fix | None = None,
    ) -> Finding:
        filename = self.source.filename(node)
        return Finding(
            code=code,
            name=name,
            message=message,
            severity=severity,
            span=self.source.span(node),
            filename=filename,
            related=tuple(
                Related(text, self.source.span(where), _other_file(self.source.filename(where), filename))
                for text, where in related
            ),
            statement_rows=self.source.statement_rows(node),
            fix=fix,
        )

    def code(self, node: cst.CSTNode) -> str:
        return self.source.code(node).strip()


def _allocation_call(obj: Obj) -> cst.Call | None:
    """The call that made a network object (`copy.deepcopy(online)`, `QNet(...)`, a factory's call)."""
    if obj.kind != "new":
        return None
    site = obj.site
    if isinstance(site, tuple) and len(site) == 2 and isinstance(site[0], cst.Call):
        return site[0]
    return site if isinstance(site, cst.Call) else None


def _other_file(where: str, finding_file: str) -> str:
    """A related location's file, left empty when it is the finding's own."""
    return "" if where == finding_file else where


def build_model(primary: cst.Module | SourceUnit, context: tuple[SourceUnit, ...] = ()) -> ProgramModel:
    return ProgramModel(primary, context)
